package bot

import (
	"strings"
	"unicode"

	"infopass/flows"
)

// Keyword is a word that works at every step, in every language.
type Keyword string

const (
	KeyHelp     Keyword = "help"
	KeyStop     Keyword = "stop"
	KeyStart    Keyword = "start"
	KeyBack     Keyword = "back"
	KeyRestart  Keyword = "restart"
	KeyCancel   Keyword = "cancel"
	KeyLanguage Keyword = "language"
	KeyAgent    Keyword = "agent"
	KeyStatus   Keyword = "status"
)

// Keywords lists every keyword; each has a "keyword.<name>" list of words in
// every locale file.
func Keywords() []Keyword {
	return []Keyword{KeyHelp, KeyStop, KeyStart, KeyBack, KeyRestart, KeyCancel, KeyLanguage, KeyAgent, KeyStatus}
}

// Keyword returns the keyword text is, in the language tag or in English,
// ignoring case, accents, width and surrounding punctuation. A STOP word of
// any language is STOP: carriers expect an opt-out to be honoured in the
// words the person uses, whatever language the conversation is in.
func (c *Catalog) Keyword(tag, text string) (Keyword, bool) {
	f := flows.Bare(text)
	if f == "" {
		return "", false
	}
	if k, ok := c.keywords[tag][f]; ok {
		return k, true
	}
	if k, ok := c.keywords[DefaultLanguage][f]; ok {
		return k, true
	}
	if len(c.stopWords[f]) > 0 {
		return KeyStop, true
	}
	return "", false
}

// SaysInfopass reports whether a caller's words name Infopass anywhere
// ("Infopass please", "I need Infopass"): on the phone that word reaches a
// person at any moment, as the Contact Center's own menu does.
func SaysInfopass(text string) bool {
	words := strings.FieldsFunc(flows.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) })
	for i, w := range words {
		// Speech recognition may hear it as two words.
		if w == "infopass" || w == "infopas" || (w == "info" && i+1 < len(words) && words[i+1] == "pass") {
			return true
		}
	}
	return false
}
