package bot

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"infopass/flows"
)

// TestMachine moves conversations with the state machine built from the
// declaration: it takes declared moves, keeps the stacks as each move's
// kind says, and refuses moves the declaration lacks or whose guard does
// not hold.
func TestMachine(t *testing.T) {
	e := NewEngine(Config{Catalog: mustCatalog(t)})
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	at := func(step flows.Step, a flows.Answers, history ...flows.Step) *turn {
		if a.Language == "" {
			a.Language = "en"
		}
		return &turn{e: e, now: now, c: &Conversation{ID: 1, Phone: "+12025550147", Open: true, Step: step, Answers: a, History: history}}
	}
	ctx := context.Background()

	t.Run("ForwardRemembersTheQuestion", func(t *testing.T) {
		tr := at(flows.StepName, flows.Answers{Name: "Jane Doe"}, flows.StepTimeOfDay)
		tr.c.InvalidCount = 2
		if err := tr.move(ctx, flows.Answered); err != nil {
			t.Fatal(err)
		}
		if tr.c.Step != flows.StepBirthDate || !slices.Equal(tr.c.History, []flows.Step{flows.StepTimeOfDay, flows.StepName}) || tr.c.InvalidCount != 0 {
			t.Errorf("after answered at name: %s %v %d", tr.c.Step, tr.c.History, tr.c.InvalidCount)
		}
	})
	t.Run("AsideReturnsWhereItBegan", func(t *testing.T) {
		tr := at(flows.StepType, flows.Answers{}, flows.StepWho)
		if err := tr.move(ctx, flows.Pause); err != nil {
			t.Fatal(err)
		}
		if tr.c.Step != flows.StepResume || !slices.Equal(tr.c.Answers.Returns, []flows.Step{flows.StepType}) {
			t.Fatalf("after pause: %s %v", tr.c.Step, tr.c.Answers.Returns)
		}
		// An aside within an aside returns to it.
		tr.c.Held.Reference = "IP-7K3Q9D2M"
		if err := tr.move(ctx, flows.WithdrawRequested); err != nil {
			t.Fatal(err)
		}
		for _, ev := range []flows.Event{flows.WithdrawDeclined, flows.Resume} {
			if err := tr.move(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if tr.c.Step != flows.StepType || len(tr.c.Answers.Returns) != 0 || !slices.Equal(tr.c.History, []flows.Step{flows.StepWho}) {
			t.Errorf("after the asides: %s %v %v", tr.c.Step, tr.c.Answers.Returns, tr.c.History)
		}
	})
	t.Run("BackGoesWhereTheEngineSays", func(t *testing.T) {
		tr := at(flows.StepDays, flows.Answers{}, flows.StepType)
		tr.backTo = flows.StepADITDate
		if err := tr.move(ctx, flows.Back); err != nil || tr.c.Step != flows.StepADITDate {
			t.Errorf("back: %s %v", tr.c.Step, err)
		}
	})
	t.Run("EndsClose", func(t *testing.T) {
		tr := at(flows.StepADITDate, flows.Answers{Name: "Jane Doe", Type: flows.TypeADIT})
		if err := tr.move(ctx, flows.Refer); err == nil {
			t.Fatal("refer with a date not too early was taken") // the guard: too early
		}
		tr.c.Answers.NeededBy = flows.Date{Year: 2027, Month: 6, Day: 1}
		if err := tr.move(ctx, flows.Refer); err != nil {
			t.Fatal(err)
		}
		if tr.c.Open || tr.c.Step != flows.StepReferred || tr.c.Answers.Name != "" || tr.intent != EndOfferPerson {
			t.Errorf("referred: %+v intent %q", tr.c, tr.intent)
		}
	})
	for _, tc := range []struct {
		name string
		at   flows.Step
		a    flows.Answers
		ev   flows.Event
		want error
	}{
		{"ErrSubmitWithAnAnswerMissing", flows.StepReview, flows.Answers{Type: flows.TypeADIT}, flows.Submit, errGuard},
		{"ErrBackFromTheFirstLanguageMenu", flows.StepLanguage, flows.Answers{}, flows.Back, errGuard},
		{"ErrRestartWithoutALanguage", flows.StepLanguage, flows.Answers{Language: "-"}, flows.Restart, nil},
		{"ErrReadBackOfANonAnswer", flows.StepWho, flows.Answers{}, flows.Heard, nil},
		{"ErrUnknownEvent", flows.StepType, flows.Answers{}, "teleport", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := at(tc.at, tc.a)
			if tc.a.Language == "-" {
				tr.c.Answers.Language = ""
			}
			before := *tr.c
			err := tr.move(ctx, tc.ev)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("move %s from %s = %v, want an error (%v)", tc.ev, tc.at, err, tc.want)
			}
			if tr.c.Step != before.Step || tr.c.Open != before.Open {
				t.Errorf("a refused move moved: %s", tr.c.Step)
			}
		})
	}
}
