package bot

import (
	"bytes"
	"html/template"
	"strings"
	"time"

	"infopass/flows"
)

// notices writes what the service sends on its own after a request is
// filed (the filing's email, appointment notices) in the request's
// language, with the Contact Center's number as people dial it.
type notices struct {
	c      *Catalog
	center string // as dialed: 1-800-375-5283
}

// text renders m in lang, with .Center.
func (n notices) text(lang string, m flows.Msg) string {
	args := make(map[string]any, len(m.Args)+1)
	for k, v := range m.Args {
		args[k] = v
	}
	args["Center"] = n.center
	return n.c.Text(lang, flows.Msg{ID: m.ID, Args: args})
}

// emailBlock is a part of an email: an optional heading, paragraphs and
// a list.
type emailBlock struct {
	Heading string
	Lines   []string
	Items   []string
}

var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #1b1b1b; max-width: 40em; margin: 0 auto; padding: 1em">
{{range .Blocks}}{{if .Heading}}<h2 style="font-size: 1.15em; margin: 1.2em 0 0.3em">{{.Heading}}</h2>
{{end}}{{range .Lines}}<p style="margin: 0.5em 0">{{.}}</p>
{{end}}{{if .Items}}<ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{end}}<hr style="border: 0; border-top: 1px solid #dfe1e2; margin-top: 2em">
<p style="font-size: 0.875em; color: #565c65">{{.Footer}}</p>
</body>
</html>
`))

// email lays out blocks as an email's plain-text and HTML parts.
func (n notices) email(lang, subject string, blocks []emailBlock) Email {
	footer := n.text(lang, flows.M("mail.footer"))
	var text strings.Builder
	for i, b := range blocks {
		if i > 0 {
			text.WriteString("\n")
		}
		if b.Heading != "" {
			text.WriteString(b.Heading + "\n")
		}
		for _, l := range b.Lines {
			text.WriteString(l + "\n")
		}
		for _, it := range b.Items {
			text.WriteString("- " + it + "\n")
		}
	}
	text.WriteString("\n--\n" + footer + "\n")
	dir := "ltr"
	if lang == "ar" {
		dir = "rtl"
	}
	var html bytes.Buffer
	err := emailHTML.Execute(&html, map[string]any{"Lang": lang, "Dir": dir, "Subject": subject, "Blocks": blocks, "Footer": footer})
	if err != nil {
		panic(err) // the template and its data are ours: a bug
	}
	return Email{Subject: subject, Text: text.String(), HTML: html.String()}
}

// appointmentDetail is the line of the request's type and its date.
func appointmentDetail(a flows.Answers) flows.Msg {
	switch a.Type {
	case flows.TypeADIT:
		return flows.M("review.type_adit", "Date", a.NeededBy)
	case flows.TypeEAP:
		return flows.M("review.type_eap", "Date", a.TravelDate)
	case flows.TypeIJ:
		return flows.M("review.type_ij", "Date", a.OrderDate, "Grant", flows.M("grant."+string(a.Granted)))
	}
	return flows.M("review.type_other")
}

// bestTime names the person's preferred days, in full, and time of day.
func bestTime(a flows.Answers) flows.Msg {
	var days any = flows.M("days.any")
	if len(a.Days) > 0 {
		names := make(flows.List, len(a.Days))
		for i, d := range a.Days {
			names[i] = flows.M("weekday." + string(d))
		}
		days = names
	}
	tod := a.TimeOfDay
	if tod == "" {
		tod = flows.AnyTime
	}
	return flows.M("mail.best_time", "Days", days, "Time", flows.M("time."+string(tod)))
}

// emailsOf lists the addresses of a request: the applicant's and the
// representative's, each once.
func emailsOf(a flows.Answers) []string {
	var out []string
	for _, e := range []string{a.Email, a.Rep.Email} {
		if e = strings.TrimSpace(e); e != "" && !containsFold(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// filingEmail is the written confirmation of a filed request. It names the
// answers that matter to the person and never the A-Number, the receipt
// number or the date of birth.
func (n notices) filingEmail(r Request) Email {
	lang, a := r.Language, r.Answers
	t := func(m flows.Msg) string { return n.text(lang, m) }
	summary := []string{t(appointmentDetail(a)), t(bestTime(a))}
	if r.ContactPhone != "" {
		summary = append(summary, t(flows.M("mail.contact_number", "Phone", flows.PhoneDisplay(r.ContactPhone))))
	}
	blocks := []emailBlock{
		{Lines: []string{t(flows.M("mail.filed_intro", "Ref", r.Reference)), t(flows.M("mail.not_appointment"))}},
		{Heading: t(flows.M("mail.summary_heading")), Items: summary},
		{Heading: t(flows.M("mail.next_heading")), Lines: []string{t(flows.M("mail.next"))}},
		{Heading: t(flows.M("mail.bring_heading")), Lines: []string{t(flows.M("mail.bring_request"))}},
		{Lines: []string{t(flows.M("mail.free")), t(flows.M("mail.center"))}},
	}
	return n.email(lang, t(flows.M("mail.filed_subject", "Ref", r.Reference)), blocks)
}

// Appointment statuses.
const (
	AppointmentBooked    = "booked"
	AppointmentMoved     = "moved"     // staff moved it: a newer one replaces it
	AppointmentCancelled = "cancelled" // staff cancelled it
	AppointmentWithdrawn = "withdrawn" // the applicant cancelled it by text
)

// Appointment is an appointment the office booked for a request, with the
// office as it was at booking.
type Appointment struct {
	ID        int64
	RequestID int64
	Reference string // the request's
	Start     time.Time
	Office    Office
	Note      string
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LocalStart is the appointment's time in its office's zone.
func (a Appointment) LocalStart() time.Time {
	z, err := time.LoadLocation(a.Office.Zone)
	if err != nil {
		z = easternTime()
	}
	return a.Start.In(z)
}

// appointmentMsg is a message naming an appointment: the weekday and the
// date with the month in words, the time in the office's zone, the office.
func appointmentMsg(id string, r Request, ap Appointment, c *Catalog) flows.Msg {
	start := ap.LocalStart()
	weekdays := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	return flows.M(id, "Ref", r.Reference,
		"Day", flows.M("weekday."+weekdays[start.Weekday()]),
		"Date", flows.DateOf(start),
		"Time", c.FormatTime(r.Language, start),
		"Zone", start.Format("MST"),
		"Office", ap.Office.Name, "Address", ap.Office.Address)
}

// bringMsg is what to bring to an appointment of r's type.
func bringMsg(r Request) flows.Msg {
	switch r.Type {
	case flows.TypeEAP:
		return flows.M("bring.eap")
	case flows.TypeIJ:
		return flows.M("bring.ij")
	}
	return flows.M("bring.adit")
}

// appointmentTexts are the texts of an appointment notice of kind
// (KindAppointment, KindAppointmentReminder, KindAppointmentMoved,
// KindAppointmentCancelled): the notice fits three segments, so what to
// bring goes in a text of its own.
func (n notices) appointmentTexts(kind string, r Request, ap Appointment) []string {
	lang := r.Language
	switch kind {
	case KindAppointmentCancelled:
		key := "appointment.cancelled"
		if r.Status == StatusClosed {
			key = "appointment.cancelled_closed" // nobody will call again
		}
		return []string{n.text(lang, flows.M(key, "Ref", r.Reference, "Date", flows.DateOf(ap.LocalStart())))}
	case KindAppointmentReminder:
		return []string{n.text(lang, appointmentMsg("appointment.reminder", r, ap, n.c)),
			n.text(lang, flows.M("appointment.bring", "Ref", r.Reference, "Items", bringMsg(r)))}
	case KindAppointmentMoved:
		return []string{n.text(lang, appointmentMsg("appointment.moved", r, ap, n.c)),
			n.text(lang, flows.M("appointment.bring", "Ref", r.Reference, "Items", bringMsg(r)))}
	}
	return []string{n.text(lang, appointmentMsg("appointment.notice", r, ap, n.c)),
		n.text(lang, flows.M("appointment.bring", "Ref", r.Reference, "Items", bringMsg(r)))}
}

// appointmentEmail is the email of an appointment notice of kind.
func (n notices) appointmentEmail(kind string, r Request, ap Appointment) Email {
	lang := r.Language
	t := func(m flows.Msg) string { return n.text(lang, m) }
	date := flows.DateOf(ap.LocalStart())
	subject := map[string]string{
		KindAppointment:          "mail.appointment_subject",
		KindAppointmentReminder:  "mail.reminder_subject",
		KindAppointmentMoved:     "mail.moved_subject",
		KindAppointmentCancelled: "mail.cancelled_subject",
	}[kind]
	texts := n.appointmentTexts(kind, r, ap)
	blocks := []emailBlock{{Lines: texts[:1]}}
	if kind != KindAppointmentCancelled {
		blocks = append(blocks, emailBlock{Heading: t(flows.M("mail.bring_heading")), Items: []string{t(bringMsg(r))}})
	}
	blocks = append(blocks, emailBlock{Lines: []string{t(flows.M("mail.free")), t(flows.M("mail.center"))}})
	return n.email(lang, t(flows.M(subject, "Ref", r.Reference, "Date", date)), blocks)
}

// AppointmentTexts are the texts of an appointment notice of kind, as the
// contact gets them (for tests of their length).
func AppointmentTexts(c *Catalog, center, kind string, r Request, ap Appointment) []string {
	return notices{c: c, center: center}.appointmentTexts(kind, r, ap)
}

// NoticeBodies are what the service writes for a notice of kind about r:
// the filing's email (KindFiled: no texts), or an appointment notice about
// ap (KindAppointment, KindAppointmentReminder, KindAppointmentMoved,
// KindAppointmentCancelled): its texts, and its email as an outbox row
// holds it (EncodeEmail). center is the Contact Center's number as dialed
// (1-800-375-5283). For tools that write rows as the service does
// (scripts/bench/scale).
func NoticeBodies(c *Catalog, center, kind string, r Request, ap Appointment) (texts []string, email string) {
	n := notices{c: c, center: center}
	if kind == KindFiled {
		return nil, EncodeEmail(n.filingEmail(r))
	}
	return n.appointmentTexts(kind, r, ap), EncodeEmail(n.appointmentEmail(kind, r, ap))
}
