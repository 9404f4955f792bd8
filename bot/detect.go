package bot

import (
	"slices"
	"strings"
	"unicode"

	"infopass/flows"
)

// scriptLanguages are the languages of the service that alone use a
// script: a first text in that script says which language it is.
func scriptLanguages() []struct {
	script *unicode.RangeTable
	tag    string
} {
	return []struct {
		script *unicode.RangeTable
		tag    string
	}{
		{unicode.Hangul, "ko"}, {unicode.Han, "zh-Hans"}, {unicode.Arabic, "ar"}, {unicode.Cyrillic, "ru"},
	}
}

// DetectLanguage guesses the language of a first text, when it is clear: a
// greeting that only one language uses ("hola", "xin chào"), or a script
// only one language of the service is written in. English is never
// guessed: an English greeting gets the language menu.
func (c *Catalog) DetectLanguage(text string) (string, bool) {
	f := flows.Bare(text)
	var found []string
	for tag, set := range c.greetings {
		if tag != DefaultLanguage && set[f] {
			found = append(found, tag)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	if len(found) > 1 {
		return "", false
	}
	counts := map[string]int{}
	letters := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		for _, s := range scriptLanguages() {
			if unicode.Is(s.script, r) {
				counts[s.tag]++
			}
		}
	}
	for tag, n := range counts {
		if n*2 > letters && c.Has(tag) {
			return tag, true
		}
	}
	return "", false
}

// OptsOut reports whether text asks for no more texts in words ("stop
// texting me", "no más mensajes"), in any language of the service: a
// person who has not chosen a language yet, or writes in their own, is
// heard too.
func (c *Catalog) OptsOut(text string) bool {
	_, ok := c.optOutPhrase(flows.Fold(text))
	return ok
}

// optOutPhrase returns the languages of the opt-out phrases folded text
// contains.
func (c *Catalog) optOutPhrase(f string) (tags []string, ok bool) {
	for tag, phrases := range c.optOut {
		for _, p := range phrases {
			if strings.Contains(f, p) {
				tags = append(tags, tag)
				break
			}
		}
	}
	return tags, len(tags) > 0
}

// OptOutLanguage returns the language an opt-out is written in, when its
// words (a STOP word, an opt-out phrase, or the script) belong to one
// language only: the confirmation of someone who never chose a language
// is written in theirs.
func (c *Catalog) OptOutLanguage(text string) (string, bool) {
	f := flows.Fold(text)
	tags := c.stopWords[flows.Bare(text)]
	if more, ok := c.optOutPhrase(f); ok {
		tags = append(slices.Clone(tags), more...)
	}
	slices.Sort(tags)
	if tags = slices.Compact(tags); len(tags) == 1 {
		return tags[0], true
	}
	if slices.Contains(tags, DefaultLanguage) {
		return "", false
	}
	return c.DetectLanguage(text)
}

// carrierOptOut reports whether word is one of the opt-out keywords that
// Twilio and the carriers act on themselves, answering with their own
// confirmation and blocking any reply.
func carrierOptOut(word string) bool {
	switch strings.Trim(flows.Fold(word), " .!") {
	case "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke", "stop all", "opt out":
		return true
	}
	return false
}
