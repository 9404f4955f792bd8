package flows

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// ParseEmail reads an e-mail address, bare or as "Jane <jane@example.org>",
// and returns the bare address with its domain in lower case. The local part
// keeps its case: some mail servers treat it as significant.
//
// It accepts only what USCIS can send to: a dot-atom local part (Unicode
// letters allowed), a domain of at least two labels that is a valid
// internationalized name, and a top-level domain of two or more letters.
// Full-width characters from CJK keyboards are narrowed first.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" || len(s) > 1000 {
		return "", Invalid("problem.email")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", Invalid("problem.email")
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return "", Invalid("problem.email")
	}
	local, domain := a.Address[:at], strings.ToLower(a.Address[at+1:])
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || !validLocalPart(local) || !validDomain(ascii) ||
		len(local)+1+len(ascii) > 254 || len(local)+1+len(domain) > 254 {
		return "", Invalid("problem.email")
	}
	return local + "@" + domain, nil
}

// validLocalPart accepts a dot-atom (RFC 5322 atext, plus Unicode letters
// and digits per RFC 6531) of at most 64 bytes. Quoted local parts, which
// net/mail accepts, are refused: nobody types them on purpose.
func validLocalPart(local string) bool {
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' ||
		strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) ||
			strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	return true
}

// validDomain checks an ASCII (punycode) domain: at least two labels of
// letters, digits and inner hyphens, each 1–63 bytes, and a top-level domain
// that is two or more letters in its Unicode form.
func validDomain(ascii string) bool {
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 || len(ascii) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld, err := idna.Lookup.ToUnicode(labels[len(labels)-1])
	if err != nil || utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}

// ParsePhone reads a phone number, national for defaultRegion (an ISO
// 3166 code such as "US") or international with +, in any script's digits,
// and returns it in E.164 form (+12024561111). It must be a number that can
// exist, by libphonenumber's metadata, so a digit too few is caught here
// rather than by a failed callback.
func ParsePhone(s, defaultRegion string) (string, error) {
	s = ASCIIDigits(norm.NFKC.String(s))
	if len(s) > 100 {
		return "", Invalid("problem.phone")
	}
	num, err := phonenumbers.Parse(s, defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", Invalid("problem.phone")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// ParsePhoneIn is ParsePhone for a number the service will call or text:
// one of no region in regions (+1 876 is Jamaica, +1 416 Canada) is
// refused with problem.phone_region, which says where the service calls.
func ParsePhoneIn(s, defaultRegion string, regions Regions) (string, error) {
	n, err := ParsePhone(s, defaultRegion)
	if err != nil {
		return "", err
	}
	if !regions.Allows(n) {
		return "", Invalid("problem.phone_region")
	}
	return n, nil
}

// ParseAccountNumber reads a USCIS online account number, twelve digits
// printed in groups, and returns the digits alone.
func ParseAccountNumber(s string) (string, error) {
	var b strings.Builder
	for _, r := range Fold(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case isGroupSeparator(r):
		default:
			return "", Invalid("problem.account")
		}
	}
	if b.Len() != 12 {
		return "", Invalid("problem.account")
	}
	return b.String(), nil
}
