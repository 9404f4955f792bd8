package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/csrf"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"infopass/bot"
	"infopass/flows"
)

// pages are the console's templates, each page parsed with the layout.
type pages struct {
	byName map[string]*template.Template
}

var pageTitles = map[string]string{
	"signin":   "Sign in",
	"queue":    "Request queue",
	"request":  "Request",
	"overview": "Overview",
	"enroll":   "Create your passkey",
	"refused":  "Not signed in",
	"continue": "Signed in",
	"account":  "Your account",
	"officers": "Officers",
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{"signin", "queue", "request", "overview", "error", "enroll", "refused", "continue", "account", "officers"} {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
		p.byName[name] = t
	}
	return p
}

// layout is what every page's frame shows.
type layout struct {
	Title      string
	Nav        string // the current section: "queue", "overview"
	Officer    string // the signed-in officer's name, "" on the sign-in page
	Supervisor bool
	CSRF       template.HTML
	// CSRFToken is the same token, for the passkey script's header.
	CSRFToken string
	Refresh   string // where a meta refresh sends the browser at once
	Body      any
}

// render writes the page name with body, buffered so that a template
// error becomes a clean 500.
func (c *console) render(g *gin.Context, status int, name string, body any) {
	l := layout{Title: pageTitles[name], Nav: name, CSRF: csrf.TemplateField(g.Request), CSRFToken: csrf.Token(g.Request), Body: body}
	if t, ok := body.(interface{ pageTitle() string }); ok {
		l.Title = t.pageTitle()
	}
	if p, ok := body.(continuePage); ok {
		l.Refresh = localPath(p.Next)
	}
	who, ok := officer(g)
	if !ok && name != "continue" {
		who, ok, _ = c.signedIn(g.Request) // on a page anyone may see, as the sign-in page
	}
	if ok {
		l.Officer, l.Supervisor = who.Name, who.Supervisor()
	}
	var buf bytes.Buffer
	if err := c.pages.byName[name].Execute(&buf, l); err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: render", "page", name, "err", err)
		g.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("The page could not be shown."))
		return
	}
	g.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

var funcs = template.FuncMap{
	"typeLabel":     typeLabel,
	"languageLabel": languageLabel,
	"statusLabel":   statusLabel,
	"offerLabel":    offerLabel,
	"phone":         formatPhone,
	"date":          func(d flows.Date) string { return formatDate(d) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

var typeLabels = map[flows.AppointmentType]string{
	flows.TypeADIT:  "ADIT stamp",
	flows.TypeEAP:   "Emergency Advance Parole",
	flows.TypeIJ:    "Immigration Judge grant",
	flows.TypeOther: "Other",
}

func typeLabel(t flows.AppointmentType) string {
	if l, ok := typeLabels[t]; ok {
		return l
	}
	return string(t)
}

// languageLabel names a language for staff: in English, then in itself.
func languageLabel(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	en := display.English.Languages().Name(t)
	self := display.Self.Name(t)
	switch {
	case en == "":
		return tag
	case self == "" || self == en:
		return en
	}
	return en + " (" + self + ")"
}

var statusLabels = map[string]string{
	bot.StatusSubmitted: "Submitted",
	bot.StatusScheduled: "Scheduled",
	bot.StatusCompleted: "Completed",
	bot.StatusClosed:    "Closed",
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

var offerLabels = map[string]string{
	bot.OfferAwaiting:  "awaiting answer",
	bot.OfferConfirmed: "confirmed",
	bot.OfferDeclined:  "declined",
	bot.OfferExpired:   "expired",
	bot.OfferCancelled: "cancelled",
	bot.OfferNotSent:   "not sent",
	bot.OfferNoAnswer:  "no answer",
}

func offerLabel(s string) string {
	if l, ok := offerLabels[s]; ok {
		return l
	}
	return s
}

// formatPhone writes a US number the American way and others in
// international form.
func formatPhone(e164 string) string { return flows.PhoneDisplay(e164) }

func formatDate(d flows.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Month, d.Day, d.Year)
}

// formatTime writes t in zone the way the console does everywhere.
func formatTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("Mon 01/02/2006 3:04 PM MST")
}

// formatDue writes a callback target: a business-day target, which is
// midnight after its last day, as the end of that day.
func formatDue(due time.Time, zone *time.Location) string {
	d := due.In(zone)
	if d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 {
		return "end of " + d.AddDate(0, 0, -1).Format("Mon 01/02/2006")
	}
	return formatTime(due, zone)
}

// formatWait writes how long d is, to the hour.
func formatWait(d time.Duration) string {
	if d < time.Hour {
		return "under 1 hour"
	}
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, plural(hours, "hour"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// zoneName names a time zone for people: "Central Time (America/Chicago)".
func zoneName(z *time.Location) string {
	names := map[string]string{
		"America/New_York": "Eastern Time", "America/Detroit": "Eastern Time", "America/Indiana/Indianapolis": "Eastern Time",
		"America/Kentucky/Louisville": "Eastern Time", "America/Chicago": "Central Time", "America/Denver": "Mountain Time",
		"America/Boise": "Mountain Time", "America/Phoenix": "Mountain Time (no daylight saving)", "America/Los_Angeles": "Pacific Time",
		"America/Anchorage": "Alaska Time", "Pacific/Honolulu": "Hawaii Time", "America/Puerto_Rico": "Atlantic Time",
		"Pacific/Guam": "Chamorro Time",
	}
	if n, ok := names[z.String()]; ok {
		return n + " (" + z.String() + ")"
	}
	return z.String()
}
