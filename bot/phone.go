package bot

import (
	"context"
	"slices"
	"strings"

	"infopass/flows"
)

// What a call asks differently from a text: keys stand for words, an email
// address is finished by text, a receipt number's letters are said and its
// digits pressed, and every value is read back to be confirmed. How the
// call sounds is the voice renderer's (package webhooks).

// voiceInput is the caller's answer: the keys pressed, or else the words
// said. The star key stands for the shortcut the question offers: "none",
// "the number I am calling from", or "send" at the review.
func (t *turn) voiceInput() string {
	keys := strings.TrimRight(t.in.Keys, "#")
	if keys == "" {
		return strings.TrimSpace(t.in.Text)
	}
	if keys == "*" {
		switch t.c.Step {
		case flows.StepPhone, flows.StepRepPhone:
			return "same"
		case flows.StepReview:
			return "yes"
		case flows.StepReceipt, flows.StepANumber, flows.StepRepAccount, flows.StepEmail:
			return "none"
		}
	}
	return keys
}

// phoneAnswer handles the questions a call asks differently: the email,
// which is finished by text, and the receipt number, whose letters are
// said and digits pressed. It returns the answer for the wizard, or done
// when the turn is already answered.
func (t *turn) phoneAnswer(ctx context.Context, input string) (answer string, done bool, err error) {
	if t.keypadOnly() {
		if done, err := t.keypadAnswer(ctx, input); done || err != nil {
			return "", true, err
		}
	}
	switch step := t.c.Step; step {
	case flows.StepEmail, flows.StepRepEmail:
		if step == flows.StepEmail && t.lexicon().IsNone(input) {
			return input, false, nil
		}
		if !t.canText() {
			// A text could reach someone whose number was forged: only a
			// person (0) takes the address, or the applicant skips it.
			problem := flows.M("voice.problem_no_text")
			if step == flows.StepRepEmail {
				problem = flows.M("voice.problem_rep_no_text")
			}
			t.refuse(step, problem)
			return "", true, nil
		}
		if input != "1" {
			t.refuse(step, flows.M("problem.choice", "Last", 1))
			return "", true, nil
		}
		return "", true, t.finishByText(ctx)
	case flows.StepReceiptDigits:
		letters := t.c.Held.Letters
		t.c.Held.Letters = ""
		if err := t.move(ctx, flows.DigitsEntered); err != nil {
			return "", true, err
		}
		return letters + flows.OnlyDigits(input), false, nil
	case flows.StepReceipt:
		if t.lexicon().IsNone(input) {
			return input, false, nil
		}
		spelled := flows.SpellOut(input, t.lexicon())
		if len(spelled) == 3 && strings.Trim(spelled, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			t.c.Held.Letters = spelled
			if err := t.move(ctx, flows.LettersHeard); err != nil {
				return "", true, err
			}
			t.ask()
			return "", true, nil
		}
		if spelled != "" {
			return spelled, false, nil
		}
	}
	return input, false, nil
}

// finishByText texts the caller the question they are at and ends the call:
// an email address cannot be taken by phone, and a prompt with no
// recording in the caller's language can be read.
func (t *turn) finishByText(ctx context.Context) error {
	for t.c.Step.Aside() {
		// The text asks the wizard's question afresh.
		ev := flows.Left
		if t.c.Step == flows.StepResume {
			ev = flows.Resume
		}
		t.c.Held = Held{}
		if err := t.move(ctx, ev); err != nil {
			return err
		}
	}
	lead := flows.M("voice.handoff_text")
	if len(t.c.Answers.Later) > 0 {
		var left flows.List
		for _, s := range t.c.Answers.Later {
			left = append(left, flows.M("later."+string(s)))
		}
		lead = flows.M("voice.later_text", "List", left)
	}
	msgs := append([]flows.Msg{lead}, flows.Ask(t.c.Step, t.c.Answers, t.flowContext()).Msgs...)
	if t.in.party().Call != "" {
		// An unattested call's answers become the number's only when the
		// number has no conversation of its own: that one is never
		// touched, and its owner is told so by text, not the caller.
		moved, err := t.tx.AdoptConversation(ctx, t.c)
		if err != nil {
			return err
		}
		if !moved {
			msgs = []flows.Msg{flows.M("voice.handoff_kept")}
		}
	}
	body := t.e.Text(t.lang(), msgs)
	err := t.tx.Enqueue(ctx, &OutboxMessage{Kind: KindHandoff, To: t.c.Phone, Body: body, Status: MsgQueued, SendAfter: t.now,
		ConversationID: t.c.ID})
	if err != nil {
		return err
	}
	t.queued, t.toSMS, t.intent = true, true, ContinueByText
	t.say = append(t.say, flows.M("voice.handoff_sent"))
	return nil
}

// confirmValue takes the caller's 1 (keep) or 2 (enter again) after a
// value was read back.
func (t *turn) confirmValue(ctx context.Context) error {
	step := t.returnStep()
	heard := t.c.Held.Heard
	var yes, ok bool
	switch t.input {
	case "1":
		yes, ok = true, true
	case "2":
		yes, ok = false, true
	default:
		yes, ok = t.e.cfg.Catalog.YesNo(t.input, t.lang())
	}
	mv, err := flows.Answer(step, t.c.Answers, heard, t.flowContext())
	if err != nil || ok && !yes {
		// Entered again, or the answer heard no longer passes (a day went
		// by): the question again.
		t.c.Held = Held{}
		if err := t.move(ctx, flows.Reenter); err != nil {
			return err
		}
		t.ask()
		return nil
	}
	if !ok {
		t.c.InvalidCount++
		problem := flows.M("voice.readback_problem")
		if t.input == "" {
			problem = flows.M("problem.empty")
		}
		t.say = append(t.say, problem)
		t.ask()
		if t.c.InvalidCount%3 == 0 {
			t.say = append(t.say, flows.M("reply.too_many"))
		}
		return nil
	}
	t.c.Held = Held{}
	if err := t.move(ctx, flows.Kept); err != nil {
		return err
	}
	return t.apply(ctx, step, mv)
}

// returnStep is where the aside in progress began.
func (t *turn) returnStep() flows.Step {
	if r := t.c.Answers.Returns; len(r) > 0 {
		return r[len(r)-1]
	}
	return ""
}

// heardValue is the value of the answer heard, as it is read back.
func (t *turn) heardValue() any {
	step := t.returnStep()
	spec, ok := flows.Spec(step)
	if !ok || spec.ReadBack == nil {
		return ""
	}
	mv, err := flows.Answer(step, t.c.Answers, t.c.Held.Heard, t.flowContext())
	if err != nil {
		return ""
	}
	return spec.ReadBack(mv.Answers, t.flowContext())
}

// keypadOnly reports whether the caller's language has no speech
// recognition: keys are all a caller has.
func (t *turn) keypadOnly() bool {
	return t.voice() && t.e.cfg.KeypadOnly != nil && t.e.cfg.KeypadOnly(t.lang())
}

// keypadAnswer takes what only a keypad caller keys: 1 (star where the
// question says, for a country) to leave a question for text, and a
// receipt number's letters as the keys that bear them. done reports
// whether it took the input.
func (t *turn) keypadAnswer(ctx context.Context, input string) (done bool, err error) {
	step := t.c.Step
	switch {
	case t.can(flows.Deferred) && (input == "1" && step != flows.StepResidence || input == "*" && step == flows.StepResidence):
		return true, t.deferToText(ctx, step)
	case step == flows.StepReceipt && len(strings.TrimRight(input, "#")) == 3 && flows.OnlyDigits(input) == strings.TrimRight(input, "#"):
		prefixes := flows.PrefixesForKeys(strings.TrimRight(input, "#"))
		switch len(prefixes) {
		case 0:
			t.refuse(step, flows.M("problem.receipt"))
			return true, nil
		case 1:
			t.c.Held.Letters = prefixes[0]
			return true, t.moveAsk(ctx, flows.LettersHeard)
		}
		t.c.Held.Letters = strings.Join(prefixes[:2], "|")
		return true, t.moveAsk(ctx, flows.LettersAmbiguous)
	case step == flows.StepReceiptLetters:
		choices := strings.Split(t.c.Held.Letters, "|")
		n := flows.OnlyDigits(input)
		if n != "1" && n != "2" || len(choices) != 2 {
			t.refuse(step, flows.M("problem.choice", "Last", 2))
			return true, nil
		}
		t.c.Held.Letters = choices[n[0]-'1']
		return true, t.moveAsk(ctx, flows.LettersPicked)
	}
	return false, nil
}

// deferToText leaves step for the text that follows the call, or, when
// the caller may not be texted, says that only a person can take it.
func (t *turn) deferToText(ctx context.Context, step flows.Step) error {
	if !t.canText() {
		t.refuse(step, flows.M("voice.problem_rep_no_text"))
		return nil
	}
	a := &t.c.Answers
	if !slices.Contains(a.Later, step) {
		a.Later = append(a.Later, step)
	}
	switch step { // an answer given before (BACK) no longer stands
	case flows.StepName:
		a.Name = ""
	case flows.StepRepName:
		a.Rep.Name = ""
	case flows.StepBirthCountry:
		a.BirthCountry = ""
	case flows.StepTravelReason:
		a.TravelReason = ""
	case flows.StepResidence:
		a.ZIP, a.Country = "", ""
	}
	if err := t.move(ctx, flows.Deferred); err != nil {
		return err
	}
	t.ask()
	return nil
}

// moveAsk moves on ev and asks what the new state asks.
func (t *turn) moveAsk(ctx context.Context, ev flows.Event) error {
	if err := t.move(ctx, ev); err != nil {
		return err
	}
	t.ask()
	return nil
}
