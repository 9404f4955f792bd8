package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeOutboxStore hands out msgs once and records how each ended. While
// heldBy is set it hands out nothing and says that cap held texts back.
type fakeOutboxStore struct {
	msgs    []OutboxMessage
	ended   []string // "sent", "retry" or "failed:<reason>", by message
	failing error    // every write fails with it
	heldBy  string
}

func (s *fakeOutboxStore) ClaimOutbox(context.Context, time.Time, time.Duration, int, string, OutboundCaps) (Claim, error) {
	if s.heldBy != "" {
		return Claim{HeldBy: s.heldBy}, nil
	}
	msgs := s.msgs
	s.msgs = nil
	return Claim{Messages: msgs}, nil
}

func (s *fakeOutboxStore) end(how string) error {
	if s.failing != nil {
		return s.failing
	}
	s.ended = append(s.ended, how)
	return nil
}

func (s *fakeOutboxStore) OutboxSent(context.Context, int64, string, time.Time) error {
	return s.end("sent")
}

func (s *fakeOutboxStore) OutboxDefer(context.Context, int64, time.Time, time.Time) error {
	return s.end("deferred")
}

func (s *fakeOutboxStore) OutboxRetry(context.Context, int64, time.Time, string, time.Time) error {
	return s.end("retry")
}

func (s *fakeOutboxStore) OutboxFailed(_ context.Context, _ int64, _ int, _, reason string, _ time.Time) error {
	return s.end("failed:" + reason)
}

func (s *fakeOutboxStore) MessageStatus(context.Context, string, string, int, time.Time) error {
	return nil
}

// fakeSender answers every Send with sendErr and every FindSent with found
// or findErr.
type fakeSender struct {
	sendErr error
	found   bool
	findErr error
}

func (f fakeSender) Send(context.Context, string, string) (string, error) {
	if f.sendErr != nil {
		return "", f.sendErr
	}
	return "SM0123456789abcdef0123456789abcdef", nil
}

func (f fakeSender) FindSent(context.Context, string, string, time.Time) (string, bool, error) {
	return "SMfound", f.found, f.findErr
}

// TestOutboxResults checks what OnResult is told of each way an attempt
// ends, and that it is told nothing the store did not record.
func TestOutboxResults(t *testing.T) {
	msg := OutboxMessage{ID: 1, Kind: KindOffer, To: "+12025550101", Body: "Can we call you?", Attempts: 1}
	with := func(change func(*OutboxMessage)) OutboxMessage {
		m := msg
		change(&m)
		return m
	}
	for _, tc := range []struct {
		name   string
		msg    OutboxMessage
		sender fakeSender
		store  error
		want   string // OnResult's result, "" for none
		ended  string
	}{
		{"Sent", msg, fakeSender{}, nil, SendSent, "sent"},
		{"OptedOut", with(func(m *OutboxMessage) { m.OptedOut = true }), fakeSender{}, nil, SendOptedOut, "failed:" + ReasonOptedOut},
		{"Reconciled", with(func(m *OutboxMessage) { m.Reclaimed = true }), fakeSender{found: true}, nil, SendReconciled, "sent"},
		{"ReclaimedNotSentBefore", with(func(m *OutboxMessage) { m.Reclaimed = true }), fakeSender{}, nil, SendSent, "sent"},
		{"ReclaimedUnknown", with(func(m *OutboxMessage) { m.Reclaimed = true }), fakeSender{findErr: errors.New("timeout")}, nil, SendRetry, "retry"},
		{"Unsubscribed", msg, fakeSender{sendErr: &SendError{Status: 400, Code: CodeUnsubscribed}}, nil, SendUnsubscribed, "failed:" + ReasonUnsubscribed},
		{"Refused", msg, fakeSender{sendErr: &SendError{Status: 400, Code: 21211}}, nil, SendFailed, "failed:" + ReasonSendFailed},
		{"Retry", msg, fakeSender{sendErr: &SendError{Status: 503}}, nil, SendRetry, "retry"},
		{"LastAttempt", with(func(m *OutboxMessage) { m.Attempts = 8 }), fakeSender{sendErr: &SendError{Status: 503}}, nil, SendFailed, "failed:" + ReasonSendFailed},
		{"DailyCap", with(func(m *OutboxMessage) { m.SentToday = DefaultDailyCap }), fakeSender{sendErr: errors.New("must not send")}, nil, SendCapped, "failed:" + ReasonDailyCap},
		{"UnderDailyCap", with(func(m *OutboxMessage) { m.SentToday = DefaultDailyCap - 1 }), fakeSender{}, nil, SendSent, "sent"},
		{"ReclaimedOverCap", with(func(m *OutboxMessage) { m.SentToday, m.Reclaimed = DefaultDailyCap, true }), fakeSender{found: true}, nil, SendReconciled, "sent"},
		{"Jamaica", with(func(m *OutboxMessage) { m.To = "+18762345678" }), fakeSender{sendErr: errors.New("must not send")}, nil, SendRegion, "failed:" + ReasonRegion},
		{"UK", with(func(m *OutboxMessage) { m.To = "+447400123456" }), fakeSender{sendErr: errors.New("must not send")}, nil, SendRegion, "failed:" + ReasonRegion},
		{"PuertoRico", with(func(m *OutboxMessage) { m.To = "+17875550123" }), fakeSender{}, nil, SendSent, "sent"},
		{"ErrStoreDown", msg, fakeSender{}, errors.New("database down"), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeOutboxStore{msgs: []OutboxMessage{tc.msg}, failing: tc.store}
			var results []string
			o := NewOutbox(OutboxConfig{Store: store, Sender: tc.sender, OnResult: func(ch, r string) {
				results = append(results, r)
				checkListed(t, ch, r)
			}})
			_, err := o.Once(context.Background())
			if (err != nil) != (tc.store != nil) {
				t.Fatalf("Once: %v", err)
			}
			var want, ended []string
			if tc.want != "" {
				want, ended = []string{tc.want}, []string{tc.ended}
			}
			if !slices.Equal(results, want) || !slices.Equal(store.ended, ended) {
				t.Errorf("OnResult got %v, store recorded %v; want %v and %v", results, store.ended, want, ended)
			}
		})
	}
}

// TestOutboxHeld checks that a cap holding texts back is told to OnHeld
// at every claim and logged once a minute, and that nothing is sent
// meanwhile (the store hands out no text while held).
func TestOutboxHeld(t *testing.T) {
	store := &fakeOutboxStore{msgs: []OutboxMessage{{ID: 1, To: "+12025550101", Body: "hi", Attempts: 1}}, heldBy: CapHourly}
	var (
		held []string
		logs strings.Builder
	)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	o := NewOutbox(OutboxConfig{
		Store: store, Sender: fakeSender{},
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnHeld: func(channel, heldBy string) { held = append(held, channel+":"+heldBy) },
	})
	for i := range 3 {
		now = now.Add(40 * time.Second) // warned at 40 s, not at 80 s, again at 120 s
		if n, err := o.Once(context.Background()); n != 0 || err != nil {
			t.Fatalf("claim %d while held: %d %v", i, n, err)
		}
	}
	store.heldBy = ""
	if n, err := o.Once(context.Background()); n != 1 || err != nil {
		t.Fatalf("claim once the cap allows: %d %v", n, err)
	}
	if want := []string{"sms:" + CapHourly, "sms:" + CapHourly, "sms:" + CapHourly, "sms:"}; !slices.Equal(held, want) {
		t.Errorf("OnHeld got %q, want %q", held, want)
	}
	if n := strings.Count(logs.String(), "level=WARN msg=\"outbound texts held back"); n != 2 {
		t.Errorf("%d warnings in 120 s held, want 2:\n%s", n, logs.String())
	}
	if !slices.Equal(store.ended, []string{"sent"}) {
		t.Errorf("the store recorded %v", store.ended)
	}
}

// TestSendErrorHidesTheProviderMessage checks that what is logged and
// stored of a refused text never quotes the provider's message, which may
// name the recipient's number.
func TestSendErrorHidesTheProviderMessage(t *testing.T) {
	err := &SendError{Status: 400, Code: 21211, Message: "The 'To' number +12025550101 is not a valid phone number."}
	if got := err.Error(); got != "provider answered 400 (error 21211)" {
		t.Errorf("Error() = %q", got)
	}
}

// fakeMailer answers every Mail with err.
type fakeMailer struct{ err error }

func (f fakeMailer) Mail(context.Context, string, Email, string) error { return f.err }

// fakeCaller answers every Call with err and FindCall with found.
type fakeCaller struct {
	err   error
	found bool
	calls *int
}

func (f fakeCaller) Call(context.Context, OutboxMessage) (string, error) {
	if f.calls != nil {
		*f.calls++
	}
	if f.err != nil {
		return "", f.err
	}
	return "CA0123456789abcdef0123456789abcdef", nil
}

func (f fakeCaller) FindCall(context.Context, string, time.Time) (string, bool, error) {
	return "CAfound", f.found, nil
}

// TestEmailAndCallResults checks what becomes of an email or a call: a
// refused recipient is not retried, and a call goes out only in calling
// hours of the contact's zone and before its window.
func TestEmailAndCallResults(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	friday10 := time.Date(2026, 11, 20, 10, 0, 0, 0, ny)
	email := OutboxMessage{ID: 1, Kind: KindFiled, Channel: ChannelEmail, To: "ana@example.org", Attempts: 1,
		Body: EncodeEmail(Email{Subject: "s", Text: "t", HTML: "h"})}
	call := OutboxMessage{ID: 2, Kind: KindAvailabilityCall, Channel: ChannelCall, OfferID: 7, OfferOpen: true, To: "+12025550101", Attempts: 1,
		Zone: "America/New_York", OfferStart: time.Date(2026, 11, 24, 9, 0, 0, 0, ny)}
	with := func(m OutboxMessage, change func(*OutboxMessage)) OutboxMessage {
		change(&m)
		return m
	}
	for _, tc := range []struct {
		name   string
		now    time.Time
		msg    OutboxMessage
		mailer fakeMailer
		caller fakeCaller
		want   string
		ended  string
		placed int
	}{
		{"EmailSent", friday10, email, fakeMailer{}, fakeCaller{}, SendSent, "sent", 0},
		{"EmailRefused", friday10, email, fakeMailer{&MailError{Code: 550, Permanent: true}}, fakeCaller{}, SendRefused, "failed:" + ReasonRefused, 0},
		{"EmailLater", friday10, email, fakeMailer{&MailError{Code: 451}}, fakeCaller{}, SendRetry, "retry", 0},
		{"EmailUnreachable", friday10, email, fakeMailer{errors.New("connection refused")}, fakeCaller{}, SendRetry, "retry", 0},
		{"EmailOfOptedOutNumber", friday10, with(email, func(m *OutboxMessage) { m.OptedOut = true }), fakeMailer{}, fakeCaller{}, SendSent, "sent", 0},
		{"CallPlaced", friday10, call, fakeMailer{}, fakeCaller{}, SendSent, "sent", 1},
		// STOP is about texts: a contact who sent it is called.
		{"CallAfterSTOP", friday10, with(call, func(m *OutboxMessage) { m.OptedOut = true }), fakeMailer{}, fakeCaller{}, SendSent, "sent", 1},
		{"CallTooEarly", time.Date(2026, 11, 20, 7, 0, 0, 0, ny), call, fakeMailer{}, fakeCaller{}, SendDeferred, "deferred", 0},
		{"CallOnSaturday", time.Date(2026, 11, 21, 12, 0, 0, 0, ny), call, fakeMailer{}, fakeCaller{}, SendDeferred, "deferred", 0},
		{"CallTooLate", time.Date(2026, 11, 20, 21, 0, 0, 0, ny), with(call, func(m *OutboxMessage) { m.OfferStart = time.Date(2026, 11, 23, 9, 0, 0, 0, ny) }),
			fakeMailer{}, fakeCaller{}, SendTooLate, "failed:" + ReasonTooLate, 0},
		{"CallInContactsZone", friday10, with(call, func(m *OutboxMessage) { m.Zone = "America/Los_Angeles" }), fakeMailer{}, fakeCaller{}, SendDeferred, "deferred", 0},
		{"CallRefused", friday10, call, fakeMailer{}, fakeCaller{err: &SendError{Status: 400, Code: 21215}}, SendFailed, "failed:" + ReasonSendFailed, 1},
		{"CallOfferAnswered", friday10, with(call, func(m *OutboxMessage) { m.OfferOpen = false }), fakeMailer{}, fakeCaller{}, SendCancelled, "failed:" + ReasonAnswered, 0},
		{"CallReconciled", friday10, with(call, func(m *OutboxMessage) { m.Reclaimed = true }), fakeMailer{}, fakeCaller{found: true}, SendReconciled, "sent", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeOutboxStore{msgs: []OutboxMessage{tc.msg}}
			placed := 0
			tc.caller.calls = &placed
			var results []string
			o := NewOutbox(OutboxConfig{Store: store, Channel: tc.msg.Channel, Mailer: tc.mailer, Caller: tc.caller,
				Now: func() time.Time { return tc.now }, OnResult: func(ch, r string) {
					results = append(results, r)
					checkListed(t, ch, r)
				}})
			if _, err := o.Once(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(results, []string{tc.want}) || !slices.Equal(store.ended, []string{tc.ended}) || placed != tc.placed {
				t.Errorf("OnResult %v, store %v, %d calls placed; want %s, %s, %d", results, store.ended, placed, tc.want, tc.ended, tc.placed)
			}
		})
	}
}

// checkListed fails when a worker of channel reports a result that
// SendResults does not list for it (its metric's series would be missing
// until it first happens).
func checkListed(t *testing.T, channel, result string) {
	t.Helper()
	if !slices.Contains(SendResults[channel], result) {
		t.Errorf("a %s worker reported %q, which SendResults does not list", channel, result)
	}
}
