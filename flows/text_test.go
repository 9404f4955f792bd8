package flows

import "testing"

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Hello\tWORLD \n", "hello world"},
		{"A 12345678", "a 12345678"},
		{"Ａｇｅｎｔ", "agent"},
		{"Xin chào", "xin chao"},
		{"Łódź", "lodz"},
		{"٣ 2", "3 2"},
		{"", ""},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFoldASCII checks that the shortcut for ASCII text folds it as the
// Unicode path does.
func TestFoldASCII(t *testing.T) {
	var all []byte
	for c := range 128 {
		all = append(all, byte(c))
	}
	for _, s := range []string{string(all), "  STOP ", "ioe-091-234-5678", "jane.doe@example.org", "\x00\x1f\x7f", "1 3\r\n"} {
		if !isASCII(s) {
			t.Fatalf("%q is ASCII", s)
		}
		if fast, full := foldASCII(s), foldUnicode(s); fast != full {
			t.Errorf("fold %q: %q, want %q", s, fast, full)
		}
	}
}

func TestBare(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Yes!", "yes"}, {"¿AYUDA?", "ayuda"}, {"停止。", "停止"}, {`"stop"`, "stop"}, {" , ", ""}, {"no, thanks", "no, thanks"},
	} {
		if got := Bare(tc.in); got != tc.want {
			t.Errorf("Bare(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
