package bot

import (
	"errors"
	"time"
)

// ErrNotFound means no request, offer or row matched.
var ErrNotFound = errors.New("not found")

// Offer statuses: what became of a callback offer.
const (
	OfferAwaiting  = "awaiting"  // the contact was (or will be) asked and has not answered
	OfferConfirmed = "confirmed" // the contact can take the call
	OfferDeclined  = "declined"  // the contact cannot; BetterTimes says when they can
	OfferExpired   = "expired"   // the window started before an answer
	OfferCancelled = "cancelled" // staff withdrew it, or the request was withdrawn
	OfferNotSent   = "not_sent"  // nobody could be asked; NotSentReason says why
)

// Reasons an offer's text was not sent.
const (
	ReasonOptedOut     = "opted_out"       // the contact sent STOP
	ReasonNoConsent    = "no_text_consent" // nobody agreed to confirmation texts
	ReasonUnsubscribed = "unsubscribed"    // the carrier refused: the number opted out (Twilio 21610)
	ReasonSendFailed   = "send_failed"     // the text could not be sent
	ReasonDailyCap     = "daily_cap"       // the number had been sent its day's texts
	ReasonRegion       = "region"          // the number is outside the allowed regions (ALLOWED_REGIONS)
)

// CallbackOffer is a window in which an officer offers to call.
type CallbackOffer struct {
	ID            int64
	RequestID     int64
	Reference     string // the request's
	Language      string // the request's
	Start, End    time.Time
	Zone          string // the contact's IANA time zone, in which the text names the window
	Status        string
	ContactPhone  string
	ContactRole   string // "representative" or "applicant"; "" when nobody is asked
	NotSentReason string
	MessageStatus string // the text's delivery: queued, sent, delivered, undelivered, failed
	BetterTimes   string // what the contact answered after declining
	AnsweredAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// WantsBetterTimes reports whether the contact declined and has not yet
// said when suits them better; their next text is that answer.
func (o CallbackOffer) WantsBetterTimes(now time.Time) bool {
	return o.Status == OfferDeclined && o.BetterTimes == "" && o.AnsweredAt != nil && now.Sub(*o.AnsweredAt) < 7*24*time.Hour
}

// Outbox message kinds.
const (
	KindOffer    = "offer"
	KindReminder = "reminder"
	KindHandoff  = "handoff" // a caller continues by text
)

// Outbox message statuses, in the order a text goes through them.
const (
	MsgQueued      = "queued"
	MsgSending     = "sending"
	MsgSent        = "sent"
	MsgDelivered   = "delivered"
	MsgUndelivered = "undelivered"
	MsgFailed      = "failed"
	MsgCancelled   = "cancelled"
)

// OutboxMessage is a text the service sends on its own.
type OutboxMessage struct {
	ID      int64
	Kind    string
	OfferID int64
	// ConversationID is the conversation a text not about an offer belongs
	// to (a caller going on by text), so that it goes when the
	// conversation does. 0: the store finds the number's open one.
	ConversationID int64
	To             string
	Body           string
	Status         string
	Attempts       int
	SendAfter      time.Time
	// Reclaimed is set when a worker claims a row another worker had
	// claimed and not finished: it may have been sent already.
	Reclaimed bool
	ClaimedAt time.Time // when the earlier claim was made, for Reclaimed rows
	OptedOut  bool      // the recipient has sent STOP since the row was queued
	SentToday int       // texts sent to the same number in the last 24 hours
}

// ActorRetention is the actor of the status changes the retention job
// makes (a stale request closed), beside "staff" and "applicant".
const ActorRetention = "retention"

// RequestEvent is a status change of a request, with its note.
type RequestEvent struct {
	Status string
	Note   string
	Actor  string
	At     time.Time
}
