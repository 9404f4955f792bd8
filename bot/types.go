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
}

// Reply is what the bot answers a turn with, before a channel renders it.
type Reply struct {
	Text     string       `json:"text,omitempty"`     // localized; empty when Silent
	Silent   bool         `json:"silent,omitempty"`   // send nothing (opted out, or STOP)
	Language string       `json:"language,omitempty"` // the conversation's language tag
	Step     flows.Step   `json:"step,omitempty"`     // the question now waiting for an answer
	Expect   flows.Expect `json:"expect"`             // what that question takes
	// Handoff: the person asked for, or needs, a human. By phone the call
	// is connected to the Contact Center; by text its number was given.
	Handoff bool `json:"handoff,omitempty"`
	// Voice only.
	Hangup     bool   `json:"hangup,omitempty"`      // the call ends after Text
	OfferAgent bool   `json:"offer_agent,omitempty"` // before hanging up, 0 or "Infopass" still reach a person
	Goodbye    string `json:"goodbye,omitempty"`     // said before hanging up when no one pressed 0
	// Spoken is Text message by message, for languages whose prompts are
	// played from recordings of each message.
	Spoken []string `json:"spoken,omitempty"`
	// SMSOffer offers to go on by text (press 1), for when a prompt cannot
	// be played in the caller's language.
	SMSOffer string       `json:"sms_offer,omitempty"`
	Menu     []MenuOption `json:"menu,omitempty"`  // the language menu, each option in its own language
	Hints    []string     `json:"hints,omitempty"` // words the speech recognizer should expect
	Seq      int          `json:"seq,omitempty"`   // the conversation's version, to tell turns apart
}

// MenuOption is one line of the spoken language menu.
type MenuOption struct {
	Language string `json:"language"`
	Text     string `json:"text"`
}

// Participant is a phone number that has talked to the bot.
type Participant struct {
	Phone    string
	Language string // last language chosen; "" before the first choice
	OptedOut bool
}

// Conversation is one pass through the wizard, as stored.
type Conversation struct {
	ID           int64
	Phone        string
	Open         bool
	Step         flows.Step
	Answers      flows.Answers
	History      []flows.Step // steps answered, most recent last, for BACK
	InvalidCount int          // invalid answers to the current question
	Pending      string       // a question the bot asked outside the wizard ("resume")
	Channel      Channel      // the channel of the last turn
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
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
