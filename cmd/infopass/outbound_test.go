package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/flows"
	"infopass/webhooks"
)

// sql opens a connection of the test's own to the harness's database, to
// look at rows the service shows nowhere.
func (h *harness) sql() *pgx.Conn {
	h.t.Helper()
	conn, err := pgx.Connect(context.Background(), h.dbURL)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// count runs a SELECT count(*) … on conn.
func count(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestOutboundRegions checks that the service texts no number outside
// ALLOWED_REGIONS on its own, whenever the number came in: an offer to
// such a contact is not sent, with its reason, and a reminder queued
// before the regions changed is not sent either.
func TestOutboundRegions(t *testing.T) {
	h := newHarness(t)
	conn := h.sql()
	jamaica, uk := "+18762345678", "+447400123456"

	// Filed while Jamaica and the United Kingdom were served.
	h.restart(func(c *config) { c.AllowedRegions = flows.MustParseRegions("US,JM,GB") })
	jmRef := h.offeredTo(jamaica)
	if reply := h.text(jamaica, "YES"); !strings.Contains(reply, "An officer will call you") {
		t.Fatalf("YES to the offer: %q", reply)
	}
	ukRef := h.fileApplicant(uk)

	h.restart(nil) // the default regions: the United States and its territories
	t.Run("OfferNotSent", func(t *testing.T) {
		h.t = t
		status, o := h.offer(ukRef, monday9, monday11)
		if status != http.StatusCreated || o["status"] != bot.OfferNotSent || o["not_sent_reason"] != bot.ReasonRegion {
			t.Errorf("offer to a UK contact: %d %v", status, o)
		}
	})
	t.Run("ReminderNotSent", func(t *testing.T) {
		h.t = t
		back := h.at(time.Date(2026, 11, 30, 8, 1, 0, 0, mustZone("America/New_York")))
		defer back()
		eventually(t, "the reminder is given up", func() bool {
			return count(t, conn, `SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status = 'failed' AND last_error = 'outside the allowed regions'`) == 1
		})
		if n := h.sentTo(jamaica); n != 1 {
			t.Errorf("%d texts to the Jamaican number, want the offer's alone", n)
		}
		if o := h.offers(jmRef)[0]; o["status"] != bot.OfferConfirmed {
			t.Errorf("the confirmed offer: %v", o)
		}
		if _, series := h.scrape(); series[`infopass_outbox_sends_total{channel="sms",result="region"}`] != 1 {
			t.Errorf("metrics: %v texts refused for their region, want 1", series[`infopass_outbox_sends_total{channel="sms",result="region"}`])
		}
	})
	if n := h.sentTo(uk); n != 0 {
		t.Errorf("%d texts to the UK number", n)
	}
	if strings.Contains(h.logs.String(), "2345678") || strings.Contains(h.logs.String(), "7400123456") {
		t.Errorf("a full number is logged:\n%s", h.logs)
	}
}

// TestGlobalOutboundCap runs two replicas on one database with an hourly
// cap of 2 and a daily cap of 3: together they send no more, the texts
// past the caps wait (none is dropped), the metric and a warning say so,
// and they go out as the hour and the day pass.
func TestGlobalOutboundCap(t *testing.T) {
	h := newHarness(t)
	h.stop() // only the replicas send
	h.tune = func(c *config) { c.OutboundCaps = bot.OutboundCaps{Hourly: 2, Daily: 3} }
	r := h.startReplicas(2)
	conn := h.sql()
	var refs []string
	for i := range 5 {
		refs = append(refs, h.fileApplicantVia(r, i%2, fmt.Sprintf("+120255508%02d", i)))
	}
	h.offerAtOnce(r, refs)
	held := func(i int, cap string) bool {
		resp, err := http.Get(r.addrs[i] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return strings.Contains(b.String(), fmt.Sprintf("\ninfopass_outbound_held{cap=%q,channel=\"sms\"} 1\n", cap))
	}
	// holds waits until both replicas' workers found the cap held texts
	// back, so that each had its chance to send more, then checks what
	// went out and what waits.
	holds := func(cap string, sent int) {
		t.Helper()
		eventually(t, "both replicas are held by the "+cap+" cap", func() bool { return held(0, cap) && held(1, cap) })
		if n := len(h.twilio.Messages()); n != sent {
			t.Errorf("%d texts sent, want %d", n, sent)
		}
		if n := count(t, conn, `SELECT count(*) FROM outbox WHERE status = 'queued' AND channel = 'sms'`); n != 5-sent {
			t.Errorf("%d texts wait, want %d", n, 5-sent)
		}
	}
	holds(bot.CapHourly, 2)
	if n := strings.Count(h.logs.String(), `"msg":"outbound texts held back`); n < 1 || n > 2 {
		t.Errorf("%d warnings that texts are held back, want one a replica at most", n)
	}
	h.advance(61 * time.Minute)
	holds(bot.CapDaily, 3)
	h.advance(24 * time.Hour)
	eventually(t, "the rest goes out the next day", func() bool { return len(h.twilio.Messages()) == 5 })
	eventually(t, "no replica is held", func() bool { return !held(0, bot.CapDaily) && !held(1, bot.CapDaily) })
	seen := map[string]int{}
	for _, m := range h.twilio.Messages() {
		seen[m.To]++
	}
	if len(seen) != 5 {
		t.Errorf("texts went to %d numbers, want 5: %v", len(seen), seen)
	}
}

// TestMultipartWebhook posts a text as a multipart form, signed as the
// server would have checked it before (for the URL alone): it gets 415
// and nothing is stored.
func TestMultipartWebhook(t *testing.T) {
	h := newHarness(t)
	from := "+12025550830"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range h.smsForm(from, "hi") {
		mw.WriteField(k, v[0])
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, h.base+"/twilio/sms", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, h.base+"/twilio/sms", url.Values{}))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("multipart webhook: %d, want 415", resp.StatusCode)
	}
	if _, err := h.db.Participant(context.Background(), from); !errors.Is(err, postgres.ErrNotFound) {
		t.Errorf("the number was stored: %v", err)
	}
	if n := count(t, h.sql(), `SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// TestCarrierOptOutByStatusCallback checks that a delivery report with
// Twilio's error 21610 counts as STOP: the offer it carried is asked by a
// call instead, and no later offer is texted.
func TestCarrierOptOutByStatusCallback(t *testing.T) {
	h := newHarness(t)
	from := "+12025550831"
	ref := h.offeredTo(from)
	sid := h.twilio.Messages()[0].SID
	eventually(t, "the text is recorded as sent", func() bool { return h.offers(ref)[0]["message_status"] == "sent" })
	form := url.Values{"MessageSid": {sid}, "MessageStatus": {"undelivered"}, "ErrorCode": {"21610"}, "AccountSid": {testAccount}, "To": {from}}
	if status, _ := h.post("/twilio/status", form, true); status != http.StatusNoContent {
		t.Fatalf("status callback: %d", status)
	}
	if p, err := h.db.Participant(context.Background(), from); err != nil || !p.OptedOut {
		t.Errorf("after 21610: %+v %v, want opted out", p, err)
	}
	// The contact cannot be texted: the offer asks them by a call instead.
	if o := h.offers(ref)[0]; o["status"] != bot.OfferAwaiting || o["ask_by"] != bot.AskByCall || o["not_sent_reason"] != bot.ReasonUnsubscribed ||
		o["message_status"] != "undelivered" {
		t.Errorf("the offer after 21610: %v", o)
	}
	// Another morning the applicant asked for (Mondays and Wednesdays).
	status, o := h.offer(ref, "2026-12-02T09:00:00-05:00", "2026-12-02T11:00:00-05:00")
	if status != http.StatusCreated || o["ask_by"] != bot.AskByCall || o["not_sent_reason"] != bot.ReasonOptedOut {
		t.Errorf("the next offer: %d %v", status, o)
	}
	if n := h.sentTo(from); n != 1 {
		t.Errorf("%d texts sent, want 1", n)
	}
}

// TestRetentionLeftovers runs the purge of a serve process over requests
// closed for RETENTION_DAYS and left untouched for STALE_DAYS: nothing of
// a purged request is left, its text still being sent goes once it
// settles, and a stale request is closed by retention.
func TestRetentionLeftovers(t *testing.T) {
	h := newHarness(t)
	conn := h.sql()
	ctx := context.Background()
	closed, stale := "+12025550840", "+12025550841"

	// Servers without outbound texts, until the end: texts wait.
	quiet := func() {
		h.stop()
		h.startServer(false)
	}
	closedRef := h.offeredTo(closed)
	quiet()
	if status, _ := h.offer(closedRef, "2026-12-02T09:00:00-05:00", "2026-12-02T11:00:00-05:00"); status != http.StatusCreated {
		t.Fatal("second offer")
	}
	// A worker has claimed the second offer's text and is sending it when
	// the request is closed and, later, purged.
	claim, err := h.db.ClaimOutbox(ctx, h.now(), time.Millisecond, 10, bot.ChannelSMS, bot.OutboundCaps{Hourly: 10, Daily: 10})
	if err != nil || len(claim.Messages) != 1 {
		t.Fatalf("claim: %+v %v", claim, err)
	}
	if status, _ := h.api("POST", "/api/requests/"+closedRef+"/status", `{"status":"closed"}`, h.apiToken); status != http.StatusOK {
		t.Fatalf("close: %d", status)
	}
	staleRef := h.fileApplicant(stale)
	closedReq := h.requests(closed)[0]

	// A serve process purges at its start, then every ten minutes.
	h.advance(181 * 24 * time.Hour)
	quiet()
	t.Run("StaleClosed", func(t *testing.T) {
		h.t = t
		// Looked for in the tables: half a year on, the harness's API
		// token has expired.
		eventually(t, "the stale request is closed", func() bool {
			return count(t, conn, `SELECT count(*) FROM requests WHERE reference = $1 AND status = 'closed'`, staleRef) == 1
		})
		var actor string
		err := conn.QueryRow(ctx, `SELECT e.actor FROM request_events e JOIN requests r ON r.id = e.request_id
			WHERE r.reference = $1 ORDER BY e.id DESC LIMIT 1`, staleRef).Scan(&actor)
		if err != nil || actor != bot.ActorRetention {
			t.Errorf("the stale request's last change: by %q, %v; want %s", actor, err, bot.ActorRetention)
		}
	})

	h.advance(366 * 24 * time.Hour)
	quiet()
	closedIdx := h.db.Keys().Index("phone", closed)
	t.Run("PurgedRequestLeavesNothing", func(t *testing.T) {
		h.t = t
		eventually(t, "the closed request is purged", func() bool {
			return count(t, conn, `SELECT count(*) FROM requests WHERE id = $1 AND purged_at IS NOT NULL`, closedReq.ID) == 1
		})
		eventually(t, "its number is forgotten", func() bool {
			return count(t, conn, `SELECT count(*) FROM participants WHERE phone_idx = $1`, closedIdx) == 0
		})
		if n := count(t, conn, `SELECT count(*) FROM conversations WHERE id = $1`, closedReq.ConversationID); n != 0 {
			t.Error("the purged request's conversation is still there")
		}
		if n := count(t, conn, `SELECT count(*) FROM messages WHERE conversation_id = $1`, closedReq.ConversationID); n != 0 {
			t.Errorf("%d messages of the purged request are still there", n)
		}
		// The sent offer text is gone; the one being sent waits to settle.
		texts := count(t, conn, `SELECT count(*) FROM outbox x JOIN callback_offers o ON o.id = x.offer_id WHERE o.request_id = $1`, closedReq.ID)
		if waiting := count(t, conn, `SELECT count(*) FROM outbox WHERE purge AND status = 'sending'`); texts != 1 || waiting != 1 {
			t.Errorf("%d texts of the purged request left, %d waiting to settle; want the one being sent", texts, waiting)
		}
	})
	t.Run("SettledTextGoes", func(t *testing.T) {
		h.t = t
		h.stop()
		h.startServer(true) // reclaims the text and sends it
		eventually(t, "the interrupted text is sent", func() bool { return h.sentTo(closed) == 2 })
		eventually(t, "the text is recorded as sent", func() bool {
			return count(t, conn, `SELECT count(*) FROM outbox WHERE status = 'sending'`) == 0
		})
		quiet() // and purges it at its start
		eventually(t, "the settled text is purged", func() bool {
			return count(t, conn, `SELECT count(*) FROM outbox x JOIN callback_offers o ON o.id = x.offer_id WHERE o.request_id = $1`, closedReq.ID) == 0
		})
	})
}

// TestLockTimeout holds the row lock a number's turns take, as a stuck
// transaction would: the text gets the localized "send it again" once
// lock_timeout ends the wait (before the turn's own deadline), and
// nothing is written.
func TestLockTimeout(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	texter := "+12025550850"
	h.play(texter, []step{{"Hola", "¿Usted es"}, {"1", "¿Qué necesita?"}})
	before, err := h.db.OpenConversation(ctx, texter)
	if err != nil {
		t.Fatal(err)
	}
	conn := h.sql()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM participants WHERE phone_idx = $1 FOR UPDATE`, h.db.Keys().Index("phone", texter)); err != nil {
		t.Fatal(err)
	}
	if reply := h.text(texter, "1"); !strings.Contains(reply, "no pudimos guardar") {
		t.Errorf("text while its number's row is locked: %q", reply)
	}
	if !strings.Contains(h.logs.String(), "lock timeout (SQLSTATE 55P03)") {
		t.Errorf("the turn did not end on lock_timeout:\n%s", h.logs)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := h.db.OpenConversation(ctx, texter)
	if err != nil || after.Version != before.Version || after.Step != flows.StepType {
		t.Errorf("the turn changed the conversation: %+v %v", after, err)
	}
	if msgs, err := h.db.Messages(ctx, texter); err != nil || len(msgs) != 4 {
		t.Errorf("%d messages stored, want the 4 of the two turns before: %v", len(msgs), err)
	}
	if reply := h.text(texter, "1"); !strings.Contains(reply, "fecha") {
		t.Errorf("the same text once the lock is gone: %q", reply)
	}
}
