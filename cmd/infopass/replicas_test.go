package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"infopass/bot/postgres"
	"infopass/bot/vault"
	"infopass/webhooks"
)

// replicas runs n servers of the service on one database, each with its
// own connection pool and outbox worker, behind one public URL, as
// replicas behind a proxy are.
type replicas struct {
	h     *harness
	addrs []string
}

const replicaPublicURL = "https://infopass.test"

func (h *harness) startReplicas(n int) *replicas {
	t := h.t
	r := &replicas{h: h}
	for range n {
		keys, err := vault.NewKeyring(testDataKey)
		if err != nil {
			t.Fatal(err)
		}
		db, err := postgres.Open(context.Background(), h.dbURL, keys)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		cfg, err := readConfig(func(k string) string {
			return map[string]string{"TWILIO_ACCOUNT_SID": testAccount, "TWILIO_API_URL": h.twilio.URL}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg.PublicURL, cfg.AuthToken, cfg.From, cfg.now, cfg.retryBase = replicaPublicURL, testToken, serviceFrom, h.now, 20*time.Millisecond
		h.configure(&cfg)
		a, err := newApp(context.Background(), cfg, db, slog.New(slog.NewJSONHandler(h.logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.serve(ctx, ln) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("replica: %v", err)
			}
			db.Close()
		})
		r.addrs = append(r.addrs, "http://"+ln.Addr().String())
	}
	return r
}

// post sends form to replica i, signed for the public URL.
func (r *replicas) post(i int, path string, form url.Values) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, r.addrs[i]+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", webhooks.Sign(testToken, replicaPublicURL+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestThreeReplicas spreads duplicated and concurrent deliveries over three
// servers on one database: each MessageSid makes exactly one transition,
// and each callback offer is texted exactly once.
func TestThreeReplicas(t *testing.T) {
	h := newHarness(t)
	r := h.startReplicas(3)
	ctx := context.Background()

	t.Run("DuplicatesAcrossReplicas", func(t *testing.T) {
		h.t = t
		from := "+12025550601"
		form := h.smsForm(from, "hi")
		var wg sync.WaitGroup
		replies := make([]string, 9)
		for i := range replies {
			wg.Go(func() {
				status, body, err := r.post(i%3, "/twilio/sms", form)
				if err != nil || status != http.StatusOK {
					t.Errorf("delivery %d: %d %v", i, status, err)
					return
				}
				replies[i] = parseTwiML(t, body).Messages[0]
			})
		}
		wg.Wait()
		for i, reply := range replies {
			if reply != replies[0] || !strings.Contains(reply, "Your language?") {
				t.Errorf("delivery %d answered %q, the first %q", i, reply, replies[0])
			}
		}
		msgs, err := h.db.Messages(ctx, from)
		if err != nil || len(msgs) != 2 {
			t.Errorf("%d messages stored for nine deliveries of one text: %v", len(msgs), err)
		}
		if c, _ := h.db.OpenConversation(ctx, from); c == nil || c.Version != 1 {
			t.Errorf("conversation after nine deliveries: %+v", c)
		}
	})

	t.Run("ConcurrentTurnsAcrossReplicas", func(t *testing.T) {
		h.t = t
		numbers := []string{"+12025550602", "+12025550603", "+12025550604"}
		var wg sync.WaitGroup
		for n, from := range numbers {
			for i := range 12 {
				form := h.smsForm(from, "1")
				wg.Go(func() {
					if status, _, err := r.post((n+i)%3, "/twilio/sms", form); err != nil || status != http.StatusOK {
						t.Errorf("turn: %d %v", status, err)
					}
				})
			}
		}
		wg.Wait()
		for _, from := range numbers {
			c, err := h.db.OpenConversation(ctx, from)
			if err != nil || c.Version != 12 {
				t.Errorf("%s: conversation %+v %v, want version 12", from[len(from)-4:], c, err)
			}
			if msgs, _ := h.db.Messages(ctx, from); len(msgs) != 24 {
				t.Errorf("%d messages, want 24", len(msgs))
			}
		}
	})

	t.Run("OneTextPerOffer", func(t *testing.T) {
		h.t = t
		h.stop() // only the replicas send
		var refs []string
		for i := range 6 {
			refs = append(refs, h.fileApplicantVia(r, i%3, fmt.Sprintf("+120255506%02d", 10+i)))
		}
		before := len(h.twilio.Messages())
		h.offerAtOnce(r, refs)
		eventually(t, "six offer texts are sent", func() bool { return len(h.twilio.Messages())-before >= 6 })
		time.Sleep(300 * time.Millisecond) // three workers poll every second
		seen := map[string]int{}
		for _, m := range h.twilio.Messages()[before:] {
			seen[m.To]++
		}
		if len(seen) != 6 {
			t.Errorf("texts went to %d numbers, want 6", len(seen))
		}
		for to, n := range seen {
			if n != 1 {
				t.Errorf("%d texts to …%s", n, to[len(to)-4:])
			}
		}
	})
}

// fileApplicantVia files an ADIT request by text through replica i.
func (h *harness) fileApplicantVia(r *replicas, i int, from string) string {
	h.t.Helper()
	script := append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/10/2026", "weekdays"}), applicantDetails...)
	script = append(script, step{"yes", "(2/3)"}, step{"yes", "(3/3)"}, step{"yes", "IP-"})
	var reply string
	for _, s := range script {
		status, body, err := r.post(i, "/twilio/sms", h.smsForm(from, s.send))
		if err != nil || status != http.StatusOK {
			h.t.Fatalf("sent %q: %d %v", s.send, status, err)
		}
		reply = parseTwiML(h.t, body).Messages[0]
		if !strings.Contains(reply, s.want) {
			h.t.Fatalf("sent %q, reply lacks %q:\n%s", s.send, s.want, reply)
		}
	}
	return reference(h.t, reply)
}

// offerAtOnce offers the usual window on each request at once, through
// the replicas in turn.
func (h *harness) offerAtOnce(r *replicas, refs []string) {
	t := h.t
	t.Helper()
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() {
			body := fmt.Sprintf(`{"start":%q,"end":%q}`, monday9, monday11)
			req, _ := http.NewRequest("POST", r.addrs[i%len(r.addrs)]+"/api/requests/"+ref+"/callback-offers", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+h.apiToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Errorf("offer: %v %v", resp, err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
}
