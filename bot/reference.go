package bot

import (
	"crypto/rand"
	"errors"
	"strings"
)

// ErrReferenceTaken means a new request's reference exists already.
var ErrReferenceTaken = errors.New("request reference taken")

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a reference
// read aloud or copied by hand is hard to get wrong.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewReference returns a random request reference: "IP-" and 8 characters
// of Crockford base32 (40 random bits).
func NewReference() string {
	var b [8]byte
	rand.Read(b[:])
	out := []byte("IP-")
	for _, c := range b {
		out = append(out, crockford[c&31])
	}
	return string(out)
}

// ValidReference reports whether s has the shape of a reference.
func ValidReference(s string) bool {
	if len(s) != 11 || s[:3] != "IP-" {
		return false
	}
	for i := 3; i < len(s); i++ {
		if !containsByte(crockford, s[i]) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// ReferenceKeys is how a reference is keyed on a phone: the 8 characters
// after "IP-", each letter as the keypad key that bears it (ITU E.161).
// migrations/007 computes the same in SQL.
func ReferenceKeys(ref string) string {
	const keypad = "22233344455566677778889999" // A..Z
	var b strings.Builder
	for _, r := range strings.TrimPrefix(ref, "IP-") {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteByte(keypad[r-'A'])
		}
	}
	return b.String()
}
