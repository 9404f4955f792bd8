package flows

import (
	"regexp"
	"testing"
)

func TestParseANumber(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OK", "A012345678", "A012345678", ""},
		{"OKLowerCaseGrouped", "a 12-345-678", "A012345678", ""},
		{"OKNoA", "123456789", "A123456789", ""},
		{"OKSevenDigits", "A1234567", "A001234567", ""},
		{"OKEightDigitsDots", "a.12.345.678", "A012345678", ""},
		{"OKSpacesAround", "  A 123 456 789  ", "A123456789", ""},
		{"OKSpaceAfterA", "A- 123456789", "A123456789", ""},
		{"OKFullWidth", "Ａ１２３４５６７８９", "A123456789", ""},
		{"OKArabicIndic", "A١٢٣٤٥٦٧٨٩", "A123456789", ""},
		{"OKDevanagari", "१२३४५६७८", "A012345678", ""},
		{"OKEnDash", "A123–456–789", "A123456789", ""},
		{"ErrTooShort", "A123456", "", "problem.anumber"},
		{"ErrTooLong", "A1234567890", "", "problem.anumber"},
		{"ErrEmpty", "", "", "problem.anumber"},
		{"ErrOnlyA", "A", "", "problem.anumber"},
		{"ErrAllZero", "A000000000", "", "problem.anumber"},
		{"ErrAllZeroShort", "0000000", "", "problem.anumber"},
		{"ErrOtherLetter", "B123456789", "", "problem.anumber"},
		{"ErrLetterInside", "A1234O5678", "", "problem.anumber"},
		{"ErrTrailingA", "123456789A", "", "problem.anumber"},
		{"ErrTwoAs", "AA123456789", "", "problem.anumber"},
		{"ErrHash", "A#123456789", "", "problem.anumber"},
		{"ErrReceiptNumber", "EAC2190123456", "", "problem.anumber"},
		{"ErrWords", "I don't have one", "", "problem.anumber"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseANumber(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseANumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

var canonicalANumber = regexp.MustCompile(`^A[0-9]{9}$`)

func FuzzParseANumber(f *testing.F) {
	for _, s := range []string{"A012345678", "a 12-345-678", "１２３４５６７", "A000000000", "A-", "aa1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseANumber(s)
		if err != nil {
			if _, ok := err.(*Problem); !ok {
				t.Fatalf("error %T, want *Problem", err)
			}
			return
		}
		if !canonicalANumber.MatchString(got) || got == "A000000000" {
			t.Fatalf("ParseANumber(%q) = %q, not canonical", s, got)
		}
		again, err := ParseANumber(got)
		if err != nil || again != got {
			t.Fatalf("ParseANumber(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}
