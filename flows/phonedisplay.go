package flows

import "github.com/nyaruka/phonenumbers"

// PhoneDisplay formats an E.164 number for people: national format for US
// numbers, "(202) 555-0147", international format otherwise.
func PhoneDisplay(e164 string) string {
	if e164 == "" {
		return ""
	}
	n, err := phonenumbers.Parse(e164, "US")
	if err != nil {
		return e164
	}
	if n.GetCountryCode() == 1 {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
