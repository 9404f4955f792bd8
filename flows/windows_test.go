package flows

import (
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestProposeWindows(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	la := mustLoad(t, "America/Los_Angeles")
	// Friday 20 November 2026, 10:00 in New York; Thanksgiving is
	// Thursday 26 November.
	friday := time.Date(2026, 11, 20, 10, 0, 0, 0, ny)
	at := func(z *time.Location, m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, z) }
	for _, tc := range []struct {
		name string
		now  time.Time
		zone *time.Location
		days []Weekday
		tod  TimeOfDay
		want []Window
	}{
		{"TuesdayMornings", friday, ny, []Weekday{Tuesday}, Morning, []Window{
			{at(ny, 11, 24, 9), at(ny, 11, 24, 12)}, {at(ny, 12, 1, 9), at(ny, 12, 1, 12)}, {at(ny, 12, 8, 9), at(ny, 12, 8, 12)}}},
		{"ThursdayAfternoonsSkipThanksgiving", friday, ny, []Weekday{Thursday}, Afternoon, []Window{
			{at(ny, 12, 3, 12), at(ny, 12, 3, 17)}, {at(ny, 12, 10, 12), at(ny, 12, 10, 17)}, {at(ny, 12, 17, 12), at(ny, 12, 17, 17)}}},
		{"AnyDayAnyTimeStartsAfterTheLead", friday, ny, nil, AnyTime, []Window{
			{at(ny, 11, 20, 12), at(ny, 11, 20, 17)}, {at(ny, 11, 23, 9), at(ny, 11, 23, 12)}, {at(ny, 11, 23, 12), at(ny, 11, 23, 17)}}},
		// 10 AM in New York is 7 AM in Los Angeles: that morning is still ahead.
		{"InTheContactsZone", friday, la, []Weekday{Monday, Friday}, Morning, []Window{
			{at(la, 11, 20, 9), at(la, 11, 20, 12)}, {at(la, 11, 23, 9), at(la, 11, 23, 12)}, {at(la, 11, 27, 9), at(la, 11, 27, 12)}}},
		{"ChristmasAndNewYearSkipped", time.Date(2026, 12, 24, 18, 0, 0, 0, ny), ny, []Weekday{Friday}, Morning, []Window{
			{at(ny, 1, 8, 9).AddDate(1, 0, 0), at(ny, 1, 8, 12).AddDate(1, 0, 0)}, {at(ny, 1, 15, 9).AddDate(1, 0, 0), at(ny, 1, 15, 12).AddDate(1, 0, 0)},
			{at(ny, 1, 22, 9).AddDate(1, 0, 0), at(ny, 1, 22, 12).AddDate(1, 0, 0)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ProposeWindows(tc.now, tc.zone, tc.days, tc.tod, 3, time.Hour)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].Start.Equal(tc.want[i].Start) || !got[i].End.Equal(tc.want[i].End) {
					t.Errorf("window %d: %v to %v, want %v to %v", i, got[i].Start, got[i].End, tc.want[i].Start, tc.want[i].End)
				}
				if !FitsPreferences(got[i].Start, got[i].End, tc.zone, tc.days, tc.tod) {
					t.Errorf("window %d does not fit the preferences it was proposed for", i)
				}
			}
		})
	}
}

func TestFitsPreferences(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	chicago := mustLoad(t, "America/Chicago")
	tue := func(z *time.Location, h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, z) }
	for _, tc := range []struct {
		name       string
		start, end time.Time
		zone       *time.Location
		days       []Weekday
		tod        TimeOfDay
		want       bool
	}{
		{"OK", tue(ny, 9, 0), tue(ny, 11, 0), ny, []Weekday{Tuesday}, Morning, true},
		{"OKAnyDay", tue(ny, 13, 0), tue(ny, 15, 0), ny, nil, Afternoon, true},
		{"OKAnyTimeAcrossNoon", tue(ny, 11, 0), tue(ny, 13, 0), ny, nil, AnyTime, true},
		{"ErrWrongDay", tue(ny, 9, 0), tue(ny, 11, 0), ny, []Weekday{Wednesday}, Morning, false},
		{"ErrAfternoonForMorning", tue(ny, 13, 0), tue(ny, 15, 0), ny, nil, Morning, false},
		{"ErrAcrossNoonForMorning", tue(ny, 11, 0), tue(ny, 13, 0), ny, nil, Morning, false},
		{"ErrTooEarly", tue(ny, 8, 0), tue(ny, 10, 0), ny, nil, AnyTime, false},
		{"ErrLate", tue(ny, 16, 0), tue(ny, 18, 0), ny, nil, AnyTime, false},
		// 9 to 11 in New York is 8 to 10 in Chicago: before the morning there.
		{"ErrOtherZone", tue(ny, 9, 0), tue(ny, 11, 0), chicago, nil, Morning, false},
		{"ErrHoliday", time.Date(2026, 11, 26, 9, 0, 0, 0, ny), time.Date(2026, 11, 26, 11, 0, 0, 0, ny), ny, nil, AnyTime, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FitsPreferences(tc.start, tc.end, tc.zone, tc.days, tc.tod); got != tc.want {
				t.Errorf("FitsPreferences = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNextCallingTime(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	la := mustLoad(t, "America/Los_Angeles")
	at := func(z *time.Location, m time.Month, d, h, min int) time.Time {
		return time.Date(2026, m, d, h, min, 0, 0, z)
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		zone *time.Location
		want time.Time
	}{
		{"OKWithinHours", at(ny, 11, 20, 10, 0), ny, at(ny, 11, 20, 10, 0)},
		{"EarlyMorning", at(ny, 11, 20, 7, 30), ny, at(ny, 11, 20, 9, 0)},
		{"EveningToMonday", at(ny, 11, 20, 20, 0), ny, at(ny, 11, 23, 9, 0)},
		{"ThanksgivingToFriday", at(ny, 11, 25, 21, 0), ny, at(ny, 11, 27, 9, 0)},
		// 10 AM in New York is 7 AM in Los Angeles.
		{"ContactsZone", at(ny, 11, 20, 10, 0), la, at(la, 11, 20, 9, 0)},
		{"LastMinute", at(la, 11, 20, 19, 59), la, at(la, 11, 20, 19, 59)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NextCallingTime(tc.now, tc.zone); !got.Equal(tc.want) {
				t.Errorf("NextCallingTime(%v) = %v, want %v", tc.now, got, tc.want)
			}
		})
	}
}
