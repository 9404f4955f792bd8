package flows

import (
	"slices"
	"time"
)

// The callback windows a person may ask for, in their time zone: a morning
// is 9 AM to noon, an afternoon noon to 5 PM.
const (
	MorningStart   = 9
	AfternoonStart = 12
	AfternoonEnd   = 17
)

// Window is a span of time in which an officer offers to call.
type Window struct {
	Start, End time.Time
}

// windowsOf returns the windows of day d in zone that tod allows: the
// morning, the afternoon, or both for any time.
func windowsOf(d Date, zone *time.Location, tod TimeOfDay) []Window {
	at := func(hour int) time.Time { return time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, zone) }
	morning := Window{at(MorningStart), at(AfternoonStart)}
	afternoon := Window{at(AfternoonStart), at(AfternoonEnd)}
	switch tod {
	case Morning:
		return []Window{morning}
	case Afternoon:
		return []Window{afternoon}
	}
	return []Window{morning, afternoon}
}

// dayAllowed reports whether d is a business day among days (empty: any
// weekday).
func dayAllowed(d Date, days []Weekday) bool {
	if !IsBusinessDay(d) {
		return false
	}
	return len(days) == 0 || slices.Contains(days, Weekdays()[d.Weekday()-time.Monday])
}

// maxProposalDays bounds how far ahead windows are looked for.
const maxProposalDays = 120

// ProposeWindows returns the next n windows that fit a person's preferred
// weekdays (none: any) and time of day, in their zone: on business days of
// the federal calendar, starting at least lead after now.
func ProposeWindows(now time.Time, zone *time.Location, days []Weekday, tod TimeOfDay, n int, lead time.Duration) []Window {
	var out []Window
	earliest := now.Add(lead)
	d := DateOf(now.In(zone))
	for i := 0; i < maxProposalDays && len(out) < n; i, d = i+1, d.AddDays(1) {
		if !dayAllowed(d, days) {
			continue
		}
		for _, w := range windowsOf(d, zone, tod) {
			if !w.Start.Before(earliest) && len(out) < n {
				out = append(out, w)
			}
		}
	}
	return out
}

// FitsPreferences reports whether the window [start, end) lies within the
// person's preferred weekdays and time of day, in their zone.
func FitsPreferences(start, end time.Time, zone *time.Location, days []Weekday, tod TimeOfDay) bool {
	d := DateOf(start.In(zone))
	if !dayAllowed(d, days) || DateOf(end.Add(-time.Nanosecond).In(zone)) != d {
		return false
	}
	for _, w := range windowsOf(d, zone, tod) {
		if !start.Before(w.Start) && !end.After(w.End) {
			return true
		}
	}
	// "Any time" also fits a window across noon.
	all := windowsOf(d, zone, AnyTime)
	return (tod == AnyTime || tod == "") && !start.Before(all[0].Start) && !end.After(all[1].End)
}

// Calling hours: the service calls people only from 9 AM to 8 PM their
// time, on business days.
const (
	CallingStart = 9
	CallingEnd   = 20
)

// NextCallingTime is now when now is within calling hours in zone, or
// else the next time they open.
func NextCallingTime(now time.Time, zone *time.Location) time.Time {
	local := now.In(zone)
	d := DateOf(local)
	for range maxProposalDays {
		if IsBusinessDay(d) {
			open := time.Date(d.Year, d.Month, d.Day, CallingStart, 0, 0, 0, zone)
			closed := time.Date(d.Year, d.Month, d.Day, CallingEnd, 0, 0, 0, zone)
			switch {
			case now.Before(open):
				return open
			case now.Before(closed):
				return now
			}
		}
		d = d.AddDays(1)
	}
	return now
}
