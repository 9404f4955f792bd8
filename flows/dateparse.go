package flows

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseDate reads a date as people type it in a text message or on a keypad:
//
//   - numbers with / - . or spaces between them: 3/7/1985, 03-07-85, 7.3.1985,
//     read in lex.DateOrder ("MDY" when empty or unknown; "DMY" reads
//     03/07/1985 as 3 July), except that a four-digit first number is
//     always a year (1985-03-07, 1985/3/7) and that under YMD a four-digit
//     last number is read as the U.S. forms write it, 03/07/1985 as MDY;
//   - eight digits in a row, as a keypad sends them: MMDDYYYY, or DDMMYYYY
//     under DMY, YYYYMMDD under YMD; and YYYYMMDD whatever the order when
//     only the first four digits can be a year (19850307);
//   - a month name or abbreviation from lex.Months, with the day and year in
//     either order around it: "March 7 1985", "7 de marzo de 1985",
//     "Mar. 7th, 1985", "7-mar-85";
//   - year-first East Asian forms, 1985年3月7日 and 1985년 3월 7일.
//
// A numeric date that does not fit the language's order is impossible, not
// silently read the other way: under MDY, 13/02/2020 is an error, because
// guessing would put the wrong date of birth on a request.
//
// Two-digit years fall in 1930–2029. Without the clock there is no sliding
// window; this one covers the dates of birth of living applicants and the
// near-future dates the wizard asks for, and the date rules reject the rest.
func ParseDate(s string, lex Lexicon) (Date, error) {
	toks, ok := dateTokens(Fold(s), lex)
	if !ok {
		return Date{}, Invalid("problem.date_format")
	}
	var nums []string
	month := time.Month(0)
	for _, t := range toks {
		if t.month == 0 {
			nums = append(nums, t.text)
			continue
		}
		if month != 0 {
			return Date{}, Invalid("problem.date_format")
		}
		month = t.month
	}
	if month != 0 {
		return namedMonthDate(month, nums)
	}
	return numericDate(nums, lex.DateOrder)
}

// AmbiguousDate reports whether s is a date written in numbers alone that
// reads as another date in the other order of day and month (03/04/2027:
// 3 April, or March 4): both are 12 or below and they differ. The person
// should see at once which date was taken.
func AmbiguousDate(s string, lex Lexicon) bool {
	toks, ok := dateTokens(Fold(s), lex)
	if !ok {
		return false
	}
	for _, t := range toks {
		if t.month != 0 {
			return false
		}
	}
	if len(toks) == 3 && len(toks[0].text) == 4 {
		return false // year first is read one way everywhere: 2027-04-03
	}
	d, err := ParseDate(s, lex)
	return err == nil && d.Day <= 12 && int(d.Month) != d.Day
}

// dateWord is a run of digits or of letters in folded text.
type dateWord struct {
	text     string
	num      bool
	attached bool // follows the previous word with nothing between
}

// dateToken is a run of ASCII digits, or a month that a run of words named.
type dateToken struct {
	text  string
	month time.Month
}

// dateTokens splits folded text into numbers and months. It drops the words
// that carry no date (de, of, the …) and ordinal suffixes right after a
// number (7th, 1º). Any other word makes the text unreadable.
func dateTokens(f string, lex Lexicon) ([]dateToken, bool) {
	var words []dateWord
	start, prevEnd := -1, -1
	kind := 0 // 0 separator, 1 digits, 2 letters
	flush := func(end int) {
		if kind != 0 {
			words = append(words, dateWord{f[start:end], kind == 1, start == prevEnd})
			prevEnd = end
		}
	}
	var prev rune
	for i, r := range f {
		k := 0
		switch {
		case r >= '0' && r <= '9':
			k = 1
		case cjkDateMarker(r) && !(prev >= '0' && prev <= '9'):
			// Not after a number, a marker is part of a word: 일월, 一月.
			k = 2
		case isDateSeparator(r):
		case unicode.IsLetter(r), unicode.IsMark(r):
			k = 2
		}
		if k != kind {
			flush(i)
			start, kind = i, k
		}
		prev = r
	}
	flush(len(f))

	months := monthPhrases(lex)
	var toks []dateToken
	for i := 0; i < len(words); i++ {
		w := words[i]
		if m, n := matchMonth(words[i:], months); n > 0 {
			toks = append(toks, dateToken{month: m})
			i += n - 1
			continue
		}
		switch {
		case w.num:
			toks = append(toks, dateToken{text: w.text})
		case dateFiller(w.text), lex.DateWords[w.text]:
		case w.attached && i > 0 && words[i-1].num && ordinalSuffix(w.text):
		default:
			return nil, false
		}
	}
	return toks, true
}

// isDateSeparator reports whether r only separates the parts of a date. The
// CJK year, month and day markers are letters to Unicode but separators here:
// 1985年3月7日 reads like 1985/3/7.
func isDateSeparator(r rune) bool {
	return cjkDateMarker(r) || !unicode.IsLetter(r) && !unicode.IsMark(r) && !(r >= '0' && r <= '9')
}

// cjkDateMarker reports whether r marks a year, month or day in Chinese or
// Korean dates.
func cjkDateMarker(r rune) bool {
	switch r {
	case '年', '月', '日', '号', '號', '년', '월', '일':
		return true
	}
	return false
}

// monthPhrases returns lex.Months keyed by the words of each name, joined by
// single spaces, so that "sept." in a locale file matches "Sept" typed
// without the period and a name of several words matches however spaced.
// A name that is only a number once separators go ("3月" is "3") is left
// out: it would turn every 3 into March.
func monthPhrases(lex Lexicon) map[string]time.Month {
	out := make(map[string]time.Month, len(lex.Months))
	for name, m := range lex.Months {
		// Keyed as typed words are split: a CJK marker splits only after a
		// digit, so 三月 and 일월 stay words while 3月 is the number 3.
		whole := strings.Join(strings.FieldsFunc(name, func(r rune) bool { return isDateSeparator(r) && !cjkDateMarker(r) }), " ")
		for _, k := range []string{whole, strings.Join(strings.FieldsFunc(name, isDateSeparator), " ")} {
			if OnlyDigits(k) != strings.ReplaceAll(k, " ", "") {
				out[k] = m
			}
		}
	}
	return out
}

// matchMonth finds the longest run of up to three words at the start of
// words that names a month, returning the month and the number of words.
func matchMonth(words []dateWord, months map[string]time.Month) (time.Month, int) {
	for n := min(3, len(words)); n > 0; n-- {
		parts := make([]string, n)
		for i := range n {
			parts[i] = words[i].text
		}
		if m, ok := months[strings.Join(parts, " ")]; ok {
			return m, n
		}
	}
	return 0, 0
}

// dateFiller reports whether w is a word that joins the parts of a date in
// the languages we serve: "7 de marzo de 1985", "the 7th of March".
func dateFiller(w string) bool {
	switch w {
	case "de", "del", "of", "the", "el", "le":
		return true
	}
	return false
}

// ordinalSuffix reports whether w, written right after a number, only makes
// it ordinal: 7th, 1st, 1º (º folds to o), 1er.
func ordinalSuffix(w string) bool {
	switch w {
	case "st", "nd", "rd", "th", "o", "a", "er", "ro", "ero":
		return true
	}
	return false
}

// namedMonthDate builds a date from a month name and the numbers around it:
// a number of three or more digits is the year and the other the day; of two
// short numbers the first is the day, as in both "7 Mar 85" and "Mar 7 85".
func namedMonthDate(month time.Month, nums []string) (Date, error) {
	switch len(nums) {
	case 2:
	case 1:
		if len(nums[0]) <= 2 {
			return Date{}, Invalid("problem.date_no_year")
		}
		return Date{}, Invalid("problem.date_format")
	default:
		return Date{}, Invalid("problem.date_format")
	}
	day, year := nums[0], nums[1]
	if len(day) > 2 {
		day, year = year, day
	}
	if len(day) > 2 {
		return Date{}, Invalid("problem.date_format")
	}
	return makeDate(year, strconv.Itoa(int(month)), day)
}

// numericDate builds a date from numbers alone.
func numericDate(nums []string, order string) (Date, error) {
	order = dateOrder(order)
	switch len(nums) {
	case 1:
		return keypadDate(nums[0], order)
	case 2:
		if len(nums[0]) <= 2 && len(nums[1]) <= 2 {
			return Date{}, Invalid("problem.date_no_year")
		}
		return Date{}, Invalid("problem.date_format")
	case 3:
	default:
		return Date{}, Invalid("problem.date_format")
	}
	switch {
	case len(nums[0]) == 4:
		order = "YMD"
	case order == "YMD" && len(nums[2]) == 4:
		order = "MDY"
	}
	var y, m, d string
	for i, c := range order {
		switch c {
		case 'Y':
			y = nums[i]
		case 'M':
			m = nums[i]
		case 'D':
			d = nums[i]
		}
	}
	if len(m) > 2 || len(d) > 2 {
		return Date{}, Invalid("problem.date_format")
	}
	return makeDate(y, m, d)
}

// dateOrder returns the numeric date order o names, in any case, or MDY.
func dateOrder(o string) string {
	switch o = strings.ToUpper(o); o {
	case "DMY", "YMD":
		return o
	}
	return "MDY"
}

// keypadDate reads eight digits typed with no separators. The YYYYMMDD
// reading wins over the language's order only when it alone has a plausible
// year at its end: 19850307 cannot be the 19th month or day-19-of-month-85.
func keypadDate(n, order string) (Date, error) {
	if len(n) != 8 {
		return Date{}, Invalid("problem.date_format")
	}
	if order == "YMD" || plausibleYear(n[:4]) && !plausibleYear(n[4:]) {
		return makeDate(n[:4], n[4:6], n[6:])
	}
	if order == "DMY" {
		return makeDate(n[4:], n[2:4], n[:2])
	}
	return makeDate(n[4:], n[:2], n[2:4])
}

func plausibleYear(s string) bool { return s[:2] == "19" || s[:2] == "20" }

// makeDate checks the year, month and day strings have usable lengths and
// that together they name a day on the calendar.
func makeDate(y, m, d string) (Date, error) {
	if len(y) != 2 && len(y) != 4 || m == "" || d == "" {
		return Date{}, Invalid("problem.date_format")
	}
	year, _ := strconv.Atoi(y)
	month, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	if len(y) == 2 {
		year += 1900
		if year < 1930 {
			year += 100
		}
	}
	date := Date{year, time.Month(month), day}
	if year == 0 || !date.Valid() {
		return Date{}, Invalid("problem.date_impossible")
	}
	return date, nil
}
