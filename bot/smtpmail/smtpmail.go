// Package smtpmail sends the outbox's emails over SMTP with go-mail:
// STARTTLS is required unless the server is on this machine (loopback).
package smtpmail

import (
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"infopass/bot"
)

// Config is what the client needs.
type Config struct {
	// URL is SMTP_URL: smtp://user:pass@host:587 (STARTTLS, required
	// unless host is loopback) or smtps://user:pass@host:465 (TLS from the
	// start). User and password are optional.
	URL string
	// From is MAIL_FROM: the sender's address, with or without a name.
	From    string
	Timeout time.Duration // (20s) per email
}

// Client sends emails. It implements bot.Mailer.
type Client struct {
	opts []mail.Option
	host string
	from string
	// startTLS says whether STARTTLS is required (it is, unless the host
	// is loopback or TLS starts with the connection).
	startTLS bool
}

var _ bot.Mailer = (*Client)(nil)

// New checks cfg and returns a Client. Its errors never quote the
// password.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("SMTP_URL is not a URL like smtp://user:pass@host:587")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, fmt.Errorf("SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…, not %s://%s%s", u.Scheme, u.Host, u.Path)
	}
	if cfg.From == "" {
		return nil, errors.New("email needs MAIL_FROM, the sender's address")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("MAIL_FROM %q is not an email address", cfg.From)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, errors.New("SMTP_URL has a port that is not a number from 1 to 65535")
		}
	}
	c := &Client{host: u.Hostname(), from: from.String()}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(cfg.Timeout)}
	loopback := isLoopback(u.Hostname())
	switch {
	case u.Scheme == "smtps":
		opts = append(opts, mail.WithSSL())
	case loopback:
		// A relay on this machine may offer no STARTTLS: nothing crosses
		// the network in the clear.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		c.startTLS = true
	}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		auth := mail.SMTPAuthAutoDiscover // over TLS: the best the server offers
		if loopback && u.Scheme == "smtp" {
			auth = mail.SMTPAuthPlain // which go-mail sends in the clear to loopback only
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(user), mail.WithPassword(pass))
	}
	c.opts = opts
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Mail sends e to `to` as a plain-text part and an HTML alternative.
func (c *Client) Mail(ctx context.Context, to string, e bot.Email, messageID string) error {
	m := mail.NewMsg()
	if err := m.From(c.from); err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	if err := m.To(to); err != nil {
		// An address the wizard took but mail refuses: not worth retrying.
		return &bot.MailError{Permanent: true, Detail: err.Error()}
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(messageID)
	m.SetDate()
	m.SetBulk() // no vacation replies to an address nobody reads
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	client, err := mail.NewClient(c.host, c.opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return mailError(err)
	}
	return nil
}

// mailError reads go-mail's error: a 5xx answer to the recipient or to the
// message is permanent; anything else may pass later. The server's text,
// which may quote the address, stays in Detail.
func mailError(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		permanent := code >= 500 && code < 600 && (se.Reason == mail.ErrSMTPRcptTo || se.Reason == mail.ErrSMTPData)
		return &bot.MailError{Code: code, Permanent: permanent, Detail: se.Error()}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("mail server unreachable: %w", ne)
	}
	return &bot.MailError{Detail: err.Error()}
}
