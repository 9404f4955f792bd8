package bot

import (
	"time"

	"infopass/flows"
)

// Channel is how a turn reached the bot.
type Channel string

const (
	SMS   Channel = "sms"
	Voice Channel = "voice"
)

// Inbound is one turn from a person, already parsed from the provider's
// webhook.
type Inbound struct {
	Channel    Channel
	From       string // E.164
	Text       string // message body, or what the caller said
	Keys       string // keypad digits the caller pressed (voice)
	CallStart  bool   // the call was just answered: there is no input yet
	ToSMS      bool   // the caller chose to go on by text (voice)
	Repeat     bool   // ask the current question again (voice, after a failure)
	Retries    int    // how many times the call was redirected after a failure
	ProviderID string // MessageSid, or CallSid plus turn number for voice
	// Call is the CallSid of a call's turn.
	Call string
	// Attested: the carrier vouches that a caller owns From (STIR/SHAKEN
	// attestation A). Only an attested call may go on with, read or change
	// what the number entered before; a text is the number's own.
	Attested bool
	// Attestation is the level Twilio reported when the call came in (A,
	// B, C, failed, none, absent), recorded with the conversation.
	Attestation string
}

// Party is whom a turn's conversation belongs to: a phone number, or, for
// a call whose caller ID the network does not vouch for, that call alone.
// One party's turns run one at a time.
type Party struct {
	Phone string // the E.164 number the turn came from
	Call  string // the CallSid of an unattested call; "" otherwise
}

// Key names the party: its number, or its call.
func (p Party) Key() string {
	if p.Call != "" {
		return "call:" + p.Call
	}
	return p.Phone
}

// party is whom in's conversation belongs to.
func (in Inbound) party() Party {
	if in.Channel == Voice && !in.Attested {
		return Party{Phone: in.From, Call: in.Call}
	}
	return Party{Phone: in.From}
}

// Participant is a party that has talked to the bot: a phone number, or an
// unattested call.
type Participant struct {
	Phone    string
	Language string // last language chosen; "" before the first choice
	OptedOut bool
	// Texted: the phone number has sent the service a text itself, so
	// texts about a call may go to it.
	Texted bool
	// SMSRefused: the carrier refused a text to the number because it
	// cannot take texts (a landline); callback offers call it instead.
	SMSRefused bool
}

// Conversation is one pass through the wizard, as stored.
type Conversation struct {
	ID           int64
	Phone        string
	Open         bool
	Step         flows.Step // the state it rests in: a question, an aside or an end
	Answers      flows.Answers
	History      []flows.Step // questions answered, most recent last, for BACK
	Held         Held         // what the aside in progress is about
	InvalidCount int          // invalid answers to the current question
	Channel      Channel      // the channel of the last turn
	Attestation  string       // the caller ID attestation of the last call, if one came in
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Held is what an aside in progress is about, kept until it ends.
type Held struct {
	Reference string `json:"reference,omitempty"` // the request a withdrawal is asked about
	OfferID   int64  `json:"offer,omitempty"`     // the callback offer declined, for its better times
	Heard     string `json:"heard,omitempty"`     // a caller's answer, read back to them to confirm
	Letters   string `json:"letters,omitempty"`   // the letters of a receipt number a caller said
	RefKeys   string `json:"ref_keys,omitempty"`  // the keys of a request's reference, keyed for STATUS
	Tries     int    `json:"tries,omitempty"`     // wrong reference and date of birth pairs so far
}

// Message is one stored message of a conversation.
type Message struct {
	Direction  string // "in" or "out"
	Channel    Channel
	ProviderID string
	Body       string
}

// Request statuses.
const (
	StatusSubmitted = "submitted"
	StatusScheduled = "scheduled"
	StatusCompleted = "completed"
	StatusClosed    = "closed"
)

// Request is a filed Infopass request.
type Request struct {
	ID             int64
	Reference      string
	ConversationID int64
	Status         string
	Type           flows.AppointmentType
	Language       string
	Channel        Channel
	Role           flows.Role
	Phone          string // the number that filed it
	ContactPhone   string
	ZIP            string
	Answers        flows.Answers
	SubmittedAt    time.Time
}
