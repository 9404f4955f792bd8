package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/bot/postgres/pgtest"
)

func TestOfficers(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	db := openURL(t, url)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	lee := bot.Officer{Name: "Officer Lee", Email: "lee@agency.gov", Role: bot.RoleSupervisor, CreatedAt: t0}
	if err := db.CreateOfficer(ctx, &lee); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrExists", func(t *testing.T) {
		dup := bot.Officer{Name: "Other", Email: "lee@agency.gov", Role: bot.RoleOfficer, CreatedAt: t0}
		if err := db.CreateOfficer(ctx, &dup); !errors.Is(err, bot.ErrExists) {
			t.Errorf("a second officer with one email: %v", err)
		}
	})
	t.Run("SealedAndFound", func(t *testing.T) {
		got, err := db.OfficerByEmail(ctx, "lee@agency.gov")
		if err != nil || got.ID != lee.ID || got.Name != "Officer Lee" || got.Role != bot.RoleSupervisor {
			t.Fatalf("by email: %+v %v", got, err)
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var name, email string
		if err := conn.QueryRow(ctx, `SELECT name, email FROM officers WHERE id = $1`, lee.ID).Scan(&name, &email); err != nil {
			t.Fatal(err)
		}
		if name == "Officer Lee" || email == "lee@agency.gov" {
			t.Error("an officer's name or email is stored in the clear")
		}
		if _, err := db.OfficerByEmail(ctx, "nobody@agency.gov"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("unknown email: %v", err)
		}
	})
	t.Run("Invites", func(t *testing.T) {
		if err := db.CreateInvite(ctx, lee.ID, "h1", t0, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if o, err := db.Invite(ctx, "h1", t0.Add(time.Hour)); err != nil || o.ID != lee.ID {
			t.Errorf("live invite: %+v %v", o, err)
		}
		if _, err := db.Invite(ctx, "h1", t0.Add(24*time.Hour)); !errors.Is(err, bot.ErrInviteInvalid) {
			t.Errorf("expired invite: %v", err)
		}
		// Two browsers race on one link: one passkey.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				p := &bot.Passkey{CredentialID: "cred" + string(rune('A'+i)), Credential: []byte(`{}`), Label: "key", CreatedAt: t0}
				_, errs[i] = db.Enroll(ctx, "h1", p, t0.Add(time.Hour))
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || (!errors.Is(errs[0], bot.ErrInviteInvalid) && !errors.Is(errs[1], bot.ErrInviteInvalid)) {
			t.Errorf("a link used twice at once: %v, %v", errs[0], errs[1])
		}
		keys, err := db.Passkeys(ctx, lee.ID)
		if err != nil || len(keys) != 1 {
			t.Fatalf("passkeys after enrollment: %+v %v", keys, err)
		}
		if _, err := db.Invite(ctx, "h1", t0.Add(time.Hour)); !errors.Is(err, bot.ErrInviteInvalid) {
			t.Errorf("a used link: %v", err)
		}
		k, err := db.PasskeyByCredential(ctx, keys[0].CredentialID)
		if err != nil || k.OfficerID != lee.ID || string(k.Credential) != `{}` {
			t.Errorf("passkey by credential: %+v %v", k, err)
		}
		if err := db.PasskeyUsed(ctx, k.ID, []byte(`{"n":1}`), t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if k, _ = db.PasskeyByCredential(ctx, k.CredentialID); string(k.Credential) != `{"n":1}` || k.UsedAt == nil {
			t.Errorf("after use: %+v", k)
		}
		if err := db.RemovePasskey(ctx, lee.ID+1, k.ID); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("removing another officer's passkey: %v", err)
		}
		if err := db.RemovePasskey(ctx, lee.ID, k.ID); err != nil {
			t.Errorf("remove: %v", err)
		}
	})
	t.Run("Identity", func(t *testing.T) {
		if _, err := db.OfficerByIdentity(ctx, "https://idp", "sub-1"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("unlinked identity: %v", err)
		}
		if err := db.LinkIdentity(ctx, lee.ID, "https://idp", "sub-1"); err != nil {
			t.Fatal(err)
		}
		if o, err := db.OfficerByIdentity(ctx, "https://idp", "sub-1"); err != nil || o.ID != lee.ID {
			t.Errorf("linked identity: %+v %v", o, err)
		}
	})
	t.Run("SessionsAndKeys", func(t *testing.T) {
		gen, key, err := db.SessionKey(ctx)
		if err != nil || gen != 1 || len(key) != 64 {
			t.Fatalf("first key: %d %d %v", gen, len(key), err)
		}
		if gen2, key2, _ := db.SessionKey(ctx); gen2 != 1 || string(key2) != string(key) {
			t.Error("the session key changed without a rotation")
		}
		o, ended, g, err := db.CurrentSession(ctx, lee.ID, "S1")
		if err != nil || ended || g != 1 || o.Name != "Officer Lee" || o.DisabledAt != nil {
			t.Fatalf("current session: %+v %v %d %v", o, ended, g, err)
		}
		if next, err := db.RotateSessionKey(ctx); err != nil || next != 2 {
			t.Fatalf("rotate: %d %v", next, err)
		}
		if gen, key2, _ := db.SessionKey(ctx); gen != 2 || string(key2) == string(key) {
			t.Errorf("after rotation: generation %d", gen)
		}
		if err := db.EndSession(ctx, "S1", t0.Add(8*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		if _, ended, g, _ := db.CurrentSession(ctx, lee.ID, "S1"); !ended || g != 2 {
			t.Errorf("signed out: ended %v, generation %d", ended, g)
		}
		if _, err := db.DisableOfficer(ctx, "lee@agency.gov", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if o, _, _, _ := db.CurrentSession(ctx, lee.ID, "S2"); o.DisabledAt == nil {
			t.Error("a disabled officer's session does not say so")
		}
		if _, _, _, err := db.CurrentSession(ctx, lee.ID+100, "S2"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("no such officer: %v", err)
		}
	})
	t.Run("Spend", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			if fresh, err := db.Spend(ctx, "oidc-state:x", t0.Add(time.Minute), t0); err != nil || fresh != want {
				t.Errorf("spend %d: %v %v", i, fresh, err)
			}
		}
		// Expired values are forgotten.
		if fresh, _ := db.Spend(ctx, "oidc-state:y", t0.Add(2*time.Minute), t0.Add(time.Minute)); !fresh {
			t.Error("a new value is not fresh")
		}
		if fresh, _ := db.Spend(ctx, "oidc-state:x", t0.Add(3*time.Minute), t0.Add(time.Minute)); !fresh {
			t.Error("a value spent long ago stays spent forever")
		}
	})
	t.Run("APIClients", func(t *testing.T) {
		c := bot.APIClient{Name: "crm-sync", CreatedAt: t0}
		if err := db.CreateAPIClient(ctx, &c, "tokhash"); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIClient(ctx, &bot.APIClient{Name: "crm-sync", CreatedAt: t0}, "other"); !errors.Is(err, bot.ErrExists) {
			t.Errorf("two live clients of one name: %v", err)
		}
		if got, err := db.APIClientByToken(ctx, "tokhash"); err != nil || got.ID != c.ID || got.RevokedAt != nil {
			t.Errorf("by token: %+v %v", got, err)
		}
		if err := db.RevokeAPIClient(ctx, "crm-sync", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.APIClientByToken(ctx, "tokhash"); got.RevokedAt == nil {
			t.Error("revoked, yet not marked so")
		}
		if err := db.RevokeAPIClient(ctx, "crm-sync", t0.Add(time.Hour)); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("revoke twice: %v", err)
		}
		if err := db.CreateAPIClient(ctx, &bot.APIClient{Name: "crm-sync", CreatedAt: t0}, "tokhash2"); err != nil {
			t.Errorf("the name of a revoked client again: %v", err)
		}
	})
}
