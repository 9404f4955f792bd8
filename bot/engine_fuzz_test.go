package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"infopass/bot"
	"infopass/bot/bottest"
	"infopass/flows"
	"infopass/locales"
)

// The fuzz input of FuzzEngine is a sequence of turns separated by 0x00.
// The first byte of each turn says how it arrives; the rest is its text
// (at most maxFuzzText bytes).
//
//	bits 0-1  0 SMS, 1 voice speech, 2 voice keys, 3 a call starts
//	bit 2     a repeated delivery of an earlier turn of the same number
//	bits 3-4  which of fuzzPhones sends it
//	bits 5-7  4: a voice turn is the retry after a failed turn (Repeat,
//	          with no input and no provider id);
//	          5: the text is repeated past bot.MaxTextLength;
//	          6: staff first offer a callback for the number's newest request;
//	          7: the clock first moves on 25 hours
//
// So the printable flags read: '@' SMS, 'A' speech, 'B' keys, 'C' call
// start, 'D' a repeat (of an SMS), '@'+8 ('H') SMS from the second number.
// A repeat redelivers one of the number's earlier stored turns (picked by
// the first byte of its text) exactly as it was. fuzzRef in a text stands
// for the newest request's reference.
const (
	fuzzSMS = iota
	fuzzSpeech
	fuzzKeys
	fuzzCallStart
)

const (
	maxFuzzText  = 200
	maxFuzzTurns = 40
	keypad       = "0123456789*#"
)

// fuzzRef in a text stands for the newest request's reference, which is
// random.
const fuzzRef = "IP-????????"

var fuzzPhones = []string{"+12025550101", "+12025550102", "+13055550103", "+17185550104"}

// fuzzStart is a Monday afternoon in Washington.
var fuzzStart = time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)

type fuzzTurn struct {
	mode    int
	repeat  bool
	phone   int
	special int
	text    string
}

func decodeFuzzTurns(data []byte) []fuzzTurn {
	var turns []fuzzTurn
	for _, chunk := range bytes.Split(data, []byte{0}) {
		if len(chunk) == 0 {
			continue
		}
		if len(turns) == maxFuzzTurns {
			break
		}
		f := chunk[0]
		text := chunk[1:]
		if len(text) > maxFuzzText {
			valid := utf8.Valid(text)
			text = text[:maxFuzzText]
			for valid && !utf8.Valid(text) {
				text = text[:len(text)-1] // cut at a rune, not inside one
			}
		}
		turns = append(turns, fuzzTurn{mode: int(f & 3), repeat: f&4 != 0, phone: int(f>>3) & 3, special: int(f >> 5), text: string(text)})
	}
	return turns
}

// encodeFuzzTurns is the inverse of decodeFuzzTurns, for the seeds.
func encodeFuzzTurns(turns ...string) []byte {
	return []byte(strings.Join(turns, "\x00"))
}

var fuzzCatalog = sync.OnceValues(func() (*bot.Catalog, error) { return bot.LoadCatalog(locales.FS) })

// engineSeeds are sequences of turns that mean something: each is a flag
// character (see decodeFuzzTurns) followed by the text.
func engineSeeds() map[string][]byte {
	englishApplicant := []string{
		"@hi", "@1", "@1", "@1", "@03/20/2026", "@Monday Wednesday", "@1", "@Jane Doe", "@07/21/1990",
		"@20002", "@Mexico", "@IOE0912345678", "@A012345678", "@jane@example.org", "@same", "@yes", "@yes", "@yes", "@STATUS",
	}
	return map[string][]byte{
		"english_applicant": encodeFuzzTurns(englishApplicant...),
		"spanish_eap": encodeFuzzTurns("Hhola", "H1", "H2", "H20/03/2026", "Hmi madre está enferma", "Hcualquier día",
			"H3", "HMaría López", "H21/07/1990", "H33101", "HCuba", "Hninguno", "Hninguno", "Hninguno", "Hmismo", "Hsí", "Hsí", "Hsí"),
		"keywords": encodeFuzzTurns("@hi", "@2", "@HELP", "@1", "@BACK", "@BACK", "@LANGUAGE", "@3", "@RESTART", "@AGENT",
			"@STATUS", "@STOP", "@hello?", "@START", "@CANCEL", "@hi", "@stop texting me", "@START"),
		"representative": encodeFuzzTurns("Phi", "P1", "P2", "PJohn Smith", "Psame", "Pjohn@law.example", "Pyes", "Pnone",
			"P3", "P01/15/2026", "P1", "Pany", "P2", "PAna Ruiz", "P03/04/1985", "PGuatemala", "PGuatemala",
			"PWAC1234567890", "Pyes", "Pnone", "Pnone", "P+13055550199", "P2", "PPedro Ruiz", "Pyes", "Pyes", "Pyes"),
		"voice_keys":  encodeFuzzTurns("C", "B1", "B1", "B1", "B03202026#", "B1", "B*", "B0"),
		"voice_retry": encodeFuzzTurns("C", "B1", "\x81", "B1", "B2", "B03202026", "\x82", "B1", "AMonday", "\x81", "@hi", "\x80"),
		"voice_star_and_hash": encodeFuzzTurns("C", "B1", "B#", "A", "B1", "B2", "A", "A", "A", "B*", "B1", "C", "B2", "B1",
			"AInfopass", "C", "B0"),
		"voice_then_sms": encodeFuzzTurns("[", "Z1", "Z1", "Z1", "Z03202026", "Z1", "YMonday", "Z1", "Z1", "YJane Doe",
			"Z1", "Xhi", "X1", "XMonday", "Xyes", "^"),
		"repeats": encodeFuzzTurns("@hi", "D", "@1", "D\x00", "C", "E", "B1", "F", "@\xff\xfe", "D"),
		"offers": encodeFuzzTurns(append(englishApplicant, "\xc0yes", "\xc0no", "@weekday mornings", "\xe0hi",
			"@CANCEL "+fuzzRef, "@yes", "@CANCEL IP-00000000")...),
		"long_and_idle": encodeFuzzTurns("@hi", "@1", "\xa0too long", "@1", "\xe0hello", "@1", "\xa0x", "\xa0x", "\xa0x"),
		"unattested_call": encodeFuzzTurns("Phi", "P1", "P1", "P1", "P03/20/2026", "PMonday", "P1", "PJane Doe", "P07/21/1990",
			"P20002", "PMexico", "Pnone", "Pnone", "Pnone", "Psame", "S", "R1", "R1", "R1", "R1", "R03202026", "QSTATUS",
			"R1", "R1", "R12345678", "R07211990", "R0", "S", "R1", "R2", "R*", "Pyes"),
		"languages": encodeFuzzTurns("@你好", "H안녕하세요", "Pmarhaba", "Xздравствуйте", "@LANGUAGE", "@13", "@1",
			"HLANGUAGE", "H5", "H1", "PBACK", "P1", "P2"),
	}
}

// FuzzEngine runs random sequences of turns from a few numbers against the
// engine over the in-memory store and checks, after every turn, that the
// engine and what it stored keep their invariants.
//
// An input runs in milliseconds, and by default the fuzzer spends up to a
// minute minimizing each new interesting input; for a short run, add
// -fuzzminimizetime 5s.
func FuzzEngine(f *testing.F) {
	seeds := engineSeeds()
	for _, name := range slices.Sorted(maps.Keys(seeds)) {
		f.Add(seeds[name])
	}
	catalog, err := fuzzCatalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newEngineHarness(t, catalog)
		for i, ft := range decodeFuzzTurns(data) {
			h.step(i, ft)
		}
	})
}

// engineHarness plays fuzz turns and checks the invariants.
type engineHarness struct {
	t       *testing.T
	catalog *bot.Catalog
	store   *bottest.Store
	engine  *bot.Engine
	render  bottest.Renderer
	now     time.Time

	woken     bool
	optOuts   int
	sids      int // provider ids handed out
	calls     map[int]*fuzzCall
	delivered map[int][]delivered // per phone: turns stored, for repeats
	log       []string            // what happened, for failures
}

type fuzzCall struct {
	sid string
	seq int
}

// unattestedPhone is the fuzz phone whose calls carry no STIR/SHAKEN
// attestation A: each is a party of its own.
const unattestedPhone = 2

type delivered struct {
	in    bot.Inbound
	reply bot.Reply
	out   bot.Rendered
}

func newEngineHarness(t *testing.T, catalog *bot.Catalog) *engineHarness {
	h := &engineHarness{
		t: t, catalog: catalog, store: bottest.NewStore(), now: fuzzStart,
		calls: map[int]*fuzzCall{}, delivered: map[int][]delivered{},
	}
	h.engine = bot.NewEngine(bot.Config{
		Store:    h.store,
		Catalog:  catalog,
		Now:      func() time.Time { return h.now },
		Zone:     time.FixedZone("EST", -5*60*60),
		Wake:     func() { h.woken = true },
		OnOptOut: func(bot.Channel) { h.optOuts++ },
	})
	h.render = bottest.Renderer{Engine: h.engine}
	return h
}

func (h *engineHarness) fatalf(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nturns so far:\n%s", fmt.Sprintf(format, args...), strings.Join(h.log, "\n"))
}

// inbound builds the turn ft describes.
func (h *engineHarness) inbound(ft fuzzTurn) bot.Inbound {
	from := fuzzPhones[ft.phone]
	text := ft.text
	if strings.Contains(text, fuzzRef) {
		if reqs := h.store.Requests(); len(reqs) > 0 {
			text = strings.ReplaceAll(text, fuzzRef, reqs[len(reqs)-1].Reference)
		}
	}
	if ft.special == 5 {
		if text == "" {
			text = "x"
		}
		text = strings.Repeat(text+" ", bot.MaxTextLength/utf8.RuneCountInString(text+" ")+1)
	}
	if ft.mode == fuzzSMS {
		h.sids++
		return bot.Inbound{Channel: bot.SMS, From: from, Text: text, ProviderID: fmt.Sprintf("SM%032x", h.sids)}
	}
	call := h.calls[ft.phone]
	if call == nil || ft.mode == fuzzCallStart {
		h.sids++
		call = &fuzzCall{sid: fmt.Sprintf("CA%032x", h.sids)}
		h.calls[ft.phone] = call
	}
	attested, level := ft.phone != unattestedPhone, "A"
	if !attested {
		level = "B"
	}
	if ft.mode == fuzzCallStart {
		return bot.Inbound{Channel: bot.Voice, From: from, CallStart: true, ProviderID: call.sid + ":start",
			Call: call.sid, Attested: attested, Attestation: level}
	}
	if ft.special == 4 {
		// As webhooks posts it: the turn that failed is not known.
		return bot.Inbound{Channel: bot.Voice, From: from, Repeat: true, Retries: 1, Call: call.sid, Attested: attested}
	}
	call.seq++
	in := bot.Inbound{Channel: bot.Voice, From: from, ProviderID: fmt.Sprintf("%s:%d", call.sid, call.seq),
		Call: call.sid, Attested: attested}
	if ft.mode == fuzzSpeech {
		in.Text = text
		return in
	}
	keys := []byte(text)
	if len(keys) > 20 {
		keys = keys[:20]
	}
	for i, b := range keys {
		if strings.IndexByte(keypad, b) < 0 {
			keys[i] = keypad[int(b)%len(keypad)]
		}
	}
	in.Keys = string(keys)
	return in
}

func (h *engineHarness) step(i int, ft fuzzTurn) {
	h.t.Helper()
	switch ft.special {
	case 6:
		h.offerCallback(fuzzPhones[ft.phone])
	case 7:
		h.now = h.now.Add(25 * time.Hour)
		h.log = append(h.log, "(the clock moves on 25 hours)")
	}
	if ft.repeat {
		if prior := h.delivered[ft.phone]; len(prior) > 0 {
			n := 0
			if ft.text != "" {
				n = int(ft.text[0])
			}
			h.repeat(prior[n%len(prior)])
			return
		}
	}
	in := h.inbound(ft)
	h.log = append(h.log, fmt.Sprintf("%d: %s %s keys=%q start=%t id=%s: %.80q", i, in.Channel, bot.MaskPhone(in.From), in.Keys, in.CallStart, in.ProviderID, in.Text))
	h.turn(in)
}

// repeat delivers an earlier turn again: it must get the same reply and
// change nothing (no write at all, so no new conversation version).
func (h *engineHarness) repeat(d delivered) {
	h.t.Helper()
	h.log = append(h.log, fmt.Sprintf("   repeat of %s", d.in.ProviderID))
	writes, optOuts := h.store.Writes(), h.optOuts
	h.woken = false
	reply, out, err := h.engine.Handle(context.Background(), d.in, h.render)
	if err != nil {
		h.fatalf("repeated delivery of %s: %v", d.in.ProviderID, err)
	}
	if !reply.Repeated || !bytes.Equal(out.Document, d.out.Document) || reply.State != d.reply.State || reply.Intent != d.reply.Intent ||
		reply.Silent != d.reply.Silent || reply.Seq != d.reply.Seq || reply.Expect != d.reply.Expect {
		h.fatalf("repeated delivery of %s got another reply:\n%#v %q\nfirst:\n%#v %q", d.in.ProviderID, reply, out.Transcript, d.reply, d.out.Transcript)
	}
	if h.store.Writes() != writes || h.woken || h.optOuts != optOuts {
		h.fatalf("repeated delivery of %s changed something", d.in.ProviderID)
	}
	h.checkStore()
}

func (h *engineHarness) turn(in bot.Inbound) {
	h.t.Helper()
	before := h.store.OpenConversation(in.From)
	participant, _ := h.store.Participant(in.From)
	writes, optOuts := h.store.Writes(), h.optOuts
	requests := len(h.store.Requests())
	outbox := len(h.store.Outbox())
	h.woken = false

	numberBefore := h.store.OpenConversation(in.From)
	reply, out, err := h.engine.Handle(context.Background(), in, h.render)
	if in.Channel == bot.Voice && !in.Attested {
		// A call whose caller ID the network does not vouch for never
		// reads or changes what the number entered, nor texts it unless
		// the number texted the service itself.
		// (A number with no conversation of its own may get the call's,
		// to go on by text.)
		after := h.store.OpenConversation(in.From)
		if numberBefore != nil && !reflect.DeepEqual(numberBefore, after) || numberBefore == nil && after != nil && after.Channel != bot.SMS {
			h.fatalf("an unattested call changed the number's conversation:\n%#v\n%#v", numberBefore, after)
		}
		if p, _ := h.store.Participant(in.From); !p.Texted {
			for _, m := range h.store.Outbox()[outbox:] {
				if m.To == in.From {
					h.fatalf("an unattested call texted a number that never texted the service: %q", m.Body)
				}
			}
		}
	}
	if errors.Is(err, bot.ErrBadInbound) {
		if utf8.ValidString(in.Text) {
			h.fatalf("valid turn refused: %v", err)
		}
		if h.store.Writes() != writes {
			h.fatalf("a refused turn wrote to the store")
		}
		return
	}
	if err != nil {
		h.fatalf("Handle: %v", err)
	}
	if !utf8.ValidString(in.Text) {
		h.fatalf("text that is not UTF-8 was taken")
	}
	h.log = append(h.log, fmt.Sprintf("   → state=%s silent=%t intent=%q: %.120q", reply.State, reply.Silent, reply.Intent, out.Transcript))

	h.checkReply(in, reply, out)
	if reply.Silent && in.Channel == bot.SMS && out.Transcript != "" {
		h.fatalf("a silent reply has text %q", out.Transcript)
	}
	if after, _ := h.store.Participant(in.From); in.Channel == bot.SMS && participant.OptedOut && after.OptedOut && !reply.Silent {
		h.fatalf("a number that opted out was answered by text: %q", out.Transcript)
	}
	if after, _ := h.store.Participant(in.From); (h.optOuts > optOuts) != (!participant.OptedOut && after.OptedOut) {
		h.fatalf("OnOptOut called %d times for a turn that moved opted out from %t to %t", h.optOuts-optOuts, participant.OptedOut, after.OptedOut)
	}
	if h.woken && len(h.store.Outbox()) == outbox {
		h.fatalf("the outbox was woken and nothing was queued")
	}

	stored := false
	if in.ProviderID != "" {
		_, stored = h.store.Inbound(in.ProviderID)
	}
	input := in.Text // what the engine reads, as in bot.turn.run
	if in.Channel == bot.Voice {
		input = strings.TrimSpace(in.Text)
		if keys := strings.TrimRight(in.Keys, "#"); keys != "" {
			input = keys
		}
	}
	switch {
	case stored:
		d := h.delivered[phoneIndex(in.From)]
		h.delivered[phoneIndex(in.From)] = append(d, delivered{in: in, reply: reply, out: out})
	case in.ProviderID == "":
		// A retry has no provider id to recognize it by.
	case utf8.RuneCountInString(input) <= bot.MaxTextLength:
		h.fatalf("turn %s was answered and not stored", in.ProviderID)
	}

	h.checkFiled(in, before, h.store.Requests()[requests:])
	h.checkStore()
}

func phoneIndex(phone string) int {
	for i, p := range fuzzPhones {
		if p == phone {
			return i
		}
	}
	return -1
}

// checkReply checks what the person gets.
func (h *engineHarness) checkReply(in bot.Inbound, r bot.Reply, out bot.Rendered) {
	h.t.Helper()
	if !r.Silent && out.Transcript == "" {
		h.fatalf("empty reply that is not silent: %#v", r)
	}
	if !h.catalog.Has(r.Language) {
		h.fatalf("reply in language %q", r.Language)
	}
	if r.State != "" && !r.State.Valid() {
		h.fatalf("reply at state %q", r.State)
	}
	h.checkText(out.Transcript)
}

// checkText finds templates that were not filled in, and messages that
// were not found (the catalog then gives their ID).
func (h *engineHarness) checkText(s string) {
	h.t.Helper()
	if strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
		h.fatalf("text with a template left in it: %q", s)
	}
	for _, line := range strings.Split(s, "\n") {
		if h.catalog.HasMessage(strings.TrimSpace(line)) {
			h.fatalf("text with a message ID for a line: %q", s)
		}
	}
	if !utf8.ValidString(s) {
		h.fatalf("text is not UTF-8: %q", s)
	}
}

// checkFiled checks the requests a turn filed.
func (h *engineHarness) checkFiled(in bot.Inbound, before *bot.Conversation, filed []bot.Request) {
	h.t.Helper()
	if len(filed) > 1 {
		h.fatalf("one turn filed %d requests", len(filed))
	}
	for _, r := range filed {
		switch {
		case before == nil || before.Step != flows.StepReview:
			var step flows.Step
			if before != nil {
				step = before.Step
			}
			h.fatalf("request %s filed from step %q, not the review", r.Reference, step)
		case r.ConversationID != before.ID:
			h.fatalf("request %s filed for conversation %d from conversation %d", r.Reference, r.ConversationID, before.ID)
		case flows.Missing(r.Answers) != "":
			h.fatalf("request %s filed without %s", r.Reference, flows.Missing(r.Answers))
		case !bot.ValidReference(r.Reference):
			h.fatalf("request reference %q", r.Reference)
		case r.Phone != in.From || r.Status != bot.StatusSubmitted || r.Language != r.Answers.Language:
			h.fatalf("request %s filed as %#v", r.Reference, r)
		case r.ContactPhone != r.Answers.ContactPhone() || r.ContactPhone == "":
			h.fatalf("request %s has contact %q", r.Reference, r.ContactPhone)
		}
		if c := h.store.OpenConversation(in.From); c != nil && c.ID == before.ID {
			h.fatalf("conversation %d is still open after filing %s", c.ID, r.Reference)
		}
	}
}

// checkStore checks everything stored.
func (h *engineHarness) checkStore() {
	h.t.Helper()
	filed := map[int64]string{}
	refs := map[string]bool{}
	for _, r := range h.store.Requests() {
		filed[r.ConversationID] = r.Reference
		if refs[r.Reference] {
			h.fatalf("reference %s filed twice", r.Reference)
		}
		refs[r.Reference] = true
		if !bot.ValidReference(r.Reference) || flows.Missing(r.Answers) != "" {
			h.fatalf("stored request %#v", r)
		}
	}
	open := map[string]int64{}
	for _, c := range h.store.Conversations() {
		switch {
		case !c.Step.Valid():
			h.fatalf("conversation %d at step %q", c.ID, c.Step)
		case c.Open && c.Step.Final():
			h.fatalf("open conversation %d at final step %q", c.ID, c.Step)
		case c.Step == flows.StepSubmitted && filed[c.ID] == "":
			h.fatalf("conversation %d submitted and no request filed", c.ID)
		case len(c.History) > 64:
			h.fatalf("conversation %d has %d steps of history", c.ID, len(c.History))
		case c.InvalidCount < 0:
			h.fatalf("conversation %d has invalid count %d", c.ID, c.InvalidCount)
		case c.Answers.Language != "" && !h.catalog.Has(c.Answers.Language):
			h.fatalf("conversation %d in language %q", c.ID, c.Answers.Language)
		case c.Open && (c.Step.Aside() || c.Step == flows.StepLanguage && len(c.History) > 0) && len(c.Answers.Returns) == 0:
			h.fatalf("conversation %d at %s has nowhere to return to", c.ID, c.Step)
		case c.Open && !c.Step.Aside() && c.Held != (bot.Held{}):
			h.fatalf("conversation %d at %s holds %+v", c.ID, c.Step, c.Held)
		case c.Open && (c.Step == flows.StepConfirmWithdrawal && c.Held.Reference == "" ||
			c.Step == flows.StepBetterTimes && c.Held.OfferID == 0 ||
			c.Step == flows.StepConfirmValue && c.Held.Heard == "" ||
			c.Step == flows.StepReceiptDigits && c.Held.Letters == ""):
			h.fatalf("conversation %d at %s holds nothing for it: %+v", c.ID, c.Step, c.Held)
		case c.Open && c.Step == flows.StepReview && flows.Missing(c.Answers) != "":
			h.fatalf("conversation %d shows the review without its %s answer", c.ID, flows.Missing(c.Answers))
		case c.Open && c.Step != flows.StepLanguage && c.Answers.Language == "":
			h.fatalf("conversation %d at %s has no language", c.ID, c.Step)
		}
		for _, s := range c.History {
			if !s.Question() {
				h.fatalf("conversation %d has %q in its history", c.ID, s)
			}
		}
		for _, s := range c.Answers.Returns {
			if !s.Valid() || s.Final() {
				h.fatalf("conversation %d returns to %q", c.ID, s)
			}
		}
		if c.Open {
			if other, ok := open[c.Phone]; ok {
				h.fatalf("%s has conversations %d and %d open", bot.MaskPhone(c.Phone), other, c.ID)
			}
			open[c.Phone] = c.ID
		}
	}
	for _, p := range fuzzPhones {
		if part, ok := h.store.Participant(p); ok && part.Language != "" && !h.catalog.Has(part.Language) {
			h.fatalf("participant %s in language %q", bot.MaskPhone(p), part.Language)
		}
	}
	for _, m := range h.store.Outbox() {
		if m.Channel == bot.ChannelEmail {
			h.checkEmail(m)
			continue
		}
		h.checkText(m.Body)
		if phoneIndex(m.To) < 0 || m.Body == "" {
			h.fatalf("text queued to %q: %q", m.To, m.Body)
		}
	}
}

// checkEmail checks an email the engine queued: the written confirmation
// of a request, to an address the request gives, without its A-Number,
// receipt number or date of birth.
func (h *engineHarness) checkEmail(m bot.OutboxMessage) {
	h.t.Helper()
	e, err := bot.DecodeEmail(m.Body)
	if err != nil || m.Kind != bot.KindFiled {
		h.fatalf("email of kind %q: %v", m.Kind, err)
	}
	for _, part := range []string{e.Subject, e.Text, e.HTML} {
		h.checkText(part)
	}
	for _, r := range h.store.Requests() {
		if r.ID != m.RequestID {
			continue
		}
		a := r.Answers
		if m.To != a.Email && m.To != a.Rep.Email {
			h.fatalf("confirmation of %s emailed to an address it does not give", r.Reference)
		}
		if !strings.Contains(e.Text, r.Reference) || !strings.Contains(e.Subject, r.Reference) {
			h.fatalf("confirmation of %s does not name it", r.Reference)
		}
		for _, secret := range []string{a.ANumber, strings.TrimPrefix(a.ANumber, "A"), a.Receipt} {
			if secret != "" && (strings.Contains(e.Text, secret) || strings.Contains(e.HTML, secret)) {
				h.fatalf("confirmation of %s carries its A-Number or receipt number", r.Reference)
			}
		}
		if !a.BirthDate.IsZero() {
			dob := h.catalog.FormatDate(r.Language, a.BirthDate)
			if strings.Contains(e.Text, dob) || strings.Contains(e.HTML, dob) {
				h.fatalf("confirmation of %s carries the date of birth", r.Reference)
			}
		}
		return
	}
	h.fatalf("email for no request: %d", m.RequestID)
}

// offerCallback offers a callback for the newest request phone filed, as
// staff would: the next weekday, in two hours of the afternoon.
func (h *engineHarness) offerCallback(phone string) {
	h.t.Helper()
	reqs := h.store.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		if r.Phone != phone || r.Status != bot.StatusSubmitted {
			continue
		}
		start := time.Date(h.now.Year(), h.now.Month(), h.now.Day(), 19, 0, 0, 0, time.UTC).Add(48 * time.Hour)
		for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
			start = start.Add(24 * time.Hour)
		}
		id, err := h.store.AddOffer(bot.CallbackOffer{
			RequestID: r.ID, Start: start, End: start.Add(2 * time.Hour), Zone: "UTC", Status: bot.OfferAwaiting,
			ContactPhone: r.ContactPhone, ContactRole: string(r.Role), CreatedAt: h.now, UpdatedAt: h.now,
		})
		if err != nil {
			h.fatalf("offer a callback: %v", err)
		}
		h.log = append(h.log, fmt.Sprintf("(staff offer callback %d for %s to %s)", id, r.Reference, bot.MaskPhone(r.ContactPhone)))
		return
	}
}
