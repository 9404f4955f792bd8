package twilioapi

import (
	"context"
	"errors"
	"net/http"
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
	if ready, err := c.ForCalls(ctx); err != nil || ready != c {
		t.Errorf("ForCalls from a number = %v %v", ready, err)
	}
	noURL, _ := New(Config{AccountSID: "AC1", AuthToken: "t", From: "+18005550100"})
	if _, err := noURL.ForCalls(ctx); err == nil || !strings.Contains(err.Error(), "PUBLIC_URL") {
		t.Errorf("ForCalls without PUBLIC_URL: %v", err)
	}
}

const testService = "MG0123456789abcdef0123456789abcdef"

// TestCallFromMessagingService checks that with a Messaging Service as
// TWILIO_FROM, texts still go through the service while calls come from
// the first voice-capable number of its sender pool, and that a service
// without one, unknown to Twilio, or unreachable gives calls up with a
// reason that says why.
func TestCallFromMessagingService(t *testing.T) {
	ctx := context.Background()
	smsOnly := twiliotest.ServiceNumber{Number: "+18005550101", Capabilities: []string{"SMS", "MMS"}}
	voice := twiliotest.ServiceNumber{Number: "+18005550102", Capabilities: []string{"SMS", "MMS", "Voice"}}
	voice2 := twiliotest.ServiceNumber{Number: "+18005550103", Capabilities: []string{"Voice"}}
	for _, tc := range []struct {
		name    string
		from    string
		service string // the SID the fake knows, with pool
		pool    []twiliotest.ServiceNumber
		fail    *twiliotest.Failure
		want    string // the number calls come from; "" when calls are off
		why     string // in the reason calls are off
	}{
		{name: "FirstVoiceNumber", from: testService, service: testService, pool: []twiliotest.ServiceNumber{smsOnly, voice, voice2}, want: voice.Number},
		{name: "LowercaseCapability", from: testService, service: testService,
			pool: []twiliotest.ServiceNumber{{Number: "+18005550104", Capabilities: []string{"sms", "voice"}}}, want: "+18005550104"},
		{name: "ErrNoVoiceNumber", from: testService, service: testService, pool: []twiliotest.ServiceNumber{smsOnly}, why: "no voice-capable phone number (1 numbers)"},
		{name: "ErrEmptyPool", from: testService, service: testService, why: "no voice-capable phone number (0 numbers)"},
		{name: "ErrUnknownService", from: testService, service: "MG" + strings.Repeat("f", 32), pool: []twiliotest.ServiceNumber{voice},
			why: "Messaging Service " + testService + " is not in account"},
		{name: "ErrServer", from: testService, service: testService, pool: []twiliotest.ServiceNumber{voice},
			fail: &twiliotest.Failure{Status: 500, Code: 20500}, why: "list the phone numbers of Messaging Service " + testService + ": provider answered 500"},
		{name: "ErrNotAServiceSID", from: "MG0123", service: testService, pool: []twiliotest.ServiceNumber{voice}, why: "neither a phone number nor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := twiliotest.New()
			t.Cleanup(fake.Close)
			fake.SetServiceNumbers(tc.service, tc.pool...)
			if tc.fail != nil {
				fake.FailLookups(*tc.fail)
			}
			c, err := New(Config{AccountSID: "AC" + "0123456789abcdef0123456789abcdef", AuthToken: "tok", APIURL: fake.URL,
				From: tc.from, PublicURL: "https://infopass.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			if c.CanCall() == nil {
				t.Error("a Messaging Service can place calls before its voice number is known")
			}
			caller, err := c.ForCalls(ctx)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("ForCalls = %v, want an error saying %q", err, tc.why)
				}
				for _, n := range []string{"8005550101", "8005550102"} {
					if strings.Contains(err.Error(), n) {
						t.Errorf("the reason names a phone number: %v", err)
					}
				}
				if _, err := c.Call(ctx, bot.OutboxMessage{ID: 1, OfferID: 1, To: "+12025550147"}); err == nil {
					t.Error("Call placed a call without a number to call from")
				}
				if len(fake.Calls()) != 0 {
					t.Errorf("calls placed: %+v", fake.Calls())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := caller.CanCall(); err != nil {
				t.Errorf("CanCall after ForCalls: %v", err)
			}
			sid, err := caller.Call(ctx, bot.OutboxMessage{ID: 34, OfferID: 12, To: "+12025550147"})
			if err != nil {
				t.Fatal(err)
			}
			if calls := fake.Calls(); len(calls) != 1 || calls[0].SID != sid || calls[0].From != tc.want || calls[0].To != "+12025550147" {
				t.Errorf("fake received %+v, want a call from %s", calls, tc.want)
			}
			// Texts, from either client, still go through the service.
			for _, sender := range []*Client{c, caller} {
				if _, err := sender.Send(ctx, "+12025550147", "x"); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range fake.Messages() {
				if m.MessagingServiceSID != testService || m.From != "" {
					t.Errorf("text sent as %+v", m)
				}
			}
			if n := fake.Lookups(); n != 1 {
				t.Errorf("%d lookups of the sender pool, want one", n)
			}
		})
	}
}

// TestLookupTimeout checks that a sender pool that does not come bounds
// startup by the client's timeout.
func TestLookupTimeout(t *testing.T) {
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	release := fake.HoldLookups()
	t.Cleanup(release)
	c, err := New(Config{AccountSID: "AC" + "0123456789abcdef0123456789abcdef", AuthToken: "tok", APIURL: fake.URL,
		From: testService, PublicURL: "https://infopass.example.org", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ForCalls(context.Background()); err == nil || !strings.Contains(err.Error(), "list the phone numbers") {
		t.Errorf("ForCalls against a server that does not answer: %v", err)
	}
}

// TestRequestsReachTheirAPI checks where requests go: with Twilio's own
// API URL, each to the host twilio-go chose (Messaging v1 is not on
// api.twilio.com); with another URL (a fake), all to it.
func TestRequestsReachTheirAPI(t *testing.T) {
	for _, tc := range []struct {
		apiURL, request, want string
	}{
		{"", "https://messaging.twilio.com/v1/Services/MG1/PhoneNumbers", "https://messaging.twilio.com/v1/Services/MG1/PhoneNumbers"},
		{"https://api.twilio.com", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json"},
		{"http://127.0.0.1:9999", "https://messaging.twilio.com/v1/Services/MG1/PhoneNumbers", "http://127.0.0.1:9999/v1/Services/MG1/PhoneNumbers"},
		{"http://127.0.0.1:9999/twilio/", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json", "http://127.0.0.1:9999/twilio/2010-04-01/Accounts/AC1/Calls.json"},
	} {
		c, err := New(Config{AccountSID: "AC1", AuthToken: "t", From: "+18005550100", APIURL: tc.apiURL})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		rt := rewriter{ctx: context.Background(), base: c.base, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String()
			return nil, errors.New("not sent")
		})}
		req, _ := http.NewRequest(http.MethodGet, tc.request, nil)
		rt.RoundTrip(req)
		if got != tc.want {
			t.Errorf("TWILIO_API_URL %q: %s went to %s, want %s", tc.apiURL, tc.request, got, tc.want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
