package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/flows"
)

// openRaw returns a migrated store on a throwaway database and a
// connection of its own to the same database, to look at its rows.
func openRaw(t *testing.T) (*postgres.DB, *pgx.Conn) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	db := openURL(t, url)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, conn
}

// count runs a SELECT count(*) … and returns its answer.
func count(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// queueText queues a text to phone in a turn of phone's conversation (a
// caller going on by text), opening one if it has none, and returns the
// text's id.
func queueText(t *testing.T, db *postgres.DB, phone string, at time.Time) int64 {
	t.Helper()
	m := &bot.OutboxMessage{Kind: bot.KindHandoff, To: phone, Body: "Please reply with your email address.", SendAfter: at}
	err := db.Turn(context.Background(), bot.Party{Phone: phone}, at, func(ctx context.Context, tx bot.Tx) error {
		c, err := tx.OpenConversation(ctx)
		if err != nil {
			return err
		}
		if c == nil {
			c = &bot.Conversation{Phone: phone, Open: true, Step: flows.StepEmail, CreatedAt: at, UpdatedAt: at}
		}
		c.UpdatedAt = at
		if err := tx.SaveConversation(ctx, c); err != nil {
			return err
		}
		return tx.Enqueue(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// claimAll claims due texts one at a time until none is left or a cap
// holds them back, and returns the ids claimed and the cap.
func claimAll(t *testing.T, db *postgres.DB, now time.Time, caps bot.OutboundCaps) (ids []int64, heldBy string) {
	t.Helper()
	for {
		claim, err := db.ClaimOutbox(context.Background(), now, time.Minute, 1, bot.ChannelSMS, caps)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range claim.Messages {
			ids = append(ids, m.ID)
		}
		if len(claim.Messages) == 0 {
			return ids, claim.HeldBy
		}
	}
}

// TestOutboundCaps checks that claims never take more texts than the caps
// leave room for, counting those sent and those being sent, that a cap
// that holds due texts back says which, and that the room comes back as
// the hour and the day pass.
func TestOutboundCaps(t *testing.T) {
	ctx := context.Background()
	caps := bot.OutboundCaps{Hourly: 2, Daily: 3}

	t.Run("Windows", func(t *testing.T) {
		db, _ := openRaw(t)
		for i := range 6 {
			queueText(t, db, fmt.Sprintf("+1202555071%d", i), t0)
		}
		send := func(ids []int64, at time.Time) {
			for _, id := range ids {
				if err := db.OutboxSent(ctx, id, fmt.Sprintf("SM%032d", id), at); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, tc := range []struct {
			name   string
			at     time.Time
			want   int
			heldBy string
		}{
			// Two claimed: being sent, they count against the cap.
			{"HourlyCap", t0, 2, bot.CapHourly},
			// Sent at t0, they still count within the hour.
			{"SameHour", t0.Add(59 * time.Minute), 0, bot.CapHourly},
			{"NextHour", t0.Add(61 * time.Minute), 1, bot.CapDaily},
			{"SameDay", t0.Add(23 * time.Hour), 0, bot.CapDaily},
			// The day after the first two, the third still counts.
			{"NextDay", t0.Add(24*time.Hour + time.Minute), 2, bot.CapDaily},
			{"Done", t0.Add(72 * time.Hour), 1, ""},
		} {
			ids, heldBy := claimAll(t, db, tc.at, caps)
			if len(ids) != tc.want || heldBy != tc.heldBy {
				t.Errorf("%s: claimed %d, held by %q; want %d, %q", tc.name, len(ids), heldBy, tc.want, tc.heldBy)
			}
			send(ids, tc.at)
		}
	})

	t.Run("NothingDue", func(t *testing.T) {
		db, _ := openRaw(t)
		id := queueText(t, db, "+12025550720", t0)
		ids, _ := claimAll(t, db, t0, bot.OutboundCaps{Hourly: 1, Daily: 1})
		if len(ids) != 1 || ids[0] != id {
			t.Fatalf("claimed %v", ids)
		}
		if ids, heldBy := claimAll(t, db, t0, bot.OutboundCaps{Hourly: 1, Daily: 1}); len(ids) != 0 || heldBy != "" {
			t.Errorf("at the cap with nothing due: claimed %v, held by %q", ids, heldBy)
		}
	})

	t.Run("ReplicasClaimingAtOnce", func(t *testing.T) {
		// Eight workers of four replicas claim together: without the
		// claims' lock, each would count none sent and take a text.
		url := pgtest.NewDatabase(t)
		db := openURL(t, url)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			queueText(t, db, fmt.Sprintf("+1202555073%d", i), t0)
		}
		replicas := []*postgres.DB{db, openURL(t, url), openURL(t, url), openURL(t, url)}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			claimed int
		)
		start := make(chan struct{})
		for i := range 8 {
			wg.Go(func() {
				<-start
				claim, err := replicas[i%4].ClaimOutbox(ctx, t0, time.Minute, 1, bot.ChannelSMS, bot.OutboundCaps{Hourly: 3, Daily: 100})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				claimed += len(claim.Messages)
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		if claimed != 3 {
			t.Errorf("eight claims at once took %d texts under an hourly cap of 3", claimed)
		}
	})
}

// TestCarrierOptOutByStatus checks that a delivery report with Twilio's
// error 21610 opts the number out, as a refused send does, and that other
// reports do not.
func TestCarrierOptOutByStatus(t *testing.T) {
	ctx := context.Background()
	db, _ := openRaw(t)
	const phone = "+12025550740"
	id := queueText(t, db, phone, t0)
	if ids, _ := claimAll(t, db, t0, bot.OutboundCaps{Hourly: 10, Daily: 10}); len(ids) != 1 {
		t.Fatalf("claimed %v", ids)
	}
	sid := "SM" + fmt.Sprintf("%032x", id)
	if err := db.OutboxSent(ctx, id, sid, t0); err != nil {
		t.Fatal(err)
	}
	optedOut := func() bool {
		p, err := db.Participant(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		return p.OptedOut
	}
	for _, tc := range []struct {
		status string
		code   int
		want   bool
	}{
		{bot.MsgDelivered, 0, false},
		{bot.MsgUndelivered, 30003, false},         // unreachable: not an opt-out
		{bot.MsgSent, bot.CodeUnsubscribed, false}, // not a failure report
		{bot.MsgFailed, bot.CodeUnsubscribed, true},
	} {
		if err := db.MessageStatus(ctx, sid, tc.status, tc.code, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := optedOut(); got != tc.want {
			t.Errorf("after %s %d: opted out %v, want %v", tc.status, tc.code, got, tc.want)
		}
	}
	if err := db.MessageStatus(ctx, "SM"+fmt.Sprintf("%032x", 999), bot.MsgFailed, bot.CodeUnsubscribed, t0); err != nil {
		t.Errorf("21610 for an unknown text: %v", err)
	}
}

// file files a submitted request from phone at `at` in a conversation of
// its own, closed as a filed one is.
func file(t *testing.T, db *postgres.DB, ref, phone string, at time.Time) bot.Request {
	t.Helper()
	r := bot.Request{Reference: ref, Status: bot.StatusSubmitted, Type: flows.TypeADIT, Language: "en", Channel: bot.SMS,
		Role: flows.RoleApplicant, Phone: phone, ContactPhone: phone, ZIP: "10001", SubmittedAt: at,
		Answers: flows.Answers{Role: flows.RoleApplicant, Type: flows.TypeADIT, Name: "Jane Doe"}}
	err := db.Turn(context.Background(), bot.Party{Phone: phone}, at, func(ctx context.Context, tx bot.Tx) error {
		c := &bot.Conversation{Phone: phone, Step: flows.StepSubmitted, CreatedAt: at, UpdatedAt: at}
		if err := tx.SaveConversation(ctx, c); err != nil {
			return err
		}
		if err := tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SM" + ref, Body: "yes"}, bot.Reply{}, sent("Sent.")); err != nil {
			return err
		}
		r.ConversationID = c.ID
		return tx.CreateRequest(ctx, &r)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// offerText makes a callback offer on ref at `at` and queues its text.
func offerText(t *testing.T, db *postgres.DB, ref, phone string, at time.Time) (offerID, textID int64) {
	t.Helper()
	err := db.WithRequest(context.Background(), ref, at, true, func(ctx context.Context, tx bot.RequestTx) error {
		o := bot.CallbackOffer{RequestID: tx.Request().ID, Start: at.Add(72 * time.Hour), End: at.Add(74 * time.Hour), Zone: "America/New_York",
			Status: bot.OfferAwaiting, ContactPhone: phone, ContactRole: "applicant", MessageStatus: bot.MsgQueued, CreatedAt: at, UpdatedAt: at}
		if err := tx.SaveOffer(ctx, &o); err != nil {
			return err
		}
		m := &bot.OutboxMessage{Kind: bot.KindOffer, OfferID: o.ID, To: phone, Body: "Can we call you?", SendAfter: at}
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
		offerID, textID = o.ID, m.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return offerID, textID
}

func setStatus(t *testing.T, db *postgres.DB, ref, status string, at time.Time) {
	t.Helper()
	err := db.WithRequest(context.Background(), ref, at, true, func(ctx context.Context, tx bot.RequestTx) error {
		return tx.SetStatus(ctx, status, "", bot.Actor{Client: "test"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPurgeLeavesNothing checks each thing the purges used to leave
// behind: texts of a purged request, sent or still being sent; texts of a
// deleted conversation; participants with nothing left, except that an
// opt-out is kept as its blind index alone.
func TestPurgeLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	const (
		caller   = "+12025550750" // a caller who went on by text, then went idle
		optedOut = "+12025550751" // sent STOP, then went idle
		active   = "+12025550752" // in the middle of a conversation
		filer    = "+12025550753" // filed a request, closed long ago
		contact  = "+12025550754" // the contact of a request still open
		unlinked = "+12025550756" // sent a text that names no conversation (an older row)
	)
	caps := bot.OutboundCaps{Hourly: 100, Daily: 100}
	old := t0.Add(-400 * 24 * time.Hour)

	sentText := queueText(t, db, caller, old)
	if ids, _ := claimAll(t, db, old, caps); len(ids) != 1 {
		t.Fatalf("claimed %v", ids)
	}
	if err := db.OutboxSent(ctx, sentText, "SM"+fmt.Sprintf("%032x", sentText), old); err != nil {
		t.Fatal(err)
	}
	queuedText := queueText(t, db, caller, old.Add(time.Minute))
	queueText(t, db, optedOut, old)
	err := db.Turn(ctx, bot.Party{Phone: optedOut}, old, func(ctx context.Context, tx bot.Tx) error {
		return tx.SaveParticipant(ctx, bot.Participant{Phone: optedOut, Language: "es", OptedOut: true, Texted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	queueText(t, db, active, t0)
	legacyText := queueText(t, db, unlinked, old)
	r := file(t, db, "IP-PURGE001", filer, old)
	_, offerSent := offerText(t, db, r.Reference, filer, old)
	_, offerSending := offerText(t, db, r.Reference, filer, old)
	kept := file(t, db, "IP-PURGE002", contact, t0)
	if _, err := conn.Exec(ctx, `DELETE FROM conversations WHERE id = $1`, kept.ConversationID); err != nil {
		t.Fatal(err)
	}
	// The filer's two offer texts: one sent, one claimed and not yet
	// recorded when the request is purged. The caller's second text is
	// not due yet: it stays queued.
	ids, _ := claimAll(t, db, old, caps)
	if len(ids) != 4 {
		t.Fatalf("claimed %v, want the 4 texts due", ids)
	}
	if err := db.OutboxSent(ctx, offerSent, "SM"+fmt.Sprintf("%032x", offerSent), old); err != nil {
		t.Fatal(err)
	}
	// The opted-out number's text was sent before it opted out; so was
	// the unlinked one.
	for _, id := range ids {
		if id != offerSending && id != offerSent {
			if err := db.OutboxSent(ctx, id, "SM"+fmt.Sprintf("%032x", id), old); err != nil {
				t.Fatal(err)
			}
		}
	}
	setStatus(t, db, r.Reference, bot.StatusClosed, old)
	if _, err := conn.Exec(ctx, `UPDATE outbox SET conversation_id = NULL WHERE id = $1`, legacyText); err != nil {
		t.Fatal(err)
	}

	if n, err := db.DeleteIdle(ctx, t0.Add(-bot.IdleExpire)); err != nil || n != 3 {
		t.Fatalf("deleted %d idle conversations, %v; want the caller's, the opted-out one's and the unlinked one's", n, err)
	}
	if n, err := db.PurgeClosed(ctx, t0.Add(-365*24*time.Hour), t0); err != nil || n != 1 {
		t.Fatalf("purged %d requests, %v", n, err)
	}
	left, err := db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire))
	if err != nil {
		t.Fatal(err)
	}

	texts := func(id int64) int { return count(t, conn, `SELECT count(*) FROM outbox WHERE id = $1`, id) }
	t.Run("TextsOfPurgedRequest", func(t *testing.T) {
		if texts(offerSent) != 0 {
			t.Error("the purged request's sent text is still there")
		}
		if texts(offerSending) != 1 {
			t.Error("the text being sent at the purge was deleted before it settled")
		}
	})
	t.Run("TextsOfDeletedConversation", func(t *testing.T) {
		if texts(sentText) != 0 {
			t.Error("the idle conversation's sent text is still there")
		}
		if texts(queuedText) != 1 {
			t.Error("the idle conversation's queued text was deleted before it was sent")
		}
		if n := count(t, conn, `SELECT count(*) FROM outbox o JOIN conversations c ON c.id = o.conversation_id`); n != 1 {
			t.Errorf("%d texts of live conversations, want the active caller's 1", n)
		}
	})
	t.Run("TextOfNoConversation", func(t *testing.T) {
		if texts(legacyText) != 0 {
			t.Error("a settled text of no conversation, sent before the cutoff, is still there")
		}
	})
	t.Run("ConversationOfPurgedRequest", func(t *testing.T) {
		if n := count(t, conn, `SELECT count(*) FROM conversations WHERE id = $1`, r.ConversationID); n != 0 {
			t.Error("the purged request's conversation is still there")
		}
		if n := count(t, conn, `SELECT count(*) FROM messages WHERE conversation_id = $1`, r.ConversationID); n != 0 {
			t.Errorf("%d messages of the purged request's conversation left", n)
		}
	})
	t.Run("Participants", func(t *testing.T) {
		if left.Participants != 3 || left.OptOuts != 1 {
			t.Errorf("purged %+v, want 3 participants and 1 opt-out", left)
		}
		for phone, want := range map[string]int{caller: 0, filer: 0, unlinked: 0, optedOut: 1, active: 1, contact: 1} {
			if n := count(t, conn, `SELECT count(*) FROM participants WHERE phone_idx = $1`, db.Keys().Index("phone", phone)); n != want {
				t.Errorf("%s: %d participant rows, want %d", phone[len(phone)-4:], n, want)
			}
		}
		var (
			phone, language      string
			optedOutAt, textedAt *time.Time
		)
		err := conn.QueryRow(ctx, `SELECT phone, language, opted_out_at, texted_at FROM participants WHERE phone_idx = $1`,
			db.Keys().Index("phone", optedOut)).Scan(&phone, &language, &optedOutAt, &textedAt)
		if err != nil || phone != "" || language != "" || optedOutAt == nil || textedAt != nil {
			t.Errorf("the opted-out number's row: %q %q %v %v %v; want its opt-out alone", phone, language, optedOutAt, textedAt, err)
		}
		// The next turn from it still knows.
		err = db.Turn(ctx, bot.Party{Phone: optedOut}, t0, func(ctx context.Context, tx bot.Tx) error {
			if !tx.Participant(ctx).OptedOut {
				t.Error("the opt-out was forgotten")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("OnceSettled", func(t *testing.T) {
		for _, id := range []int64{offerSending, queuedText} {
			if err := db.OutboxFailed(ctx, id, 0, "refused", bot.ReasonSendFailed, t0); err != nil {
				t.Fatal(err)
			}
		}
		left, err := db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire))
		if err != nil || left.Texts != 2 {
			t.Errorf("purged %+v, %v; want the 2 settled texts", left, err)
		}
		if texts(offerSending)+texts(queuedText) != 0 {
			t.Error("settled texts are still there")
		}
		if n := count(t, conn, `SELECT count(*) FROM outbox`); n != 1 {
			t.Errorf("%d texts left, want the active caller's", n)
		}
	})

	t.Run("BusyParticipantWaits", func(t *testing.T) {
		const busy = "+12025550755"
		inTurn, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- db.Turn(ctx, bot.Party{Phone: busy}, t0, func(ctx context.Context, tx bot.Tx) error {
				tx.Participant(ctx) // takes its row's lock
				close(inTurn)
				<-release
				return nil
			})
		}()
		<-inTurn
		if _, err := db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire)); err != nil {
			t.Fatal(err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n := count(t, conn, `SELECT count(*) FROM participants WHERE phone_idx = $1`, db.Keys().Index("phone", busy)); n != 1 {
			t.Fatalf("a participant in its turn was purged")
		}
		if left, err := db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire)); err != nil || left.Participants != 1 {
			t.Errorf("after its turn: purged %+v, %v; want the participant", left, err)
		}
	})
}

// TestCloseStale checks that a submitted request nobody touched for the
// stale period is closed by retention, its unsent texts withdrawn, and
// that any status change or offer since keeps a request open.
func TestCloseStale(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	old := t0.Add(-200 * 24 * time.Hour)
	cutoff := t0.Add(-180 * 24 * time.Hour)

	stale := file(t, db, "IP-STALE001", "+12025550760", old)
	staleOffer, staleText := offerText(t, db, stale.Reference, "+12025550760", old)
	offered := file(t, db, "IP-STALE002", "+12025550761", old)
	offerText(t, db, offered.Reference, "+12025550761", t0.Add(-10*24*time.Hour))
	scheduled := file(t, db, "IP-STALE003", "+12025550762", old)
	setStatus(t, db, scheduled.Reference, bot.StatusScheduled, old)
	recent := file(t, db, "IP-STALE004", "+12025550763", t0.Add(-170*24*time.Hour))

	n, err := db.CloseStale(ctx, cutoff, t0, "closed by retention: no activity for 180 days")
	if err != nil || n != 1 {
		t.Fatalf("closed %d, %v; want 1", n, err)
	}
	for ref, want := range map[string]string{
		stale.Reference: bot.StatusClosed, offered.Reference: bot.StatusSubmitted,
		scheduled.Reference: bot.StatusScheduled, recent.Reference: bot.StatusSubmitted,
	} {
		r, err := db.Request(ctx, ref)
		if err != nil || r.Status != want {
			t.Errorf("%s: %s %v, want %s", ref, r.Status, err, want)
		}
	}
	err = db.WithRequest(ctx, stale.Reference, t0, false, func(ctx context.Context, tx bot.RequestTx) error {
		events, err := tx.Events(ctx)
		if err != nil {
			return err
		}
		if e := events[len(events)-1]; e.Status != bot.StatusClosed || e.Actor != bot.ActorRetention || e.Note != "closed by retention: no activity for 180 days" {
			t.Errorf("last event %+v", e)
		}
		offers, err := tx.Offers(ctx)
		if err != nil {
			return err
		}
		if len(offers) != 1 || offers[0].ID != staleOffer || offers[0].Status != bot.OfferCancelled {
			t.Errorf("offers of the stale request: %+v", offers)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, `SELECT count(*) FROM outbox WHERE id = $1 AND status = 'cancelled'`, staleText); n != 1 {
		t.Error("the stale request's queued text was not cancelled")
	}
	if n := count(t, conn, `SELECT count(*) FROM outbox WHERE status = 'queued'`); n != 1 {
		t.Errorf("%d texts queued, want the offered request's", n)
	}
	if n, err := db.CloseStale(ctx, cutoff, t0, "again"); err != nil || n != 0 {
		t.Errorf("a second pass closed %d, %v", n, err)
	}
}

// TestClosingCancelsTexts checks that closing or completing a request
// withdraws its offers still awaiting an answer and its texts not sent.
func TestClosingCancelsTexts(t *testing.T) {
	db, conn := openRaw(t)
	for i, status := range []string{bot.StatusClosed, bot.StatusCompleted, bot.StatusScheduled} {
		phone := fmt.Sprintf("+1202555077%d", i)
		r := file(t, db, fmt.Sprintf("IP-CLOSE00%d", i), phone, t0)
		offer, text := offerText(t, db, r.Reference, phone, t0)
		setStatus(t, db, r.Reference, status, t0.Add(time.Hour))
		wantText, wantOffer := "cancelled", bot.OfferCancelled
		if status == bot.StatusScheduled {
			wantText, wantOffer = "queued", bot.OfferAwaiting
		}
		if n := count(t, conn, `SELECT count(*) FROM outbox WHERE id = $1 AND status = $2`, text, wantText); n != 1 {
			t.Errorf("%s: the queued text is not %s", status, wantText)
		}
		if n := count(t, conn, `SELECT count(*) FROM callback_offers WHERE id = $1 AND status = $2`, offer, wantOffer); n != 1 {
			t.Errorf("%s: the offer is not %s", status, wantOffer)
		}
	}
}
