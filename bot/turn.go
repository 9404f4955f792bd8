package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/looplab/fsm"

	"infopass/flows"
)

// maxHistory bounds the BACK stack; a wizard pass has fewer steps.
const maxHistory = 64

// turn is the work of one inbound turn inside its transaction.
type turn struct {
	e   *Engine
	ctx context.Context
	tx  Tx
	in  Inbound
	now time.Time

	p     Participant
	c     *Conversation
	fresh bool // the conversation starts with this turn
	say   []flows.Msg
	// offerSay is said first, in offerLang: the answer about a callback
	// offer, in the language of the request it is about.
	offerSay  []flows.Msg
	offerLang string
	// reaskFrom, when reasked, is where in say askAgain asked the
	// question again.
	reaskFrom int
	reasked   bool
	silent    bool
	handoff   bool
	submit    bool
	// input is what the person answered: the text, the speech, or the keys
	// (with the star key turned into the word it stands for).
	input string
	// Voice only: the call ends after this turn; the caller may still
	// press 0 first; the conversation moves to text messages.
	hangup, offerAgent, toSMS bool
	queued                    bool // a text was queued: wake the outbox
}

func (t *turn) run() (Reply, error) {
	t.p = t.tx.Participant()
	c, err := t.tx.OpenConversation()
	if err != nil {
		return Reply{}, err
	}
	if c != nil && t.now.Sub(c.UpdatedAt) >= t.e.cfg.IdleExpire {
		if err := t.tx.DeleteConversation(c); err != nil {
			return Reply{}, err
		}
		c = nil
	}
	if c != nil && !c.Step.Valid() {
		t.e.log.ErrorContext(t.ctx, "stored step unknown, starting over", "conversation", c.ID, "step", string(c.Step))
		c.Step, c.Answers, c.History, c.Pending = flows.StepWho, flows.Answers{Language: c.Answers.Language}, nil, ""
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
	t.c = c
	t.input = t.in.Text
	if t.voice() {
		t.input = t.voiceInput()
	}

	if utf8.RuneCountInString(t.input) > MaxTextLength && !(t.p.OptedOut && !t.voice()) {
		// Changes nothing: the answer is refused before it is read.
		t.say = append(t.say, flows.M("problem.too_long"))
		t.ask()
		return Reply{Text: t.e.render(t.lang(), t.say), Language: t.lang(), Step: c.Step}, nil
	}
	decide := t.decide
	switch {
	case t.in.CallStart:
		decide = t.callStart
	case t.in.Repeat:
		decide = t.repeat
	case t.in.ToSMS && t.voice() && t.c.Open && !t.c.Step.Final() && t.input == "1":
		decide = func() error { return t.finishByText(t.c.Step) }
	}
	if err := decide(); err != nil {
		return Reply{}, err
	}
	return t.save()
}

// detectLanguage starts the wizard in the language a first text is
// clearly written in, or shows the language menu.
func (t *turn) detectLanguage() error {
	tag, ok := t.e.cfg.Catalog.DetectLanguage(t.input)
	if !ok || t.voice() {
		t.ask()
		return nil
	}
	t.c.Answers.Language = tag
	t.p.Language = tag
	if err := t.tx.SaveParticipant(t.p); err != nil {
		return err
	}
	if err := t.move(flows.StepWho, false); err != nil {
		return err
	}
	t.ask()
	return nil
}

// voice reports whether the turn is a phone call's.
func (t *turn) voice() bool { return t.in.Channel == Voice }

// midWizard reports whether the conversation has answers a person would
// not want to lose.
func (t *turn) midWizard() bool {
	return !t.fresh && t.c.Open && len(t.c.History) > 0 && !t.c.Step.Final()
}

// decide applies the input: a keyword, the answer to a question asked
// outside the wizard (a callback offer, a withdrawal), or the answer to the
// wizard's current step.
func (t *turn) decide() error {
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
		if t.c.Pending != pendingResume {
			t.c.Pending = "" // a keyword leaves an aside
		}
		return t.keyword(kw)
	}
	switch {
	case strings.HasPrefix(t.c.Pending, pendingWithdraw):
		return t.withdrawAnswer()
	case strings.HasPrefix(t.c.Pending, pendingBetterTimes):
		return t.betterTimes()
	case strings.HasPrefix(t.c.Pending, pendingConfirm):
		return t.confirmReadback()
	case strings.HasPrefix(t.c.Pending, pendingReceiptLetters):
		return t.answer()
	}
	if !t.voice() {
		if handled, err := t.withdrawCommand(); handled || err != nil {
			return err
		}
		if handled, err := t.offerReply(); handled || err != nil {
			return err
		}
	}
	if t.midWizard() && t.c.Channel != "" && t.c.Channel != t.in.Channel && t.c.Pending == "" {
		// Started by phone, continued by text, or the other way round.
		t.c.Pending = pendingResume
		t.say = append(t.say, flows.M("reply.resume"))
		return nil
	}
	return t.answerOrGreet()
}

// repeat asks again what the conversation waits for, after a turn that
// could not be saved.
func (t *turn) repeat() error {
	switch {
	case t.c.Pending == pendingResume:
		t.say = append(t.say, flows.M("reply.resume"))
	case strings.HasPrefix(t.c.Pending, pendingReceiptLetters):
		t.say = append(t.say, flows.M("voice.receipt_digits"))
	default:
		t.c.Pending = "" // a read-back is asked afresh
		t.ask()
	}
	return nil
}

// callStart answers a new call: the language menu for a new caller, an
// offer to continue an unfinished request, or the current question.
func (t *turn) callStart() error {
	if t.midWizard() || t.c.Pending == pendingResume {
		t.c.Pending = pendingResume
		t.say = append(t.say, flows.M("reply.resume"))
		return nil
	}
	t.c.Pending = ""
	t.ask()
	return nil
}

// answerOrGreet takes the text as the wizard's answer, unless the
// conversation is new, or resting, or waits for "continue or restart?".
func (t *turn) answerOrGreet() error {
	switch {
	case t.fresh:
		if t.c.Step == flows.StepLanguage {
			return t.detectLanguage()
		}
		t.ask()
		return nil
	case t.c.Pending == pendingResume:
		return t.resume()
	case t.now.Sub(t.c.UpdatedAt) >= t.e.cfg.IdleResume && t.c.Step != flows.StepLanguage:
		t.c.Pending = pendingResume
		t.say = append(t.say, flows.M("reply.resume"))
		return nil
	}
	return t.answer()
}

func (t *turn) keyword(k Keyword) error {
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
		return t.tx.SaveParticipant(t.p)
	case KeyStart:
		t.p.OptedOut = false
		t.say = append(t.say, flows.M("reply.start"))
		t.askAgain()
		return t.tx.SaveParticipant(t.p)
	case KeyHelp:
		t.say = append(t.say, flows.M("reply.help"))
	case KeyAgent:
		t.say = append(t.say, flows.M("reply.agent"))
		t.handoff = true
		if t.voice() {
			return nil // the call is connected; no question follows
		}
	case KeyStatus:
		if err := t.status(); err != nil {
			return err
		}
	case KeyLanguage:
		if t.c.Step != flows.StepLanguage {
			t.c.Answers.ReturnTo = t.c.Step
			if err := t.move(flows.StepLanguage, false); err != nil {
				return err
			}
		}
	case KeyBack:
		return t.back()
	case KeyRestart:
		return t.restart()
	case KeyCancel:
		t.c.Open = false
		t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
		t.c.History = nil
		t.say = append(t.say, flows.M("reply.cancelled"))
		t.hangup = true
		return nil
	}
	if t.c.Pending == pendingResume {
		t.say = append(t.say, flows.M("reply.resume"))
		return nil
	}
	t.askAgain()
	return nil
}

func (t *turn) resume() error {
	n := flows.OnlyDigits(t.input)
	switch {
	case n == "1" || t.lexicon().IsYes(t.input):
		t.c.Pending = ""
		t.ask()
		return nil
	case n == "2":
		return t.restart()
	}
	if t.voice() && t.input == "" {
		t.say = append(t.say, flows.M("problem.empty"))
	} else {
		t.say = append(t.say, flows.M("problem.choice", "Last", 2))
	}
	t.say = append(t.say, flows.M("reply.resume"))
	return nil
}

func (t *turn) restart() error {
	t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
	t.c.History = nil
	t.c.Pending = ""
	if t.c.Answers.Language == "" {
		t.c.Step = flows.StepLanguage
	} else if t.c.Step != flows.StepWho {
		if err := t.move(flows.StepWho, false); err != nil {
			return err
		}
	}
	t.c.InvalidCount = 0
	t.say = append(t.say, flows.M("reply.restart"))
	t.ask()
	return nil
}

func (t *turn) back() error {
	if t.c.Step == flows.StepLanguage && t.c.Answers.ReturnTo != "" {
		to := t.c.Answers.ReturnTo
		t.c.Answers.ReturnTo = ""
		if err := t.move(to, false); err != nil {
			return err
		}
		t.ask()
		return nil
	}
	for len(t.c.History) > 0 {
		prev := t.c.History[len(t.c.History)-1]
		t.c.History = t.c.History[:len(t.c.History)-1]
		if prev == flows.StepReceiptConfirm && t.c.Answers.PendingReceipt == "" {
			continue // its question needs the receipt number it was about
		}
		// A step back is not a move of the wizard's graph: it returns to a
		// state the machine was in, so it is set, not fired.
		m := fsm.NewFSM(string(t.c.Step), t.e.events, nil)
		m.SetState(string(prev))
		t.c.Step = flows.Step(m.Current())
		t.c.InvalidCount = 0
		if prev == flows.StepReview {
			t.c.Answers.Editing = 0
			if missing := flows.Missing(t.c.Answers); missing != "" {
				// Backing out of a change that left an answer unset (a new
				// type without its dates): ask for it rather than show a
				// review that lacks it.
				t.c.Step, t.c.Answers.Editing = missing, flows.ReviewItemOf(missing)
			}
		}
		t.c.Pending = ""
		t.ask()
		return nil
	}
	t.say = append(t.say, flows.M("reply.back_first"))
	t.ask()
	return nil
}

func (t *turn) answer() error {
	step := t.c.Step
	input := t.input
	if t.voice() {
		var done bool
		var err error
		if input, done, err = t.voiceAnswer(step, input); done || err != nil {
			return err
		}
	}
	res, err := flows.Answer(step, t.c.Answers, input, t.flowContext())
	var problem *flows.Problem
	if errors.As(err, &problem) && step == flows.StepLanguage && !t.voice() {
		if _, ok := t.e.cfg.Catalog.DetectLanguage(input); ok {
			return t.detectLanguage()
		}
	}
	if errors.As(err, &problem) && t.lexicon().AsksCaseStatus(input) {
		// "Where is my case?" is not a wrong answer but another question,
		// which Infopass does not answer: say where to look, and ask again.
		t.say = append(t.say, flows.M("info.case_status_online"))
		t.askAgain()
		return nil
	}
	if errors.As(err, &problem) {
		if t.voice() {
			t.refuse(step, problem.Msg)
			return nil
		}
		t.c.InvalidCount++
		t.say = append(t.say, problem.Msg)
		// A menu is shown again with the problem; other problems say
		// themselves how to answer.
		if k := flows.Ask(step, t.c.Answers, t.flowContext()).Expect.Kind; step != flows.StepReview && (k == flows.ExpectChoice || k == flows.ExpectYesNo) {
			t.ask()
		}
		if t.c.InvalidCount%3 == 0 {
			t.say = append(t.say, flows.M("reply.too_many"))
			t.handoff = true
		}
		return nil
	}
	if err != nil {
		return err
	}
	if t.voice() && needsReadback(step, res.Answers) {
		t.c.Pending = pendingConfirm + input
		t.c.InvalidCount = 0
		t.say = append(t.say, flows.M("voice.readback", "Value", t.readbackValue(step, res.Answers)))
		return nil
	}
	return t.apply(step, res)
}

// apply moves the wizard on with an accepted answer.
func (t *turn) apply(step flows.Step, res flows.Result) error {
	if res.Answers.Language != t.c.Answers.Language {
		t.p.Language = res.Answers.Language
		if err := t.tx.SaveParticipant(t.p); err != nil {
			return err
		}
	}
	t.c.Answers = res.Answers
	t.say = append(t.say, res.Notice...)
	if res.Next == step {
		t.ask()
		return nil
	}
	if err := t.move(res.Next, step != flows.StepLanguage); err != nil {
		return err
	}
	switch res.Next {
	case flows.StepReferred:
		// Nothing is filed, and nothing personal is kept.
		t.c.Open = false
		t.c.Answers = flows.Answers{Language: t.c.Answers.Language}
		t.c.History = nil
		t.hangup, t.offerAgent = true, true
		if t.voice() {
			t.say = append(t.say, flows.M("voice.call_us_now"))
		}
	case flows.StepSubmitted:
		t.c.Open = false
		t.submit = true
		t.hangup = true
	default:
		t.ask()
	}
	return nil
}

// move fires the wizard's transition to step; remember pushes the step left
// for BACK.
func (t *turn) move(to flows.Step, remember bool) error {
	from := t.c.Step
	m := t.e.machines.Get().(*fsm.FSM)
	defer t.e.machines.Put(m)
	m.SetState(string(from))
	if err := m.Event(t.ctx, string(to)); err != nil {
		return fmt.Errorf("wizard move %s → %s: %w", from, to, err)
	}
	if remember {
		t.c.History = append(t.c.History, from)
		if len(t.c.History) > maxHistory {
			t.c.History = t.c.History[len(t.c.History)-maxHistory:]
		}
	}
	t.c.Step = flows.Step(m.Current())
	t.c.InvalidCount = 0
	return nil
}

func (t *turn) status() error {
	reqs, err := t.tx.RecentRequests(t.in.From, 3)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		t.say = append(t.say, flows.M("reply.status_none"))
		return nil
	}
	for _, r := range reqs {
		t.say = append(t.say, flows.M("reply.status", "Ref", r.Reference,
			"Date", t.e.today(r.SubmittedAt), "Status", flows.M("status."+r.Status)))
	}
	return nil
}

// askAgain appends the current question after an aside (a keyword's
// answer, a callback answer), led by lead, and marks where that part
// starts: a text that would cost more than MaxSegments leaves it out.
func (t *turn) askAgain(lead ...flows.Msg) {
	t.reaskFrom, t.reasked = len(t.say), true
	t.say = append(t.say, lead...)
	t.ask()
}

// ask appends the current question.
func (t *turn) ask() {
	if t.c.Step.Final() {
		return
	}
	q := flows.Ask(t.c.Step, t.c.Answers, t.flowContext())
	t.say = append(t.say, q.Msgs...)
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
	}
}

// save stores the conversation, any request and the messages, and returns
// the reply.
func (t *turn) save() (Reply, error) {
	t.c.UpdatedAt = t.now
	t.c.Version++
	t.c.Channel = t.in.Channel
	if t.toSMS {
		t.c.Channel = SMS
	}
	if err := t.tx.SaveConversation(t.c); err != nil {
		return Reply{}, err
	}
	if t.submit {
		ref, err := t.file()
		if err != nil {
			return Reply{}, err
		}
		t.say = append(t.say, flows.M("done.submitted", "Ref", ref))
	}
	reply := Reply{Silent: t.silent, Language: t.lang(), Step: t.c.Step, Handoff: t.handoff, Seq: t.c.Version}
	if !t.c.Step.Final() && t.c.Open {
		reply.Expect = flows.Ask(t.c.Step, t.c.Answers, t.flowContext()).Expect
	}
	if t.voice() {
		t.voiceReply(&reply)
	} else if !t.silent {
		reply.Text = t.smsText(t.say)
		if t.reasked {
			reply.Text = FitSMS(reply.Text, t.smsText(t.say[:t.reaskFrom]))
		}
	}
	in := Message{Direction: "in", Channel: t.in.Channel, ProviderID: t.in.ProviderID, Body: t.input}
	if err := t.tx.AddTurn(t.c.ID, in, reply); err != nil {
		return Reply{}, err
	}
	t.e.log.InfoContext(t.ctx, "turn", "conversation", t.c.ID, "provider_id", t.in.ProviderID,
		"channel", string(t.in.Channel), "step", string(t.c.Step), "silent", t.silent, "open", t.c.Open)
	return reply, nil
}

// smsText renders say, after the answer about a callback offer if any.
func (t *turn) smsText(say []flows.Msg) string {
	text := t.e.render(t.lang(), say)
	if len(t.offerSay) > 0 {
		text = strings.TrimSpace(t.e.render(t.offerLang, t.offerSay) + "\n" + text)
	}
	return text
}

// MaxSegments is the most SMS segments a reply may cost.
const MaxSegments = 3

// FitSMS returns full, or short (the same reply without the question asked
// again) when full costs more than MaxSegments: the person asked for
// something else, and the question stands as it was.
func FitSMS(full, short string) string {
	if n, _ := Segments(full); n > MaxSegments && short != "" {
		return short
	}
	return full
}

// file stores the request, retrying the rare reference collision.
func (t *turn) file() (string, error) {
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
		err := t.tx.CreateRequest(r)
		if errors.Is(err, ErrReferenceTaken) {
			continue
		}
		if err != nil {
			return "", err
		}
		t.e.log.InfoContext(t.ctx, "request filed", "conversation", t.c.ID, "request", r.ID, "type", string(r.Type))
		return r.Reference, nil
	}
	return "", fmt.Errorf("file request: %w five times", ErrReferenceTaken)
}

// render localizes msgs in lang, one line each, giving every message the
// Contact Center number as .Center.
func (e *Engine) render(lang string, msgs []flows.Msg) string {
	center := e.ContactCenterDisplay()
	withCenter := make([]flows.Msg, len(msgs))
	for i, m := range msgs {
		args := make(map[string]any, len(m.Args)+1)
		for k, v := range m.Args {
			args[k] = v
		}
		args["Center"] = center
		withCenter[i] = flows.Msg{ID: m.ID, Args: args}
	}
	return e.cfg.Catalog.Join(lang, withCenter)
}
