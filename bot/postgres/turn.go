package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"infopass/bot"
	"infopass/flows"
)

// turnTx is one turn's transaction. It begins with the turn's first call
// and saves round trips as pipeline.go says; statements of their own go
// through q().
type turnTx struct {
	db        *DB
	conn      *pgxpool.Conn // from the turn's first call (start) to its end
	tx        pgx.Tx        // begun by the first round trip
	committed bool
	started   bool
	startErr  error // the first round trip's
	now       time.Time
	p         bot.Participant
	phoneIdx  string // the party's
	// numberIdx, for an unattested call, is its phone number's index.
	numberIdx string
	pending   []pendingWrite
	ahead     prefetched
}

// Participant is the participant as the turn's first round trip locked it.
// Should that fail, the turn's next call (or Turn) returns the error.
func (t *turnTx) Participant(ctx context.Context) bot.Participant {
	t.start(ctx, "")
	return t.p
}

func (t *turnTx) SaveParticipant(ctx context.Context, p bot.Participant) error {
	if err := t.start(ctx, ""); err != nil {
		return err
	}
	t.later("save participant", `
		UPDATE participants SET language = $2,
			opted_out_at = CASE WHEN $3 THEN coalesce(opted_out_at, $4) END,
			texted_at = CASE WHEN $5 THEN coalesce(texted_at, $4) ELSE texted_at END
		WHERE phone_idx = $1`, t.phoneIdx, p.Language, p.OptedOut, t.now, p.Texted && t.numberIdx == "")
	t.p = p
	return nil
}

// storedReply is what an inbound message keeps of its reply (sealed):
// the reply's summary, and what was sent, for a repeated delivery.
type storedReply struct {
	bot.Reply
	Sent *bot.Rendered `json:"sent"`
}

func (t *turnTx) PriorReply(ctx context.Context, providerID string) (bot.Reply, bot.Rendered, bool, error) {
	var (
		id     int64
		sealed string
	)
	if err := t.start(ctx, providerID); err != nil {
		return bot.Reply{}, bot.Rendered{}, false, err
	}
	if providerID != "" && t.ahead.priorID == providerID {
		// Read by the turn's first round trip.
		t.ahead.priorID = ""
		if t.ahead.prior == nil {
			return bot.Reply{}, bot.Rendered{}, false, nil
		}
		id, sealed = t.ahead.prior.id, t.ahead.prior.sealed
	} else {
		err := t.q().QueryRow(ctx, priorReplySQL, providerID).Scan(&id, &sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.Reply{}, bot.Rendered{}, false, nil
		}
		if err != nil {
			return bot.Reply{}, bot.Rendered{}, false, fmt.Errorf("find prior reply: %w", err)
		}
	}
	raw, err := t.db.keys.Open(sealed, "messages", "reply", rowKey(id))
	if err != nil {
		return bot.Reply{}, bot.Rendered{}, false, err
	}
	var r storedReply
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r); err != nil {
			return bot.Reply{}, bot.Rendered{}, false, fmt.Errorf("decode prior reply: %w", err)
		}
	}
	if r.Sent == nil {
		// Stored before replies were kept as sent: what was sent is not
		// known, so the delivery cannot be answered as it was.
		return bot.Reply{}, bot.Rendered{}, false, fmt.Errorf("prior reply to %s was stored by an older version", providerID)
	}
	return r.Reply, *r.Sent, true, nil
}

// conversationState is the sealed part of a conversation.
type conversationState struct {
	Answers flows.Answers `json:"answers"`
	Held    bot.Held      `json:"held,omitzero"`
	// Pending is how versions before the asides were states of the
	// machine kept them; openConversation turns it into today's form.
	Pending string `json:"pending,omitempty"`
}

const conversationColumns = `id, open, step, state, history, invalid_count, channel, attestation, version, created_at, updated_at`

// conversationRow is a conversation as read, still sealed.
type conversationRow struct {
	c       bot.Conversation
	sealed  string
	history []string
}

func scanConversationRow(row pgx.Row) (conversationRow, error) {
	var r conversationRow
	c := &r.c
	err := row.Scan(&c.ID, &c.Open, &c.Step, &r.sealed, &r.history, &c.InvalidCount, &c.Channel, &c.Attestation, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	return r, err
}

func (db *DB) scanConversation(row pgx.Row, phone string) (*bot.Conversation, error) {
	r, err := scanConversationRow(row)
	if err != nil {
		return nil, err
	}
	return db.openConversation(r, phone)
}

// openConversation opens a conversation's sealed state.
func (db *DB) openConversation(r conversationRow, phone string) (*bot.Conversation, error) {
	c, sealed, history := r.c, r.sealed, r.history
	raw, err := db.keys.Open(sealed, "conversations", "state", rowKey(c.ID))
	if err != nil {
		return nil, err
	}
	var st conversationState
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("conversation %d state: %w", c.ID, err)
		}
	}
	c.Phone, c.Answers, c.Held = phone, st.Answers, st.Held
	for _, s := range history {
		c.History = append(c.History, flows.Step(s))
	}
	if err := upgradeState(&c, raw, st.Pending); err != nil {
		return nil, fmt.Errorf("conversation %d state: %w", c.ID, err)
	}
	return &c, nil
}

func (t *turnTx) OpenConversation(ctx context.Context) (*bot.Conversation, error) {
	if err := t.start(ctx, ""); err != nil {
		return nil, err
	}
	if t.ahead.convValid {
		// Read (and locked) by the turn's first round trip, and unchanged
		// since.
		t.ahead.convValid = false
		if t.ahead.conv == nil {
			return nil, nil
		}
		c, err := t.db.openConversation(*t.ahead.conv, t.p.Phone)
		if err != nil {
			return nil, fmt.Errorf("load conversation: %w", err)
		}
		return c, nil
	}
	c, err := t.db.scanConversation(t.q().QueryRow(ctx, openConversationSQL, t.phoneIdx), t.p.Phone)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return c, nil
}

func (t *turnTx) SaveConversation(ctx context.Context, c *bot.Conversation) error {
	raw, err := json.Marshal(conversationState{Answers: c.Answers, Held: c.Held})
	if err != nil {
		return fmt.Errorf("encode conversation: %w", err)
	}
	history := make([]string, len(c.History))
	for i, s := range c.History {
		history[i] = string(s)
	}
	var closedAt *time.Time
	if !c.Open {
		closedAt = &t.now
	}
	if err := t.start(ctx, ""); err != nil {
		return err
	}
	// Whatever happens next, the conversation read ahead is no longer what
	// OpenConversation would read.
	t.ahead.convValid = false
	// The insert or update waits for the turn's next round trip.
	if c.ID == 0 {
		ids, err := t.drawIDs(ctx, "conversations", 1)
		if err != nil {
			return err
		}
		c.ID = ids[0]
		t.later("save conversation", `
			INSERT INTO conversations (id, phone_idx, open, step, state, history, invalid_count, channel, attestation, version, created_at, updated_at, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, t.phoneIdx, c.Open, string(c.Step), t.db.keys.Seal(raw, "conversations", "state", rowKey(c.ID)),
			history, c.InvalidCount, string(c.Channel), c.Attestation, c.Version, c.CreatedAt, c.UpdatedAt, closedAt)
	} else {
		t.later("save conversation", `
			UPDATE conversations SET open = $2, step = $3, state = $4, history = $5, invalid_count = $6,
				channel = $7, attestation = $8, version = $9, updated_at = $10, closed_at = $11
			WHERE id = $1`,
			c.ID, c.Open, string(c.Step), t.db.keys.Seal(raw, "conversations", "state", rowKey(c.ID)),
			history, c.InvalidCount, string(c.Channel), c.Attestation, c.Version, c.UpdatedAt, closedAt)
	}
	return nil
}

func (t *turnTx) AdoptConversation(ctx context.Context, c *bot.Conversation) (bool, error) {
	if t.numberIdx == "" || c.ID == 0 {
		return false, nil
	}
	// Lock the number's participant, as its own turns do (the call's
	// participant is locked already; a number's turns never lock a
	// call's, so the order cannot deadlock), then move c unless the
	// number has an open conversation.
	if _, err := t.q().Exec(ctx, lockParticipantSQL, t.numberIdx,
		t.db.keys.SealString(t.p.Phone, "participants", "phone", t.numberIdx), t.now); err != nil {
		return false, fmt.Errorf("lock number's participant: %w", err)
	}
	// The call's participant may have nothing left: the retention job
	// looks (PurgeLeftovers).
	var moved int
	err := t.q().QueryRow(ctx, `
		WITH moved AS (
			UPDATE conversations SET phone_idx = $2
			WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM conversations WHERE phone_idx = $2 AND open)
			RETURNING 1
		), party AS (
			UPDATE participants SET recheck = true WHERE phone_idx = $3 AND NOT recheck AND EXISTS (SELECT 1 FROM moved)
		)
		SELECT count(*) FROM moved`, c.ID, t.numberIdx, t.phoneIdx).Scan(&moved)
	if err != nil {
		return false, fmt.Errorf("adopt conversation %d: %w", c.ID, err)
	}
	// The turn's own save of c updates it by id, leaving it where it is.
	return moved == 1, nil
}

func (t *turnTx) DeleteConversation(ctx context.Context, c *bot.Conversation) error {
	// Its texts go once they settle, and the retention job looks whether
	// the number has anything left (PurgeLeftovers).
	_, err := t.q().Exec(ctx, `
		WITH gone AS (
			DELETE FROM conversations WHERE id = $1 RETURNING id, phone_idx
		), texts AS (
			UPDATE outbox SET purge = true WHERE conversation_id IN (SELECT id FROM gone)
		)
		UPDATE participants SET recheck = true WHERE NOT recheck AND phone_idx IN (SELECT phone_idx FROM gone)`, c.ID)
	if err != nil {
		return fmt.Errorf("delete conversation %d: %w", c.ID, err)
	}
	t.ahead.convValid = false
	return nil
}

func (t *turnTx) AddTurn(ctx context.Context, conversationID int64, in bot.Message, reply bot.Reply, sent bot.Rendered) error {
	var providerID *string
	if in.ProviderID != "" {
		providerID = &in.ProviderID
	}
	// The transcript is the outbound message's body: the stored reply
	// keeps only what a repeated delivery is sent again.
	raw, err := json.Marshal(storedReply{Reply: reply, Sent: &bot.Rendered{Document: sent.Document}})
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	if err := t.start(ctx, ""); err != nil {
		return err
	}
	// The ids drawn by the turn's first round trip, unless used already.
	ids := t.ahead.messageIDs
	t.ahead.messageIDs = nil
	if len(ids) != 2 {
		if ids, err = t.drawIDs(ctx, "messages", 2); err != nil {
			return err
		}
	}
	t.ahead.priorID = "" // this may be the message it was read for
	k := t.db.keys
	inID, outID := ids[0], ids[1]
	// Both inserts wait for the turn's next round trip.
	t.later("store inbound message", `
		INSERT INTO messages (id, conversation_id, direction, channel, provider_id, body, reply, created_at)
		VALUES ($1, $2, 'in', $3, $4, $5, $6, $7)`,
		inID, conversationID, string(in.Channel), providerID,
		k.SealString(in.Body, "messages", "body", rowKey(inID)), k.Seal(raw, "messages", "reply", rowKey(inID)), t.now)
	if sent.Transcript == "" {
		return nil
	}
	t.later("store reply", `
		INSERT INTO messages (id, conversation_id, direction, channel, body, reply_to, created_at)
		VALUES ($1, $2, 'out', $3, $4, $5, $6)`,
		outID, conversationID, string(in.Channel), k.SealString(sent.Transcript, "messages", "body", rowKey(outID)), inID, t.now)
	return nil
}

func (t *turnTx) CreateRequest(ctx context.Context, r *bot.Request) error {
	return t.db.createRequest(ctx, t.q(), r)
}

func (t *turnTx) RecentRequests(ctx context.Context, phone string, limit int) ([]bot.Request, error) {
	idx := t.db.keys.Index("phone", phone)
	return t.db.queryRequests(ctx, t.q(), `WHERE phone_idx = $1 OR contact_idx = $1 ORDER BY submitted_at DESC, id DESC LIMIT $2`, idx, limit)
}

func (t *turnTx) RequestsByKeys(ctx context.Context, keys string) ([]bot.Request, error) {
	return t.db.queryRequests(ctx, t.q(), `WHERE reference_keys = $1 ORDER BY id LIMIT 20`, keys)
}

func (t *turnTx) RequestByReference(ctx context.Context, ref string) (bot.Request, error) {
	reqs, err := t.db.queryRequests(ctx, t.q(), `WHERE reference = $1 FOR UPDATE`, ref)
	if err != nil {
		return bot.Request{}, err
	}
	if len(reqs) == 0 {
		return bot.Request{}, bot.ErrNotFound
	}
	return reqs[0], nil
}

func (t *turnTx) SetRequestStatus(ctx context.Context, requestID int64, status, note, actor string) error {
	return t.db.setRequestStatus(ctx, t.q(), requestID, status, note, actor, t.now)
}

const contactOffersTail = `WHERE o.contact_idx = $1
		AND (o.status = 'awaiting' OR (o.status = 'declined' AND o.better_times = '')
			OR (o.status = 'expired' AND o.answered_at IS NULL))
		ORDER BY o.id DESC FOR UPDATE OF o`

func (t *turnTx) ContactOffers(ctx context.Context) ([]bot.CallbackOffer, error) {
	if err := t.start(ctx, ""); err != nil {
		return nil, err
	}
	if t.ahead.offersValid {
		// Read (and locked) by the turn's first round trip.
		t.ahead.offersValid = false
		return t.ahead.offers, t.ahead.offersErr
	}
	return t.db.queryOffers(ctx, t.q(), contactOffersTail, t.phoneIdx)
}

func (t *turnTx) CancelOffers(ctx context.Context, requestID int64) error {
	_, err := t.q().Exec(ctx, `UPDATE callback_offers SET status = 'cancelled', updated_at = $2
		WHERE request_id = $1 AND status = 'awaiting'`, requestID, t.now)
	if err != nil {
		return fmt.Errorf("cancel offers: %w", err)
	}
	_, err = t.q().Exec(ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE status = 'queued' AND offer_id IN (SELECT id FROM callback_offers WHERE request_id = $1)`, requestID, t.now)
	if err != nil {
		return fmt.Errorf("cancel queued texts: %w", err)
	}
	return nil
}

func (t *turnTx) SaveOffer(ctx context.Context, o *bot.CallbackOffer) error {
	return t.db.saveOffer(ctx, t.q(), o)
}

func (t *turnTx) Enqueue(ctx context.Context, m *bot.OutboxMessage) error {
	return t.db.enqueue(ctx, t.q(), m, t.now)
}
