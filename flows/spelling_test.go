package flows

import "testing"

func TestSpellOut(t *testing.T) {
	lex := testLexicon("en").WithLetters([26][]string{
		{"a", "alpha"}, {"b", "bravo", "bee"}, {"c", "charlie", "see"}, {"d", "delta"}, {"e", "echo"}, {"f"}, {"g"}, {"h"},
		{"i", "india"}, {"j"}, {"k"}, {"l"}, {"m"}, {"n"}, {"o", "oscar"}, {"p"}, {"q"}, {"r"}, {"s"}, {"t"}, {"u"},
		{"v"}, {"w", "double u"}, {"x"}, {"y"}, {"z"},
	})
	for _, tc := range []struct{ in, want string }{
		{"E A C", "EAC"},
		{"echo alpha charlie", "EAC"},
		{"eac", "EAC"},
		{"E.A.C.", "EAC"},
		{"i o e 0912345678", "IOE0912345678"},
		{"IOE0912345678", "IOE0912345678"},
		{"double u a c", "WAC"},
		{"bee see", "BC"},
		{"my receipt", ""},
		{"", ""},
	} {
		if got := SpellOut(tc.in, lex); got != tc.want {
			t.Errorf("SpellOut(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
