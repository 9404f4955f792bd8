package webhooks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"infopass/flows"
	"infopass/webhooks/lockout"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func TestRecent(t *testing.T) {
	keys := func(r *recent[int]) string {
		var out []string
		for el := r.order.Front(); el != nil; el = el.Next() {
			e := el.Value.(*recentEntry[int])
			out = append(out, fmt.Sprintf("%s=%d", e.key, e.val))
		}
		return strings.Join(out, " ")
	}
	incr := func(v *int) { *v++ }
	type use struct {
		key    string
		at     time.Duration // after t0
		create bool
	}
	for _, tc := range []struct {
		name string
		max  int
		uses []use
		want string // keys held, most recently used first
	}{
		{"OK", 10, []use{{"a", 0, true}, {"b", time.Second, true}, {"a", 2 * time.Second, true}}, "a=2 b=1"},
		{"AbsentWithoutCreate", 10, []use{{"a", 0, true}, {"b", time.Second, false}}, "a=1"},
		{"ForgetsIdleKeys", 10, []use{{"a", 0, true}, {"b", 5 * time.Minute, true}, {"c", 10*time.Minute + time.Second, true}}, "c=1 b=1"},
		{"ForgetsIdleKeysOnLookup", 10, []use{{"a", 0, true}, {"b", 11 * time.Minute, false}}, ""},
		{"UseKeepsAKey", 10, []use{{"a", 0, true}, {"b", time.Minute, true}, {"a", 9 * time.Minute, true}, {"c", 11*time.Minute + 30*time.Second, true}}, "c=1 a=2"},
		{"FullDropsLeastRecentlyUsed", 3, []use{{"a", 0, true}, {"b", 0, true}, {"c", 0, true}, {"a", 0, true}, {"d", 0, true}}, "d=1 a=2 c=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecent[int](tc.max, 10*time.Minute)
			for _, u := range tc.uses {
				r.use(u.key, t0.Add(u.at), u.create, incr)
			}
			if got := keys(r); got != tc.want {
				t.Errorf("holds %q, want %q", got, tc.want)
			}
			if r.len() != len(r.index) || r.order.Len() != len(r.index) {
				t.Errorf("list %d and index %d disagree", r.order.Len(), len(r.index))
			}
		})
	}

	t.Run("Bounded", func(t *testing.T) {
		r := newRecent[int](100, 10*time.Minute)
		for i := range 1000 {
			r.use(fmt.Sprint(i), t0, true, incr)
		}
		if r.len() != 100 {
			t.Errorf("holds %d keys, want 100", r.len())
		}
		// A flood of new keys long after leaves only them.
		r.use("late", t0.Add(time.Hour), true, incr)
		if r.len() != 1 {
			t.Errorf("holds %d keys after an hour, want 1", r.len())
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		r := newRecent[int](50, time.Minute)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					r.use(fmt.Sprint((g*500+i)%80), t0.Add(time.Duration(i)*time.Millisecond), true, incr)
				}
			})
		}
		wg.Wait()
		if n := r.len(); n > 50 {
			t.Errorf("holds %d keys, more than 50", n)
		}
	})
}

var usRegions = flows.MustParseRegions(flows.DefaultRegions)

func TestSenderLimits(t *testing.T) {
	const a, b = "+12025550101", "+12025550102"
	// allow is whether admit admits from, and whether a refusal for the
	// rate is the first.
	allow := func(l *senderLimits, from string, now time.Time) (bool, bool) {
		verdict, first := l.admit(from, now)
		return verdict == admitted, first
	}

	t.Run("OK", func(t *testing.T) {
		l := newSenderLimits(1, 3, usRegions)
		var got []string
		for i := range 5 {
			ok, first := allow(l, a, t0.Add(time.Duration(i)*10*time.Millisecond))
			got = append(got, fmt.Sprint(ok, first))
		}
		if want := "true false, true false, true false, false true, false false"; strings.Join(got, ", ") != want {
			t.Errorf("allow = %s, want %s", strings.Join(got, ", "), want)
		}
		if ok, _ := allow(l, b, t0); !ok {
			t.Error("another number is refused")
		}
		if ok, _ := allow(l, a, t0.Add(1100*time.Millisecond)); !ok {
			t.Error("no token a second later")
		}
		if ok, first := allow(l, a, t0.Add(1200*time.Millisecond)); ok || !first {
			t.Errorf("after the refill: %v %v, want a new first refusal", ok, first)
		}
	})

	t.Run("IdleNumbersForgotten", func(t *testing.T) {
		l := newSenderLimits(1, 3, usRegions)
		for i := range 10 {
			allow(l, fmt.Sprintf("+1202555%04d", i), t0)
		}
		allow(l, a, t0.Add(senderIdle+time.Second))
		if n := l.seen.len(); n != 1 {
			t.Errorf("holds %d numbers, want 1", n)
		}
	})

	t.Run("Unlimited", func(t *testing.T) {
		l := newSenderLimits(rate.Inf, 1, usRegions)
		for range 100 {
			if ok, _ := allow(l, a, t0); !ok {
				t.Fatal("refused without a limit")
			}
		}
		if verdict, _ := l.admit("+18762345678", t0); verdict != refusedRegion {
			t.Errorf("a Jamaican number without a rate limit: verdict %d, want refusedRegion", verdict)
		}
	})

	t.Run("Regions", func(t *testing.T) {
		l := newSenderLimits(rate.Inf, 1, usRegions)
		for _, tc := range []struct {
			from     string
			want     int
			remember bool
		}{
			{"+17875550123", admitted, true},      // Puerto Rico
			{"+18762345678", refusedRegion, true}, // Jamaica: +1, parsed, remembered
			{"+14165550123", refusedRegion, true}, // Canada
			{"+447400123456", refusedRegion, false},
			{"+12021234567", refusedRegion, true}, // +1 but no valid number
		} {
			before := l.seen.len()
			for range 2 { // the second time from memory
				if verdict, _ := l.admit(tc.from, t0); verdict != tc.want {
					t.Errorf("admit(%s) = %d, want %d", tc.from, verdict, tc.want)
				}
			}
			if remembered := l.seen.len() > before; remembered != tc.remember {
				t.Errorf("%s remembered: %v, want %v", tc.from, remembered, tc.remember)
			}
		}
	})
}

// BenchmarkAdmit measures the check of a turn's number: the first turn of
// a number parses it to find its region, later ones find it remembered.
func BenchmarkAdmit(b *testing.B) {
	b.Run("FirstTurn", func(b *testing.B) {
		l := newSenderLimits(rate.Inf, 1, usRegions)
		i := 0
		for b.Loop() {
			// Distinct numbers, all valid: +1 202 2xx xxxx.
			l.admit(fmt.Sprintf("+1202%07d", 2000000+i%8000000), t0)
			i++
		}
	})
	b.Run("LaterTurn", func(b *testing.B) {
		l := newSenderLimits(rate.Inf, 1, usRegions)
		l.admit("+12025550123", t0)
		for b.Loop() {
			l.admit("+12025550123", t0)
		}
	})
}

// TestRegionRefused checks that a number outside the allowed regions gets
// nothing, before any engine: this server has none.
func TestRegionRefused(t *testing.T) {
	gin.SetMode(gin.TestMode)
	m := NewMetrics()
	h := New(Config{PublicURL: publicURL, AuthToken: token, Metrics: m, AllowedRegions: flows.MustParseRegions("US,MX")})
	sid := "CA" + strings.Repeat("c", 32)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"SMS", "/twilio/sms", url.Values{"MessageSid": {"SM" + strings.Repeat("a", 32)}, "From": {"+447700900123"}, "Body": {"hi"}}, "<Response/>"},
		{"Call", "/twilio/voice", url.Values{"CallSid": {sid}, "From": {"+447700900123"}}, "<Response><Hangup/></Response>"},
		{"CallTurn", "/twilio/voice/turn?seq=1", url.Values{"CallSid": {sid}, "From": {"+33612345678"}, "Digits": {"1"}}, "<Response><Hangup/></Response>"},
		{"Jamaica", "/twilio/sms", url.Values{"MessageSid": {"SM" + strings.Repeat("b", 32)}, "From": {"+18762345678"}, "Body": {"hi"}}, "<Response/>"},
		{"Canada", "/twilio/voice", url.Values{"CallSid": {"CA" + strings.Repeat("d", 32)}, "From": {"+14165550123"}}, "<Response><Hangup/></Response>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, signedRequest(tc.path, tc.form))
			if w.Code != http.StatusOK || !strings.HasSuffix(strings.TrimSpace(w.Body.String()), tc.want) {
				t.Errorf("%d %s, want 200 %s", w.Code, w.Body, tc.want)
			}
		})
	}
	if body := scrape(t, h); !strings.Contains(body, "\ninfopass_limited_total{reason=\"region\"} 5\n") {
		t.Errorf("metrics do not count the refusals:\n%s", body)
	}
}

// TestTrustedProxies checks whose address the limit of wrong API tokens
// counts: behind a trusted proxy, the client's from X-Forwarded-For;
// otherwise the peer's, whatever the headers say.
func TestTrustedProxies(t *testing.T) {
	const proxy = "127.0.0.1:40000"
	guess := func(h http.Handler, peer, forwardedFor string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/requests", nil)
		req.RemoteAddr = peer
		req.Header.Set("Authorization", "Bearer wrong")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name    string
		trusted []string
		// what another client behind the same proxy gets once the first
		// is blocked
		other int
	}{
		{"Trusted", []string{"127.0.0.1"}, http.StatusUnauthorized},
		{"TrustedRange", []string{"127.0.0.0/8"}, http.StatusUnauthorized},
		{"NotTrusted", nil, http.StatusTooManyRequests},
		{"OtherProxyTrusted", []string{"10.0.0.1"}, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{PublicURL: publicURL, AuthToken: token, Officers: testOfficers(), TrustedProxies: tc.trusted})
			for i := range lockout.DefaultLimits.PerAddress {
				if code := guess(h, proxy, "198.51.100.7"); code != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d", i+1, code)
				}
			}
			if code := guess(h, proxy, "198.51.100.7"); code != http.StatusTooManyRequests {
				t.Errorf("the guessing client after %d wrong tokens: %d", lockout.DefaultLimits.PerAddress, code)
			}
			if code := guess(h, proxy, "203.0.113.9"); code != tc.other {
				t.Errorf("another client behind the proxy: %d, want %d", code, tc.other)
			}
		})
	}
}

func TestCheckProxies(t *testing.T) {
	for _, tc := range []struct {
		in []string
		ok bool
	}{
		{nil, true}, {[]string{"127.0.0.1", "10.0.0.0/8", "::1"}, true},
		{[]string{"nginx"}, false}, {[]string{"10.0.0.0/33"}, false}, {[]string{""}, false},
	} {
		if err := CheckProxies(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckProxies(%q) = %v", tc.in, err)
		}
	}
}
