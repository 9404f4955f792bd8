package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"infopass/bot/postgres"
	"infopass/bot/postgres/localpg"
	"infopass/bot/vault"
	"infopass/webhooks"
)

// canaries are personal values no log line and no database dump may show.
var canaries = []string{"Zqxwvy Canarito", "1961-02-03", "02/03/1961", "A098765432", "098765432", "EAC9876543210",
	"canary.mail@example.org", "Qwzx Canarylawyer", "canary.rep@example.org", "2025550666"}

// fileCanaryRequest files a representative's request full of canary values.
func (h *harness) fileCanaryRequest() string {
	h.t.Helper()
	from := "+12025550666"
	h.play(from, []step{
		{"hi", "Your language?"}, {"1", "Are you"}, {"2", "full name"}, {"Qwzx Canarylawyer", "SAME"}, {"same", "email"},
		{"canary.rep@example.org", "text to confirm"}, {"1", "online account"}, {"none", "What do you need?"},
		{"1", "By what date"}, {"12/10/2026", "weekdays"}, {"1", "time of day"}, {"1", "full name"},
		{"Zqxwvy Canarito", "birth"}, {"02/03/1961", "ZIP"}, {"10001", "born"}, {"Mexico", "receipt"},
		{"EAC9876543210", "A-Number"}, {"A098765432", "email"}, {"canary.mail@example.org", "phone"},
		{"same", "Please check"},
	})
	return reference(h.t, h.submitReview(from))
}

// TestNoPersonalDataInLogsOrDump runs conversations with canary values and
// looks for them in the server's logs and, in plain text, anywhere in a
// pg_dump of the database.
func TestNoPersonalDataInLogsOrDump(t *testing.T) {
	h := newHarness(t)
	ref := h.fileCanaryRequest()
	h.offer(ref, monday9, monday11)
	eventually(t, "the offer text is sent", func() bool { return h.sentTo("+12025550666") == 1 })
	h.play("+12025550666", []step{{"no", "Which days"}, {"Canary afternoons only", "passed that on"}})
	h.api("POST", "/api/requests/"+ref+"/status", `{"status":"scheduled","note":"Spoke with Zqxwvy Canarito"}`, h.apiToken)
	// The data is there, in the clear, for staff.
	// Lookups by identifier, through the blind indexes, as people type them.
	for _, tc := range []struct {
		query  string
		status int
		found  int
	}{
		{"a_number=A098765432", http.StatusOK, 1},
		{"a_number=98765432", http.StatusOK, 1},
		{"a_number=A011111111", http.StatusOK, 0},
		{"receipt=eac-987-654-3210", http.StatusOK, 1},
		{"receipt=EAC1111111111", http.StatusOK, 0},
		{"phone=%2B12025550666", http.StatusOK, 1},
		{"phone=202-555-0666", http.StatusOK, 1},
		{"phone=%2B12025550667", http.StatusOK, 0},
		{"a_number=A098765432&receipt=EAC1111111111", http.StatusOK, 0},
		{"a_number=12", http.StatusBadRequest, 0},
		{"receipt=EAC12", http.StatusBadRequest, 0},
		{"phone=12", http.StatusBadRequest, 0},
	} {
		status, out := h.api("GET", "/api/requests?"+tc.query, "", h.apiToken)
		list, _ := out["requests"].([]any)
		if status != tc.status || len(list) != tc.found {
			t.Errorf("GET /api/requests?%s: %d with %d requests, want %d with %d: %v", tc.query, status, len(list), tc.status, tc.found, out)
		}
	}
	_, out := h.api("GET", "/api/requests/"+ref, "", h.apiToken)
	if answers, _ := out["answers"].(map[string]any); answers["name"] != "Zqxwvy Canarito" {
		t.Fatalf("staff see: %v", out["answers"])
	}
	logs := h.logs.String()
	for _, c := range canaries {
		if strings.Contains(logs, c) {
			t.Errorf("the logs show %q", c)
		}
	}
	dump := pgDump(t, h.dbURL)
	if !strings.Contains(dump, "COPY public.requests") || len(dump) < 1000 {
		t.Fatalf("the dump looks empty:\n%.500s", dump)
	}
	for _, c := range append(canaries, "Canary afternoons only") {
		if strings.Contains(dump, c) {
			t.Errorf("the database dump shows %q in plain text", c)
		}
	}
}

// pgDump dumps the database at url with the server's own pg_dump.
func pgDump(t *testing.T, url string) string {
	t.Helper()
	bin, err := localpg.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--data-only", "--dbname", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return string(out)
}

// TestRotateKey re-seals everything under a new key while the old one still
// opens it, then checks the data reads with the new key alone, lookups by
// blind index still work, and no value keeps the old key.
func TestRotateKey(t *testing.T) {
	h := newHarness(t)
	ref := h.fileCanaryRequest()
	h.stop()
	newKey := []byte("fedcba9876543210fedcba9876543210")
	both, err := vault.NewKeyring(newKey, testDataKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, h.dbURL, both)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := db.CountSealedWithOtherKeys(ctx)
	n, err := db.RotateKeys(ctx, 7)
	if err != nil || n == 0 || n != before {
		t.Fatalf("rotated %d of %d: %v", n, before, err)
	}
	db.Close()
	onlyNew, _ := vault.NewKeyring(newKey)
	db = openSealed(t, h.dbURL, onlyNew) // Migrate loads the blind-index key with the new key
	if left, err := db.CountSealedWithOtherKeys(ctx); err != nil || left != 0 {
		t.Errorf("%d values keep the old key: %v", left, err)
	}
	r, err := db.Request(ctx, ref)
	if err != nil || r.Answers.Name != "Zqxwvy Canarito" || r.Phone != "+12025550666" {
		t.Fatalf("after rotation: %+v %v", r, err)
	}
	if msgs, err := db.Messages(ctx, "+12025550666"); err != nil || len(msgs) < 40 {
		t.Errorf("messages after rotation: %d %v", len(msgs), err)
	}
	if c, err := db.OpenConversation(ctx, "+12025550666"); err == nil {
		t.Errorf("an open conversation after filing: %+v", c)
	}
	if reqs, err := db.RequestsFrom(ctx, "+12025550666"); err != nil || len(reqs) != 1 {
		t.Errorf("lookup by phone after rotation: %d %v", len(reqs), err)
	}
	oldOnly, _ := vault.NewKeyring(testDataKey)
	stale, err := postgres.Open(ctx, h.dbURL, oldOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	if err := stale.Migrate(ctx); err == nil {
		t.Error("the old key alone still opens the database")
	}
}

// openSealed opens the database at url with keys, as serve does (Migrate
// loads the blind-index key), and closes it when the test ends.
func openSealed(t *testing.T, url string, keys *vault.Keyring) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestRotateKeyOnline rotates the key while a conversation goes on: the
// service, restarted with both keys, keeps answering; every value ends up
// under the new key; and the new key alone reads all of it.
func TestRotateKeyOnline(t *testing.T) {
	h := newHarness(t)
	ref := h.fileCanaryRequest()
	ctx := context.Background()
	newKey := []byte("fedcba9876543210fedcba9876543210")
	both, err := vault.NewKeyring(newKey, testDataKey)
	if err != nil {
		t.Fatal(err)
	}
	// Step 1 of the runbook: the replicas restart with DATA_KEY=new and
	// OLD_DATA_KEYS=old.
	h.stop()
	db := openSealed(t, h.dbURL, both)
	h.db = db
	h.startServer(true)

	// Step 2, while someone texts.
	from := "+12025550667"
	answers := []string{"hi", "1", "1", "1", "12/10/2026", "1", "1", "Ana Rotación", "03/04/1985", "10001", "Peru"}
	replies := make(chan string, len(answers))
	go func() {
		defer close(replies)
		for _, a := range answers {
			form := h.smsForm(from, a)
			req, _ := http.NewRequest(http.MethodPost, h.base+"/twilio/sms", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, h.base+"/twilio/sms", form))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				replies <- "error: " + err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			replies <- string(body)
		}
	}()
	var rotated int64
	for attempt := 0; ; attempt++ {
		n, err := db.RotateKeys(ctx, 3)
		rotated += n
		if err == nil {
			break
		}
		if attempt == 10 {
			t.Fatalf("rotate-key: %v", err) // values in use are skipped, then taken by the next run
		}
	}
	i := 0
	for reply := range replies {
		if !strings.Contains(reply, "<Message>") {
			t.Errorf("turn %d (%q) during the rotation got %q", i, answers[i], reply)
		}
		i++
	}
	if i != len(answers) {
		t.Fatalf("%d of %d turns answered", i, len(answers))
	}
	if rotated == 0 {
		t.Fatal("nothing was rotated")
	}
	// Values written during the rotation are under the new key already.
	if _, err := db.RotateKeys(ctx, 100); err != nil {
		t.Fatal(err)
	}
	h.stop()

	// Step 3: the new key alone.
	onlyNew, _ := vault.NewKeyring(newKey)
	fresh := openSealed(t, h.dbURL, onlyNew)
	if left, err := fresh.CountSealedWithOtherKeys(ctx); err != nil || left != 0 {
		t.Errorf("%d values keep the old key: %v", left, err)
	}
	if r, err := fresh.Request(ctx, ref); err != nil || r.Answers.Name != "Zqxwvy Canarito" {
		t.Errorf("request after rotation: %+v %v", r, err)
	}
	c, err := fresh.OpenConversation(ctx, from)
	if err != nil || c.Answers.Name != "Ana Rotación" || c.Answers.BirthCountry != "PE" {
		t.Errorf("the conversation texted during the rotation: %+v %v", c, err)
	}
}

// TestRetention deletes the personal data of a request closed longer ago
// than RETENTION_DAYS, keeping what staff count by.
func TestRetention(t *testing.T) {
	h := newHarness(t)
	ref := h.fileCanaryRequest()
	keep := h.fileApplicant("+12025550667")
	h.api("POST", "/api/requests/"+ref+"/status", `{"status":"closed","note":"done"}`, h.apiToken)
	ctx := context.Background()
	now := h.now()
	if n, err := h.db.PurgeClosed(ctx, now.AddDate(0, 0, -365), now); err != nil || n != 0 {
		t.Fatalf("purged %d requests closed today: %v", n, err)
	}
	later := now.AddDate(0, 0, 366)
	if n, err := h.db.PurgeClosed(ctx, later.AddDate(0, 0, -365), later); err != nil || n != 1 {
		t.Fatalf("purged %d, want 1: %v", n, err)
	}
	r, err := h.db.Request(ctx, ref)
	if err != nil || r.Answers.Name != "" || r.Phone != "" || r.Type != "adit" || r.Status != "closed" || r.ZIP != "10001" {
		t.Errorf("purged request: %+v %v", r, err)
	}
	if msgs, _ := h.db.Messages(ctx, "+12025550666"); len(msgs) != 0 {
		t.Errorf("%d messages kept", len(msgs))
	}
	if k, err := h.db.Request(ctx, keep); err != nil || k.Answers.Name != "Jane Doe" {
		t.Errorf("an open request was touched: %+v %v", k, err)
	}
	for _, c := range canaries {
		if strings.Contains(pgDump(t, h.dbURL), c) {
			t.Errorf("the dump shows %q", c)
		}
	}
}
