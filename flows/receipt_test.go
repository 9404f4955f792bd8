package flows

import (
	"regexp"
	"testing"
)

func TestParseReceipt(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Receipt
		problem  string
	}{
		{"OK", "EAC2190123456", Receipt{"EAC2190123456", true}, ""},
		{"OKLowerCaseGrouped", "eac 21-901-23456", Receipt{"EAC2190123456", true}, ""},
		{"OKIOE", "IOE0912345678", Receipt{"IOE0912345678", true}, ""},
		{"OKYSC", "ysc1990012345", Receipt{"YSC1990012345", true}, ""},
		{"OKMixedCaseSpaces", " Msc 21 901 23456 ", Receipt{"MSC2190123456", true}, ""},
		{"OKFullWidth", "ＷＡＣ２１９０１２３４５６", Receipt{"WAC2190123456", true}, ""},
		{"OKArabicIndicDigits", "LIN٢١٩٠١٢٣٤٥٦", Receipt{"LIN2190123456", true}, ""},
		{"OKUnknownPrefix", "ABC2190123456", Receipt{"ABC2190123456", false}, ""},
		{"ErrTooFewDigits", "EAC219012345", Receipt{}, "problem.receipt"},
		{"ErrTooManyDigits", "EAC21901234567", Receipt{}, "problem.receipt"},
		{"ErrTwoLetters", "EA2190123456", Receipt{}, "problem.receipt"},
		{"ErrDigitInPrefix", "E4C2190123456", Receipt{}, "problem.receipt"},
		{"ErrLetterInDigits", "EAC21901234S6", Receipt{}, "problem.receipt"},
		{"ErrANumber", "A123456789", Receipt{}, "problem.receipt"},
		{"ErrPunctuation", "EAC#2190123456", Receipt{}, "problem.receipt"},
		{"ErrNonLatinPrefix", "ЕАС2190123456", Receipt{}, "problem.receipt"}, // Cyrillic look-alikes
		{"ErrEmpty", "", Receipt{}, "problem.receipt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseReceipt(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseReceipt(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestKnownReceiptPrefix(t *testing.T) {
	for _, p := range []string{"EAC", "VSC", "WAC", "CSC", "LIN", "NSC", "SRC", "TSC", "MSC", "NBC", "IOE", "YSC", "eac"} {
		t.Run("OK"+p, func(t *testing.T) {
			if !KnownReceiptPrefix(p) {
				t.Errorf("KnownReceiptPrefix(%q) = false", p)
			}
		})
	}
	for _, p := range []string{"ABC", "EA", "EACX", ""} {
		t.Run("Unknown"+p, func(t *testing.T) {
			if KnownReceiptPrefix(p) {
				t.Errorf("KnownReceiptPrefix(%q) = true", p)
			}
		})
	}
}

var canonicalReceipt = regexp.MustCompile(`^[A-Z]{3}[0-9]{10}$`)

func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{"EAC2190123456", "eac 21-901-23456", "ABC0000000000", "ＩＯＥ０９１２３４５６７８", "E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseReceipt(s)
		if err != nil {
			if _, ok := err.(*Problem); !ok {
				t.Fatalf("error %T, want *Problem", err)
			}
			return
		}
		if !canonicalReceipt.MatchString(got.Number) || got.KnownPrefix != KnownReceiptPrefix(got.Number[:3]) {
			t.Fatalf("ParseReceipt(%q) = %+v, not canonical", s, got)
		}
		again, err := ParseReceipt(got.Number)
		if err != nil || again != got {
			t.Fatalf("ParseReceipt(%q) = %+v, %v; want it unchanged", got.Number, again, err)
		}
	})
}
