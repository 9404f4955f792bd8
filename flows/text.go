package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold reduces text to a form for matching words people type: compatibility
// decomposition (full-width letters become ASCII), accents removed, digits of
// any script turned into ASCII digits, lower case, and runs of white space
// collapsed to one space. It is for comparing, never for storing.
func Fold(s string) string {
	if isASCII(s) {
		// Nothing to decompose, strip or replace: most of what people type
		// is folded without the Unicode machinery, which is costly.
		return foldASCII(s)
	}
	return foldUnicode(s)
}

// Bare folds text and trims the punctuation people put around a one-word
// answer ("Yes!", "¿Ayuda?", "停止。").
func Bare(text string) string { return strings.Trim(Fold(text), " .!?¡¿,;:。！？\"'") }

func foldASCII(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func foldUnicode(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	folded = strings.ToLower(ASCIIDigits(folded))
	// Letters that no decomposition takes the stroke off.
	folded = strings.NewReplacer("đ", "d", "ł", "l", "ø", "o", "ħ", "h").Replace(folded)
	return strings.Join(strings.Fields(folded), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ASCIIDigits replaces decimal digits of any script (Arabic-Indic ٣,
// full-width ３, Devanagari ३ …) with their ASCII equivalents.
func ASCIIDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || !unicode.IsDigit(r) {
			return r
		}
		if v, ok := digitValue(r); ok {
			return '0' + rune(v)
		}
		return r
	}, s)
}

// digitValue finds r's value from the Nd table, whose ranges each hold whole
// runs of ten digits starting at zero.
func digitValue(r rune) (int, bool) {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) && rg.Stride == 1 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) && rg.Stride == 1 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// OnlyDigits returns the ASCII digits of s, after ASCIIDigits, dropping
// everything else.
func OnlyDigits(s string) string {
	var b strings.Builder
	for _, r := range ASCIIDigits(s) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
