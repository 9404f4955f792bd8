package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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

// DetectLanguage returns the language a first text is written in, when
// that is clear, so that the conversation starts in it; English, or any
// doubt, gets the language menu instead (it never returns English). In
// turn:
//   - a greeting that only one language uses ("hola", "bonjou");
//   - a script that only one language of the service is written in
//     (Chinese, Korean, Arabic, Russian);
//   - a text every word of which is in the English locale file ("hi i
//     need an appointment", "ok", "Infopass") stays English;
//   - then two witnesses: the language detector (lingua, restricted to the
//     service's languages written in Latin letters, see detectorConfident),
//     and the words of the text that occur in one locale file only,
//     English's aside ("cita", "mwen", "bezwen"). The detector knows no
//     Haitian Creole and short texts fool it ("cita por favor" reads as
//     Esperanto); a single word can belong to another language by chance
//     ("mama" is in the Polish file). See wordsAndDetector.
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
	if tag, ok := c.scriptLanguage(text); ok {
		return tag, true
	}
	words := detectionWords(text)
	foreign := slices.DeleteFunc(slices.Clone(words), c.english)
	if len(foreign) == 0 {
		return "", false
	}
	votes := map[string]int{}
	for _, w := range foreign {
		if tag, ok := c.ownWords[w]; ok {
			votes[tag]++
		}
	}
	tag := wordsAndDetector(votes, c.detectorScores(text))
	return tag, tag != ""
}

// wordsAndDetector decides between the locale files' words (votes: how
// many words of the text only each language's file has) and the detector's
// scores, or returns "" for the menu:
//   - the detector sure of English: English (a stray foreign word in an
//     English text changes nothing);
//   - the detector sure of another language: that one, unless the words
//     say another language with more words than it, and two words or more
//     or one of a language the detector does not know ("mwen bezwen fè yon
//     randevou", "mèsi anpil" are not French);
//   - the detector unsure: the language with the most words, alone in the
//     lead, unless it has a single word and the detector leans to English
//     ("I was born in Haiti").
func wordsAndDetector(votes map[string]int, s scores) string {
	best, n, tied := "", 0, false
	for tag, v := range votes {
		switch {
		case v > n:
			best, n, tied = tag, v, false
		case v == n:
			tied = true
		}
	}
	if tied {
		best = ""
	}
	top, sure := s.top(), detectorConfident(s)
	switch {
	case sure && top == DefaultLanguage:
		return ""
	case sure:
		if best != "" && best != top && (n >= 2 || !detectorKnows(best)) && n > votes[top] {
			return best
		}
		return top
	case best == "" || n == 1 && top == DefaultLanguage:
		return ""
	}
	return best
}

// scriptLanguage returns the language whose own script more than half the
// letters of text are in.
func (c *Catalog) scriptLanguage(text string) (string, bool) {
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

// detectionWords returns the folded words of text of two letters or more:
// single letters ("m", "y", "a") belong to too many languages to tell.
func detectionWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(flows.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) >= 2 {
			out = append(out, w)
		}
	}
	return out
}

// english reports whether w is a word of the English locale file.
func (c *Catalog) english(w string) bool { return c.englishWords[w] }

// loadDetectionWords collects the words of every locale file's messages
// and vocabulary and keeps, for each language but English, the words no
// other file has: the file of a language is a small corpus of it.
func (c *Catalog) loadDetectionWords() {
	seen := map[string]map[string]bool{} // word → languages
	for _, l := range c.languages {
		for _, id := range c.ids {
			switch id {
			case "input.spelled_letters", "meta.order":
				continue // letter names ("be", "se") are not words of the language
			}
			for _, w := range detectionWords(strings.ReplaceAll(c.raw(l.Tag, id), "<no value>", " ")) {
				if seen[w] == nil {
					seen[w] = map[string]bool{}
				}
				seen[w][l.Tag] = true
			}
		}
	}
	c.englishWords = map[string]bool{}
	c.ownWords = map[string]string{}
	for w, tags := range seen {
		if tags[DefaultLanguage] {
			c.englishWords[w] = true
			continue
		}
		if len(tags) == 1 {
			for tag := range tags {
				c.ownWords[w] = tag
			}
		}
	}
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
