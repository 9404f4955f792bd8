package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"infopass/bot/postgres/pgtest"
)

func TestRun(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{"ErrNoCommand", nil, nil, "usage", ""},
		{"ErrUnknownCommand", []string{"dance"}, nil, "usage", ""},
		{"Version", []string{"version"}, nil, "", "infopass "},
		{"Flows", []string{"flows"}, nil, "", `"review" -> "submitted" [label="submit\n[nothing missing]"];`},
		{"ErrFlowsArgument", []string{"flows", "svg"}, nil, "usage", ""},
		{"ErrServeWithoutTwilio", []string{"serve"}, nil, "PUBLIC_URL", ""},
		{"ErrServeWithoutToken", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://x.example.org"}, "TWILIO_AUTH_TOKEN", ""},
		{"ErrBadPublicURL", []string{"serve"}, map[string]string{"PUBLIC_URL": "x.example.org", "TWILIO_AUTH_TOKEN": "t"}, "absolute http(s) URL", ""},
		{"ErrBadPort", []string{"serve"}, map[string]string{"PORT": "http"}, "PORT", ""},
		{"ErrBadZone", []string{"serve"}, map[string]string{"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE", ""},
		{"ErrBadContactCenter", []string{"serve"}, map[string]string{"CONTACT_CENTER_NUMBER": "12"}, "CONTACT_CENTER_NUMBER", ""},
		{"ErrBadDataKey", []string{"serve"}, map[string]string{"DATA_KEY": "c2hvcnQ="}, "DATA_KEY", ""},
		{"ErrNoDataKeyForARealDatabase", []string{"migrate"}, map[string]string{"DATABASE_URL": "postgres://db.invalid/x"}, "DATA_KEY is required", ""},
		{"ErrBadSMTPURL", []string{"serve"}, map[string]string{"SMTP_URL": "http://mail.example.org", "MAIL_FROM": "a@example.gov"}, "SMTP_URL", ""},
		{"ErrSMTPWithoutFrom", []string{"serve"}, map[string]string{"SMTP_URL": "smtp://mail.example.org"}, "MAIL_FROM", ""},
		{"ErrFromWithoutSMTP", []string{"serve"}, map[string]string{"MAIL_FROM": "a@example.gov"}, "MAIL_FROM is set without SMTP_URL", ""},
		{"ErrNoOfficesFile", []string{"serve"}, map[string]string{"OFFICES_FILE": "/nonexistent/offices.toml"}, "OFFICES_FILE", ""},
		{"ErrBadOfficesFile", []string{"serve"}, map[string]string{"OFFICES_FILE": "../../go.mod"}, "OFFICES_FILE ../../go.mod: offices", ""},
		// serve refuses to seal real data with the published development
		// key, and Twilio credentials that cannot be right; before it
		// opens any database.
		{"ErrDevKeyWithHTTPS", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://infopass.example.org", "TWILIO_AUTH_TOKEN": testToken}, "set DATABASE_URL (the PostgreSQL to use) and DATA_KEY", ""},
		{"ErrDevKeyOnPublicHTTP", []string{"serve"}, map[string]string{"PUBLIC_URL": "http://infopass.example.org", "TWILIO_AUTH_TOKEN": testToken}, "public development key", ""},
		{"ErrDevKeyAsDataKey", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://infopass.example.org", "TWILIO_AUTH_TOKEN": testToken,
			"DATABASE_URL": "postgres://db.invalid/x", "DATA_KEY": base64.StdEncoding.EncodeToString([]byte(localDataKey))}, "public development key", ""},
		{"ErrMalformedToken", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://x.example.org", "TWILIO_AUTH_TOKEN": "testauthtoken0123456789"}, "TWILIO_AUTH_TOKEN is not an auth token", ""},
		{"ErrMalformedAccountSID", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://x.example.org", "TWILIO_AUTH_TOKEN": testToken,
			"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID is not an account SID", ""},
		{"ErrMalformedFrom", []string{"serve"}, map[string]string{"PUBLIC_URL": "https://x.example.org", "TWILIO_AUTH_TOKEN": testToken,
			"TWILIO_FROM": "202-555-0100"}, "TWILIO_FROM is neither", ""},
		{"ErrRotateWithoutOldKeys", []string{"rotate-key"}, map[string]string{"DATA_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}, "OLD_DATA_KEYS", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, env(tc.env), strings.NewReader(""), &out, &errOut)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("run: %v", err)
			case tc.wantErr == "usage" && !errors.Is(err, errUsage):
				t.Fatalf("run = %v, want the usage error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("run = %v, want an error mentioning %q", err, tc.wantErr)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.wantOut)
			}
		})
	}
}

// TestCheckServe checks which configurations serve starts with: the
// development key only for a local try over http on a loopback address,
// and Twilio's credentials only in their real shapes.
func TestCheckServe(t *testing.T) {
	const (
		sid     = "AC0123456789abcdef0123456789abcdef"
		service = "MG0123456789abcdef0123456789abcdef"
	)
	realKey := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name    string
		cfg     config
		wantErr string // "" when serve may start
	}{
		{"LocalTry", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken}, ""},
		{"LocalTryLocalhost", config{PublicURL: "http://localhost:8080", AuthToken: testToken}, ""},
		{"LocalTryIPv6", config{PublicURL: "http://[::1]:8080", AuthToken: testToken}, ""},
		{"Production", config{PublicURL: "https://infopass.example.org", AuthToken: testToken, AccountSID: sid, From: service,
			DatabaseURL: "postgres://db/infopass", DataKey: realKey}, ""},
		{"ProductionNumber", config{PublicURL: "https://infopass.example.org", AuthToken: strings.ToUpper(testToken), AccountSID: sid, From: "+12025550100",
			DatabaseURL: "postgres://db/infopass", DataKey: realKey}, ""},
		{"ErrDevKeyHTTPSOnLoopback", config{PublicURL: "https://127.0.0.1:8443", AuthToken: testToken}, "public development key"},
		{"ErrDevKeyPrivateAddress", config{PublicURL: "http://10.0.0.5:8080", AuthToken: testToken}, "public development key"},
		{"ErrDevKeyLoopbackLookalike", config{PublicURL: "http://127.0.0.1.example.org", AuthToken: testToken}, "public development key"},
		{"ErrDevKeyAsDataKey", config{PublicURL: "https://infopass.example.org", AuthToken: testToken, DatabaseURL: "postgres://db/infopass",
			DataKey: []byte(localDataKey)}, "public development key"},
		{"ErrTokenTooShort", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken[1:]}, "TWILIO_AUTH_TOKEN"},
		{"ErrTokenNotHex", config{PublicURL: "http://127.0.0.1:8080", AuthToken: strings.Repeat("g", 32)}, "TWILIO_AUTH_TOKEN"},
		{"ErrAccountSIDUpperCase", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken, AccountSID: "AC" + strings.ToUpper(sid[2:])}, "TWILIO_ACCOUNT_SID"},
		{"ErrAccountSIDOfAService", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken, AccountSID: service}, "TWILIO_ACCOUNT_SID"},
		{"ErrFromShortService", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken, From: "MG123"}, "TWILIO_FROM"},
		{"ErrFromNotE164", config{PublicURL: "http://127.0.0.1:8080", AuthToken: testToken, From: "12025550100"}, "TWILIO_FROM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.checkServe()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("checkServe: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("checkServe = %v, want an error naming %s", err, tc.wantErr)
			}
		})
	}
}

// TestChat types a few lines into the terminal simulator, which runs the
// server itself and posts signed webhooks to it.
func TestChat(t *testing.T) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey)}
	in := strings.NewReader("hi\n1\n1\nhelp\n")
	err := run(context.Background(), []string{"chat", "-from", "+12025550177"}, func(k string) string { return vars[k] }, in, &out, &errOut)
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"as +12025550177", "Your language? 1 English", "Are you: 1 the person", "What do you need?", "Reply BACK to go back"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("chat output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCall keys and says a few answers into the terminal phone simulator,
// which runs the server itself and follows its TwiML as Twilio would.
func TestCall(t *testing.T) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey)}
	in := strings.NewReader("1\nInfopass\n")
	err := run(context.Background(), []string{"call", "-from", "+12025550178"}, func(k string) string { return vars[k] }, in, &out, &errOut)
	if err != nil {
		t.Fatalf("call: %v\n%s", err, errOut.String())
	}
	// In order: the menu, the first question once 1 picks English, the
	// transfer that saying Infopass asks for, and the call connected.
	rest := out.String()
	for _, want := range []string{"from +12025550178", "[en-US] Welcome to USCIS Infopass.", "[en-US] For English, press 1.", "> ",
		"[en-US] Are you the person the appointment is for? Press 1.", "> ",
		"[en-US] Please hold while we connect you to the USCIS Contact Center.", "(connecting you to +18003755283)\n"} {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("call output lacks %q after what came before:\n%s", want, out.String())
		}
		rest = rest[i+len(want):]
	}
	if rest != "" {
		t.Errorf("call output goes on after the transfer: %q", rest)
	}
}
