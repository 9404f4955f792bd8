package flows

import "strings"

// SpellOut reads letters and digits spelled aloud ("E A C", "echo alpha
// charlie 2 1 9", "eac") into capitals and digits: "EAC219". Words for
// letters come from the language's Lexicon. It returns "" when a word is
// neither a letter nor digits.
func SpellOut(text string, lex Lexicon) string {
	f := strings.NewReplacer(",", " ", ".", " ", "-", " ", "/", " ").Replace(Fold(text))
	words := strings.Fields(f)
	var b strings.Builder
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) {
			if r, ok := lex.Letters[w+" "+words[i+1]]; ok {
				b.WriteRune(r)
				i++
				continue
			}
		}
		if r, ok := lex.Letters[w]; ok {
			b.WriteRune(r)
			continue
		}
		letters := strings.TrimRight(w, "0123456789")
		digits := w[len(letters):]
		if len(letters) > 3 || strings.Trim(letters, "abcdefghijklmnopqrstuvwxyz") != "" {
			return ""
		}
		b.WriteString(strings.ToUpper(letters) + digits)
	}
	return b.String()
}
