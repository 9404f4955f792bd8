package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the service's zone must load on machines without tzdata

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/time/rate"

	"infopass/bot"
	"infopass/bot/smtpmail"
	"infopass/bot/vault"
	"infopass/flows"
	"infopass/webhooks"
	"infopass/webhooks/console"
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
	Zone          *time.Location
	ADITLeadDays  int
	DataKey       []byte   // seals personal data; nil: not set
	OldDataKeys   [][]byte // still open values during a rotation
	RetentionDays int      // a closed request's personal data is kept this long
	StaleDays     int      // a submitted request untouched this long is closed
	DailyTextCap  int      // texts the service sends one number in 24 hours at most
	// OutboundCaps bound the texts the service sends on its own, across
	// all numbers, in an hour and in 24 hours.
	OutboundCaps bot.OutboundCaps
	// SMTPURL and MailFrom send email (SMTP_URL, MAIL_FROM); without
	// SMTPURL, emails wait in the outbox.
	SMTPURL, MailFrom string
	// Offices are where appointments are booked (OFFICES_FILE).
	Offices bot.Offices
	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives
	// the client's address.
	TrustedProxies []string
	// AllowedRegions are the regions whose numbers the bot answers, texts
	// and calls.
	AllowedRegions flows.Regions
	// OIDC, if set, signs officers in through the agency's identity
	// provider (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
	// OIDC_ALLOWED_GROUPS).
	OIDC *console.OIDCConfig
	// Retired lists the retired settings that are set, each with what
	// replaces it: serve refuses to start with any.
	Retired []string

	// MigrateDatabaseURL, if set, is where serve and migrate apply the
	// migrations: a direct connection to the primary, when DATABASE_URL
	// goes through PgBouncer's transaction pooling (tern's session-level
	// advisory lock does not hold there).
	MigrateDatabaseURL string
	// ListenHost is the address serve listens on (all interfaces when
	// empty); 127.0.0.1 behind a proxy on the same machine.
	ListenHost string

	now       func() time.Time // the clock; tests set it, nil is time.Now
	retryBase time.Duration    // the outbox's first retry delay; tests shorten it
	// The turns one number may take a second and at once; tests change
	// them, zero is the default.
	senderRate  rate.Limit
	senderBurst int
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
	}
	c.MigrateDatabaseURL = getenv("MIGRATE_DATABASE_URL")
	c.SMTPURL, c.MailFrom = getenv("SMTP_URL"), getenv("MAIL_FROM")
	if c.SMTPURL != "" {
		// Checked here, so that serve refuses a wrong one at once.
		if _, err := smtpmail.New(smtpmail.Config{URL: c.SMTPURL, From: c.MailFrom}); err != nil {
			return c, err
		}
	} else if c.MailFrom != "" {
		return c, errors.New("MAIL_FROM is set without SMTP_URL: set both to send email, or neither")
	}
	if path := getenv("OFFICES_FILE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("OFFICES_FILE: %w", err)
		}
		if c.Offices, err = bot.ParseOffices(data); err != nil {
			return c, fmt.Errorf("OFFICES_FILE %s: %w", path, err)
		}
	}
	c.ListenHost = getenv("LISTEN_HOST")
	if getenv("STAFF_TOKEN") != "" {
		c.Retired = append(c.Retired, "STAFF_TOKEN is retired: officers sign in as themselves (infopass officer invite NAME EMAIL, "+
			"then the enrollment link; or single sign-on with OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET), "+
			"and API clients hold tokens of their own (infopass api-token create NAME). Unset it.")
	}
	if getenv("STAFF_SESSION_KEY") != "" {
		c.Retired = append(c.Retired, "STAFF_SESSION_KEY is retired: the console's session key is random, made once and kept sealed "+
			"in the database for every replica (infopass rotate-session-key makes a new one). Unset it.")
	}
	if err := c.readOIDC(getenv); err != nil {
		return c, err
	}
	var err error
	if c.Port, err = intSetting(getenv, "PORT", 8080, 1, 65535); err != nil {
		return c, err
	}
	if c.ADITLeadDays, err = intSetting(getenv, "ADIT_LEAD_DAYS", 30, 1, 365); err != nil {
		return c, err
	}
	if c.RetentionDays, err = intSetting(getenv, "RETENTION_DAYS", 365, 1, 3650); err != nil {
		return c, err
	}
	if c.StaleDays, err = intSetting(getenv, "STALE_DAYS", 180, 1, 3650); err != nil {
		return c, err
	}
	if c.DailyTextCap, err = intSetting(getenv, "DAILY_TEXT_CAP", bot.DefaultDailyCap, 1, 1000); err != nil {
		return c, err
	}
	if c.OutboundCaps.Hourly, err = intSetting(getenv, "OUTBOUND_HOURLY_CAP", bot.DefaultOutboundHourlyCap, 1, 1_000_000); err != nil {
		return c, err
	}
	if c.OutboundCaps.Daily, err = intSetting(getenv, "OUTBOUND_DAILY_CAP", bot.DefaultOutboundDailyCap, 1, 10_000_000); err != nil {
		return c, err
	}
	if v := getenv("DATA_KEY"); v != "" {
		if c.DataKey, err = vault.ParseKey(v); err != nil {
			return c, fmt.Errorf("DATA_KEY: %w", err)
		}
	}
	for _, v := range strings.Split(getenv("OLD_DATA_KEYS"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		k, err := vault.ParseKey(v)
		if err != nil {
			return c, fmt.Errorf("OLD_DATA_KEYS: %w", err)
		}
		c.OldDataKeys = append(c.OldDataKeys, k)
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
	if getenv("ALLOWED_COUNTRY_CODES") != "" {
		// A calling code lets in every region that shares it: +1 is also
		// Canada and the Caribbean.
		c.Retired = append(c.Retired, "ALLOWED_COUNTRY_CODES is retired: ALLOWED_REGIONS lists the regions whose numbers the service "+
			"answers, texts and calls, by the number's region rather than its calling code (default "+flows.DefaultRegions+
			", the United States and its territories). Unset it.")
	}
	regions := or(getenv("ALLOWED_REGIONS"), flows.DefaultRegions)
	if c.AllowedRegions, err = flows.ParseRegions(regions); err != nil {
		return c, fmt.Errorf("ALLOWED_REGIONS %q: %w", regions, err)
	}
	for v := range strings.SplitSeq(getenv("TRUSTED_PROXIES"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			c.TrustedProxies = append(c.TrustedProxies, v)
		}
	}
	if err := webhooks.CheckProxies(c.TrustedProxies); err != nil {
		return c, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	return c, nil
}

// readOIDC reads the single sign-on settings: all three of issuer, client
// id and secret, or none.
func (c *config) readOIDC(getenv func(string) string) error {
	issuer, id, secret := getenv("OIDC_ISSUER"), getenv("OIDC_CLIENT_ID"), getenv("OIDC_CLIENT_SECRET")
	groups := getenv("OIDC_ALLOWED_GROUPS")
	if issuer == "" && id == "" && secret == "" {
		if groups != "" {
			return errors.New("OIDC_ALLOWED_GROUPS is set without OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
		}
		return nil
	}
	if issuer == "" || id == "" || secret == "" {
		return errors.New("single sign-on needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return fmt.Errorf("OIDC_ISSUER %q must be the identity provider's https URL", issuer)
	}
	c.OIDC = &console.OIDCConfig{Issuer: issuer, ClientID: id, ClientSecret: secret}
	for g := range strings.SplitSeq(groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			c.OIDC.AllowedGroups = append(c.OIDC.AllowedGroups, g)
		}
	}
	return nil
}

// isLoopback reports whether host is this machine: plain http to an
// identity provider is allowed there only (a local try, tests).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// localDataKey seals the private local database of `infopass chat` and of
// serve without DATABASE_URL. It is public: never use it for real data.
const localDataKey = "infopass local development key!!"

// keyring returns the keys personal data is sealed with. Only the private
// local database may do without DATA_KEY.
func (c config) keyring(stderr io.Writer) (*vault.Keyring, error) {
	key := c.DataKey
	if key == nil {
		if c.DatabaseURL != "" {
			return nil, errors.New("DATA_KEY is required with DATABASE_URL: 32 random bytes in base64 (openssl rand -base64 32); it seals personal data")
		}
		fmt.Fprintln(stderr, "DATA_KEY is not set: sealing the local database with the public development key")
		key = []byte(localDataKey)
	}
	return vault.NewKeyring(key, c.OldDataKeys...)
}

// Shapes of Twilio's credentials: a token is 32 hex digits, an account SID
// AC and 32, a Messaging Service SID MG and 32.
var (
	twilioToken      = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	twilioAccountSID = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	twilioServiceSID = regexp.MustCompile(`^MG[0-9a-f]{32}$`)
	e164             = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// checkServe reports what serve needs and lacks, and a configuration it
// must not run with.
func (c config) checkServe() error {
	var missing []string
	if c.PublicURL == "" {
		missing = append(missing, "PUBLIC_URL (the https base URL Twilio calls, e.g. https://infopass.example.org)")
	}
	if c.AuthToken == "" {
		missing = append(missing, "TWILIO_AUTH_TOKEN (from the Twilio console; it checks that requests come from Twilio)")
	}
	if len(c.Retired) > 0 {
		return errors.New(strings.Join(c.Retired, "\n"))
	}
	if len(missing) > 0 {
		return fmt.Errorf("serve needs these environment variables:\n  %s\nfor a local try without Twilio, run: infopass chat", strings.Join(missing, "\n  "))
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("PUBLIC_URL %q must be an absolute http(s) URL", c.PublicURL)
	}
	// A mistyped credential would otherwise show only later: every
	// webhook refused, or every outbound text failing at its send.
	if !twilioToken.MatchString(c.AuthToken) {
		return errors.New("TWILIO_AUTH_TOKEN is not an auth token: 32 hexadecimal characters, from the Twilio console's Account info")
	}
	if c.AccountSID != "" && !twilioAccountSID.MatchString(c.AccountSID) {
		return errors.New("TWILIO_ACCOUNT_SID is not an account SID: AC and 32 hexadecimal characters, from the Twilio console's Account info")
	}
	if c.From != "" && !e164.MatchString(c.From) && !twilioServiceSID.MatchString(c.From) {
		return errors.New("TWILIO_FROM is neither a phone number in E.164 form (+12025550123) nor a Messaging Service SID (MG and 32 hexadecimal characters)")
	}
	if c.usesDevelopmentKey() && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("serve with PUBLIC_URL %s would seal personal data with the public development key: set DATABASE_URL "+
			"(the PostgreSQL to use) and DATA_KEY (32 random bytes in base64: openssl rand -base64 32); only a local try, with "+
			"PUBLIC_URL http:// on a loopback address such as http://127.0.0.1:8080, may do without them", c.PublicURL)
	}
	return nil
}

// usesDevelopmentKey reports whether personal data would be sealed with
// localDataKey, which anyone can read in this source.
func (c config) usesDevelopmentKey() bool {
	if c.DataKey == nil {
		return c.DatabaseURL == "" // the local database; with DATABASE_URL, keyring refuses
	}
	return bytes.Equal(c.DataKey, []byte(localDataKey))
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
