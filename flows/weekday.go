package flows

import (
	"strings"
	"time"
)

// Weekday is a business day of the week someone prefers for the callback.
type Weekday string

const (
	Monday    Weekday = "mon"
	Tuesday   Weekday = "tue"
	Wednesday Weekday = "wed"
	Thursday  Weekday = "thu"
	Friday    Weekday = "fri"
)

// Weekdays lists Monday to Friday in order; the menu numbers them 1 to 5.
func Weekdays() []Weekday { return []Weekday{Monday, Tuesday, Wednesday, Thursday, Friday} }

// parseDays reads "1 3", "mon, wed", "lunes y miércoles" or the any-day
// choice (6 or a word for any) into a sorted set. Any returns nil, true.
func parseDays(input string, lex Lexicon) ([]Weekday, error) {
	f := Fold(input)
	f = strings.NewReplacer(",", " ", "/", " ", "&", " ", "+", " ", ";", " ", "-", " ", "、", " ", "，", " ").Replace(f)
	if lex.IsAny(f) || f == "6" {
		return nil, nil
	}
	chosen := map[Weekday]bool{}
	words := strings.Fields(f)
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) {
			// A name of two words ("thứ 2") before its parts.
			if d, ok := lex.Weekdays[w+" "+words[i+1]]; ok && d != time.Saturday && d != time.Sunday {
				chosen[Weekdays()[d-time.Monday]] = true
				i++
				continue
			}
		}
		if lex.IsFiller(w) {
			continue
		}
		if len(w) == 1 && w[0] >= '1' && w[0] <= '5' {
			chosen[Weekdays()[w[0]-'1']] = true
			continue
		}
		if len(w) > 1 && strings.Trim(w, "12345") == "" {
			// "135" typed without spaces
			for _, d := range w {
				chosen[Weekdays()[d-'1']] = true
			}
			continue
		}
		d, ok := lex.Weekdays[strings.Trim(w, ".")]
		if !ok || d == time.Saturday || d == time.Sunday {
			return nil, Invalid("problem.days")
		}
		chosen[Weekdays()[d-time.Monday]] = true
	}
	if len(chosen) == 0 {
		return nil, Invalid("problem.days")
	}
	if len(chosen) == 5 {
		return nil, nil
	}
	var days []Weekday
	for _, d := range Weekdays() {
		if chosen[d] {
			days = append(days, d)
		}
	}
	return days, nil
}
