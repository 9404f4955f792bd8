package bot_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/bot/vault"
	"infopass/flows"
	"infopass/locales"
)

var t0 = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// officers returns the officers service on a throwaway database, with a
// clock the test moves.
func officers(t *testing.T) (*bot.Officers, *time.Time) {
	t.Helper()
	keys, err := vault.NewKeyring(make([]byte, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := t0
	return bot.NewOfficers(db, func() time.Time { return now }), &now
}

func TestInvite(t *testing.T) {
	ctx := context.Background()
	s, _ := officers(t)
	o, token, err := s.Invite(ctx, " Officer Lee ", "Lee@Agency.GOV", bot.RoleOfficer)
	if err != nil || o.Name != "Officer Lee" || o.Email != "lee@agency.gov" || token == "" {
		t.Fatalf("invite: %+v %q %v", o, token, err)
	}
	if got, err := s.Store().Invite(ctx, bot.HashToken(token), t0); err != nil || got.ID != o.ID {
		t.Errorf("the link: %+v %v", got, err)
	}
	for _, tc := range []struct {
		name, officer, email, role, field string
	}{
		{"ErrNoName", "", "x@agency.gov", bot.RoleOfficer, "name"},
		{"ErrLongName", string(make([]rune, 101)), "x@agency.gov", bot.RoleOfficer, "name"},
		{"ErrEmail", "X", "x at agency", bot.RoleOfficer, "email"},
		{"ErrEmailWithName", "X", "X <x@agency.gov>", bot.RoleOfficer, "email"},
		{"ErrRole", "X", "x@agency.gov", "admin", "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var invalid bot.ValidationError
			if _, _, err := s.Invite(ctx, tc.officer, tc.email, tc.role); !errors.As(err, &invalid) || invalid[0].Field != tc.field {
				t.Errorf("%v, want an error about %s", err, tc.field)
			}
		})
	}
	t.Run("AgainGivesANewLink", func(t *testing.T) {
		again, token2, err := s.Invite(ctx, "Someone Else", "lee@agency.gov", bot.RoleSupervisor)
		if err != nil || again.ID != o.ID || again.Name != "Officer Lee" || again.Role != bot.RoleOfficer || token2 == token {
			t.Errorf("invited again: %+v %v", again, err)
		}
	})
	t.Run("ErrDisabled", func(t *testing.T) {
		if _, err := s.Disable(ctx, "LEE@agency.gov"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Invite(ctx, "Officer Lee", "lee@agency.gov", bot.RoleOfficer); err == nil {
			t.Error("a disabled officer invited again")
		}
		if _, err := s.Store().Invite(ctx, bot.HashToken(token), t0); !errors.Is(err, bot.ErrInviteInvalid) {
			t.Errorf("a disabled officer's link: %v", err)
		}
	})
}

func TestSignInIdentity(t *testing.T) {
	ctx := context.Background()
	s, _ := officers(t)
	lee, _, _ := s.Invite(ctx, "Officer Lee", "lee@agency.gov", bot.RoleOfficer)
	const idp = "https://login.agency.gov"
	if _, err := s.SignInIdentity(ctx, idp, "sub-lee", "lee@agency.gov", false); !errors.Is(err, bot.ErrNotInvited) {
		t.Errorf("an unverified email: %v", err)
	}
	if _, err := s.SignInIdentity(ctx, idp, "sub-eve", "eve@agency.gov", true); !errors.Is(err, bot.ErrNotInvited) {
		t.Errorf("an email nobody invited: %v", err)
	}
	if o, err := s.SignInIdentity(ctx, idp, "sub-lee", "Lee@agency.gov", true); err != nil || o.ID != lee.ID {
		t.Fatalf("the invited email: %+v %v", o, err)
	}
	// Linked: the identity signs in whatever email it gives later.
	if o, err := s.SignInIdentity(ctx, idp, "sub-lee", "lee.renamed@agency.gov", false); err != nil || o.ID != lee.ID {
		t.Errorf("the linked identity: %+v %v", o, err)
	}
	// Another identity claiming the linked officer's email is refused.
	if _, err := s.SignInIdentity(ctx, idp, "sub-other", "lee@agency.gov", true); err == nil {
		t.Error("a second identity took over a linked officer")
	}
	if _, err := s.Disable(ctx, "lee@agency.gov"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignInIdentity(ctx, idp, "sub-lee", "lee@agency.gov", true); !errors.Is(err, bot.ErrNotInvited) {
		t.Errorf("a disabled officer: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	s, now := officers(t)
	token, c, err := s.CreateAPIToken(ctx, "crm-sync", 24*time.Hour)
	if err != nil || c.ExpiresAt == nil || !c.ExpiresAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("create: %+v %v", c, err)
	}
	if got, err := s.APIClient(ctx, token); err != nil || got.Name != "crm-sync" {
		t.Errorf("the token: %+v %v", got, err)
	}
	for _, bad := range []string{"", "ipa_", token + "x", token[4:], "Bearer " + token} {
		if _, err := s.APIClient(ctx, bad); !errors.Is(err, bot.ErrBadToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	*now = t0.Add(24 * time.Hour)
	if _, err := s.APIClient(ctx, token); !errors.Is(err, bot.ErrBadToken) {
		t.Errorf("an expired token: %v", err)
	}
	forever, _, err := s.CreateAPIToken(ctx, "reports", 0)
	if err != nil {
		t.Fatal(err)
	}
	*now = t0.AddDate(5, 0, 0)
	if _, err := s.APIClient(ctx, forever); err != nil {
		t.Errorf("a token without expiry: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, "reports"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIClient(ctx, forever); !errors.Is(err, bot.ErrBadToken) {
		t.Errorf("a revoked token: %v", err)
	}
	for _, name := range []string{"", "Upper", "has space", "-dash-first"} {
		if _, _, err := s.CreateAPIToken(ctx, name, time.Hour); err == nil {
			t.Errorf("client name %q accepted", name)
		}
	}
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "never": 0, "0": 0} {
		if got, err := bot.ParseTTL(in); err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "90", "d", "-1d", "3m", "5000d", "1.5d"} {
		if _, err := bot.ParseTTL(in); err == nil {
			t.Errorf("ParseTTL(%q) accepted", in)
		}
	}
}

func TestParseRequestFilter(t *testing.T) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	s := bot.NewStaff(nil, catalog, nil, nil, flows.Regions{})
	ny, _ := time.LoadLocation("America/New_York")
	f, err := s.ParseRequestFilter(url.Values{"status": {"all"}, "type": {"eap"}, "from": {"2026-11-01"}, "to": {"2026-11-20"},
		"a_number": {"a 12345678"}, "phone": {"(202) 555-0101"}, "limit": {"20"}, "cursor": {"MTIz"}}, ny)
	if err != nil || f.Status != "" || f.Type != "eap" || !f.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, ny)) ||
		!f.To.Equal(time.Date(2026, 11, 21, 0, 0, 0, 0, ny)) || f.ANumber != "A012345678" || f.Phone != "+12025550101" ||
		f.Limit != 20 || f.Before != 123 {
		t.Errorf("filter %+v %v", f, err)
	}
	if f, _ := s.ParseRequestFilter(url.Values{"to": {"2026-11-20T10:00:00Z"}}, ny); !f.To.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("an RFC 3339 to: %v", f.To)
	}
	_, err = s.ParseRequestFilter(url.Values{"status": {"lost"}, "type": {"x"}, "language": {"xx"}, "zip": {"9a"}, "from": {"today"},
		"to": {"2026-13-01"}, "receipt": {"IOE1"}, "limit": {"500"}, "cursor": {"!!"}}, ny)
	var invalid bot.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("bad filter: %v", err)
	}
	fields := map[string]bool{}
	for _, e := range invalid {
		fields[e.Field] = true
	}
	for _, want := range []string{"status", "type", "language", "zip", "from", "to", "receipt", "limit", "cursor"} {
		if !fields[want] {
			t.Errorf("no error about %s: %v", want, invalid)
		}
	}
}
