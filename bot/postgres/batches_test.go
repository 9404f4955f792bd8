package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// TestRetentionInBatches checks that each retention job goes through
// every due row in one pass however many batches that takes, and that a
// number looked at before (and kept then) is looked at again once its
// last conversation or request goes.
func TestRetentionInBatches(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	db.SetRetentionBatch(2)
	caps := bot.OutboundCaps{Hourly: 100, Daily: 100}
	old := t0.Add(-400 * 24 * time.Hour)
	var callers, filers []string
	for i := range 5 {
		callers = append(callers, fmt.Sprintf("+120255508%02d", i))
		filers = append(filers, fmt.Sprintf("+120255509%02d", i))
		queueText(t, db, callers[i], old)
		r := file(t, db, fmt.Sprintf("IP-BATCH00%d", i), filers[i], old)
		setStatus(t, db, r.Reference, bot.StatusClosed, old)
	}
	// The callers' texts were sent.
	ids, _ := claimAll(t, db, old, caps)
	for _, id := range ids {
		if err := db.OutboxSent(ctx, id, fmt.Sprintf("SM%032x", id), old); err != nil {
			t.Fatal(err)
		}
	}
	// A pass before anything is due looks at every number, new as they
	// are, and keeps them all.
	left, err := db.PurgeLeftovers(ctx, old)
	if err != nil || left.Participants != 0 {
		t.Fatalf("a pass with nothing due purged %+v, %v", left, err)
	}
	if n := count(t, conn, `SELECT count(*) FROM participants WHERE recheck`); n != 0 {
		t.Fatalf("%d numbers still to look at after a pass", n)
	}

	if n, err := db.DeleteIdle(ctx, t0.Add(-bot.IdleExpire)); err != nil || n != 5 {
		t.Errorf("deleted %d idle conversations, %v; want 5", n, err)
	}
	if n, err := db.PurgeClosed(ctx, t0.AddDate(0, 0, -365), t0); err != nil || n != 5 {
		t.Errorf("purged %d requests, %v; want 5", n, err)
	}
	left, err = db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire))
	if err != nil || left.Participants != 10 {
		t.Errorf("purged %+v, %v; want the 10 numbers", left, err)
	}
	for _, table := range []string{"participants", "conversations", "messages", "outbox"} {
		if n := count(t, conn, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%d rows of %s left", n, table)
		}
	}
	if n := count(t, conn, `SELECT count(*) FROM requests WHERE purged_at IS NULL OR phone_idx <> ''`); n != 0 {
		t.Errorf("%d requests not purged", n)
	}
}

// TestTurnsLeaveNothing checks that what a turn removes is looked at by
// the next pass: the number whose idle conversation a turn dropped, with
// that conversation's texts, and an unattested call whose conversation
// its number took over.
func TestTurnsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	caps := bot.OutboundCaps{Hourly: 100, Daily: 100}
	old := t0.Add(-60 * 24 * time.Hour)
	const (
		idle   = "+12025550860" // comes back after the idle time
		number = "+12025550861" // calls, unattested, and goes on by text
		call   = "CA0000000000000000000000000000861"
	)
	text := queueText(t, db, idle, old)
	if ids, _ := claimAll(t, db, old, caps); len(ids) != 1 {
		t.Fatalf("claimed %v", ids)
	}
	if err := db.OutboxSent(ctx, text, fmt.Sprintf("SM%032x", text), old); err != nil {
		t.Fatal(err)
	}
	err := db.Turn(ctx, bot.Party{Phone: number, Call: call}, t0, func(ctx context.Context, tx bot.Tx) error {
		return tx.SaveConversation(ctx, &bot.Conversation{Phone: number, Open: true, Step: flows.StepEmail, CreatedAt: t0, UpdatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	if left, err := db.PurgeLeftovers(ctx, old); err != nil || left.Participants != 0 {
		t.Fatalf("a pass with nothing due purged %+v, %v", left, err)
	}

	// The idle number's turn drops its old conversation and, here, opens
	// none; the call's conversation moves to the number.
	err = db.Turn(ctx, bot.Party{Phone: idle}, t0, func(ctx context.Context, tx bot.Tx) error {
		c, err := tx.OpenConversation(ctx)
		if err != nil || c == nil {
			return fmt.Errorf("the idle conversation: %v %v", c, err)
		}
		return tx.DeleteConversation(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Turn(ctx, bot.Party{Phone: number, Call: call}, t0, func(ctx context.Context, tx bot.Tx) error {
		c, err := tx.OpenConversation(ctx)
		if err != nil || c == nil {
			return fmt.Errorf("the call's conversation: %v %v", c, err)
		}
		moved, err := tx.AdoptConversation(ctx, c)
		if err == nil && !moved {
			err = fmt.Errorf("the number took nothing over")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	left, err := db.PurgeLeftovers(ctx, old)
	if err != nil || left.Participants != 2 || left.Texts != 1 {
		t.Errorf("purged %+v, %v; want the idle number and the call's party, and the dropped conversation's text", left, err)
	}
	for phone, want := range map[string]int{idle: 0, "call:" + call: 0, number: 1} {
		if n := count(t, conn, `SELECT count(*) FROM participants WHERE phone_idx = $1`, db.Keys().Index("phone", phone)); n != want {
			t.Errorf("%s: %d participant rows, want %d", phone, n, want)
		}
	}
}

// TestRequestRowsGoWithTheRequest checks that a settled row of the outbox
// about a request (its filing's email) is kept while the request is, past
// the cutoff of rows about nothing, and goes when the request is purged.
func TestRequestRowsGoWithTheRequest(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	const phone = "+12025550870"
	old := t0.Add(-400 * 24 * time.Hour)
	r := file(t, db, "IP-EMAIL001", phone, old)
	m := &bot.OutboxMessage{Kind: bot.KindFiled, Channel: bot.ChannelEmail, RequestID: r.ID, To: "jane@example.org",
		Body: bot.EncodeEmail(bot.Email{Subject: "Request " + r.Reference, Text: "Filed."}), SendAfter: old}
	err := db.Turn(ctx, bot.Party{Phone: phone}, old, func(ctx context.Context, tx bot.Tx) error { return tx.Enqueue(ctx, m) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE outbox SET status = 'delivered', sent_at = $2, updated_at = $2 WHERE id = $1`, m.ID, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PurgeLeftovers(ctx, t0.Add(-bot.IdleExpire)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, `SELECT count(*) FROM outbox WHERE id = $1`, m.ID); n != 1 {
		t.Fatal("the email of a request still kept was purged")
	}
	setStatus(t, db, r.Reference, bot.StatusCompleted, old)
	if n, err := db.PurgeClosed(ctx, t0.AddDate(0, 0, -365), t0); err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if n := count(t, conn, `SELECT count(*) FROM outbox WHERE id = $1`, m.ID); n != 0 {
		t.Error("the email of a purged request is still there")
	}
}
