package bot

import "infopass/flows"

// Reply is what the bot answers a turn with, for any channel: what to say
// (messages of locales/ with their data), what the conversation expects
// next, and what should happen to the exchange. How it reads in a text or
// sounds on a call is the Renderer's to decide (package webhooks).
type Reply struct {
	Language string `json:"language,omitempty"` // the conversation's language tag
	// Say is what to say, in order; the current question, if one is
	// asked, comes last.
	Say []flows.Msg `json:"-"`
	// Then is a text of its own after Say: what to bring, after the
	// filing's reference. A text channel sends it as a second message,
	// each within its segments; a call's spoken version of Say says it
	// already.
	Then []flows.Msg `json:"-"`
	// Lead is said before Say, in LeadLanguage: the answer about a
	// callback offer, in the language of the request it is about.
	Lead         []flows.Msg `json:"-"`
	LeadLanguage string      `json:"-"`
	// AgainFrom, when not -1, is where in Say the current question starts
	// again after an aside (a keyword's answer, a callback's): a channel
	// short of room may leave that part out, since the question stands.
	AgainFrom int `json:"-"`
	// Expect is the answer the conversation waits for; the zero Expect
	// when it waits for none (it ended, or the call is handed over).
	Expect flows.Expect `json:"expect"`
	// State is the state the conversation is in after the turn.
	State  flows.Step `json:"state,omitempty"`
	Intent Intent     `json:"intent,omitempty"`
	// Silent: send nothing (the number opted out, or sent STOP, which the
	// carrier confirms itself).
	Silent bool `json:"silent,omitempty"`
	// Seq is the conversation's version, to tell its turns apart.
	Seq int `json:"seq,omitempty"`
	// CanText: the person may be sent texts about this exchange (a text
	// is its number's own; a call's number only if the carrier vouches
	// for its caller ID, or it texted the service itself).
	CanText bool `json:"can_text,omitempty"`
	// Reference is the request this turn filed, if it filed one.
	Reference string `json:"reference,omitempty"`
	// Repeated is set on the reply to a delivery already answered: only
	// what was stored of it is known, and Rendered is what was sent.
	Repeated bool `json:"-"`
}

// Intent says what becomes of the exchange after a reply.
type Intent string

const (
	// Continue: the conversation waits for the answer Expect describes.
	Continue Intent = ""
	// ConnectPerson: the person asked for, or needs, a human. By phone
	// the call is connected to the Contact Center; by text its number was
	// given.
	ConnectPerson Intent = "connect"
	// ContinueByText: the call ends and the conversation goes on by text
	// (a text was queued to the caller).
	ContinueByText Intent = "text"
	// End: the exchange ends here (the call hangs up).
	End Intent = "end"
	// EndOfferText ends a call that filed a request: the caller may
	// still press 1 to get its reference and what to bring by text
	// (Engine.TextFiling).
	EndOfferText Intent = "end_offer_text"
	// EndOfferPerson ends the exchange after the Contact Center was
	// recommended: by phone, the caller may still press 0 before the call
	// ends.
	EndOfferPerson Intent = "end_offer_person"
)

// Renderer presents replies on one channel. Package webhooks implements
// it for text messages and for calls.
type Renderer interface {
	Render(r Reply) (Rendered, error)
}

// Rendered is a reply as its channel sends it.
type Rendered struct {
	// Document is the answer to the provider's webhook (TwiML). A
	// repeated delivery of the same turn gets it again, byte for byte.
	Document []byte `json:"document,omitempty"`
	// Transcript is what was said or sent, in words, for the
	// conversation's record; "" when nothing was.
	Transcript string `json:"transcript,omitempty"`
}
