package smtpmail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"infopass/bot"
	"infopass/bot/smtpmail/smtptest"
)

func TestMail(t *testing.T) {
	srv, err := smtptest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, From: "USCIS Infopass <infopass@example.gov>"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := bot.Email{Subject: "Su solicitud IP-7K3Q9D2M", Text: "Recibimos su solicitud.\nGracias.", HTML: "<p>Recibimos su solicitud.</p>"}

	t.Run("OK", func(t *testing.T) {
		if err := c.Mail(ctx, "ana@example.org", e, "outbox-7@infopass"); err != nil {
			t.Fatal(err)
		}
		msgs := srv.To("ana@example.org")
		if len(msgs) != 1 {
			t.Fatalf("%d messages arrived", len(msgs))
		}
		p, err := msgs[0].Parse()
		if err != nil {
			t.Fatal(err)
		}
		if p.Subject != e.Subject || strings.TrimSpace(p.Text) != e.Text || strings.TrimSpace(p.HTML) != e.HTML {
			t.Errorf("arrived %q / %q / %q", p.Subject, p.Text, p.HTML)
		}
		if id := p.Header.Get("Message-Id"); id != "<outbox-7@infopass>" {
			t.Errorf("Message-ID %q", id)
		}
		if msgs[0].From != "infopass@example.gov" {
			t.Errorf("envelope from %q", msgs[0].From)
		}
	})
	t.Run("ErrRecipientRefused", func(t *testing.T) {
		srv.Refuse("gone@example.org")
		err := c.Mail(ctx, "gone@example.org", e, "outbox-8@infopass")
		var me *bot.MailError
		if !errors.As(err, &me) || !me.Permanent || me.Code != 550 {
			t.Fatalf("Mail = %v", err)
		}
		if strings.Contains(me.Error(), "gone@") {
			t.Errorf("the error names the recipient: %v", me)
		}
	})
	t.Run("ErrTemporary", func(t *testing.T) {
		srv.FailNext(1)
		err := c.Mail(ctx, "ana@example.org", e, "outbox-9@infopass")
		var me *bot.MailError
		if !errors.As(err, &me) || me.Permanent {
			t.Fatalf("Mail = %v, want a temporary error", err)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		bad, err := New(Config{URL: strings.Replace(srv.URL, smtptest.Password, "wrong", 1), From: "infopass@example.gov"})
		if err != nil {
			t.Fatal(err)
		}
		err = bad.Mail(ctx, "ana@example.org", e, "outbox-10@infopass")
		var me *bot.MailError
		if err == nil || errors.As(err, &me) && me.Permanent {
			t.Errorf("Mail with a wrong password = %v, want a temporary error", err)
		}
	})
}

// TestConfig checks SMTP_URL and MAIL_FROM, and that STARTTLS is
// required of a server not on loopback.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, url, from string
		ok              bool
	}{
		{"OK", "smtp://u:p@mail.example.org:587", "a@example.gov", true},
		{"OKImplicitTLS", "smtps://mail.example.org", "a@example.gov", true},
		{"OKNoCredentials", "smtp://127.0.0.1:2525", "Infopass <a@example.gov>", true},
		{"ErrScheme", "http://mail.example.org", "a@example.gov", false},
		{"ErrNoHost", "smtp://", "a@example.gov", false},
		{"ErrPort", "smtp://mail.example.org:99999", "a@example.gov", false},
		{"ErrFrom", "smtp://mail.example.org", "not an address", false},
		{"ErrNoFrom", "smtp://mail.example.org", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{URL: tc.url, From: tc.from})
			if (err == nil) != tc.ok {
				t.Errorf("New(%q, %q) = %v", tc.url, tc.from, err)
			}
			if err != nil && strings.Contains(err.Error(), ":p@") {
				t.Errorf("the error quotes the password: %v", err)
			}
		})
	}
	t.Run("StartTLSUnlessLoopback", func(t *testing.T) {
		for url, want := range map[string]bool{
			"smtp://mail.example.org": true, "smtp://10.0.0.5:25": true, "smtp://127.0.0.1:2525": false,
			"smtp://localhost": false, "smtp://[::1]:25": false, "smtps://mail.example.org": false,
		} {
			c, err := New(Config{URL: url, From: "a@example.gov"})
			if err != nil || c.startTLS != want {
				t.Errorf("%s: STARTTLS required %v, want %v (%v)", url, c != nil && c.startTLS, want, err)
			}
		}
	})
}
