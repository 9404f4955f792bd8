package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"infopass/bot"
	"infopass/flows"
)

// callWith places a call from `from` whose caller ID Twilio reports with
// StirVerstat attest ("" for none).
func (h *harness) callWith(from, attest string) *caller {
	h.t.Helper()
	c := &caller{h: h, p: newPhoneCall(h.base, testToken, from)}
	c.p.attest = attest
	turn, err := c.p.start(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	c.last = turn
	c.heard = append(c.heard, c.said())
	return c
}

// trustedText is what the texts before each call entered: none of it may
// be heard in a call the carrier does not vouch for.
var trustedText = []string{"Zqxwvy", "Trustcase", "March 15, 1981", "1981", "9 4 1 1 0", "Peru", "I O E", "A 0 8 7 6"}

// TestCallerTrust is a number's text conversation at its review, then
// calls from that number: only one whose caller ID is attested A may go on
// with it; the others start afresh, never hear, change or submit what was
// texted, and stay apart from it when they hang up.
func TestCallerTrust(t *testing.T) {
	h := newHarness(t)
	textToReview := func(from string) {
		h.t.Helper()
		details := append([]step(nil), applicantDetails...)
		details[2] = step{"Zqxwvy Trustcase", "date of birth"}
		details[3] = step{"03/15/1981", "ZIP code"}
		details[4] = step{"94110", "born"}
		details[5] = step{"Peru", "receipt number"}
		details[7] = step{"A 87654321", "email"}
		h.play(from, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), details...))
	}
	for i, attest := range []string{"", "No-TN-Validation", "TN-Validation-Passed-B", "TN-Validation-Passed-C", "TN-Validation-Failed-A"} {
		name := attest
		if name == "" {
			name = "Absent"
		}
		t.Run(name, func(t *testing.T) {
			h.t = t
			from := "+1202555041" + string(rune('0'+i))
			textToReview(from)
			before, err := h.db.OpenConversation(context.Background(), from)
			if err != nil {
				t.Fatal(err)
			}
			c := h.callWith(from, attest)
			if !strings.Contains(c.said(), "Welcome to USCIS Infopass") || strings.Contains(c.said(), "Welcome back") {
				t.Fatalf("the call did not start afresh: %s", c.said())
			}
			// The caller goes through a whole request of its own, says
			// STATUS and tries star (which sends at a review): nothing of
			// the texts comes back, and what it files is its own.
			c.script([]step{{"1", "Are you the person"}, {"1", "What do you need?"}, {"STATUS", "enter the 8 characters"},
				{"*", "We found no request"}, {"0", "connect you"}})
			c2 := h.callWith(from, attest)
			c2.script(voiceApplicantADIT[:len(voiceApplicantADIT)-4])
			c2.script([]step{{"1", "We cannot take an email address by phone"}, {"*", "To use the number you are calling from"},
				{"*", "I have 2 0 2"}, {"1", "Please check your request (1/3)"},
				{"*", "(2/3)"}, {"*", "(3/3)"}, {"*", "Your request was sent"}})
			for _, heard := range append(c.heard, c2.heard...) {
				for _, secret := range trustedText {
					if strings.Contains(heard, secret) {
						t.Errorf("an unattested call heard %q: %s", secret, heard)
					}
				}
			}
			after, err := h.db.OpenConversation(context.Background(), from)
			if err != nil {
				t.Fatal(err)
			}
			if after.ID != before.ID || after.Step != flows.StepReview || after.Version != before.Version ||
				after.Answers.Name != "Zqxwvy Trustcase" {
				t.Fatalf("the text conversation changed: %+v", after)
			}
			reqs := h.requests(from)
			if len(reqs) != 1 || reqs[0].Answers.Name != "Jane Doe" || reqs[0].Channel != bot.Voice {
				t.Fatalf("requests of %s: %+v", from, reqs)
			}
			// The texts go on where they were: the review's next page.
			if reply := h.text(from, "yes"); !strings.Contains(reply, "(2/3)") {
				t.Errorf("after the calls, YES by text: %s", reply)
			}
		})
	}

	t.Run("AttestedAResumes", func(t *testing.T) {
		h.t = t
		from := "+12025550420"
		textToReview(from)
		c := h.callWith(from, attestedA)
		if !strings.Contains(c.said(), "Welcome back") {
			t.Fatalf("an attested call does not offer to continue: %s", c.said())
		}
		c.do("1", "Please check your request (1/3)")
		if !strings.Contains(c.said(), "Zqxwvy Trustcase") {
			t.Errorf("the attested caller does not hear their review: %s", c.said())
		}
	})

	t.Run("StatusByPhoneAsksReferenceAndBirthDate", func(t *testing.T) {
		h.t = t
		from := "+12025550421"
		ref := h.fileApplicant(from)
		keys := bot.ReferenceKeys(ref)
		c := h.callWith(from, attestedA)
		if !strings.Contains(c.said(), "Are you the person") {
			t.Fatalf("call start: %s", c.said())
		}
		c.do("status", "enter the 8 characters")
		if strings.Contains(c.said(), ref[3:]) || strings.Contains(c.said(), "submitted") {
			t.Fatalf("STATUS said something before the reference: %s", c.said())
		}
		c.do(keys, "date of birth")
		c.do("07211990", "Request I P "+strings.Join(strings.Split(ref[3:], ""), " "))
		if !strings.Contains(c.said(), "Are you the person") {
			t.Errorf("the question does not stand after STATUS: %s", c.said())
		}
		// Three wrong pairs connect to a person, saying nothing of which
		// part was wrong.
		c2 := h.callWith(from, "")
		c2.do("1", "Are you the person") // a call of its own: the language menu first
		c2.do("status", "enter the 8 characters")
		c2.do(keys, "date of birth")
		c2.do("01011990", "We found no request")
		c2.do("12345678", "date of birth")
		c2.do("07211990", "We found no request")
		c2.do("1234", "We found no request")
		if c2.last.Dialed == "" {
			t.Errorf("three misses did not connect to a person: %s", c2.said())
		}
	})

	t.Run("TextsOnlyToAttestedOrTextingNumbers", func(t *testing.T) {
		h.t = t
		// A number that texted the service may be texted about its call,
		// even without attestation; with no conversation of its own, it
		// goes on with the call's by text.
		from := "+12025550422"
		h.text(from, "hi")
		h.text(from, "CANCEL")
		c := h.callWith(from, "TN-Validation-Passed-B")
		c.script(voiceApplicantADIT[:len(voiceApplicantADIT)-4])
		c.do("1", "Press 1 and we will text you")
		c.do("1", "We sent you a text message")
		eventually(t, "the handoff text is sent", func() bool { return h.sentTo(from) == 1 })
		if body := h.twilio.Messages()[len(h.twilio.Messages())-1].Body; !strings.Contains(body, "email") {
			t.Errorf("handoff text: %s", body)
		}
		if reply := h.text(from, "jane@example.org"); !strings.Contains(reply, "What number should the office call") {
			t.Errorf("the texts do not go on with the call's answers: %s", reply)
		}
		// With a conversation of its own in progress, that one is left
		// alone, and the text says so.
		from = "+12025550424"
		h.text(from, "hi")
		before, _ := h.db.OpenConversation(context.Background(), from)
		c = h.callWith(from, "TN-Validation-Passed-C")
		c.script(voiceApplicantADIT[:len(voiceApplicantADIT)-4])
		c.do("1", "Press 1 and we will text you")
		c.do("1", "We sent you a text message")
		eventually(t, "the text is sent", func() bool { return h.sentTo(from) == 1 })
		if body := h.twilio.Messages()[len(h.twilio.Messages())-1].Body; !strings.Contains(body, "were not added here") {
			t.Errorf("text to a number with its own conversation: %s", body)
		}
		if after, _ := h.db.OpenConversation(context.Background(), from); after == nil || after.ID != before.ID || after.Version != before.Version {
			t.Errorf("the number's own conversation changed: %+v", after)
		}
		// A number that never texted gets no text from a call that is not
		// attested A, whatever it presses.
		from = "+12025550423"
		c = h.callWith(from, "TN-Validation-Passed-B")
		c.script(voiceApplicantADIT[:len(voiceApplicantADIT)-4])
		c.do("1", "We cannot take an email address by phone. To go on without an email, press star.")
		c.do("1", "Please press star to go on without an email")
		if n := h.sentTo(from); n != 0 {
			t.Errorf("%d texts to a number that never texted", n)
		}
	})

	t.Run("Metrics", func(t *testing.T) {
		h.t = t
		_, series := h.scrape()
		for _, level := range []string{"A", "B", "C", "failed", "none", "absent"} {
			if series[`infopass_call_attestations_total{level="`+level+`"}`] < 1 {
				t.Errorf("no call counted at level %s", level)
			}
		}
	})
}

// TestPhoneAnswersOutsideTheRegions: a number the service would call or
// text outside ALLOWED_REGIONS is refused with a clear problem, by text
// and by phone, and the question stands.
func TestPhoneAnswersOutsideTheRegions(t *testing.T) {
	h := newHarness(t)
	from := "+12025550480"
	h.play(from, append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/14/2026", "weekdays"}))
	h.play(from, applicantDetails[:len(applicantDetails)-1])
	for _, number := range []string{"+1 876 555 0100", "+44 20 7946 0958"} {
		if reply := h.text(from, number); !strings.Contains(reply, "only call or text numbers in the United States and its territories") {
			t.Errorf("%s: %s", number, reply)
		}
	}
	if reply := h.text(from, "787-555-0100"); !strings.Contains(reply, "Please check your request") {
		t.Errorf("a Puerto Rico number was not taken: %s", reply)
	}
	// The representative's number too.
	h.play("+12025550481", []step{{"Hi", "Your language?"}, {"1", "Are you"}, {"2", "your full name"}, {"Ana Ruiz", "number"}})
	if reply := h.text("+12025550481", "+1 876 555 0100"); !strings.Contains(reply, "United States and its territories") {
		t.Errorf("a representative's Jamaican number: %s", reply)
	}
	// By phone.
	c := h.call("+12025550482")
	c.script(voiceApplicantADIT[:len(voiceApplicantADIT)-2])
	c.do("18765550100#", "We can only call numbers in the United States and its territories")
	c.do("011442079460958#", "We can only call numbers in the United States and its territories")
}

// TestFilingConfirmationByText: after a call files a request, the caller
// may press 1 for the texts a filing by text gets, once, and only when
// texts may go to the number.
func TestFilingConfirmationByText(t *testing.T) {
	h := newHarness(t)
	file := func(from, attest string) *caller {
		t.Helper()
		c := h.callWith(from, attest)
		c.script(voiceApplicantADIT)
		c.script([]step{{"*", "(2/3)"}, {"yes", "(3/3)"}, {"*", "Your request was sent"}})
		return c
	}
	t.Run("OnceForARepeatedKey", func(t *testing.T) {
		h.t = t
		from := "+12025550491"
		c := file(from, attestedA)
		g := c.last.Gather
		c.do("1", "We will text you now")
		// Twilio delivers the same key again: the same answer, no more texts.
		form := url.Values{"CallSid": {c.p.sid}, "From": {from}, "Digits": {"1"}}
		if status, body := h.postURL(g.attr("action"), form); status != 200 || !strings.Contains(body, "We will text you now") {
			t.Fatalf("repeated key: %d %s", status, body)
		}
		eventually(t, "two texts", func() bool { return h.sentTo(from) == 2 })
		conn := h.sql()
		defer conn.Close(context.Background())
		if n := count(t, conn, `SELECT count(*) FROM outbox WHERE kind = 'confirmation'`); n != 2 {
			t.Errorf("%d confirmation texts queued after a repeated key", n)
		}
	})
	t.Run("NotOfferedToANumberThatMayNotBeTexted", func(t *testing.T) {
		h.t = t
		from := "+12025550492"
		c := file(from, "TN-Validation-Passed-B")
		if strings.Contains(c.said(), "press 1") || !c.last.HungUp {
			t.Errorf("an unattested caller who never texted was offered a text: %s", c.said())
		}
	})
}
