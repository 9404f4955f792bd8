package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

var _ bot.OfficerStore = (*DB)(nil)

const officerColumns = `id, name, email, role, created_at, disabled_at`

func (db *DB) queryOfficers(ctx context.Context, q querier, tail string, args ...any) ([]bot.Officer, error) {
	rows, err := q.Query(ctx, `SELECT `+officerColumns+` FROM officers `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("officers: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.Officer, error) {
		var (
			o           bot.Officer
			name, email string
		)
		if err := row.Scan(&o.ID, &name, &email, &o.Role, &o.CreatedAt, &o.DisabledAt); err != nil {
			return o, err
		}
		var err error
		if o.Name, err = db.keys.OpenString(name, "officers", "name", rowKey(o.ID)); err != nil {
			return o, err
		}
		o.Email, err = db.keys.OpenString(email, "officers", "email", rowKey(o.ID))
		return o, err
	})
}

func (db *DB) oneOfficer(ctx context.Context, q querier, tail string, args ...any) (bot.Officer, error) {
	list, err := db.queryOfficers(ctx, q, tail, args...)
	if err != nil {
		return bot.Officer{}, err
	}
	if len(list) == 0 {
		return bot.Officer{}, bot.ErrNotFound
	}
	return list[0], nil
}

// CreateOfficer stores o, sealing its name and email.
func (db *DB) CreateOfficer(ctx context.Context, o *bot.Officer) error {
	ids, err := nextIDs(ctx, db.pool, "officers", 1)
	if err != nil {
		return err
	}
	key := rowKey(ids[0])
	_, err = db.pool.Exec(ctx, `INSERT INTO officers (id, name, email, email_idx, role, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, ids[0], db.keys.SealString(o.Name, "officers", "name", key),
		db.keys.SealString(o.Email, "officers", "email", key), db.keys.Index("email", o.Email), o.Role, o.CreatedAt)
	if isUniqueViolation(err) {
		return bot.ErrExists
	}
	if err != nil {
		return fmt.Errorf("create officer: %w", err)
	}
	o.ID = ids[0]
	return nil
}

// Officers lists every officer, in the order they were invited.
func (db *DB) Officers(ctx context.Context) ([]bot.Officer, error) {
	return db.queryOfficers(ctx, db.pool, `ORDER BY id`)
}

// OfficerByEmail finds an officer by the blind index of their email.
func (db *DB) OfficerByEmail(ctx context.Context, email string) (bot.Officer, error) {
	return db.oneOfficer(ctx, db.pool, `WHERE email_idx = $1`, db.keys.Index("email", email))
}

// OfficerByID returns one officer.
func (db *DB) OfficerByID(ctx context.Context, id int64) (bot.Officer, error) {
	return db.oneOfficer(ctx, db.pool, `WHERE id = $1`, id)
}

func (db *DB) identityIndex(issuer, subject string) string {
	return db.keys.Index("oidc", issuer+"\x00"+subject)
}

// OfficerByIdentity returns the officer linked to a single sign-on
// identity.
func (db *DB) OfficerByIdentity(ctx context.Context, issuer, subject string) (bot.Officer, error) {
	return db.oneOfficer(ctx, db.pool, `WHERE oidc_idx = $1`, db.identityIndex(issuer, subject))
}

// LinkIdentity links an officer to a single sign-on identity, unless
// either is linked to another already (ErrExists).
func (db *DB) LinkIdentity(ctx context.Context, officerID int64, issuer, subject string) error {
	idx := db.identityIndex(issuer, subject)
	tag, err := db.pool.Exec(ctx, `UPDATE officers SET oidc_idx = $2 WHERE id = $1 AND (oidc_idx IS NULL OR oidc_idx = $2)`, officerID, idx)
	if isUniqueViolation(err) || err == nil && tag.RowsAffected() == 0 {
		return fmt.Errorf("link identity: %w", bot.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("link identity: %w", err)
	}
	return nil
}

// DisableOfficer disables an officer and spends their enrollment links.
func (db *DB) DisableOfficer(ctx context.Context, email string, now time.Time) (bot.Officer, error) {
	var o bot.Officer
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		o, err = db.oneOfficer(ctx, tx, `WHERE email_idx = $1 FOR UPDATE`, db.keys.Index("email", email))
		if err != nil {
			return err
		}
		if o.DisabledAt == nil {
			o.DisabledAt = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE officers SET disabled_at = $2 WHERE id = $1`, o.ID, *o.DisabledAt); err != nil {
			return fmt.Errorf("disable officer: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE officer_invites SET used_at = $2 WHERE officer_id = $1 AND used_at IS NULL`, o.ID, now)
		return err
	})
	return o, err
}

// CreateInvite stores an enrollment link's hash.
func (db *DB) CreateInvite(ctx context.Context, officerID int64, tokenHash string, now, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO officer_invites (token_hash, officer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, officerID, now, expires)
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	return nil
}

const liveInvite = `token_hash = $1 AND used_at IS NULL AND expires_at > $2
	AND officer_id IN (SELECT id FROM officers WHERE disabled_at IS NULL)`

// Invite returns the officer of a live enrollment link.
func (db *DB) Invite(ctx context.Context, tokenHash string, now time.Time) (bot.Officer, error) {
	o, err := db.oneOfficer(ctx, db.pool, `WHERE id = (SELECT officer_id FROM officer_invites WHERE `+liveInvite+`)`, tokenHash, now)
	if errors.Is(err, bot.ErrNotFound) {
		return o, bot.ErrInviteInvalid
	}
	return o, err
}

// Enroll spends a live enrollment link and stores the passkey, at once:
// two browsers racing on one link get one passkey.
func (db *DB) Enroll(ctx context.Context, tokenHash string, p *bot.Passkey, now time.Time) (bot.Officer, error) {
	var o bot.Officer
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE officer_invites SET used_at = $2 WHERE `+liveInvite+` RETURNING officer_id`,
			tokenHash, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.ErrInviteInvalid
		}
		if err != nil {
			return fmt.Errorf("spend invite: %w", err)
		}
		p.OfficerID = id
		if err := db.addPasskey(ctx, tx, p); err != nil {
			return err
		}
		o, err = db.oneOfficer(ctx, tx, `WHERE id = $1`, id)
		return err
	})
	return o, err
}

// AddPasskey stores a passkey.
func (db *DB) AddPasskey(ctx context.Context, p *bot.Passkey) error {
	return db.addPasskey(ctx, db.pool, p)
}

func (db *DB) addPasskey(ctx context.Context, q querier, p *bot.Passkey) error {
	ids, err := nextIDs(ctx, q, "passkeys", 1)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO passkeys (id, officer_id, credential_id, credential, label, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, ids[0], p.OfficerID, p.CredentialID,
		db.keys.Seal(p.Credential, "passkeys", "credential", rowKey(ids[0])), p.Label, p.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("add passkey: %w", bot.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("add passkey: %w", err)
	}
	p.ID = ids[0]
	return nil
}

func (db *DB) queryPasskeys(ctx context.Context, tail string, args ...any) ([]bot.Passkey, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, officer_id, credential_id, credential, label, created_at, used_at FROM passkeys `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.Passkey, error) {
		var (
			p      bot.Passkey
			sealed string
		)
		if err := row.Scan(&p.ID, &p.OfficerID, &p.CredentialID, &sealed, &p.Label, &p.CreatedAt, &p.UsedAt); err != nil {
			return p, err
		}
		var err error
		p.Credential, err = db.keys.Open(sealed, "passkeys", "credential", rowKey(p.ID))
		return p, err
	})
}

// Passkeys lists an officer's passkeys.
func (db *DB) Passkeys(ctx context.Context, officerID int64) ([]bot.Passkey, error) {
	return db.queryPasskeys(ctx, `WHERE officer_id = $1 ORDER BY id`, officerID)
}

// PasskeyByCredential finds a passkey by its credential id.
func (db *DB) PasskeyByCredential(ctx context.Context, credentialID string) (bot.Passkey, error) {
	list, err := db.queryPasskeys(ctx, `WHERE credential_id = $1`, credentialID)
	if err != nil {
		return bot.Passkey{}, err
	}
	if len(list) == 0 {
		return bot.Passkey{}, bot.ErrNotFound
	}
	return list[0], nil
}

// PasskeyUsed stores a passkey's record after a sign-in.
func (db *DB) PasskeyUsed(ctx context.Context, id int64, credential []byte, now time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE passkeys SET credential = $2, used_at = $3 WHERE id = $1`,
		id, db.keys.Seal(credential, "passkeys", "credential", rowKey(id)), now)
	if err != nil {
		return fmt.Errorf("passkey used: %w", err)
	}
	return nil
}

// RemovePasskey removes one of an officer's passkeys.
func (db *DB) RemovePasskey(ctx context.Context, officerID, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM passkeys WHERE id = $1 AND officer_id = $2`, id, officerID)
	if err != nil {
		return fmt.Errorf("remove passkey: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// Session keys are secrets named sessionKeyPrefix + generation, sealed
// like every secret: the newest generation is current.
const sessionKeyPrefix = "staff_session_key:"

// SessionKey returns the current session key, making the first.
func (db *DB) SessionKey(ctx context.Context) (int, []byte, error) {
	fresh := make([]byte, 64)
	rand.Read(fresh)
	name := sessionKeyPrefix + "1"
	_, err := db.pool.Exec(ctx, `INSERT INTO secrets (name, value) SELECT $1, $2
		WHERE NOT EXISTS (SELECT 1 FROM secrets WHERE name LIKE 'staff_session_key:%')
		ON CONFLICT (name) DO NOTHING`, name, db.keys.Seal(fresh, "secrets", "value", name))
	if err != nil {
		return 0, nil, fmt.Errorf("make session key: %w", err)
	}
	var sealed string
	err = db.pool.QueryRow(ctx, `SELECT name, value FROM secrets WHERE name LIKE 'staff_session_key:%'
		ORDER BY substr(name, 19)::int DESC LIMIT 1`).Scan(&name, &sealed)
	if err != nil {
		return 0, nil, fmt.Errorf("load session key: %w", err)
	}
	gen, err := strconv.Atoi(strings.TrimPrefix(name, sessionKeyPrefix))
	if err != nil {
		return 0, nil, fmt.Errorf("session key %q: %w", name, err)
	}
	key, err := db.keys.Open(sealed, "secrets", "value", name)
	if err != nil {
		return 0, nil, fmt.Errorf("open session key: %w", err)
	}
	return gen, key, nil
}

// RotateSessionKey makes a new current session key.
func (db *DB) RotateSessionKey(ctx context.Context) (int, error) {
	gen, _, err := db.SessionKey(ctx)
	if err != nil {
		return 0, err
	}
	fresh := make([]byte, 64)
	rand.Read(fresh)
	for {
		gen++
		name := sessionKeyPrefix + strconv.Itoa(gen)
		tag, err := db.pool.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			name, db.keys.Seal(fresh, "secrets", "value", name))
		if err != nil {
			return 0, fmt.Errorf("rotate session key: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return gen, nil
		}
	}
}

// CurrentSession reads, in one round trip, a session's officer, whether
// it was signed out, and the current session key's generation.
func (db *DB) CurrentSession(ctx context.Context, officerID int64, sessionID string) (bot.Officer, bool, int, error) {
	var (
		o           bot.Officer
		name, email string
		ended       bool
		gen         int
		found       bool
	)
	err := db.pool.QueryRow(ctx, `
		SELECT o.id IS NOT NULL, coalesce(o.id, 0), coalesce(o.name, ''), coalesce(o.email, ''), coalesce(o.role, ''),
			coalesce(o.created_at, now()), o.disabled_at,
			EXISTS (SELECT 1 FROM ended_sessions WHERE id = $2),
			coalesce((SELECT max(substr(name, 19)::int) FROM secrets WHERE name LIKE 'staff_session_key:%'), 0)
		FROM (SELECT 1) one LEFT JOIN officers o ON o.id = $1`, officerID, sessionID).
		Scan(&found, &o.ID, &name, &email, &o.Role, &o.CreatedAt, &o.DisabledAt, &ended, &gen)
	if err != nil {
		return o, false, 0, fmt.Errorf("current session: %w", err)
	}
	if !found {
		return o, ended, gen, bot.ErrNotFound
	}
	if o.Name, err = db.keys.OpenString(name, "officers", "name", rowKey(o.ID)); err != nil {
		return o, ended, gen, err
	}
	o.Email, err = db.keys.OpenString(email, "officers", "email", rowKey(o.ID))
	o.Session = sessionID
	return o, ended, gen, err
}

// Spend records a single-use value, and forgets those expired.
func (db *DB) Spend(ctx context.Context, id string, expires, now time.Time) (bool, error) {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM spent_challenges WHERE expires_at <= $1`, now)
	var fresh bool
	b.Queue(`INSERT INTO spent_challenges (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING true`, id, expires).
		QueryRow(func(row pgx.Row) error {
			err := row.Scan(&fresh)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return false, fmt.Errorf("spend challenge: %w", err)
	}
	return fresh, nil
}

// CreateAPIClient stores an API client with its token's hash.
func (db *DB) CreateAPIClient(ctx context.Context, c *bot.APIClient, tokenHash string) error {
	err := db.pool.QueryRow(ctx, `INSERT INTO api_clients (name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		c.Name, tokenHash, c.CreatedAt, c.ExpiresAt).Scan(&c.ID)
	if isUniqueViolation(err) {
		return bot.ErrExists
	}
	if err != nil {
		return fmt.Errorf("create api client: %w", err)
	}
	return nil
}

func (db *DB) queryAPIClients(ctx context.Context, tail string, args ...any) ([]bot.APIClient, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, created_at, expires_at, revoked_at FROM api_clients `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("api clients: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.APIClient, error) {
		var c bot.APIClient
		err := row.Scan(&c.ID, &c.Name, &c.CreatedAt, &c.ExpiresAt, &c.RevokedAt)
		return c, err
	})
}

// APIClients lists every API client.
func (db *DB) APIClients(ctx context.Context) ([]bot.APIClient, error) {
	return db.queryAPIClients(ctx, `ORDER BY id`)
}

// RevokeAPIClient revokes the live client of that name.
func (db *DB) RevokeAPIClient(ctx context.Context, name string, now time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_clients SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL`, name, now)
	if err != nil {
		return fmt.Errorf("revoke api client: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// APIClientByToken finds a client by its token's hash.
func (db *DB) APIClientByToken(ctx context.Context, tokenHash string) (bot.APIClient, error) {
	list, err := db.queryAPIClients(ctx, `WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return bot.APIClient{}, err
	}
	if len(list) == 0 {
		return bot.APIClient{}, bot.ErrNotFound
	}
	return list[0], nil
}
