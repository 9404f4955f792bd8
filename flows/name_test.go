package flows

import (
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OKSpanish", "José Álvarez-Núñez", "José Álvarez-Núñez", ""},
		{"OKCollapsed", "  José \t Álvarez-Núñez \n", "José Álvarez-Núñez", ""},
		{"OKComposed", "Jose\u0301", "José", ""}, // combining acute, stored precomposed
		{"OKApostrophe", "O'Brien", "O'Brien", ""},
		{"OKCurlyApostrophe", "O’Brien", "O’Brien", ""},
		{"OKSuffix", "Martin Luther King, Jr.", "Martin Luther King, Jr.", ""},
		{"OKChinese", "王小明", "王小明", ""},
		{"OKArabic", "محمد علي", "محمد علي", ""},
		{"OKRussian", "Иван Петров", "Иван Петров", ""},
		{"OKVietnamese", "Nguyễn Văn An", "Nguyễn Văn An", ""},
		{"OKKorean", "김민준", "김민준", ""},
		{"OKHindi", "अनिल कुमार", "अनिल कुमार", ""}, // vowel signs are marks
		{"OKThai", "สมชาย ใจดี", "สมชาย ใจดี", ""},
		{"OKHebrew", "דוד כהן", "דוד כהן", ""},
		{"OKPersianZWNJ", "مهر\u200cانگیز", "مهر\u200cانگیز", ""},
		{"OKKatakanaDot", "ジョン・スミス", "ジョン・スミス", ""},
		{"OKCatalanDot", "Gal·la", "Gal·la", ""},
		{"OKIdeographicSpace", "山田\u3000太郎", "山田 太郎", ""},
		{"OKOneLetter", "X", "X", ""},
		{"OKMaxLength", strings.Repeat("a", 100), strings.Repeat("a", 100), ""},
		{"ErrEmpty", "", "", "problem.name"},
		{"ErrBlank", "   ", "", "problem.name"},
		{"ErrDigit", "John3", "", "problem.name"},
		{"ErrOtherScriptDigit", "John٣", "", "problem.name"},
		{"ErrMarkup", "<b>John</b>", "", "problem.name"},
		{"ErrControl", "John\x00Smith", "", "problem.name"},
		{"ErrOnlyPunctuation", "'-.,", "", "problem.name"},
		{"ErrEmail", "jane@example.org", "", "problem.name"},
		{"ErrUnderscore", "John_Smith", "", "problem.name"},
		{"ErrEmoji", "John 😀", "", "problem.name"},
		{"ErrInvalidUTF8", "Jo\xffhn", "", "problem.name"},
		{"ErrTrailingZWNJ", "Jo\u200c", "", "problem.name"},
		{"ErrZWJBetweenSpaces", "Jo \u200d Smith", "", "problem.name"},
		{"ErrTooLong", strings.Repeat("a", 101), "", "problem.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseName(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
