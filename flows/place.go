package flows

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// ParseZIP reads a U.S. ZIP Code, five digits or ZIP+4, in any script's
// digits, with or without the dash or a space before the four, and returns
// "12345" or "12345-6789".
func ParseZIP(s string) (string, error) {
	f := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Pd, r) {
			return '-'
		}
		return r
	}, Fold(s))
	f = strings.ReplaceAll(strings.ReplaceAll(f, " -", "-"), "- ", "-")
	if len(f) == 10 && (f[5] == '-' || f[5] == ' ') {
		f = f[:5] + f[6:]
	}
	if len(f) != 5 && len(f) != 9 || OnlyDigits(f) != f || f[:5] == "00000" {
		return "", Invalid("problem.zip")
	}
	if len(f) == 9 {
		return f[:5] + "-" + f[5:], nil
	}
	return f, nil
}

// ParseCountry finds the country or territory named by s: its name in lang
// or in English (accents, case and punctuation ignored), its ISO 3166
// alpha-2 or alpha-3 code, or one of a few everyday names the CLDR names
// miss ("USA", "UK", "Korea", "Burma"). It returns the upper-case alpha-2
// code. Groups of countries (continents, the EU, the UN) are not places of
// birth or residence and are not found.
func ParseCountry(s string, lang language.Tag) (string, error) {
	k := countryKey(s)
	if k == "" {
		return "", Invalid("problem.country")
	}
	idx := countryIndexFor(lang)
	if code, ok := idx.byName[k]; ok {
		return code, nil
	}
	if code, ok := countryAliases[k]; ok {
		return code, nil
	}
	if code, ok := idx.byCode[strings.ToUpper(k)]; ok {
		return code, nil
	}
	return "", Invalid("problem.country")
}

// CountryName returns the name of the country with alpha-2 code in lang,
// falling back to English, and to the code itself if neither knows it.
func CountryName(code string, lang language.Tag) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := regionNamer(lang); n != nil {
		if name := n.Name(r); name != "" {
			return name
		}
	}
	if name := display.English.Regions().Name(r); name != "" {
		return name
	}
	return r.String()
}

// countryAliases are the names people use that no CLDR display name gives,
// keyed as countryKey leaves them. Current and common short names only;
// the display names already give "Russia", "Vietnam", "China", "South Korea".
var countryAliases = map[string]string{
	"usa":                              "US",
	"united states of america":         "US",
	"eeuu":                             "US", // Spanish
	"ee uu":                            "US", // EE. UU.
	"uk":                               "GB",
	"great britain":                    "GB",
	"england":                          "GB",
	"korea":                            "KR",
	"republic of korea":                "KR",
	"한국":                               "KR", // the everyday Korean name; CLDR gives 대한민국
	"russian federation":               "RU",
	"viet nam":                         "VN",
	"burma":                            "MM",
	"czech republic":                   "CZ",
	"north macedonia":                  "MK",
	"eswatini":                         "SZ",
	"turkiye":                          "TR",
	"ivory coast":                      "CI",
	"cabo verde":                       "CV",
	"east timor":                       "TL",
	"palestine":                        "PS",
	"vatican":                          "VA",
	"holy see":                         "VA",
	"hong kong":                        "HK",
	"macau":                            "MO",
	"macao":                            "MO",
	"democratic republic of the congo": "CD",
	"dr congo":                         "CD",
	"drc":                              "CD",
	"republic of the congo":            "CG",
	// Haitian Creole, which CLDR does not name countries in.
	"ayiti":              "HT",
	"etazini":            "US",
	"meksik":             "MX",
	"kiba":               "CU",
	"dominikani":         "DO",
	"repiblik dominiken": "DO",
	"jamayik":            "JM",
	"brezil":             "BR",
	"venezyela":          "VE",
	"kolonbi":            "CO",
}

// countryIndex maps folded names (or codes) to alpha-2 codes.
type countryIndex struct {
	byName map[string]string
	byCode map[string]string
}

// countryIndexes caches one index per CLDR display language, never changed
// once stored: building one takes milliseconds, a lookup microseconds. It is
// keyed by the Namer display picks for the tag, so it holds at most one
// index per language CLDR names regions in, whatever tags callers pass.
var countryIndexes sync.Map // display.Namer → *countryIndex

func countryIndexFor(lang language.Tag) *countryIndex {
	namer := regionNamer(lang)
	var key any = namer
	if namer == nil {
		key = "und"
	}
	if idx, ok := countryIndexes.Load(key); ok {
		return idx.(*countryIndex)
	}
	regions := countryRegions()
	idx := &countryIndex{byName: map[string]string{}, byCode: map[string]string{}}
	for _, r := range regions {
		idx.byCode[r.String()] = r.String()
		idx.byCode[r.ISO3()] = r.String()
	}
	// A name can mean two places once shortened ("Виргинские о-ва (США)"
	// and "(Великобритания)"), or in two languages. Full names beat
	// shortened ones, the language's names beat English ones (someone
	// writing Spanish means the Spanish name), and a tie means the key is
	// ambiguous and finds nothing.
	type entry struct {
		code string
		rank int
	}
	found := map[string]entry{}
	add := func(n display.Namer, english bool, rank int) {
		for _, r := range regions {
			for i, k := range countryNameKeys(n.Name(r), english) {
				e := entry{r.String(), rank}
				if i > 0 {
					e.rank += 2 // a shortened or respelled name
				}
				old, ok := found[k]
				switch {
				case !ok || e.rank < old.rank:
					found[k] = e
				case e.rank == old.rank && e.code != old.code:
					found[k] = entry{"", rank}
				}
			}
		}
	}
	if namer != nil {
		add(namer, false, 0)
	}
	add(display.English.Regions(), true, 1)
	for k, e := range found {
		if e.code != "" {
			idx.byName[k] = e.code
		}
	}
	got, _ := countryIndexes.LoadOrStore(key, idx)
	return got.(*countryIndex)
}

// regionNamer names regions in lang, or in a language its speakers read
// when CLDR has no names in lang (French for Haitian Creole).
func regionNamer(lang language.Tag) display.Namer {
	if n := display.Regions(lang); n != nil {
		return n
	}
	if base, _ := lang.Base(); base.String() == "ht" {
		return display.Regions(language.French)
	}
	return nil
}

// countryNameKeys returns the keys a display name is found by: the name,
// the name without a parenthesized part ("Myanmar (Burma)" → "myanmar"),
// and in English "&" spelled "and" and "St." spelled "Saint".
func countryNameKeys(name string, english bool) []string {
	if name == "" {
		return nil
	}
	names := []string{name}
	if i := strings.IndexByte(name, '('); i > 0 {
		if j := strings.IndexByte(name[i:], ')'); j > 0 {
			names = append(names, name[:i]+name[i+j+1:])
		}
	}
	if english {
		for _, n := range names {
			if strings.Contains(n, "&") {
				names = append(names, strings.ReplaceAll(n, "&", " and "))
			}
		}
		for _, n := range names {
			if strings.HasPrefix(n, "St. ") {
				names = append(names, "Saint "+n[4:])
			}
		}
	}
	keys := make([]string, 0, len(names))
	for _, n := range names {
		if k := countryKey(n); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// countryKey reduces a country name to the form names are compared in:
// folded, without apostrophes and periods (so "U.S." is "us" and "Côte
// d’Ivoire" is "cote divoire"), other punctuation as spaces, and no leading
// English "the".
func countryKey(s string) string {
	f := strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ' || r == '.':
			return -1
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			return r
		}
		return ' '
	}, Fold(s))
	f = strings.Join(strings.Fields(f), " ")
	return strings.TrimPrefix(f, "the ")
}

// countryRegions lists the current ISO 3166-1 countries and territories,
// and Kosovo's XK, from CLDR: every two-letter region that is a country, not
// a deprecated code (BU, DD, ZR …, which canonicalize to another), and has a
// real alpha-3 code and a name. The exceptional reservations AC, CP, DG and
// TA name islands within other countries and are left out.
func countryRegions() []language.Region {
	var regions []language.Region
	english := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.Canonicalize() != r || r.String() != code ||
				r.ISO3() == "ZZZ" || english.Name(r) == "" {
				continue
			}
			switch code {
			case "AC", "CP", "DG", "TA":
				continue
			}
			regions = append(regions, r)
		}
	}
	return regions
}
