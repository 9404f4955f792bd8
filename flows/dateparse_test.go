package flows

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/text/language"
)

func TestParseDate(t *testing.T) {
	en, es := testLexicon("en"), testLexicon("es")
	ymd := en
	ymd.DateOrder = "YMD"
	noOrder := en
	noOrder.DateOrder = ""
	lowerDMY := en
	lowerDMY.DateOrder = "dmy"
	badOrder := en
	badOrder.DateOrder = "MDYY"
	d := func(y int, m time.Month, day int) Date { return Date{y, m, day} }
	for _, tc := range []struct {
		name    string
		lex     Lexicon
		in      string
		want    Date
		problem string
	}{
		// Numeric, in the language's order.
		{"OKSlashes", en, "03/07/1985", d(1985, 3, 7), ""},
		{"OKNoLeadingZeros", en, "3/7/1985", d(1985, 3, 7), ""},
		{"OKTwoDigitYear", en, "3/7/85", d(1985, 3, 7), ""},
		{"OKDashes", en, "3-7-85", d(1985, 3, 7), ""},
		{"OKDots", en, "3.7.1985", d(1985, 3, 7), ""},
		{"OKSpaces", en, "03 07 1985", d(1985, 3, 7), ""},
		{"OKPaddedSeparators", en, "  3 / 7 / 1985 ", d(1985, 3, 7), ""},
		{"OKEmptyOrderIsMDY", noOrder, "03/07/1985", d(1985, 3, 7), ""},
		{"OKDMY", es, "03/07/1985", d(1985, 7, 3), ""},
		{"OKDMYDots", es, "7.3.1985", d(1985, 3, 7), ""},
		{"OKLowerCaseOrder", lowerDMY, "03/07/1985", d(1985, 7, 3), ""},
		{"OKUnknownOrderIsMDY", badOrder, "03/07/1985", d(1985, 3, 7), ""},
		{"OKYMDTwoDigitYear", ymd, "85/03/07", d(1985, 3, 7), ""},
		{"OKYMDWithYearLastIsMDY", ymd, "03/07/1985", d(1985, 3, 7), ""},
		{"OKArabicIndicDigits", en, "٠٣/٠٧/١٩٨٥", d(1985, 3, 7), ""},
		{"OKLeapDay", en, "02/29/2024", d(2024, 2, 29), ""},
		// A four-digit first number is a year whatever the order.
		{"OKISO", en, "1985-03-07", d(1985, 3, 7), ""},
		{"OKISOUnderDMY", es, "1985-03-07", d(1985, 3, 7), ""},
		{"OKYearFirstSlashes", en, "1985/3/7", d(1985, 3, 7), ""},
		// Eight digits from a keypad.
		{"OKKeypadMDY", en, "03071985", d(1985, 3, 7), ""},
		{"OKKeypadDMY", es, "07031985", d(1985, 3, 7), ""},
		{"OKKeypadYMD", ymd, "19850307", d(1985, 3, 7), ""},
		{"OKKeypadYearFirstUnderMDY", en, "19850307", d(1985, 3, 7), ""},
		{"OKKeypadYearFirstUnderDMY", es, "20101231", d(2010, 12, 31), ""},
		{"OKKeypadMDYDecember", en, "12312010", d(2010, 12, 31), ""},
		{"OKKeypadDMYWhenBothEndsAreYears", es, "20112011", d(2011, 11, 20), ""},
		// Month names.
		{"OKMonthName", en, "March 7 1985", d(1985, 3, 7), ""},
		{"OKMonthNameComma", en, "march 7, 1985", d(1985, 3, 7), ""},
		{"OKDayFirst", en, "7 March 1985", d(1985, 3, 7), ""},
		{"OKAbbreviationOrdinal", en, "Mar. 7th 1985", d(1985, 3, 7), ""},
		{"OKShouting", en, "MARCH 7TH, 1985", d(1985, 3, 7), ""},
		{"OKDashedAbbreviation", en, "7-mar-1985", d(1985, 3, 7), ""},
		{"OKNoSpaces", en, "7mar1985", d(1985, 3, 7), ""},
		{"OKTheOf", en, "the 7th of March, 1985", d(1985, 3, 7), ""},
		{"OKYearFirstName", en, "1985 March 7", d(1985, 3, 7), ""},
		{"OKNameTwoDigitYear", en, "7 mar 85", d(1985, 3, 7), ""},
		{"OKNameApostropheYear", en, "Mar 7 '85", d(1985, 3, 7), ""},
		{"OKSept", en, "Sept. 1, 2026", d(2026, 9, 1), ""},
		{"OKMay", en, "may 31 2026", d(2026, 5, 31), ""},
		{"OKSpanish", es, "7 de marzo de 1985", d(1985, 3, 7), ""},
		{"OKSpanishDel", es, "7 de Marzo del 1985", d(1985, 3, 7), ""},
		{"OKSpanishOrdinal", es, "1º de marzo de 1985", d(1985, 3, 1), ""},
		{"OKSpanishAbbreviation", es, "7-mar-1985", d(1985, 3, 7), ""},
		{"OKSpanishDic", es, "25 dic 2026", d(2026, 12, 25), ""},
		{"OKSpanishMonthFirst", es, "marzo 7 1985", d(1985, 3, 7), ""},
		{"OKSpanishSetiembre", es, "15 de setiembre de 1990", d(1990, 9, 15), ""},
		{"OKMergedEnglishInSpanish", es.Merge(en), "March 7 1985", d(1985, 3, 7), ""},
		// Year first with CJK markers.
		{"OKChinese", en, "1985年3月7日", d(1985, 3, 7), ""},
		{"OKChineseFullWidth", en, "１９８５年３月７日", d(1985, 3, 7), ""},
		{"OKKorean", en, "1985년 3월 7일", d(1985, 3, 7), ""},
		// Two-digit years fall in 1930–2029.
		{"OKPivot29", en, "1/2/29", d(2029, 1, 2), ""},
		{"OKPivot30", en, "1/2/30", d(1930, 1, 2), ""},
		{"OKPivot00", en, "12/31/00", d(2000, 12, 31), ""},
		{"OKPivot99", en, "12/31/99", d(1999, 12, 31), ""},

		{"ErrImpossibleNoSwapMDY", en, "13/02/2020", Date{}, "problem.date_impossible"},
		{"ErrImpossibleNoSwapDMY", es, "02/13/2020", Date{}, "problem.date_impossible"},
		{"ErrImpossibleFeb30", en, "02/30/2020", Date{}, "problem.date_impossible"},
		{"ErrImpossibleNotLeap", en, "2/29/2023", Date{}, "problem.date_impossible"},
		{"ErrImpossibleMonth13", en, "1985-13-01", Date{}, "problem.date_impossible"},
		{"ErrImpossibleMonth0", en, "00/10/2020", Date{}, "problem.date_impossible"},
		{"ErrImpossibleDay0", en, "March 0 1985", Date{}, "problem.date_impossible"},
		{"ErrImpossibleDay32", en, "March 32 1985", Date{}, "problem.date_impossible"},
		{"ErrImpossibleYear0", en, "0000-01-01", Date{}, "problem.date_impossible"},
		{"ErrImpossibleKeypad", en, "13071985", Date{}, "problem.date_impossible"},
		{"ErrImpossibleApril31", es, "31 de abril de 2020", Date{}, "problem.date_impossible"},

		{"ErrNoYearNumeric", en, "12/1", Date{}, "problem.date_no_year"},
		{"ErrNoYearName", en, "dec 1", Date{}, "problem.date_no_year"},
		{"ErrNoYearOrdinal", en, "December 1st", Date{}, "problem.date_no_year"},
		{"ErrNoYearSpanish", es, "1 de diciembre", Date{}, "problem.date_no_year"},
		{"ErrNoYearChinese", en, "12月1日", Date{}, "problem.date_no_year"},

		{"ErrFormatEmpty", en, "", Date{}, "problem.date_format"},
		{"ErrFormatWord", en, "yesterday", Date{}, "problem.date_format"},
		{"ErrFormatYearOnly", en, "1985", Date{}, "problem.date_format"},
		{"ErrFormatMonthYear", en, "March 1985", Date{}, "problem.date_format"},
		{"ErrFormatNumericMonthYear", en, "3/1985", Date{}, "problem.date_format"},
		{"ErrFormatMonthOnly", en, "March", Date{}, "problem.date_format"},
		{"ErrFormatWithTime", en, "3/7/1985 10:30", Date{}, "problem.date_format"},
		{"ErrFormatLongDay", en, "123/4/1985", Date{}, "problem.date_format"},
		{"ErrFormatThreeDigitYear", en, "3/7/198", Date{}, "problem.date_format"},
		{"ErrFormatOneDigitYear", en, "3/7/5", Date{}, "problem.date_format"},
		{"ErrFormatSevenDigits", en, "0307198", Date{}, "problem.date_format"},
		{"ErrFormatSixDigits", en, "030785", Date{}, "problem.date_format"},
		{"ErrFormatTwoMonths", en, "March April 7 1985", Date{}, "problem.date_format"},
		{"ErrFormatWeekday", en, "Thursday March 7 1985", Date{}, "problem.date_format"},
		{"ErrFormatTwoLongNumbers", en, "Mar 123 1985", Date{}, "problem.date_format"},
		{"ErrFormatOrdinalNotAfterNumber", en, "th 7 March 1985", Date{}, "problem.date_format"},
		{"ErrFormatSpanishMonthInEnglish", en, "7 de marzo de 1985", Date{}, "problem.date_format"},
		{"ErrFormatEnglishMonthInSpanish", es, "March 7 1985", Date{}, "problem.date_format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDate(tc.in, tc.lex)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseDate(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestParseDateMultiWordMonth checks month names of several words, as some
// languages write them (Vietnamese "tháng ba", "month three").
func TestParseDateMultiWordMonth(t *testing.T) {
	var months [12][]string
	months[2] = []string{"tháng ba", "tháng 3"}
	vi := NewLexicon(language.Vietnamese, "DMY", months, nil, nil, nil, nil)
	for _, tc := range []struct{ name, in string }{
		{"OKWords", "7 tháng ba 1985"},
		{"OKWordAndNumber", "7 tháng 3 1985"},
		{"OKNoAccents", "7 thang 3, 1985"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDate(tc.in, vi)
			if err != nil || got != (Date{1985, 3, 7}) {
				t.Errorf("ParseDate(%q) = %v, %v; want 1985-03-07", tc.in, got, err)
			}
		})
	}
}

// TestParseDateNumericMonthNames checks that month names which are only a
// number once the 月 marker goes, as a Chinese lexicon may list them, do not
// turn every number into a month.
func TestParseDateNumericMonthNames(t *testing.T) {
	var months [12][]string
	for i := range months {
		months[i] = []string{strconv.Itoa(i+1) + "月"}
	}
	months[2] = append(months[2], "三月")
	zh := NewLexicon(language.Chinese, "YMD", months, nil, nil, nil, nil)
	for _, tc := range []struct {
		name, in string
		want     Date
	}{
		{"OKMarkers", "1985年3月7日", Date{1985, 3, 7}},
		{"OKSlashes", "1985/7/3", Date{1985, 7, 3}},
		{"OKChineseMonthName", "1985年三月7日", Date{1985, 3, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDate(tc.in, zh)
			if err != nil || got != tc.want {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"03/07/1985", "3/7/85", "1985-03-07", "03071985", "19850307", "March 7th, 1985",
		"7 de marzo de 1985", "1985年3月7日", "1985년 3월 7일", "13/02/2020", "dec 1", "7-mar-85",
	} {
		f.Add(s)
	}
	lexes := []Lexicon{testLexicon("en"), testLexicon("es")}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lex := range lexes {
			d, err := ParseDate(s, lex)
			if err != nil {
				if _, ok := err.(*Problem); !ok {
					t.Fatalf("error %T, want *Problem", err)
				}
				continue
			}
			if !d.Valid() || d.Year < 1 || d.Year > 9999 {
				t.Fatalf("ParseDate(%q, %s) = %#v, not a valid date", s, lex.DateOrder, d)
			}
			for _, other := range lexes {
				again, err := ParseDate(d.String(), other)
				if err != nil || again != d {
					t.Fatalf("ParseDate(%q, %s) = %v, %v; want %v", d.String(), other.DateOrder, again, err, d)
				}
			}
		}
	})
}

// TestAmbiguousDate finds the numeric dates that read as another date with
// day and month swapped.
func TestAmbiguousDate(t *testing.T) {
	en, es := testLexicon("en"), testLexicon("es")
	for _, tc := range []struct {
		input string
		lex   Lexicon
		want  bool
	}{
		{"03/04/2027", es, true},
		{"03/04/2027", en, true},
		{"3-4-27", en, true},
		{"04/04/2027", en, false}, // the same either way
		{"13/04/2027", es, false}, // only one way
		{"12/25/2026", en, false},
		{"3 abril 2027", es, false}, // the month in words
		{"April 3, 2027", en, false},
		{"2027-04-03", en, false}, // year first: read one way only
		{"03042027", en, true},    // as a keypad sends it
		{"not a date", en, false},
	} {
		if got := AmbiguousDate(tc.input, tc.lex); got != tc.want {
			t.Errorf("AmbiguousDate(%q, %s) = %v, want %v", tc.input, tc.lex.DateOrder, got, tc.want)
		}
	}
}
