package bot

import (
	"context"
	"time"
)

// Store keeps conversations and requests. bot/postgres implements it.
type Store interface {
	// Turn runs fn in one transaction that holds the lock of the party's
	// participant row (created on first contact), so that one number's
	// (or one unattested call's) turns run one at a time on any replica.
	// fn's error rolls it back.
	Turn(ctx context.Context, party Party, now time.Time, fn func(ctx context.Context, tx Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// DeleteIdle deletes the conversations, open or closed, whose last
	// turn was before cutoff and that filed no request (unfinished ones,
	// and those cancelled or referred to the Contact Center), with their
	// answers and messages, and returns how many.
	DeleteIdle(ctx context.Context, cutoff time.Time) (int64, error)
}

// Tx is the work of one turn, inside its transaction.
type Tx interface {
	// Participant is the party's participant, as locked. Texted is the
	// phone number's, also for an unattested call.
	Participant(ctx context.Context) Participant
	SaveParticipant(ctx context.Context, p Participant) error
	// PriorReply returns what was answered to the inbound message with
	// this provider id, if it was delivered before.
	PriorReply(ctx context.Context, providerID string) (reply Reply, out Rendered, found bool, err error)
	// OpenConversation returns the participant's open conversation, locked,
	// or nil when there is none.
	OpenConversation(ctx context.Context) (*Conversation, error)
	// SaveConversation inserts c (ID 0) or updates it.
	SaveConversation(ctx context.Context, c *Conversation) error
	// AdoptConversation moves an unattested call's conversation c to the
	// call's phone number, unless the number has an open conversation of
	// its own, which is left alone; it reports whether c moved. It is how
	// a call continues by text at a number that texted the service.
	AdoptConversation(ctx context.Context, c *Conversation) (bool, error)
	// DeleteConversation removes c with its messages (expiry).
	DeleteConversation(ctx context.Context, c *Conversation) error
	// AddTurn stores the inbound message and the reply to it, and the
	// reply's transcript as the outbound message unless nothing was said.
	AddTurn(ctx context.Context, conversationID int64, in Message, reply Reply, out Rendered) error
	// CreateRequest stores r and sets its ID. It returns ErrReferenceTaken
	// when r.Reference exists already.
	CreateRequest(ctx context.Context, r *Request) error
	// RecentRequests lists the requests filed from or for phone, newest first.
	RecentRequests(ctx context.Context, phone string, limit int) ([]Request, error)
	// RequestsByKeys lists the requests whose reference, keyed on a phone
	// keypad (ReferenceKeys), is keys.
	RequestsByKeys(ctx context.Context, keys string) ([]Request, error)
	// RequestByReference returns a request, or ErrNotFound.
	RequestByReference(ctx context.Context, ref string) (Request, error)
	// SetRequestStatus records a status change with its note.
	SetRequestStatus(ctx context.Context, requestID int64, status, note, actor string) error
	// ContactOffers lists, locked and newest first, the callback offers this
	// participant was asked about that still take an answer: awaiting ones,
	// and declined ones before the better times are known.
	ContactOffers(ctx context.Context) ([]CallbackOffer, error)
	// CancelOffers cancels a request's unanswered offers and their unsent texts.
	CancelOffers(ctx context.Context, requestID int64) error
	SaveOffer(ctx context.Context, o *CallbackOffer) error
	Enqueue(ctx context.Context, m *OutboxMessage) error
}
