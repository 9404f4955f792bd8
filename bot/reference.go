package bot

import (
	"crypto/rand"
	"errors"
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
