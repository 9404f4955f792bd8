package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/twilioapi/twiliotest"
)

// api calls the staff API and decodes the JSON answer.
func (h *harness) api(method, path, body, token string) (int, map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			h.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// offers returns a request's offers as the API shows them.
func (h *harness) offers(ref string) []map[string]any {
	h.t.Helper()
	status, out := h.api("GET", "/api/requests/"+ref+"/callback-offers", "", h.apiToken)
	if status != http.StatusOK {
		h.t.Fatalf("list offers: %d %v", status, out)
	}
	var list []map[string]any
	for _, o := range out["callback_offers"].([]any) {
		list = append(list, o.(map[string]any))
	}
	return list
}

// offer posts a callback window and returns the API's answer.
func (h *harness) offer(ref, start, end string) (int, map[string]any) {
	h.t.Helper()
	return h.api("POST", "/api/requests/"+ref+"/callback-offers", fmt.Sprintf(`{"start":%q,"end":%q}`, start, end), h.apiToken)
}

// eventually polls cond until it holds, failing after a generous time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fileRepresentative files an EAP request for an applicant in ZIP zip, by a
// representative texting from `from` who asks (or not) for confirmation texts.
func (h *harness) fileRepresentative(from, zip string, texts bool) string {
	h.t.Helper()
	optIn := "2"
	if texts {
		optIn = "1"
	}
	h.play(from, []step{
		{"hi", "Your language?"}, {"1", "Are you"}, {"2", "full name"}, {"Ana Pérez", "SAME"}, {"same", "email"},
		{"ana@firm.example.com", "text to confirm"}, {optIn, "online account"}, {"none", "What do you need?"},
		{"2", "travel"}, {"12/15/2026", "why"}, {"funeral", "weekdays"}, {"6", "time of day"}, {"3", "full name"},
		{"Luis Quispe", "birth"}, {"1975-02-28", "ZIP"}, {zip, "born"}, {"Peru", "receipt"}, {"none", "A-Number"},
		{"none", "email"}, {"none", "phone"}, {"+1 787 555 0142", "Please check"},
	})
	return reference(h.t, h.submitReview(from))
}

// fileApplicant files an ADIT request by an applicant texting from `from`.
// at moves the harness's clock to when, and returns the move back to the
// Friday the tests run on.
func (h *harness) at(when time.Time) (back func()) {
	h.advance(when.Sub(h.now()))
	return func() { h.advance(-h.now().Sub(friday)) }
}

// offeredTo files an applicant's request from `from`, offers the usual
// window, and waits until the offer's text is sent; it returns the
// request's reference.
func (h *harness) offeredTo(from string) string {
	h.t.Helper()
	ref := h.fileApplicant(from)
	if status, o := h.offer(ref, monday9, monday11); status != http.StatusCreated {
		h.t.Fatalf("offer: %d %v", status, o)
	}
	eventually(h.t, "the offer's text is sent", func() bool { return h.sentTo(from) == 1 })
	// And recorded so: until then the worker's transaction holds the
	// offer's row, which the expiry job skips (it takes no row a turn or
	// a worker holds) and leaves for its next pass.
	eventually(h.t, "the offer's text is recorded as sent", func() bool {
		o := h.offers(ref)
		return len(o) == 1 && o[0]["message_status"] != bot.MsgQueued && o[0]["message_status"] != bot.MsgSending
	})
	return ref
}

func (h *harness) fileApplicant(from string) string {
	h.t.Helper()
	h.play(from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), applicantDetails...))
	return reference(h.t, h.submitReview(from))
}

// The window offered in most tests: Monday after Thanksgiving week, 9 to 11
// in New York.
const (
	monday9  = "2026-11-30T09:00:00-05:00"
	monday11 = "2026-11-30T11:00:00-05:00"
)

func TestCallbackOffers(t *testing.T) {
	h := newHarness(t)

	t.Run("OfferToRepresentativeThenYes", func(t *testing.T) {
		h.t = t
		rep := "+12025550201"
		ref := h.fileRepresentative(rep, "60601", true)
		status, offer := h.offer(ref, "2026-11-30T09:00:00-06:00", "2026-11-30T11:00:00-06:00")
		if status != http.StatusCreated || offer["status"] != "awaiting" || offer["contact_role"] != "representative" || offer["zone"] != "America/Chicago" {
			t.Fatalf("offer: %d %v", status, offer)
		}
		eventually(t, "the offer text is sent", func() bool { return len(h.twilio.Messages()) == 1 })
		m := h.twilio.Messages()[0]
		want := "about request " + ref + " on Mon November 30, 2026 between 9:00 AM and 11:00 AM CST. Can you take the call? Reply YES or NO."
		if m.To != rep || m.From != serviceFrom || !strings.Contains(m.Body, want) || m.StatusCallback != h.base+"/twilio/status" {
			t.Fatalf("sent %+v\nwant body with %q", m, want)
		}
		eventually(t, "the API shows the text sent", func() bool { return h.offers(ref)[0]["message_status"] == "sent" })

		reply := h.text(rep, "Yes")
		if !strings.Contains(reply, "An officer will call you on Mon November 30, 2026 between 9:00 AM and 11:00 AM CST about request "+ref) {
			t.Errorf("reply to YES: %s", reply)
		}
		if o := h.offers(ref)[0]; o["status"] != "confirmed" || o["answered_at"] == nil {
			t.Errorf("offer after YES: %v", o)
		}

		// An hour before the window, one reminder.
		h.advance(time.Date(2026, 11, 30, 7, 59, 0, 0, mustZone("America/Chicago")).Sub(h.now()))
		time.Sleep(50 * time.Millisecond)
		if n := len(h.twilio.Messages()); n != 1 {
			t.Fatalf("%d texts before the reminder is due", n)
		}
		h.advance(2 * time.Minute)
		eventually(t, "the reminder is sent", func() bool { return len(h.twilio.Messages()) == 2 })
		if m := h.twilio.Messages()[1]; m.To != rep || !strings.Contains(m.Body, "Reminder: an officer will call you today between 9:00 AM and 11:00 AM CST") {
			t.Errorf("reminder: %+v", m)
		}
		h.advance(-h.now().Sub(friday)) // back to Friday
	})

	t.Run("NoThenBetterTimes", func(t *testing.T) {
		h.t = t
		rep := "+12025550202"
		ref := h.fileRepresentative(rep, "10001", true)
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			t.Fatal(status)
		}
		eventually(t, "the offer text is sent", func() bool { return h.sentTo(rep) == 1 })
		h.play(rep, []step{
			{"NO " + ref, "Which days and times suit you better"},
			{"Tuesday afternoons after 2", "passed that on"},
		})
		o := h.offers(ref)[0]
		if o["status"] != "declined" || o["better_times"] != "Tuesday afternoons after 2" {
			t.Errorf("offer after NO: %v", o)
		}
		// The next text is the wizard's again.
		if reply := h.text(rep, "hi"); !strings.Contains(reply, "Are you") {
			t.Errorf("after the better times: %s", reply)
		}
	})

	t.Run("ReplyMidWizardGoesToTheOffer", func(t *testing.T) {
		h.t = t
		rep := "+12025550203"
		ref := h.fileRepresentative(rep, "10001", true)
		h.play(rep, []step{{"hi", "Are you"}, {"2", "full name"}, {"Ana Pérez", "SAME"}, {"same", "email"}, {"ana@firm.example.com", "text to confirm"}})
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			t.Fatal(status)
		}
		eventually(t, "the offer text is sent", func() bool { return h.sentTo(rep) == 1 })
		reply := h.text(rep, "yes")
		if !strings.Contains(reply, "An officer will call you") || !strings.Contains(reply, "Back to your request:\nDo you want a text to confirm") {
			t.Errorf("reply mid-wizard: %s", reply)
		}
		if h.offers(ref)[0]["status"] != "confirmed" {
			t.Error("offer not confirmed")
		}
		h.play(rep, []step{{"1", "online account"}})
	})

	t.Run("ApplicantBySMS", func(t *testing.T) {
		h.t = t
		from := "+12025550204"
		ref := h.fileApplicant(from)
		status, o := h.offer(ref, monday9, monday11)
		if status != http.StatusCreated || o["contact_role"] != "applicant" || o["contact_phone"] != from {
			t.Fatalf("offer: %d %v", status, o)
		}
		eventually(t, "the offer text is sent", func() bool { return h.sentTo(from) == 1 })
	})

	t.Run("NobodyAgreedToTexts", func(t *testing.T) {
		h.t = t
		ref := h.fileRepresentative("+12025550205", "10001", false)
		status, o := h.offer(ref, monday9, monday11)
		// Nobody is texted: the contact is asked by a call instead.
		if status != http.StatusCreated || o["status"] != "awaiting" || o["ask_by"] != "call" || o["not_sent_reason"] != bot.ReasonNoConsent {
			t.Errorf("offer: %d %v", status, o)
		}
		if n := h.sentTo("+12025550205"); n != 0 {
			t.Errorf("%d texts to a contact who did not agree to texts", n)
		}
	})

	t.Run("StoppedContactGetsNothing", func(t *testing.T) {
		h.t = t
		from := "+12025550206"
		ref := h.fileApplicant(from)
		h.text(from, "STOP")
		status, o := h.offer(ref, monday9, monday11)
		// No text after STOP: the contact is asked by a call instead.
		if status != http.StatusCreated || o["status"] != "awaiting" || o["ask_by"] != "call" || o["not_sent_reason"] != bot.ReasonOptedOut {
			t.Errorf("offer: %d %v", status, o)
		}
		time.Sleep(50 * time.Millisecond)
		if n := h.sentTo(from); n != 0 {
			t.Errorf("%d texts sent to a number that sent STOP", n)
		}
	})

	t.Run("RateLimitedThenSentOnce", func(t *testing.T) {
		h.t = t
		from := "+12025550207"
		ref := h.fileApplicant(from)
		before := h.twilio.Attempts()
		h.twilio.Fail(twiliotest.Failure{Status: 429, Code: 20429}, twiliotest.Failure{Status: 503, Code: 20503})
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			t.Fatal(status)
		}
		eventually(t, "the text is sent after the retries", func() bool { return h.sentTo(from) == 1 })
		time.Sleep(50 * time.Millisecond)
		if n, a := h.sentTo(from), h.twilio.Attempts()-before; n != 1 || a != 3 {
			t.Errorf("%d texts sent in %d attempts, want 1 in 3", n, a)
		}
	})

	t.Run("CarrierOptOutIsNotRetried", func(t *testing.T) {
		h.t = t
		from := "+12025550208"
		ref := h.fileApplicant(from)
		before := h.twilio.Attempts()
		h.twilio.Fail(twiliotest.Failure{Status: 400, Code: bot.CodeUnsubscribed})
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			t.Fatal(status)
		}
		// The text is refused for good; the contact is asked by a call.
		eventually(t, "the offer is asked by call", func() bool { return h.offers(ref)[0]["ask_by"] == "call" })
		o := h.offers(ref)[0]
		if o["status"] != "awaiting" || o["not_sent_reason"] != bot.ReasonUnsubscribed || o["message_status"] != "failed" {
			t.Errorf("offer: %v", o)
		}
		time.Sleep(100 * time.Millisecond)
		if a := h.twilio.Attempts() - before; a != 1 {
			t.Errorf("%d attempts, want 1", a)
		}
		p, err := h.db.Participant(context.Background(), from)
		if err != nil || !p.OptedOut {
			t.Errorf("participant after 21610: %+v %v", p, err)
		}
		if reply := h.text(from, "hi"); reply != "" {
			t.Errorf("the bot answered a number the carrier opted out: %q", reply)
		}
	})

	t.Run("DeliveryStatusCallback", func(t *testing.T) {
		h.t = t
		from := "+12025550209"
		ref := h.offeredTo(from)
		var sid string
		for _, m := range h.twilio.Messages() {
			if m.To == from {
				sid = m.SID
			}
		}
		eventually(t, "the API knows the text was sent", func() bool { return h.offers(ref)[0]["message_status"] == "sent" })
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {testAccount}, "To": {from}}
		if status, _ := h.post("/twilio/status", form, false); status != http.StatusForbidden {
			t.Errorf("unsigned status callback: %d", status)
		}
		if status, _ := h.post("/twilio/status", form, true); status != http.StatusNoContent {
			t.Fatalf("status callback: %d", status)
		}
		if o := h.offers(ref)[0]; o["message_status"] != "delivered" {
			t.Errorf("after delivered: %v", o)
		}
		// A late "sent" does not undo "delivered".
		form.Set("MessageStatus", "sent")
		h.post("/twilio/status", form, true)
		if o := h.offers(ref)[0]; o["message_status"] != "delivered" {
			t.Errorf("after a late sent: %v", o)
		}
	})

	t.Run("ReplyAfterTheWindowStarted", func(t *testing.T) {
		h.t = t
		from := "+12025550210"
		ref := h.offeredTo(from)
		defer h.at(time.Date(2026, 11, 30, 9, 30, 0, 0, mustZone("America/New_York")))()
		if reply := h.text(from, "yes"); !strings.Contains(reply, "has already started") {
			t.Errorf("late reply: %s", reply)
		}
		if o := h.offers(ref)[0]; o["status"] != "expired" {
			t.Errorf("offer: %v", o)
		}
	})

	t.Run("UnansweredOfferExpires", func(t *testing.T) {
		h.t = t
		from := "+12025550216"
		ref := h.offeredTo(from)
		// Nobody answers; the window starts, and the job runs.
		defer h.at(time.Date(2026, 11, 30, 9, 5, 0, 0, mustZone("America/New_York")))()
		if n, err := h.db.ExpireOffers(context.Background(), h.now()); err != nil || n < 1 { // with the earlier subtests' unanswered offers
			t.Fatalf("expire: %d %v", n, err)
		}
		if o := h.offers(ref)[0]; o["status"] != "expired" || o["answered_at"] != nil {
			t.Errorf("offer after its window started: %v", o)
		}
		// A reply that day still hears that the window passed, once.
		if reply := h.text(from, "yes"); !strings.Contains(reply, "has already started") {
			t.Errorf("reply on the day: %s", reply)
		}
		if o := h.offers(ref)[0]; o["status"] != "expired" || o["answered_at"] == nil {
			t.Errorf("offer after the late reply: %v", o)
		}
	})

	t.Run("OldOfferDoesNotTakeLaterAnswers", func(t *testing.T) {
		h.t = t
		from := "+12025550217"
		ref := h.offeredTo(from)
		// Days later, unanswered and not yet expired by the job, the
		// offer does not take a yes meant for something else.
		defer h.at(time.Date(2026, 12, 3, 10, 0, 0, 0, mustZone("America/New_York")))()
		if reply := h.text(from, "yes"); strings.Contains(reply, "has already started") || reply == "" {
			t.Errorf("a yes days after the window: %q", reply)
		}
		if o := h.offers(ref)[0]; o["status"] != "awaiting" || o["answered_at"] != nil {
			t.Errorf("offer: %v", o)
		}
	})

	t.Run("StaffCancelsAnOffer", func(t *testing.T) {
		h.t = t
		from := "+12025550211"
		ref := h.fileApplicant(from)
		_, o := h.offer(ref, monday9, monday11)
		id := int64(o["id"].(float64))
		status, out := h.api("DELETE", fmt.Sprintf("/api/requests/%s/callback-offers/%d", ref, id), "", h.apiToken)
		if status != http.StatusOK || out["status"] != "cancelled" {
			t.Errorf("cancel: %d %v", status, out)
		}
		if status, _ := h.api("DELETE", fmt.Sprintf("/api/requests/%s/callback-offers/%d", ref, id+1000), "", h.apiToken); status != http.StatusNotFound {
			t.Errorf("cancel an unknown offer: %d", status)
		}
	})
}

// sentTo counts the texts the fake Twilio accepted for `to`.
func (h *harness) sentTo(to string) int {
	n := 0
	for _, m := range h.twilio.Messages() {
		if m.To == to {
			n++
		}
	}
	return n
}

func TestOutboxSurvivesRestarts(t *testing.T) {
	h := newHarness(t)

	t.Run("KilledAfterCommitBeforeSend", func(t *testing.T) {
		h.t = t
		from := "+12025550220"
		h.stop()
		h.startServer(false) // a process whose text never leaves
		ref := h.fileApplicant(from)
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			t.Fatal(status)
		}
		h.stop()
		if n := h.sentTo(from); n != 0 {
			t.Fatalf("%d texts sent before the restart", n)
		}
		h.startServer(true)
		eventually(t, "the text is sent after the restart", func() bool { return h.sentTo(from) == 1 })
		h.stop()
		h.startServer(true)
		time.Sleep(100 * time.Millisecond)
		if n := h.sentTo(from); n != 1 {
			t.Errorf("%d texts after a second restart, want 1", n)
		}
	})

	t.Run("InterruptedSendIsNotRepeated", func(t *testing.T) {
		h.t = t
		from := "+12025550221"
		h.stop()
		h.startServer(false)
		ref := h.fileApplicant(from)
		h.offer(ref, monday9, monday11)
		h.stop()
		// A worker claims the row, sends the text, and dies before
		// recording it.
		claim, err := h.db.ClaimOutbox(context.Background(), h.now(), time.Millisecond, 10, bot.ChannelSMS, bot.OutboundCaps{Hourly: 10, Daily: 10})
		if err != nil || len(claim.Messages) != 1 {
			t.Fatalf("claim: %+v %v", claim, err)
		}
		h.twilio.Add(twiliotest.Message{To: from, From: serviceFrom, Body: claim.Messages[0].Body, At: time.Now()})
		attempts := h.twilio.Attempts()
		h.startServer(true)
		eventually(t, "the interrupted text is reconciled", func() bool { return h.offers(ref)[0]["message_status"] == "sent" })
		if n, a := h.sentTo(from), h.twilio.Attempts()-attempts; n != 1 || a != 0 {
			t.Errorf("%d texts, %d new send attempts; want 1 and 0", n, a)
		}
	})
}

func TestStaffAPI(t *testing.T) {
	h := newHarness(t)
	ref := h.fileApplicant("+12025550230")
	ref2 := h.fileRepresentative("+12025550231", "94103", true)

	t.Run("ErrUnauthorized", func(t *testing.T) {
		h.t = t
		for _, token := range []string{"", "wrong", h.apiToken + "x"} {
			if status, _ := h.api("GET", "/api/requests", "", token); status != http.StatusUnauthorized {
				t.Errorf("token %q: %d", token, status)
			}
		}
		if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
			// the right token works; this also leaves one offer for the next test
			t.Fatalf("with the token: %d", status)
		}
	})

	t.Run("ErrBadJSONChangesNothing", func(t *testing.T) {
		h.t = t
		before := len(h.offers(ref))
		for _, body := range []string{
			`{"start": "tomorrow"`,
			`{"start": 5, "end": 6}`,
			`{"start": "2026-11-30T09:00:00-05:00", "end": "2026-11-30T11:00:00-05:00", "room": 4}`,
			`[]`,
		} {
			status, out := h.api("POST", "/api/requests/"+ref+"/callback-offers", body, h.apiToken)
			if status != http.StatusBadRequest || out["errors"] == nil {
				t.Errorf("%s: %d %v", body, status, out)
			}
		}
		for _, tc := range []struct{ start, end, field string }{
			{"2026-11-19T09:00:00-05:00", "2026-11-19T11:00:00-05:00", "start"}, // past
			{"2026-11-30T09:00:00-05:00", "2026-11-30T14:00:00-05:00", "end"},   // 5 hours
			{"2026-11-26T09:00:00-05:00", "2026-11-26T11:00:00-05:00", "start"}, // Thanksgiving
			{"2026-11-28T09:00:00-05:00", "2026-11-28T11:00:00-05:00", "start"}, // Saturday
			{"2026-11-30T11:00:00-05:00", "2026-11-30T09:00:00-05:00", "end"},   // backwards
			{"2026-11-30T09:00", "2026-11-30T11:00:00-05:00", "start"},          // no zone
		} {
			status, out := h.offer(ref, tc.start, tc.end)
			errs, _ := out["errors"].([]any)
			if status != http.StatusBadRequest || len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), "field:"+tc.field) {
				t.Errorf("%s–%s: %d %v", tc.start, tc.end, status, out)
			}
		}
		if after := len(h.offers(ref)); after != before {
			t.Errorf("bad requests changed the offers: %d → %d", before, after)
		}
		if status, _ := h.api("POST", "/api/requests/IP-00000000/callback-offers", `{"start":"`+monday9+`","end":"`+monday11+`"}`, h.apiToken); status != http.StatusNotFound {
			t.Errorf("unknown request: %d", status)
		}
	})

	t.Run("ListAndFilter", func(t *testing.T) {
		h.t = t
		status, out := h.api("GET", "/api/requests?type=eap", "", h.apiToken)
		list, _ := out["requests"].([]any)
		if status != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["reference"] != ref2 {
			t.Errorf("type=eap: %d %v", status, out)
		}
		_, out = h.api("GET", "/api/requests?zip=941", "", h.apiToken)
		if list, _ := out["requests"].([]any); len(list) != 1 {
			t.Errorf("zip=941: %v", out)
		}
		_, out = h.api("GET", "/api/requests?limit=1", "", h.apiToken)
		first, _ := out["requests"].([]any)
		cursor, _ := out["next_cursor"].(string)
		if len(first) != 1 || cursor == "" || first[0].(map[string]any)["reference"] != ref2 {
			t.Fatalf("limit=1: %v", out)
		}
		_, out = h.api("GET", "/api/requests?limit=1&cursor="+cursor, "", h.apiToken)
		second, _ := out["requests"].([]any)
		if len(second) != 1 || second[0].(map[string]any)["reference"] != ref {
			t.Errorf("second page: %v", out)
		}
		_, out = h.api("GET", "/api/requests?from=2026-11-21", "", h.apiToken)
		if list, _ := out["requests"].([]any); len(list) != 0 {
			t.Errorf("from=2026-11-21: %v", out)
		}
		for _, q := range []string{"status=lost", "type=x", "limit=0", "limit=500", "from=yesterday", "cursor=bm90LWEtbnVtYmVy", "language=xx", "zip=abc"} {
			if status, _ := h.api("GET", "/api/requests?"+q, "", h.apiToken); status != http.StatusBadRequest {
				t.Errorf("%s: %d", q, status)
			}
		}
	})

	t.Run("OneRequestAndStatus", func(t *testing.T) {
		h.t = t
		status, out := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
		answers, _ := out["answers"].(map[string]any)
		if status != http.StatusOK || answers["name"] != "Jane Doe" || answers["a_number"] != "A012345678" || answers["birth_date"] != "1990-07-21" {
			t.Fatalf("get: %d %v", status, out)
		}
		status, out = h.api("POST", "/api/requests/"+ref+"/status", `{"status":"scheduled","note":"Called, booked for 12/02"}`, h.apiToken)
		events, _ := out["events"].([]any)
		if status != http.StatusOK || out["status"] != "scheduled" || len(events) != 1 {
			t.Errorf("set status: %d %v", status, out)
		}
		if status, _ := h.api("POST", "/api/requests/"+ref+"/status", `{"status":"lost"}`, h.apiToken); status != http.StatusBadRequest {
			t.Errorf("bad status: %d", status)
		}
		if status, _ := h.api("GET", "/api/requests/IP-XYZ", "", h.apiToken); status != http.StatusNotFound {
			t.Errorf("bad reference: %d", status)
		}
	})

	t.Run("ApplicantWithdrawsByText", func(t *testing.T) {
		h.t = t
		from := "+12025550231"
		h.play(from, []step{
			{"cancel IP-00000000", "We found no open request IP-00000000"},
			{"CANCEL " + ref2, "Reply YES to withdraw request " + ref2},
			{"maybe", "Please reply 1 for yes or 2 for no"},
			{"yes", "Request " + ref2 + " is withdrawn"},
			{"status", "Request " + ref2 + " of November 20, 2026: closed"},
		})
		_, out := h.api("GET", "/api/requests/"+ref2, "", h.apiToken)
		if out["status"] != "closed" {
			t.Errorf("after withdrawal: %v", out["status"])
		}
		// Someone else's request cannot be withdrawn.
		h.play("+12025550299", []step{{"CANCEL " + ref, "We found no open request " + ref}})
	})
}
