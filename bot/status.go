package bot

import (
	"context"
	"strings"

	"infopass/flows"
)

// statusTries is how many wrong reference and date of birth pairs a caller
// may key before a person takes the call.
const statusTries = 3

// status lists, by text, the requests filed from or for the number.
func (t *turn) status(ctx context.Context) error {
	reqs, err := t.tx.RecentRequests(ctx, t.in.From, 3)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		t.say = append(t.say, flows.M("reply.status_none"))
		return nil
	}
	for _, r := range reqs {
		t.say = append(t.say, t.statusMsg(r))
	}
	return nil
}

func (t *turn) statusMsg(r Request) flows.Msg {
	return flows.M("reply.status", "Ref", r.Reference, "Date", t.e.today(r.SubmittedAt), "Status", flows.M("status."+r.Status))
}

// askStatus begins STATUS on a call: a caller ID proves nothing, so the
// caller keys the request's reference and its date of birth before
// anything about a request is said.
func (t *turn) askStatus(ctx context.Context) error {
	if !t.can(flows.StatusAsked) {
		t.askAgain()
		return nil
	}
	t.c.Held = Held{}
	if err := t.move(ctx, flows.StatusAsked); err != nil {
		return err
	}
	t.ask()
	return nil
}

// statusReference takes the keys of a reference: the 8 characters after
// "IP-", a letter as the key that bears it.
func (t *turn) statusReference(ctx context.Context) error {
	keys := flows.OnlyDigits(strings.TrimRight(t.in.Keys, "#"))
	if len(keys) != 8 || keys != strings.TrimRight(t.in.Keys, "#") {
		return t.statusMiss(ctx, false)
	}
	t.c.Held.RefKeys = keys
	if err := t.move(ctx, flows.ReferenceEntered); err != nil {
		return err
	}
	t.ask()
	return nil
}

// statusBirthDate takes the date of birth and, when a request has both the
// reference keyed and that date of birth, says its status.
func (t *turn) statusBirthDate(ctx context.Context) error {
	d, err := flows.ParseDate(t.input, t.lexicon())
	if err != nil {
		return t.statusMiss(ctx, true)
	}
	reqs, err := t.tx.RequestsByKeys(ctx, t.c.Held.RefKeys)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.Answers.BirthDate != d {
			continue
		}
		t.c.Held = Held{}
		if err := t.move(ctx, flows.StatusTold); err != nil {
			return err
		}
		t.e.log.InfoContext(ctx, "status told by phone", "request", r.ID)
		t.say = append(t.say, t.statusMsg(r))
		t.askAgain()
		return nil
	}
	return t.statusMiss(ctx, true)
}

// statusMiss answers a reference or date of birth that matches nothing
// (without saying which): the reference again, and after the third miss a
// person.
func (t *turn) statusMiss(ctx context.Context, dated bool) error {
	t.c.Held.Tries++
	t.c.Held.RefKeys = ""
	if t.c.Held.Tries >= statusTries {
		t.c.Held = Held{}
		if err := t.move(ctx, flows.StatusGiveUp); err != nil {
			return err
		}
		t.e.log.InfoContext(ctx, "status by phone: too many misses, a person takes the call", "conversation", t.c.ID)
		t.say = append(t.say, flows.M("voice.status_no_match"), flows.M("reply.agent"))
		t.intent = ConnectPerson
		return nil
	}
	if dated {
		if err := t.move(ctx, flows.StatusMismatch); err != nil {
			return err
		}
	}
	t.say = append(t.say, flows.M("voice.status_no_match"))
	t.ask()
	return nil
}
