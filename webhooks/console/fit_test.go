package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// TestOffersThatFit checks the request page of a person who asked for
// Tuesday mornings: their preferences beside the offer form, the next
// three Tuesday mornings offered in one click each, and a window outside
// them offered only once the officer confirms it.
func TestOffersThatFit(t *testing.T) {
	f := newFixture(t)
	f.store.req.Answers.Days = []flows.Weekday{flows.Tuesday}
	f.store.req.Answers.TimeOfDay = flows.Morning
	c := f.signIn("Officer Lee")

	page := c.get("/staff/requests/" + ref).Body.String()
	for _, want := range []string{
		"The person asked for:</strong> Tuesday; mornings, 9 AM to noon.",
		"Offer Tue 11/24/2026 9:00 AM to 12:00 PM EST", "Offer Tue 12/01/2026 9:00 AM to 12:00 PM EST",
		"Offer Tue 12/08/2026 9:00 AM to 12:00 PM EST",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	if n := strings.Count(page, "console-small-button\" type=\"submit\">Offer "); n != 3 {
		t.Errorf("%d one-click offers, want 3", n)
	}

	t.Run("ErrOutsideUnconfirmed", func(t *testing.T) {
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-30"}, "start": {"09:00"}, "end": {"11:00"}})
		body := w.Body.String()
		if w.Code != http.StatusBadRequest || !strings.Contains(body, "outside the days and time of day the person asked for") ||
			!strings.Contains(body, `name="outside_preferences" value="yes"`) {
			t.Errorf("Monday: %d\n%s", w.Code, body)
		}
		if offers, queued, _ := f.store.snapshot(); len(offers) != 0 || len(queued) != 0 {
			t.Errorf("%d offers, %d texts after an unconfirmed window", len(offers), len(queued))
		}
	})

	t.Run("OutsideConfirmed", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-30"}, "start": {"09:00"}, "end": {"11:00"}, "outside_preferences": {"yes"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("confirmed: %d\n%s", w.Code, w.Body)
		}
	})

	t.Run("OneClickProposal", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-24"}, "start": {"09:00"}, "end": {"12:00"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("proposal: %d\n%s", w.Code, w.Body)
		}
		offers, _, _ := f.store.snapshot()
		if last := offers[len(offers)-1]; !last.Start.Equal(time.Date(2026, 11, 24, 9, 0, 0, 0, newYork)) || last.End.Sub(last.Start) != 3*time.Hour {
			t.Errorf("offered %s to %s", last.Start, last.End)
		}
	})
}

// TestQueueShowsWithdrawnAppointments checks that an appointment the
// applicant cancelled by text shows at the top of the queue.
func TestQueueShowsWithdrawnAppointments(t *testing.T) {
	f := newFixture(t)
	f.store.withdrawn = []bot.Appointment{{RequestID: 1, Reference: ref, Start: time.Date(2026, 12, 2, 10, 0, 0, 0, newYork),
		Office: bot.Office{ID: "new-york", Name: "New York City Field Office", Zone: "America/New_York"}, Status: bot.AppointmentWithdrawn}}
	c := f.signIn("Officer Lee")
	page := c.get("/staff").Body.String()
	if !strings.Contains(page, "Appointments the applicant cancelled") || !strings.Contains(page, ref+"</a>: Wed 12/02/2026 10:00 AM EST at New York City Field Office") {
		t.Errorf("queue:\n%s", page)
	}
	f.store.withdrawn = nil
	if page := c.get("/staff").Body.String(); strings.Contains(page, "Appointments the applicant cancelled") {
		t.Error("the notice shows with nothing withdrawn")
	}
}
