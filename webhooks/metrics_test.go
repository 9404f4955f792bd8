package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"infopass/bot"
)

// scrape returns GET /metrics of h.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	w := do(h, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", w.Code, w.Body)
	}
	return "\n" + w.Body.String()
}

type deliveries struct{}

func (deliveries) MessageStatus(context.Context, string, string, int, time.Time) error { return nil }

func TestMetrics(t *testing.T) {
	gin.SetMode(gin.TestMode)

	t.Run("OK", func(t *testing.T) {
		m := NewMetrics()
		if err := m.WatchOutboxDepth(func(context.Context) (map[string]int, error) {
			return map[string]int{bot.ChannelSMS: 7, bot.ChannelEmail: 2}, nil
		}); err != nil {
			t.Fatal(err)
		}
		h := New(Config{PublicURL: publicURL, AuthToken: token, Metrics: m, Deliveries: deliveries{}})
		form := url.Values{"MessageSid": {"SM" + strings.Repeat("b", 32)}, "MessageStatus": {"delivered"}, "To": {"+12025550199"}}
		for range 2 {
			if w := do(h, signedRequest("/twilio/status", form)); w.Code != http.StatusNoContent {
				t.Fatalf("status callback: %d", w.Code)
			}
		}
		m.OutboxResult(bot.ChannelSMS, bot.SendRetry)
		m.OutboxResult(bot.ChannelEmail, bot.SendRefused)
		m.OutboxResult(bot.ChannelEmail, bot.SendRefused)
		// The call worker's claim after the text worker's does not clear it.
		m.OutboundHeld(bot.ChannelSMS, bot.CapDaily)
		m.OutboundHeld(bot.ChannelCall, "")
		m.OptOut(bot.SMS)
		body := scrape(t, h)
		for _, want := range []string{
			`infopass_webhook_duration_seconds_count{route="/twilio/status"} 2`,
			`infopass_turns_total{channel="sms",outcome="ok"} 0`,
			`infopass_turns_total{channel="voice",outcome="handoff"} 0`,
			`infopass_outbox_sends_total{channel="sms",result="retry"} 1`,
			`infopass_outbox_sends_total{channel="sms",result="sent"} 0`,
			`infopass_outbox_sends_total{channel="email",result="retry"} 0`,
			`infopass_outbox_sends_total{channel="email",result="refused"} 2`,
			`infopass_outbox_sends_total{channel="call",result="deferred"} 0`,
			`infopass_opt_outs_total{channel="sms"} 1`,
			`infopass_outbox_depth{channel="sms"} 7`,
			`infopass_outbox_depth{channel="email"} 2`,
			`infopass_outbox_depth{channel="call"} 0`,
			`infopass_outbound_held{cap="daily",channel="sms"} 1`,
			`infopass_outbound_held{cap="hourly",channel="sms"} 0`,
			`infopass_outbound_held{cap="daily",channel="call"} 0`,
			`infopass_limited_total{reason="sender_rate"} 0`,
			`go_goroutines `,
		} {
			if !strings.Contains(body, "\n"+want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(body, "2025550199") || strings.Contains(body, "SMbbbb") {
			t.Errorf("metrics hold what a request carried:\n%s", body)
		}
	})

	t.Run("OutboxDepthUnknown", func(t *testing.T) {
		m := NewMetrics()
		if err := m.WatchOutboxDepth(func(context.Context) (map[string]int, error) { return nil, errors.New("database down") }); err != nil {
			t.Fatal(err)
		}
		body := scrape(t, New(Config{Metrics: m}))
		if strings.Contains(body, "\ninfopass_outbox_depth{") || !strings.Contains(body, "\ninfopass_turns_total{") {
			t.Errorf("metrics when the outbox cannot be counted:\n%s", body)
		}
	})

	t.Run("NoOutboxDepth", func(t *testing.T) {
		m := NewMetrics()
		if err := m.WatchOutboxDepth(nil); err != nil {
			t.Fatal(err)
		}
		if body := scrape(t, New(Config{Metrics: m})); strings.Contains(body, "infopass_outbox_depth") {
			t.Error("a gauge without a source")
		}
	})

	t.Run("Off", func(t *testing.T) {
		if w := do(testServer(nil), httptest.NewRequest(http.MethodGet, "/metrics", nil)); w.Code != http.StatusNotFound {
			t.Errorf("GET /metrics without Metrics: %d", w.Code)
		}
		var m *Metrics // the hooks of a nil *Metrics do nothing
		m.OptOut(bot.SMS)
		m.OutboxResult(bot.ChannelSMS, bot.SendSent)
	})
}
