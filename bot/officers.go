package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Officer roles. A supervisor also invites and disables officers, and sees
// and exports the access log.
const (
	RoleOfficer    = "officer"
	RoleSupervisor = "supervisor"
)

// Officer is a member of staff who signs in to the console as themselves.
type Officer struct {
	ID         int64
	Name       string
	Email      string // lower case
	Role       string
	CreatedAt  time.Time
	DisabledAt *time.Time
	// Session is the console session the officer acts in, when they act.
	Session string
}

// Supervisor reports whether the officer may manage officers and read the
// access log.
func (o Officer) Supervisor() bool { return o.Role == RoleSupervisor }

// Passkey is a WebAuthn credential an officer signs in with.
type Passkey struct {
	ID        int64
	OfficerID int64
	// CredentialID is the credential's id, base64url without padding, as
	// browsers send it.
	CredentialID string
	// Credential is go-webauthn's record of the credential as JSON: its
	// public key, sign count and flags.
	Credential []byte
	Label      string
	CreatedAt  time.Time
	UsedAt     *time.Time
}

// APIClient is a program that calls the staff API with a token of its own.
type APIClient struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never
	RevokedAt *time.Time
}

// Actor is who looks at or changes a request: a signed-in officer, or an
// API client (Client is its name).
type Actor struct {
	Officer Officer
	Client  string
}

// Label names the actor for people: the officer's name, or "API client"
// and the client's name.
func (a Actor) Label() string {
	if a.Client != "" {
		return "API client " + a.Client
	}
	return a.Officer.Name
}

func (a Actor) valid() bool { return a.Client != "" || a.Officer.ID != 0 }

type actorKey struct{}

// WithActor returns ctx carrying who acts, so that the staff service
// records each request they open, search or change.
func WithActor(ctx context.Context, who Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, who)
}

// ActorFrom returns the actor ctx carries, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	who, ok := ctx.Value(actorKey{}).(Actor)
	return who, ok && who.valid()
}

// ErrNoActor means personal data was asked for with nobody to record as
// its reader.
var ErrNoActor = errors.New("no officer or API client in context: every look at a request is recorded")

// Errors of officers, sign-ins and tokens.
var (
	// ErrExists means an officer with that email, or a live API client
	// with that name, exists already.
	ErrExists = errors.New("exists already")
	// ErrInviteInvalid means an enrollment link is unknown, used or
	// expired.
	ErrInviteInvalid = errors.New("the enrollment link is not valid: it was used, has expired or never existed")
	// ErrBadToken means an API token is unknown, revoked or expired.
	ErrBadToken = errors.New("the API token is not valid")
	// ErrNotInvited means a sign-in matched no enabled officer.
	ErrNotInvited = errors.New("no enabled officer matches this sign-in")
)

// InviteTTL is how long an enrollment link works.
const InviteTTL = 24 * time.Hour

// OfficerStore is what officers, sign-ins and API clients need of storage.
type OfficerStore interface {
	// CreateOfficer stores o, setting its ID, or returns ErrExists.
	CreateOfficer(ctx context.Context, o *Officer) error
	Officers(ctx context.Context) ([]Officer, error)
	// OfficerByEmail and OfficerByID return ErrNotFound when no officer
	// matches.
	OfficerByEmail(ctx context.Context, email string) (Officer, error)
	OfficerByID(ctx context.Context, id int64) (Officer, error)
	// OfficerByIdentity returns the officer linked to the single sign-on
	// identity, or ErrNotFound.
	OfficerByIdentity(ctx context.Context, issuer, subject string) (Officer, error)
	// LinkIdentity links the officer to a single sign-on identity, or
	// returns ErrExists when either is linked to another.
	LinkIdentity(ctx context.Context, officerID int64, issuer, subject string) error
	// DisableOfficer marks the officer disabled at now and ends their
	// enrollment links; ErrNotFound when no officer has that email.
	DisableOfficer(ctx context.Context, email string, now time.Time) (Officer, error)

	// CreateInvite stores an enrollment link's token hash.
	CreateInvite(ctx context.Context, officerID int64, tokenHash string, now, expires time.Time) error
	// Invite returns the enabled officer an unused, unexpired link is for,
	// or ErrInviteInvalid.
	Invite(ctx context.Context, tokenHash string, now time.Time) (Officer, error)
	// Enroll, in one transaction, spends the link and stores p for its
	// officer; ErrInviteInvalid when the link cannot be spent.
	Enroll(ctx context.Context, tokenHash string, p *Passkey, now time.Time) (Officer, error)

	// AddPasskey stores p for p.OfficerID.
	AddPasskey(ctx context.Context, p *Passkey) error
	Passkeys(ctx context.Context, officerID int64) ([]Passkey, error)
	// PasskeyByCredential returns the passkey with that credential id, or
	// ErrNotFound.
	PasskeyByCredential(ctx context.Context, credentialID string) (Passkey, error)
	// PasskeyUsed stores the credential's new record after a sign-in.
	PasskeyUsed(ctx context.Context, id int64, credential []byte, now time.Time) error
	// RemovePasskey removes one of the officer's passkeys, or returns
	// ErrNotFound.
	RemovePasskey(ctx context.Context, officerID, id int64) error

	// SessionKey returns the current console session key and its
	// generation, making the first one if there is none.
	SessionKey(ctx context.Context) (generation int, key []byte, err error)
	// RotateSessionKey makes a new current session key.
	RotateSessionKey(ctx context.Context) (generation int, err error)
	// CurrentSession returns the session's officer, whether the session
	// was signed out, and the current session key's generation, in one
	// look.
	CurrentSession(ctx context.Context, officerID int64, sessionID string) (o Officer, ended bool, generation int, err error)
	// Spend records that a single-use value was used; it reports false if
	// it was spent before.
	Spend(ctx context.Context, id string, expires, now time.Time) (bool, error)

	// CreateAPIClient stores c with the token's hash, or returns ErrExists.
	CreateAPIClient(ctx context.Context, c *APIClient, tokenHash string) error
	APIClients(ctx context.Context) ([]APIClient, error)
	// RevokeAPIClient revokes the live client of that name, or returns
	// ErrNotFound.
	RevokeAPIClient(ctx context.Context, name string, now time.Time) error
	// APIClientByToken returns the client whose token has that hash,
	// revoked or expired ones too, or ErrNotFound.
	APIClientByToken(ctx context.Context, tokenHash string) (APIClient, error)
}

// Officers manages officers, their enrollment and sign-in, and API
// clients.
type Officers struct {
	store OfficerStore
	now   func() time.Time
}

// NewOfficers returns the officers service.
func NewOfficers(store OfficerStore, now func() time.Time) *Officers {
	if now == nil {
		now = time.Now
	}
	return &Officers{store: store, now: now}
}

// Store returns the officers' store.
func (s *Officers) Store() OfficerStore { return s.store }

// Now returns the service's time.
func (s *Officers) Now() time.Time { return s.now() }

// HashToken is how tokens of enrollment links and API clients are stored:
// they are 130 random bits, so a fast hash is enough and a stolen table
// gives nothing to sign in with.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CheckOfficerName says what is wrong with an officer's name, or "".
func CheckOfficerName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "a name is required"
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "a name must be text of at most 100 characters"
	}
	return ""
}

// NormalizeEmail returns email in lower case if it is one plain address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return "", errors.New("must be an email address, like jane.doe@agency.gov")
	}
	return email, nil
}

// Invite adds an officer with role (RoleOfficer or RoleSupervisor) and
// returns them with the token of their one-time enrollment link. Inviting
// the email of an enabled officer again gives them a new link (for a new
// passkey) and changes nothing else.
func (s *Officers) Invite(ctx context.Context, name, email, role string) (Officer, string, error) {
	var bad ValidationError
	name = strings.TrimSpace(name)
	if msg := CheckOfficerName(name); msg != "" {
		bad = append(bad, FieldError{"name", msg})
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		bad = append(bad, FieldError{"email", err.Error()})
	}
	if role != RoleOfficer && role != RoleSupervisor {
		bad = append(bad, FieldError{"role", "must be officer or supervisor"})
	}
	if len(bad) > 0 {
		return Officer{}, "", bad
	}
	now := s.now()
	o := Officer{Name: name, Email: email, Role: role, CreatedAt: now}
	switch err := s.store.CreateOfficer(ctx, &o); {
	case errors.Is(err, ErrExists):
		if o, err = s.store.OfficerByEmail(ctx, email); err != nil {
			return Officer{}, "", err
		}
		if o.DisabledAt != nil {
			return Officer{}, "", ValidationError{{"email", "belongs to a disabled officer"}}
		}
	case err != nil:
		return Officer{}, "", err
	}
	token := rand.Text()
	if err := s.store.CreateInvite(ctx, o.ID, HashToken(token), now, now.Add(InviteTTL)); err != nil {
		return Officer{}, "", err
	}
	return o, token, nil
}

// List lists every officer.
func (s *Officers) List(ctx context.Context) ([]Officer, error) { return s.store.Officers(ctx) }

// Disable disables the officer with that email: their sessions end at
// their next page, on every replica, and their links stop working.
func (s *Officers) Disable(ctx context.Context, email string) (Officer, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return Officer{}, ValidationError{{"email", err.Error()}}
	}
	return s.store.DisableOfficer(ctx, email, s.now())
}

// SignInIdentity finds the officer a verified single sign-on identity
// belongs to: the one linked to it, or else the enabled officer invited
// with its verified email, whom it links. Anyone else gets ErrNotInvited.
func (s *Officers) SignInIdentity(ctx context.Context, issuer, subject, email string, emailVerified bool) (Officer, error) {
	o, err := s.store.OfficerByIdentity(ctx, issuer, subject)
	if errors.Is(err, ErrNotFound) {
		if !emailVerified {
			return Officer{}, ErrNotInvited
		}
		email, err := NormalizeEmail(email)
		if err != nil {
			return Officer{}, ErrNotInvited
		}
		if o, err = s.store.OfficerByEmail(ctx, email); errors.Is(err, ErrNotFound) {
			return Officer{}, ErrNotInvited
		} else if err != nil {
			return Officer{}, err
		}
		if o.DisabledAt == nil {
			// An officer linked to another identity is not taken over by
			// one that claims their email.
			if err := s.store.LinkIdentity(ctx, o.ID, issuer, subject); errors.Is(err, ErrExists) {
				return Officer{}, ErrNotInvited
			} else if err != nil {
				return Officer{}, err
			}
		}
	} else if err != nil {
		return Officer{}, err
	}
	if o.DisabledAt != nil {
		return Officer{}, ErrNotInvited
	}
	return o, nil
}

// apiTokenPrefix starts every API token, so that a leaked one is easy to
// recognize (secret scanners, logs).
const apiTokenPrefix = "ipa_"

var clientName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CreateAPIToken makes a token for the API client name, valid for ttl (0:
// until revoked), and returns it: it is shown once, only its hash is kept.
func (s *Officers) CreateAPIToken(ctx context.Context, name string, ttl time.Duration) (string, APIClient, error) {
	if !clientName.MatchString(name) {
		return "", APIClient{}, ValidationError{{"name", "must be 1 to 63 lower-case letters, digits, dots, dashes or underscores, like crm-sync"}}
	}
	if ttl < 0 {
		return "", APIClient{}, ValidationError{{"expires", "must be a positive duration"}}
	}
	now := s.now()
	c := APIClient{Name: name, CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		c.ExpiresAt = &exp
	}
	token := apiTokenPrefix + rand.Text()
	if err := s.store.CreateAPIClient(ctx, &c, HashToken(token)); err != nil {
		return "", APIClient{}, err
	}
	return token, c, nil
}

// APIClients lists every API client, revoked ones too.
func (s *Officers) APIClients(ctx context.Context) ([]APIClient, error) {
	return s.store.APIClients(ctx)
}

// RevokeAPIToken revokes the live token of the client name.
func (s *Officers) RevokeAPIToken(ctx context.Context, name string) error {
	return s.store.RevokeAPIClient(ctx, name, s.now())
}

// APIClient returns the client a bearer token belongs to, or ErrBadToken
// if it is unknown, revoked or expired.
func (s *Officers) APIClient(ctx context.Context, token string) (APIClient, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
		return APIClient{}, ErrBadToken
	}
	c, err := s.store.APIClientByToken(ctx, HashToken(token))
	switch {
	case errors.Is(err, ErrNotFound):
		return APIClient{}, ErrBadToken
	case err != nil:
		return APIClient{}, fmt.Errorf("api client: %w", err)
	case c.RevokedAt != nil, c.ExpiresAt != nil && !s.now().Before(*c.ExpiresAt):
		return APIClient{}, ErrBadToken
	}
	return c, nil
}

// ParseTTL reads a token lifetime: a number and a unit, d (days) or h
// (hours), like 90d; "0" or "never" for no expiry.
func ParseTTL(s string) (time.Duration, error) {
	if s == "0" || s == "never" {
		return 0, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("%q must be a number of days or hours, like 90d or 12h, or never", s)
	}
	switch unit {
	case "d":
		return time.Duration(n) * 24 * time.Hour, nil
	case "h":
		return time.Duration(n) * time.Hour, nil
	}
	return 0, fmt.Errorf("%q must be a number of days or hours, like 90d or 12h, or never", s)
}
