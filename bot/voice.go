package bot

import (
	"slices"
	"strings"
	"unicode/utf8"

	"infopass/flows"
)

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

// voiceAnswer handles the questions a phone asks differently: the email,
// which is finished by text, and the receipt number, whose letters are said
// and digits pressed. It returns the answer for the wizard, or done when
// the turn is already answered.
func (t *turn) voiceAnswer(step flows.Step, input string) (answer string, done bool, err error) {
	switch step {
	case flows.StepEmail, flows.StepRepEmail:
		if step == flows.StepEmail && t.lexicon().IsNone(input) {
			return input, false, nil
		}
		if input != "1" {
			t.refuse(step, flows.M("problem.choice", "Last", 1))
			return "", true, nil
		}
		return "", true, t.finishByText(step)
	case flows.StepReceipt:
		if letters, ok := strings.CutPrefix(t.c.Pending, pendingReceiptLetters); ok {
			t.c.Pending = ""
			return letters + flows.OnlyDigits(input), false, nil
		}
		if t.lexicon().IsNone(input) {
			return input, false, nil
		}
		spelled := flows.SpellOut(input, t.lexicon())
		if len(spelled) == 3 && strings.Trim(spelled, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			t.c.Pending = pendingReceiptLetters + spelled
			t.say = append(t.say, flows.M("voice.receipt_digits"))
			return "", true, nil
		}
		if spelled != "" {
			return spelled, false, nil
		}
	}
	return input, false, nil
}

// finishByText texts the caller the question they are at and ends the call:
// an email address cannot be taken by phone.
func (t *turn) finishByText(step flows.Step) error {
	q := flows.Ask(step, t.c.Answers, t.flowContext())
	body := t.e.render(t.lang(), append([]flows.Msg{flows.M("voice.handoff_text")}, q.Msgs...))
	err := t.tx.Enqueue(&OutboxMessage{Kind: KindHandoff, To: t.c.Phone, Body: body, Status: MsgQueued, SendAfter: t.now})
	if err != nil {
		return err
	}
	t.queued, t.toSMS, t.hangup = true, true, true
	t.c.Pending = "" // the text asks the question afresh
	t.say = append(t.say, flows.M("voice.handoff_sent"))
	return nil
}

// refuse answers an answer that was not accepted: the problem, the
// question again, and after every third miss the offer of a person.
func (t *turn) refuse(step flows.Step, problem flows.Msg) {
	t.c.InvalidCount++
	t.say = append(t.say, problem)
	t.ask()
	if t.c.InvalidCount%3 == 0 {
		t.say = append(t.say, flows.M("reply.too_many"))
	}
}

// needsReadback reports whether a value given by phone is read back for
// the caller to confirm before it is kept.
func needsReadback(step flows.Step, a flows.Answers) bool {
	switch step {
	case flows.StepRepName, flows.StepRepPhone, flows.StepADITDate, flows.StepTravelDate, flows.StepTravelReason,
		flows.StepOrderDate, flows.StepName, flows.StepBirthDate, flows.StepResidence, flows.StepBirthCountry,
		flows.StepPhone:
		return true
	case flows.StepRepAccount, flows.StepANumber:
		return !a.Skipped[step]
	case flows.StepReceipt:
		return !a.Skipped[step] && a.PendingReceipt == "" // an unknown prefix is confirmed anyway
	}
	return false
}

// readbackValue says the value of step the way it is read back: dates in
// words, numbers digit by digit.
func (t *turn) readbackValue(step flows.Step, a flows.Answers) string {
	c := t.e.cfg.Catalog
	lang := t.lang()
	date := func(d flows.Date) string {
		return c.Text(lang, flows.M("voice.date_value", "Month", flows.M(monthID(d)), "Day", d.Day, "Year", d.Year))
	}
	switch step {
	case flows.StepADITDate:
		return date(a.NeededBy)
	case flows.StepTravelDate:
		return date(a.TravelDate)
	case flows.StepOrderDate:
		return date(a.OrderDate)
	case flows.StepBirthDate:
		return date(a.BirthDate)
	case flows.StepRepName:
		return a.Rep.Name
	case flows.StepName:
		return a.Name
	case flows.StepTravelReason:
		return a.TravelReason
	case flows.StepRepPhone:
		return spaced(flows.OnlyDigits(flows.PhoneDisplay(a.Rep.Phone)))
	case flows.StepPhone:
		return spaced(flows.OnlyDigits(flows.PhoneDisplay(a.Phone)))
	case flows.StepRepAccount:
		return spaced(a.Rep.AccountNumber)
	case flows.StepANumber:
		return spaced(a.ANumber)
	case flows.StepReceipt:
		return spaced(a.Receipt)
	case flows.StepResidence:
		if a.ZIP != "" {
			return spaced(a.ZIP)
		}
		return flows.CountryName(a.Country, c.Lexicon(lang).Lang)
	case flows.StepBirthCountry:
		return flows.CountryName(a.BirthCountry, c.Lexicon(lang).Lang)
	}
	return ""
}

func monthID(d flows.Date) string {
	return "month.m" + string(rune('0'+int(d.Month)/10)) + string(rune('0'+int(d.Month)%10))
}

// spokenArgs returns a message's arguments as a phone should say them:
// references and identifiers a character at a time, phone numbers digit by
// digit, dates with the month's name ("July 21, 1990", not 07/21/1990),
// in the parts of a line too. It reports whether it changed any.
func spokenArgs(args map[string]any) (map[string]any, bool) {
	var out map[string]any
	set := func(k string, v any) {
		if out == nil {
			out = make(map[string]any, len(args))
			for k, v := range args {
				out[k] = v
			}
		}
		out[k] = v
	}
	for k, v := range args {
		switch v := v.(type) {
		case string:
			switch k {
			case "Ref", "Receipt", "ANumber", "ZIP":
				set(k, spaced(strings.ReplaceAll(v, "-", "")))
			case "Phone":
				if digits := flows.OnlyDigits(flows.PhoneDisplay(v)); digits != "" {
					set(k, spaced(digits))
				}
			}
		case flows.Msg: // a part of a line, like "ZIP {{.ZIP}}"
			if spoken, changed := spokenArgs(v.Args); changed {
				set(k, flows.Msg{ID: v.ID, Args: spoken})
			}
		case flows.Date:
			if !v.IsZero() {
				set(k, flows.M("voice.date_value", "Month", flows.M(monthID(v)), "Day", v.Day, "Year", v.Year))
			}
		}
	}
	if out == nil {
		return args, false
	}
	return out, true
}

// spaced writes each character apart, so that speech reads a number digit
// by digit: "A 0 1 2".
func spaced(s string) string {
	return strings.Join(strings.Split(s, ""), " ")
}

// confirmReadback takes the caller's 1 (keep) or 2 (enter again) after a
// value was read back.
func (t *turn) confirmReadback() error {
	step := t.c.Step
	input := strings.TrimPrefix(t.c.Pending, pendingConfirm)
	var yes, ok bool
	switch t.input {
	case "1":
		yes, ok = true, true
	case "2":
		yes, ok = false, true
	default:
		yes, ok = t.e.cfg.Catalog.YesNo(t.input, t.lang())
	}
	res, err := flows.Answer(step, t.c.Answers, input, t.flowContext())
	if err != nil {
		// The stored answer no longer passes (a day went by): ask again.
		t.c.Pending = ""
		t.ask()
		return nil
	}
	if !ok {
		t.c.InvalidCount++
		problem := flows.M("voice.readback_problem")
		if t.input == "" {
			problem = flows.M("problem.empty")
		}
		t.say = append(t.say, problem, flows.M("voice.readback", "Value", t.readbackValue(step, res.Answers)))
		if t.c.InvalidCount%3 == 0 {
			t.say = append(t.say, flows.M("reply.too_many"))
		}
		return nil
	}
	t.c.Pending = ""
	if !yes {
		t.ask()
		return nil
	}
	return t.apply(step, res)
}

// voiceReply fills in what a phone reply needs: the spoken text (with the
// spoken versions of the questions), the language menu, and how the call
// goes on.
func (t *turn) voiceReply(r *Reply) {
	lang := t.lang()
	var msgs []flows.Msg
	for _, m := range t.say {
		if m.ID == "ask.language" {
			msgs = append(msgs, flows.M("voice.welcome"), flows.M("voice.agent_hint"))
			for i, o := range t.e.cfg.Catalog.Languages() {
				r.Menu = append(r.Menu, MenuOption{Language: o.Tag, Text: t.e.cfg.Catalog.Text(o.Tag, flows.M("voice.menu_option", "N", i+1))})
			}
			continue
		}
		msgs = append(msgs, m)
	}
	r.Text = t.e.renderVoice(lang, msgs)
	for _, m := range msgs {
		r.Spoken = append(r.Spoken, t.e.renderVoice(lang, []flows.Msg{m}))
	}
	r.SMSOffer = t.e.renderVoice(lang, []flows.Msg{flows.M("voice.sms_offer")})
	r.Hangup = t.hangup && !t.handoff
	r.OfferAgent = t.offerAgent
	if r.OfferAgent {
		r.Goodbye = t.e.renderVoice(lang, []flows.Msg{flows.M("voice.goodbye")})
	}
	if strings.HasPrefix(t.c.Pending, pendingConfirm) || t.c.Pending == pendingResume {
		r.Expect = flows.Expect{Kind: flows.ExpectChoice, Choices: 2}
	}
	if strings.HasPrefix(t.c.Pending, pendingReceiptLetters) {
		r.Expect = flows.Expect{Kind: flows.ExpectDigits, Digits: 10} // the receipt number's digits
	}
	r.Hints = t.hints(r.Expect)
}

// hints are the words the speech recognizer should expect: the ways to ask
// for a person in the caller's language, and yes and no where they answer
// (a yes-or-no question, or a value read back). Always in the same order,
// so that a repeated delivery gets the same TwiML.
func (t *turn) hints(e flows.Expect) []string {
	c := t.e.cfg.Catalog
	lang := t.lang()
	hints := []string{"Infopass"}
	add := func(words []string, n int) {
		for _, w := range words {
			if n == 0 {
				return
			}
			if utf8.RuneCountInString(w) < 2 { // "y", "n": typed, not said
				continue
			}
			if !slices.ContainsFunc(hints, func(h string) bool { return flows.Fold(h) == flows.Fold(w) }) {
				hints = append(hints, w)
				n--
			}
		}
	}
	add(c.Words(lang, "keyword.agent"), 3)
	if t.c.Step == flows.StepLanguage {
		var names []string
		for _, l := range c.Languages() {
			names = append(names, l.Name)
		}
		add(names, len(names))
	}
	if e.Kind == flows.ExpectYesNo || strings.HasPrefix(t.c.Pending, pendingConfirm) {
		add(c.Words(lang, "input.yes"), 3)
		add(c.Words(lang, "input.no"), 3)
	}
	return hints
}

// Apology is what a caller hears when the service cannot take the call:
// an apology and the transfer, in English and Spanish.
func (e *Engine) Apology() []MenuOption {
	var out []MenuOption
	for _, lang := range []string{DefaultLanguage, "es"} {
		if e.cfg.Catalog.Has(lang) {
			out = append(out, MenuOption{Language: lang, Text: e.renderVoice(lang, []flows.Msg{flows.M("voice.sorry"), flows.M("voice.transferring")})})
		}
	}
	return out
}

// ContactCenter is the E.164 number of the USCIS Contact Center.
func (e *Engine) ContactCenter() string { return e.cfg.ContactCenter }

// voiceIDs maps a text message to the version spoken by phone.
func voiceID(c *Catalog, id string) string {
	var v string
	switch id {
	case "ask.email", "ask.email_rep":
		v = "voice.email_text_or_skip"
	case "ask.rep_email":
		v = "voice.email_text"
	case "hint.keywords":
		v = "voice.agent_hint"
	case "review.ask":
		v = "voice.review_ask"
	case "review.ask_page":
		v = "voice.review_ask_page"
	case "reply.resume":
		v = "voice.resume"
	case "reply.help":
		v = "voice.help"
	case "reply.too_many":
		v = "voice.too_many"
	case "reply.agent":
		v = "voice.transferring"
	case "problem.empty":
		v = "voice.no_input"
	case "problem.choice", "problem.review":
		v = "voice.problem_choice"
	case "problem.yes_no":
		v = "voice.problem_yes_no"
	case "problem.date_format", "problem.date_no_year":
		v = "voice.problem_date"
	case "done.submitted":
		v = "voice.submitted"
	case "info.case_status":
		v = "voice.case_status"
	case "reply.cancelled":
		v = "voice.cancelled"
	default:
		if rest, ok := strings.CutPrefix(id, "ask."); ok {
			v = "voice.ask_" + rest
		} else if rest, ok := strings.CutPrefix(id, "refer."); ok {
			v = "voice.refer_" + rest
		} else if rest, ok := strings.CutPrefix(id, "problem."); ok {
			v = "voice.problem_" + rest // how to answer again by keys or voice
		}
	}
	if v != "" && c.HasMessage(v) {
		return v
	}
	return id
}

// SpokenPrompts lists every prompt of a language that is the same for every
// caller (no name, date or number of theirs in it), as the phone says it:
// the texts that recordings can be made of ahead of time.
func (e *Engine) SpokenPrompts(lang string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(m flows.Msg) {
		text := e.renderVoice(lang, []flows.Msg{m})
		if text != "" && !seen[text] && !strings.Contains(text, "<no value>") {
			seen[text] = true
			out = append(out, text)
		}
	}
	for _, id := range e.cfg.Catalog.ids {
		prefix, _, _ := strings.Cut(id, ".")
		switch prefix {
		case "voice", "problem", "reply", "refer", "info", "hint", "ask":
		default:
			continue
		}
		if voiceID(e.cfg.Catalog, id) != id && prefix != "voice" {
			continue // spoken as its voice version, added with the voice messages
		}
		add(flows.M(id))
		for n := 1; n <= len(e.cfg.Catalog.Languages()); n++ {
			add(flows.M(id, "N", n, "Last", n))
		}
	}
	return out
}

// renderVoice localizes msgs for speech: spoken versions of the questions,
// and request references spelled out.
func (e *Engine) renderVoice(lang string, msgs []flows.Msg) string {
	out := make([]flows.Msg, len(msgs))
	for i, m := range msgs {
		m.ID = voiceID(e.cfg.Catalog, m.ID)
		m.Args, _ = spokenArgs(m.Args)
		out[i] = m
	}
	return e.render(lang, out)
}
