package main

import (
	"context"
	"strings"
	"testing"

	"infopass/flows"
)

// playedOnly checks that the last turn of a call said everything from
// recordings, and did not offer to go on by text for want of them.
func (c *caller) playedOnly(what string) {
	c.h.t.Helper()
	for _, s := range c.last.Said {
		if s.Language != "audio" {
			c.h.t.Fatalf("%s: %q is said by a voice, not played: %+v", what, s.Text, c.last.Said)
		}
	}
	if c.last.Gather == nil || strings.Contains(c.last.Gather.attr("action"), "sms=1") {
		c.h.t.Fatalf("%s: no question, or an offer to go on by text: %+v", what, c.last.Gather)
	}
}

// TestKeypadOnlyLanguages files a request by phone in Haitian Creole, which
// Twilio can neither speak nor hear: every keypad answer is read back from
// recordings and confirmed by phone; what a keypad cannot give (the name,
// the country of birth) is left for text, asked in one text after the
// call, then the review by text.
func TestKeypadOnlyLanguages(t *testing.T) {
	h := newHarness(t)
	from := "+12025550490"
	c := h.call(from)
	c.do("13#", "")
	c.playedOnly("who")
	c.do("1", "").do("1", "")
	c.playedOnly("ADIT date")
	c.do("10122026", "") // 10 December 2026, day first
	c.playedOnly("the date read back")
	c.do("1", "")
	c.do("13#", "").do("1", "")
	c.playedOnly("the name's question")
	c.do("1", "") // the name: by text, later
	c.playedOnly("date of birth")
	c.do("21071990", "").do("1", "")
	c.do("10001#", "")
	c.playedOnly("the ZIP code read back")
	c.do("1", "")
	c.do("1", "") // the country of birth: by text, later
	c.playedOnly("receipt")
	c.do("672#", "") // M S C or N S C
	c.playedOnly("which office")
	c.do("2", "")
	c.do("2190123456", "")
	c.playedOnly("the receipt number read back")
	c.do("1", "")
	c.do("12345678#", "").do("1", "")
	c.do("*", "") // no email
	c.do("*", "") // the number in use
	c.playedOnly("the phone number read back")
	c.do("1", "")
	if !c.last.HungUp {
		t.Fatalf("the call goes on after the keypad questions: %+v", c.last)
	}
	eventually(t, "the text with what is left", func() bool { return h.sentTo(from) == 1 })
	msgs := h.twilio.Messages()
	if body := msgs[len(msgs)-1].Body; !strings.Contains(body, "non konplè aplikan an") || !strings.Contains(body, "peyi kote aplikan an fèt") {
		t.Errorf("the text does not list what is left: %s", body)
	}
	conv, err := h.db.OpenConversation(context.Background(), from)
	if err != nil || conv.Step != flows.StepName || conv.Answers.Receipt != "NSC2190123456" || conv.Answers.ZIP != "10001" ||
		conv.Answers.BirthDate != (flows.Date{Year: 1990, Month: 7, Day: 21}) || conv.Answers.NeededBy != (flows.Date{Year: 2026, Month: 12, Day: 10}) {
		t.Fatalf("after the call: %+v %v", conv, err)
	}
	// By text: the name, the country of birth, then the review.
	h.walk(from, []expect{{"Jean Baptiste", flows.StepBirthCountry}, {"Haiti", flows.StepReview}})
	reply := submitReviewIn(h, from, "wi")
	if !strings.Contains(reply, "IP-") {
		t.Fatalf("not filed: %s", reply)
	}
	r := h.requests(from)
	if len(r) != 1 || r[0].Answers.Name != "Jean Baptiste" || r[0].Answers.BirthCountry != "HT" || r[0].Answers.Receipt != "NSC2190123456" {
		t.Fatalf("filed: %+v", r)
	}
}

// submitReviewIn answers yes, in the conversation's words, to each page of
// the review and returns the reply that files the request.
func submitReviewIn(h *harness, from, yes string) string {
	h.t.Helper()
	for range 5 {
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil || c.Step != flows.StepReview {
			break
		}
		if reply := h.text(from, yes); strings.Contains(reply, "IP-") {
			return reply
		}
	}
	h.t.Fatal("the review never ended")
	return ""
}
