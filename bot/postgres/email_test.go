package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"infopass/bot"
)

// TestSentEmailKeepsItsText checks that an email is claimed whole, HTML
// part and all, and that once it is sent its row keeps the subject and
// the plain text alone, which the request's history shows; and that a
// sent email whose body cannot be read is still recorded as sent.
func TestSentEmailKeepsItsText(t *testing.T) {
	ctx := context.Background()
	db, conn := openRaw(t)
	const phone = "+12025550880"
	r := file(t, db, "IP-EMAIL002", phone, t0)
	email := bot.Email{Subject: "Your request " + r.Reference, Text: "Your request number is " + r.Reference + ".",
		HTML: `<html lang="en"><body><p>Your request number is <b>` + r.Reference + `</b>.</p></body></html>`}
	other := file(t, db, "IP-EMAIL003", "+12025550881", t0)
	queue := func(r bot.Request, body string) *bot.OutboxMessage {
		m := &bot.OutboxMessage{Kind: bot.KindFiled, Channel: bot.ChannelEmail, RequestID: r.ID, To: "jane@example.org", Body: body, SendAfter: t0}
		if err := db.Turn(ctx, bot.Party{Phone: r.Phone}, t0, func(ctx context.Context, tx bot.Tx) error { return tx.Enqueue(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sealed := func(id int64) string {
		var s string
		if err := conn.QueryRow(ctx, `SELECT body FROM outbox WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	m := queue(r, bot.EncodeEmail(email))
	broken := queue(other, "not an email")

	claim, err := db.ClaimOutbox(ctx, t0, time.Minute, 10, bot.ChannelEmail, bot.OutboundCaps{Hourly: 10, Daily: 10})
	if err != nil || len(claim.Messages) != 2 {
		t.Fatalf("claimed %+v, %v", claim, err)
	}
	for _, c := range claim.Messages {
		if c.ID != m.ID {
			continue
		}
		if got, err := bot.DecodeEmail(c.Body); err != nil || got != email {
			t.Errorf("claimed %+v, %v; want the whole email", got, err)
		}
	}
	before := len(sealed(m.ID))
	for _, id := range []int64{m.ID, broken.ID} {
		if err := db.OutboxSent(ctx, id, fmt.Sprintf("email:<%d@example.org>", id), t0); err != nil {
			t.Fatalf("sent %d: %v", id, err)
		}
	}
	body, err := db.Keys().OpenString(sealed(m.ID), "outbox", "body", fmt.Sprint(m.ID))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := bot.DecodeEmail(body)
	if err != nil || kept != (bot.Email{Subject: email.Subject, Text: email.Text}) || strings.Contains(body, "html") {
		t.Errorf("kept %q (%+v, %v); want the subject and text alone", body, kept, err)
	}
	if after := len(sealed(m.ID)); after >= before {
		t.Errorf("the sealed body went from %d to %d bytes", before, after)
	}
	if n := count(t, conn, `SELECT count(*) FROM outbox WHERE id = ANY($1) AND status = 'sent'`, []int64{m.ID, broken.ID}); n != 2 {
		t.Errorf("%d of the two emails recorded as sent", n)
	}
	if body, err := db.Keys().OpenString(sealed(broken.ID), "outbox", "body", fmt.Sprint(broken.ID)); err != nil || body != "not an email" {
		t.Errorf("the unreadable body became %q, %v", body, err)
	}
	// The request's history shows the sent email as before: its subject
	// and its text.
	var history []bot.HistoryMessage
	err = db.WithRequest(ctx, r.Reference, t0, false, func(ctx context.Context, tx bot.RequestTx) error {
		history, err = tx.History(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range history {
		found = found || h.Body == email.Subject+"\n\n"+email.Text
	}
	if !found {
		t.Errorf("the history %+v lacks the email's subject and text", history)
	}
}
