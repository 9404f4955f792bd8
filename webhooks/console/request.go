package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"infopass/bot"
	"infopass/flows"
)

type answerItem struct{ Label, Value string }

type answerGroup struct {
	Heading string
	Items   []answerItem
}

type offerRow struct {
	ID          int64
	Window      string
	Status      string
	Label       string
	Text        string // the text's delivery, or why none was sent
	Contact     string
	BetterTimes string
	Made        string
	Answered    string
	CanCancel   bool
}

type eventRow struct{ At, Status, Note, Actor string }

type messageRow struct {
	At, Who, Channel, Body string
	In                     bool
}

// formErrors maps a form's field names to what is wrong with them.
type formErrors map[string]string

type offerForm struct {
	Date, Start, End string
	Errors           formErrors
	// Outside: the window is outside the person's preferences and the
	// officer is asked to confirm it.
	Outside bool
}

// proposal is a window that fits the person, offered in one click.
type proposal struct {
	Label, Date, Start, End string
}

type appointmentRow struct {
	When, Office, Address, Status, Note, Made string
	Booked                                    bool
}

type appointmentForm struct {
	Offices                []option
	Date, Time, Note       string
	Errors                 formErrors
	Failed                 bool
	HasOffices, HasBooking bool
}

type statusForm struct {
	Statuses []option
	Note     string
	Errors   formErrors
}

type requestPage struct {
	Reference                string
	Status                   string
	Type                     string
	Urgent                   bool
	Submitted, Waiting, Due  string
	PastTarget               bool
	Purged                   bool
	Answers                  []answerGroup
	Offers                   []offerRow
	Events                   []eventRow
	Messages                 []messageRow
	ZoneName, ZoneNow        string
	ServiceZone              string
	Contact                  string // who an offer texts, in words
	Preferences              string // the days and time of day the person asked for
	Proposals                []proposal
	Offer                    offerForm
	Appointments             []appointmentRow
	Appointment              appointmentForm
	StatusForm               statusForm
	Done                     string // what was just done, for the confirmation
	Problems                 []string
	FormFailed, StatusFailed bool
	ShowAccess               bool // to supervisors
	Access                   []accessRow
}

type accessRow struct{ At, Who, Action string }

func (p requestPage) pageTitle() string { return "Request " + p.Reference }

// handleRequest: GET /staff/requests/:ref
func (c *console) handleRequest(g *gin.Context) {
	c.showRequest(g, http.StatusOK, g.Param("ref"), func(p *requestPage) {
		p.Done = map[string]string{
			"offer":       "Callback offered. The contact is asked by text, or by a phone call if they cannot get texts; the offer's status shows their answer.",
			"appointment": "The appointment was recorded and the request is scheduled. The contact gets the notice by text (if they accepted texts) and by email (if they gave one), and a reminder the day before.",
			"unbooked":    "The appointment was cancelled and the request is submitted again. The contact gets a short notice.",
			"cancelled":   "The offer was cancelled. A text not sent yet will not be sent.",
			"status":      "The status was changed.",
		}[g.Query("done")]
	})
}

// showRequest renders the request page, recording the view, after edit
// has put a form's values and errors in it.
func (c *console) showRequest(g *gin.Context, status int, ref string, edit func(*requestPage)) {
	v, err := c.cfg.Staff.ViewRequest(g.Request.Context(), strings.ToUpper(ref))
	if err != nil {
		c.fail(g, err)
		return
	}
	p := c.requestPage(v)
	if who, _ := officer(g); who.Supervisor() {
		log, err := c.cfg.Staff.AccessLog(g.Request.Context(), v.Reference)
		if err != nil {
			c.fail(g, err)
			return
		}
		p.ShowAccess = true
		for _, a := range log {
			p.Access = append(p.Access, accessRow{At: formatTime(a.At, c.cfg.Zone), Who: a.Actor.Label(), Action: accessLabels[a.Action]})
		}
	}
	if edit != nil {
		edit(&p)
	}
	c.render(g, status, "request", p)
}

// handleOffer: POST /staff/requests/:ref/offers (date, start, end), the
// window read in the contact's time zone.
func (c *console) handleOffer(g *gin.Context) {
	ref := strings.ToUpper(g.Param("ref"))
	form := offerForm{Date: strings.TrimSpace(g.PostForm("date")), Start: strings.TrimSpace(g.PostForm("start")), End: strings.TrimSpace(g.PostForm("end")), Errors: formErrors{}}
	outside := g.PostForm("outside_preferences") == "yes"
	d, err := c.cfg.Staff.Request(g.Request.Context(), ref)
	if err != nil {
		c.fail(g, err)
		return
	}
	zone := bot.ContactZone(d.Request)
	day, err := time.ParseInLocation(time.DateOnly, form.Date, zone)
	if err != nil {
		form.Errors["date"] = "Enter the day of the call."
	}
	clock := func(field, v, what string) time.Time {
		t, err := time.ParseInLocation("15:04", v, zone)
		if err != nil {
			form.Errors[field] = "Enter the time the window " + what + ", like 9:00 AM."
			return time.Time{}
		}
		return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, zone)
	}
	start, end := clock("start", form.Start, "starts"), clock("end", form.End, "ends")
	if len(form.Errors) == 0 {
		_, err = c.cfg.Staff.OfferCallback(g.Request.Context(), ref, start, end, outside)
		var invalid bot.ValidationError
		switch {
		case errors.As(err, &invalid):
			for _, e := range invalid {
				if e.Field == "outside_preferences" {
					form.Outside = true
					form.Errors["general"] = "This window is outside the days and time of day the person asked for (" +
						bot.PreferencesLabel(d.Answers) + "). Offer it anyway only if none of theirs can be had."
					continue
				}
				field := e.Field
				if field != "start" && field != "end" {
					field = "general"
				}
				if form.Errors[field] == "" {
					form.Errors[field] = sentence(e.Field, e.Message)
				}
			}
		case err != nil:
			c.fail(g, err)
			return
		default:
			g.Redirect(http.StatusSeeOther, "/staff/requests/"+ref+"?done=offer#offers")
			return
		}
	}
	c.showRequest(g, http.StatusBadRequest, ref, func(p *requestPage) {
		p.Offer, p.FormFailed = form, true
	})
}

// handleCancelOffer: POST /staff/requests/:ref/offers/:id/cancel
func (c *console) handleCancelOffer(g *gin.Context) {
	ref := strings.ToUpper(g.Param("ref"))
	id, err := strconv.ParseInt(g.Param("id"), 10, 64)
	if err != nil || id < 1 {
		c.fail(g, bot.ErrNotFound)
		return
	}
	_, err = c.cfg.Staff.CancelOffer(g.Request.Context(), ref, id)
	c.changed(g, ref, err, "?done=cancelled#offers")
}

// changed answers a change to request ref: the request page with the
// problems of a refused change, the error page for a failure, or else a
// redirect back to the page at done (a query and a fragment).
func (c *console) changed(g *gin.Context, ref string, err error, done string) {
	var invalid bot.ValidationError
	switch {
	case errors.As(err, &invalid):
		c.showRequest(g, http.StatusBadRequest, ref, func(p *requestPage) {
			for _, e := range invalid {
				p.Problems = append(p.Problems, sentence(e.Field, e.Message))
			}
		})
	case err != nil:
		c.fail(g, err)
	default:
		g.Redirect(http.StatusSeeOther, "/staff/requests/"+ref+done)
	}
}

// handleStatus: POST /staff/requests/:ref/status (status, note)
func (c *console) handleStatus(g *gin.Context) {
	ref := strings.ToUpper(g.Param("ref"))
	status, note := g.PostForm("status"), g.PostForm("note")
	_, err := c.cfg.Staff.SetStatus(g.Request.Context(), ref, status, note)
	var invalid bot.ValidationError
	switch {
	case errors.As(err, &invalid):
		c.showRequest(g, http.StatusBadRequest, ref, func(p *requestPage) {
			p.StatusForm.Note, p.StatusForm.Errors, p.StatusFailed = note, formErrors{}, true
			for _, e := range invalid {
				p.StatusForm.Errors[e.Field] = sentence(e.Field, e.Message)
			}
		})
	case err != nil:
		c.fail(g, err)
	default:
		g.Redirect(http.StatusSeeOther, "/staff/requests/"+ref+"?done=status#status")
	}
}

var accessLabels = map[string]string{
	bot.AccessView: "viewed", bot.AccessSearch: "found by a search", bot.AccessOffer: "offered a callback",
	bot.AccessCancelOffer: "cancelled an offer", bot.AccessStatus: "changed the status",
	bot.AccessAppointment: "recorded an appointment", bot.AccessCancelAppointment: "cancelled the appointment",
}

// sentence turns a staff service field error into a sentence for people.
func sentence(field, msg string) string {
	subject := map[string]string{
		"start": "The start", "end": "The end", "request": "The request", "offer": "The offer",
		"status": "The status", "note": "The note", "office": "The office", "appointment": "The appointment",
	}[field]
	if subject == "" {
		subject = "The " + field
	}
	if strings.HasPrefix(msg, "the ") {
		return strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return subject + " " + msg + "."
}

// requestPage builds the page of a request.
func (c *console) requestPage(v bot.RequestView) requestPage {
	r, now := v.Request, c.cfg.Now()
	due := bot.CallbackDue(r, c.cfg.Zone)
	p := requestPage{
		Reference: r.Reference, Status: r.Status, Type: typeLabel(r.Type), Urgent: r.Type == flows.TypeEAP,
		Submitted: formatTime(r.SubmittedAt, c.cfg.Zone), Waiting: formatWait(now.Sub(r.SubmittedAt)),
		Due: formatDue(due, c.cfg.Zone), PastTarget: r.Status == bot.StatusSubmitted && !now.Before(due),
		Purged:      r.Answers.Type == "" && r.Phone == "",
		Answers:     answers(r),
		ServiceZone: zoneName(c.cfg.Zone),
		ZoneName:    zoneName(v.Zone), ZoneNow: now.In(v.Zone).Format("3:04 PM MST on " + bot.StaffDay),
	}
	switch phone, role, _ := bot.TextContact(r); {
	case phone == "" && r.ContactPhone != "":
		p.Contact = "Nobody agreed to texts about this request: a phone call to " + formatPhone(r.ContactPhone) +
			" asks the contact to press 1 if they can take the call, 2 if not (calls go out 9 AM to 8 PM their time, on business days)."
	case phone == "":
		p.Contact = "Nobody agreed to texts about this request: an offer is recorded but nobody is asked. Call without confirming."
	case role == string(flows.RoleRepresentative):
		p.Contact = "A text asks the representative, at " + formatPhone(phone) + ", to answer YES or NO."
	default:
		p.Contact = "A text asks the applicant, at " + formatPhone(phone) + ", to answer YES or NO."
	}
	for _, o := range v.Offers {
		z, err := time.LoadLocation(o.Zone)
		if err != nil {
			z = v.Zone
		}
		row := offerRow{
			ID: o.ID, Status: o.Status, Label: offerLabel(o.Status), BetterTimes: o.BetterTimes,
			Window:    o.Start.In(z).Format(bot.StaffDay+" 3:04 PM") + " to " + o.End.In(z).Format("3:04 PM MST"),
			Made:      formatTime(o.CreatedAt, c.cfg.Zone),
			CanCancel: o.Status == bot.OfferAwaiting || o.Status == bot.OfferConfirmed || o.Status == bot.OfferDeclined || o.Status == bot.OfferNoAnswer,
		}
		if o.AnsweredAt != nil {
			row.Answered = formatTime(*o.AnsweredAt, c.cfg.Zone)
		}
		if o.ContactPhone != "" {
			row.Contact = o.ContactRole + ", " + formatPhone(o.ContactPhone)
		}
		why := map[string]string{
			bot.ReasonOptedOut: "the contact sent STOP", bot.ReasonNoConsent: "nobody agreed to texts",
			bot.ReasonUnsubscribed: "the number refuses texts", bot.ReasonSendFailed: "sending failed",
			bot.ReasonNotMobile: "the number cannot take texts", bot.ReasonTooLate: "no calling hour was left before the window",
		}[o.NotSentReason]
		switch {
		case o.AskBy == bot.AskByCall:
			row.Text = "asked by phone call (no text: " + why + ")"
			if o.CallStatus != "" {
				row.Text += "; call " + o.CallStatus
			}
			if o.Status == bot.OfferNotSent {
				row.Text = "not called: " + why
			}
		case o.NotSentReason != "":
			row.Text = "not sent: " + why
		case o.MessageStatus != "":
			row.Text = o.MessageStatus
		}
		p.Offers = append(p.Offers, row)
	}
	for _, e := range v.Events {
		p.Events = append(p.Events, eventRow{At: formatTime(e.At, c.cfg.Zone), Status: statusLabel(e.Status), Note: e.Note, Actor: e.Actor})
	}
	for _, m := range v.Messages {
		row := messageRow{At: formatTime(m.At, c.cfg.Zone), Body: m.Body, In: m.Direction == "in", Channel: "text"}
		switch string(m.Channel) {
		case string(bot.Voice), bot.ChannelCall:
			row.Channel = "call"
		case bot.ChannelEmail:
			row.Channel = "email"
		}
		what := map[string]string{
			bot.KindOffer: "Offer", bot.KindReminder: "Reminder", bot.KindFiled: "Confirmation", bot.KindConfirmation: "Confirmation",
			bot.KindHandoff:     "Go on by text",
			bot.KindAppointment: "Appointment notice", bot.KindAppointmentReminder: "Appointment reminder",
			bot.KindAppointmentMoved: "Appointment moved", bot.KindAppointmentCancelled: "Appointment cancelled",
			bot.KindAvailabilityCall: "Availability call",
		}[m.Kind]
		switch {
		case row.In:
			row.Who = "Person"
		case what != "":
			row.Who = what + map[string]string{bot.ChannelSMS: " text", bot.ChannelEmail: " email"}[string(m.Channel)] + " (" + m.Status + ")"
			if m.Kind == bot.KindAvailabilityCall {
				row.Body = "Asked by phone whether the contact can take the call in the offered window."
			}
		default:
			row.Who = "Bot"
		}
		p.Messages = append(p.Messages, row)
	}
	// The form starts on the first window that fits the person, or on the
	// next business day, 9 to 11, in the contact's zone.
	p.Preferences = bot.PreferencesLabel(r.Answers)
	for _, w := range bot.ProposeWindows(r, now) {
		s, e := w.Start.In(v.Zone), w.End.In(v.Zone)
		p.Proposals = append(p.Proposals, proposal{Label: s.Format(bot.StaffDay+" 3:04 PM") + " to " + e.Format("3:04 PM MST"),
			Date: s.Format(time.DateOnly), Start: s.Format("15:04"), End: e.Format("15:04")})
	}
	next := flows.AddBusinessDays(flows.DateOf(now.In(v.Zone)), 1)
	p.Offer = offerForm{Date: next.String(), Start: "09:00", End: "11:00"}
	if len(p.Proposals) > 0 {
		p.Offer = offerForm{Date: p.Proposals[0].Date, Start: p.Proposals[0].Start, End: p.Proposals[0].End}
	}
	p.Appointment = c.appointmentForm(v, "")
	for _, a := range v.Appointments {
		local := a.LocalStart()
		p.Appointments = append(p.Appointments, appointmentRow{
			When: local.Format(bot.StaffTime), Office: a.Office.Name, Address: a.Office.Address,
			Status: appointmentLabels[a.Status], Note: a.Note, Made: formatTime(a.CreatedAt, c.cfg.Zone),
			Booked: a.Status == bot.AppointmentBooked,
		})
		p.Appointment.HasBooking = p.Appointment.HasBooking || a.Status == bot.AppointmentBooked
	}
	for _, s := range []string{bot.StatusSubmitted, bot.StatusScheduled, bot.StatusCompleted, bot.StatusClosed} {
		p.StatusForm.Statuses = append(p.StatusForm.Statuses, option{Value: s, Label: statusLabel(s), Selected: s == r.Status})
	}
	return p
}

var grantLabels = map[flows.Grant]string{
	flows.GrantResidence:   "Permanent residence (adjustment of status or cancellation of removal)",
	flows.GrantAsylum:      "Asylum",
	flows.GrantWithholding: "Withholding of removal or CAT protection",
	flows.GrantOther:       "Other relief",
}

// answers lists every answer of a request, in groups.
func answers(r bot.Request) []answerGroup {
	a := r.Answers
	none := func(v string) string {
		if v == "" {
			return "None given"
		}
		return v
	}
	yesNo := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	country := func(code string) string {
		if code == "" {
			return ""
		}
		return flows.CountryName(code, language.English)
	}
	var groups []answerGroup
	filed := answerGroup{Heading: "Filed", Items: []answerItem{
		{"By", map[bot.Channel]string{bot.SMS: "Text message", bot.Voice: "Phone call"}[r.Channel]},
		{"Language", languageLabel(r.Language)},
		{"From the number", formatPhone(r.Phone)},
		{"Contact number", formatPhone(r.ContactPhone)},
	}}
	groups = append(groups, filed)
	if a.Role == flows.RoleRepresentative {
		groups = append(groups, answerGroup{Heading: "Representative", Items: []answerItem{
			{"Name", a.Rep.Name},
			{"Phone", formatPhone(a.Rep.Phone)},
			{"Email", none(a.Rep.Email)},
			{"Texts to confirm before each call", yesNo(a.Rep.ConfirmByText)},
			{"USCIS online account number", none(a.Rep.AccountNumber)},
		}})
	}
	appt := answerGroup{Heading: "Appointment", Items: []answerItem{{"Type", typeLabel(r.Type)}}}
	switch a.Type {
	case flows.TypeADIT:
		appt.Items = append(appt.Items, answerItem{"Proof of status needed by", formatDate(a.NeededBy)})
	case flows.TypeEAP:
		appt.Items = append(appt.Items, answerItem{"Travel date", formatDate(a.TravelDate)}, answerItem{"Reason for travel", a.TravelReason})
	case flows.TypeIJ:
		appt.Items = append(appt.Items, answerItem{"Date of the final order", formatDate(a.OrderDate)}, answerItem{"Granted", grantLabels[a.Granted]})
	}
	days := bot.StaffDays(a.Days)
	if days == "" {
		days = "Any weekday"
	}
	tod := map[flows.TimeOfDay]string{flows.Morning: "Mornings", flows.Afternoon: "Afternoons", flows.AnyTime: "Any time"}[a.TimeOfDay]
	appt.Items = append(appt.Items, answerItem{"Callback days", days}, answerItem{"Callback time of day", none(tod)})
	groups = append(groups, appt)
	heading := "Applicant"
	if a.Role == flows.RoleApplicant {
		heading = "Applicant (filed it)"
	}
	where := answerItem{"ZIP code", a.ZIP}
	if a.ZIP == "" {
		where = answerItem{"Country of residence", none(country(a.Country))}
	}
	groups = append(groups, answerGroup{Heading: heading, Items: []answerItem{
		{"Name", a.Name},
		{"Date of birth", formatDate(a.BirthDate)},
		where,
		{"Country of birth", none(country(a.BirthCountry))},
		{"Receipt number", none(a.Receipt)},
		{"A-Number", none(a.ANumber)},
		{"Email", none(a.Email)},
		{"Phone", none(formatPhone(a.Phone))},
	}})
	return groups
}
