package twilioapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/twilioapi/twiliotest"
)

func newClient(t *testing.T, from string) (*Client, *twiliotest.Server) {
	t.Helper()
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	c, err := New(Config{AccountSID: "AC" + "0123456789abcdef0123456789abcdef", AuthToken: "tok", APIURL: fake.URL,
		From: from, StatusCallback: "https://infopass.example.org/twilio/status"})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	t.Run("FromNumber", func(t *testing.T) {
		c, fake := newClient(t, "+18005550100")
		sid, err := c.Send(ctx, "+12025550147", "Hola ¿puede?")
		if err != nil {
			t.Fatal(err)
		}
		msgs := fake.Messages()
		if len(msgs) != 1 || msgs[0].SID != sid || msgs[0].To != "+12025550147" || msgs[0].From != "+18005550100" ||
			msgs[0].Body != "Hola ¿puede?" || msgs[0].StatusCallback != "https://infopass.example.org/twilio/status" {
			t.Errorf("fake received %+v", msgs)
		}
		found, ok, err := c.FindSent(ctx, "+12025550147", "Hola ¿puede?", time.Now().Add(-time.Minute))
		if err != nil || !ok || found != sid {
			t.Errorf("FindSent = %q %v %v", found, ok, err)
		}
		if _, ok, _ := c.FindSent(ctx, "+12025550147", "another text", time.Now().Add(-time.Minute)); ok {
			t.Error("FindSent found a text never sent")
		}
	})
	t.Run("FromMessagingService", func(t *testing.T) {
		c, fake := newClient(t, "MG0123456789abcdef0123456789abcdef")
		if _, err := c.Send(ctx, "+12025550147", "x"); err != nil {
			t.Fatal(err)
		}
		if m := fake.Messages()[0]; m.MessagingServiceSID != "MG0123456789abcdef0123456789abcdef" || m.From != "" {
			t.Errorf("fake received %+v", m)
		}
	})
	for _, tc := range []struct {
		name      string
		f         twiliotest.Failure
		temporary bool
	}{
		{"ErrTooManyRequests", twiliotest.Failure{Status: 429, Code: 20429}, true},
		{"ErrServer", twiliotest.Failure{Status: 500, Code: 20500}, true},
		{"ErrUnsubscribed", twiliotest.Failure{Status: 400, Code: bot.CodeUnsubscribed}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fake := newClient(t, "+18005550100")
			fake.Fail(tc.f)
			_, err := c.Send(ctx, "+12025550147", "x")
			var se *bot.SendError
			if !errors.As(err, &se) || se.Code != tc.f.Code || se.Status != tc.f.Status || se.Temporary() != tc.temporary {
				t.Fatalf("Send = %v", err)
			}
			if len(fake.Messages()) != 0 {
				t.Error("a failed send was recorded")
			}
		})
	}
	t.Run("ErrConfig", func(t *testing.T) {
		if _, err := New(Config{AccountSID: "AC1", AuthToken: "t"}); err == nil {
			t.Error("New without a sender")
		}
		if _, err := New(Config{AccountSID: "AC1", AuthToken: "t", From: "+1", APIURL: "ftp://x"}); err == nil {
			t.Error("New with an ftp API URL")
		}
	})
}

// TestTransportErrorsNameNobody checks that a failed request's error, which
// the outbox logs and stores, does not carry the URL with the recipient's
// number in it.
func TestTransportErrorsNameNobody(t *testing.T) {
	c, fake := newClient(t, "+18005550100")
	fake.Close() // nothing answers now
	_, _, err := c.FindSent(context.Background(), "+12025550147", "Hola", time.Now().Add(-time.Minute))
	if err == nil {
		t.Fatal("FindSent against a closed server succeeded")
	}
	for _, s := range []string{"12025550147", "2025550147"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error names the recipient: %v", err)
		}
	}
	if _, err := c.Send(context.Background(), "+12025550147", "Hola"); err == nil || strings.Contains(err.Error(), "2025550147") {
		t.Errorf("Send: %v", err)
	}
}

// TestFindSentOlderText checks that a text of the same body sent before
// the claim does not count as the interrupted one.
func TestFindSentOlderText(t *testing.T) {
	c, _ := newClient(t, "+18005550100")
	if _, err := c.Send(context.Background(), "+12025550148", "Reminder"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.FindSent(context.Background(), "+12025550148", "Reminder", time.Now().Add(time.Hour)); err != nil || ok {
		t.Errorf("a text sent before since was found: %v %v", ok, err)
	}
}

func TestCall(t *testing.T) {
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	c, err := New(Config{AccountSID: "AC" + "0123456789abcdef0123456789abcdef", AuthToken: "tok", APIURL: fake.URL,
		From: "+18005550100", StatusCallback: "https://infopass.example.org/twilio/status", PublicURL: "https://infopass.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sid, err := c.Call(ctx, bot.OutboxMessage{ID: 34, OfferID: 12, To: "+12025550147", Channel: bot.ChannelCall})
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].SID != sid || calls[0].To != "+12025550147" || calls[0].From != "+18005550100" ||
		calls[0].URL != "https://infopass.example.org/twilio/availability?offer=12&call=34" || calls[0].Method != "POST" ||
		calls[0].MachineDetection != "DetectMessageEnd" || calls[0].StatusCallback != "https://infopass.example.org/twilio/status" ||
		strings.Join(calls[0].StatusCallbackEvents, " ") != "initiated ringing answered completed" {
		t.Errorf("fake received %+v", calls)
	}
	if found, ok, err := c.FindCall(ctx, "+12025550147", time.Now().Add(-time.Minute)); err != nil || !ok || found != sid {
		t.Errorf("FindCall = %q %v %v", found, ok, err)
	}
	if _, ok, _ := c.FindCall(ctx, "+12025550148", time.Now().Add(-time.Minute)); ok {
		t.Error("FindCall found a call never placed")
	}
	fake.FailCalls(twiliotest.Failure{Status: 400, Code: 21215})
	var se *bot.SendError
	if _, err := c.Call(ctx, bot.OutboxMessage{ID: 35, OfferID: 12, To: "+12025550147"}); !errors.As(err, &se) || se.Code != 21215 || se.Temporary() {
		t.Errorf("refused call: %v", err)
	}
	service, _ := New(Config{AccountSID: "AC1", AuthToken: "t", From: "MG0123", PublicURL: "https://x"})
	if service.CanCall() == nil {
		t.Error("a Messaging Service can place calls")
	}
}
