package flows

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// testLexicon returns the vocabulary tests read input with: "en" (month
// names and abbreviations, MDY) or "es" (DMY). Other tests in the package
// use it, so it knows the yes/no words too.
func testLexicon(lang string) Lexicon {
	switch lang {
	case "en":
		return NewLexicon(language.English, "MDY", [12][]string{
			{"January", "Jan"}, {"February", "Feb"}, {"March", "Mar"}, {"April", "Apr"},
			{"May"}, {"June", "Jun"}, {"July", "Jul"}, {"August", "Aug"},
			{"September", "Sep", "Sept"}, {"October", "Oct"}, {"November", "Nov"}, {"December", "Dec"},
		},
			[]string{"yes", "y", "yeah", "ok"},
			[]string{"no", "n", "nope"},
			[]string{"none", "I don't have one", "n/a"},
			[]string{"same", "this number", "same number"})
	case "es":
		return NewLexicon(language.Spanish, "DMY", [12][]string{
			{"enero", "ene"}, {"febrero", "feb"}, {"marzo", "mar"}, {"abril", "abr"},
			{"mayo", "may"}, {"junio", "jun"}, {"julio", "jul"}, {"agosto", "ago"},
			{"septiembre", "setiembre", "sep", "sept"}, {"octubre", "oct"}, {"noviembre", "nov"}, {"diciembre", "dic"},
		},
			[]string{"sí", "si", "s", "claro"},
			[]string{"no", "n"},
			[]string{"ninguno", "no tengo"},
			[]string{"el mismo", "mismo", "este número"})
	}
	panic("testLexicon: no lexicon for " + lang)
}

func TestTestLexicon(t *testing.T) {
	for _, tc := range []struct {
		lang, word string
		want       int
	}{
		{"en", "Sept", 9},
		{"en", "may", 5},
		{"es", "Marzo", 3},
		{"es", "dic", 12},
		{"es", "setiembre", 9},
	} {
		t.Run(tc.lang+"_"+tc.word, func(t *testing.T) {
			if got := testLexicon(tc.lang).Months[Fold(tc.word)]; int(got) != tc.want {
				t.Errorf("Months[%q] = %v, want %d", tc.word, got, tc.want)
			}
		})
	}
	t.Run("SpanishYes", func(t *testing.T) {
		if !testLexicon("es").IsYes("Sí.") {
			t.Error(`IsYes("Sí.") = false`)
		}
	})
}

// checkProblem fails t unless err is a *Problem with message wantID and no
// arguments, or nil when wantID is "". A validator's error must never carry
// what the person typed: it ends up in logs.
func checkProblem(t *testing.T, input string, err error, wantID string) {
	t.Helper()
	if wantID == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v, want *Problem %s", err, wantID)
	}
	if p.ID != wantID {
		t.Fatalf("problem %s, want %s", p.ID, wantID)
	}
	if len(p.Args) != 0 {
		t.Errorf("problem has args %v, want none", p.Args)
	}
	if in := strings.TrimSpace(input); len(in) > 2 && strings.Contains(err.Error(), in) {
		t.Errorf("error %q contains the input", err.Error())
	}
}
