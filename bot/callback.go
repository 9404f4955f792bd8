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
	OfferNoAnswer  = "no_answer" // the call about it reached an answering machine or nobody
)

// How a contact is asked about a callback window.
const (
	AskByText = "sms"  // a text asking YES or NO
	AskByCall = "call" // they cannot get texts: an outbound call asks them to press 1 or 2
)

// Reasons an offer's text was not sent.
const (
	ReasonOptedOut     = "opted_out"       // the contact sent STOP
	ReasonNoConsent    = "no_text_consent" // nobody agreed to confirmation texts
	ReasonUnsubscribed = "unsubscribed"    // the carrier refused: the number opted out (Twilio 21610)
	ReasonSendFailed   = "send_failed"     // the text could not be sent
	ReasonDailyCap     = "daily_cap"       // the number had been sent its day's texts
	ReasonNotMobile    = "not_mobile"      // the carrier refused: the number cannot take texts (Twilio 21614, 21612)
	ReasonTooLate      = "too_late"        // no calling hour was left before the window
	ReasonRefused      = "refused"         // the mail server refused the recipient (5xx)
	ReasonAnswered     = "answered"        // a call not placed: its offer was answered or withdrawn meanwhile
	ReasonRegion       = "region"          // the number is outside the allowed regions (ALLOWED_REGIONS)
)

// CallbackOffer is a window in which an officer offers to call.
type CallbackOffer struct {
	ID         int64
	RequestID  int64
	Reference  string // the request's
	Language   string // the request's
	Start, End time.Time
	Zone       string // the contact's IANA time zone, in which the text names the window
	Status     string
	// AskBy is how the contact is asked: AskByText, or AskByCall when they
	// cannot get texts (NotSentReason then says why no text is sent).
	AskBy         string
	CallStatus    string // the last status Twilio reported of the call asking them
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
	// KindConfirmation is the filing's confirmation, texted to a caller
	// who asked for it at the end of a call.
	KindConfirmation = "confirmation"
	// KindFiled is the written confirmation of a filing, by email.
	KindFiled = "filed"
	// KindAppointment is the appointment notice; KindAppointmentReminder
	// its reminder the day before; KindAppointmentMoved and
	// KindAppointmentCancelled the short notices of a change.
	KindAppointment          = "appointment"
	KindAppointmentReminder  = "appointment_reminder"
	KindAppointmentMoved     = "appointment_moved"
	KindAppointmentCancelled = "appointment_cancelled"
	// KindAvailabilityCall is a call asking whether the contact is free in
	// an offer's window.
	KindAvailabilityCall = "availability_call"
)

// Outbox channels: how a row goes out.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	ChannelCall  = "call"
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

// OutboxMessage is a text, email or call the service sends on its own.
type OutboxMessage struct {
	ID      int64
	Kind    string
	Channel string // ChannelSMS (""), ChannelEmail or ChannelCall
	OfferID int64
	// RequestID is the request the row is about, AppointmentID the
	// appointment: the row is cancelled and purged with them.
	RequestID     int64
	AppointmentID int64
	// ConversationID is the conversation a text not about an offer nor a
	// request belongs to (a caller going on by text), so that it goes when
	// the conversation does. 0: the store finds the number's open one.
	ConversationID int64
	To             string // a phone number, or an email address
	// Body is the text; for an email, an Email as JSON (EncodeEmail); for
	// a call, nothing (the call's TwiML is served when it is answered).
	Body      string
	Status    string
	Attempts  int
	SendAfter time.Time
	// Reclaimed is set when a worker claims a row another worker had
	// claimed and not finished: it may have been sent already.
	Reclaimed bool
	ClaimedAt time.Time // when the earlier claim was made, for Reclaimed rows
	OptedOut  bool      // the recipient has sent STOP since the row was queued
	SentToday int       // texts sent to the same number in the last 24 hours
	// Of a call's offer, as claimed: the contact's zone (calling hours) and
	// when the window starts (a call after that is pointless).
	Zone       string
	OfferStart time.Time
	OfferOpen  bool // the offer still waits for an answer (awaiting, or no_answer)
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
