package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"infopass/flows"
)

// turn is the work of one inbound turn inside its transaction.
type turn struct {
	e      *Engine
	tx     Tx
	in     Inbound
	now    time.Time
	render Renderer

	p     Participant
	c     *Conversation
	fresh bool // the conversation starts with this turn
	say   []flows.Msg
	then  []flows.Msg // a text of its own after say (Reply.Then)
	// lead is said first, in leadLang: the answer about a callback offer,
	// in the language of the request it is about.
	lead     []flows.Msg
	leadLang string
	// againFrom, when not -1, is where in say the question is asked again
	// after an aside.
	againFrom int
	silent    bool
	intent    Intent
	submit    bool
	// input is what the person answered: the text, the speech, or the keys
	// (with the star key turned into the word it stands for).
	input  string
	toSMS  bool // the conversation goes on by text (a call's handoff)
	queued bool // a text was queued: wake the outbox
	// firstText: the number texts the service for the first time.
	firstText bool
	// landed is where the move being made arrives, a pseudo-state
	// resolved; backTo is where BACK goes.
	landed, backTo flows.Step
}

func (t *turn) run(ctx context.Context) (Reply, Rendered, error) {
	t.againFrom = -1
	t.p = t.tx.Participant(ctx)
	c, err := t.tx.OpenConversation(ctx)
	if err != nil {
		return Reply{}, Rendered{}, err
	}
	if c != nil && t.now.Sub(c.UpdatedAt) >= t.e.cfg.IdleExpire {
		if err := t.tx.DeleteConversation(ctx, c); err != nil {
			return Reply{}, Rendered{}, err
		}
		c = nil
	}
	if c != nil && !c.Step.Valid() {
		t.e.log.ErrorContext(ctx, "stored state unknown, starting over", "conversation", c.ID, "step", string(c.Step))
		c.Step, c.Answers, c.History, c.Held = flows.StepWho, flows.Answers{Language: c.Answers.Language}, nil, Held{}
		if c.Answers.Language == "" {
			c.Step = flows.StepLanguage
		}
	}
	if c == nil {
		t.fresh = true
		c = &Conversation{Phone: t.in.From, Open: true, Step: flows.StepLanguage, CreatedAt: t.now}
		if t.p.Language != "" && t.e.cfg.Catalog.Has(t.p.Language) {
			c.Step, c.Answers.Language = flows.StepWho, t.p.Language
		}
	}
	c.Phone = t.in.From
	t.c = c
	if !t.voice() && !t.p.Texted {
		t.p.Texted, t.firstText = true, true
	}
	t.input = t.in.Text
	if t.voice() {
		t.input = t.voiceInput()
	}

	if utf8.RuneCountInString(t.input) > MaxTextLength && !(t.p.OptedOut && !t.voice()) {
		// Changes nothing: the answer is refused before it is read, and the
		// turn stores nothing.
		t.say = append(t.say, flows.M("problem.too_long"))
		t.ask()
		reply := t.reply()
		out, err := t.render.Render(reply)
		return reply, out, err
	}
	decide := t.decide
	switch {
	case t.in.CallStart:
		decide = t.callStart
	case t.in.Repeat:
		decide = t.repeat
	case t.in.ToSMS && t.voice() && t.c.Open && !t.c.Step.Final() && t.input == "1" && t.canText():
		decide = t.finishByText
	}
	if err := decide(ctx); err != nil {
		return Reply{}, Rendered{}, err
	}
	return t.save(ctx)
}

// voice reports whether the turn is a phone call's.
func (t *turn) voice() bool { return t.in.Channel == Voice }

// canText reports whether the person may be sent texts about this turn: a
// text is the number's own; a call's number may be texted only when the
// carrier vouches for its caller ID, or when it texted the service itself.
// Anything else could send texts to someone whose number was forged.
func (t *turn) canText() bool { return !t.voice() || t.in.Attested || t.p.Texted }

// midWizard reports whether the conversation has answers a person would
// not want to lose.
func (t *turn) midWizard() bool {
	return !t.fresh && t.c.Open && len(t.c.History) > 0 && !t.c.Step.Final()
}

// decide applies the input: a keyword, the answer to an aside (a
// withdrawal, better times, a value read back), a reply to a callback
// offer or a withdrawal asked by text, or the answer to the wizard's
// current question.
func (t *turn) decide(ctx context.Context) error {
	kw, isKeyword := t.e.cfg.Catalog.Keyword(t.lang(), t.input)
	if t.voice() {
		if t.in.Keys == "0" || (!isKeyword && SaysInfopass(t.input)) {
			kw, isKeyword = KeyAgent, true
		}
		if kw == KeyStop || kw == KeyStart {
			kw, isKeyword = "", false // opting out concerns texts, not calls
		}
	} else if t.p.OptedOut && kw != KeyStart {
		t.silent = true
		return nil
	} else if !isKeyword && t.e.cfg.Catalog.OptsOut(t.input) {
		kw, isKeyword = KeyStop, true
	}
	if isKeyword {
		if t.can(flows.Left) {
			// A keyword leaves an aside (continue-or-restart stays: it is
			// answered after the keyword).
			if err := t.move(ctx, flows.Left); err != nil {
				return err
			}
			t.c.Held = Held{}
		}
		return t.keyword(ctx, kw)
	}
	switch t.c.Step {
	case flows.StepStatusReference:
		return t.statusReference(ctx)
	case flows.StepStatusBirthDate:
		return t.statusBirthDate(ctx)
	case flows.StepConfirmWithdrawal:
		return t.withdrawAnswer(ctx)
	case flows.StepBetterTimes:
		return t.betterTimes(ctx)
	case flows.StepConfirmValue:
		return t.confirmValue(ctx)
	case flows.StepReceiptDigits:
		return t.answer(ctx)
	}
	if !t.voice() {
		if handled, err := t.withdrawCommand(ctx); handled || err != nil {
			return err
		}
		if handled, err := t.offerReply(ctx); handled || err != nil {
			return err
		}
	}
	if t.midWizard() && t.c.Channel != "" && t.c.Channel != t.in.Channel && t.can(flows.Pause) {
		// Started by phone, continued by text, or the other way round.
		return t.pause(ctx)
	}
	return t.answerOrGreet(ctx)
}

// pause asks whether to go on or start over.
func (t *turn) pause(ctx context.Context) error {
	if err := t.move(ctx, flows.Pause); err != nil {
		return err
	}
	t.say = append(t.say, flows.M("reply.resume"))
	return nil
}

// leaveAside ends an aside in progress, other than continue-or-restart.
func (t *turn) leaveAside(ctx context.Context) error {
	if !t.can(flows.Left) {
		return nil
	}
	t.c.Held = Held{}
	return t.move(ctx, flows.Left)
}

// repeat asks again what the conversation waits for, after a turn that
// could not be saved.
func (t *turn) repeat(ctx context.Context) error {
	switch t.c.Step {
	case flows.StepResume, flows.StepReceiptDigits:
		t.ask()
		return nil
	}
	if err := t.leaveAside(ctx); err != nil { // a read-back is asked afresh
		return err
	}
	t.ask()
	return nil
}

// callStart answers a new call: the language menu for a new caller, an
// offer to continue an unfinished request, or the current question. (An
// unattested call is a party of its own: it always starts afresh.)
func (t *turn) callStart(ctx context.Context) error {
	t.c.Attestation = t.in.Attestation
	if err := t.leaveAside(ctx); err != nil {
		return err
	}
	switch {
	case t.c.Step == flows.StepResume:
		t.ask()
		return nil
	case t.midWizard() && t.can(flows.Pause):
		return t.pause(ctx)
	}
	t.ask()
	return nil
}

// answerOrGreet takes the text as the wizard's answer, unless the
// conversation is new, or resting, or waits for "continue or restart?".
func (t *turn) answerOrGreet(ctx context.Context) error {
	switch {
	case t.fresh:
		if t.c.Step == flows.StepLanguage {
			return t.detectLanguage(ctx)
		}
		t.ask()
		return nil
	case t.c.Step == flows.StepResume:
		return t.resume(ctx)
	case t.now.Sub(t.c.UpdatedAt) >= t.e.cfg.IdleResume && t.can(flows.Pause):
		return t.pause(ctx)
	}
	return t.answer(ctx)
}

// detectLanguage starts the wizard in the language a first text is
// clearly written in, or shows the language menu.
func (t *turn) detectLanguage(ctx context.Context) error {
	tag, ok := t.e.cfg.Catalog.DetectLanguage(t.input)
	if !ok || t.voice() {
		t.ask()
		return nil
	}
	t.c.Answers.Language = tag
	t.p.Language = tag
	if err := t.tx.SaveParticipant(ctx, t.p); err != nil {
		return err
	}
	if err := t.move(ctx, flows.LanguageChosen); err != nil {
		return err
	}
	t.ask()
	t.say = append(t.say, flows.M("reply.language_hint"))
	return nil
}

func (t *turn) keyword(ctx context.Context, k Keyword) error {
	switch k {
	case KeyStop:
		t.p.OptedOut = true
		if t.c.Answers.Language == "" {
			if tag, ok := t.e.cfg.Catalog.OptOutLanguage(t.input); ok {
				t.c.Answers.Language = tag
			}
		}
		// Twilio confirms its own opt-out words and blocks a reply; other
		// words and phrases get the bot's confirmation.
		t.silent = carrierOptOut(t.input)
		if !t.silent {
			t.say = append(t.say, flows.M("reply.stopped"))
		}
		return t.tx.SaveParticipant(ctx, t.p)
	case KeyStart:
		t.p.OptedOut = false
		t.say = append(t.say, flows.M("reply.start"))
		t.askAgain()
		return t.tx.SaveParticipant(ctx, t.p)
	case KeyHelp:
		t.say = append(t.say, flows.M("reply.help"))
	case KeyAgent:
		t.say = append(t.say, flows.M("reply.agent"))
		t.intent = ConnectPerson
		if t.voice() {
			return nil // the call is connected; no question follows
		}
	case KeyStatus:
		if t.voice() {
			return t.askStatus(ctx)
		}
		if err := t.status(ctx); err != nil {
			return err
		}
	case KeyLanguage:
		if t.can(flows.ChangeLanguage) {
			if err := t.move(ctx, flows.ChangeLanguage); err != nil {
				return err
			}
		}
	case KeyBack:
		return t.back(ctx)
	case KeyRestart:
		return t.restart(ctx)
	case KeyCancel:
		if err := t.move(ctx, flows.Cancel); err != nil {
			return err
		}
		t.say = append(t.say, flows.M("reply.cancelled"))
		return nil
	}
	if t.c.Step == flows.StepResume {
		t.ask()
		return nil
	}
	t.askAgain()
	return nil
}

func (t *turn) resume(ctx context.Context) error {
	n := flows.OnlyDigits(t.input)
	switch {
	case n == "1" || t.lexicon().IsYes(t.input):
		if err := t.move(ctx, flows.Resume); err != nil {
			return err
		}
		t.ask()
		return nil
	case n == "2":
		return t.restart(ctx)
	}
	if t.voice() && t.input == "" {
		t.say = append(t.say, flows.M("problem.empty"))
	} else {
		t.say = append(t.say, flows.M("problem.choice", "Last", 2))
	}
	t.ask()
	return nil
}

// restart starts the wizard over, keeping the language.
func (t *turn) restart(ctx context.Context) error {
	t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
	t.c.History, t.c.Held = nil, Held{}
	if t.c.Step != flows.StepWho && t.can(flows.Restart) && t.c.Answers.Language != "" {
		if err := t.move(ctx, flows.Restart); err != nil {
			return err
		}
	}
	t.c.InvalidCount = 0
	t.say = append(t.say, flows.M("reply.restart"))
	t.ask()
	return nil
}

func (t *turn) back(ctx context.Context) error {
	switch {
	case t.c.Step == flows.StepLanguage && len(t.c.Answers.Returns) > 0:
		// Out of a language change: back to where LANGUAGE was said.
		if err := t.move(ctx, flows.Back); err != nil {
			return err
		}
		t.ask()
		return nil
	case t.c.Step == flows.StepResume:
		// BACK answers "continue or start over?": continue, a step back.
		if err := t.move(ctx, flows.Resume); err != nil {
			return err
		}
	}
	for len(t.c.History) > 0 && t.can(flows.Back) && t.c.Step != flows.StepLanguage {
		prev := t.c.History[len(t.c.History)-1]
		t.c.History = t.c.History[:len(t.c.History)-1]
		if prev == flows.StepReceiptConfirm && t.c.Answers.PendingReceipt == "" {
			continue // its question needs the receipt number it was about
		}
		t.backTo = prev
		if err := t.move(ctx, flows.Back); err != nil {
			return err
		}
		if prev == flows.StepReview {
			t.c.Answers.Editing = 0
			if missing := flows.Missing(t.c.Answers); missing != "" {
				// Backing out of a change that left an answer unset (a new
				// type without its dates): change that item again rather
				// than show a review that lacks it.
				t.c.Answers.Editing = flows.ReviewItemOf(missing)
				if err := t.move(ctx, flows.EditItem(t.c.Answers.Editing)); err != nil {
					return err
				}
			}
		}
		t.ask()
		return nil
	}
	t.say = append(t.say, flows.M("reply.back_first"))
	t.ask()
	return nil
}

// answer takes the input as the answer to the current question.
func (t *turn) answer(ctx context.Context) error {
	input := t.input
	if t.voice() {
		var done bool
		var err error
		if input, done, err = t.phoneAnswer(ctx, input); done || err != nil {
			return err
		}
	}
	step := t.c.Step
	mv, err := flows.Answer(step, t.c.Answers, input, t.flowContext())
	var (
		problem *flows.Problem
		remark  *flows.Remark
	)
	if errors.As(err, &problem) && step == flows.StepLanguage && !t.voice() {
		if _, ok := t.e.cfg.Catalog.DetectLanguage(input); ok {
			return t.detectLanguage(ctx)
		}
	}
	switch {
	case errors.As(err, &problem) && t.lexicon().AsksCaseStatus(input):
		// "Where is my case?" is not a wrong answer but another question,
		// which Infopass does not answer: say where to look, and ask again.
		t.say = append(t.say, flows.M("info.case_status_online"))
		t.askAgain()
		return nil
	case errors.As(err, &remark):
		t.say = append(t.say, remark.Msgs...)
		t.ask()
		return nil
	case errors.As(err, &problem):
		t.refuse(step, problem.Msg)
		return nil
	case err != nil:
		return err
	}
	if t.voice() {
		if spec, _ := flows.Spec(step); spec.ReadBack != nil {
			if value := spec.ReadBack(mv.Answers, t.flowContext()); value != nil {
				t.c.Held.Heard = input
				if err := t.move(ctx, flows.Heard); err != nil {
					return err
				}
				t.say = append(t.say, flows.M("voice.readback", "Value", value))
				return nil
			}
		}
	}
	return t.apply(ctx, step, mv)
}

// refuse answers an answer that was not accepted: the problem; on a call
// the question again, by text only a menu (other problems say themselves
// how to answer); and after every third miss the offer of a person.
func (t *turn) refuse(step flows.Step, problem flows.Msg) {
	t.c.InvalidCount++
	t.say = append(t.say, problem)
	if k := t.question().Expect.Kind; t.voice() || step != flows.StepReview && (k == flows.ExpectChoice || k == flows.ExpectYesNo) {
		t.ask()
	}
	if t.c.InvalidCount%3 == 0 {
		t.say = append(t.say, flows.M("reply.too_many"))
		if !t.voice() {
			t.intent = ConnectPerson
		}
	}
}

// apply moves the wizard on with an accepted answer.
func (t *turn) apply(ctx context.Context, step flows.Step, mv flows.Move) error {
	if mv.Answers.Language != t.c.Answers.Language {
		t.p.Language = mv.Answers.Language
		if err := t.tx.SaveParticipant(ctx, t.p); err != nil {
			return err
		}
	}
	t.c.Answers = mv.Answers
	if !t.voice() {
		t.say = append(t.say, mv.Echo...)
	}
	t.say = append(t.say, mv.Say...)
	if err := t.move(ctx, mv.Event); err != nil {
		return err
	}
	if t.c.Step != mv.To && !mv.To.Pseudo() {
		return fmt.Errorf("conversation %d: %s from %s went to %s, the declaration says %s", t.c.ID, mv.Event, step, t.c.Step, mv.To)
	}
	if t.voice() && slices.Contains(t.c.Answers.Later, t.c.Step) {
		// What a keypad could not give is asked by text now.
		return t.finishByText(ctx)
	}
	t.ask()
	return nil
}

// The ends, which the state machine enters (bot/machine.go).

// referred ends a conversation the Contact Center must handle: nothing is
// filed, and nothing personal is kept.
func (t *turn) referred() {
	t.c.Open = false
	t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
	t.c.History = nil
	t.intent = EndOfferPerson
}

// submitted ends a conversation whose request is filed as it saves.
func (t *turn) submitted() {
	t.c.Open = false
	t.submit = true
	t.intent = End
}

// cancelled ends a conversation the person cancelled, keeping nothing.
func (t *turn) cancelled() {
	t.c.Open = false
	t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
	t.c.History, t.c.Held = nil, Held{}
	t.intent = End
}

// askAgain appends the current question after an aside (a keyword's
// answer, a callback answer), led by lead, and marks where that part
// starts: a channel short of room may leave it out.
func (t *turn) askAgain(lead ...flows.Msg) {
	t.againFrom = len(t.say)
	t.say = append(t.say, lead...)
	t.ask()
}

// ask appends what the conversation's state asks.
func (t *turn) ask() { t.say = append(t.say, t.question().Msgs...) }

// question is what the conversation's state asks: a question of the
// wizard, an aside's with what the aside holds, or nothing at an end.
func (t *turn) question() flows.Question {
	switch s := t.c.Step; {
	case s.Final():
		return flows.Question{}
	case s == flows.StepConfirmWithdrawal:
		q := flows.Ask(s, t.c.Answers, t.flowContext())
		q.Msgs = []flows.Msg{flows.M(q.Msgs[0].ID, "Ref", t.c.Held.Reference)}
		return q
	case s == flows.StepConfirmValue:
		q := flows.Ask(s, t.c.Answers, t.flowContext())
		q.Msgs = []flows.Msg{flows.M(q.Msgs[0].ID, "Value", t.heardValue())}
		return q
	case s == flows.StepReceiptLetters:
		q := flows.Ask(s, t.c.Answers, t.flowContext())
		first, second, _ := strings.Cut(t.c.Held.Letters, "|")
		q.Msgs = []flows.Msg{flows.M(q.Msgs[0].ID, "First", flows.Spelled(first), "Second", flows.Spelled(second))}
		return q
	}
	return flows.Ask(t.c.Step, t.c.Answers, t.flowContext())
}

func (t *turn) lang() string {
	if t.c.Answers.Language != "" {
		return t.c.Answers.Language
	}
	return DefaultLanguage
}

func (t *turn) lexicon() flows.Lexicon { return t.e.cfg.Catalog.Lexicon(t.lang()) }

func (t *turn) flowContext() flows.Context {
	return flows.Context{
		Today:        t.e.today(t.now),
		From:         t.c.Phone,
		Lex:          t.lexicon(),
		Languages:    t.e.cfg.Catalog.Languages(),
		ADITLeadDays: t.e.cfg.ADITLeadDays,
		Regions:      t.e.cfg.Regions,
	}
}

// reply is the turn's reply, before it is rendered.
func (t *turn) reply() Reply {
	r := Reply{
		Language: t.lang(), Say: t.say, Then: t.then, Lead: t.lead, LeadLanguage: t.leadLang, AgainFrom: t.againFrom,
		State: t.c.Step, Intent: t.intent, Silent: t.silent, Seq: t.c.Version, CanText: t.canText(),
	}
	if t.c.Open && !t.c.Step.Final() && t.intent != ContinueByText {
		r.Expect = t.question().Expect
	}
	return r
}

// save stores the conversation, any request and the messages, and returns
// the reply as its channel renders it.
func (t *turn) save(ctx context.Context) (Reply, Rendered, error) {
	t.c.UpdatedAt = t.now
	t.c.Version++
	t.c.Channel = t.in.Channel
	if t.toSMS {
		t.c.Channel = SMS
	}
	if err := t.tx.SaveConversation(ctx, t.c); err != nil {
		return Reply{}, Rendered{}, err
	}
	if t.firstText {
		if err := t.tx.SaveParticipant(ctx, t.p); err != nil {
			return Reply{}, Rendered{}, err
		}
	}
	var filed string
	if t.submit {
		ref, err := t.file(ctx)
		if err != nil {
			return Reply{}, Rendered{}, err
		}
		filed = ref
		t.say = append(t.say, flows.M("done.submitted", "Ref", ref))
		t.then = append(t.then, flows.M("done.bring"))
		if t.voice() && t.canText() {
			t.intent = EndOfferText // press 1 for the same by text
		}
	}
	reply := t.reply()
	reply.Reference = filed
	out, err := t.render.Render(reply)
	if err != nil {
		return Reply{}, Rendered{}, fmt.Errorf("render reply: %w", err)
	}
	in := Message{Direction: "in", Channel: t.in.Channel, ProviderID: t.in.ProviderID, Body: t.input}
	if err := t.tx.AddTurn(ctx, t.c.ID, in, reply, out); err != nil {
		return Reply{}, Rendered{}, err
	}
	t.e.log.InfoContext(ctx, "turn", "conversation", t.c.ID, "provider_id", t.in.ProviderID,
		"channel", string(t.in.Channel), "step", string(t.c.Step), "silent", t.silent, "open", t.c.Open)
	return reply, out, nil
}

// file stores the request, retrying the rare reference collision.
func (t *turn) file(ctx context.Context) (string, error) {
	a := t.c.Answers.Filed()
	r := &Request{
		ConversationID: t.c.ID,
		Status:         StatusSubmitted,
		Type:           a.Type,
		Language:       t.lang(),
		Channel:        t.in.Channel,
		Role:           a.Role,
		Phone:          t.c.Phone,
		ContactPhone:   a.ContactPhone(),
		ZIP:            a.ZIP,
		Answers:        a,
		SubmittedAt:    t.now,
	}
	for range 5 {
		r.Reference = NewReference()
		err := t.tx.CreateRequest(ctx, r)
		if errors.Is(err, ErrReferenceTaken) {
			continue
		}
		if err != nil {
			return "", err
		}
		t.e.log.InfoContext(ctx, "request filed", "conversation", t.c.ID, "request", r.ID, "type", string(r.Type))
		// Its written confirmation by email, committed with the request.
		if n, err := t.e.confirmByEmail(ctx, t.tx, *r); err != nil {
			return "", err
		} else if n > 0 {
			t.queued = true
		}
		return r.Reference, nil
	}
	return "", fmt.Errorf("file request: %w five times", ErrReferenceTaken)
}
