package flows

import (
	"fmt"
	"slices"
	"strings"
)

// Event is what happened in a conversation: the kind of answer a question
// got, a keyword, an aside begun or ended. Events move the bot's state
// machine from one Step to another.
type Event string

// Kind says what a move does besides changing the state: to the stack of
// questions answered (which BACK walks down) and to the stack of places
// where asides began (where Return leads).
type Kind int

const (
	// Forward is an answer that moves the wizard on: BACK comes back.
	Forward Kind = iota
	// Jump moves on without a way BACK to where it left (the language
	// chosen at the start).
	Jump
	// Backward is BACK: to the question answered before (Previous).
	Backward
	// Begin starts an aside: Return will lead back to the state left.
	Begin
	// End ends an aside: back to where it began (Return).
	End
	// Reset starts the wizard over: both stacks are emptied.
	Reset
	// Close ends the conversation.
	Close
)

// Edge is one move the conversation may make: on an event, from some
// states, to one. When, if set, must hold for the move to be taken (the
// bot's state machine checks it before it moves); Say is what the person
// is told on the way, before the next question.
type Edge struct {
	On   Event
	From []Step
	To   Step
	Kind Kind
	When func(a Answers, c Context) bool
	Say  func(a Answers, c Context) []Msg
	// Why says in a few words what When means, and Where, for a move
	// from many states, where it starts: for the drawn graph.
	Why, Where string
}

// Allows reports whether the edge's guard lets a move with a and c.
func (e Edge) Allows(a Answers, c Context) bool { return e.When == nil || e.When(a, c) }

// StepSpec declares one question of the wizard: what it asks, how its
// answer is read into the Answers, and where the conversation goes next.
type StepSpec struct {
	Step Step
	// Ask returns the question's messages and the answer it takes.
	Ask func(a Answers, c Context) Question
	// Fill validates input and records it in a. A *Problem says what was
	// wrong (a is then left as it was); a *Remark is not an answer but a
	// question of the person's own, answered before the question is asked
	// again. Where the answer itself names the move (an item of the
	// review to change), Fill returns its event; otherwise "".
	Fill func(a *Answers, input string, c Context) (Event, error)
	// Next lists the moves after an answer: the one Fill named, or else
	// the first whose guard holds.
	Next []Edge
	// ReadBack, if set, returns the value a channel that cannot show what
	// it understood (a phone call) reads back for the person to confirm,
	// or nil when there is nothing to confirm. Dates are flows.Date,
	// numbers read a character at a time are Spelled.
	ReadBack func(a Answers, c Context) any
}

// AsideSpec declares an aside: a question asked outside the wizard.
type AsideSpec struct {
	Step Step
	// Prompt is the message that asks it; the bot adds what it holds for
	// the aside (the reference of a request, the value heard).
	Prompt string
	Expect Expect
	// Exits are the moves that end the aside.
	Exits []Edge
}

// Declaration is a whole conversation: the wizard's questions in order,
// the asides, and the moves that work from many states (keywords, asides
// begun). The bot's state machine is built from it and nothing else.
type Declaration struct {
	Steps  []StepSpec
	Asides []AsideSpec
	Moves  []Edge
}

// Spelled is a value read a character at a time where it is spoken (an
// A-Number, a ZIP code, a phone number's digits), and shown as it is.
type Spelled string

// Remark is an input that is not an answer but a question of the person's
// own ("what is my case status?"): the bot says Msgs and asks again.
type Remark struct{ Msgs []Msg }

// Error names the remark's first message, never the input.
func (r *Remark) Error() string {
	if len(r.Msgs) == 0 {
		return "remark"
	}
	return "remark: " + r.Msgs[0].ID
}

// Conversation returns the declaration of the conversation.
func Conversation() Declaration { return conversation }

// Spec returns the declaration of a question.
func Spec(s Step) (StepSpec, bool) {
	for _, st := range conversation.Steps {
		if st.Step == s {
			return st, true
		}
	}
	return StepSpec{}, false
}

// Aside returns the declaration of an aside.
func AsideOf(s Step) (AsideSpec, bool) {
	for _, a := range conversation.Asides {
		if a.Step == s {
			return a, true
		}
	}
	return AsideSpec{}, false
}

// Edges lists every move of the conversation with its From filled in: the
// transitions of the bot's state machine.
func (d Declaration) Edges() []Edge {
	var out []Edge
	for _, st := range d.Steps {
		for _, e := range st.Next {
			e.From = []Step{st.Step}
			out = append(out, e)
		}
	}
	for _, a := range d.Asides {
		for _, e := range a.Exits {
			e.From = []Step{a.Step}
			out = append(out, e)
		}
	}
	return append(out, d.Moves...)
}

// EdgeFor returns the move on ev from s.
func (d Declaration) EdgeFor(ev Event, s Step) (Edge, bool) {
	for _, e := range d.Edges() {
		if e.On != ev {
			continue
		}
		for _, f := range e.From {
			if f == s {
				return e, true
			}
		}
	}
	return Edge{}, false
}

// Move is an accepted answer: the answers with it, the event it makes, the
// state that event leads to, and what to say on the way.
type Move struct {
	Answers Answers
	Event   Event
	To      Step
	Kind    Kind
	Say     []Msg
	// Echo says back a date typed in numbers that reads as another date
	// in the other order of day and month, with the month in words: a
	// channel that shows what it took adds it (a call reads every answer
	// back anyway).
	Echo []Msg
}

// Answer applies input to the question step. A *Problem error means the
// input was not accepted, a *Remark that it was a question of the
// person's own; either way the answers are unchanged.
func Answer(step Step, a Answers, input string, c Context) (Move, error) {
	spec, ok := Spec(step)
	if !ok {
		return Move{}, fmt.Errorf("answer: %q is not a question", step)
	}
	input = strings.TrimSpace(input)
	if input == "" {
		return Move{}, Invalid("problem.empty")
	}
	filled := a.Clone()
	named, err := spec.Fill(&filled, input, c)
	if err != nil {
		return Move{}, err
	}
	later := slices.Contains(a.Later, step)
	filled.Later = slices.DeleteFunc(filled.Later, func(s Step) bool { return s == step })
	e, ok := choose(spec, named, filled, c)
	if !ok {
		return Move{}, fmt.Errorf("answer: no move from %s on %q fits the answer", step, named)
	}
	switch {
	case len(filled.Later) > 0 && (later || e.To == StepReview && a.Editing == 0):
		// The questions left for text come before the review.
		e, _ = conversation.EdgeFor(AskLater, step)
	case later:
		// The last of them: the review.
		e, _ = conversation.EdgeFor(Edited, step)
	}
	m := Move{Answers: filled, Event: e.On, To: e.To, Kind: e.Kind}
	if e.Say != nil {
		m.Say = e.Say(filled, c)
	}
	if spec.ReadBack != nil {
		if d, ok := spec.ReadBack(filled, c).(Date); ok && AmbiguousDate(input, c.Lex) {
			m.Echo = []Msg{M("reply.date_echo", "Date", d)}
		}
	}
	// While a review item is being changed:
	switch {
	case a.Editing == 0 || e.To.Pseudo():
	case e.To == StepReferred:
		// The Contact Center would handle the change: the request stays
		// as it was, and the person may pick another type or go BACK.
		e, _ = conversation.EdgeFor(ReferredAtReview, step)
		m.Answers, m.Event, m.To, m.Kind = a.Clone(), e.On, e.To, e.Kind
	case e.To != StepReview && !e.To.Final() && !inItem(a.Editing, e.To):
		// The item is done: back to the review, at the item's page.
		e, _ = conversation.EdgeFor(Edited, step)
		m.Event, m.To, m.Kind = e.On, e.To, e.Kind
	}
	if m.To == StepReview && step != StepReview {
		// Back from a change, the review shows the page of the item.
		m.Answers.ReviewPage = pageOf(m.Answers, a.Editing)
	}
	if m.To == StepReview || m.To.Final() {
		m.Answers.Editing = 0
	}
	return m, nil
}

// choose picks the move after an answer: the one Fill named, or the first
// of the step's moves whose guard holds.
func choose(spec StepSpec, named Event, a Answers, c Context) (Edge, bool) {
	for _, e := range spec.Next {
		if named != "" && e.On == named || named == "" && e.Allows(a, c) {
			return e, true
		}
	}
	return Edge{}, false
}

func contains(steps []Step, s Step) bool {
	for _, x := range steps {
		if x == s {
			return true
		}
	}
	return false
}

// Ask returns the question of a step or an aside.
func Ask(step Step, a Answers, c Context) Question {
	if spec, ok := Spec(step); ok {
		return spec.Ask(a, c)
	}
	if as, ok := AsideOf(step); ok {
		return Question{Msgs: []Msg{M(as.Prompt)}, Expect: as.Expect}
	}
	return Question{}
}
