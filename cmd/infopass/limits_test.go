package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/flows"
)

// configure sets the abuse limits of the harness's server. Scripted
// conversations take turns far faster than people, so by default one
// number may take any number; a test of the limits sets h.tune and
// restarts the server.
func (h *harness) configure(cfg *config) {
	cfg.senderRate = rate.Inf
	if h.tune != nil {
		h.tune(cfg)
	}
}

// restart runs the server again, on a new port, with tune applied to its
// configuration.
func (h *harness) restart(tune func(*config)) {
	h.t.Helper()
	h.stop()
	h.tune = tune
	h.startServer(true)
}

// scrape returns GET /metrics, whole and as a map from series (name and
// labels, as written) to value.
func (h *harness) scrape() (string, map[string]float64) {
	h.t.Helper()
	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET /metrics: %d %v\n%s", resp.StatusCode, err, raw)
	}
	series := map[string]float64{}
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		i := strings.LastIndexByte(line, ' ')
		if line == "" || line[0] == '#' || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			h.t.Fatalf("metrics line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	return string(raw), series
}

// TestMetrics takes turns of each kind and checks what /metrics counts.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	filer, texter, caller := "+12025550401", "+12025550402", "+12025550403"
	ref := h.fileApplicant(filer)

	_, before := h.scrape()
	if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
		t.Fatalf("offer: %d", status)
	}
	eventually(t, "the offer text is sent", func() bool { return h.sentTo(filer) == 1 })
	h.play(texter, untilType[:2])
	for _, body := range []string{"STOP", "1"} {
		if reply := h.text(texter, body); reply != "" {
			t.Fatalf("reply to %q after STOP: %q", body, reply)
		}
	}
	if status, _ := h.post("/twilio/sms", h.smsForm(texter, "hi"), false); status != http.StatusForbidden {
		t.Fatalf("unsigned: %d", status)
	}
	h.call(caller).do("0", "")
	// The worker counts a text once the store has recorded it as sent.
	const sent = `infopass_outbox_sends_total{channel="sms",result="sent"}`
	var body string
	var after map[string]float64
	eventually(t, "the metrics count the text sent", func() bool {
		body, after = h.scrape()
		return after[sent] > before[sent]
	})

	for _, tc := range []struct {
		series string
		want   float64
	}{
		{`infopass_turns_total{channel="sms",outcome="ok"}`, 2},
		{`infopass_turns_total{channel="sms",outcome="silent"}`, 2},
		{`infopass_turns_total{channel="sms",outcome="error"}`, 0},
		{`infopass_turns_total{channel="voice",outcome="ok"}`, 1},
		{`infopass_turns_total{channel="voice",outcome="handoff"}`, 1},
		{`infopass_opt_outs_total{channel="sms"}`, 1},
		{sent, 1},
		{`infopass_outbox_sends_total{channel="sms",result="retry"}`, 0},
		// The unsigned post is timed too.
		{`infopass_webhook_duration_seconds_count{route="/twilio/sms"}`, 5},
		{`infopass_webhook_duration_seconds_count{route="/twilio/voice"}`, 1},
		{`infopass_webhook_duration_seconds_count{route="/twilio/voice/turn"}`, 1},
	} {
		t.Run(tc.series, func(t *testing.T) {
			v, ok := after[tc.series]
			if !ok {
				t.Fatalf("no series %s", tc.series)
			}
			if got := v - before[tc.series]; got != tc.want {
				t.Errorf("%s went up by %v, want %v", tc.series, got, tc.want)
			}
		})
	}

	t.Run("NoPersonalData", func(t *testing.T) {
		for _, secret := range []string{"2025550401", "2025550402", "2025550403", "555-04", ref, "Jane", "Doe", "10001", "STOP"} {
			if strings.Contains(body, secret) {
				t.Errorf("metrics contain %q", secret)
			}
		}
		routes := map[string]bool{"/twilio/sms": true, "/twilio/status": true, "/twilio/voice": true, "/twilio/voice/turn": true, "/twilio/voice/fallback": true}
		for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			if !routes[m[1]] {
				t.Errorf("route label %q is not a route pattern", m[1])
			}
		}
	})

	t.Run("OutboxDepth", func(t *testing.T) {
		depth, has := after[`infopass_outbox_depth{channel="sms"}`]
		if _, counts := any(h.db).(bot.OutboxCounter); counts != has {
			t.Errorf("store counts the outbox: %v; gauge present: %v", counts, has)
		}
		if depth != 0 {
			t.Errorf("outbox depth %v once the only text was sent", depth)
		}
	})
}

// TestSenderFlood floods the service from one number: beyond its burst it
// gets empty answers at once, nothing is stored, and another number is
// answered as usual.
func TestSenderFlood(t *testing.T) {
	h := newHarness(t)
	const burst = 3
	h.restart(func(c *config) { c.senderRate, c.senderBurst = rate.Every(time.Hour), burst })
	flood, other := "+12025550411", "+12025550412"
	_, before := h.scrape()

	var otherReply []string
	var wg sync.WaitGroup
	wg.Go(func() { otherReply = h.textAtOnce(other, "Hi", 1) })
	replies := h.textAtOnce(flood, "hi", 20)
	wg.Wait()

	answered := slices.DeleteFunc(slices.Clone(replies), func(r string) bool { return r == "" })
	if len(answered) != burst {
		t.Errorf("%d of %d flood texts answered, want %d", len(answered), len(replies), burst)
	}
	if !strings.Contains(otherReply[0], "Your language?") {
		t.Errorf("another number during the flood got %q", otherReply)
	}
	msgs, err := h.db.Messages(context.Background(), flood)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2*burst {
		t.Errorf("%d messages stored for the flood, want %d", len(msgs), 2*burst)
	}

	t.Run("CallHangsUp", func(t *testing.T) {
		status, body := h.post("/twilio/voice", url.Values{"CallSid": {"CA" + strings.Repeat("4", 32)}, "From": {flood}}, true)
		if status != http.StatusOK || !strings.HasSuffix(body, "<Response><Hangup/></Response>") {
			t.Errorf("call over the limit: %d %s", status, body)
		}
	})

	t.Run("Counted", func(t *testing.T) {
		_, after := h.scrape()
		const series = `infopass_limited_total{reason="sender_rate"}`
		if got, want := after[series]-before[series], float64(len(replies)-burst+1); got != want {
			t.Errorf("%s went up by %v, want %v", series, got, want)
		}
	})
}

// TestTwentyAtOnceWithinDefaultLimits sends twenty texts from one number
// at once with the shipped limits: a person whose phone delivers a backlog
// in one go loses none of it.
func TestTwentyAtOnceWithinDefaultLimits(t *testing.T) {
	h := newHarness(t)
	h.restart(func(c *config) { c.senderRate, c.senderBurst = 0, 0 }) // the defaults
	from := "+12025550413"
	replies := h.textAtOnce(from, "hi", 20)
	for i, r := range replies {
		if r == "" {
			t.Errorf("text %d got no reply", i)
		}
	}
	msgs, err := h.db.Messages(context.Background(), from)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2*len(replies) {
		t.Errorf("%d messages stored, want %d", len(msgs), 2*len(replies))
	}
}

// TestDailyTextCap checks that the service texts one number at most
// DAILY_TEXT_CAP times a day: an offer beyond it is not sent, and the API
// says why.
func TestDailyTextCap(t *testing.T) {
	h := newHarness(t)
	h.restart(func(c *config) { c.DailyTextCap = 1 })
	from := "+12025550414"
	ref := h.fileApplicant(from)
	if status, _ := h.offer(ref, monday9, monday11); status != http.StatusCreated {
		t.Fatalf("first offer: %d", status)
	}
	eventually(t, "the first offer is sent", func() bool { return h.sentTo(from) == 1 })
	// Another morning the applicant asked for (Mondays and Wednesdays).
	status, made := h.offer(ref, "2026-12-02T09:00:00-05:00", "2026-12-02T11:00:00-05:00")
	if status != http.StatusCreated {
		t.Fatalf("second offer: %d", status)
	}
	second := func() map[string]any {
		for _, o := range h.offers(ref) {
			if o["id"] == made["id"] {
				return o
			}
		}
		t.Fatalf("offer %v is not listed", made["id"])
		return nil
	}
	eventually(t, "the second offer is held back", func() bool { return second()["status"] == "not_sent" })
	if o := second(); o["not_sent_reason"] != bot.ReasonDailyCap {
		t.Errorf("second offer: %v", o)
	}
	if n := h.sentTo(from); n != 1 {
		t.Errorf("%d texts sent to the number, want 1", n)
	}
}

// TestAllowedRegions checks that only numbers of ALLOWED_REGIONS are
// answered, by their region: +1 876 is Jamaica, not the United States.
func TestAllowedRegions(t *testing.T) {
	h := newHarness(t)
	jamaica, uk := "+18762345678", "+447400123456"

	t.Run("ErrNotServed", func(t *testing.T) {
		for i, from := range []string{jamaica, uk, "+14165550123"} {
			if reply := h.text(from, "hi"); reply != "" {
				t.Errorf("reply to %s: %q", from, reply)
			}
			sid := fmt.Sprintf("CA%032d", i)
			status, body := h.post("/twilio/voice", url.Values{"CallSid": {sid}, "From": {from}}, true)
			if status != http.StatusOK || !strings.HasSuffix(body, "<Response><Hangup/></Response>") {
				t.Errorf("call from %s: %d %s", from, status, body)
			}
			if _, err := h.db.Participant(context.Background(), from); !errors.Is(err, postgres.ErrNotFound) {
				t.Errorf("a refused number was stored: %v", err)
			}
		}
		if !strings.Contains(h.logs.String(), `"turn refused: region not served"`) || strings.Contains(h.logs.String(), "8762345678") {
			t.Errorf("the refusals are not logged, or not masked:\n%s", h.logs)
		}
	})

	t.Run("Territories", func(t *testing.T) {
		for _, from := range []string{"+17875550123", "+13405550123", "+16715550123", "+16846331234", "+16705550123"} {
			if reply := h.text(from, "hi"); !strings.Contains(reply, "Your language?") {
				t.Errorf("reply to %s: %q", from, reply)
			}
		}
	})

	t.Run("Served", func(t *testing.T) {
		h.restart(func(c *config) { c.AllowedRegions = flows.MustParseRegions("US,JM,GB") })
		for _, from := range []string{jamaica, uk, "+12025550421"} {
			if reply := h.text(from, "hi"); !strings.Contains(reply, "Your language?") {
				t.Errorf("reply to %s once allowed: %q", from, reply)
			}
		}
	})
}

func TestAllowedRegionsSetting(t *testing.T) {
	for _, tc := range []struct {
		name, env, old string
		want           string
		wantErr        string
	}{
		{"Default", "", "", "AS,GU,MP,PR,US,VI", ""},
		{"OK", "us, pr,JM", "", "JM,PR,US", ""},
		{"ErrEmptyItem", "US,,PR", "", "", "ALLOWED_REGIONS"},
		{"ErrCallingCode", "1", "", "", "ALLOWED_REGIONS"},
		{"ErrUnknown", "US,XX", "", "", "ALLOWED_REGIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := readConfig(func(k string) string {
				return map[string]string{"ALLOWED_REGIONS": tc.env, "ALLOWED_COUNTRY_CODES": tc.old}[k]
			})
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("readConfig = %v, want an error about %s", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr == "" && cfg.AllowedRegions.String() != tc.want:
				t.Errorf("regions %s, want %s", cfg.AllowedRegions, tc.want)
			}
		})
	}
	t.Run("RetiredCountryCodes", func(t *testing.T) {
		// A calling code would let in every region that shares it: serve
		// refuses the old setting rather than ignore it.
		cfg, err := readConfig(func(k string) string { return map[string]string{"ALLOWED_COUNTRY_CODES": "1"}[k] })
		if err != nil {
			t.Fatal(err)
		}
		cfg.PublicURL, cfg.AuthToken = "https://infopass.example.org", testToken
		if err := cfg.checkServe(); err == nil || !strings.Contains(err.Error(), "ALLOWED_COUNTRY_CODES is retired: ALLOWED_REGIONS") {
			t.Errorf("checkServe = %v, want the retired setting named", err)
		}
	})
}

func TestTrustedProxiesSetting(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		want      []string
		wantErr   bool
	}{
		{"Default", "", nil, false},
		{"OK", "127.0.0.1, 10.0.0.0/8", []string{"127.0.0.1", "10.0.0.0/8"}, false},
		{"ErrHostName", "nginx", nil, true},
		{"ErrBadRange", "10.0.0.0/40", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := readConfig(func(k string) string { return map[string]string{"TRUSTED_PROXIES": tc.env}[k] })
			switch {
			case tc.wantErr && (err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES")):
				t.Fatalf("readConfig = %v, want an error about TRUSTED_PROXIES", err)
			case !tc.wantErr && err != nil:
				t.Fatal(err)
			case !tc.wantErr && !slices.Equal(cfg.TrustedProxies, tc.want):
				t.Errorf("proxies %v, want %v", cfg.TrustedProxies, tc.want)
			}
		})
	}
}

// TestAPITokenGuessing checks that an address that sends wrong API tokens
// is refused for the rest of the minute, even with a right one; and that
// 50 wrong tokens at once get no more checked than the limit allows.
func TestAPITokenGuessing(t *testing.T) {
	h := newHarness(t)
	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, h.base+"/api/requests", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if status, _ := get(h.apiToken); status != http.StatusOK {
		t.Fatalf("right token: %d", status)
	}
	for i := range 10 {
		if status, _ := get(fmt.Sprintf("guess-%d", i)); status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, status)
		}
	}
	for _, token := range []string{"guess-11", h.apiToken} {
		status, retry := get(token)
		secs, err := strconv.Atoi(retry)
		if status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 60 {
			t.Errorf("after 10 wrong tokens, %q: %d, Retry-After %q", token, status, retry)
		}
	}
	h.advance(61 * time.Second)
	if status, _ := get(h.apiToken); status != http.StatusOK {
		t.Errorf("right token after the minute: %d", status)
	}

	// 50 wrong tokens at once: each is counted before it is checked, so
	// no more than the limit are checked (401); the rest wait (429).
	h.advance(61 * time.Second)
	var wg sync.WaitGroup
	var checked, refused atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			switch status, _ := get(fmt.Sprintf("ipa_GUESS%02d", i)); status {
			case http.StatusUnauthorized:
				checked.Add(1)
			case http.StatusTooManyRequests:
				refused.Add(1)
			default:
				t.Errorf("a wrong token: %d", status)
			}
		})
	}
	wg.Wait()
	if checked.Load() != 10 || refused.Load() != 40 {
		t.Errorf("50 wrong tokens at once: %d checked, %d refused; want 10 and 40", checked.Load(), refused.Load())
	}
	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "infopass_staff_lockouts_total{scope=\"address\"} 2\n") {
		t.Errorf("the lockouts are not counted:\n%s", metrics)
	}
}
