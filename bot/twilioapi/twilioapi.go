// Package twilioapi sends texts and places calls through Twilio's REST API
// with twilio-go, for the outbox workers.
package twilioapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"infopass/bot"
)

// Config is what the client needs.
type Config struct {
	AccountSID string
	AuthToken  string
	// APIURL replaces https://api.twilio.com (tests point it at a fake).
	// Set to anything else, it takes the requests of every Twilio API the
	// client uses (api.twilio.com and messaging.twilio.com's Messaging v1).
	APIURL string
	// From is the sending number, or a Messaging Service SID (MG…): calls
	// are then placed from a voice number of the service's sender pool
	// (ForCalls).
	From string
	// StatusCallback is where Twilio reports delivery and call progress
	// (PUBLIC_URL/twilio/status).
	StatusCallback string
	// PublicURL is the service's base URL: an availability call's TwiML is
	// at PublicURL/twilio/availability.
	PublicURL string
	Timeout   time.Duration // (10s) per API call
}

// Client sends texts and places calls. It implements bot.Sender and,
// once ForCalls made it ready, bot.Caller.
type Client struct {
	cfg Config
	// base is where requests go instead of the host twilio-go chose; nil
	// for Twilio's own API, whose requests are left as twilio-go made them
	// (Messaging v1 is on messaging.twilio.com, not api.twilio.com).
	base *url.URL
	// callFrom is the number calls are placed from: From itself, or the
	// voice number of the Messaging Service From names once ForCalls looked
	// it up; empty while calls cannot be placed.
	callFrom string
}

var (
	_ bot.Sender = (*Client)(nil)
	_ bot.Caller = (*Client)(nil)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" || cfg.From == "" {
		return nil, errors.New("outbound texts need TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.twilio.com"
	}
	base, err := url.Parse(strings.TrimRight(cfg.APIURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("TWILIO_API_URL %q is not an http(s) URL", cfg.APIURL)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	c := &Client{cfg: cfg, base: base}
	if base.Host == twilioAPIHost && base.Path == "" {
		c.base = nil
	}
	if !strings.HasPrefix(cfg.From, "MG") {
		c.callFrom = cfg.From
	}
	return c, nil
}

// twilioAPIHost is the host of Twilio's REST API, TWILIO_API_URL's default.
const twilioAPIHost = "api.twilio.com"

// rest returns a twilio-go client whose requests carry ctx and go to the
// configured base URL, if any: twilio-go has neither a context nor a base
// URL option, so a RoundTripper supplies both.
func (c *Client) rest(ctx context.Context) *twilio.RestClient {
	hc := &http.Client{
		Timeout:   c.cfg.Timeout,
		Transport: rewriter{ctx: ctx, base: c.base, next: http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	cl := &client.Client{Credentials: client.NewCredentials(c.cfg.AccountSID, c.cfg.AuthToken), HTTPClient: hc}
	cl.SetAccountSid(c.cfg.AccountSID)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: cl})
}

// rewriter sends twilio-go's requests to the configured base URL (with a
// nil base, to the host twilio-go chose). It carries the context of the
// call it serves because twilio-go's methods take none: the one place a
// context is kept in a struct, for one request.
type rewriter struct {
	ctx  context.Context
	base *url.URL
	next http.RoundTripper
}

func (r rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(r.ctx)
	if r.base == nil {
		return r.next.RoundTrip(out)
	}
	out.URL.Scheme, out.URL.Host = r.base.Scheme, r.base.Host
	out.URL.Path = r.base.Path + req.URL.Path
	out.Host = r.base.Host
	return r.next.RoundTrip(out)
}

// Send sends body to `to`.
func (c *Client) Send(ctx context.Context, to, body string) (string, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(to)
	p.SetBody(body)
	if strings.HasPrefix(c.cfg.From, "MG") {
		p.SetMessagingServiceSid(c.cfg.From)
	} else {
		p.SetFrom(c.cfg.From)
	}
	if c.cfg.StatusCallback != "" {
		p.SetStatusCallback(c.cfg.StatusCallback)
	}
	m, err := c.rest(ctx).Api.CreateMessage(p)
	if err != nil {
		return "", apiError(err)
	}
	if m.Sid == nil {
		return "", errors.New("twilio answered without a message sid")
	}
	return *m.Sid, nil
}

// FindSent lists the texts sent to `to` since `since` and returns the one
// with this body, if any.
func (c *Client) FindSent(ctx context.Context, to, body string, since time.Time) (string, bool, error) {
	// Twilio lists the newest first. DateSent is empty while a text is
	// still queued, so filter on when it was created instead.
	p := &openapi.ListMessageParams{}
	p.SetTo(to)
	p.SetLimit(100)
	msgs, err := c.rest(ctx).Api.ListMessage(p)
	if err != nil {
		return "", false, apiError(err)
	}
	for _, m := range msgs {
		if m.Body == nil || *m.Body != body || m.Sid == nil {
			continue
		}
		if m.DateCreated != nil {
			if at, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && at.Before(since) {
				continue
			}
		}
		return *m.Sid, true, nil
	}
	return "", false, nil
}

// CanCall reports whether the client can place calls: calls need a phone
// number to call from (a Messaging Service's, once ForCalls found it) and
// the public URL their TwiML is served at.
func (c *Client) CanCall() error {
	switch {
	case c.callFrom == "":
		return errors.New("TWILIO_FROM is a Messaging Service whose voice number was not looked up")
	case c.cfg.PublicURL == "":
		return errors.New("calls need PUBLIC_URL")
	}
	return nil
}

// ForCalls returns the client that places availability calls, or why none
// can. With a phone number as From, that is c. With a Messaging Service
// (texts then go through its sender pool, for Advanced Opt-Out and 10DLC),
// a call cannot come from the service itself: it comes from the first
// number of the service's sender pool that can make voice calls, looked
// up here, once, within the client's timeout.
func (c *Client) ForCalls(ctx context.Context) (*Client, error) {
	if c.cfg.PublicURL == "" {
		return nil, errors.New("calls need PUBLIC_URL")
	}
	if c.callFrom != "" {
		return c, nil
	}
	number, err := c.serviceVoiceNumber(ctx)
	if err != nil {
		return nil, err
	}
	ready := *c
	ready.callFrom = number
	return &ready, nil
}

// CallsFrom is the number calls are placed from, if any.
func (c *Client) CallsFrom() string { return c.callFrom }

var (
	serviceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// maxSenderPool is the most phone numbers a Messaging Service holds.
const maxSenderPool = 400

// serviceVoiceNumber returns the first phone number of the Messaging
// Service From's sender pool whose capabilities include voice.
func (c *Client) serviceVoiceNumber(ctx context.Context) (string, error) {
	sid := c.cfg.From
	if !serviceSID.MatchString(sid) {
		return "", errors.New("TWILIO_FROM is neither a phone number nor a Messaging Service SID (MG and 32 hexadecimal characters)")
	}
	// One bound for the whole list, whatever pages it takes: the HTTP
	// client's timeout holds for each request only.
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	p := &messaging.ListPhoneNumberParams{}
	p.SetLimit(maxSenderPool)
	numbers, err := c.rest(ctx).MessagingV1.ListPhoneNumber(sid, p)
	if err != nil {
		err = apiError(err)
		var se *bot.SendError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			return "", fmt.Errorf("Messaging Service %s is not in account %s: %w", sid, c.cfg.AccountSID, err)
		}
		return "", fmt.Errorf("list the phone numbers of Messaging Service %s: %w", sid, err)
	}
	for _, n := range numbers {
		if n.PhoneNumber == nil || !e164.MatchString(*n.PhoneNumber) || n.Capabilities == nil {
			continue
		}
		for _, capability := range *n.Capabilities {
			if strings.EqualFold(capability, "voice") {
				return *n.PhoneNumber, nil
			}
		}
	}
	return "", fmt.Errorf("the sender pool of Messaging Service %s has no voice-capable phone number (%d numbers): add one to place calls", sid, len(numbers))
}

// AvailabilityURL is where Twilio fetches the TwiML of the availability
// call of outbox row callID about offer offerID.
func AvailabilityURL(publicURL string, offerID, callID int64) string {
	return fmt.Sprintf("%s/twilio/availability?offer=%d&call=%d", strings.TrimRight(publicURL, "/"), offerID, callID)
}

// Call places the availability call m: Twilio fetches its TwiML from the
// service when it is answered, after answering machine detection (which
// waits for a machine's greeting to end, so that the message is heard),
// and reports its progress to the status callback.
func (c *Client) Call(ctx context.Context, m bot.OutboxMessage) (string, error) {
	if err := c.CanCall(); err != nil {
		return "", err
	}
	p := &openapi.CreateCallParams{}
	p.SetTo(m.To)
	p.SetFrom(c.callFrom)
	p.SetUrl(AvailabilityURL(c.cfg.PublicURL, m.OfferID, m.ID))
	p.SetMethod(http.MethodPost)
	p.SetMachineDetection("DetectMessageEnd")
	p.SetTimeout(30)
	if c.cfg.StatusCallback != "" {
		p.SetStatusCallback(c.cfg.StatusCallback)
		p.SetStatusCallbackMethod(http.MethodPost)
		p.SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"})
	}
	call, err := c.rest(ctx).Api.CreateCall(p)
	if err != nil {
		return "", apiError(err)
	}
	if call.Sid == nil {
		return "", errors.New("twilio answered without a call sid")
	}
	return *call.Sid, nil
}

// FindCall lists the calls to `to` and returns one created since `since`,
// if any.
func (c *Client) FindCall(ctx context.Context, to string, since time.Time) (string, bool, error) {
	p := &openapi.ListCallParams{}
	p.SetTo(to)
	p.SetLimit(50)
	calls, err := c.rest(ctx).Api.ListCall(p)
	if err != nil {
		return "", false, apiError(err)
	}
	for _, call := range calls {
		if call.Sid == nil || call.DateCreated == nil {
			continue
		}
		if at, err := time.Parse(time.RFC1123Z, *call.DateCreated); err == nil && !at.Before(since) {
			return *call.Sid, true, nil
		}
	}
	return "", false, nil
}

// apiError turns twilio-go's error into a *bot.SendError the worker reads.
func apiError(err error) error {
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		return &bot.SendError{Status: te.Status, Code: te.Code, Message: te.Message}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL names the recipient (To=…) on a list: keep it out of
		// logs and the outbox's last error.
		return fmt.Errorf("twilio %s: %w", ue.Op, ue.Err)
	}
	return err
}
