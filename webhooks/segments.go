package webhooks

import "strings"

// gsm7 holds the characters of the GSM 03.38 default alphabet, and
// gsm7Ext those of its extension table, which take two septets each.
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// Segments returns how many SMS segments text costs and whether it goes as
// GSM-7 (160 septets, 153 a segment when split) rather than UCS-2 (70
// UTF-16 units, 67 a segment when split).
func Segments(text string) (n int, isGSM bool) {
	septets := 0
	isGSM = true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			isGSM = false
		}
	}
	if isGSM {
		if septets <= 160 {
			return 1, true
		}
		return (septets + 152) / 153, true
	}
	units := 0
	for _, r := range text {
		if r > 0xFFFF {
			units += 2
		} else {
			units++
		}
	}
	if units <= 70 {
		return 1, false
	}
	return (units + 66) / 67, false
}

// MaxSegments is the most SMS segments a reply may cost.
const MaxSegments = 3

// FitSMS returns full, or short (the same reply without the question asked
// again) when full costs more than MaxSegments: the person asked for
// something else, and the question stands as it was.
func FitSMS(full, short string) string {
	if n, _ := Segments(full); n > MaxSegments && short != "" {
		return short
	}
	return full
}
