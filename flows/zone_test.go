package flows

import (
	"testing"
	"time"
)

func TestTimeZoneForZIP(t *testing.T) {
	for _, tc := range []struct{ zip, want string }{
		{"10001", "America/New_York"},
		{"33101", "America/New_York"},
		{"32501", "America/Chicago"}, // Pensacola
		{"60601", "America/Chicago"},
		{"37203", "America/Chicago"},  // Nashville
		{"37402", "America/New_York"}, // Chattanooga
		{"77002", "America/Chicago"},
		{"79901", "America/Denver"}, // El Paso
		{"80202", "America/Denver"},
		{"85004", "America/Phoenix"},
		{"94103-1234", "America/Los_Angeles"},
		{"98101", "America/Los_Angeles"},
		{"99501", "America/Anchorage"},
		{"96813", "Pacific/Honolulu"},
		{"00901", "America/Puerto_Rico"},
		{"", "America/New_York"},
		{"ab", "America/New_York"},
	} {
		t.Run(tc.zip, func(t *testing.T) {
			got := TimeZoneForZIP(tc.zip)
			if got != tc.want {
				t.Errorf("TimeZoneForZIP(%q) = %s, want %s", tc.zip, got, tc.want)
			}
			if _, err := time.LoadLocation(got); err != nil {
				t.Error(err)
			}
		})
	}
}
