package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/looplab/fsm"

	"infopass/flows"
)

// maxHistory bounds the BACK stack; a wizard pass has fewer steps.
const maxHistory = 64

// machines builds, from flows' declaration alone, the looplab/fsm state
// machine that moves every conversation, and lends out instances of it.
//
// Its events are what happened (flows.Answered, flows.Back, flows.Pause…);
// its callbacks guard and carry out the moves: before_event refuses a move
// whose declared guard does not hold, enter_state keeps the stacks of BACK
// and of the asides as the move's kind says, and the ends close the
// conversation. A machine holds no conversation: each move sets it to the
// stored state and passes the turn to the callbacks.
type machines struct {
	edges map[edgeKey]flows.Edge
	pool  sync.Pool
}

type edgeKey struct {
	on   flows.Event
	from flows.Step
}

func newMachines() *machines {
	ms := &machines{edges: map[edgeKey]flows.Edge{}}
	var events []fsm.EventDesc
	for _, e := range flows.Conversation().Edges() {
		src := make([]string, len(e.From))
		for i, s := range e.From {
			src[i] = string(s)
			ms.edges[edgeKey{e.On, s}] = e
		}
		events = append(events, fsm.EventDesc{Name: string(e.On), Src: src, Dst: string(e.To)})
	}
	callbacks := fsm.Callbacks{
		"before_event": ms.guard,
		"enter_state":  ms.entered,
		"enter_" + string(flows.StepReferred): func(_ context.Context, e *fsm.Event) {
			e.Args[0].(*turn).referred()
		},
		"enter_" + string(flows.StepSubmitted): func(_ context.Context, e *fsm.Event) {
			e.Args[0].(*turn).submitted()
		},
		"enter_" + string(flows.StepCancelled): func(_ context.Context, e *fsm.Event) {
			e.Args[0].(*turn).cancelled()
		},
	}
	// The machine's structure is the same for every conversation: build it
	// once per instance and reuse it; moves set its state.
	ms.pool.New = func() any { return fsm.NewFSM(string(flows.StepLanguage), events, callbacks) }
	return ms
}

// edge returns the declared move on ev from s.
func (ms *machines) edge(ev flows.Event, s flows.Step) (flows.Edge, bool) {
	e, ok := ms.edges[edgeKey{ev, s}]
	return e, ok
}

// guard cancels a move whose declared guard does not hold for the turn's
// answers and day.
func (ms *machines) guard(_ context.Context, e *fsm.Event) {
	t := e.Args[0].(*turn)
	edge, ok := ms.edge(flows.Event(e.Event), flows.Step(e.Src))
	if ok && !edge.Allows(t.c.Answers, t.flowContext()) {
		e.Cancel(fmt.Errorf("%s from %s: %w", e.Event, e.Src, errGuard))
	}
}

var errGuard = errors.New("the move's guard does not hold")

// entered does what a move's kind asks of the stacks, and resolves a
// pseudo-state to the state it stands for. A move to the same state is no
// move: looplab/fsm calls no enter callback for it.
func (ms *machines) entered(_ context.Context, e *fsm.Event) {
	t := e.Args[0].(*turn)
	edge, _ := ms.edge(flows.Event(e.Event), flows.Step(e.Src))
	from, to := flows.Step(e.Src), flows.Step(e.Dst)
	c := t.c
	switch edge.Kind {
	case flows.Forward:
		c.History = append(c.History, from)
		if len(c.History) > maxHistory {
			c.History = c.History[len(c.History)-maxHistory:]
		}
	case flows.Begin:
		c.Answers.Returns = append(c.Answers.Returns, from)
	case flows.End:
		if n := len(c.Answers.Returns); n > 0 {
			to = c.Answers.Returns[n-1]
			c.Answers.Returns = c.Answers.Returns[:n-1]
		}
	case flows.Backward:
		to = t.backTo
	case flows.Reset:
		c.Answers = flows.Answers{Language: c.Answers.Language}
		c.History = nil
	}
	if to == flows.Later && len(c.Answers.Later) > 0 {
		to = c.Answers.Later[0]
	}
	c.InvalidCount = 0
	t.landed = to
}

// move fires ev on the conversation's machine: it moves, or the error says
// why not (a move the declaration lacks from this state, or whose guard
// does not hold).
func (t *turn) move(ctx context.Context, ev flows.Event) error {
	from := t.c.Step
	m := t.e.machines.pool.Get().(*fsm.FSM)
	defer t.e.machines.pool.Put(m)
	m.SetState(string(from))
	t.landed = ""
	err := m.Event(ctx, string(ev), t)
	var same fsm.NoTransitionError
	switch {
	case errors.As(err, &same):
		return nil // to the same state: nothing to do
	case err != nil:
		return fmt.Errorf("conversation %d: %s from %s: %w", t.c.ID, ev, from, err)
	}
	to := t.landed
	if to == "" || !to.Valid() {
		return fmt.Errorf("conversation %d: %s from %s lands on %q", t.c.ID, ev, from, to)
	}
	t.c.Step = to
	return nil
}

// can reports whether the declaration has a move on ev from the
// conversation's state.
func (t *turn) can(ev flows.Event) bool {
	_, ok := t.e.machines.edge(ev, t.c.Step)
	return ok
}
