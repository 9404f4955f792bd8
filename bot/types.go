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
	Text       string // message body, speech result or keypad digits
	ProviderID string // MessageSid, or CallSid plus step for voice
}

// Reply is what the bot answers a turn with, before a channel renders it.
type Reply struct {
	Text     string       // localized; empty when Silent
	Silent   bool         // send nothing (opted out, or STOP)
	Language string       // the conversation's language tag
	Step     flows.Step   // the question now waiting for an answer
	Expect   flows.Expect // what that question takes
	Handoff  bool         // the person asked for, or needs, a human
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
