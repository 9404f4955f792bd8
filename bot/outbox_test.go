package bot

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeOutboxStore hands out msgs once and records how each ended.
type fakeOutboxStore struct {
	msgs    []OutboxMessage
	ended   []string // "sent", "retry" or "failed:<reason>", by message
	failing error    // every write fails with it
}

func (s *fakeOutboxStore) ClaimOutbox(context.Context, time.Time, time.Duration, int, string) ([]OutboxMessage, error) {
	msgs := s.msgs
	s.msgs = nil
	return msgs, nil
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
		{"ErrStoreDown", msg, fakeSender{}, errors.New("database down"), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeOutboxStore{msgs: []OutboxMessage{tc.msg}, failing: tc.store}
			var results []string
			o := NewOutbox(OutboxConfig{Store: store, Sender: tc.sender, OnResult: func(r string) { results = append(results, r) }})
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

// TestSendErrorHidesTheProviderMessage checks that what is logged and
// stored of a refused text never quotes the provider's message, which may
// name the recipient's number.
func TestSendErrorHidesTheProviderMessage(t *testing.T) {
	err := &SendError{Status: 400, Code: 21211, Message: "The 'To' number +12025550101 is not a valid phone number."}
	if got := err.Error(); got != "provider answered 400 (error 21211)" {
		t.Errorf("Error() = %q", got)
	}
}
