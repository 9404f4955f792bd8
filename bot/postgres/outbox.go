package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

var _ bot.OutboxStore = (*DB)(nil)

// outboxClaimLock is the advisory lock every claim takes, on every
// replica, for its transaction: counting the texts and calls placed
// against the caps and marking the claimed ones as being sent must not
// interleave with another claim, or two workers under a cap could each
// take its last one.
const outboxClaimLock = 0x6f7574626f78 // "outbox"

// capped is the condition of the rows the outbound caps count: texts and
// calls (Twilio's traffic, which costs and can be pumped), not emails.
const capped = `channel IN ('sms', 'call')`

// ClaimOutbox leases due rows of channel. SKIP LOCKED lets several
// workers claim without taking the same row. Texts and calls are taken as
// many as the caps leave room for: one counts against the caps once sent
// (sent_at, whatever its delivery became) or while it is being sent under
// a live lease. A call's row comes with its offer's zone, start and
// whether it still waits for an answer.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int, channel string, caps bot.OutboundCaps) (bot.Claim, error) {
	var claim bot.Claim
	if channel == bot.ChannelEmail {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			var err error
			claim.Messages, err = db.claim(ctx, tx, now, lease, limit, channel)
			return err
		})
		if err != nil {
			return bot.Claim{}, fmt.Errorf("claim outbox: %w", err)
		}
		return claim, nil
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var hour, day, sending int
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(outboxClaimLock))
		b.Queue(`SELECT
			(SELECT count(*) FROM outbox WHERE sent_at > $1::timestamptz - interval '1 hour' AND `+capped+`),
			(SELECT count(*) FROM outbox WHERE sent_at > $1::timestamptz - interval '24 hours' AND `+capped+`),
			(SELECT count(*) FROM outbox WHERE status = 'sending' AND sent_at IS NULL AND lease_until >= $1 AND `+capped+`)`, now)
		br := tx.SendBatch(ctx, b)
		_, err := br.Exec()
		if err == nil {
			err = br.QueryRow().Scan(&hour, &day, &sending)
		}
		if closeErr := br.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return fmt.Errorf("count sent texts: %w", err)
		}
		room := min(caps.Hourly-hour, caps.Daily-day) - sending
		if room <= 0 {
			var due bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox
				WHERE channel = $2 AND ((status = 'queued' AND send_after <= $1) OR (status = 'sending' AND lease_until < $1)))`,
				now, channel).Scan(&due)
			if err != nil {
				return fmt.Errorf("look for due texts: %w", err)
			}
			if due {
				// The daily cap when both are reached: the longer wait.
				claim.HeldBy = bot.CapHourly
				if caps.Daily-day <= caps.Hourly-hour {
					claim.HeldBy = bot.CapDaily
				}
			}
			return nil
		}
		claim.Messages, err = db.claim(ctx, tx, now, lease, min(limit, room), channel)
		return err
	})
	if err != nil {
		return bot.Claim{}, fmt.Errorf("claim outbox: %w", err)
	}
	return claim, nil
}

// claim leases up to limit due rows of channel.
func (db *DB) claim(ctx context.Context, tx pgx.Tx, now time.Time, lease time.Duration, limit int, channel string) ([]bot.OutboxMessage, error) {
	rows, err := tx.Query(ctx, `
		WITH due AS (
			SELECT id, status AS old_status, claimed_at AS old_claimed_at
			FROM outbox
			WHERE channel = $4 AND ((status = 'queued' AND send_after <= $1) OR (status = 'sending' AND lease_until < $1))
			ORDER BY send_after, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE outbox o
		SET status = 'sending', lease_until = $1 + make_interval(secs => $2), claimed_at = $1,
			attempts = o.attempts + 1, updated_at = $1
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.kind, o.channel, coalesce(o.offer_id, 0), coalesce(o.request_id, 0), coalesce(o.appointment_id, 0),
			o.to_phone, o.body, o.attempts, o.send_after,
			due.old_status = 'sending', coalesce(due.old_claimed_at, $1),
			EXISTS (SELECT 1 FROM participants p WHERE p.phone_idx = o.to_idx AND p.opted_out_at IS NOT NULL),
			(SELECT count(*) FROM outbox s WHERE s.to_idx = o.to_idx AND s.sent_at > $1 - interval '24 hours'),
			coalesce((SELECT c.zone FROM callback_offers c WHERE c.id = o.offer_id), ''),
			(SELECT c.starts_at FROM callback_offers c WHERE c.id = o.offer_id),
			EXISTS (SELECT 1 FROM callback_offers c WHERE c.id = o.offer_id AND c.status IN ('awaiting', 'no_answer'))`,
		now, lease.Seconds(), limit, channel)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.OutboxMessage, error) {
		var (
			m          bot.OutboxMessage
			to, body   string
			offerStart *time.Time
		)
		m.Status = bot.MsgSending
		err := row.Scan(&m.ID, &m.Kind, &m.Channel, &m.OfferID, &m.RequestID, &m.AppointmentID, &to, &body, &m.Attempts, &m.SendAfter,
			&m.Reclaimed, &m.ClaimedAt, &m.OptedOut, &m.SentToday, &m.Zone, &offerStart, &m.OfferOpen)
		if err != nil {
			return m, err
		}
		if offerStart != nil {
			m.OfferStart = *offerStart
		}
		if m.To, err = db.keys.OpenString(to, "outbox", "to_phone", rowKey(m.ID)); err != nil {
			return m, err
		}
		m.Body, err = db.keys.OpenString(body, "outbox", "body", rowKey(m.ID))
		return m, err
	})
}

// OutboxDepth counts the texts, emails and calls waiting to be sent or
// being sent, by channel.
func (db *DB) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT channel, count(*) FROM outbox WHERE status IN ('queued', 'sending') GROUP BY channel`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	depth := make(map[string]int, len(bot.Channels))
	var (
		channel string
		n       int
	)
	_, err = pgx.ForEachRow(rows, []any{&channel, &n}, func() error {
		depth[channel] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return depth, nil
}

// OutboxSent records the provider's id of a sent text, email or placed
// call. A call's offer shows it queued at Twilio. A sent email keeps its
// subject and plain text only (bot.KeptEmail).
func (db *DB) OutboxSent(ctx context.Context, id int64, sid string, now time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var (
			offerID       *int64
			channel, body string
		)
		err := tx.QueryRow(ctx, `
			UPDATE outbox SET status = 'sent', provider_sid = $2, sent_at = $3, lease_until = NULL, updated_at = $3
			WHERE id = $1 RETURNING offer_id, channel, body`, id, sid, now).Scan(&offerID, &channel, &body)
		if err != nil {
			return fmt.Errorf("record sent text %d: %w", id, err)
		}
		if channel == bot.ChannelEmail {
			return db.keepEmailText(ctx, tx, id, body)
		}
		if channel == bot.ChannelCall {
			if _, err := tx.Exec(ctx, `UPDATE callback_offers SET call_status = 'queued', updated_at = $2 WHERE id = $1`, offerID, now); err != nil {
				return fmt.Errorf("offer call status: %w", err)
			}
			return nil
		}
		return setOfferMessageStatus(ctx, tx, offerID, bot.MsgSent, now)
	})
}

// keepEmailText replaces the sealed body of the sent email id with what
// bot.KeptEmail keeps of it. A body it cannot read stays as it is: that
// the email went out must be recorded, or it would be sent again.
func (db *DB) keepEmailText(ctx context.Context, tx pgx.Tx, id int64, sealed string) error {
	body, err := db.keys.OpenString(sealed, "outbox", "body", rowKey(id))
	if err != nil {
		return nil
	}
	kept, err := bot.KeptEmail(body)
	if err != nil || kept == body {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE outbox SET body = $2 WHERE id = $1`, id, db.keys.SealString(kept, "outbox", "body", rowKey(id)))
	if err != nil {
		return fmt.Errorf("sent email %d: %w", id, err)
	}
	return nil
}

// OutboxDefer puts a row back in the queue until at, without counting the
// attempt its claim counted.
func (db *DB) OutboxDefer(ctx context.Context, id int64, at time.Time, now time.Time) error {
	_, err := db.pool.Exec(ctx, `
		UPDATE outbox SET status = 'queued', send_after = $2, attempts = greatest(attempts - 1, 0), lease_until = NULL, updated_at = $3
		WHERE id = $1`, id, at, now)
	if err != nil {
		return fmt.Errorf("defer %d: %w", id, err)
	}
	return nil
}

// OutboxRetry puts a text back in the queue until at.
func (db *DB) OutboxRetry(ctx context.Context, id int64, at time.Time, reason string, now time.Time) error {
	_, err := db.pool.Exec(ctx, `
		UPDATE outbox SET status = 'queued', send_after = $2, last_error = $3, lease_until = NULL, updated_at = $4
		WHERE id = $1`, id, at, truncate(reason, 500), now)
	if err != nil {
		return fmt.Errorf("retry text %d: %w", id, err)
	}
	return nil
}

// OutboxFailed gives up on a text. A carrier opt-out also opts the number
// out here; an offer the text asked about is marked not sent, with reason.
func (db *DB) OutboxFailed(ctx context.Context, id int64, code int, detail, reason string, now time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		status := bot.MsgFailed
		if reason == bot.ReasonOptedOut || reason == bot.ReasonAnswered {
			status = bot.MsgCancelled
		}
		var (
			offerID            *int64
			toIdx, to, channel string
		)
		err := tx.QueryRow(ctx, `
			UPDATE outbox SET status = $2, error_code = nullif($3, 0), last_error = $4, lease_until = NULL, updated_at = $5
			WHERE id = $1 RETURNING offer_id, to_idx, to_phone, channel`, id, status, code, truncate(detail, 500), now).Scan(&offerID, &toIdx, &to, &channel)
		if err != nil {
			return fmt.Errorf("fail text %d: %w", id, err)
		}
		if channel == bot.ChannelSMS && (reason == bot.ReasonNotMobile || reason == bot.ReasonUnsubscribed) {
			if reason == bot.ReasonNotMobile {
				if _, err := tx.Exec(ctx, `UPDATE participants SET sms_refused_at = coalesce(sms_refused_at, $2) WHERE phone_idx = $1`, toIdx, now); err != nil {
					return fmt.Errorf("record a number that cannot take texts: %w", err)
				}
			}
			if offerID != nil {
				asked, err := db.askOfferByCall(ctx, tx, *offerID, reason, now)
				if err != nil || asked {
					if err == nil && reason == bot.ReasonUnsubscribed {
						err = db.carrierOptOut(ctx, tx, id, toIdx, to, now)
					}
					if err == nil {
						err = setOfferMessageStatus(ctx, tx, offerID, status, now)
					}
					return err
				}
			}
		}
		if reason == bot.ReasonUnsubscribed {
			if err := db.carrierOptOut(ctx, tx, id, toIdx, to, now); err != nil {
				return err
			}
		}
		textOf := offerID
		if channel != bot.ChannelSMS {
			textOf = nil // an offer's message status is its text's
		}
		if err := setOfferMessageStatus(ctx, tx, textOf, status, now); err != nil {
			return err
		}
		if reason == bot.ReasonAnswered {
			return nil // the offer's answer stands
		}
		// An offer still awaiting that nobody could be asked about: for a
		// call, not_sent_reason (why no text) becomes why no call.
		return offerNotSent(ctx, tx, offerID, reason, now)
	})
}

// carrierOptOut records that the recipient of outbox text id opted out
// with their carrier (Twilio's 21610), as if they had sent STOP. A text
// whose number retention removed has no one left to record.
func (db *DB) carrierOptOut(ctx context.Context, tx pgx.Tx, id int64, toIdx, sealedTo string, now time.Time) error {
	if toIdx == "" || sealedTo == "" {
		return nil
	}
	phone, err := db.keys.OpenString(sealedTo, "outbox", "to_phone", rowKey(id))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO participants (phone_idx, phone, created_at, opted_out_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (phone_idx) DO UPDATE SET opted_out_at = coalesce(participants.opted_out_at, $3)`,
		toIdx, db.keys.SealString(phone, "participants", "phone", toIdx), now)
	if err != nil {
		return fmt.Errorf("record carrier opt-out: %w", err)
	}
	return nil
}

// askOfferByCall turns an offer whose text the carrier refused (reason)
// into one asked by an outbound call to the request's contact number, and
// queues the call. It reports whether it did: an offer no longer
// awaiting, or a request without a contact number, stays as it is.
func (db *DB) askOfferByCall(ctx context.Context, tx pgx.Tx, offerID int64, reason string, now time.Time) (bool, error) {
	var (
		requestID int64
		contact   string
	)
	err := tx.QueryRow(ctx, `
		SELECT r.id, r.contact_phone FROM callback_offers o JOIN requests r ON r.id = o.request_id
		WHERE o.id = $1 AND o.status = 'awaiting' FOR UPDATE OF o`, offerID).Scan(&requestID, &contact)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("offer %d: %w", offerID, err)
	}
	phone, err := db.keys.OpenString(contact, "requests", "contact_phone", rowKey(requestID))
	if err != nil || phone == "" {
		return false, err
	}
	_, err = tx.Exec(ctx, `
		UPDATE callback_offers SET ask_by = 'call', not_sent_reason = $2, contact_idx = $3, contact_phone = $4, updated_at = $5
		WHERE id = $1`, offerID, reason, db.keys.Index("phone", phone),
		db.keys.SealString(phone, "callback_offers", "contact_phone", rowKey(offerID)), now)
	if err != nil {
		return false, fmt.Errorf("ask offer %d by call: %w", offerID, err)
	}
	return true, db.enqueue(ctx, tx, &bot.OutboxMessage{Kind: bot.KindAvailabilityCall, Channel: bot.ChannelCall, OfferID: offerID,
		RequestID: requestID, To: phone, SendAfter: now}, now)
}

// offerNotSent marks the offer a text asked about, if it still awaits an
// answer, as not sent for reason.
func offerNotSent(ctx context.Context, tx pgx.Tx, offerID *int64, reason string, now time.Time) error {
	if offerID == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE callback_offers SET status = 'not_sent', not_sent_reason = $2, updated_at = $3
		WHERE id = $1 AND status = 'awaiting'`, *offerID, reason, now)
	if err != nil {
		return fmt.Errorf("mark offer not sent: %w", err)
	}
	return nil
}

// statusRank orders delivery statuses: a late report of an earlier status
// never overwrites a later one.
const statusRank = `CASE %s WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END`

// MessageStatus records a provider delivery report for the text sid. A
// report that the text failed because the recipient opted out with their
// carrier (code 21610) opts the number out, as a refused send does, even
// when an earlier report already said it failed.
func (db *DB) MessageStatus(ctx context.Context, sid, status string, code int, now time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var offerID *int64
		err := tx.QueryRow(ctx, fmt.Sprintf(`
			UPDATE outbox SET status = $2, error_code = coalesce(nullif($3, 0), error_code), updated_at = $4
			WHERE provider_sid = $1 AND `+statusRank+` <= `+statusRank+`
			RETURNING offer_id`, "status", "$2::text"), sid, status, code, now).Scan(&offerID)
		switch {
		case err == pgx.ErrNoRows:
			// Unknown text, or a report older than what is known.
		case err != nil:
			return fmt.Errorf("record delivery of %s: %w", sid, err)
		default:
			if err := setOfferMessageStatus(ctx, tx, offerID, status, now); err != nil {
				return err
			}
		}
		if code != bot.CodeUnsubscribed || (status != bot.MsgUndelivered && status != bot.MsgFailed) {
			return nil
		}
		var (
			id        int64
			toIdx, to string
		)
		err = tx.QueryRow(ctx, `SELECT id, offer_id, to_idx, to_phone FROM outbox WHERE provider_sid = $1`, sid).Scan(&id, &offerID, &toIdx, &to)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("text %s: %w", sid, err)
		}
		if err := db.carrierOptOut(ctx, tx, id, toIdx, to, now); err != nil {
			return err
		}
		if offerID != nil {
			// The contact is asked by a call instead, when they can be.
			if asked, err := db.askOfferByCall(ctx, tx, *offerID, bot.ReasonUnsubscribed, now); err != nil || asked {
				return err
			}
		}
		return offerNotSent(ctx, tx, offerID, bot.ReasonUnsubscribed, now)
	})
}

func setOfferMessageStatus(ctx context.Context, tx pgx.Tx, offerID *int64, status string, now time.Time) error {
	if offerID == nil {
		return nil
	}
	_, err := tx.Exec(ctx, fmt.Sprintf(`
		UPDATE callback_offers SET message_status = $2, updated_at = $3
		WHERE id = $1 AND (message_status = '' OR `+statusRank+` <= `+statusRank+`)`, "message_status", "$2::text"),
		*offerID, status, now)
	if err != nil {
		return fmt.Errorf("offer delivery status: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
