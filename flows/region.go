package flows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegions are the regions whose numbers the service answers, texts
// and calls unless configured otherwise: the United States, Puerto Rico,
// the U.S. Virgin Islands, Guam, American Samoa and the Northern Mariana
// Islands.
const DefaultRegions = "US,PR,VI,GU,AS,MP"

// Regions is a set of regions, by their ISO 3166-1 codes as phonenumbers
// names them, whose phone numbers the service may answer, text and call.
// A number belongs to the region phonenumbers finds for it, not to its
// calling code: +1 876 is Jamaica and +1 416 Canada, though both share the
// United States' +1. The zero Regions allows no number.
type Regions struct {
	regions map[string]bool
	codes   map[int]bool // the calling codes of the regions
}

// ParseRegions reads a comma-separated list of region codes, like
// "US,PR,VI". Case and spaces around a code do not matter; an empty item
// or a code phonenumbers does not know is refused.
func ParseRegions(list string) (Regions, error) {
	r := Regions{regions: map[string]bool{}, codes: map[int]bool{}}
	supported := phonenumbers.GetSupportedRegions()
	for v := range strings.SplitSeq(list, ",") {
		code := strings.ToUpper(strings.TrimSpace(v))
		if !supported[code] {
			return Regions{}, fmt.Errorf("%q is not a region code (two letters, like US or PR)", strings.TrimSpace(v))
		}
		r.regions[code] = true
		r.codes[phonenumbers.GetCountryCodeForRegion(code)] = true
	}
	return r, nil
}

// MustParseRegions is ParseRegions for lists known to be right.
func MustParseRegions(list string) Regions {
	r, err := ParseRegions(list)
	if err != nil {
		panic(err)
	}
	return r
}

// Allows reports whether e164 is a valid number of one of the regions, in
// E.164 form: "+" and digits only (phonenumbers would read letters as the
// digits of a keypad). A number whose calling code no region has is
// refused without parsing it, which is what most of the cost of the check
// is.
func (r Regions) Allows(e164 string) bool {
	if code, ok := CallingCode(e164); !ok || !r.codes[code] || !isE164(e164) {
		return false
	}
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return false
	}
	// The region of a number that is valid in none is "": refused. A
	// number of a region that shares its calling code (Canada, Jamaica)
	// gets that region, whatever its first digits.
	return r.regions[phonenumbers.GetRegionCodeForNumber(n)]
}

// isE164 reports whether s is "+" and 1 to 15 ASCII digits.
func isE164(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// HasCallingCode reports whether one of the regions has this calling
// code: numbers with any other code are never allowed.
func (r Regions) HasCallingCode(code int) bool { return r.codes[code] }

// IsZero reports whether r is the zero Regions, which allows no number.
func (r Regions) IsZero() bool { return len(r.regions) == 0 }

// String lists the regions, sorted, as ParseRegions reads them.
func (r Regions) String() string {
	list := make([]string, 0, len(r.regions))
	for code := range r.regions {
		list = append(list, code)
	}
	slices.Sort(list)
	return strings.Join(list, ",")
}

// CallingCode returns the country calling code of an E.164 number
// ("+" and digits), read from its first digits alone. Calling codes are
// prefix-free, so the first of one to three digits that is a code is the
// number's; this costs far less than parsing the whole number.
func CallingCode(e164 string) (int, bool) {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || digits == "" || digits[0] == '0' {
		return 0, false
	}
	for l := 1; l <= 3 && l <= len(digits); l++ {
		code, err := strconv.Atoi(digits[:l])
		if err != nil {
			return 0, false
		}
		if phonenumbers.GetRegionCodeForCountryCode(code) != phonenumbers.UNKNOWN_REGION {
			return code, true
		}
	}
	return 0, false
}
