package flows

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestParseRegions(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		wantErr        string
	}{
		{"Default", DefaultRegions, "AS,GU,MP,PR,US,VI", ""},
		{"CaseAndSpaces", " us, pr ", "PR,US", ""},
		{"OneRegion", "CA", "CA", ""},
		{"ErrEmpty", "", "", `"" is not a region code`},
		{"ErrEmptyItem", "US,,PR", "", `"" is not a region code`},
		{"ErrCallingCode", "1", "", `"1" is not a region code`},
		{"ErrUnknown", "US,XX", "", `"XX" is not a region code`},
		{"ErrNonGeographic", "001", "", `"001" is not a region code`},
		{"ErrName", "USA", "", `"USA" is not a region code`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRegions(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseRegions(%q) = %v, want an error containing %s", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tc.want {
				t.Errorf("ParseRegions(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestRegionsAllows checks that a number is judged by its region, as
// phonenumbers finds it, and not by its calling code.
func TestRegionsAllows(t *testing.T) {
	us := MustParseRegions(DefaultRegions)
	for _, tc := range []struct {
		name, number string
		want         bool
	}{
		{"US", "+12025550123", true},
		{"USTollFree", "+18005550100", true},
		{"PuertoRico", "+17875550123", true},
		{"VirginIslands", "+13405550123", true},
		{"Guam", "+16715550123", true},
		{"NorthernMarianas", "+16705550123", true},
		{"AmericanSamoa", "+16846331234", true},
		{"ErrJamaica", "+18762345678", false},
		{"ErrJamaica658", "+16582345678", false},
		{"ErrCanada", "+14165550123", false},
		{"ErrDominicanRepublic", "+18095550123", false},
		{"ErrBahamas", "+12423231234", false},
		{"ErrUK", "+447400123456", false},
		{"ErrGuernsey", "+447911123456", false},
		{"ErrMexico", "+525512345678", false},
		{"ErrInvalidUS", "+12021234567", false}, // no exchange starts with 1
		{"ErrUnassignedAreaCode", "+19995550123", false},
		{"ErrNoPlus", "12025550123", false},
		{"ErrLetters", "+1202555abcd", false}, // phonenumbers reads +12025552223
		{"ErrTooLong", "+120255501234567", false},
		{"ErrEmpty", "", false},
		{"ErrClient", "client:alice", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := us.Allows(tc.number); got != tc.want {
				t.Errorf("Allows(%s) = %v, want %v", tc.number, got, tc.want)
			}
		})
	}
	t.Run("OtherRegions", func(t *testing.T) {
		r := MustParseRegions("JM,GB")
		for number, want := range map[string]bool{"+18762345678": true, "+447400123456": true, "+447911123456": false, "+12025550123": false} {
			if got := r.Allows(number); got != want {
				t.Errorf("JM,GB: Allows(%s) = %v, want %v", number, got, want)
			}
		}
	})
	t.Run("ZeroAllowsNothing", func(t *testing.T) {
		if (Regions{}).Allows("+12025550123") {
			t.Error("the zero Regions allows a US number")
		}
	})
}

// TestCallingCode checks the shortcut that reads a number's calling code
// against phonenumbers' full parse.
func TestCallingCode(t *testing.T) {
	for _, tc := range []struct {
		from string
		want int
		ok   bool
	}{
		{"+12025550123", 1, true},
		{"+447700900123", 44, true},
		{"+525512345678", 52, true},
		{"+8613800138000", 86, true},
		{"+971501234567", 971, true},
		{"+80012345678", 800, true},
		{"+0123456789", 0, false},
		{"+", 0, false},
		{"+1a", 1, true}, // the code is read; the rest is for a parse to refuse
		{"+a1", 0, false},
		{"", 0, false},
		{"12025550123", 0, false},
		{"client:alice", 0, false},
	} {
		got, ok := CallingCode(tc.from)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CallingCode(%q) = %d %v, want %d %v", tc.from, got, ok, tc.want, tc.ok)
		}
		if n, err := phonenumbers.Parse(tc.from, ""); err == nil && tc.ok && int(n.GetCountryCode()) != got {
			t.Errorf("CallingCode(%q) = %d, phonenumbers says %d", tc.from, got, n.GetCountryCode())
		}
	}
}

// BenchmarkRegionsAllows measures the check of a number whose calling code
// is served (a parse) and of one whose code is not (no parse).
func BenchmarkRegionsAllows(b *testing.B) {
	us := MustParseRegions(DefaultRegions)
	for _, number := range []string{"+12025550123", "+447911123456"} {
		b.Run(number[:3], func(b *testing.B) {
			for b.Loop() {
				us.Allows(number)
			}
		})
	}
}
