package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/bot/smtpmail/smtptest"
	"infopass/bot/twilioapi/twiliotest"
)

// mailFrom is the harness's MAIL_FROM.
const mailFrom = "USCIS Infopass <infopass@uscis.example.gov>"

// withMailAndOffices restarts the harness's server with email to a real
// SMTP server on loopback, started here, and the offices of
// docs/offices.example.toml.
func (h *harness) withMailAndOffices() *smtptest.Server {
	h.t.Helper()
	mail, err := smtptest.New()
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(mail.Close)
	data, err := os.ReadFile("../../docs/offices.example.toml")
	if err != nil {
		h.t.Fatal(err)
	}
	offices, err := bot.ParseOffices(data)
	if err != nil {
		h.t.Fatalf("docs/offices.example.toml: %v", err)
	}
	h.restart(func(cfg *config) {
		cfg.SMTPURL, cfg.MailFrom, cfg.Offices = mail.URL, mailFrom, offices
	})
	return mail
}

// mailTo waits for the n-th email to addr (from 1) and returns it parsed.
func mailTo(t *testing.T, mail *smtptest.Server, addr string, n int) smtptest.Parsed {
	t.Helper()
	eventually(t, fmt.Sprintf("email %d to %s arrives", n, addr), func() bool { return len(mail.To(addr)) >= n })
	p, err := mail.To(addr)[n-1].Parse()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// textsTo returns the bodies of the texts sent to `to`, in order.
func (h *harness) textsTo(to string) []string {
	var out []string
	for _, m := range h.twilio.Messages() {
		if m.To == to {
			out = append(out, m.Body)
		}
	}
	return out
}

// checkNoSecrets fails when an email carries the applicant's A-Number,
// receipt number or date of birth, in any part or form.
func checkNoSecrets(t *testing.T, p smtptest.Parsed) {
	t.Helper()
	for _, part := range []string{p.Subject, p.Text, p.HTML} {
		for _, secret := range []string{"A012345678", "12345678", "IOE0912345678", "0912345678", "IOE-091", "07/21/1990",
			"1990-07-21", "July 21, 1990", "21 de julio de 1990", "EAC2190123456", "2190123456"} {
			if strings.Contains(part, secret) {
				t.Errorf("the email carries %q:\n%s", secret, part)
			}
		}
	}
}

func TestFilingConfirmedByEmail(t *testing.T) {
	h := newHarness(t)
	mail := h.withMailAndOffices()

	t.Run("SMSFilingInEnglish", func(t *testing.T) {
		h.t = t
		ref := h.fileApplicant("+12025550601")
		p := mailTo(t, mail, "jane.doe@example.org", 1)
		if p.Subject != "Your USCIS Infopass request "+ref {
			t.Errorf("subject %q", p.Subject)
		}
		for _, want := range []string{
			"Your request number is " + ref, "This is a request, not an appointment",
			"ADIT stamp, needed by December 10, 2026", "Best time for the call: Monday, Wednesday, mornings",
			"The office will call (202) 555-0601", "What to bring", "This service is free",
			"Call the USCIS Contact Center at 1-800-375-5283",
		} {
			if !strings.Contains(p.Text, want) || !strings.Contains(p.HTML, strings.ReplaceAll(want, `"`, "&#34;")) {
				t.Errorf("the email lacks %q in its text or HTML part:\n%s\n%s", want, p.Text, p.HTML)
			}
		}
		if !strings.Contains(p.HTML, `<html lang="en"`) || p.Header.Get("Message-Id") == "" || !strings.Contains(p.Header.Get("From"), "infopass@uscis.example.gov") {
			t.Errorf("headers %v\n%s", p.Header, p.HTML)
		}
		checkNoSecrets(t, p)
		// Sent once, also after a restart.
		h.restart(h.tune)
		time.Sleep(200 * time.Millisecond)
		if n := len(mail.To("jane.doe@example.org")); n != 1 {
			t.Errorf("%d emails, want 1", n)
		}
	})

	t.Run("PhoneFilingInSpanish", func(t *testing.T) {
		h.t = t
		from := "+12025550602"
		// By phone in Spanish, as an applicant, the email question goes on
		// by text (an address cannot be keyed), where the request is sent.
		c := h.call(from)
		for _, keys := range []string{"2", "1", "1", "10122026", "1", "2#", "2", "Juana Pérez", "1", "21071990", "1", "10001#", "1",
			"México", "1", "*", "12345678#", "1"} {
			c.do(keys, "")
		}
		c.do("1", "Le enviamos un mensaje de texto")
		eventually(t, "the text to finish by SMS is sent", func() bool { return h.sentTo(from) == 1 })
		reply := h.play(from, []step{{"juana@example.org", "MISMO"}, {"mismo", "Revise sus datos (1/3)"}})
		for i := 0; i < 5 && strings.Contains(reply, "Revise sus datos"); i++ {
			reply = h.text(from, "sí")
		}
		ref := reference(t, reply)
		p := mailTo(t, mail, "juana@example.org", 1)
		if p.Subject != "Su solicitud de USCIS Infopass "+ref {
			t.Errorf("subject %q", p.Subject)
		}
		for _, want := range []string{"Su número de solicitud es " + ref, "Esto es una solicitud, no una cita",
			"Sello ADIT", "10 de diciembre de 2026", "Mejor momento para la llamada: martes, por las tardes", "Este servicio es gratuito"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("the Spanish email lacks %q:\n%s", want, p.Text)
			}
		}
		if !strings.Contains(p.HTML, `<html lang="es"`) || !strings.Contains(p.HTML, "Su número de solicitud es "+ref) {
			t.Errorf("HTML part:\n%s", p.HTML)
		}
		checkNoSecrets(t, p)
	})

	t.Run("RefusedRecipientIsNotRetried", func(t *testing.T) {
		h.t = t
		mail.Refuse("gone@example.org")
		from := "+12025550603"
		script := append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), applicantDetails...)
		for i, s := range script {
			if s.send == "jane.doe@example.org" {
				script[i].send = "gone@example.org"
			}
		}
		h.play(from, script)
		ref := reference(t, h.submitReview(from))
		eventually(t, "the refusal is recorded", func() bool {
			var status string
			var code *int
			err := h.scan(`SELECT o.status, o.error_code FROM outbox o JOIN requests r ON r.id = o.request_id
				WHERE r.reference = $1 AND o.channel = 'email'`, []any{ref}, &status, &code)
			return err == nil && status == "failed" && code != nil && *code == 550
		})
		var attempts int
		if err := h.scan(`SELECT o.attempts FROM outbox o JOIN requests r ON r.id = o.request_id
			WHERE r.reference = $1 AND o.channel = 'email'`, []any{ref}, &attempts); err != nil || attempts != 1 {
			t.Errorf("%d attempts (%v), want 1", attempts, err)
		}
		// Counted as the email it is, apart from texts and calls.
		_, series := h.scrape()
		for s, want := range map[string]float64{
			`infopass_outbox_sends_total{channel="email",result="refused"}`: 1,
			`infopass_outbox_sends_total{channel="email",result="retry"}`:   0,
			`infopass_outbox_sends_total{channel="sms",result="failed"}`:    0,
			`infopass_outbox_depth{channel="email"}`:                        0,
		} {
			if got, ok := series[s]; !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", s, got, ok, want)
			}
		}
	})
}

func TestEmailOffWithoutSMTP(t *testing.T) {
	h := newHarness(t)
	ref := h.fileApplicant("+12025550611")
	if !strings.Contains(h.logs.String(), "email is off") {
		t.Error("serve does not say that email is off")
	}
	var status string
	if err := h.scan(`SELECT o.status FROM outbox o JOIN requests r ON r.id = o.request_id
		WHERE r.reference = $1 AND o.channel = 'email'`, []any{ref}, &status); err != nil || status != "queued" {
		t.Errorf("the email row: %q %v, want it queued", status, err)
	}
	// /metrics shows it waiting, as an email.
	if _, series := h.scrape(); series[`infopass_outbox_depth{channel="email"}`] != 1 {
		t.Errorf("emails waiting, by /metrics: %v, want 1", series[`infopass_outbox_depth{channel="email"}`])
	}
}

// appointment records an appointment through the API.
func (h *harness) appointment(ref, start, office, note string) (int, map[string]any) {
	h.t.Helper()
	return h.api("POST", "/api/requests/"+ref+"/appointment", fmt.Sprintf(`{"start":%q,"office":%q,"note":%q}`, start, office, note), h.apiToken)
}

func TestAppointmentNotice(t *testing.T) {
	h := newHarness(t)
	mail := h.withMailAndOffices()
	ny := mustZone("America/New_York")

	t.Run("NoticeReminderAndCancelByText", func(t *testing.T) {
		h.t = t
		from := "+12025550621"
		ref := h.fileApplicant(from)
		mailTo(t, mail, "jane.doe@example.org", 1) // the filing's confirmation

		for _, tc := range []struct{ body, field string }{
			{`{"start":"2026-12-02T10:00:00-05:00","office":"atlantis"}`, "office"},
			{`{"start":"2026-11-19T10:00:00-05:00","office":"new-york"}`, "start"},
			{`{"start":"2026-11-28T10:00:00-05:00","office":"new-york"}`, "start"}, // Saturday
			{`{"start":"2026-12-02T22:00:00-05:00","office":"new-york"}`, "start"}, // at night
			{`{"start":"tomorrow","office":"new-york"}`, "start"},
			{`{"office":"new-york"}`, "start"},
		} {
			status, out := h.api("POST", "/api/requests/"+ref+"/appointment", tc.body, h.apiToken)
			if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["errors"]), "field:"+tc.field) {
				t.Errorf("%s: %d %v", tc.body, status, out)
			}
		}
		if n := len(h.textsTo(from)); n != 0 {
			t.Fatalf("%d texts after refused appointments", n)
		}

		status, out := h.appointment(ref, "2026-12-02T10:00:00-05:00", "new-york", "Window 4")
		if status != http.StatusCreated || out["status"] != "booked" || out["office_name"] != "New York City Field Office" {
			t.Fatalf("appointment: %d %v", status, out)
		}
		_, req := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
		if req["status"] != "scheduled" {
			t.Errorf("request status %v", req["status"])
		}
		eventually(t, "the notice's two texts are sent", func() bool { return len(h.textsTo(from)) == 2 })
		texts := h.textsTo(from)
		want := "USCIS Infopass: your appointment for request " + ref + " is on Wednesday, December 2, 2026, at 10:00 AM EST, at New York City Field Office, 26 Federal Plaza, Room 3-120, New York, NY 10278."
		if texts[0] != want {
			t.Errorf("notice:\n%s\nwant\n%s", texts[0], want)
		}
		if !strings.Contains(texts[1], "Form I-551") || !strings.Contains(texts[1], "reply CANCEL "+ref) {
			t.Errorf("what to bring: %s", texts[1])
		}
		p := mailTo(t, mail, "jane.doe@example.org", 2)
		if p.Subject != "Your USCIS appointment on December 2, 2026 (request "+ref+")" || !strings.Contains(p.Text, want) ||
			!strings.Contains(p.Text, "Form I-551") || !strings.Contains(p.HTML, "26 Federal Plaza") {
			t.Errorf("notice email %q:\n%s", p.Subject, p.Text)
		}
		checkNoSecrets(t, p)

		// The reminder: the day before at noon, not earlier.
		back := h.at(time.Date(2026, 12, 1, 11, 58, 0, 0, ny))
		time.Sleep(300 * time.Millisecond)
		if n := len(h.textsTo(from)); n != 2 {
			t.Fatalf("%d texts before the reminder is due", n)
		}
		h.advance(3 * time.Minute)
		eventually(t, "the reminder is sent", func() bool { return len(h.textsTo(from)) == 4 })
		if r := h.textsTo(from)[2]; !strings.Contains(r, "Reminder: your USCIS appointment is tomorrow, Wednesday, December 2, 2026, at 10:00 AM EST, at New York City Field Office") {
			t.Errorf("reminder: %s", r)
		}
		if r := h.textsTo(from)[3]; !strings.Contains(r, "reply CANCEL "+ref) {
			t.Errorf("reminder's second text: %s", r)
		}
		if p := mailTo(t, mail, "jane.doe@example.org", 3); !strings.HasPrefix(p.Subject, "Reminder: your USCIS appointment tomorrow") {
			t.Errorf("reminder email %q", p.Subject)
		}

		// The applicant cannot come.
		h.play(from, []step{{"CANCEL " + ref, "Reply YES to withdraw request " + ref}, {"yes", "is withdrawn"}})
		_, req = h.api("GET", "/api/requests/"+ref, "", h.apiToken)
		appts, _ := req["appointments"].([]any)
		if req["status"] != "closed" || len(appts) != 1 || appts[0].(map[string]any)["status"] != "withdrawn" {
			t.Errorf("after CANCEL: %v %v", req["status"], appts)
		}
		withdrawn, err := h.db.WithdrawnAppointments(context.Background(), h.now())
		if err != nil || len(withdrawn) != 1 || withdrawn[0].Reference != ref {
			t.Errorf("the queue's withdrawn appointments: %+v %v", withdrawn, err)
		}
		back()
	})

	t.Run("MovedThenCancelled", func(t *testing.T) {
		h.t = t
		from := "+12025550622"
		ref := h.fileApplicant(from)
		if status, out := h.appointment(ref, "2026-12-02T10:00:00-05:00", "new-york", ""); status != http.StatusCreated {
			t.Fatalf("appointment: %d %v", status, out)
		}
		eventually(t, "the notice is sent", func() bool { return len(h.textsTo(from)) == 2 })
		// Moved to Chicago, in its zone.
		if status, out := h.appointment(ref, "2026-12-04T14:30:00-06:00", "chicago", "moved at their request"); status != http.StatusCreated {
			t.Fatalf("move: %d %v", status, out)
		}
		eventually(t, "the notice of the move is sent", func() bool { return len(h.textsTo(from)) == 4 })
		if m := h.textsTo(from)[2]; !strings.Contains(m, "was moved to Friday, December 4, 2026, at 2:30 PM CST, at Chicago Field Office") {
			t.Errorf("move notice: %s", m)
		}
		// The first appointment's reminder is not sent; the new one's is.
		back := h.at(time.Date(2026, 12, 1, 12, 5, 0, 0, ny))
		time.Sleep(300 * time.Millisecond)
		if n := len(h.textsTo(from)); n != 4 {
			t.Errorf("%d texts: the reminder of the moved appointment went out", n)
		}
		back()
		status, out := h.api("DELETE", "/api/requests/"+ref+"/appointment", "", h.apiToken)
		if status != http.StatusOK || out["status"] != "cancelled" {
			t.Fatalf("cancel: %d %v", status, out)
		}
		eventually(t, "the notice of the cancellation is sent", func() bool { return len(h.textsTo(from)) == 5 })
		if m := h.textsTo(from)[4]; !strings.Contains(m, "the office cancelled your appointment of December 4, 2026 for request "+ref) {
			t.Errorf("cancel notice: %s", m)
		}
		_, req := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
		if req["status"] != "submitted" {
			t.Errorf("status after the cancellation: %v", req["status"])
		}
		if status, _ := h.api("DELETE", "/api/requests/"+ref+"/appointment", "", h.apiToken); status != http.StatusBadRequest {
			t.Errorf("cancel twice: %d", status)
		}
		_, access := h.api("GET", "/api/requests/"+ref+"/access", "", h.apiToken)
		actions := fmt.Sprint(access["access"])
		if strings.Count(actions, "action:appointment") != 2 || strings.Count(actions, "action:cancel_appointment") != 1 {
			t.Errorf("access log: %s", actions)
		}
		// Later: the day of the first reminder and after, nothing more.
		defer h.at(time.Date(2026, 12, 3, 12, 5, 0, 0, ny))()
		time.Sleep(300 * time.Millisecond)
		if n := len(h.textsTo(from)); n != 5 {
			t.Errorf("%d texts after the cancellation", n)
		}
	})

	// Staff close a request with its appointment still to come, or set it
	// back to submitted: the appointment is cancelled, its reminder never
	// goes, and the person is told (a closed request: nobody calls again).
	for _, tc := range []struct {
		status, from, email, want string
	}{
		{"closed", "+12025550624", "closed@example.org", "and closed the request. Do not go to the office for it."},
		{"submitted", "+12025550625", "submitted@example.org", "The office will contact you again."},
	} {
		t.Run("StatusSetTo_"+tc.status, func(t *testing.T) {
			h.t = t
			// An address of its own: jane.doe's has had its day's emails.
			details := append([]step{}, applicantDetails...)
			for i := range details {
				if details[i].send == "jane.doe@example.org" {
					details[i].send = tc.email
				}
			}
			h.play(tc.from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), details...))
			ref := reference(t, h.submitReview(tc.from))
			if status, out := h.appointment(ref, "2026-12-02T10:00:00-05:00", "new-york", ""); status != http.StatusCreated {
				t.Fatalf("appointment: %d %v", status, out)
			}
			eventually(t, "the notice is sent", func() bool { return len(h.textsTo(tc.from)) == 2 })
			status, out := h.api("POST", "/api/requests/"+ref+"/status", fmt.Sprintf(`{"status":%q,"note":"no longer needed"}`, tc.status), h.apiToken)
			if status != http.StatusOK {
				t.Fatalf("status: %d %v", status, out)
			}
			eventually(t, "the notice of the cancellation is sent", func() bool { return len(h.textsTo(tc.from)) == 3 })
			if m := h.textsTo(tc.from)[2]; !strings.Contains(m, "the office cancelled your appointment of December 2, 2026 for request "+ref) || !strings.Contains(m, tc.want) {
				t.Errorf("cancel notice: %s", m)
			}
			eventually(t, "the cancellation's email arrives", func() bool {
				for _, m := range mail.To(tc.email) {
					if p, err := m.Parse(); err == nil && p.Subject == "Your USCIS appointment was cancelled (request "+ref+")" {
						return strings.Contains(p.Text, tc.want)
					}
				}
				return false
			})
			_, req := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
			appts, _ := req["appointments"].([]any)
			if req["status"] != tc.status || len(appts) != 1 || appts[0].(map[string]any)["status"] != "cancelled" {
				t.Errorf("after the status change: %v %v", req["status"], appts)
			}
			// The reminder was queued with the appointment and is cancelled.
			var reminders []string
			if err := h.scan(`SELECT array_agg(o.status ORDER BY o.id) FROM outbox o JOIN requests r ON r.id = o.request_id
				WHERE r.reference = $1 AND o.kind = 'appointment_reminder'`, []any{ref}, &reminders); err != nil || len(reminders) == 0 {
				t.Fatalf("reminders %v: %v", reminders, err)
			}
			for _, s := range reminders {
				if s != "cancelled" {
					t.Errorf("reminders %v, want every one cancelled", reminders)
					break
				}
			}
			// The day before: no reminder.
			defer h.at(time.Date(2026, 12, 1, 12, 5, 0, 0, ny))()
			time.Sleep(300 * time.Millisecond)
			if n := len(h.textsTo(tc.from)); n != 3 {
				t.Errorf("%d texts: the reminder of the cancelled appointment went out", n)
			}
		})
	}

	// An appointment already past when the request is closed stays on
	// record as booked, and nobody is told of a cancellation.
	t.Run("ClosedAfterTheAppointment", func(t *testing.T) {
		h.t = t
		from := "+12025550626"
		details := append([]step{}, applicantDetails...)
		for i := range details {
			if details[i].send == "jane.doe@example.org" {
				details[i].send = "past@example.org"
			}
		}
		h.play(from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), details...))
		ref := reference(t, h.submitReview(from))
		if status, out := h.appointment(ref, "2026-12-02T10:00:00-05:00", "new-york", ""); status != http.StatusCreated {
			t.Fatalf("appointment: %d %v", status, out)
		}
		defer h.at(time.Date(2026, 12, 3, 12, 0, 0, 0, ny))()
		if status, out := h.api("POST", "/api/requests/"+ref+"/status", `{"status":"closed","note":"seen"}`, h.apiToken); status != http.StatusOK {
			t.Fatalf("status: %d %v", status, out)
		}
		_, req := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
		appts, _ := req["appointments"].([]any)
		if req["status"] != "closed" || len(appts) != 1 || appts[0].(map[string]any)["status"] != "booked" {
			t.Errorf("after closing: %v %v", req["status"], appts)
		}
		var n int
		if err := h.scan(`SELECT count(*) FROM outbox o JOIN requests r ON r.id = o.request_id
			WHERE r.reference = $1 AND o.kind = 'appointment_cancelled'`, []any{ref}, &n); err != nil || n != 0 {
			t.Errorf("%d notices of a cancellation (%v), want none", n, err)
		}
	})

	t.Run("TextsOnlyToThoseWhoAccepted", func(t *testing.T) {
		h.t = t
		rep := "+12025550623"
		ref := h.fileRepresentative(rep, "10001", false)
		if status, out := h.appointment(ref, "2026-12-02T10:00:00-05:00", "new-york", ""); status != http.StatusCreated {
			t.Fatalf("appointment: %d %v", status, out)
		}
		p := mailTo(t, mail, "ana@firm.example.com", 2)
		if !strings.HasPrefix(p.Subject, "Your USCIS appointment on December 2, 2026") || !strings.Contains(p.Text, "two passport photos") {
			t.Errorf("representative's email %q:\n%s", p.Subject, p.Text)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(h.textsTo(rep)); n != 0 {
			t.Errorf("%d texts to a representative who declined texts", n)
		}
	})
}

// tuesdayMornings files an ADIT request from `from` whose applicant asked
// to be called on Tuesday mornings.
func (h *harness) tuesdayMornings(from string) string {
	h.t.Helper()
	details := append([]step{{"2", "What time of day"}}, applicantDetails[1:]...)
	h.play(from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), details...))
	return reference(h.t, h.submitReview(from))
}

func TestOffersFitThePerson(t *testing.T) {
	h := newHarness(t)
	from := "+12025550631"
	ref := h.tuesdayMornings(from)
	r, err := h.db.Request(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	ny := mustZone("America/New_York")
	windows := bot.ProposeWindows(r, h.now())
	for i, day := range []int{24, 1, 8} {
		month := time.December
		if i == 0 {
			month = time.November
		}
		start, end := time.Date(2026, month, day, 9, 0, 0, 0, ny), time.Date(2026, month, day, 12, 0, 0, 0, ny)
		if i >= len(windows) || !windows[i].Start.Equal(start) || !windows[i].End.Equal(end) {
			t.Fatalf("proposed windows %v, want the next three Tuesday mornings from November 24", windows)
		}
	}
	// Monday is not a day they asked for: the API asks for the officer's
	// confirmation, and changes nothing.
	status, out := h.offer(ref, monday9, monday11)
	if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["errors"]), "field:outside_preferences") ||
		!strings.Contains(fmt.Sprint(out["errors"]), "Tuesday; mornings") {
		t.Errorf("offer outside the preferences: %d %v", status, out)
	}
	// Tuesday afternoon neither.
	if status, _ := h.offer(ref, "2026-11-24T13:00:00-05:00", "2026-11-24T15:00:00-05:00"); status != http.StatusBadRequest {
		t.Errorf("Tuesday afternoon: %d", status)
	}
	if n := len(h.offers(ref)); n != 0 {
		t.Fatalf("%d offers after refusals", n)
	}
	// A proposed window goes through; so does Monday, confirmed.
	w := windows[0]
	if status, out := h.offer(ref, w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339)); status != http.StatusCreated {
		t.Errorf("proposed window: %d %v", status, out)
	}
	status, out = h.api("POST", "/api/requests/"+ref+"/callback-offers",
		fmt.Sprintf(`{"start":%q,"end":%q,"outside_preferences":true}`, monday9, monday11), h.apiToken)
	if status != http.StatusCreated {
		t.Errorf("confirmed outside window: %d %v", status, out)
	}
	if status, out := h.api("POST", "/api/requests/"+ref+"/callback-offers",
		fmt.Sprintf(`{"start":%q,"end":%q,"outside_preferences":"yes"}`, monday9, monday11), h.apiToken); status != http.StatusBadRequest {
		t.Errorf("outside_preferences as a string: %d %v", status, out)
	}
}

// callDoc is the part of a call's TwiML the tests read.
type callDoc struct {
	Says    []string  `xml:"Say"`
	Plays   []string  `xml:"Play"`
	Hangup  *struct{} `xml:"Hangup"`
	Dial    string    `xml:"Dial"`
	Gathers []struct {
		Action    string   `xml:"action,attr"`
		NumDigits string   `xml:"numDigits,attr"`
		Input     string   `xml:"input,attr"`
		Says      []string `xml:"Say"`
		Plays     []string `xml:"Play"`
	} `xml:"Gather"`
}

// said is everything a document says, one line.
func (d callDoc) said() string {
	parts := append([]string(nil), d.Says...)
	for _, g := range d.Gathers {
		parts = append(parts, g.Says...)
	}
	return strings.Join(parts, " ")
}

// twilioCall follows an availability call as Twilio would: it fetches the
// URL the call was placed with, then the action URLs its TwiML names.
type twilioCall struct {
	h    *harness
	call twiliotest.Call
	last callDoc
}

// callsTo returns the calls placed to `to`.
func (h *harness) callsTo(to string) []twiliotest.Call {
	var out []twiliotest.Call
	for _, c := range h.twilio.Calls() {
		if c.To == to {
			out = append(out, c)
		}
	}
	return out
}

// answer answers the n-th call to `to` (from 1), as answeredBy (human,
// machine_end_beep…), and returns what it says.
func (h *harness) answer(to string, n int, answeredBy string) *twilioCall {
	h.t.Helper()
	eventually(h.t, fmt.Sprintf("call %d to %s is placed", n, to), func() bool { return len(h.callsTo(to)) >= n })
	c := &twilioCall{h: h, call: h.callsTo(to)[n-1]}
	c.recorded()
	c.post(c.call.URL, url.Values{"AnsweredBy": {answeredBy}})
	return c
}

// recorded waits until the service recorded the call's sid, as it does
// right after Twilio accepts the call: Twilio's first status callbacks
// may come before, and those of an unknown call are ignored.
func (c *twilioCall) recorded() {
	c.h.t.Helper()
	eventually(c.h.t, "the call's sid is recorded", func() bool {
		var n int
		err := c.h.scan(`SELECT count(*) FROM outbox WHERE provider_sid = $1`, []any{c.call.SID}, &n)
		return err == nil && n == 1
	})
}

// post posts Twilio's form for the call to target, signed, and keeps the
// TwiML it gets.
func (c *twilioCall) post(target string, extra url.Values) {
	h := c.h
	h.t.Helper()
	form := url.Values{"CallSid": {c.call.SID}, "AccountSid": {testAccount}, "From": {serviceFrom}, "To": {c.call.To},
		"CallStatus": {"in-progress"}, "Direction": {"outbound-api"}}
	for k, v := range extra {
		form[k] = v
	}
	path := strings.TrimPrefix(target, h.base)
	status, body := h.post(path, form, true)
	if status != http.StatusOK {
		h.t.Fatalf("POST %s: %d %s", path, status, body)
	}
	c.last = callDoc{}
	if err := xml.Unmarshal([]byte(body), &c.last); err != nil {
		h.t.Fatalf("not TwiML: %v\n%s", err, body)
	}
}

// press sends keys to the last <Gather>'s action.
func (c *twilioCall) press(keys string) *twilioCall {
	c.h.t.Helper()
	if len(c.last.Gathers) != 1 {
		c.h.t.Fatalf("no question to answer: %+v", c.last)
	}
	c.post(c.last.Gathers[0].Action, url.Values{"Digits": {keys}})
	return c
}

// status posts a status callback of the call.
func (c *twilioCall) status(status string) {
	c.h.t.Helper()
	form := url.Values{"CallSid": {c.call.SID}, "CallStatus": {status}, "AccountSid": {testAccount}, "To": {c.call.To}}
	if code, _ := c.h.post("/twilio/status", form, true); code != http.StatusNoContent {
		c.h.t.Fatalf("status callback: %d", code)
	}
}

func TestAvailabilityCalls(t *testing.T) {
	h := newHarness(t)

	// A representative who declined texts is asked by phone.
	offerByCall := func(t *testing.T, rep, zip, start, end string) (string, map[string]any) {
		ref := h.fileRepresentative(rep, zip, false)
		status, o := h.offer(ref, start, end)
		if status != http.StatusCreated || o["ask_by"] != "call" || o["status"] != "awaiting" || o["not_sent_reason"] != bot.ReasonNoConsent {
			t.Fatalf("offer: %d %v", status, o)
		}
		return ref, o
	}

	t.Run("Confirmed", func(t *testing.T) {
		h.t = t
		rep := "+12025550641"
		ref, o := offerByCall(t, rep, "10001", monday9, monday11)
		c := h.answer(rep, 1, "human")
		wantURL := fmt.Sprintf("%s/twilio/availability?offer=%v&call=", h.base, o["id"])
		if !strings.HasPrefix(c.call.URL, wantURL) || c.call.From != serviceFrom || c.call.MachineDetection != "DetectMessageEnd" ||
			c.call.StatusCallback != h.base+"/twilio/status" {
			t.Errorf("call placed: %+v", c.call)
		}
		said := c.last.said()
		for _, want := range []string{"this is USCIS Infopass, calling about your request for an appointment",
			"An officer can call you on Monday, November 30, 2026, between 9:00 AM and 11:00 AM.", "press 1", "press 2", "press 0"} {
			if !strings.Contains(said, want) {
				t.Errorf("the call does not say %q: %s", want, said)
			}
		}
		if g := c.last.Gathers[0]; g.NumDigits != "1" || g.Input != "dtmf" {
			t.Errorf("gather: %+v", g)
		}
		// A key that means nothing asks again.
		c.press("7")
		if !strings.Contains(c.last.said(), "Sorry, I did not get that.") || len(c.last.Gathers) != 1 {
			t.Errorf("after 7: %+v", c.last)
		}
		c.press("1")
		if !strings.Contains(c.last.said(), "An officer will call you then") || c.last.Hangup == nil {
			t.Errorf("after 1: %+v", c.last)
		}
		c.status("ringing")
		c.status("completed")
		got := h.offers(ref)[0]
		if got["status"] != "confirmed" || got["answered_at"] == nil || got["call_status"] != "completed" {
			t.Errorf("offer after the call: %v", got)
		}
		// A late "ringing" does not undo "completed".
		c.status("ringing")
		if got := h.offers(ref)[0]; got["call_status"] != "completed" {
			t.Errorf("after a late ringing: %v", got)
		}
		if n := h.sentTo(rep); n != 0 {
			t.Errorf("%d texts to a contact who declined texts", n)
		}
	})

	t.Run("DeclinedWithBetterTimes", func(t *testing.T) {
		h.t = t
		rep := "+12025550642"
		ref, _ := offerByCall(t, rep, "10001", monday9, monday11)
		c := h.answer(rep, 1, "human").press("2")
		if !strings.Contains(c.last.said(), "For mornings, press 1") {
			t.Fatalf("after 2: %s", c.last.said())
		}
		c.press("1")
		if !strings.Contains(c.last.said(), "Which weekdays suit you") {
			t.Fatalf("after mornings: %s", c.last.said())
		}
		c.press("24")
		if !strings.Contains(c.last.said(), "the office will offer you another time") || c.last.Hangup == nil {
			t.Errorf("after the days: %+v", c.last)
		}
		got := h.offers(ref)[0]
		if got["status"] != "declined" || got["better_times"] != "By phone keypad: mornings; Tuesday, Thursday" || got["answered_at"] == nil {
			t.Errorf("offer: %v", got)
		}
	})

	t.Run("PersonAsked", func(t *testing.T) {
		h.t = t
		rep := "+12025550643"
		offerByCall(t, rep, "10001", monday9, monday11)
		c := h.answer(rep, 1, "human").press("0")
		if c.last.Dial != "+18003755283" {
			t.Errorf("0 dialed %q", c.last.Dial)
		}
	})

	t.Run("MachineThenOneRetry", func(t *testing.T) {
		h.t = t
		rep := "+12025550644"
		ref, _ := offerByCall(t, rep, "10001", monday9, monday11)
		defer func() { h.advance(-h.now().Sub(friday)) }() // back to the Friday, however the test ends
		c := h.answer(rep, 1, "machine_end_beep")
		said := c.last.said()
		if !strings.Contains(said, "We will call you again") || !strings.Contains(said, "1-800-375-5283") || c.last.Hangup == nil || len(c.last.Gathers) != 0 {
			t.Errorf("message left: %+v", c.last)
		}
		c.status("completed")
		if got := h.offers(ref)[0]; got["status"] != "no_answer" {
			t.Errorf("offer after the machine: %v", got)
		}
		// One retry, two hours later.
		h.advance(119 * time.Minute)
		time.Sleep(300 * time.Millisecond)
		if n := len(h.callsTo(rep)); n != 1 {
			t.Fatalf("%d calls before the retry is due", n)
		}
		h.advance(2 * time.Minute)
		retry := h.answer(rep, 2, "machine_start")
		retry.status("completed")
		h.advance(3 * time.Hour)
		time.Sleep(300 * time.Millisecond)
		if n := len(h.callsTo(rep)); n != 2 {
			t.Errorf("%d calls, want the first and one retry", n)
		}
		// A person who answers the retry's number later still may not
		// answer an old call: the offer stays no_answer.
		if got := h.offers(ref)[0]; got["status"] != "no_answer" {
			t.Errorf("offer: %v", got)
		}
	})

	t.Run("NobodyAnswersThenRetryAnswered", func(t *testing.T) {
		h.t = t
		rep := "+12025550645"
		ref, _ := offerByCall(t, rep, "10001", monday9, monday11)
		defer func() { h.advance(-h.now().Sub(friday)) }()
		eventually(t, "the call is placed", func() bool { return len(h.callsTo(rep)) == 1 })
		first := &twilioCall{h: h, call: h.callsTo(rep)[0]}
		first.recorded()
		first.status("ringing")
		first.status("no-answer")
		if got := h.offers(ref)[0]; got["status"] != "no_answer" || got["call_status"] != "no-answer" {
			t.Errorf("after no answer: %v", got)
		}
		h.advance(2*time.Hour + time.Minute)
		h.answer(rep, 2, "human").press("1")
		if got := h.offers(ref)[0]; got["status"] != "confirmed" {
			t.Errorf("after the retry was answered: %v", got)
		}
	})

	t.Run("OutsideCallingHoursWaits", func(t *testing.T) {
		h.t = t
		rep := "+12025550646"
		la := mustZone("America/Los_Angeles")
		// 10 AM in New York is 7 AM in San Francisco: too early to call.
		offerByCall(t, rep, "94103", "2026-11-30T09:00:00-08:00", "2026-11-30T11:00:00-08:00")
		time.Sleep(300 * time.Millisecond)
		if n := len(h.callsTo(rep)); n != 0 {
			t.Fatalf("%d calls at 7 AM the contact's time", n)
		}
		defer h.at(time.Date(2026, 11, 20, 9, 0, 30, 0, la))()
		c := h.answer(rep, 1, "human")
		if !strings.Contains(c.last.said(), "between 9:00 AM and 11:00 AM") {
			t.Errorf("the window in the contact's zone: %s", c.last.said())
		}
	})

	t.Run("ErrUnsigned", func(t *testing.T) {
		h.t = t
		form := url.Values{"CallSid": {"CA" + strings.Repeat("1", 32)}, "AnsweredBy": {"human"}}
		if status, _ := h.post("/twilio/availability?offer=1&call=1", form, false); status != http.StatusForbidden {
			t.Errorf("unsigned: %d", status)
		}
		// Signed, but the call is not about that offer: the call ends.
		status, body := h.post("/twilio/availability?offer=999&call=1", form, true)
		if status != http.StatusOK || !strings.Contains(body, "<Hangup") {
			t.Errorf("another offer's call: %d %s", status, body)
		}
	})
}

// scan runs a query on the harness's database and scans its one row.
func (h *harness) scan(sql string, args []any, dest ...any) error {
	conn, err := pgx.Connect(context.Background(), h.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(context.Background(), sql, args...).Scan(dest...)
}

// TestAvailabilityCallFromMessagingService runs the deployment the docs
// recommend, a Messaging Service as TWILIO_FROM: while the service's sender
// pool has no voice-capable number, calls are off, say why, and wait in
// the outbox; once it has one, the waiting call is placed from it.
func TestAvailabilityCallFromMessagingService(t *testing.T) {
	const service = "MG" + "5e4d1ce0123456789abcdef012345678"
	smsOnly := twiliotest.ServiceNumber{Number: "+18005550101", Capabilities: []string{"SMS", "MMS"}}
	voice := twiliotest.ServiceNumber{Number: "+18005550102", Capabilities: []string{"SMS", "MMS", "Voice"}}
	h := newHarness(t)
	h.twilio.SetServiceNumbers(service, smsOnly)
	h.restart(func(cfg *config) { cfg.From = service })
	for _, want := range []string{`"msg":"outbound calls are off`,
		"the sender pool of Messaging Service " + service + " has no voice-capable phone number"} {
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("the logs do not say %q:\n%s", want, h.logs)
		}
	}

	rep := "+12025550651"
	ref := h.fileRepresentative(rep, "10001", false)
	if status, o := h.offer(ref, monday9, monday11); status != http.StatusCreated || o["ask_by"] != "call" || o["status"] != "awaiting" {
		t.Fatalf("offer: %d %v", status, o)
	}
	time.Sleep(300 * time.Millisecond)
	if calls := h.twilio.Calls(); len(calls) != 0 {
		t.Fatalf("calls placed without a number to call from: %+v", calls)
	}
	var queued int
	if err := h.scan(`SELECT count(*) FROM outbox WHERE channel = 'call' AND status = 'queued'`, nil, &queued); err != nil || queued != 1 {
		t.Fatalf("%d calls waiting in the outbox (%v), want 1", queued, err)
	}

	h.twilio.SetServiceNumbers(service, smsOnly, voice)
	h.restart(func(cfg *config) { cfg.From = service })
	c := h.answer(rep, 1, "human")
	if c.call.From != voice.Number {
		t.Errorf("the call came from %q, want the service's voice number %s", c.call.From, voice.Number)
	}
	c.press("1")
	if got := h.offers(ref)[0]; got["status"] != "confirmed" {
		t.Errorf("offer after the call: %v", got)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"from":"***0102"`) {
		t.Errorf("the logs do not say which number calls come from:\n%s", logs)
	}
	for _, n := range []string{"5550101", "5550102", "5550651"} {
		if strings.Contains(logs, n) {
			t.Errorf("the logs name a phone number (%s):\n%s", n, logs)
		}
	}
}
