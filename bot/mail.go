package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Email is one email the outbox sends: a subject, a plain-text part and a
// simple HTML part of the same words.
type Email struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// EncodeEmail is e as an outbox row's body (JSON, its HTML unescaped: a
// sealed body does not compress, and escaping each < and > as \u003c
// made the HTML part a third longer).
func EncodeEmail(e Email) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e) // three strings: cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

// KeptEmail is what the outbox keeps of an email once it is sent: its
// subject and plain text, which the request's history shows. The HTML
// part says the same words; it was two thirds of each email's row, and
// emails a third of the database at national volume (docs/scaling.md).
func KeptEmail(body string) (string, error) {
	e, err := DecodeEmail(body)
	if err != nil {
		return "", err
	}
	e.HTML = ""
	return EncodeEmail(e), nil
}

// DecodeEmail reads an outbox row's body written by EncodeEmail.
func DecodeEmail(body string) (Email, error) {
	var e Email
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return e, fmt.Errorf("email body: %w", err)
	}
	return e, nil
}

// Mailer sends the outbox's emails.
type Mailer interface {
	// Mail sends e to `to`, with messageID as its Message-ID (the same
	// for every attempt at one row, so that a copy sent twice after a
	// crash is one message to the recipient's mail program). Errors of
	// the mail server are *MailError.
	Mail(ctx context.Context, to string, e Email, messageID string) error
}

// MailError is an error answer of the mail server.
type MailError struct {
	Code int // SMTP reply code, e.g. 550; 0 when the server gave none
	// Permanent: the server refused for good (5xx), trying again will not
	// help.
	Permanent bool
	// Detail is the server's explanation. It may quote the address, so
	// Error leaves it out: it is never logged or stored.
	Detail string
}

func (e *MailError) Error() string {
	if e.Permanent {
		return fmt.Sprintf("mail server refused (%d)", e.Code)
	}
	return fmt.Sprintf("mail server failed (%d)", e.Code)
}

// MaskEmail keeps the first letter and the domain of an address, for logs.
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}

// mail sends an email row.
func (o *Outbox) mail(ctx context.Context, m OutboxMessage) (string, error) {
	log := o.cfg.Logger.With("outbox", m.ID, "kind", m.Kind, "channel", ChannelEmail, "attempt", m.Attempts)
	if m.SentToday >= o.cfg.DailyCap && !m.Reclaimed {
		log.Warn("email not sent: the address had its day's emails", "sent_today", m.SentToday)
		return SendCapped, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "daily cap reached", ReasonDailyCap, o.cfg.Now())
	}
	e, err := DecodeEmail(m.Body)
	if err != nil {
		log.Error("email row unreadable", "err", err)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, err.Error(), ReasonSendFailed, o.cfg.Now())
	}
	// A reclaimed row may have gone out before its worker died: SMTP
	// cannot be asked, so it goes again under the same Message-ID.
	id := fmt.Sprintf("outbox-%d@infopass", m.ID)
	err = o.cfg.Mailer.Mail(ctx, m.To, e, id)
	if err == nil {
		log.Info("email sent")
		return SendSent, o.cfg.Store.OutboxSent(ctx, m.ID, "email:"+id, o.cfg.Now())
	}
	var me *MailError
	switch {
	case errors.As(err, &me) && me.Permanent:
		log.Warn("email refused by the mail server", "code", me.Code)
		return SendRefused, o.cfg.Store.OutboxFailed(ctx, m.ID, me.Code, me.Error(), ReasonRefused, o.cfg.Now())
	case m.Attempts >= o.cfg.MaxAttempts:
		log.Warn("email failed for good", "err", err)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, err.Error(), ReasonSendFailed, o.cfg.Now())
	}
	wait := o.backoff(m.Attempts)
	log.Info("email will be retried", "err", err, "in", wait)
	return SendRetry, o.cfg.Store.OutboxRetry(ctx, m.ID, o.cfg.Now().Add(wait), err.Error(), o.cfg.Now())
}
