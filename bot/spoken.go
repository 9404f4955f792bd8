package bot

import "strings"

// SpokenMessageIDs lists the messages a caller can hear: every voice
// version, and the messages of the kinds a call says (questions, problems,
// replies, referrals, information, hints) that have none and are spoken as
// written. Recordings and checks of what callers hear start from it.
func (c *Catalog) SpokenMessageIDs() []string {
	var out []string
	for _, id := range c.ids {
		prefix, _, _ := strings.Cut(id, ".")
		switch prefix {
		case "voice":
			out = append(out, id)
		case "problem", "reply", "refer", "info", "hint", "ask":
			if voiceID(c, id) == id {
				out = append(out, id)
			}
		}
	}
	return out
}
