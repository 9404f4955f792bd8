package flows

import "time"

// holiday is a federal holiday as observed: the weekday federal offices,
// and so USCIS, are closed for it.
type holiday struct {
	name string
	date Date
}

// observedHolidays returns the federal holidays of 5 U.S.C. 6103(a) whose
// observed day falls in year, in date order. A fixed-date holiday on a
// Saturday is observed the Friday before and one on a Sunday the Monday
// after (6103(b)); so New Year's Day of year+1 can be observed on 31
// December of year, and that of year then is observed in year-1.
//
// Closures by executive order (an extra day at Christmas, a national day of
// mourning) are announced case by case and are not here; Inauguration Day
// is a holiday only around Washington, D.C.
func observedHolidays(year int) []holiday {
	var hs []holiday
	fixed := func(name string, y int, m time.Month, d int) {
		o := observed(Date{y, m, d})
		if o.Year == year {
			hs = append(hs, holiday{name, o})
		}
	}
	fixed("new_years_day", year, time.January, 1)
	hs = append(hs, holiday{"martin_luther_king_jr_day", nthWeekday(year, time.January, time.Monday, 3)})
	hs = append(hs, holiday{"washingtons_birthday", nthWeekday(year, time.February, time.Monday, 3)})
	hs = append(hs, holiday{"memorial_day", lastWeekday(year, time.May, time.Monday)})
	if year >= 2021 { // Juneteenth National Independence Day Act, June 17, 2021
		fixed("juneteenth", year, time.June, 19)
	}
	fixed("independence_day", year, time.July, 4)
	hs = append(hs, holiday{"labor_day", nthWeekday(year, time.September, time.Monday, 1)})
	hs = append(hs, holiday{"columbus_day", nthWeekday(year, time.October, time.Monday, 2)})
	fixed("veterans_day", year, time.November, 11)
	hs = append(hs, holiday{"thanksgiving", nthWeekday(year, time.November, time.Thursday, 4)})
	fixed("christmas", year, time.December, 25)
	fixed("new_years_day", year+1, time.January, 1)
	return hs
}

// observed moves a fixed-date holiday off the weekend.
func observed(d Date) Date {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDays(-1)
	case time.Sunday:
		return d.AddDays(1)
	}
	return d
}

// nthWeekday returns the n-th (1-based) weekday wd of the month.
func nthWeekday(year int, m time.Month, wd time.Weekday, n int) Date {
	first := Date{year, m, 1}
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDays(offset + 7*(n-1))
}

// lastWeekday returns the last weekday wd of the month.
func lastWeekday(year int, m time.Month, wd time.Weekday) Date {
	last := Date{year, m + 1, 1}.AddDays(-1)
	offset := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDays(-offset)
}

// FederalHoliday reports whether federal offices are closed on d for a
// federal holiday, and which: it answers for the observed day, so the
// Friday 3 July 2026 is "independence_day" and Saturday 4 July is not a
// holiday (it is a weekend day). The name is an identifier for tests and
// logs, not for people.
func FederalHoliday(d Date) (name string, ok bool) {
	for _, h := range observedHolidays(d.Year) {
		if h.date == d {
			return h.name, true
		}
	}
	return "", false
}

// IsBusinessDay reports whether d is a weekday that is not an observed
// federal holiday: a day USCIS counts when it says "business days".
func IsBusinessDay(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, holiday := FederalHoliday(d)
	return !holiday
}

// AddBusinessDays returns the n-th business day after d; d itself for n <= 0.
func AddBusinessDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// BusinessDaysBetween counts the business days d with from < d <= to: the
// days left to act if today is from and the deadline is to. It is 0 when to
// is not after from. It counts weeks and holidays rather than days, so that
// a mistyped year far away costs no more than a near one.
func BusinessDaysBetween(from, to Date) int {
	if !to.After(from) {
		return 0
	}
	days := dayNumber(to) - dayNumber(from)
	n := days / 7 * 5
	for d := from.AddDays(days / 7 * 7); d.Before(to); {
		d = d.AddDays(1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	for y := from.Year; y <= to.Year; y++ {
		for _, h := range observedHolidays(y) {
			if h.date.After(from) && !h.date.After(to) {
				n-- // observed holidays are always weekdays, counted above
			}
		}
	}
	return n
}

// dayNumber is the number of days since the Unix epoch.
func dayNumber(d Date) int { return int(d.Time().Unix() / 86400) }
