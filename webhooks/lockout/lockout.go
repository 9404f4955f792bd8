// Package lockout limits guesses at staff credentials: wrong API tokens and
// failed console sign-ins. An attempt is counted before its credential is
// checked, under one lock, per client address, per account when the
// attempt names one, and for the whole server; so a parallel burst cannot
// get more guesses checked than the limits allow. A successful attempt
// gives its count back.
//
// Counts live in the process: with N replicas behind a load balancer an
// address gets at most N times the limits.
package lockout

import (
	"sync"
	"time"
)

// Limits are how many failed attempts a window allows.
type Limits struct {
	PerAddress int // from one client address
	PerAccount int // at one account (an officer's passkey)
	Global     int // at the whole server: a ceiling for attacks from many addresses
	Window     time.Duration
}

// DefaultLimits: 10 failures a minute from an address, 5 at an account, 200
// at the whole server.
var DefaultLimits = Limits{PerAddress: 10, PerAccount: 5, Global: 200, Window: time.Minute}

// maxKeys bounds how many addresses and accounts are remembered.
const maxKeys = 100_000

// Scopes of a lockout, as OnLockout gets them.
const (
	ScopeAddress = "address"
	ScopeAccount = "account"
	ScopeGlobal  = "global"
)

// Lockout counts attempts. It is safe for concurrent use.
type Lockout struct {
	limits Limits
	// onLockout, if set, is called (outside the lock) when a key reaches
	// its limit: once per lockout.
	onLockout func(scope, key string)

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

// New returns a lockout with limits; onLockout, if not nil, hears of each
// lockout.
func New(limits Limits, onLockout func(scope, key string)) *Lockout {
	return &Lockout{limits: limits, onLockout: onLockout, windows: map[string]*window{}}
}

// Attempt is one attempt counted by Begin.
type Attempt struct {
	l    *Lockout
	keys []string
	now  time.Time
	done bool
}

type scoped struct{ scope, key string }

// Begin counts an attempt at now from address, at account if it is not
// "". While any of them is locked out it counts nothing and returns how
// long to wait instead.
func (l *Lockout) Begin(now time.Time, address, account string) (*Attempt, time.Duration) {
	keys := []scoped{{ScopeGlobal, ""}, {ScopeAddress, address}}
	if account != "" {
		keys = append(keys, scoped{ScopeAccount, account})
	}
	var locked []scoped
	l.mu.Lock()
	var wait time.Duration
	for _, k := range keys {
		if w := l.windows[k.scope+":"+k.key]; w != nil && now.Before(w.start.Add(l.limits.Window)) && w.count >= l.limit(k.scope) {
			wait = max(wait, w.start.Add(l.limits.Window).Sub(now))
		}
	}
	if wait > 0 {
		l.mu.Unlock()
		return nil, wait
	}
	if len(l.windows) >= maxKeys {
		l.sweep(now)
	}
	a := &Attempt{l: l, now: now}
	for _, k := range keys {
		id := k.scope + ":" + k.key
		w := l.windows[id]
		if w == nil || !now.Before(w.start.Add(l.limits.Window)) {
			w = &window{start: now}
			l.windows[id] = w
		}
		w.count++
		if w.count == l.limit(k.scope) {
			locked = append(locked, k)
		}
		a.keys = append(a.keys, id)
	}
	l.mu.Unlock()
	if l.onLockout != nil {
		for _, k := range locked {
			l.onLockout(k.scope, k.key)
		}
	}
	return a, 0
}

// Succeeded gives the attempt's counts back: only failures count.
func (a *Attempt) Succeeded() {
	if a == nil || a.done {
		return
	}
	a.done = true
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	for _, id := range a.keys {
		if w := a.l.windows[id]; w != nil && w.count > 0 {
			w.count--
		}
	}
}

func (l *Lockout) limit(scope string) int {
	switch scope {
	case ScopeAccount:
		return l.limits.PerAccount
	case ScopeGlobal:
		return l.limits.Global
	}
	return l.limits.PerAddress
}

// sweep forgets the windows that ended; when none did, the oldest ones.
func (l *Lockout) sweep(now time.Time) {
	for id, w := range l.windows {
		if !now.Before(w.start.Add(l.limits.Window)) {
			delete(l.windows, id)
		}
	}
	for id := range l.windows {
		if len(l.windows) < maxKeys {
			return
		}
		if id != ScopeGlobal+":" {
			delete(l.windows, id)
		}
	}
}
