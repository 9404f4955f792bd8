package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot/postgres"
	"infopass/bot/postgres/localpg"
	"infopass/bot/twilioapi/twiliotest"
	"infopass/bot/vault"
	"infopass/flows"
)

// TestDatabaseOutage stops PostgreSQL in the middle of conversations: texts
// get a kind "send it again" in the person's language, callers an apology,
// one retry and then the Contact Center, nothing is half-written, readyz
// says so, and the conversations go on once the database is back.
func TestDatabaseOutage(t *testing.T) {
	tmp := t.TempDir()
	// The server runs as postgres when tests run as root: it must be able
	// to reach its directory.
	for d := tmp; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(tmp, "pg")
	ctx := context.Background()
	srv, err := localpg.StartWith(ctx, dir, localpg.Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	h := &harness{t: t, dbURL: srv.URL("postgres"), logs: &syncBuffer{}, start: time.Now()}
	keys, _ := vault.NewKeyring(testDataKey)
	if h.db, err = postgres.Open(ctx, h.dbURL, keys); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.db.Close)
	if err := h.db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h.twilio = twiliotest.New()
	t.Cleanup(h.twilio.Close)
	h.startServer(true)
	t.Cleanup(func() { h.stop() })

	texter, caller := "+12025550701", "+12025550702"
	h.play(texter, []step{{"Hola", "¿Usted es"}, {"1", "¿Qué necesita?"}})
	call := h.call(caller).script(voiceApplicantADIT[:2])

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if reply := h.text(texter, "1"); !strings.Contains(reply, "no pudimos guardar") {
		t.Errorf("text during the outage: %q", reply)
	}
	// The caller hears an apology and the question again; the database is
	// still down then, so the call goes to a person.
	call.do("1", "could not save that")
	if call.last.Dialed != "+18003755283" || !strings.Contains(call.said(), "Please hold") {
		t.Errorf("call during the outage: %+v", call.last)
	}
	resp, err := http.Get(h.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: %d", resp.StatusCode)
	}

	if srv, err = localpg.StartWith(ctx, dir, localpg.Options{NoFsync: true}); err != nil {
		t.Fatal(err)
	}
	var reply string
	eventually(t, "texts are saved again", func() bool {
		reply = h.text(texter, "1")
		return !strings.Contains(reply, "no pudimos guardar")
	})
	c, err := h.db.OpenConversation(ctx, texter)
	if err != nil || c.Step != flows.StepADITDate || c.Version != 3 {
		t.Errorf("after the outage: %+v %v (reply %q)", c, err, reply)
	}
	h.call(caller).do("1", "What do you need?")
}

// TestSlowDatabase holds a lock every turn needs, as a database too slow to
// answer would: the text gets the same "send it again" within the turn's
// bound, nothing is written, and once the lock goes the text is taken.
func TestSlowDatabase(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	texter := "+12025550703"
	h.play(texter, []step{{"Hola", "¿Usted es"}, {"1", "¿Qué necesita?"}})
	before, err := h.db.OpenConversation(ctx, texter)
	if err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(ctx, h.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE participants IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if reply := h.text(texter, "1"); !strings.Contains(reply, "no pudimos guardar") {
		t.Errorf("text while the database does not answer: %q", reply)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := h.db.OpenConversation(ctx, texter)
	if err != nil || after.Version != before.Version || after.Step != flows.StepType {
		t.Errorf("the slow turn changed the conversation: %+v %v", after, err)
	}
	if msgs, err := h.db.Messages(ctx, texter); err != nil || len(msgs) != 4 {
		t.Errorf("%d messages stored, want the 4 of the two turns before: %v", len(msgs), err)
	}
	if reply := h.text(texter, "1"); !strings.Contains(reply, "fecha") {
		t.Errorf("the same text once the database answers: %q", reply)
	}
}
