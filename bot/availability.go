package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"infopass/flows"
)

// CallStore is what the availability calls need of storage.
type CallStore interface {
	// WithCallOffer runs fn in one transaction holding the lock of the
	// offer that outbox row callID called about, or returns ErrNotFound
	// when offerID is not that call's offer.
	WithCallOffer(ctx context.Context, offerID, callID int64, now time.Time, fn func(context.Context, CallTx) error) error
	// CallOfSID returns the offer and outbox row of the call sid, or
	// ErrNotFound.
	CallOfSID(ctx context.Context, sid string) (offerID, callID int64, err error)
}

// CallTx is the work on one offer asked by call, inside its transaction.
type CallTx interface {
	Offer() CallbackOffer
	SaveOffer(ctx context.Context, o *CallbackOffer) error
	Enqueue(ctx context.Context, m *OutboxMessage) error
	// Calls counts the calls placed or queued about the offer; Latest
	// reports whether the transaction's call is the newest of them.
	Calls(ctx context.Context) (n int, latest bool, err error)
	// SetCallStatus records what Twilio reported of the call.
	SetCallStatus(ctx context.Context, status string) error
}

// CallRetryAfter is when an availability call that reached an answering
// machine or nobody is tried again, once.
const CallRetryAfter = 2 * time.Hour

// Calls is the dialogue of an availability call: the outbound call that
// asks a contact who cannot get texts whether they can take an officer's
// call in an offer's window. It is the staff service's, not the wizard's:
// each answer updates the offer as a YES or NO by text does.
type Calls struct {
	store   CallStore
	catalog *Catalog
	now     func() time.Time
	wake    func()
	log     *slog.Logger
}

// NewCalls returns the service; wake, if not nil, tells the call worker a
// call is queued.
func NewCalls(store CallStore, catalog *Catalog, now func() time.Time, wake func(), log *slog.Logger) *Calls {
	if now == nil {
		now = time.Now
	}
	if wake == nil {
		wake = func() {}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Calls{store: store, catalog: catalog, now: now, wake: wake, log: log}
}

// Catalog is the service's locale catalog.
func (c *Calls) Catalog() *Catalog { return c.catalog }

// Askable reports whether a call may still ask about o: its window has not
// started and nobody answered it yet.
func Askable(o CallbackOffer, now time.Time) bool {
	return (o.Status == OfferAwaiting || o.Status == OfferNoAnswer) && now.Before(o.Start)
}

// Offer returns the offer a call is about, as the call starts.
func (c *Calls) Offer(ctx context.Context, offerID, callID int64) (CallbackOffer, error) {
	var o CallbackOffer
	err := c.store.WithCallOffer(ctx, offerID, callID, c.now(), func(ctx context.Context, tx CallTx) error {
		o = tx.Offer()
		return nil
	})
	return o, err
}

// Machine records that the call reached an answering machine: the offer
// is no_answer, and the call is tried once more CallRetryAfter later.
func (c *Calls) Machine(ctx context.Context, offerID, callID int64) (CallbackOffer, error) {
	var o CallbackOffer
	queued := false
	err := c.store.WithCallOffer(ctx, offerID, callID, c.now(), func(ctx context.Context, tx CallTx) error {
		o = tx.Offer()
		var err error
		queued, err = c.noAnswer(ctx, tx, &o)
		return err
	})
	if err == nil && queued {
		c.wake()
	}
	return o, err
}

// noAnswer marks an offer still waiting for an answer no_answer and queues
// the one retry, unless it was the retry. It reports whether it queued it.
func (c *Calls) noAnswer(ctx context.Context, tx CallTx, o *CallbackOffer) (bool, error) {
	now := c.now()
	if o.Status != OfferAwaiting {
		return false, nil
	}
	o.Status, o.UpdatedAt = OfferNoAnswer, now
	if err := tx.SaveOffer(ctx, o); err != nil {
		return false, err
	}
	n, latest, err := tx.Calls(ctx)
	if err != nil || n > 1 || !latest {
		return false, err
	}
	c.log.Info("availability call not answered; one retry queued", "offer", o.ID)
	return true, tx.Enqueue(ctx, &OutboxMessage{Kind: KindAvailabilityCall, Channel: ChannelCall, OfferID: o.ID, RequestID: o.RequestID,
		To: o.ContactPhone, SendAfter: now.Add(CallRetryAfter)})
}

// Answer records the contact's 1 (yes) or 2 (no) as the answer to the
// offer, as a YES or NO by text does: confirmed, declined (their better
// times come next), or expired when the window has started. An offer that
// was answered already keeps its answer.
func (c *Calls) Answer(ctx context.Context, offerID, callID int64, yes bool) (CallbackOffer, error) {
	var o CallbackOffer
	err := c.store.WithCallOffer(ctx, offerID, callID, c.now(), func(ctx context.Context, tx CallTx) error {
		o = tx.Offer()
		now := c.now()
		if o.Status != OfferAwaiting && o.Status != OfferNoAnswer {
			return nil
		}
		o.AnsweredAt, o.UpdatedAt = &now, now
		switch {
		case !now.Before(o.Start):
			o.Status = OfferExpired
		case yes:
			o.Status = OfferConfirmed
		default:
			o.Status = OfferDeclined
		}
		c.log.InfoContext(ctx, "callback answered by phone", "offer", o.ID, "status", o.Status)
		return tx.SaveOffer(ctx, &o)
	})
	return o, err
}

// BetterTimes records when a contact who declined by phone would rather be
// called, as keyed: a time of day and weekdays (none: any).
func (c *Calls) BetterTimes(ctx context.Context, offerID, callID int64, tod flows.TimeOfDay, days []flows.Weekday) error {
	return c.store.WithCallOffer(ctx, offerID, callID, c.now(), func(ctx context.Context, tx CallTx) error {
		o := tx.Offer()
		if o.Status != OfferDeclined {
			return nil
		}
		o.BetterTimes, o.UpdatedAt = KeyedBetterTimes(tod, days), c.now()
		return tx.SaveOffer(ctx, &o)
	})
}

// KeyedBetterTimes writes better times keyed on a phone for staff, in
// English like the console: "By phone keypad: mornings; Tuesday,
// Thursday".
func KeyedBetterTimes(tod flows.TimeOfDay, days []flows.Weekday) string {
	when := map[flows.TimeOfDay]string{flows.Morning: "mornings", flows.Afternoon: "afternoons"}[tod]
	if when == "" {
		when = "any time of day"
	}
	names := map[flows.Weekday]string{flows.Monday: "Monday", flows.Tuesday: "Tuesday", flows.Wednesday: "Wednesday",
		flows.Thursday: "Thursday", flows.Friday: "Friday"}
	var ds []string
	for _, d := range days {
		ds = append(ds, names[d])
	}
	which := "any weekday"
	if len(ds) > 0 {
		which = strings.Join(ds, ", ")
	}
	return "By phone keypad: " + when + "; " + which
}

// callStatusRank orders Twilio's call statuses: a late report of an
// earlier one never overwrites a later one.
func callStatusRank(s string) int {
	switch s {
	case "queued":
		return 0
	case "initiated":
		return 1
	case "ringing":
		return 2
	case "in-progress":
		return 3
	}
	return 4
}

// callEnded reports whether a call status is final.
func callEnded(s string) bool { return callStatusRank(s) == 4 }

// Status records a status callback of the call sid (queued, initiated,
// ringing, in-progress, completed, busy, no-answer, failed, canceled). A
// call that ended without an answer to its offer (nobody answered, busy,
// failed, or hung up before pressing a key) makes the offer no_answer and
// is tried once more. A status of an unknown call is ignored.
func (c *Calls) Status(ctx context.Context, sid, status string) error {
	offerID, callID, err := c.store.CallOfSID(ctx, sid)
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	queued := false
	err = c.store.WithCallOffer(ctx, offerID, callID, c.now(), func(ctx context.Context, tx CallTx) error {
		_, latest, err := tx.Calls(ctx)
		if err != nil || !latest {
			return err // a late report of an earlier call
		}
		o := tx.Offer()
		if o.CallStatus != "" && callStatusRank(status) < callStatusRank(o.CallStatus) {
			return nil
		}
		if err := tx.SetCallStatus(ctx, status); err != nil {
			return err
		}
		if callEnded(status) {
			queued, err = c.noAnswer(ctx, tx, &o)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("call status: %w", err)
	}
	if queued {
		c.wake()
	}
	return nil
}
