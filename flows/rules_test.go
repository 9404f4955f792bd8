package flows

import "testing"

func TestEmergencyTravelTooSoon(t *testing.T) {
	// Thanksgiving is Thursday 26 November 2026. Business days are counted
	// after today, up to and including the travel date; ten or fewer is too
	// soon to ask online.
	for _, tc := range []struct {
		name, today, travel string
		want                bool
	}{
		// From the Friday before: 11/23, 24, 25, 27, 30, 12/1, 2, 3, 4 = 9.
		{"ErrTooSoonNine", "2026-11-20", "2026-12-04", true},
		{"ErrTooSoonTen", "2026-11-20", "2026-12-07", true}, // + Mon 12/7
		{"OKEleven", "2026-11-20", "2026-12-08", false},     // + Tue 12/8
		// From the Wednesday before Thanksgiving: 11/27 is the first day.
		{"ErrTooSoonFromWednesday", "2026-11-25", "2026-12-10", true}, // 10
		{"OKFromWednesday", "2026-11-25", "2026-12-11", false},        // 11
		// On Thanksgiving itself (someone writing on the holiday).
		{"ErrTooSoonOnThanksgiving", "2026-11-26", "2026-12-10", true}, // 10
		{"OKOnThanksgiving", "2026-11-26", "2026-12-11", false},        // 11
		// From the Friday after: the weekend before 12/14 adds nothing.
		{"ErrTooSoonFromFridayAfter", "2026-11-27", "2026-12-11", true}, // 10
		{"ErrTooSoonWeekendTravel", "2026-11-27", "2026-12-13", true},   // still 10
		{"OKFromFridayAfter", "2026-11-27", "2026-12-14", false},        // 11
		{"ErrTooSoonToday", "2026-11-20", "2026-11-20", true},
		{"ErrTooSoonPast", "2026-11-20", "2026-11-01", true},
		{"OKFarAhead", "2026-11-20", "2027-03-01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EmergencyTravelTooSoon(mustDate(t, tc.travel), mustDate(t, tc.today)); got != tc.want {
				t.Errorf("EmergencyTravelTooSoon(travel %s, today %s) = %v, want %v", tc.travel, tc.today, got, tc.want)
			}
		})
	}
}

func TestADIT(t *testing.T) {
	for _, tc := range []struct {
		name, needed, today string
		lead                int
		first               string
		tooEarly            bool
	}{
		{"ErrTooEarly", "2026-12-15", "2026-11-14", 30, "2026-11-15", true},
		{"OKFirstDay", "2026-12-15", "2026-11-15", 30, "2026-11-15", false},
		{"OKLater", "2026-12-15", "2026-12-01", 30, "2026-11-15", false},
		{"OKNeededPassed", "2026-12-15", "2026-12-20", 30, "2026-11-15", false},
		{"OKAcrossYear", "2027-01-10", "2026-12-11", 30, "2026-12-11", false},
		{"ErrTooEarlyNoLead", "2026-12-15", "2026-12-14", 0, "2026-12-15", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needed, today := mustDate(t, tc.needed), mustDate(t, tc.today)
			if got := ADITFirstAskDate(needed, tc.lead); got != mustDate(t, tc.first) {
				t.Errorf("ADITFirstAskDate(%s, %d) = %s, want %s", needed, tc.lead, got, tc.first)
			}
			if got := ADITTooEarly(needed, today, tc.lead); got != tc.tooEarly {
				t.Errorf("ADITTooEarly(%s, %s, %d) = %v, want %v", needed, today, tc.lead, got, tc.tooEarly)
			}
		})
	}
}
