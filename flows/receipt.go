package flows

import (
	"slices"
	"strings"
)

// Receipt is a USCIS receipt number: three letters for the office that took
// the case and ten digits.
type Receipt struct {
	Number string // canonical: upper-case letters, no separators
	// KnownPrefix is false when the letters are not an office we know; the
	// number may still be right (offices come and go), so the wizard asks the
	// person to confirm rather than rejecting it.
	KnownPrefix bool
}

// ParseReceipt reads a receipt number typed in any case, width or script of
// digits, grouped with spaces, dashes or dots.
func ParseReceipt(s string) (Receipt, error) {
	var b strings.Builder
	for _, r := range Fold(s) {
		switch {
		case isGroupSeparator(r):
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z':
			b.WriteRune(r)
		default:
			return Receipt{}, Invalid("problem.receipt")
		}
	}
	n := strings.ToUpper(b.String())
	if len(n) != 13 || !isASCIIUpper(n[:3]) || OnlyDigits(n[3:]) != n[3:] {
		return Receipt{}, Invalid("problem.receipt")
	}
	return Receipt{Number: n, KnownPrefix: KnownReceiptPrefix(n[:3])}, nil
}

// KnownReceiptPrefix reports whether p, in any case, is the prefix of a USCIS
// office that issues receipt numbers: the service centers (EAC Vermont, VSC,
// WAC California, CSC, LIN Nebraska, NSC, SRC Texas, TSC, YSC Potomac), the
// National Benefits Center (MSC, NBC) and USCIS Electronic Immigration
// System filings (IOE).
func KnownReceiptPrefix(p string) bool { return slices.Contains(receiptPrefixes(), strings.ToUpper(p)) }

// receiptPrefixes are the known prefixes, the most common first.
func receiptPrefixes() []string {
	return []string{"IOE", "MSC", "EAC", "WAC", "LIN", "SRC", "NBC", "YSC", "VSC", "CSC", "NSC", "TSC"}
}

// PrefixesForKeys lists the known receipt prefixes a caller means by
// keying each letter as the phone key that bears it (E A C is 3 2 2), the
// most common first: more than one when offices share keys (M S C and
// N S C are 6 7 2).
func PrefixesForKeys(keys string) []string {
	const keypad = "22233344455566677778889999" // A..Z
	var out []string
	for _, p := range receiptPrefixes() {
		k := make([]byte, len(p))
		for i := range p {
			k[i] = keypad[p[i]-'A']
		}
		if string(k) == keys {
			out = append(out, p)
		}
	}
	return out
}

func isASCIIUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
