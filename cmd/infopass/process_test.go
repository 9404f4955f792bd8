package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/bot/twilioapi/twiliotest"
	"infopass/flows"
	"infopass/webhooks"
)

// runMainEnv makes the test binary run main instead of the tests, so that
// tests can start the service as a process of its own.
const runMainEnv = "INFOPASS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// processDataKey seals the databases of the process tests.
var processDataKey = base64.StdEncoding.EncodeToString([]byte("infopass process test data key!!"))

// process is `infopass serve` running as a process of its own.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // how it exited, once done
}

// startProcess runs `infopass serve` against the database at dbURL on a
// free port and waits until it answers /healthz.
func startProcess(t *testing.T, dbURL string, env ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &process{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "serve")
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", "DATABASE_URL="+dbURL, "DATA_KEY="+processDataKey,
		"PORT="+strconv.Itoa(port), "PUBLIC_URL="+p.base, "TWILIO_AUTH_TOKEN="+testToken,
		"TWILIO_FROM=", "STAFF_TOKEN=", "STAFF_SESSION_KEY=", "ALLOWED_COUNTRY_CODES=", "ALLOWED_REGIONS=")
	p.cmd.Env = append(p.cmd.Env, env...) // later values win
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("logs of the process on %s:\n%s", p.base, p.logs)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("infopass serve exited: %v\n%s", p.err, p.logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("infopass serve did not answer /healthz: %v", err)
		}
	}
}

// exited waits up to d for the process to end and reports whether it did.
func (p *process) exited(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// noKeepAlive opens a connection per request, so that none is an idle
// keep-alive connection the server may close as it shuts down.
var noKeepAlive = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// text posts a signed text from `from` and returns the status and body, or
// the error of a request the server never took.
func (p *process) text(from, body string) (int, string, error) {
	target := p.base + "/twilio/sms"
	form := url.Values{"MessageSid": {newMessageSid()}, "From": {from}, "To": {serviceFrom}, "Body": {body}}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, target, form))
	resp, err := noKeepAlive.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

// mustText is text for a server that is not shutting down: its reply.
func (p *process) mustText(from, body string) string {
	p.t.Helper()
	status, raw, err := p.text(from, body)
	if err != nil || status != http.StatusOK {
		p.t.Fatalf("text %q: %d %v %s", body, status, err, raw)
	}
	doc := parseTwiML(p.t, raw)
	if len(doc.Messages) != 1 {
		p.t.Fatalf("text %q: no reply: %s", body, raw)
	}
	return doc.Messages[0]
}

// openStore opens the database at dbURL as serve does, after it.
func openStore(t *testing.T, dbURL string) *postgres.DB {
	t.Helper()
	cfg, err := readConfig(func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "DATA_KEY": processDataKey}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	db, closeDB, err := openDatabase(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeDB)
	// As serve does; it also loads what the store needs to find numbers.
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSIGTERMDrains stops the service with SIGTERM while turns are in
// flight: each turn the server took is answered with whole TwiML and
// stored, and the process exits 0.
func TestSIGTERMDrains(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	p := startProcess(t, dbURL)
	db := openStore(t, dbURL)
	ctx := context.Background()

	// The test holds the slow number's row lock, as a turn of another
	// replica would, so that its turn is still waiting when SIGTERM comes.
	slow := "+12025550501"
	locked, release, unlocked := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	unlock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unlock) // before the store closes, which waits for the lock's connection
	go func() {
		unlocked <- db.Turn(ctx, bot.Party{Phone: slow}, time.Now(), func(ctx context.Context, tx bot.Tx) error {
			tx.Participant(ctx) // the store takes the lock with the turn's first call
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	type answer struct {
		from   string
		status int
		body   string
		err    error
	}
	senders := []string{slow, "+12025550502", "+12025550503", "+12025550504", "+12025550505"}
	answers := make([]answer, len(senders))
	var wg sync.WaitGroup
	send := func(i int) {
		wg.Go(func() {
			status, body, err := p.text(senders[i], "hi")
			answers[i] = answer{senders[i], status, body, err}
		})
	}
	send(0)
	time.Sleep(500 * time.Millisecond) // the slow turn reaches the server and waits for the lock
	for i := 1; i < len(senders); i++ {
		send(i)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if p.exited(300 * time.Millisecond) {
		t.Fatalf("the process exited with a turn in flight: %v", p.err)
	}
	unlock()
	if err := <-unlocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !p.exited(10 * time.Second) {
		t.Fatal("the process did not exit within 10 s of SIGTERM")
	}
	if p.err != nil {
		t.Errorf("the process exited with %v, want 0", p.err)
	}

	answered := 0
	for i, a := range answers {
		if a.err == nil {
			answered++
		}
		msgs, err := db.Messages(ctx, a.from)
		if err != nil && !errors.Is(err, postgres.ErrNotFound) {
			t.Fatal(err)
		}
		switch {
		case a.err != nil && i == 0:
			t.Errorf("the turn in flight at SIGTERM was dropped: %v", a.err)
		case a.err != nil:
			// Sent after the server stopped listening: it never took it.
			if len(msgs) != 0 {
				t.Errorf("%s: no answer, yet %d messages stored", bot.MaskPhone(a.from), len(msgs))
			}
		case a.status != http.StatusOK:
			t.Errorf("%s: %d %s", bot.MaskPhone(a.from), a.status, a.body)
		default:
			if doc := parseTwiML(t, a.body); len(doc.Messages) != 1 || !strings.Contains(doc.Messages[0], "Your language?") {
				t.Errorf("%s: answer %s", bot.MaskPhone(a.from), a.body)
			}
			if len(msgs) != 2 {
				t.Errorf("%s: answered, but %d messages stored, want 2", bot.MaskPhone(a.from), len(msgs))
			}
		}
	}
	t.Logf("%d of %d turns sent around SIGTERM were answered", answered, len(answers))
}

// TestKillRestart kills the service with SIGKILL after a turn was
// answered: started again, it goes on with the conversation where it was.
// TestSIGTERMFinishesTheTextBeingSent stops the process while its outbox
// worker waits on a slow provider: the process waits for the send, records
// it, and exits; nothing is left to send again.
func TestSIGTERMFinishesTheTextBeingSent(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	release := fake.Hold()
	t.Cleanup(release)
	p := startProcess(t, dbURL, "TWILIO_FROM=+18005550100", "TWILIO_API_URL="+fake.URL, "TWILIO_ACCOUNT_SID="+testAccount)
	db := openStore(t, dbURL)
	ctx := context.Background()
	to := "+12025550512"
	err := db.Turn(ctx, bot.Party{Phone: to}, time.Now(), func(ctx context.Context, tx bot.Tx) error {
		tx.Participant(ctx)
		return tx.Enqueue(ctx, &bot.OutboxMessage{Kind: bot.KindReminder, To: to, Body: "Reminder: an officer will call you today.", SendAfter: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the worker is sending the text", func() bool { return fake.Attempts() == 1 })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if p.exited(500 * time.Millisecond) {
		t.Fatalf("the process exited with a text in flight: %v", p.err)
	}
	release()
	if !p.exited(10*time.Second) || p.err != nil {
		t.Fatalf("after SIGTERM: exited %v", p.err)
	}
	if n, err := db.OutboxDepth(ctx); err != nil || n[bot.ChannelSMS] != 0 {
		t.Errorf("%d texts still queued or being sent after the drain: %v", n[bot.ChannelSMS], err)
	}
	if msgs := fake.Messages(); len(msgs) != 1 || msgs[0].To != to {
		t.Errorf("the provider has %+v", msgs)
	}
}

func TestKillRestart(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	p := startProcess(t, dbURL)
	from := "+12025550511"
	if reply := p.mustText(from, "hi"); !strings.Contains(reply, "Your language?") {
		t.Fatalf("first reply: %s", reply)
	}
	if reply := p.mustText(from, "1"); !strings.Contains(reply, "Are you: 1 the person") {
		t.Fatalf("second reply: %s", reply)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if !p.exited(5 * time.Second) {
		t.Fatal("the process outlived SIGKILL")
	}

	p = startProcess(t, dbURL)
	if reply := p.mustText(from, "1"); !strings.Contains(reply, "What do you need?") {
		t.Fatalf("reply after the restart: %s", reply)
	}
	db := openStore(t, dbURL)
	c, err := db.OpenConversation(context.Background(), from)
	if err != nil || c.Step != flows.StepType || c.Version != 3 {
		t.Errorf("conversation after the restart: %+v %v", c, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !p.exited(10*time.Second) || p.err != nil {
		t.Errorf("after SIGTERM: exited %v", p.err)
	}
}
