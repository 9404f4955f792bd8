package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/bot/twilioapi/twiliotest"
	"infopass/bot/vault"
	"infopass/flows"
	"infopass/webhooks"
)

// testToken is shaped like a real auth token (32 hex digits): serve refuses
// any other.
const testToken = "5ca1ab1e0123456789abcdef5ca1ab1e"

// testDataKey seals the test databases.
var testDataKey = []byte("0123456789abcdef0123456789abcdef")

// harness runs the real service on a loopback port against its own
// PostgreSQL database and a fake Twilio REST API, with a clock that starts
// on a fixed day, runs at real speed and can be moved forward.
type harness struct {
	t      *testing.T
	base   string
	db     *postgres.DB
	dbURL  string
	twilio *twiliotest.Server
	start  time.Time
	offset atomic.Int64 // nanoseconds the test moved the clock
	logs   *syncBuffer
	seq    atomic.Int64
	stop   func()        // stops the running server
	tune   func(*config) // changes the configuration of the next startServer
	// apiToken is the token of the harness's staff API client, made with
	// `infopass api-token create` against the harness's database.
	apiToken string
}

// friday is the Friday before Thanksgiving week 2026, 10:00 in New York.
var friday = time.Date(2026, 11, 20, 10, 0, 0, 0, mustZone("America/New_York"))

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	serviceFrom = "+18005550100"
)

func newHarness(t *testing.T) *harness {
	t.Helper()
	// A first text is read by the language detector once it is built:
	// wait for it, so that replies do not depend on how fast it was.
	<-bot.WarmDetector()
	h := &harness{t: t, dbURL: pgtest.NewDatabase(t), logs: &syncBuffer{}, start: time.Now()}
	keys, err := vault.NewKeyring(testDataKey)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), h.dbURL, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.db = db
	h.apiToken = h.cli("api-token", "create", "e2e-tests")
	h.twilio = twiliotest.New()
	t.Cleanup(h.twilio.Close)
	h.startServer(true)
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("server logs:\n%s", h.logs)
		}
	})
	return h
}

func (h *harness) now() time.Time {
	return friday.Add(time.Since(h.start) + time.Duration(h.offset.Load()))
}

// startServer runs the service (with its outbox worker when outbound is
// true) on a new loopback port.
func (h *harness) startServer(outbound bool) {
	t := h.t
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.base = "http://" + ln.Addr().String()
	cfg, err := readConfig(func(k string) string {
		return map[string]string{
			"TWILIO_ACCOUNT_SID": testAccount, "TWILIO_API_URL": h.twilio.URL,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL, cfg.AuthToken = h.base, testToken
	if outbound {
		cfg.From = serviceFrom
	}
	cfg.now = h.now
	cfg.retryBase = 20 * time.Millisecond
	h.configure(&cfg)
	a, err := newApp(ctx, cfg, h.db, slog.New(slog.NewJSONHandler(h.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		h.stop = func() {}
	}
}

func (h *harness) advance(d time.Duration) { h.offset.Add(int64(d)) }

// cli runs an infopass command against the harness's database, as an
// operator would, and returns the last line it printed.
func (h *harness) cli(args ...string) string {
	h.t.Helper()
	env := map[string]string{"DATABASE_URL": h.dbURL, "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey), "PUBLIC_URL": h.base}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr); err != nil {
		h.t.Fatalf("infopass %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return lines[len(lines)-1]
}

// smsForm is the form Twilio posts for a text from `from`.
func (h *harness) smsForm(from, body string) url.Values {
	return url.Values{
		"MessageSid": {fmt.Sprintf("SM%032x", h.seq.Add(1))},
		"AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From":       {from},
		"To":         {"+18005550100"},
		"Body":       {body},
		"NumMedia":   {"0"},
	}
}

// post sends form to path, signed when sign is true, and returns the status
// and body.
func (h *harness) post(path string, form url.Values, sign bool) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sign {
		req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, h.base+path, form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// twimlResponse is a parsed Messaging TwiML document.
type twimlResponse struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
	Other    []struct {
		XMLName xml.Name
	} `xml:",any"`
}

// parseTwiML parses a Messaging response and checks it holds at most two
// <Message>s (a filing's reference, then what to bring) and nothing else.
func parseTwiML(t *testing.T, body string) twimlResponse {
	t.Helper()
	var doc twimlResponse
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("reply is not well-formed TwiML: %v\n%s", err, body)
	}
	if len(doc.Messages) > 2 || len(doc.Other) > 0 {
		t.Fatalf("reply has more than two <Message>s or other verbs:\n%s", body)
	}
	return doc
}

// xmlElements counts the elements of body by name, failing the test when
// body is not well-formed XML.
func xmlElements(t *testing.T, body string) map[string]int {
	t.Helper()
	n := map[string]int{}
	d := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, body)
		}
		if e, ok := tok.(xml.StartElement); ok {
			n[e.Name.Local]++
		}
	}
}

// sendForm posts a signed SMS form and returns the reply text ("" for none).
func (h *harness) sendForm(form url.Values) string {
	h.t.Helper()
	status, body := h.post("/twilio/sms", form, true)
	if status != http.StatusOK {
		h.t.Fatalf("POST /twilio/sms: %d %s", status, body)
	}
	return strings.Join(parseTwiML(h.t, body).Messages, "\n")
}

// text sends body from `from` and returns the bot's reply.
// textAtOnce sends n texts of body from `from` at the same moment, as a
// phone delivering a backlog does, and returns each one's reply ("" when it
// got none). It reports, without stopping the test, an answer that is not
// 200 with well-formed TwiML of at most one <Message>.
func (h *harness) textAtOnce(from, body string, n int) []string {
	t := h.t
	t.Helper()
	replies := make([]string, n)
	var wg sync.WaitGroup
	for i := range replies {
		form := h.smsForm(from, body)
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, h.base+"/twilio/sms", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, h.base+"/twilio/sms", form))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("text %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var doc twimlResponse
			if resp.StatusCode != http.StatusOK || xml.Unmarshal(raw, &doc) != nil || len(doc.Messages) > 1 || len(doc.Other) > 0 {
				t.Errorf("text %d: %d %s", i, resp.StatusCode, raw)
				return
			}
			if len(doc.Messages) == 1 {
				replies[i] = doc.Messages[0]
			}
		})
	}
	wg.Wait()
	return replies
}

func (h *harness) text(from, body string) string {
	h.t.Helper()
	return h.sendForm(h.smsForm(from, body))
}

// step is one line of a scripted conversation: what the person texts and a
// piece of text the reply must contain.
type step struct {
	send, want string
}

// play runs a scripted conversation and returns the last reply.
func (h *harness) play(from string, script []step) string {
	h.t.Helper()
	var reply string
	for i, s := range script {
		reply = h.text(from, s.send)
		if !strings.Contains(reply, s.want) {
			h.t.Fatalf("turn %d: sent %q, reply does not contain %q:\n%s", i+1, s.send, s.want, reply)
		}
	}
	return reply
}

func (h *harness) requests(phone string) []bot.Request {
	h.t.Helper()
	reqs, err := h.db.RequestsFrom(context.Background(), phone)
	if err != nil {
		h.t.Fatal(err)
	}
	return reqs
}

// submitReview answers YES to each page of the review and returns the
// reply that files the request.
func (h *harness) submitReview(from string) string {
	h.t.Helper()
	for range 5 {
		reply := h.text(from, "yes")
		if !strings.Contains(reply, "Please check your request") {
			return reply
		}
	}
	h.t.Fatalf("the review never ended")
	return ""
}

// reference extracts the IP-XXXXXXXX reference from a reply.
func reference(t *testing.T, reply string) string {
	t.Helper()
	i := strings.Index(reply, "IP-")
	if i < 0 || len(reply) < i+11 || !bot.ValidReference(reply[i:i+11]) {
		t.Fatalf("no request reference in reply:\n%s", reply)
	}
	return reply[i : i+11]
}

// untilType answers the language and who questions as an applicant.
var untilType = []step{
	{"Hi", "Your language?"},
	{"1", "Are you: 1 the person"},
	{"1", "What do you need?"},
}

// applicantDetails answers the callback and beneficiary questions.
var applicantDetails = []step{
	{"1 3", "What time of day"},
	{"1", "full name"},
	{"Jane Doe", "date of birth"},
	{"07/21/1990", "ZIP code"},
	{"10001", "born"},
	{"Mexico", "receipt number"},
	{"ioe-091-234-5678", "A-Number"},
	{"A 12345678", "email"},
	{"jane.doe@example.org", "Reply SAME to use"},
	{"same", "Please check your request"},
}

func TestSMSWizard(t *testing.T) {
	h := newHarness(t)

	t.Run("ApplicantADIT", func(t *testing.T) {
		h.t = t
		from := "+12025550101"
		script := append(append(append([]step{}, untilType...),
			step{"1", "By what date"},
			step{"12/10/2026", "Which weekdays"}),
			applicantDetails...)
		review := h.play(from, script)
		review += "\n" + h.text(from, "yes") + "\n" + h.text(from, "yes")
		for _, want := range []string{"(1/3)", "1 Jane Doe, born July 21, 1990", "2 ZIP 10001, born in Mexico",
			"(2/3)", "3 ADIT stamp, needed by December 10, 2026", "Receipt IOE0912345678, A-Number A012345678",
			"(3/3)", "jane.doe@example.org, (202) 555-0101", "Mon, Wed, mornings", "Reply YES to send your request"} {
			if !strings.Contains(review, want) {
				t.Errorf("review lacks %q:\n%s", want, review)
			}
		}
		if reqs := h.requests(from); len(reqs) != 0 {
			t.Fatalf("filed before confirmation: %d requests", len(reqs))
		}
		done := h.text(from, "yes")
		ref := reference(t, done)
		for _, want := range []string{"request, not an appointment", "photo ID", "1-800-375-5283"} {
			if !strings.Contains(done, want) {
				t.Errorf("submission reply lacks %q:\n%s", want, done)
			}
		}
		r, err := h.db.Request(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		want := flows.Answers{
			Language: "en", Role: flows.RoleApplicant, Type: flows.TypeADIT,
			NeededBy: flows.Date{Year: 2026, Month: 12, Day: 10}, Days: []flows.Weekday{flows.Monday, flows.Wednesday},
			TimeOfDay: flows.Morning, Name: "Jane Doe", BirthDate: flows.Date{Year: 1990, Month: 7, Day: 21},
			ZIP: "10001", BirthCountry: "MX", Receipt: "IOE0912345678", ANumber: "A012345678",
			Email: "jane.doe@example.org", Phone: from,
		}
		got := r.Answers
		got.Skipped, got.DaysAnswered = nil, false
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stored answers\n got %+v\nwant %+v", got, want)
		}
		if r.Status != bot.StatusSubmitted || r.Type != flows.TypeADIT || r.ContactPhone != from || r.Channel != bot.SMS || r.ZIP != "10001" {
			t.Errorf("stored request columns: %+v", r)
		}
		// The next text starts a new conversation in the language chosen.
		if reply := h.text(from, "hello"); !strings.Contains(reply, "Are you: 1 the person") {
			t.Errorf("after submission: %s", reply)
		}
	})

	t.Run("RepresentativeEAP", func(t *testing.T) {
		h.t = t
		from := "+12025550102"
		h.play(from, []step{
			{"hi", "Your language?"},
			{"English", "Are you"},
			{"2", "What is your full name?"},
			{"Ana María O'Neil-Pérez", "What number should the office call you at? Reply SAME to use (202) 555-0102."},
			{"(212) 555 0199", "email"},
			{"ana@firm.example.com", "text to confirm"},
			{"yes", "online account"},
			{"1234 5678 9012", "What do you need?"},
			{"2", "What date do you plan to travel?"},
			{"12/15/2026", "why do you need to travel"},
			{"My father is in hospital in Lima", "Which weekdays"},
			{"6", "time of day"},
			{"2", "applicant's full name"},
			{"Luis Quispe", "applicant's date of birth"},
			{"1975-02-28", "applicant's ZIP"},
			{"Peru", "born"},
			{"Peru", "receipt number"},
			{"none", "A-Number"},
			{"none", "email"},
			{"none", "applicant's phone"},
			{"+51 1 4112222", "United States and its territories"},
			{"+1 787 555 0142", "Please check your request"},
		})
		ref := reference(t, h.submitReview(from))
		r, err := h.db.Request(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		a := r.Answers
		if a.Role != flows.RoleRepresentative || a.Rep.Name != "Ana María O'Neil-Pérez" || a.Rep.Phone != "+12125550199" ||
			a.Rep.Email != "ana@firm.example.com" || !a.Rep.ConfirmByText || a.Rep.AccountNumber != "123456789012" {
			t.Errorf("representative: %+v", a.Rep)
		}
		if a.Type != flows.TypeEAP || a.TravelDate != (flows.Date{Year: 2026, Month: 12, Day: 15}) || a.TravelReason != "My father is in hospital in Lima" {
			t.Errorf("travel: %+v", a)
		}
		if a.Country != "PE" || a.ZIP != "" || a.Receipt != "" || a.ANumber != "" || a.Phone != "+17875550142" || a.Days != nil || a.TimeOfDay != flows.Afternoon {
			t.Errorf("applicant: %+v", a)
		}
		if r.ContactPhone != "+12125550199" {
			t.Errorf("contact phone = %s, want the representative's", r.ContactPhone)
		}
	})

	t.Run("EAPTooSoonFilesNothing", func(t *testing.T) {
		h.t = t
		from := "+12025550103"
		// Ten business days after Friday 11/20/2026, skipping Thanksgiving,
		// is 12/07: travel on 12/04 is too soon to ask by text.
		reply := h.play(from, append(append([]step{}, untilType...),
			step{"2", "travel"},
			step{"12/04/2026", "call the USCIS Contact Center now at 1-800-375-5283"}))
		if !strings.Contains(reply, "Nothing was filed") {
			t.Errorf("reply: %s", reply)
		}
		if n := len(h.requests(from)); n != 0 {
			t.Errorf("%d requests filed", n)
		}
		if _, err := h.db.OpenConversation(context.Background(), from); !errors.Is(err, postgres.ErrNotFound) {
			t.Errorf("conversation still open: %v", err)
		}
	})

	t.Run("Other", func(t *testing.T) {
		h.t = t
		from := "+12025550104"
		h.play(from, append(append([]step{}, untilType...),
			step{"4", "call the USCIS Contact Center at 1-800-375-5283 and say \"Infopass\""}))
		if n := len(h.requests(from)); n != 0 {
			t.Errorf("%d requests filed", n)
		}
	})

	t.Run("CaseStatusQuestion", func(t *testing.T) {
		h.t = t
		h.play("+12025550105", append(append([]step{}, untilType...),
			step{"what is my case status?", "not for case status"}))
		// Asked at another question: where to look, and the question again,
		// which still takes its answer.
		h.play("+12025550125", append(append([]step{}, untilType...),
			step{"1", "By what date"},
			step{"Where is my case?", "egov.uscis.gov/casestatus"},
			step{"status of my case please", "By what date do you need proof"},
			step{"12/20/2026", "weekdays"}))
	})

	t.Run("ReviewEdit", func(t *testing.T) {
		h.t = t
		from := "+12025550106"
		h.play(from, append(append(append([]step{}, untilType...),
			step{"3", "final order"},
			step{"3/2/2026", "What did the judge grant?"},
			step{"2", "Which weekdays"}),
			applicantDetails...))
		review := h.play(from, []step{
			{"5", "email"},
			{"jd@example.net", "Reply SAME to use"},
			{"same", "Please check your request"},
		})
		if !strings.Contains(review, "(3/3)") || !strings.Contains(review, "5 jd@example.net, (202) 555-0106") {
			t.Errorf("review after edit:\n%s", review)
		}
		// BACK from the review returns to the last question; answering it
		// comes back to the review's first page.
		h.play(from, []step{{"back", "What number should the office call?"}, {"same", "(1/3)"}, {"yes", "3 Immigration Judge grant: asylum, order of March 2, 2026"}})
		// Changing the type to one the Contact Center handles keeps the request.
		h.play(from, []step{{"3", "What do you need?"}, {"4", "Contact Center"}, {"back", "Please check your request"}})
		ref := reference(t, h.submitReview(from))
		r, err := h.db.Request(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.Answers.Email != "jd@example.net" || r.Answers.Name != "Jane Doe" || r.Type != flows.TypeIJ || r.Answers.Granted != flows.GrantAsylum {
			t.Errorf("stored: %+v", r.Answers)
		}
	})

	t.Run("BackAndRestart", func(t *testing.T) {
		h.t = t
		from := "+12025550107"
		h.play(from, append(append([]step{}, untilType...),
			step{"back", "Are you: 1 the person"},
			step{"BACK", "This is the first question"},
			step{"1", "What do you need?"},
			step{"1", "By what date"},
			step{"Restart", "start over"}))
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil {
			t.Fatal(err)
		}
		if c.Step != flows.StepWho || c.Answers.Type != "" || c.Answers.Role != "" || c.Answers.Language != "en" {
			t.Errorf("after RESTART: step %s, answers %+v", c.Step, c.Answers)
		}
	})

	t.Run("StopThenStart", func(t *testing.T) {
		h.t = t
		from := "+12025550108"
		h.play(from, untilType[:2])
		if reply := h.text(from, "STOP"); reply != "" {
			t.Errorf("reply to STOP: %q", reply)
		}
		if reply := h.text(from, "1"); reply != "" {
			t.Errorf("reply after STOP: %q", reply)
		}
		p, err := h.db.Participant(context.Background(), from)
		if err != nil || !p.OptedOut {
			t.Errorf("participant after STOP: %+v, %v", p, err)
		}
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || c.Step != flows.StepWho {
			t.Errorf("a message after STOP changed the wizard: %+v, %v", c, err)
		}
		h.play(from, []step{{"start", "You will get texts from USCIS Infopass again."}, {"1", "What do you need?"}})
	})

	t.Run("DuplicateMessageSid", func(t *testing.T) {
		h.t = t
		from := "+12025550109"
		h.play(from, untilType[:2])
		form := h.smsForm(from, "1")
		first := h.sendForm(form)
		second := h.sendForm(form)
		if first != second || !strings.Contains(first, "What do you need?") {
			t.Errorf("replies differ:\n%s\n---\n%s", first, second)
		}
		msgs, err := h.db.Messages(context.Background(), from)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 6 {
			t.Errorf("%d messages stored, want 6 (3 in, 3 out)", len(msgs))
		}
		c, _ := h.db.OpenConversation(context.Background(), from)
		if c == nil || c.Step != flows.StepType {
			t.Errorf("after duplicate: %+v", c)
		}
	})

	t.Run("ConcurrentFromOneNumber", func(t *testing.T) {
		h.t = t
		from := "+12025550110"
		replies := h.textAtOnce(from, "1", 20)
		for i, r := range replies {
			if r == "" {
				t.Errorf("message %d got no reply", i)
			}
		}
		// Twenty "1"s, one at a time: greeting, English, applicant, ADIT,
		// then sixteen answers that are not a date. BACK never returns to the
		// language menu (LANGUAGE does), so the history holds two steps.
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != 20 || c.Step != flows.StepADITDate || c.InvalidCount != 16 || len(c.History) != 2 {
			t.Errorf("conversation: version %d, step %s, invalid %d, history %v", c.Version, c.Step, c.InvalidCount, c.History)
		}
		msgs, err := h.db.Messages(context.Background(), from)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 40 {
			t.Errorf("%d messages stored, want 40", len(msgs))
		}
	})

	t.Run("MarkupInBody", func(t *testing.T) {
		h.t = t
		from := "+12025550111"
		const markup = "</Message><Redirect>http://x</Redirect>"
		// reply sends body and checks the raw reply is one well-formed
		// <Message> and nothing else: no verb smuggled in by the text.
		reply := func(body string) string {
			t.Helper()
			status, raw := h.post("/twilio/sms", h.smsForm(from, body), true)
			if status != http.StatusOK {
				t.Fatalf("POST /twilio/sms: %d %s", status, raw)
			}
			if n := xmlElements(t, raw); n["Response"] != 1 || n["Message"] != 1 || n["Redirect"] != 0 || len(n) != 2 {
				t.Fatalf("sent %q, reply elements %v, want one <Message> only:\n%s", body, n, raw)
			}
			return parseTwiML(t, raw).Messages[0]
		}
		h.play(from, untilType)
		h.play(from, []step{{"2", "What date do you plan to travel?"}, {"12/15/2026", "why do you need to travel"}})
		// The travel reason is free text: the markup is taken as it is typed.
		if r := reply(markup); !strings.Contains(r, "Which weekdays") {
			t.Fatalf("markup as the travel reason: %s", r)
		}
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || c.Answers.TravelReason != markup {
			t.Fatalf("stored travel reason: %+v %v", c, err)
		}
		h.play(from, []step{{"6", "time of day"}, {"2", "full name"}})
		if r := reply(markup); !strings.Contains(r, "full name in letters") {
			t.Errorf("markup as a name: %s", r)
		}
		// The review echoes the email, whose local part may hold & and '.
		h.play(from, []step{
			{"Jane Doe", "date of birth"}, {"07/21/1990", "ZIP code"}, {"10001", "born"}, {"Mexico", "receipt number"},
			{"none", "A-Number"}, {"none", "email"}, {"o'neil&co@example.org", "Reply SAME to use"},
			{"same", "(1/3)"}, {"yes", "(2/3)"},
		})
		if r := reply("yes"); !strings.Contains(r, "5 o'neil&co@example.org, (202) 555-0111") {
			t.Errorf("review does not echo the email as typed:\n%s", r)
		}
	})

	t.Run("UnsignedRejected", func(t *testing.T) {
		h.t = t
		from := "+12025550112"
		form := h.smsForm(from, "hi")
		if status, _ := h.post("/twilio/sms", form, false); status != http.StatusForbidden {
			t.Errorf("unsigned: status %d", status)
		}
		req, _ := http.NewRequest(http.MethodPost, h.base+"/twilio/sms", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", webhooks.Sign("wrong-token", h.base+"/twilio/sms", form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("wrong signature: status %d", resp.StatusCode)
		}
		// A signature for other form values does not carry over.
		tampered := h.smsForm(from, "hi")
		sig := webhooks.Sign(testToken, h.base+"/twilio/sms", tampered)
		tampered.Set("Body", "STOP")
		req, _ = http.NewRequest(http.MethodPost, h.base+"/twilio/sms", strings.NewReader(tampered.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("tampered form: status %d", resp.StatusCode)
		}
		if _, err := h.db.Participant(context.Background(), from); !errors.Is(err, postgres.ErrNotFound) {
			t.Errorf("rejected requests stored a participant: %v", err)
		}
	})
}

func TestSMSKeywordsAndTime(t *testing.T) {
	h := newHarness(t)

	t.Run("HelpAgentStatus", func(t *testing.T) {
		h.t = t
		from := "+12025550120"
		h.play(from, untilType)
		h.play(from, []step{
			{"help", "Reply BACK to go back"},
			{"Agent", "call the USCIS Contact Center at 1-800-375-5283"},
			{"infopass", "say \"Infopass\""},
			{"STATUS", "no request from this number"},
			{"status", "What do you need?"},
		})
	})

	t.Run("StatusAfterSubmission", func(t *testing.T) {
		h.t = t
		from := "+12025550121"
		h.play(from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), applicantDetails...))
		ref := reference(t, h.submitReview(from))
		reply := h.text(from, "status")
		if !strings.Contains(reply, "Request "+ref+" of November 20, 2026: received") {
			t.Errorf("status: %s", reply)
		}
	})

	t.Run("ThreeInvalidAnswersOfferHelp", func(t *testing.T) {
		h.t = t
		from := "+12025550122"
		h.play(from, untilType)
		for i, want := range []string{"number from 1 to 4", "number from 1 to 4", "Having trouble? Reply HELP"} {
			reply := h.text(from, "maybe")
			if !strings.Contains(reply, want) {
				t.Errorf("invalid answer %d: %s", i+1, reply)
			}
			if i < 2 && strings.Contains(reply, "Having trouble") {
				t.Errorf("invalid answer %d already offers help: %s", i+1, reply)
			}
		}
		h.play(from, []step{{"1", "By what date"}, {"xx", "Please type the date"}})
	})

	t.Run("Cancel", func(t *testing.T) {
		h.t = t
		from := "+12025550123"
		h.play(from, append(append([]step{}, untilType...), step{"1", "By what date"}, step{"cancel", "cancelled and nothing was sent"}))
		if _, err := h.db.OpenConversation(context.Background(), from); !errors.Is(err, postgres.ErrNotFound) {
			t.Errorf("conversation still open after CANCEL: %v", err)
		}
		h.play(from, []step{{"hi", "Are you: 1 the person"}})
	})

	t.Run("LanguageKeyword", func(t *testing.T) {
		h.t = t
		from := "+12025550124"
		h.play(from, append(append([]step{}, untilType...),
			step{"1", "By what date"},
			step{"language", "Your language?"},
			step{"99", "Reply with 1 to 13"},
			step{"back", "By what date"},
			step{"LANGUAGE", "Your language?"},
			step{"1", "By what date"}))
	})

	t.Run("IdleResume", func(t *testing.T) {
		h.t = t
		from := "+12025550125"
		h.play(from, append(append([]step{}, untilType...), step{"1", "By what date"}))
		h.advance(25 * time.Hour)
		defer h.advance(-25 * time.Hour)
		// The first text after a day away is not taken as an answer.
		h.play(from, []step{
			{"12/10/2026", "Welcome back. 1 Continue"},
			{"3", "number from 1 to 2"},
			{"1", "By what date"},
			{"12/10/2026", "Which weekdays"},
		})
		h.advance(25 * time.Hour)
		defer h.advance(-25 * time.Hour)
		h.play(from, []step{{"1", "Welcome back"}, {"2", "start over"}})
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || c.Step != flows.StepWho || c.Answers.Type != "" {
			t.Errorf("after starting over: %+v %v", c, err)
		}
	})

	t.Run("PartialAnswersExpire", func(t *testing.T) {
		h.t = t
		from := "+12025550126"
		h.play(from, append(append([]step{}, untilType...), step{"1", "By what date"}))
		h.advance(31 * 24 * time.Hour)
		defer h.advance(-31 * 24 * time.Hour)
		h.play(from, []step{{"12/10/2026", "Are you: 1 the person"}})
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || c.Answers.Type != "" || c.Version != 1 {
			t.Errorf("conversation after 31 days: %+v %v", c, err)
		}
	})

	t.Run("TooLong", func(t *testing.T) {
		h.t = t
		from := "+12025550127"
		h.play(from, untilType)
		h.play(from, []step{{strings.Repeat("a", bot.MaxTextLength+1), "too long"}})
		c, _ := h.db.OpenConversation(context.Background(), from)
		if c == nil || c.Step != flows.StepType || c.InvalidCount != 0 {
			t.Errorf("after a too-long text: %+v", c)
		}
	})
}

func TestHealth(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
