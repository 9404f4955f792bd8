package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"infopass/bot"
)

var appointmentLabels = map[string]string{
	bot.AppointmentBooked:    "booked",
	bot.AppointmentMoved:     "moved",
	bot.AppointmentCancelled: "cancelled by the office",
	bot.AppointmentWithdrawn: "cancelled by the applicant (CANCEL by text)",
}

// appointmentForm is the form to record an appointment, office chosen.
func (c *console) appointmentForm(v bot.RequestView, office string) appointmentForm {
	f := appointmentForm{Errors: formErrors{}, Time: "10:00"}
	for i, o := range c.cfg.Staff.Offices() {
		f.Offices = append(f.Offices, option{Value: o.ID, Label: o.Name + ", " + o.Address + " (" + o.Zone + ")",
			Selected: o.ID == office || office == "" && i == 0})
	}
	f.HasOffices = len(f.Offices) > 0
	return f
}

// handleAppointment: POST /staff/requests/:ref/appointment (office, date,
// time, note), the time read in the office's zone.
func (c *console) handleAppointment(g *gin.Context) {
	ref := strings.ToUpper(g.Param("ref"))
	officeID, date, clock, note := g.PostForm("office"), strings.TrimSpace(g.PostForm("date")), strings.TrimSpace(g.PostForm("time")), g.PostForm("note")
	errs := formErrors{}
	office, ok := findOffice(c.cfg.Staff.Offices(), officeID)
	if !ok {
		errs["office"] = "Choose the office."
	}
	var start time.Time
	if ok {
		zone, err := time.LoadLocation(office.Zone)
		if err != nil {
			zone = time.UTC
		}
		if start, err = time.ParseInLocation(time.DateOnly+" 15:04", date+" "+clock, zone); err != nil {
			errs["date"] = "Enter the day and time of the appointment."
		}
	}
	if len(errs) == 0 {
		_, err := c.cfg.Staff.BookAppointment(g.Request.Context(), ref, start, officeID, note)
		var invalid bot.ValidationError
		switch {
		case errors.As(err, &invalid):
			for _, e := range invalid {
				field := e.Field
				if field == "start" {
					field = "date"
				}
				errs[field] = sentence(e.Field, e.Message)
			}
		case err != nil:
			c.fail(g, err)
			return
		default:
			g.Redirect(http.StatusSeeOther, "/staff/requests/"+ref+"?done=appointment#appointment")
			return
		}
	}
	c.showRequest(g, http.StatusBadRequest, ref, func(p *requestPage) {
		for i := range p.Appointment.Offices {
			p.Appointment.Offices[i].Selected = p.Appointment.Offices[i].Value == officeID
		}
		p.Appointment.Date, p.Appointment.Time, p.Appointment.Note = date, clock, note
		p.Appointment.Errors, p.Appointment.Failed = errs, true
	})
}

// handleCancelAppointment: POST /staff/requests/:ref/appointment/cancel
func (c *console) handleCancelAppointment(g *gin.Context) {
	ref := strings.ToUpper(g.Param("ref"))
	_, err := c.cfg.Staff.CancelAppointment(g.Request.Context(), ref)
	c.changed(g, ref, err, "?done=unbooked#appointment")
}

func findOffice(list []bot.Office, id string) (bot.Office, bool) {
	for _, o := range list {
		if o.ID == id {
			return o, true
		}
	}
	return bot.Office{}, false
}
