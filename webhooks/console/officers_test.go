package console_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"infopass/bot"
)

// officerStore is an in-memory bot.OfficerStore. store embeds it; its
// sessions' checks share store's ended sessions and sessionErr.
type officerStore struct {
	omu        sync.Mutex
	officers   []bot.Officer
	identities map[string]int64
	invites    map[string]invite
	passkeys   []bot.Passkey
	keyGen     int
	keys       map[int][]byte
	spent      map[string]bool
	clients    []apiClient
}

type invite struct {
	officer int64
	expires time.Time
	used    bool
}

type apiClient struct {
	bot.APIClient
	hash string
}

func (s *officerStore) CreateOfficer(ctx context.Context, o *bot.Officer) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	for _, x := range s.officers {
		if x.Email == o.Email {
			return bot.ErrExists
		}
	}
	o.ID = int64(len(s.officers) + 1)
	s.officers = append(s.officers, *o)
	return nil
}

func (s *officerStore) Officers(ctx context.Context) ([]bot.Officer, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	return append([]bot.Officer(nil), s.officers...), nil
}

func (s *officerStore) find(match func(bot.Officer) bool) (bot.Officer, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	for _, o := range s.officers {
		if match(o) {
			return o, nil
		}
	}
	return bot.Officer{}, bot.ErrNotFound
}

func (s *officerStore) OfficerByEmail(ctx context.Context, email string) (bot.Officer, error) {
	return s.find(func(o bot.Officer) bool { return o.Email == email })
}

func (s *officerStore) OfficerByID(ctx context.Context, id int64) (bot.Officer, error) {
	return s.find(func(o bot.Officer) bool { return o.ID == id })
}

func (s *officerStore) OfficerByIdentity(ctx context.Context, issuer, subject string) (bot.Officer, error) {
	s.omu.Lock()
	id, ok := s.identities[issuer+" "+subject]
	s.omu.Unlock()
	if !ok {
		return bot.Officer{}, bot.ErrNotFound
	}
	return s.OfficerByID(ctx, id)
}

func (s *officerStore) LinkIdentity(ctx context.Context, officerID int64, issuer, subject string) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.identities == nil {
		s.identities = map[string]int64{}
	}
	for k, id := range s.identities {
		if id == officerID && k != issuer+" "+subject {
			return bot.ErrExists
		}
	}
	s.identities[issuer+" "+subject] = officerID
	return nil
}

func (s *officerStore) DisableOfficer(ctx context.Context, email string, now time.Time) (bot.Officer, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	for i, o := range s.officers {
		if o.Email == email {
			s.officers[i].DisabledAt = &now
			return s.officers[i], nil
		}
	}
	return bot.Officer{}, bot.ErrNotFound
}

func (s *officerStore) CreateInvite(ctx context.Context, officerID int64, tokenHash string, now, expires time.Time) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.invites == nil {
		s.invites = map[string]invite{}
	}
	s.invites[tokenHash] = invite{officer: officerID, expires: expires}
	return nil
}

func (s *officerStore) Invite(ctx context.Context, tokenHash string, now time.Time) (bot.Officer, error) {
	s.omu.Lock()
	in, ok := s.invites[tokenHash]
	s.omu.Unlock()
	if !ok || in.used || !now.Before(in.expires) {
		return bot.Officer{}, bot.ErrInviteInvalid
	}
	return s.OfficerByID(ctx, in.officer)
}

func (s *officerStore) Enroll(ctx context.Context, tokenHash string, p *bot.Passkey, now time.Time) (bot.Officer, error) {
	o, err := s.Invite(ctx, tokenHash, now)
	if err != nil {
		return o, err
	}
	s.omu.Lock()
	in := s.invites[tokenHash]
	in.used = true
	s.invites[tokenHash] = in
	s.omu.Unlock()
	p.OfficerID = o.ID
	return o, s.AddPasskey(ctx, p)
}

func (s *officerStore) AddPasskey(ctx context.Context, p *bot.Passkey) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	p.ID = int64(len(s.passkeys) + 1)
	s.passkeys = append(s.passkeys, *p)
	return nil
}

func (s *officerStore) Passkeys(ctx context.Context, officerID int64) ([]bot.Passkey, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	var out []bot.Passkey
	for _, p := range s.passkeys {
		if p.OfficerID == officerID && p.ID != 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *officerStore) PasskeyByCredential(ctx context.Context, credentialID string) (bot.Passkey, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	for _, p := range s.passkeys {
		if p.CredentialID == credentialID && p.ID != 0 {
			return p, nil
		}
	}
	return bot.Passkey{}, bot.ErrNotFound
}

func (s *officerStore) PasskeyUsed(ctx context.Context, id int64, credential []byte, now time.Time) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	s.passkeys[id-1].Credential, s.passkeys[id-1].UsedAt = credential, &now
	return nil
}

func (s *officerStore) RemovePasskey(ctx context.Context, officerID, id int64) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	if id < 1 || int(id) > len(s.passkeys) || s.passkeys[id-1].OfficerID != officerID || s.passkeys[id-1].ID == 0 {
		return bot.ErrNotFound
	}
	s.passkeys[id-1].ID = 0
	return nil
}

func (s *officerStore) SessionKey(ctx context.Context) (int, []byte, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.keyGen == 0 {
		s.rotate()
	}
	return s.keyGen, s.keys[s.keyGen], nil
}

func (s *officerStore) rotate() {
	if s.keys == nil {
		s.keys = map[int][]byte{}
	}
	s.keyGen++
	s.keys[s.keyGen] = []byte(rand.Text() + rand.Text())
}

func (s *officerStore) RotateSessionKey(ctx context.Context) (int, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	s.rotate()
	return s.keyGen, nil
}

func (s *officerStore) Spend(ctx context.Context, id string, expires, now time.Time) (bool, error) {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.spent == nil {
		s.spent = map[string]bool{}
	}
	if s.spent[id] {
		return false, nil
	}
	s.spent[id] = true
	return true, nil
}

func (s *officerStore) CreateAPIClient(ctx context.Context, c *bot.APIClient, tokenHash string) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	c.ID = int64(len(s.clients) + 1)
	s.clients = append(s.clients, apiClient{*c, tokenHash})
	return nil
}

func (s *officerStore) APIClients(ctx context.Context) ([]bot.APIClient, error) { return nil, nil }

func (s *officerStore) RevokeAPIClient(ctx context.Context, name string, now time.Time) error {
	return bot.ErrNotFound
}

func (s *officerStore) APIClientByToken(ctx context.Context, tokenHash string) (bot.APIClient, error) {
	return bot.APIClient{}, bot.ErrNotFound
}

// CurrentSession is store's: it shares the ended sessions and sessionErr.
func (s *store) CurrentSession(ctx context.Context, officerID int64, sessionID string) (bot.Officer, bool, int, error) {
	s.mu.Lock()
	err := s.sessionErr
	_, ended := s.ended[sessionID]
	s.mu.Unlock()
	if err != nil {
		return bot.Officer{}, false, 0, err
	}
	o, err := s.OfficerByID(ctx, officerID)
	s.omu.Lock()
	gen := s.keyGen
	s.omu.Unlock()
	o.Session = sessionID
	return o, ended, gen, err
}

// spentCount is how many single-use values of kind were spent.
func (s *officerStore) spentCount(kind string) int {
	s.omu.Lock()
	defer s.omu.Unlock()
	n := 0
	for id := range s.spent {
		if strings.HasPrefix(id, kind+":") {
			n++
		}
	}
	return n
}
