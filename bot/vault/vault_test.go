package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpen(t *testing.T) {
	k, err := NewKeyring(key(1))
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.SealString("A012345678", "requests", "answers", "7")
	if strings.Contains(sealed, "A012345678") || !strings.HasPrefix(sealed, "v1."+KeyID(key(1))+".") {
		t.Fatalf("sealed: %s", sealed)
	}
	if again := k.SealString("A012345678", "requests", "answers", "7"); again == sealed {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	got, err := k.OpenString(sealed, "requests", "answers", "7")
	if err != nil || got != "A012345678" {
		t.Fatalf("open: %q %v", got, err)
	}
	for _, tc := range []struct{ name, table, column, row string }{
		{"ErrOtherRow", "requests", "answers", "8"},
		{"ErrOtherColumn", "requests", "phone", "7"},
		{"ErrOtherTable", "conversations", "answers", "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := k.Open(sealed, tc.table, tc.column, tc.row); err == nil {
				t.Error("a value opened in another place")
			}
		})
	}
	if s := k.SealString("", "t", "c", "1"); s != "" {
		t.Errorf("empty sealed to %q", s)
	}
	if _, err := k.Open("v1.abcd.@@@", "t", "c", "1"); err == nil {
		t.Error("damaged value opened")
	}
}

func TestRotation(t *testing.T) {
	old, _ := NewKeyring(key(1))
	sealed := old.SealString("Jane Doe", "conversations", "state", "1")
	next, _ := NewKeyring(key(2), key(1))
	got, err := next.OpenString(sealed, "conversations", "state", "1")
	if err != nil || got != "Jane Doe" {
		t.Fatalf("new keyring opens old value: %q %v", got, err)
	}
	resealed := next.SealString(got, "conversations", "state", "1")
	if SealedWith(resealed) != next.CurrentKeyID() || SealedWith(sealed) != KeyID(key(1)) {
		t.Errorf("key ids: %s %s", SealedWith(resealed), SealedWith(sealed))
	}
	newOnly, _ := NewKeyring(key(2))
	if _, err := newOnly.Open(sealed, "conversations", "state", "1"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("without the old key: %v", err)
	}
}

func TestIndex(t *testing.T) {
	a, _ := NewKeyring(key(1))
	b, _ := NewKeyring(key(2))
	idx := NewIndexKey()
	a.SetIndexKey(idx)
	b.SetIndexKey(idx)
	if a.Index("phone", "+12025550147") != b.Index("phone", "+12025550147") {
		t.Error("the index changed with the data key")
	}
	if a.Index("phone", "+12025550147") == a.Index("a_number", "+12025550147") {
		t.Error("kinds share indexes")
	}
	if a.Index("phone", "+12025550147") == a.Index("phone", "+12025550148") {
		t.Error("values share indexes")
	}
	if strings.Contains(a.Index("phone", "+12025550147"), "2025550147") || a.Index("phone", "") != "" {
		t.Error("index")
	}
}

func TestParseKey(t *testing.T) {
	if _, err := ParseKey("AAAA"); err == nil {
		t.Error("short key accepted")
	}
	if k, err := ParseKey("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="); err != nil || len(k) != KeySize {
		t.Errorf("good key: %v", err)
	}
}
