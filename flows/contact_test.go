package flows

import (
	"strings"
	"testing"
)

func TestParseEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OK", "jane@example.org", "jane@example.org", ""},
		{"OKDomainLowerCasedOnly", "  Jane.Doe@Example.ORG ", "Jane.Doe@example.org", ""},
		{"OKDisplayName", "Jane Doe <jane@example.org>", "jane@example.org", ""},
		{"OKPlusTag", "jane+infopass@example.co.uk", "jane+infopass@example.co.uk", ""},
		{"OKHyphenDomain", "j_doe@mail-server.example.com", "j_doe@mail-server.example.com", ""},
		{"OKUnicodeLocal", "josé@ejemplo.mx", "josé@ejemplo.mx", ""},
		{"OKIDN", "jane@Bücher.de", "jane@bücher.de", ""},
		{"OKPunycode", "jane@XN--BCHER-KVA.de", "jane@xn--bcher-kva.de", ""},
		{"OKUnicodeTLD", "ivan@пример.рф", "ivan@пример.рф", ""},
		{"OKFullWidth", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｏｒｇ", "jane@example.org", ""},
		{"OKShort", "a@b.co", "a@b.co", ""},
		{"ErrEmpty", "", "", "problem.email"},
		{"ErrNoAt", "jane", "", "problem.email"},
		{"ErrNoDomain", "jane@", "", "problem.email"},
		{"ErrNoLocal", "@example.org", "", "problem.email"},
		{"ErrNoDot", "jane@localhost", "", "problem.email"},
		{"ErrOneLetterTLD", "jane@example.c", "", "problem.email"},
		{"ErrNumericTLD", "jane@example.123", "", "problem.email"},
		{"ErrUnderscoreDomain", "jane@exa_mple.org", "", "problem.email"},
		{"ErrLeadingHyphen", "jane@-example.org", "", "problem.email"},
		{"ErrEmptyLabel", "jane@example..org", "", "problem.email"},
		{"ErrTrailingDot", "jane@example.org.", "", "problem.email"},
		{"ErrTwoAts", "jane@@example.org", "", "problem.email"},
		{"ErrSpace", "jane doe@example.org", "", "problem.email"},
		{"ErrQuotedLocal", `"jane doe"@example.org`, "", "problem.email"},
		{"ErrTwoAddresses", "jane@example.org, john@example.org", "", "problem.email"},
		{"ErrDoubleDot", "jane..doe@example.org", "", "problem.email"},
		{"ErrLeadingDot", ".jane@example.org", "", "problem.email"},
		{"ErrLongLocal", strings.Repeat("a", 65) + "@example.org", "", "problem.email"},
		{"ErrTooLong", strings.Repeat("j", 20) + "@" + strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." +
			strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".org", "", "problem.email"},
		{"ErrLongLabel", "jane@" + strings.Repeat("a", 64) + ".org", "", "problem.email"},
		{"ErrPhoneNumber", "202-456-1111", "", "problem.email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEmail(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParsePhone(t *testing.T) {
	for _, tc := range []struct {
		name, in, region, want, problem string
	}{
		{"OKNational", "(202) 456-1111", "US", "+12024561111", ""},
		{"OKDashes", "202-456-1111", "US", "+12024561111", ""},
		{"OKDigits", "2024561111", "US", "+12024561111", ""},
		{"OKWithOne", "1-202-456-1111", "US", "+12024561111", ""},
		{"OKInternational", "+1 202 456 1111", "US", "+12024561111", ""},
		{"OK555", "+1 202 555 0147", "US", "+12025550147", ""}, // valid to libphonenumber
		{"OKMexicoFromUS", "+52 55 1234 5678", "US", "+525512345678", ""},
		{"OKUKFromUS", "+44 20 7946 0958", "US", "+442079460958", ""},
		{"OKMexicoNational", "55 1234 5678", "MX", "+525512345678", ""},
		{"OKFullWidth", "（２０２）４５６－１１１１", "US", "+12024561111", ""},
		{"OKArabicIndic", "٢٠٢٤٥٦١١١١", "US", "+12024561111", ""},
		{"ErrEmpty", "", "US", "", "problem.phone"},
		{"ErrShort", "123", "US", "", "problem.phone"},
		{"ErrNineDigits", "202-456-111", "US", "", "problem.phone"},
		{"ErrBadAreaCode", "(100) 456-1111", "US", "", "problem.phone"},
		{"ErrZeros", "+1 000 000 0000", "US", "", "problem.phone"},
		{"ErrWords", "call me", "US", "", "problem.phone"},
		{"ErrCountryCode", "+999 1234 5678", "US", "", "problem.phone"},
		{"ErrTooLong", strings.Repeat("2", 200), "US", "", "problem.phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePhone(tc.in, tc.region)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParsePhone(%q, %s) = %q, want %q", tc.in, tc.region, got, tc.want)
			}
		})
	}
}

// TestParsePhoneIn checks the phone answers of a number the service will
// call or text: only those of its regions, as a person types them.
func TestParsePhoneIn(t *testing.T) {
	us := MustParseRegions(DefaultRegions)
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OK", "(202) 456-1111", "+12024561111", ""},
		{"OKPuertoRico", "787 555 0123", "+17875550123", ""},
		{"OKGuam", "+1 671 555 0123", "+16715550123", ""},
		{"ErrJamaica", "876 234 5678", "", "problem.phone_region"},
		{"ErrJamaicaInternational", "+1 876 234 5678", "", "problem.phone_region"},
		{"ErrCanada", "416-555-0123", "", "problem.phone_region"},
		{"ErrUK", "+44 7400 123456", "", "problem.phone_region"},
		{"ErrMexico", "+52 55 1234 5678", "", "problem.phone_region"},
		{"ErrNotANumber", "202-456-111", "", "problem.phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePhoneIn(tc.in, "US", us)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParsePhoneIn(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseAccountNumber(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{"OK", "123456789012", "123456789012", ""},
		{"OKDashes", "1234-5678-9012", "123456789012", ""},
		{"OKSpaces", " 1234 5678 9012 ", "123456789012", ""},
		{"OKFullWidth", "１２３４５６７８９０１２", "123456789012", ""},
		{"ErrShort", "12345678901", "", "problem.account"},
		{"ErrLong", "1234567890123", "", "problem.account"},
		{"ErrLetters", "ABC456789012", "", "problem.account"},
		{"ErrReceipt", "EAC2190123456", "", "problem.account"},
		{"ErrEmpty", "", "", "problem.account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAccountNumber(tc.in)
			checkProblem(t, tc.in, err, tc.problem)
			if got != tc.want {
				t.Errorf("ParseAccountNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
