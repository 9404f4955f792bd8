// Package vault encrypts personal data before it is stored, and computes
// the blind indexes it is looked up by.
//
// Each value is sealed with AES-256-GCM under the current data key. The
// associated data names the table, column and row the value belongs to, so
// a ciphertext copied into another row or column does not open. A sealed
// value starts with the key's id, so values sealed under an older key still
// open while a rotation re-seals them under the new one.
//
// Blind indexes are HMAC-SHA-256 of a normalized value under an index key
// that never rotates (it is stored sealed with the data key), so a lookup by
// A-Number or phone number needs no decryption and survives key rotation.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a data key: AES-256.
const KeySize = 32

// prefix starts every sealed value: a format version and the key id.
const prefix = "v1."

// ErrUnknownKey means a value was sealed under a key the Keyring lacks.
var ErrUnknownKey = errors.New("sealed with an unknown key")

// Keyring seals with its current key and opens with any of its keys.
type Keyring struct {
	current string // key id
	aeads   map[string]cipher.AEAD
	index   []byte
}

// ParseKey decodes a base64 data key of KeySize bytes.
func ParseKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		k, err = base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	}
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("a data key is %d bytes in base64 (e.g. from: openssl rand -base64 32)", KeySize)
	}
	return k, nil
}

// KeyID names a key without revealing it.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("infopass key id\x00"), key...))
	return hex.EncodeToString(sum[:4])
}

// NewKeyring returns a Keyring that seals with current and also opens
// values sealed with any of old.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("data key %d: %d bytes, want %d", i, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		if i == 0 {
			k.current = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// CurrentKeyID is the id of the key new values are sealed with.
func (k *Keyring) CurrentKeyID() string { return k.current }

// SetIndexKey sets the key of the blind indexes.
func (k *Keyring) SetIndexKey(key []byte) { k.index = append([]byte(nil), key...) }

// NewIndexKey makes a random blind-index key.
func NewIndexKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key)
	return key
}

func aad(table, column, row string) []byte {
	return []byte(table + "\x00" + column + "\x00" + row)
}

// Seal encrypts plaintext for row of table.column. The empty string seals to
// the empty string: there is nothing to hide in "no value".
func (k *Keyring) Seal(plaintext []byte, table, column, row string) string {
	if len(plaintext) == 0 {
		return ""
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	ct := aead.Seal(nonce, nonce, plaintext, aad(table, column, row))
	return prefix + k.current + "." + base64.RawStdEncoding.EncodeToString(ct)
}

// SealString is Seal for text.
func (k *Keyring) SealString(s, table, column, row string) string {
	return k.Seal([]byte(s), table, column, row)
}

// Open decrypts a value Seal made for the same table, column and row.
func (k *Keyring) Open(sealed, table, column, row string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, fmt.Errorf("open %s.%s: not a sealed value", table, column)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("open %s.%s: key %s: %w", table, column, id, ErrUnknownKey)
	}
	ct, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(ct) < aead.NonceSize() {
		return nil, fmt.Errorf("open %s.%s: damaged value", table, column)
	}
	pt, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], aad(table, column, row))
	if err != nil {
		return nil, fmt.Errorf("open %s.%s: %w", table, column, err)
	}
	return pt, nil
}

// OpenString is Open for text.
func (k *Keyring) OpenString(sealed, table, column, row string) (string, error) {
	b, err := k.Open(sealed, table, column, row)
	return string(b), err
}

// SealedWith reports the key id a sealed value was made with.
func SealedWith(sealed string) string {
	rest, _ := strings.CutPrefix(sealed, prefix)
	id, _, _ := strings.Cut(rest, ".")
	return id
}

// Index returns the blind index of value of a kind ("phone", "a_number",
// "receipt"): equal values have equal indexes, and nothing else can be
// learned from one. The empty value has the empty index.
func (k *Keyring) Index(kind, value string) string {
	if value == "" {
		return ""
	}
	if len(k.index) == 0 {
		panic("vault: blind index key not set")
	}
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
