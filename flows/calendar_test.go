package flows

import (
	"testing"
	"time"
)

// mustDate parses YYYY-MM-DD for test tables.
func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseISODate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// observedHolidays2021To2028 is every federal holiday federal offices closed
// (or will close) for from 2021 through 2028, as OPM publishes them; the
// comment gives the real date when it fell on a weekend.
var observedHolidays2021To2028 = []struct{ name, date string }{
	{"new_years_day", "2021-01-01"},
	{"martin_luther_king_jr_day", "2021-01-18"},
	{"washingtons_birthday", "2021-02-15"},
	{"memorial_day", "2021-05-31"},
	{"juneteenth", "2021-06-18"},       // Sat Jun 19, the first one
	{"independence_day", "2021-07-05"}, // Sun Jul 4
	{"labor_day", "2021-09-06"},
	{"columbus_day", "2021-10-11"},
	{"veterans_day", "2021-11-11"},
	{"thanksgiving", "2021-11-25"},
	{"christmas", "2021-12-24"},     // Sat Dec 25
	{"new_years_day", "2021-12-31"}, // Sat Jan 1 2022, observed the year before
	{"martin_luther_king_jr_day", "2022-01-17"},
	{"washingtons_birthday", "2022-02-21"},
	{"memorial_day", "2022-05-30"},
	{"juneteenth", "2022-06-20"}, // Sun Jun 19
	{"independence_day", "2022-07-04"},
	{"labor_day", "2022-09-05"},
	{"columbus_day", "2022-10-10"},
	{"veterans_day", "2022-11-11"},
	{"thanksgiving", "2022-11-24"},
	{"christmas", "2022-12-26"},     // Sun Dec 25
	{"new_years_day", "2023-01-02"}, // Sun Jan 1
	{"martin_luther_king_jr_day", "2023-01-16"},
	{"washingtons_birthday", "2023-02-20"},
	{"memorial_day", "2023-05-29"},
	{"juneteenth", "2023-06-19"},
	{"independence_day", "2023-07-04"},
	{"labor_day", "2023-09-04"},
	{"columbus_day", "2023-10-09"},
	{"veterans_day", "2023-11-10"}, // Sat Nov 11
	{"thanksgiving", "2023-11-23"},
	{"christmas", "2023-12-25"},
	{"new_years_day", "2024-01-01"},
	{"martin_luther_king_jr_day", "2024-01-15"},
	{"washingtons_birthday", "2024-02-19"},
	{"memorial_day", "2024-05-27"},
	{"juneteenth", "2024-06-19"},
	{"independence_day", "2024-07-04"},
	{"labor_day", "2024-09-02"},
	{"columbus_day", "2024-10-14"},
	{"veterans_day", "2024-11-11"},
	{"thanksgiving", "2024-11-28"},
	{"christmas", "2024-12-25"},
	{"new_years_day", "2025-01-01"},
	{"martin_luther_king_jr_day", "2025-01-20"},
	{"washingtons_birthday", "2025-02-17"},
	{"memorial_day", "2025-05-26"},
	{"juneteenth", "2025-06-19"},
	{"independence_day", "2025-07-04"},
	{"labor_day", "2025-09-01"},
	{"columbus_day", "2025-10-13"},
	{"veterans_day", "2025-11-11"},
	{"thanksgiving", "2025-11-27"},
	{"christmas", "2025-12-25"},
	{"new_years_day", "2026-01-01"},
	{"martin_luther_king_jr_day", "2026-01-19"},
	{"washingtons_birthday", "2026-02-16"},
	{"memorial_day", "2026-05-25"},
	{"juneteenth", "2026-06-19"},
	{"independence_day", "2026-07-03"}, // Sat Jul 4
	{"labor_day", "2026-09-07"},
	{"columbus_day", "2026-10-12"},
	{"veterans_day", "2026-11-11"},
	{"thanksgiving", "2026-11-26"},
	{"christmas", "2026-12-25"},
	{"new_years_day", "2027-01-01"},
	{"martin_luther_king_jr_day", "2027-01-18"},
	{"washingtons_birthday", "2027-02-15"},
	{"memorial_day", "2027-05-31"},
	{"juneteenth", "2027-06-18"},       // Sat Jun 19
	{"independence_day", "2027-07-05"}, // Sun Jul 4
	{"labor_day", "2027-09-06"},
	{"columbus_day", "2027-10-11"},
	{"veterans_day", "2027-11-11"},
	{"thanksgiving", "2027-11-25"},
	{"christmas", "2027-12-24"},     // Sat Dec 25
	{"new_years_day", "2027-12-31"}, // Sat Jan 1 2028
	{"martin_luther_king_jr_day", "2028-01-17"},
	{"washingtons_birthday", "2028-02-21"},
	{"memorial_day", "2028-05-29"},
	{"juneteenth", "2028-06-19"},
	{"independence_day", "2028-07-04"},
	{"labor_day", "2028-09-04"},
	{"columbus_day", "2028-10-09"},
	{"veterans_day", "2028-11-10"}, // Sat Nov 11
	{"thanksgiving", "2028-11-23"},
	{"christmas", "2028-12-25"},
}

func TestFederalHoliday(t *testing.T) {
	for _, h := range observedHolidays2021To2028 {
		t.Run(h.date+"_"+h.name, func(t *testing.T) {
			d := mustDate(t, h.date)
			name, ok := FederalHoliday(d)
			if !ok || name != h.name {
				t.Errorf("FederalHoliday(%s) = %q, %v; want %q", d, name, ok, h.name)
			}
			if IsBusinessDay(d) {
				t.Errorf("IsBusinessDay(%s) = true", d)
			}
		})
	}
	// Nothing else from 2021 through 2028 is a holiday.
	t.Run("NoOthers", func(t *testing.T) {
		want := map[Date]bool{}
		for _, h := range observedHolidays2021To2028 {
			want[mustDate(t, h.date)] = true
		}
		for d := (Date{2021, 1, 1}); d.Year <= 2028; d = d.AddDays(1) {
			if name, ok := FederalHoliday(d); ok != want[d] {
				t.Errorf("FederalHoliday(%s) = %q, %v; want %v", d, name, ok, want[d])
			}
		}
	})
	for _, tc := range []struct{ name, date string }{
		{"NotNewYearsDayOnSaturday", "2022-01-01"},
		{"NotIndependenceDayOnSaturday", "2026-07-04"},
		{"NotChristmasOnSunday", "2022-12-25"},
		{"NotJuneteenthBeforeTheLaw", "2020-06-19"},
		{"NotChristmasEve", "2026-12-24"},
		{"NotDayAfterThanksgiving", "2026-11-27"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if name, ok := FederalHoliday(mustDate(t, tc.date)); ok {
				t.Errorf("FederalHoliday(%s) = %q, true", tc.date, name)
			}
		})
	}
}

func TestIsBusinessDay(t *testing.T) {
	for _, tc := range []struct {
		name, date string
		want       bool
	}{
		{"Monday", "2026-11-23", true},
		{"Friday", "2026-11-20", true},
		{"DayAfterThanksgiving", "2026-11-27", true},
		{"Saturday", "2026-11-21", false},
		{"Sunday", "2026-11-22", false},
		{"Thanksgiving", "2026-11-26", false},
		{"ObservedIndependenceDay", "2026-07-03", false},
		{"NewYearsEveObserved", "2021-12-31", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsBusinessDay(mustDate(t, tc.date)); got != tc.want {
				t.Errorf("IsBusinessDay(%s) = %v, want %v", tc.date, got, tc.want)
			}
		})
	}
}

func TestAddBusinessDays(t *testing.T) {
	for _, tc := range []struct {
		name, from string
		n          int
		want       string
	}{
		{"Zero", "2026-11-20", 0, "2026-11-20"},
		{"ZeroOnHoliday", "2026-11-26", 0, "2026-11-26"},
		{"Negative", "2026-11-20", -3, "2026-11-20"},
		{"NextDay", "2026-11-23", 1, "2026-11-24"},
		{"OverWeekend", "2026-11-20", 1, "2026-11-23"},
		{"OverThanksgiving", "2026-11-25", 1, "2026-11-27"},
		{"TenFromFridayBeforeThanksgiving", "2026-11-20", 10, "2026-12-07"},
		{"OverObservedIndependenceDay", "2026-07-02", 1, "2026-07-06"}, // Fri Jul 3 observed, then the weekend
		{"OverLaborDayWeekend", "2026-09-04", 1, "2026-09-08"},         // Mon Sep 7
		{"OverChristmasWeekend2021", "2021-12-23", 1, "2021-12-27"},    // Fri Dec 24 observed
		{"OverBothObservedFridays2021", "2021-12-23", 5, "2022-01-03"}, // Dec 24 and Dec 31 off
		{"OverChristmas2026", "2026-12-23", 3, "2026-12-29"},           // Dec 25 Fri
		{"FromSaturday", "2026-11-21", 1, "2026-11-23"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AddBusinessDays(mustDate(t, tc.from), tc.n); got != mustDate(t, tc.want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           int
	}{
		{"Same", "2026-11-20", "2026-11-20", 0},
		{"Backwards", "2026-11-23", "2026-11-20", 0},
		{"FridayToMonday", "2026-11-20", "2026-11-23", 1},
		{"FridayToSunday", "2026-11-20", "2026-11-22", 0},
		{"ThanksgivingWeek", "2026-11-20", "2026-12-04", 9}, // 11/23–25, 27, 30, 12/1–4
		{"ThanksgivingWeekTen", "2026-11-20", "2026-12-07", 10},
		{"ThanksgivingWeekEleven", "2026-11-20", "2026-12-08", 11},
		{"OverNewYear2022", "2021-12-30", "2022-01-03", 1}, // Dec 31 observed
		{"Year2026", "2025-12-31", "2026-12-31", 250},      // 261 weekdays, 11 holidays
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BusinessDaysBetween(mustDate(t, tc.from), mustDate(t, tc.to)); got != tc.want {
				t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
		})
	}
	// A mistyped year must not make the count slow; it is the weekdays less
	// at most eleven holidays a year.
	t.Run("FarApart", func(t *testing.T) {
		from, to := Date{1900, 1, 1}, Date{9999, 12, 31}
		days := dayNumber(to) - dayNumber(from)
		got := BusinessDaysBetween(from, to)
		if maxN, minN := days/7*5+5, days/7*5-11*(to.Year-from.Year+1); got > maxN || got < minN {
			t.Errorf("BusinessDaysBetween(%s, %s) = %d, want in [%d, %d]", from, to, got, minN, maxN)
		}
	})
	// The week-counting shortcut must agree with counting day by day, and
	// with AddBusinessDays, from every start weekday over holiday seasons.
	t.Run("AgreesWithCountingDays", func(t *testing.T) {
		for from := (Date{2021, 11, 15}); from.Before(Date{2022, 1, 20}); from = from.AddDays(1) {
			n := 0
			for to := from; to.Before(from.AddDays(40)); to = to.AddDays(1) {
				if to != from && IsBusinessDay(to) {
					n++
				}
				if got := BusinessDaysBetween(from, to); got != n {
					t.Fatalf("BusinessDaysBetween(%s, %s) = %d, counting days gives %d", from, to, got, n)
				}
				if IsBusinessDay(to) && n > 0 {
					if got := AddBusinessDays(from, n); got != to {
						t.Fatalf("AddBusinessDays(%s, %d) = %s, want %s", from, n, got, to)
					}
				}
			}
		}
	})
}

func TestHolidayHelpers(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  Date
		want Date
	}{
		{"ThirdMondayJanuary2026", nthWeekday(2026, time.January, time.Monday, 3), Date{2026, 1, 19}},
		{"FirstMondayWhenFirstIsMonday", nthWeekday(2025, time.September, time.Monday, 1), Date{2025, 9, 1}},
		{"LastMondayMayWhen31IsMonday", lastWeekday(2027, time.May, time.Monday), Date{2027, 5, 31}},
		{"LastThursdayDecember", lastWeekday(2026, time.December, time.Thursday), Date{2026, 12, 31}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}
