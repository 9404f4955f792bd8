package bot

import (
	"strings"

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
// ignoring case, accents, width and surrounding punctuation.
func (c *Catalog) Keyword(tag, text string) (Keyword, bool) {
	f := strings.Trim(flows.Fold(text), " .!?¡¿,;:。！？\"'")
	if f == "" {
		return "", false
	}
	if k, ok := c.keywords[tag][f]; ok {
		return k, true
	}
	k, ok := c.keywords[DefaultLanguage][f]
	return k, ok
}
