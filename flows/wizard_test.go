package flows

import (
	"errors"
	"slices"
	"testing"
)

var friday = Date{2026, 11, 20} // the Friday before Thanksgiving week

func wizardContext(lang string) Context {
	lex := testLexicon(lang).WithDays([7][]string{
		{"sunday", "sun"}, {"monday", "mon"}, {"tuesday", "tue"}, {"wednesday", "wed"},
		{"thursday", "thu"}, {"friday", "fri"}, {"saturday", "sat"},
	}, []string{"any", "any day"}, []string{"and", "or"}).WithCaseStatus([]string{"case status"})
	return Context{
		Today:        friday,
		From:         "+12025550147",
		Lex:          lex,
		Languages:    []LanguageOption{{"en", "English"}, {"es", "Español"}},
		ADITLeadDays: 30,
		Regions:      MustParseRegions(DefaultRegions),
	}
}

// declared reports whether the declaration has the move on ev from one
// state to another.
func declared(ev Event, from, to Step) bool {
	e, ok := Conversation().EdgeFor(ev, from)
	return ok && e.To == to
}

// walk answers each input in turn from the language menu and checks every
// move is one the declaration has.
func walk(t *testing.T, c Context, inputs ...string) (Step, Answers) {
	t.Helper()
	step, a := StepLanguage, Answers{}
	for i, in := range inputs {
		m, err := Answer(step, a, in, c)
		if err != nil {
			t.Fatalf("input %d %q at %s: %v", i+1, in, step, err)
		}
		if !declared(m.Event, step, m.To) {
			t.Fatalf("move %s -%s-> %s is not declared", step, m.Event, m.To)
		}
		step, a = m.To, m.Answers
	}
	return step, a
}

var applicantRest = []string{"1 3", "1", "Jane Doe", "07/21/1990", "10001", "Mexico", "IOE0912345678", "A12345678", "jane@example.org", "same"}

func TestWizardPaths(t *testing.T) {
	c := wizardContext("en")
	for _, tc := range []struct {
		name   string
		inputs []string
		want   Step
		check  func(Answers) bool
	}{
		{"ADIT", append([]string{"1", "1", "1", "12/10/2026"}, applicantRest...), StepReview,
			func(a Answers) bool {
				return a.Type == TypeADIT && a.NeededBy == Date{2026, 12, 10} && a.Phone == c.From
			}},
		{"ADITTooEarly", []string{"1", "1", "1", "01/15/2027"}, StepReferred, nil},
		{"EAP", append([]string{"1", "1", "2", "12/08/2026", "family emergency"}, applicantRest...), StepReview,
			func(a Answers) bool { return a.TravelDate == Date{2026, 12, 8} && a.TravelReason == "family emergency" }},
		{"EAPTooSoon", []string{"1", "1", "2", "12/07/2026"}, StepReferred, nil},
		{"IJ", append([]string{"1", "1", "3", "03/02/2026", "2"}, applicantRest...), StepReview,
			func(a Answers) bool { return a.Granted == GrantAsylum && a.OrderDate == Date{2026, 3, 2} }},
		{"Other", []string{"1", "1", "4"}, StepReferred, nil},
		{"Representative", append([]string{"1", "2", "Ana Pérez", "same", "ana@firm.example.com", "2", "none", "1", "12/10/2026"}, applicantRest...), StepReview,
			func(a Answers) bool {
				return a.Role == RoleRepresentative && a.Rep.Phone == c.From && !a.Rep.ConfirmByText && a.Skipped[StepRepAccount]
			}},
		{"UnknownReceiptPrefix", []string{"1", "1", "1", "12/10/2026", "1", "1", "Jane Doe", "07/21/1990", "10001", "MX", "ABC1234567890", "2", "none"},
			StepANumber, func(a Answers) bool { return a.Receipt == "" && a.Skipped[StepReceipt] && a.PendingReceipt == "" }},
		{"Submit", append(append([]string{"1", "1", "1", "12/10/2026"}, applicantRest...), "yes", "yes", "yes"), StepSubmitted, nil},
		{"ReviewPages", append(append([]string{"1", "1", "1", "12/10/2026"}, applicantRest...), "yes", "yes"), StepReview,
			func(a Answers) bool { return a.ReviewPage == 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, a := walk(t, c, tc.inputs...)
			if step != tc.want {
				t.Fatalf("ended at %s, want %s", step, tc.want)
			}
			if tc.check != nil && !tc.check(a) {
				t.Errorf("answers: %+v", a)
			}
		})
	}
}

func TestAnswerProblems(t *testing.T) {
	c := wizardContext("en")
	for _, tc := range []struct {
		name  string
		step  Step
		input string
		want  string
	}{
		{"ErrEmpty", StepWho, "  ", "problem.empty"},
		{"ErrChoiceRange", StepWho, "3", "problem.choice"},
		{"ErrChoiceWords", StepType, "the first one", "problem.choice"},
		{"ErrLanguage", StepLanguage, "Klingon", "problem.language"},
		{"ErrYesNo", StepRepTexts, "perhaps", "problem.yes_no"},
		{"ErrDays", StepDays, "saturday", "problem.days"},
		{"ErrDaysNumber", StepDays, "7", "problem.days"},
		{"ErrZIP", StepResidence, "1234", "problem.zip"},
		{"ErrUSIsNotAnAnswer", StepResidence, "United States", "problem.zip_for_us"},
		{"ErrResidence", StepResidence, "Atlantis", "problem.residence"},
		{"ErrNoIsNotNorway", StepResidence, "no", "problem.residence"},
		{"ErrYesIsNotACountry", StepBirthCountry, "yes", "problem.country"},
		{"ErrReason", StepTravelReason, "!", "problem.reason"},
		{"ErrPastTravel", StepTravelDate, "11/19/2026", "problem.date_past"},
		{"ErrFutureOrder", StepOrderDate, "12/19/2026", "problem.date_future"},
		{"ErrBirthInFuture", StepBirthDate, "12/19/2026", "problem.dob_future"},
		{"ErrReview", StepReview, "9", "problem.review"},
		{"ErrPhone", StepPhone, "12345", "problem.phone"},
		{"ErrPhoneInJamaica", StepPhone, "+1 876 555 0100", "problem.phone_region"},
		{"ErrRepPhoneInTheUK", StepRepPhone, "+44 20 7946 0958", "problem.phone_region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := Answers{Language: "en", Role: RoleApplicant, Name: "Kept"}
			_, err := Answer(tc.step, before, tc.input, c)
			var p *Problem
			if !errors.As(err, &p) || p.ID != tc.want {
				t.Fatalf("Answer(%s, %q) = %v, want %s", tc.step, tc.input, err, tc.want)
			}
			if before.Name != "Kept" || before.Type != "" {
				t.Errorf("a refused answer changed the answers: %+v", before)
			}
		})
	}
}

func TestChoiceAndDays(t *testing.T) {
	c := wizardContext("en")
	for _, tc := range []struct {
		input string
		want  []Weekday
	}{
		{"1 3", []Weekday{Monday, Wednesday}},
		{"13", []Weekday{Monday, Wednesday}},
		{"Mon and Wed", []Weekday{Monday, Wednesday}},
		{"friday, tuesday", []Weekday{Tuesday, Friday}},
		{"6", nil},
		{"any day", nil},
		{"1 2 3 4 5", nil},
		{"１", []Weekday{Monday}},
	} {
		t.Run(tc.input, func(t *testing.T) {
			r, err := Answer(StepDays, Answers{}, tc.input, c)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Answers.Days, tc.want) || !r.Answers.DaysAnswered {
				t.Errorf("days = %v, want %v", r.Answers.Days, tc.want)
			}
		})
	}
	for _, in := range []string{"2", "2.", "#2", "٢", " 2 "} {
		r, err := Answer(StepWho, Answers{}, in, c)
		if err != nil || r.Answers.Role != RoleRepresentative {
			t.Errorf("who %q: %v %v", in, r.Answers.Role, err)
		}
	}
}

func TestReviewEdit(t *testing.T) {
	c := wizardContext("en")
	_, a := walk(t, c, append([]string{"1", "1", "1", "12/10/2026"}, applicantRest...)...)

	t.Run("ItemReturnsToReview", func(t *testing.T) {
		r, err := Answer(StepReview, a, "5", c)
		if err != nil || r.To != StepEmail || r.Event != EditItem(5) {
			t.Fatalf("edit 5: %v %v %v", r.Event, r.To, err)
		}
		r, err = Answer(StepEmail, r.Answers, "new@example.org", c)
		if err != nil || r.To != StepPhone {
			t.Fatalf("email: %v %v", r.To, err)
		}
		r, err = Answer(StepPhone, r.Answers, "same", c)
		if err != nil || r.To != StepReview || r.Answers.Editing != 0 || r.Answers.Email != "new@example.org" || r.Answers.ReviewPage != 2 {
			t.Fatalf("phone: %v %+v %v", r.To, r.Answers, err)
		}
	})

	t.Run("TypeChangeWalksItsDetails", func(t *testing.T) {
		r, _ := Answer(StepReview, a, "3", c)
		r, err := Answer(StepType, r.Answers, "3", c)
		if err != nil || r.To != StepOrderDate || !r.Answers.NeededBy.IsZero() {
			t.Fatalf("type: %v %+v %v", r.To, r.Answers, err)
		}
		r, _ = Answer(StepOrderDate, r.Answers, "01/05/2026", c)
		r, err = Answer(StepGrant, r.Answers, "1", c)
		if err != nil || r.To != StepReview || r.Event != Edited || r.Answers.Granted != GrantResidence {
			t.Fatalf("grant: %v %v %+v %v", r.Event, r.To, r.Answers, err)
		}
	})

	t.Run("ReferralKeepsTheRequest", func(t *testing.T) {
		r, _ := Answer(StepReview, a, "3", c)
		r, err := Answer(StepType, r.Answers, "4", c)
		if err != nil || r.To != StepType || r.Event != ReferredAtReview || r.Answers.Type != TypeADIT || r.Answers.NeededBy.IsZero() || len(r.Say) != 1 {
			t.Fatalf("other at edit: %v %+v %v", r.To, r.Answers, err)
		}
	})

	// Only a damaged conversation lacks an answer at the review: its item
	// is asked again, from the item's first question.
	t.Run("MissingAnswerIsAsked", func(t *testing.T) {
		broken := a.Clone()
		broken.BirthDate = Date{}
		broken.ReviewPage = 2
		r, err := Answer(StepReview, broken, "yes", c)
		if err != nil || r.To != StepName || r.Answers.Editing != 1 || !declared(r.Event, StepReview, StepName) {
			t.Fatalf("yes with a missing date of birth: %v %v %v", r.Event, r.To, err)
		}
		if Missing(a) != "" {
			t.Errorf("complete answers miss %s", Missing(a))
		}
	})
}

func TestEveryStateIsReachableAndAsks(t *testing.T) {
	c := wizardContext("en")
	edges := Conversation().Edges()
	for _, s := range append(append(Questions(), Asides()...), Ends()...) {
		if !s.Final() && len(Ask(s, Answers{Role: RoleRepresentative, PendingReceipt: "ABC1234567890"}, c).Msgs) == 0 {
			t.Errorf("%s asks nothing", s)
		}
		if s != StepLanguage && !slices.ContainsFunc(edges, func(e Edge) bool { return e.To == s }) {
			t.Errorf("no move reaches %s", s)
		}
		if !s.Final() && !slices.ContainsFunc(edges, func(e Edge) bool { return slices.Contains(e.From, s) }) {
			t.Errorf("no move leaves %s", s)
		}
	}
	if Step("bogus").Valid() || Return.Valid() || !StepReview.Valid() || !StepSubmitted.Valid() || !StepResume.Valid() {
		t.Error("Step.Valid accepts an unknown step or refuses a real one")
	}
}

// TestMovesAreUnambiguous checks what the state machine needs of the
// declaration: one destination for each event from each state, and only
// declared states.
func TestMovesAreUnambiguous(t *testing.T) {
	seen := map[[2]string]Step{}
	for _, e := range Conversation().Edges() {
		if !e.To.Valid() && !e.To.Pseudo() {
			t.Errorf("%s leads to %q, which is no state", e.On, e.To)
		}
		for _, f := range e.From {
			if !f.Valid() {
				t.Errorf("%s leaves %q, which is no state", e.On, f)
			}
			k := [2]string{string(e.On), string(f)}
			if to, dup := seen[k]; dup {
				t.Errorf("%s from %s leads both to %s and %s", e.On, f, to, e.To)
			}
			seen[k] = e.To
		}
	}
}

// TestChoiceInWords reads a menu answer said as a number word, as callers
// answer a phone menu.
func TestChoiceInWords(t *testing.T) {
	en := testLexicon("en").WithNumbers([][]string{{"one"}, {"two"}, {"three"}, {"four"}})
	es := testLexicon("es").WithNumbers([][]string{{"uno", "una"}, {"dos"}, {"tres"}, {"cuatro"}})
	for _, tc := range []struct {
		name  string
		lex   Lexicon
		input string
		n     int
		want  int // 0: refused
	}{
		{"Word", en, "Two", 4, 2},
		{"WordWithPunctuation", en, "three.", 4, 3},
		{"Spanish", es, "Dos", 4, 2},
		{"Digits", en, "2", 4, 2},
		{"ErrOutOfRange", en, "four", 3, 0},
		{"ErrOtherLanguage", en, "dos", 4, 0},
		{"ErrInASentence", en, "two or three", 4, 0},
		{"ErrNoNumbers", Lexicon{}, "two", 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := choice(tc.input, tc.n, "problem.choice", tc.lex)
			if tc.want == 0 {
				if err == nil {
					t.Errorf("choice(%q) = %d, want a problem", tc.input, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("choice(%q) = %d %v, want %d", tc.input, got, err, tc.want)
			}
		})
	}
}

// TestDateExamplesReadOneWay checks that every date a question gives as an
// example has a day above 12, whatever the day: 25/12 and 12/25 cannot be
// read with day and month swapped.
func TestDateExamplesReadOneWay(t *testing.T) {
	c := wizardContext("en")
	for day := range 366 {
		c.Today = Date{2026, 1, 1}.AddDays(day)
		for _, s := range []Step{StepADITDate, StepTravelDate, StepOrderDate, StepBirthDate} {
			for _, m := range Ask(s, Answers{}, c).Msgs {
				if d, ok := m.Args["Example"].(Date); ok && d.Day <= 12 {
					t.Fatalf("on %s, %s's example is %s", c.Today, s, d)
				}
			}
		}
	}
}

// TestAmbiguousDateIsEchoed checks that an answer that reads as another
// date with day and month swapped says which date was taken.
func TestAmbiguousDateIsEchoed(t *testing.T) {
	c := wizardContext("en")
	for _, tc := range []struct {
		input string
		echo  bool
	}{{"12/10/2026", true}, {"12/14/2026", false}, {"Dec 10 2026", false}} {
		m, err := Answer(StepADITDate, Answers{Type: TypeADIT}, tc.input, c)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(m.Echo) == 1 && m.Echo[0].ID == "reply.date_echo" && m.Echo[0].Args["Date"] == m.Answers.NeededBy; got != tc.echo {
			t.Errorf("%q: echo %v, want %v", tc.input, m.Echo, tc.echo)
		}
	}
}
