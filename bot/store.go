package bot

import (
	"context"
	"time"
)

// Store keeps conversations and requests. bot/postgres implements it.
type Store interface {
	// Turn runs fn in one transaction that holds the lock of phone's
	// participant row (created on first contact), so that one number's
	// turns run one at a time on any replica. fn's error rolls it back.
	Turn(ctx context.Context, phone string, now time.Time, fn func(Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// DeleteIdle deletes open conversations whose last turn was before
	// cutoff, with their answers and messages, and returns how many.
	DeleteIdle(ctx context.Context, cutoff time.Time) (int64, error)
}

// Tx is the work of one turn, inside its transaction.
type Tx interface {
	Participant() Participant
	SaveParticipant(p Participant) error
	// PriorReply returns the reply already given to the inbound message
	// with this provider id, if it was delivered before.
	PriorReply(providerID string) (reply Reply, found bool, err error)
	// OpenConversation returns the participant's open conversation, locked,
	// or nil when there is none.
	OpenConversation() (*Conversation, error)
	// SaveConversation inserts c (ID 0) or updates it.
	SaveConversation(c *Conversation) error
	// DeleteConversation removes c with its messages (CANCEL, expiry).
	DeleteConversation(c *Conversation) error
	// AddTurn stores the inbound message and the reply to it (whose Text
	// is stored as the outbound message unless the reply is silent).
	AddTurn(conversationID int64, in Message, reply Reply) error
	// CreateRequest stores r and sets its ID. It returns ErrReferenceTaken
	// when r.Reference exists already.
	CreateRequest(r *Request) error
	// RecentRequests lists the requests filed from or for phone, newest first.
	RecentRequests(phone string, limit int) ([]Request, error)
	// RequestByReference returns a request, or ErrNotFound.
	RequestByReference(ref string) (Request, error)
	// SetRequestStatus records a status change with its note.
	SetRequestStatus(requestID int64, status, note, actor string) error
	// ContactOffers lists, locked and newest first, the callback offers this
	// participant was asked about that still take an answer: awaiting ones,
	// and declined ones before the better times are known.
	ContactOffers() ([]CallbackOffer, error)
	// CancelOffers cancels a request's unanswered offers and their unsent texts.
	CancelOffers(requestID int64) error
	SaveOffer(o *CallbackOffer) error
	Enqueue(m *OutboxMessage) error
}
