package bot

import (
	"strconv"
	"strings"
	"time"

	"infopass/flows"
)

// A Clip is a recorded word or phrase from which a read-back is composed
// in a language Twilio cannot speak: a prompt that carries the caller's own
// data ("I have 3 April 1990") is played as a sequence of clips.
type Clip struct {
	// Name says what the clip stands for: digit.0-digit.9, number.1-number.31,
	// month.1-month.12, weekday.0-weekday.6 (Sunday first), year.1900-
	// year.2059, letter.a-letter.z.
	Name string
	// Text is what is recorded, from the locale file.
	Text string
}

// The years that have a clip: from the earliest date of birth the wizard
// takes (120 years back) to beyond the latest date it asks for (2 years
// ahead), with room to spare, and without depending on today's date, so
// that the recordings do not go stale with the calendar.
const (
	firstClipYear = 1900
	lastClipYear  = 2059
)

// ReadbackClips lists the clips of lang, in a fixed order: the digits, the
// numbers 1 to 31, the months, the weekdays, the years as said, and the
// spoken names of the letters, all from the locale file (number.words,
// number.years, month.*, input.weekdays, input.spelled_letters).
func (c *Catalog) ReadbackClips(lang string) []Clip {
	var out []Clip
	add := func(name string) {
		if text, ok := c.ClipText(lang, name); ok {
			out = append(out, Clip{Name: name, Text: text})
		}
	}
	for d := range 10 {
		add("digit." + strconv.Itoa(d))
	}
	for n := 1; n <= 31; n++ {
		add("number." + strconv.Itoa(n))
	}
	for m := 1; m <= 12; m++ {
		add("month." + strconv.Itoa(m))
	}
	for d := range 7 {
		add("weekday." + strconv.Itoa(d))
	}
	for y := firstClipYear; y <= lastClipYear; y++ {
		add("year." + strconv.Itoa(y))
	}
	for l := 'a'; l <= 'z'; l++ {
		add("letter." + string(l))
	}
	return out
}

// ClipText returns the text of the clip name in lang (see Clip.Name).
func (c *Catalog) ClipText(lang, name string) (string, bool) {
	kind, arg, _ := strings.Cut(name, ".")
	if !c.Has(lang) {
		return "", false
	}
	if kind == "letter" {
		if len(arg) != 1 || arg[0] < 'a' || arg[0] > 'z' {
			return "", false
		}
		return c.letterName(lang, int(arg[0]-'a'))
	}
	n, err := strconv.Atoi(arg)
	if err != nil || strconv.Itoa(n) != arg {
		return "", false
	}
	switch {
	case kind == "digit" && n >= 0 && n <= 9, kind == "number" && n >= 1 && n <= 31:
		return c.numberWord(lang, n)
	case kind == "month" && n >= 1 && n <= 12:
		return nonEmpty(c.raw(lang, MonthID(flows.Date{Month: time.Month(n)})))
	case kind == "weekday" && n >= 0 && n <= 6:
		names, ok := c.group(lang, "input.weekdays", 7, n) // "lundo lundon ...": the first
		if !ok {
			return "", false
		}
		return strings.ReplaceAll(strings.Fields(names)[0], "_", " "), true
	case kind == "year" && n >= firstClipYear && n <= lastClipYear:
		return c.yearWords(lang, n)
	}
	return "", false
}

// numberWord returns how lang says n, from 0 to 99 (number.words).
func (c *Catalog) numberWord(lang string, n int) (string, bool) {
	return c.group(lang, "number.words", 100, n)
}

// yearWords returns how lang says a year of the 1900s or 2000s: the start
// of the year (number.years), then the number of its last two digits
// unless they are 00 ("mil nèf san" "katreven dis", "du mil" "dudek
// sep"). That is how the recorded languages say years; it is not how
// every language does (English says 1905 "nineteen oh five"), so the
// clips are made for the recorded languages only.
func (c *Catalog) yearWords(lang string, y int) (string, bool) {
	start, ok := c.group(lang, "number.years", 2, y/100-19)
	if !ok || y < 1900 || y > 2099 {
		return "", false
	}
	if y%100 == 0 {
		return start, true
	}
	rest, ok := c.numberWord(lang, y%100)
	if !ok {
		return "", false
	}
	return start + " " + rest, true
}

// letterName returns the spoken name of the i-th letter of the alphabet in
// lang: the first of its names in input.spelled_letters that is longer
// than the letter itself ("be" for B in Kreyòl, "duobla vo" for W in
// Esperanto), or the letter, which is its own name ("a").
func (c *Catalog) letterName(lang string, i int) (string, bool) {
	groups := strings.Split(c.raw(lang, "input.spelled_letters"), "|")
	if len(groups) != 26 {
		return "", false
	}
	names := strings.Fields(groups[i])
	if len(names) == 0 {
		return "", false
	}
	for _, n := range names {
		if n = strings.ReplaceAll(n, "_", " "); len([]rune(n)) > 1 {
			return n, true
		}
	}
	return names[0], true
}

// group returns the i-th of the n "|"-separated groups of message id.
func (c *Catalog) group(lang, id string, n, i int) (string, bool) {
	groups := strings.Split(c.raw(lang, id), "|")
	if len(groups) != n || i < 0 || i >= n {
		return "", false
	}
	return nonEmpty(strings.TrimSpace(groups[i]))
}

func nonEmpty(s string) (string, bool) { return s, s != "" }
