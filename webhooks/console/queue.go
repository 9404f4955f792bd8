package console

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"infopass/bot"
	"infopass/flows"
)

// queueLimit is how many requests one page of the queue shows.
const queueLimit = 100

type option struct {
	Value, Label string
	Selected     bool
}

type queueRow struct {
	Reference  string
	Type       string
	Urgent     bool
	Language   string
	Status     string
	Submitted  string
	Waiting    string
	Due        string
	PastTarget bool
}

type withdrawnRow struct{ Reference, When, Office string }

type queuePage struct {
	Statuses, Types, Languages []option
	From, To                   string
	Search                     string // what was searched for, on search results
	Found                      string // what the search looked for, in words
	Errors                     []bot.FieldError
	Rows                       []queueRow
	More                       string // the URL of the next page, if any
	// Withdrawn are the appointments ahead that applicants cancelled.
	Withdrawn []withdrawnRow
	Filtered  bool
}

// handleQueue: GET /staff?status=&type=&language=&from=&to=&after_adit=&after_eap=&after_ij=
// A page holds the queueLimit matching requests due soonest; the next page
// has those due after them (after_<type>: the last id of each type shown).
func (c *console) handleQueue(g *gin.Context) {
	q := g.Request.URL.Query()
	status := q.Get("status")
	if !q.Has("status") {
		status = bot.StatusSubmitted
	}
	p := c.queueForm(status, q.Get("type"), q.Get("language"))
	p.From, p.To = q.Get("from"), q.Get("to")
	p.Filtered = q.Has("status")
	// The queue's filters are the staff API's, read by the same parser;
	// the queue pages with its own cursors (after_<type>).
	f, err := c.cfg.Staff.ParseRequestFilter(url.Values{"status": {status}, "type": {q.Get("type")}, "language": {q.Get("language")},
		"from": {p.From}, "to": {p.To}}, c.cfg.Zone)
	if err != nil {
		var invalid bot.ValidationError
		if !errors.As(err, &invalid) {
			c.fail(g, err)
			return
		}
		p.Errors = invalid
		c.render(g, http.StatusBadRequest, "queue", p)
		return
	}
	f.Oldest, f.Limit = true, queueLimit
	reqs, next, err := c.soonestDue(g.Request.Context(), f, q)
	var invalid bot.ValidationError
	if errors.As(err, &invalid) {
		p.Errors = invalid
		c.render(g, http.StatusBadRequest, "queue", p)
		return
	}
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Rows = c.rows(reqs)
	withdrawn, err := c.cfg.Staff.WithdrawnAppointments(g.Request.Context())
	if err != nil {
		c.fail(g, err)
		return
	}
	for _, a := range withdrawn {
		p.Withdrawn = append(p.Withdrawn, withdrawnRow{Reference: a.Reference, When: a.LocalStart().Format(bot.StaffTime), Office: a.Office.Name})
	}
	if next != nil {
		for k, v := range q {
			if !strings.HasPrefix(k, "after_") {
				next[k] = v
			}
		}
		next.Set("status", status)
		p.More = "/staff?" + next.Encode()
	}
	c.render(g, http.StatusOK, "queue", p)
}

// queueTypes are the types whose requests the queue merges.
var queueTypes = []flows.AppointmentType{flows.TypeADIT, flows.TypeEAP, flows.TypeIJ}

// soonestDue returns the queueLimit requests matching f that are due
// soonest, after the cursors in q, and the cursors of the next page (nil
// when there is none). Within one type a request's callback target only
// grows with its submission, the order Requests lists them in, so the
// soonest due of all are among the oldest of each type: the page reads
// the oldest queueLimit of each type after that type's cursor, and keeps
// the queueLimit due soonest.
func (c *console) soonestDue(ctx context.Context, f bot.RequestFilter, q url.Values) ([]bot.Request, url.Values, error) {
	type item struct {
		due time.Time
		r   bot.Request
	}
	var (
		items   []item
		fetched = map[flows.AppointmentType]int{}
		after   = map[flows.AppointmentType]int64{}
	)
	types := queueTypes
	if f.Type != "" {
		types = []flows.AppointmentType{flows.AppointmentType(f.Type)} // which Requests checks
	}
	for _, t := range types {
		ft := f
		ft.Type = string(t)
		if v, err := strconv.ParseInt(q.Get("after_"+string(t)), 10, 64); err == nil && v > 0 {
			ft.After = v // a cursor that is not a positive id starts at the oldest
		}
		after[t] = ft.After
		reqs, err := c.cfg.Staff.Requests(ctx, ft)
		if err != nil {
			return nil, nil, err
		}
		fetched[t] = len(reqs)
		for _, r := range reqs {
			items = append(items, item{bot.CallbackDue(r, c.cfg.Zone), r})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if d := a.due.Compare(b.due); d != 0 {
			return d
		}
		return cmp.Compare(a.r.ID, b.r.ID)
	})
	shown := items[:min(len(items), queueLimit)]
	reqs := make([]bot.Request, len(shown))
	last := map[flows.AppointmentType]int64{}
	kept := map[flows.AppointmentType]int{}
	for i, it := range shown {
		reqs[i] = it.r
		last[it.r.Type] = it.r.ID
		kept[it.r.Type]++
	}
	// The next page starts, for each type, after the last shown (or where
	// this page started). There is one if a type's read requests were not
	// all shown, or filled the read.
	more, next := false, url.Values{}
	for _, t := range types {
		if kept[t] < fetched[t] || fetched[t] == queueLimit {
			more = true
		}
		if id, ok := last[t]; ok {
			after[t] = id
		}
		if after[t] > 0 {
			next.Set("after_"+string(t), strconv.FormatInt(after[t], 10))
		}
	}
	if !more {
		next = nil
	}
	return reqs, next, nil
}

// handleSearch: POST /staff/search (q). A reference opens its request; an
// A-Number, receipt or phone number lists the requests that have it, in
// any status. It is a POST so that those numbers stay out of URLs, and so
// out of browser history and proxy logs.
func (c *console) handleSearch(g *gin.Context) {
	text := strings.TrimSpace(g.PostForm("q"))
	p := c.queueForm("all", "", "")
	p.Search = text
	if ref, ok := asReference(text); ok {
		g.Redirect(http.StatusSeeOther, "/staff/requests/"+ref)
		return
	}
	f := bot.RequestFilter{Limit: queueLimit}
	// Requests records each request found as searched by the officer.
	switch kind, value := classify(text); kind {
	case "receipt":
		f.Receipt, p.Found = value, "receipt number "+value
	case "a_number":
		f.ANumber, p.Found = value, "A-Number "+value
	case "phone":
		f.Phone, p.Found = value, "phone number "+formatPhone(value)
	default:
		p.Errors = []bot.FieldError{{Field: "q", Message: "Enter a reference (IP-7K3Q9D2M), an A-Number (A012345678), a receipt number (IOE0912345678) or a phone number."}}
		c.render(g, http.StatusBadRequest, "queue", p)
		return
	}
	reqs, err := c.cfg.Staff.Requests(g.Request.Context(), f)
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Rows = c.rows(reqs)
	withdrawn, err := c.cfg.Staff.WithdrawnAppointments(g.Request.Context())
	if err != nil {
		c.fail(g, err)
		return
	}
	for _, a := range withdrawn {
		p.Withdrawn = append(p.Withdrawn, withdrawnRow{Reference: a.Reference, When: a.LocalStart().Format(bot.StaffTime), Office: a.Office.Name})
	}
	c.render(g, http.StatusOK, "queue", p)
}

// asReference reads a request reference typed with or without its dash.
func asReference(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(s) == 10 && strings.HasPrefix(s, "IP") {
		s = "IP-" + s[2:]
	}
	return s, bot.ValidReference(s)
}

// classify tells which number s is: a receipt number (three letters, ten
// digits), an A-Number (an A, or seven to nine digits) or a phone number.
func classify(s string) (kind, value string) {
	if r, err := flows.ParseReceipt(s); err == nil {
		return "receipt", r.Number
	}
	digits := len(flows.OnlyDigits(flows.ASCIIDigits(s)))
	if a, err := flows.ParseANumber(s); err == nil && (digits < 10 || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "A")) {
		return "a_number", a
	}
	if p, err := flows.ParsePhone(s, "US"); err == nil {
		return "phone", p
	}
	return "", ""
}

// rows turns requests into queue rows, soonest due first.
func (c *console) rows(reqs []bot.Request) []queueRow {
	now := c.cfg.Now()
	type item struct {
		due time.Time
		row queueRow
	}
	items := make([]item, len(reqs))
	for i, r := range reqs {
		due := bot.CallbackDue(r, c.cfg.Zone)
		items[i] = item{due, queueRow{
			Reference: r.Reference, Type: typeLabel(r.Type), Urgent: r.Type == flows.TypeEAP,
			Language: languageLabel(r.Language), Status: r.Status,
			Submitted:  formatTime(r.SubmittedAt, c.cfg.Zone),
			Waiting:    formatWait(now.Sub(r.SubmittedAt)),
			Due:        formatDue(due, c.cfg.Zone),
			PastTarget: r.Status == bot.StatusSubmitted && !now.Before(due),
		}}
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.due.Compare(b.due) })
	rows := make([]queueRow, len(items))
	for i, it := range items {
		rows[i] = it.row
	}
	return rows
}

// queueForm fills the filter form's choices.
func (c *console) queueForm(status, typ, lang string) queuePage {
	var p queuePage
	p.Statuses = []option{{Value: "all", Label: "Any status"}}
	for _, s := range []string{bot.StatusSubmitted, bot.StatusScheduled, bot.StatusCompleted, bot.StatusClosed} {
		p.Statuses = append(p.Statuses, option{Value: s, Label: statusLabel(s)})
	}
	p.Types = []option{{Value: "", Label: "Any type"}}
	for _, t := range []flows.AppointmentType{flows.TypeADIT, flows.TypeEAP, flows.TypeIJ} {
		p.Types = append(p.Types, option{Value: string(t), Label: typeLabel(t)})
	}
	p.Languages = []option{{Value: "", Label: "Any language"}}
	for _, l := range c.cfg.Staff.Languages() {
		p.Languages = append(p.Languages, option{Value: l.Tag, Label: languageLabel(l.Tag)})
	}
	mark := func(opts []option, v string) {
		for i := range opts {
			opts[i].Selected = opts[i].Value == v
		}
	}
	mark(p.Statuses, status)
	mark(p.Types, typ)
	mark(p.Languages, lang)
	return p
}
