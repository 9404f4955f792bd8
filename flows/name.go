package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameRunes bounds a name; the USCIS forms allow far less per field, but
// a full name here is given and family names together.
const maxNameRunes = 100

// ParseName reads a person's name in any script: white space trimmed and
// collapsed, NFC-normalized so that "José" typed with a combining accent is
// stored like "José" typed precomposed. It must hold a letter, and besides
// letters and their combining marks only spaces, apostrophes (' ’),
// hyphens, periods, commas and the middle dots that join name parts in
// Catalan (·) and in Japanese transcriptions of foreign names (・). The
// zero-width non-joiner and joiner, which Persian and Indic spellings need,
// are allowed between letters. Digits and symbols are refused: they are
// typos, or an answer to a different question.
func ParseName(s string) (string, error) {
	n := norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if n == "" || utf8.RuneCountInString(n) > maxNameRunes {
		return "", Invalid("problem.name")
	}
	rs := []rune(n)
	letter := false
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.In(r, unicode.Mn, unicode.Mc):
		case strings.ContainsRune(" '’-.,·・", r):
		case r == '\u200c' || r == '\u200d':
			if i == 0 || i == len(rs)-1 || !isLetterOrMark(rs[i-1]) || !isLetterOrMark(rs[i+1]) {
				return "", Invalid("problem.name")
			}
		default:
			return "", Invalid("problem.name")
		}
	}
	if !letter {
		return "", Invalid("problem.name")
	}
	return n, nil
}

func isLetterOrMark(r rune) bool { return unicode.IsLetter(r) || unicode.In(r, unicode.Mn, unicode.Mc) }
