package lockout

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func TestLockout(t *testing.T) {
	const ip, other = "192.0.2.1", "192.0.2.2"
	var locked []string
	l := New(Limits{PerAddress: 3, PerAccount: 2, Global: 100, Window: time.Minute}, func(scope, key string) {
		locked = append(locked, scope+":"+key)
	})
	for i := range 3 {
		if a, wait := l.Begin(t0.Add(time.Duration(i)*time.Second), ip, ""); a == nil || wait != 0 {
			t.Fatalf("attempt %d refused: %v", i+1, wait)
		}
	}
	if len(locked) != 1 || locked[0] != "address:"+ip {
		t.Errorf("lockouts heard: %v", locked)
	}
	for _, tc := range []struct {
		name string
		ip   string
		at   time.Duration
		want time.Duration
	}{
		{"ErrLocked", ip, 10 * time.Second, 50 * time.Second},
		{"ErrLockedToTheEnd", ip, 59 * time.Second, time.Second},
		{"OtherAddress", other, 10 * time.Second, 0},
		{"WindowOver", ip, 2 * time.Minute, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, wait := afterThree(l.limits).Begin(t0.Add(tc.at), tc.ip, "")
			if wait != tc.want {
				t.Errorf("wait = %v, want %v", wait, tc.want)
			}
		})
	}
	t.Run("SuccessGivesBack", func(t *testing.T) {
		l := New(Limits{PerAddress: 2, PerAccount: 2, Global: 100, Window: time.Minute}, nil)
		for range 10 {
			a, wait := l.Begin(t0, ip, "")
			if wait != 0 {
				t.Fatal("successful attempts locked an address out")
			}
			a.Succeeded()
			a.Succeeded() // twice gives back once
		}
	})
	t.Run("PerAccount", func(t *testing.T) {
		l := New(Limits{PerAddress: 100, PerAccount: 2, Global: 100, Window: time.Minute}, nil)
		for i := range 2 {
			if _, wait := l.Begin(t0, "198.51.100."+string(rune('1'+i)), "cred-1"); wait != 0 {
				t.Fatal("refused before the account's limit")
			}
		}
		if _, wait := l.Begin(t0, "198.51.100.9", "cred-1"); wait == 0 {
			t.Error("a third address guesses at a locked account")
		}
		if _, wait := l.Begin(t0, "198.51.100.9", "cred-2"); wait != 0 {
			t.Error("another account is locked too")
		}
	})
	t.Run("Global", func(t *testing.T) {
		l := New(Limits{PerAddress: 100, PerAccount: 100, Global: 5, Window: time.Minute}, nil)
		for i := range 5 {
			l.Begin(t0, "203.0.113."+string(rune('0'+i)), "")
		}
		if _, wait := l.Begin(t0, "203.0.113.99", ""); wait == 0 {
			t.Error("a sixth address gets past the global ceiling")
		}
	})
}

// afterThree is a lockout of limits after TestLockout's three failures.
func afterThree(limits Limits) *Lockout {
	l := New(limits, nil)
	for i := range 3 {
		l.Begin(t0.Add(time.Duration(i)*time.Second), "192.0.2.1", "")
	}
	return l
}

// TestParallelBurst: 50 wrong attempts at once from one address get at
// most the limit checked, however they interleave.
func TestParallelBurst(t *testing.T) {
	l := New(DefaultLimits, nil)
	var checked, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			a, wait := l.Begin(t0, "192.0.2.1", "cred-1")
			if wait > 0 {
				refused.Add(1)
				return
			}
			_ = a // the check fails: nothing is given back
			checked.Add(1)
		})
	}
	close(start)
	wg.Wait()
	if int(checked.Load()) != DefaultLimits.PerAccount || refused.Load() != 50-int32(DefaultLimits.PerAccount) {
		t.Errorf("%d checked, %d refused; want %d checked", checked.Load(), refused.Load(), DefaultLimits.PerAccount)
	}
}
