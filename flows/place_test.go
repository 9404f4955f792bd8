package flows

import (
	"testing"

	"golang.org/x/text/language"
)

func TestParseZIP(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OK", "12345", "12345", ""},
		{"OKSpaces", " 20001 ", "20001", ""},
		{"OKPlus4", "12345-6789", "12345-6789", ""},
		{"OKPlus4Space", "12345 6789", "12345-6789", ""},
		{"OKPlus4Run", "123456789", "12345-6789", ""},
		{"OKPlus4SpacedDash", "12345 - 6789", "12345-6789", ""},
		{"OKPlus4EnDash", "12345–6789", "12345-6789", ""},
		{"OKFullWidth", "１２３４５", "12345", ""},
		{"OKArabicIndic", "١٢٣٤٥-٦٧٨٩", "12345-6789", ""},
		{"OKLeadingZero", "02134", "02134", ""},
		{"ErrShort", "1234", "", "problem.zip"},
		{"ErrSixDigits", "123456", "", "problem.zip"},
		{"ErrTenDigits", "1234567890", "", "problem.zip"},
		{"ErrZeros", "00000", "", "problem.zip"},
		{"ErrZerosPlus4", "00000-1234", "", "problem.zip"},
		{"ErrShortPlus4", "12345-678", "", "problem.zip"},
		{"ErrDanglingDash", "12345-", "", "problem.zip"},
		{"ErrTwoDashes", "12345-6789-1", "", "problem.zip"},
		{"ErrSplitZIP", "12 345", "", "problem.zip"},
		{"ErrLetters", "ABCDE", "", "problem.zip"},
		{"ErrCanadianPostalCode", "K1A 0B1", "", "problem.zip"},
		{"ErrEmpty", "", "", "problem.zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseZIP(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseZIP(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseCountry(t *testing.T) {
	en, es := language.English, language.Spanish
	for _, tc := range []struct {
		name    string
		in      string
		lang    language.Tag
		want    string
		problem string
	}{
		{"OKEnglishName", "Mexico", en, "MX", ""},
		{"OKSpanishName", "méxico", es, "MX", ""},
		{"OKUnaccented", "MEXICO", es, "MX", ""},
		{"OKAlpha2", "MX", en, "MX", ""},
		{"OKAlpha3LowerCase", "mex", en, "MX", ""},
		{"OKAlpha3", "GTM", es, "GT", ""},
		{"OKSpanishUS", "Estados Unidos", es, "US", ""},
		{"OKEnglishInSpanish", "United States", es, "US", ""},
		{"OKUSA", "USA", en, "US", ""},
		{"OKUSAPeriods", "U.S.A.", en, "US", ""},
		{"OKUS", "US", es, "US", ""},
		{"OKEEUU", "EE. UU.", es, "US", ""},
		{"OKUK", "UK", en, "GB", ""},
		{"OKUnitedKingdom", "united kingdom", en, "GB", ""},
		{"OKKorea", "Korea", en, "KR", ""},
		{"OKSouthKorea", "South Korea", en, "KR", ""},
		{"OKCoreaDelSur", "Corea del Sur", es, "KR", ""},
		{"OKKoreanOfficial", "대한민국", language.Korean, "KR", ""},
		{"OKKoreanEveryday", "한국", language.Korean, "KR", ""},
		{"OKNorthKorea", "North Korea", en, "KP", ""},
		{"OKRussia", "Russia", en, "RU", ""},
		{"OKRussian", "Россия", language.Russian, "RU", ""},
		{"OKRusia", "Rusia", es, "RU", ""},
		{"OKVietnam", "Vietnam", en, "VN", ""},
		{"OKVietNam", "Viet Nam", en, "VN", ""},
		{"OKVietnamese", "Việt Nam", language.Vietnamese, "VN", ""},
		{"OKChina", "China", en, "CN", ""},
		{"OKChinese", "中国", language.Chinese, "CN", ""},
		{"OKMyanmar", "Myanmar", en, "MM", ""},
		{"OKMyanmarFull", "Myanmar (Burma)", en, "MM", ""},
		{"OKBurma", "Burma", en, "MM", ""},
		{"OKIvoryCoastApostrophe", "Cote d'Ivoire", en, "CI", ""},
		{"OKIvoryCoastCurly", "Côte d’Ivoire", es, "CI", ""},
		{"OKAmpersand", "Bosnia & Herzegovina", en, "BA", ""},
		{"OKAnd", "Bosnia and Herzegovina", en, "BA", ""},
		{"OKSpanishY", "Bosnia y Herzegovina", es, "BA", ""},
		{"OKThe", "the Netherlands", en, "NL", ""},
		{"OKPaisesBajos", "Paises Bajos", es, "NL", ""},
		{"OKSaint", "Saint Lucia", en, "LC", ""},
		{"OKSt", "St Lucia", en, "LC", ""},
		{"OKFilipinas", "Filipinas", es, "PH", ""},
		{"OKHaiti", "  haiti ", en, "HT", ""},
		{"OKHaitiSpanish", "Haití", es, "HT", ""},
		{"OKElSalvador", "el salvador", es, "SV", ""},
		{"OKPuertoRico", "Puerto Rico", en, "PR", ""},
		{"OKKosovo", "Kosovo", en, "XK", ""},
		{"OKHongKong", "Hong Kong", en, "HK", ""},
		{"OKRussianVirginIslandsUS", "Виргинские о-ва (США)", language.Russian, "VI", ""},
		{"OKUnknownLanguageFallsBackToEnglish", "Mexico", language.Make("tlh"), "MX", ""},
		{"ErrEmpty", "", en, "", "problem.country"},
		{"ErrPunctuation", "...", en, "", "problem.country"},
		{"ErrContinent", "Europe", en, "", "problem.country"},
		{"ErrLatinAmerica", "Latin America", en, "", "problem.country"},
		{"ErrEU", "EU", en, "", "problem.country"},
		{"ErrEuropeanUnion", "European Union", en, "", "problem.country"},
		{"ErrUN", "UN", en, "", "problem.country"},
		{"ErrUnitedNations", "United Nations", en, "", "problem.country"},
		{"ErrUnknownRegion", "ZZ", en, "", "problem.country"},
		{"ErrWorld", "world", en, "", "problem.country"},
		{"ErrM49World", "001", en, "", "problem.country"},
		{"ErrM49LatinAmerica", "419", es, "", "problem.country"},
		{"ErrDeprecatedCode", "DD", en, "", "problem.country"},
		{"ErrPrivateUse", "XA", en, "", "problem.country"},
		{"ErrAmbiguousShortened", "Виргинские о-ва", language.Russian, "", "problem.country"},
		{"ErrUnknown", "Narnia", en, "", "problem.country"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCountry(tc.in, tc.lang)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseCountry(%q, %s) = %q, want %q", tc.in, tc.lang, got, tc.want)
			}
		})
	}
}

// TestCountryAliases checks that every alias names a country ParseCountry
// knows, so a typo in the table cannot return a code nobody can display.
func TestCountryAliases(t *testing.T) {
	for k, code := range countryAliases {
		t.Run(code+"_"+k, func(t *testing.T) {
			if k != countryKey(k) {
				t.Errorf("alias %q is not a key; countryKey gives %q", k, countryKey(k))
			}
			if got, err := ParseCountry(code, language.English); err != nil || got != code {
				t.Errorf("ParseCountry(%q) = %q, %v", code, got, err)
			}
		})
	}
}

// TestCountryNamesRoundTrip checks that every country's own name, in each
// language the bot speaks, finds the country again.
func TestCountryNamesRoundTrip(t *testing.T) {
	langs := []language.Tag{language.English, language.Spanish, language.Chinese, language.Vietnamese,
		language.Korean, language.Russian, language.Arabic, language.Filipino, language.French,
		language.Portuguese, language.Polish}
	for _, lang := range langs {
		t.Run(lang.String(), func(t *testing.T) {
			for _, r := range countryRegions() {
				name := CountryName(r.String(), lang)
				if got, err := ParseCountry(name, lang); err != nil || got != r.String() {
					t.Errorf("ParseCountry(%q) = %q, %v; want %s", name, got, err, r)
				}
			}
		})
	}
}

func TestCountryName(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		lang       language.Tag
		want       string
	}{
		{"English", "MX", language.English, "Mexico"},
		{"Spanish", "MX", language.Spanish, "México"},
		{"Korean", "KR", language.Korean, "대한민국"},
		{"LowerCaseCode", "mx", language.Spanish, "México"},
		{"Kosovo", "XK", language.English, "Kosovo"},
		{"EnglishFallback", "MX", language.Make("tlh"), "Mexico"},
		{"UnnamedCode", "QQ", language.English, "QQ"},
		{"NotACode", "??", language.English, "??"},
		{"Empty", "", language.English, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CountryName(tc.code, tc.lang); got != tc.want {
				t.Errorf("CountryName(%q, %s) = %q, want %q", tc.code, tc.lang, got, tc.want)
			}
		})
	}
}

func BenchmarkParseCountry(b *testing.B) {
	ParseCountry("Corea del Sur", language.Spanish) // build the index once
	for b.Loop() {
		if _, err := ParseCountry("Corea del Sur", language.Spanish); err != nil {
			b.Fatal(err)
		}
	}
}
