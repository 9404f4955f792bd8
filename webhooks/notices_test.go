package webhooks

import (
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
	"infopass/locales"
)

// TestAppointmentTextsFitThreeSegments renders the appointment notices a
// contact gets by text, in every language, at the office with the longest
// name and address of docs/offices.example.toml and the longest weekday and
// month, and checks that each fits three segments with no character that
// forces UCS-2 by accident.
func TestAppointmentTextsFitThreeSegments(t *testing.T) {
	c, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	office := bot.Office{ID: "los-angeles", Name: "Los Angeles Field Office",
		Address: "300 N Los Angeles St, Room 1001, Los Angeles, CA 90012", Zone: "America/Los_Angeles"}
	la, _ := time.LoadLocation(office.Zone)
	// A Wednesday of September: long names in most languages.
	start := time.Date(2026, 9, 30, 10, 30, 0, 0, la)
	for _, l := range c.Languages() {
		t.Run(l.Tag, func(t *testing.T) {
			for _, typ := range []flows.AppointmentType{flows.TypeADIT, flows.TypeEAP, flows.TypeIJ} {
				// A request closed with its appointment still to come gets a
				// notice of its own (appointment.cancelled_closed).
				for _, status := range []string{bot.StatusScheduled, bot.StatusClosed} {
					r := bot.Request{ID: 1, Reference: "IP-7K3Q9D2M", Language: l.Tag, Type: typ, Status: status}
					ap := bot.Appointment{Reference: r.Reference, Start: start, Office: office}
					for _, kind := range []string{bot.KindAppointment, bot.KindAppointmentReminder, bot.KindAppointmentMoved, bot.KindAppointmentCancelled} {
						texts := bot.AppointmentTexts(c, "1-800-375-5283", kind, r, ap)
						if len(texts) == 0 {
							t.Fatalf("%s: no text", kind)
						}
						if kind == bot.KindAppointmentCancelled && status == bot.StatusClosed {
							open := r
							open.Status = bot.StatusSubmitted
							if texts[0] == bot.AppointmentTexts(c, "1-800-375-5283", kind, open, ap)[0] {
								t.Errorf("a closed request's cancellation says the office will call again: %s", texts[0])
							}
						}
						for _, text := range texts {
							if n, gsm := Segments(text); n > MaxSegments {
								t.Errorf("%s %s costs %d segments (GSM-7 %v, %d characters):\n%s", kind, typ, n, gsm, len([]rune(text)), text)
							}
							if i := strings.IndexAny(text, accidental); i >= 0 {
								t.Errorf("%s has %U, which forces UCS-2:\n%s", kind, []rune(text[i:])[0], text)
							}
							if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") || !strings.Contains(text, r.Reference) && kind != bot.KindAppointmentReminder {
								t.Errorf("%s: %s", kind, text)
							}
						}
						if kind != bot.KindAppointmentCancelled && !strings.Contains(strings.Join(texts, " "), office.Address) {
							t.Errorf("%s does not give the address: %v", kind, texts)
						}
					}
				}
			}
		})
	}
}
