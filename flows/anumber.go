package flows

import (
	"strings"
	"unicode"
)

// ParseANumber reads an Alien Registration Number as people type it: with or
// without the leading A, in any case or width, grouped with spaces, dashes or
// dots, in any script's digits. It returns the canonical form USCIS prints on
// newer notices, "A" and nine digits, because older numbers have seven or
// eight digits and are the same number once zero-padded.
func ParseANumber(s string) (string, error) {
	f := Fold(s) // full-width Ａ becomes a, other scripts' digits become ASCII
	var digits strings.Builder
	for i, r := range f {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case isGroupSeparator(r):
		case r == 'a' && digits.Len() == 0 && strings.TrimLeftFunc(f[:i], isGroupSeparator) == "":
			// The A belongs only at the front, before any digit.
		default:
			return "", Invalid("problem.anumber")
		}
	}
	d := digits.String()
	if len(d) < 7 || len(d) > 9 || strings.Trim(d, "0") == "" {
		return "", Invalid("problem.anumber")
	}
	return "A" + strings.Repeat("0", 9-len(d)) + d, nil
}

// isGroupSeparator reports whether r is what people put between groups of
// digits in identifiers: white space, any kind of dash, a dot.
func isGroupSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '.'
}
