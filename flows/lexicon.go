package flows

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Lexicon is the vocabulary of one language that the validators need to read
// what people type: month names, the usual order of numeric dates, and the
// words for yes, no, none and same. The bot builds it from the locale files,
// so adding a language adds no code here. Every word is stored folded.
type Lexicon struct {
	Lang      language.Tag
	DateOrder string // "MDY", "DMY" or "YMD": how 03/07/1985 is read
	Months    map[string]time.Month
	Yes       map[string]bool
	No        map[string]bool
	None      map[string]bool
	Same      map[string]bool
	Any       map[string]bool // "any", "whenever": any day or time
	Filler    map[string]bool // "and", "or", "y", "o": skipped between listed days
	Weekdays  map[string]time.Weekday
	// DateWords are words that only join the parts of a date in this
	// language ("ng" in Tagalog, "من" in Arabic).
	DateWords map[string]bool
	// Letters maps the spoken names of Latin letters ("echo", "bé") to
	// the letters.
	Letters map[string]rune
	// CaseStatus holds phrases that mean someone asks about their case
	// status, which Infopass does not handle.
	CaseStatus []string
	// Numbers maps the words for the numbers of a menu ("two", "dos") to
	// them, for callers who say the option.
	Numbers map[string]int
}

// NewLexicon builds a Lexicon. months holds twelve entries, one a month, each
// a list of names and abbreviations; the word lists may hold phrases.
func NewLexicon(lang language.Tag, dateOrder string, months [12][]string, yes, no, none, same []string) Lexicon {
	return Lexicon{
		Lang:      lang,
		DateOrder: dateOrder,
		Months:    groupIndex(months[:], func(i int) time.Month { return time.Month(i + 1) }),
		Yes:       wordSet(yes),
		No:        wordSet(no),
		None:      wordSet(none),
		Same:      wordSet(same),
	}
}

// groupIndex maps every folded name of groups[i] to value(i).
func groupIndex[T any](groups [][]string, value func(i int) T) map[string]T {
	index := map[string]T{}
	for i, names := range groups {
		for _, n := range names {
			if f := Fold(n); f != "" {
				index[f] = value(i)
			}
		}
	}
	return index
}

func wordSet(words []string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		if f := Fold(w); f != "" {
			set[f] = true
		}
	}
	return set
}

// WithDays returns a copy of l that reads weekday names (Sunday first, as
// time.Weekday counts), the words for "any" and the filler words between
// listed days.
func (l Lexicon) WithDays(weekdays [7][]string, anyWords, filler []string) Lexicon {
	out := l
	out.Weekdays = groupIndex(weekdays[:], func(i int) time.Weekday { return time.Weekday(i) })
	out.Any = wordSet(anyWords)
	out.Filler = wordSet(filler)
	return out
}

// WithLetters returns a copy of l that reads the spoken names of the 26
// Latin letters, A first.
func (l Lexicon) WithLetters(names [26][]string) Lexicon {
	out := l
	out.Letters = groupIndex(names[:], func(i int) rune { return rune('A' + i) })
	return out
}

// WithDateWords returns a copy of l that skips these words in dates.
func (l Lexicon) WithDateWords(words []string) Lexicon {
	out := l
	out.DateWords = wordSet(words)
	return out
}

// WithNumbers returns a copy of l that reads names[i] as the number i+1.
func (l Lexicon) WithNumbers(names [][]string) Lexicon {
	out := l
	out.Numbers = groupIndex(names, func(i int) int { return i + 1 })
	return out
}

// Number returns the number a menu answer says in words ("two", "Dos."),
// if the whole answer is one.
func (l Lexicon) Number(text string) (int, bool) {
	n, ok := l.Numbers[Bare(text)]
	return n, ok
}

// WithCaseStatus returns a copy of l that recognizes these phrases as a
// question about case status.
func (l Lexicon) WithCaseStatus(phrases []string) Lexicon {
	out := l
	out.CaseStatus = nil
	for _, p := range phrases {
		if f := Fold(p); f != "" {
			out.CaseStatus = append(out.CaseStatus, f)
		}
	}
	return out
}

// AsksCaseStatus reports whether text contains a case-status phrase.
func (l Lexicon) AsksCaseStatus(text string) bool {
	f := Fold(text)
	for _, p := range l.CaseStatus {
		if strings.Contains(f, p) {
			return true
		}
	}
	return false
}

// Merge returns a copy of l that also knows every word of o, keeping l's
// language and date order. English words keep working in every language.
func (l Lexicon) Merge(o Lexicon) Lexicon {
	out := l
	out.Months = mergeMap(l.Months, o.Months)
	out.Yes = mergeMap(l.Yes, o.Yes)
	out.No = mergeMap(l.No, o.No)
	out.None = mergeMap(l.None, o.None)
	out.Same = mergeMap(l.Same, o.Same)
	out.Any = mergeMap(l.Any, o.Any)
	out.Filler = mergeMap(l.Filler, o.Filler)
	out.Weekdays = mergeMap(l.Weekdays, o.Weekdays)
	out.CaseStatus = append(append([]string(nil), l.CaseStatus...), o.CaseStatus...)
	out.Letters = mergeMap(l.Letters, o.Letters)
	out.DateWords = mergeMap(l.DateWords, o.DateWords)
	return out
}

func mergeMap[V any](a, b map[string]V) map[string]V {
	out := make(map[string]V, len(a)+len(b))
	for k, v := range b {
		out[k] = v
	}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// has reports whether the folded text, or the text without trailing
// punctuation, is in set.
func has(set map[string]bool, text string) bool {
	f := Bare(text)
	return f != "" && set[f]
}

// IsYes reports whether text means yes in this language.
func (l Lexicon) IsYes(text string) bool { return has(l.Yes, text) }

// IsNo reports whether text means no.
func (l Lexicon) IsNo(text string) bool { return has(l.No, text) }

// IsNone reports whether text means "none" / "I don't have one".
func (l Lexicon) IsNone(text string) bool { return has(l.None, text) }

// IsAny reports whether text means "any" (day or time).
func (l Lexicon) IsAny(text string) bool { return has(l.Any, text) }

// IsFiller reports whether a word only joins others ("and", "or").
func (l Lexicon) IsFiller(word string) bool { return has(l.Filler, word) }

// IsSame reports whether text means "the same one" (the number in use).
func (l Lexicon) IsSame(text string) bool { return has(l.Same, text) }
