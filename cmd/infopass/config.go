package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the service's zone must load on machines without tzdata

	"github.com/nyaruka/phonenumbers"
)

// config is the service's configuration, read from the environment here
// and nowhere else.
type config struct {
	DatabaseURL   string
	Port          int
	PublicURL     string
	AccountSID    string
	AuthToken     string
	From          string
	APIURL        string
	ContactCenter string
	StaffToken    string
	Zone          *time.Location
	ADITLeadDays  int

	now       func() time.Time // the clock; tests set it, nil is time.Now
	retryBase time.Duration    // the outbox's first retry delay; tests shorten it
}

func readConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL:   getenv("DATABASE_URL"),
		PublicURL:     strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		AccountSID:    getenv("TWILIO_ACCOUNT_SID"),
		AuthToken:     getenv("TWILIO_AUTH_TOKEN"),
		From:          getenv("TWILIO_FROM"),
		APIURL:        or(getenv("TWILIO_API_URL"), "https://api.twilio.com"),
		ContactCenter: or(getenv("CONTACT_CENTER_NUMBER"), "+18003755283"),
		StaffToken:    getenv("STAFF_TOKEN"),
	}
	var err error
	if c.Port, err = intSetting(getenv, "PORT", 8080, 1, 65535); err != nil {
		return c, err
	}
	if c.ADITLeadDays, err = intSetting(getenv, "ADIT_LEAD_DAYS", 30, 1, 365); err != nil {
		return c, err
	}
	zone := or(getenv("TIME_ZONE"), "America/New_York")
	if c.Zone, err = time.LoadLocation(zone); err != nil {
		return c, fmt.Errorf("TIME_ZONE %q: %w", zone, err)
	}
	n, err := phonenumbers.Parse(c.ContactCenter, "US")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return c, fmt.Errorf("CONTACT_CENTER_NUMBER %q is not a valid phone number", c.ContactCenter)
	}
	c.ContactCenter = phonenumbers.Format(n, phonenumbers.E164)
	return c, nil
}

// checkServe reports what serve needs and lacks.
func (c config) checkServe() error {
	var missing []string
	if c.PublicURL == "" {
		missing = append(missing, "PUBLIC_URL (the https base URL Twilio calls, e.g. https://infopass.example.org)")
	}
	if c.AuthToken == "" {
		missing = append(missing, "TWILIO_AUTH_TOKEN (from the Twilio console; it checks that requests come from Twilio)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("serve needs these environment variables:\n  %s\nfor a local try without Twilio, run: infopass chat", strings.Join(missing, "\n  "))
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("PUBLIC_URL %q must be an absolute http(s) URL", c.PublicURL)
	}
	return nil
}

func intSetting(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s %q must be a whole number from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
