package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"infopass/flows"
)

var update = flag.Bool("update", false, "rewrite the golden TwiML files in testdata")

// caller is a phone call in a test, followed like Twilio follows it.
type caller struct {
	h     *harness
	p     *phoneCall
	last  *callTurn
	heard []string // what each turn said, for tests of what a call must never hear
}

func (h *harness) call(from string) *caller {
	h.t.Helper()
	c := &caller{h: h, p: newPhoneCall(h.base, testToken, from)}
	turn, err := c.p.start(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	c.last = turn
	return c
}

// said is everything the last turn said, one line.
func (c *caller) said() string {
	var parts []string
	for _, s := range c.last.Said {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, " ")
}

// do answers with keys (digits, *, #) or, failing that, speech, and
// checks the call then says want.
func (c *caller) do(input, want string) *caller {
	c.h.t.Helper()
	keys, speech := "", input
	if keyPattern.MatchString(input) {
		keys, speech = input, ""
	}
	turn, err := c.p.answer(context.Background(), keys, speech)
	if err != nil {
		c.h.t.Fatalf("answer %q: %v", input, err)
	}
	c.last = turn
	c.heard = append(c.heard, c.said())
	if !strings.Contains(c.said(), want) {
		c.h.t.Fatalf("after %q the call says %q, want %q", input, c.said(), want)
	}
	return c
}

// script answers each step in turn.
func (c *caller) script(steps []step) *caller {
	c.h.t.Helper()
	for _, s := range steps {
		c.do(s.send, s.want)
	}
	return c
}

// voiceApplicantADIT answers an ADIT request by phone, as an applicant,
// from the language menu to the end of the review's first page.
var voiceApplicantADIT = []step{
	{"1", "Are you the person the appointment is for? Press 1."},
	{"1", "What do you need?"},
	{"1", "By what date do you need proof"},
	{"12102026", "I have December 10, 2026. Press 1 if that is right"},
	{"1", "Which weekdays"},
	{"13#", "What time of day"},
	{"1", "Please say your full name"},
	{"Jane Doe", "I have Jane Doe."},
	{"1", "date of birth as eight digits"},
	{"07211990", "I have July 21, 1990."},
	{"1", "ZIP code"},
	{"10001#", "I have 1 0 0 0 1."},
	{"1", "country where you were born"},
	{"Mexico", "I have Mexico."},
	{"1", "three letters of the receipt number"},
	{"echo alpha charlie", "Now enter the 10 digits"},
	{"2190123456#", "I have E A C 2 1 9 0 1 2 3 4 5 6."},
	{"1", "A-Number"},
	{"12345678#", "I have A 0 1 2 3 4 5 6 7 8."},
	{"1", "We cannot take an email address by phone"},
	{"*", "To use the number you are calling from, press star"},
	{"*", "I have 2 0 2 5 5 5"},
	{"1", "Please check your request (1/3)"},
}

func TestVoiceWizard(t *testing.T) {
	h := newHarness(t)

	t.Run("ADITByPhone", func(t *testing.T) {
		h.t = t
		from := "+12025550301"
		c := h.call(from)
		if !strings.Contains(c.said(), "Welcome to USCIS Infopass") || len(c.last.Said) < 3 {
			t.Fatalf("language menu: %v", c.last.Said)
		}
		if es := c.last.Said[2]; es.Language != "es-US" || !strings.Contains(es.Text, "Para español, oprima 2") {
			t.Errorf("the Spanish option is not said in Spanish: %+v", es)
		}
		// The date of birth is said, not keyed.
		script := append([]step(nil), voiceApplicantADIT...)
		spoken := false
		for i, s := range script {
			if s.send == "07211990" {
				script[i], spoken = step{"July 21st 1990", "I have July 21, 1990. Press 1 if that is right"}, true
			}
		}
		if !spoken {
			t.Fatal("the script has no keyed date of birth to say instead")
		}
		c.script(script)
		// The review says dates and numbers as a person would hear them.
		if said := c.said(); !strings.Contains(said, "1 Jane Doe, born July 21, 1990") || !strings.Contains(said, "2 ZIP 1 0 0 0 1, born in Mexico") {
			t.Errorf("the review does not say the date of birth and ZIP code as spoken: %s", said)
		}
		c.do("*", "(2/3)").do("yes", "(3/3)")
		c.do("*", "Your request was sent. Your request number is I P")
		if !strings.Contains(c.said(), "To get this number and what to bring in a text message, press 1.") || c.last.Gather == nil {
			t.Fatalf("the filing does not offer the confirmation by text: %s", c.said())
		}
		filing := c.said()
		// Press 1: the same as a filing by text gets, by text.
		c.do("1", "We will text you now.")
		if !c.last.HungUp {
			t.Error("the call goes on after the confirmation was asked")
		}
		eventually(t, "the confirmation's two texts are sent", func() bool { return h.sentTo(from) == 2 })
		msgs := h.twilio.Messages()
		if first, second := msgs[len(msgs)-2].Body, msgs[len(msgs)-1].Body; !strings.Contains(first, "Your request number is IP-") ||
			!strings.Contains(second, "photo ID") {
			t.Errorf("confirmation texts: %q %q", first, second)
		}
		reqs := h.requests(from)
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		a := reqs[0].Answers
		if reqs[0].Channel != "voice" || a.Name != "Jane Doe" || a.BirthDate != (flows.Date{Year: 1990, Month: 7, Day: 21}) ||
			a.Receipt != "EAC2190123456" || a.ANumber != "A012345678" || a.Email != "" || a.Phone != from || a.ZIP != "10001" ||
			a.BirthCountry != "MX" || len(a.Days) != 2 {
			t.Errorf("filed: %+v", reqs[0])
		}
		if !strings.Contains(filing, spacedRef(reqs[0].Reference)) {
			t.Errorf("the reference is not read out: %s", filing)
		}
	})

	t.Run("InfopassAtTheMenu", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550302")
		c.do("Infopass", "Please hold while we connect you")
		if c.last.Dialed != "+18003755283" {
			t.Errorf("dialed %q", c.last.Dialed)
		}
	})

	t.Run("InfopassMidWizardAndZero", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550303").script(voiceApplicantADIT[:3])
		c.do("I want to talk to an agent please", "By what date") // not a keyword: an answer the date question refuses
		c.do("representative", "Please hold while we connect you")
		if c.last.Dialed != "+18003755283" {
			t.Errorf("dialed %q", c.last.Dialed)
		}
		c = h.call("+12025550303")
		if !strings.Contains(c.said(), "Welcome back") {
			t.Fatalf("second call: %s", c.said())
		}
		c.do("0", "Please hold")
		if c.last.Dialed != "+18003755283" {
			t.Errorf("0 dialed %q", c.last.Dialed)
		}
		// "Infopass" anywhere in what is said, as recognition may hear it.
		for i, said := range []string{"Infopass please", "I need info pass"} {
			c = h.call(fmt.Sprintf("+1202555038%d", i)).script(voiceApplicantADIT[:3])
			c.do(said, "Please hold while we connect you")
			if c.last.Dialed != "+18003755283" {
				t.Errorf("%q dialed %q", said, c.last.Dialed)
			}
		}
	})

	t.Run("UnknownReceiptPrefix", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550392").script(voiceApplicantADIT[:15])
		c.do("zulu yankee xray", "Now enter the 10 digits")
		// Read back a character at a time, and asked to confirm.
		c.do("2190123456#", "Z Y X 2 1 9 0 1 2 3 4 5 6 does not start like the receipt numbers we know")
		c.do("1", "A-Number") // kept as said
	})

	t.Run("MenusByWord", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550390").script(voiceApplicantADIT[:1])
		c.do("Two.", "Please say your full name")
		c = h.call("+12025550391").script(voiceApplicantADIT[:2])
		c.do("three", "What is the date of the judge's final order")
	})

	t.Run("ThreeSilencesOfferATransfer", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550304").script(voiceApplicantADIT[:2])
		c.do("", "Sorry, I did not hear an answer.")
		c.do("", "Sorry, I did not hear an answer.")
		if strings.Contains(c.said(), "Having trouble") {
			t.Errorf("transfer offered after two silences: %s", c.said())
		}
		c.do("", "Having trouble? To speak with a person, press 0 or say Infopass.")
		c.do("0", "Please hold")
		if c.last.Dialed == "" {
			t.Error("no transfer")
		}
	})

	t.Run("EAPTooSoonFilesNothing", func(t *testing.T) {
		h.t = t
		from := "+12025550305"
		c := h.call(from).script(voiceApplicantADIT[:2])
		c.do("2", "What date do you plan to travel?")
		c.do("12042026", "I have December 4, 2026.")
		c.do("1", "Emergency travel in the next 10 business days cannot be requested here")
		if !strings.Contains(c.said(), "press 0 or say Infopass") {
			t.Errorf("no offer to reach a person: %s", c.said())
		}
		c.do("", "Thank you for calling USCIS Infopass. Goodbye.")
		if !c.last.HungUp {
			t.Error("the call goes on")
		}
		if n := len(h.requests(from)); n != 0 {
			t.Errorf("%d requests filed", n)
		}
	})

	t.Run("EmailFinishedByText", func(t *testing.T) {
		h.t = t
		from := "+12025550306"
		c := h.call(from).script(voiceApplicantADIT[:20])
		c.do("1", "We sent you a text message")
		if !c.last.HungUp {
			t.Error("the call goes on after the switch to text")
		}
		eventually(t, "the text to finish by SMS is sent", func() bool { return h.sentTo(from) == 1 })
		for _, m := range h.twilio.Messages() {
			if m.To == from && !strings.Contains(m.Body, "to finish the request you started by phone") {
				t.Errorf("text: %s", m.Body)
			}
		}
		h.play(from, []step{{"jane@example.org", "Reply SAME"}, {"same", "Please check your request (1/3)"}})
		ref := reference(t, h.submitReview(from))
		r, err := h.db.Request(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.Answers.Name != "Jane Doe" || r.Answers.Receipt != "EAC2190123456" || r.Answers.Email != "jane@example.org" {
			t.Errorf("filed: %+v", r.Answers)
		}
	})

	t.Run("ReadBackRefused", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550307").script(voiceApplicantADIT[:4])
		c.do("2", "By what date do you need proof").do("12112026", "I have December 11, 2026.").do("9", "Please press 1 if that is right")
		c.do("1", "Which weekdays")
	})

	t.Run("ResumeAcrossChannels", func(t *testing.T) {
		h.t = t
		from := "+12025550308"
		h.play(from, append(append([]step{}, untilType...), step{"1", "By what date"}))
		c := h.call(from)
		if !strings.Contains(c.said(), "Welcome back. You have a request in progress") {
			t.Fatalf("call after texting: %s", c.said())
		}
		c.do("1", "By what date do you need proof").do("12102026", "I have December 10, 2026").do("1", "Which weekdays")
		// and back by text
		h.play(from, []step{{"1 3", "Welcome back. 1 Continue"}, {"1", "Which weekdays"}, {"1 3", "What time of day"}})
	})

	t.Run("MarkupReadBack", func(t *testing.T) {
		h.t = t
		from := "+12025550311"
		const markup = "</Say></Gather><Redirect>http://x</Redirect>"
		c := h.call(from).script(voiceApplicantADIT[:2])
		c.do("2", "What date do you plan to travel?").do("12152026", "I have December 15, 2026.").do("1", "please say why you need to travel")
		form := url.Values{"CallSid": {c.p.sid}, "From": {from}, "SpeechResult": {markup}, "Confidence": {"0.9"}}
		_, body := h.postURL(c.last.Gather.attr("action"), form)
		if n := xmlElements(t, body); n["Redirect"] != 0 || n["Gather"] != 1 || n["Say"] != 1 {
			t.Fatalf("read-back of markup: elements %v\n%s", n, body)
		}
		var doc twimlVerb
		if err := xml.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		turn, err := c.p.run(context.Background(), doc.Children)
		if err != nil {
			t.Fatal(err)
		}
		c.last = turn
		if want := "I have " + markup + ". Press 1 if that is right"; !strings.Contains(c.said(), want) {
			t.Fatalf("read-back says %q, want %q", c.said(), want)
		}
		c.do("1", "Which weekdays")
		conv, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || conv.Answers.TravelReason != markup {
			t.Errorf("stored travel reason: %+v %v", conv, err)
		}
	})

	t.Run("RepeatedActionGetsTheSameAnswer", func(t *testing.T) {
		h.t = t
		c := h.call("+12025550309")
		action := c.last.Gather.attr("action")
		form := url.Values{"CallSid": {c.p.sid}, "From": {c.p.from}, "Digits": {"1"}}
		_, first := h.postURL(action, form)
		_, second := h.postURL(action, form)
		if canonicalTwiML(t, first) != canonicalTwiML(t, second) || !strings.Contains(first, "Are you the person") {
			t.Errorf("retried action:\n%s\n%s", first, second)
		}
	})

	t.Run("ErrUnsigned", func(t *testing.T) {
		h.t = t
		form := url.Values{"CallSid": {"CA" + strings.Repeat("1", 32)}, "From": {"+12025550310"}}
		for _, path := range []string{"/twilio/voice", "/twilio/voice/turn?seq=1", "/twilio/voice/fallback"} {
			if status, _ := h.post(path, form, false); status != http.StatusForbidden {
				t.Errorf("unsigned %s: %d", path, status)
			}
		}
	})

	t.Run("WithheldNumberGoesToAPerson", func(t *testing.T) {
		h.t = t
		for _, withheld := range []string{"+266696687", "Anonymous", "client:Anonymous", ""} {
			status, body := h.post("/twilio/voice", url.Values{"CallSid": {"CA" + strings.Repeat("2", 32)}, "From": {withheld}}, true)
			if status != http.StatusOK || !strings.Contains(body, "<Dial>+18003755283</Dial>") || !strings.Contains(body, "Sorry") {
				t.Errorf("caller %q: %d %s", withheld, status, body)
			}
		}
	})
}

func spacedRef(ref string) string {
	return strings.Join(strings.Split(strings.ReplaceAll(ref, "-", ""), ""), " ")
}

// postURL posts a signed form to an absolute URL of the server.
func (h *harness) postURL(target string, form url.Values) (int, string) {
	h.t.Helper()
	path := strings.TrimPrefix(target, h.base)
	return h.post(path, form, true)
}

// TestVoiceGolden compares each kind of phone turn with its golden TwiML,
// as parsed XML with sorted attributes (twilio-go writes attributes in no
// fixed order). Refresh with go test ./cmd/infopass -run Golden -update.
func TestVoiceGolden(t *testing.T) {
	h := newHarness(t)
	golden := func(name string, body string) {
		t.Helper()
		got := canonicalTwiML(t, strings.ReplaceAll(body, h.base, "https://infopass.example.org"))
		path := filepath.Join("testdata", "voice", name+".xml")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s:\n%s", name, path, got)
		}
	}
	sid := "CA" + strings.Repeat("a", 32)
	from := "+12025550320"
	// Calls whose caller ID the carrier vouches for, as Twilio posts
	// them: the attestation with the call, the next turns at the URLs
	// its TwiML gave.
	turn := func(seq string, form url.Values) string {
		form.Set("CallSid", sid)
		form.Set("From", from)
		path := "/twilio/voice/turn?seq=" + seq + "&caller=attested"
		if seq == "" {
			path = "/twilio/voice"
			form.Set("StirVerstat", attestedA)
		}
		_, body := h.post(path, form, true)
		return body
	}
	golden("language_menu", turn("", url.Values{}))
	golden("question_menu", turn("1", url.Values{"Digits": {"1"}}))
	golden("question_after_no_input", turn("2", url.Values{}))
	turn("3", url.Values{"Digits": {"1"}})
	golden("question_date", turn("4", url.Values{"Digits": {"1"}}))
	golden("read_back", turn("5", url.Values{"Digits": {"12102026"}}))
	golden("transfer", turn("6", url.Values{"SpeechResult": {"Infopass"}}))
	_, body := h.post("/twilio/voice/fallback", url.Values{"CallSid": {sid}, "From": {from}}, true)
	golden("fallback", body)
	from, sid = "+12025550321", "CA"+strings.Repeat("b", 32)
	turn("", url.Values{})
	turn("1", url.Values{"Digits": {"1"}})
	turn("2", url.Values{"Digits": {"1"}})
	turn("3", url.Values{"Digits": {"2"}})
	turn("4", url.Values{"Digits": {"12042026"}})
	golden("referral", turn("5", url.Values{"Digits": {"1"}}))

	// Longer calls answer each question at the action its <Gather> names,
	// as Twilio does.
	var action string
	answer := func(input, want string) string {
		t.Helper()
		form := url.Values{"CallSid": {sid}, "From": {from}}
		switch {
		case keyPattern.MatchString(input):
			form.Set("Digits", input)
		case input != "":
			form.Set("SpeechResult", input)
			form.Set("Confidence", "0.9")
		}
		target := action
		if target == "" {
			target = h.base + "/twilio/voice"
			form.Set("StirVerstat", attestedA)
		}
		status, body := h.postURL(target, form)
		var doc twimlVerb
		if err := xml.Unmarshal([]byte(body), &doc); status != http.StatusOK || err != nil {
			t.Fatalf("answer %q: %d %v\n%s", input, status, err, body)
		}
		action = ""
		for _, v := range doc.Children {
			if v.XMLName.Local == "Gather" {
				action = v.attr("action")
			}
		}
		if !strings.Contains(body, want) {
			t.Fatalf("after %q the call does not say %q:\n%s", input, want, body)
		}
		return body
	}
	dial := func(number, callSid string) string {
		t.Helper()
		from, sid, action = number, callSid, ""
		return answer("", "")
	}
	script := func(steps []step) {
		t.Helper()
		for _, s := range steps {
			answer(s.send, s.want)
		}
	}

	dial("+12025550322", "CA"+strings.Repeat("c", 32))
	script(voiceApplicantADIT[:15])
	golden("receipt_digits", answer(voiceApplicantADIT[15].send, "Now enter the 10 digits"))
	script(voiceApplicantADIT[16:20])
	golden("sms_handoff", answer("1", "We sent you a text message"))

	dial("+12025550323", "CA"+strings.Repeat("d", 32))
	script(voiceApplicantADIT)
	script([]step{{"*", "(2/3)"}, {"yes", "(3/3)"}})
	body = answer("*", "Your request was sent.")
	reqs := h.requests(from)
	if len(reqs) != 1 {
		t.Fatalf("%d requests filed by the call", len(reqs))
	}
	body = strings.ReplaceAll(body, spacedRef(reqs[0].Reference), spacedRef("IP-XXXXXXXX"))
	golden("submitted", strings.ReplaceAll(body, reqs[0].Reference, "IP-XXXXXXXX"))

	dial("+12025550324", "CA"+strings.Repeat("e", 32))
	script([]step{{"1", "Are you the person"}, {"", "Sorry, I did not hear an answer."}, {"", "Sorry, I did not hear an answer."}})
	golden("transfer_offer", answer("", "Having trouble?"))

	h.play("+12025550325", append(append([]step{}, untilType...), step{"1", "By what date"}))
	golden("resume", dial("+12025550325", "CA"+strings.Repeat("f", 32)))
}

// canonicalTwiML re-writes a TwiML document with sorted attributes and
// indentation, so that documents equal as XML compare equal as text.
func canonicalTwiML(t *testing.T, doc string) string {
	t.Helper()
	var root twimlVerb
	if err := xml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("not XML: %v\n%s", err, doc)
	}
	var b bytes.Buffer
	var write func(v twimlVerb, depth int)
	write = func(v twimlVerb, depth int) {
		ind := strings.Repeat("  ", depth)
		attrs := append([]xml.Attr(nil), v.Attrs...)
		sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name.Local < attrs[j].Name.Local })
		b.WriteString(ind + "<" + v.XMLName.Local)
		for _, a := range attrs {
			b.WriteString(" " + a.Name.Local + "=\"")
			xml.EscapeText(&b, []byte(a.Value))
			b.WriteString("\"")
		}
		text := strings.TrimSpace(v.Text)
		switch {
		case len(v.Children) > 0:
			b.WriteString(">\n")
			for _, c := range v.Children {
				write(c, depth+1)
			}
			b.WriteString(ind + "</" + v.XMLName.Local + ">\n")
		case text != "":
			b.WriteString(">")
			xml.EscapeText(&b, []byte(text))
			b.WriteString("</" + v.XMLName.Local + ">\n")
		default:
			b.WriteString("/>\n")
		}
	}
	write(root, 0)
	return b.String()
}

// TestVoiceInOtherLanguages calls in Korean, which Twilio speaks and
// hears, and in Esperanto, which it does neither: its prompts are played
// from recordings, answered by keypad, and a prompt with the caller's own
// data offers to go on by text.
func TestVoiceInOtherLanguages(t *testing.T) {
	h := newHarness(t)

	t.Run("ko", func(t *testing.T) {
		h.t = t
		from := "+12025550501"
		c := h.call(from)
		c.do("11", "번을 누르세요")
		g := c.last.Gather
		if g.attr("language") != "ko-KR" || !strings.Contains(g.attr("input"), "speech") || c.last.Said[0].Language != "ko-KR" {
			t.Errorf("Korean question: gather %v, said %+v", g.Attrs, c.last.Said)
		}
		c.do("1", "")
		c.do("1", "여덟 자리")
		c.do("20261210", "2026")
		c.do("1", "")
		conv, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || conv.Step != flows.StepDays || conv.Answers.NeededBy != (flows.Date{Year: 2026, Month: 12, Day: 10}) || conv.Answers.Language != "ko" {
			t.Fatalf("after the date in Korean: %+v %v", conv, err)
		}
		c.do("상담원", "")
		if c.last.Dialed != "+18003755283" {
			t.Errorf("saying 상담원 dialed %q", c.last.Dialed)
		}
	})

	t.Run("eo", func(t *testing.T) {
		h.t = t
		from := "+12025550502"
		c := h.call(from)
		c.do("5", "")
		if len(c.last.Said) == 0 || c.last.Said[0].Language != "audio" {
			t.Fatalf("Esperanto question is not played: %+v", c.last.Said)
		}
		if got := c.last.Gather.attr("input"); got != "dtmf" {
			t.Errorf("Esperanto gather input %q, want keypad only", got)
		}
		audio := c.last.Said[0].Text
		resp, err := http.Get(strings.Replace(audio, "https://infopass.example.org", h.base, 1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Errorf("GET %s: %d %s", audio, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		c.do("1", "").do("1", "")
		c.do("10122026", "") // the read-back plays the date from recorded clips
		c.playedOnly("the date read back")
		c.do("1", "")
		c.playedOnly("the days")
		if conv, err := h.db.OpenConversation(context.Background(), from); err != nil || conv.Step != flows.StepDays ||
			conv.Answers.NeededBy != (flows.Date{Year: 2026, Month: 12, Day: 10}) {
			t.Fatalf("after the read-back: %+v %v", conv, err)
		}
	})
}
