package flows

import "strconv"

// zipZone maps a range of 3-digit ZIP prefixes to the IANA time zone most
// of its addresses keep. States split between zones follow their larger
// part, and the split areas the ranges can name (the Florida panhandle,
// west Kentucky and Tennessee, El Paso, north Idaho, west Nebraska and the
// Dakotas) are listed before their state.
type zipZone struct {
	lo, hi int
	zone   string
}

func zipZones() []zipZone {
	const (
		eastern  = "America/New_York"
		central  = "America/Chicago"
		mountain = "America/Denver"
		arizona  = "America/Phoenix"
		pacific  = "America/Los_Angeles"
		alaska   = "America/Anchorage"
		hawaii   = "Pacific/Honolulu"
		atlantic = "America/Puerto_Rico"
		guam     = "Pacific/Guam"
	)
	return []zipZone{
		{6, 9, atlantic},    // Puerto Rico, US Virgin Islands
		{324, 325, central}, // Florida panhandle
		{350, 369, central}, // Alabama
		{370, 372, central}, // middle Tennessee (Chattanooga and Knoxville keep Eastern)
		{380, 385, central}, // west Tennessee
		{386, 397, central}, // Mississippi
		{420, 427, central}, // west Kentucky
		{463, 464, central}, // northwest Indiana
		{476, 477, central}, // southwest Indiana
		{500, 567, central}, // Iowa, Wisconsin, Minnesota
		{570, 576, central}, // South Dakota east
		{577, 577, mountain},
		{580, 588, central},  // North Dakota
		{590, 599, mountain}, // Montana
		{600, 689, central},  // Illinois, Missouri, Kansas, Nebraska east
		{690, 693, mountain}, // west Nebraska
		{700, 797, central},  // Louisiana, Arkansas, Oklahoma, Texas
		{798, 799, mountain}, // El Paso
		{800, 834, mountain}, // Colorado, Wyoming, south Idaho
		{835, 838, pacific},  // north Idaho
		{840, 847, mountain}, // Utah
		{850, 865, arizona},
		{870, 884, mountain}, // New Mexico
		{889, 961, pacific},  // Nevada, California
		{967, 968, hawaii},
		{969, 969, guam},
		{970, 994, pacific}, // Oregon, Washington
		{995, 999, alaska},
	}
}

// TimeZoneForZIP returns the IANA time zone of a US ZIP code ("10001",
// "94103-1234"), or Eastern time when the ZIP is missing or unknown.
func TimeZoneForZIP(zip string) string {
	if len(zip) >= 3 {
		if p, err := strconv.Atoi(zip[:3]); err == nil {
			for _, z := range zipZones() {
				if z.lo <= p && p <= z.hi {
					return z.zone
				}
			}
		}
	}
	return "America/New_York"
}
