package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"infopass/bot"
	"infopass/flows"
)

// apiAuth admits requests with "Authorization: Bearer TOKEN" where TOKEN
// is a live API client's token (see bot.Officers.APIClient: only its hash
// is stored), and puts the client in the request's context as the actor
// the access log records. Each attempt is counted before the token is
// checked; an address or the server over its limit gets 429 without a
// check.
func (s *Server) apiAuth(c *gin.Context) {
	ip := c.ClientIP()
	attempt, wait := s.lockout.Begin(s.cfg.Now(), ip, "")
	if wait > 0 {
		s.cfg.Metrics.limit(limitStaffAuth)
		c.Header("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many wrong API tokens; try again later"})
		return
	}
	const prefix = "Bearer "
	h := c.GetHeader("Authorization")
	var client bot.APIClient
	err := bot.ErrBadToken
	if s.cfg.Officers != nil && strings.HasPrefix(h, prefix) {
		client, err = s.cfg.Officers.APIClient(c.Request.Context(), strings.TrimPrefix(h, prefix))
	}
	switch {
	case errors.Is(err, bot.ErrBadToken):
		c.Header("WWW-Authenticate", `Bearer realm="infopass"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "a valid API token is required (infopass api-token create NAME)"})
		return
	case err != nil:
		attempt.Succeeded() // the database failed, not the caller
		s.apiError(c, err)
		c.Abort()
		return
	}
	attempt.Succeeded()
	c.Request = c.Request.WithContext(bot.WithActor(c.Request.Context(), bot.Actor{Client: client.Name}))
	c.Next()
}

// apiError answers err in the API's one error format.
func (s *Server) apiError(c *gin.Context, err error) {
	var invalid bot.ValidationError
	switch {
	case errors.As(err, &invalid):
		c.JSON(http.StatusBadRequest, gin.H{"errors": invalid})
	case errors.Is(err, bot.ErrNotFound):
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
	case errors.Is(err, bot.ErrForbidden):
		c.JSON(http.StatusForbidden, gin.H{"error": "forbidden"})
	default:
		s.log.ErrorContext(c.Request.Context(), "staff api", "route", c.FullPath(), "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
	}
}

// decodeJSON reads the body as exactly one JSON object of v's shape.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxFormBytes))
	if err != nil {
		return bot.ValidationError{{Field: "body", Message: "must be at most 64 KiB"}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return bot.ValidationError{{Field: typeErr.Field, Message: "must be a " + jsonKind(typeErr.Type.Kind())}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return bot.ValidationError{{Field: field, Message: "is not a field of this request"}}
		}
		return bot.ValidationError{{Field: "body", Message: "must be a JSON object of the documented fields: " + err.Error()}}
	}
	if dec.More() {
		return bot.ValidationError{{Field: "body", Message: "must hold one JSON object"}}
	}
	return nil
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "number"
}

type requestJSON struct {
	Reference    string                `json:"reference"`
	Status       string                `json:"status"`
	Type         flows.AppointmentType `json:"type"`
	Language     string                `json:"language"`
	Channel      bot.Channel           `json:"channel"`
	Role         flows.Role            `json:"role"`
	ZIP          string                `json:"zip,omitempty"`
	SubmittedAt  time.Time             `json:"submitted_at"`
	Phone        string                `json:"phone,omitempty"`
	ContactPhone string                `json:"contact_phone,omitempty"`
	Answers      *flows.Answers        `json:"answers,omitempty"`
	Offers       []offerJSON           `json:"callback_offers,omitempty"`
	Events       []eventJSON           `json:"events,omitempty"`
	Appointments []appointmentJSON     `json:"appointments,omitempty"`
}

type appointmentJSON struct {
	Start         time.Time `json:"start"`
	Office        string    `json:"office"`
	OfficeName    string    `json:"office_name"`
	OfficeAddress string    `json:"office_address"`
	Zone          string    `json:"zone"`
	Note          string    `json:"note,omitempty"`
	// Status: booked, moved (a newer one replaces it), cancelled (by the
	// office) or withdrawn (the applicant texted CANCEL).
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAppointmentJSON(a bot.Appointment) appointmentJSON {
	return appointmentJSON{Start: a.Start, Office: a.Office.ID, OfficeName: a.Office.Name, OfficeAddress: a.Office.Address,
		Zone: a.Office.Zone, Note: a.Note, Status: a.Status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type offerJSON struct {
	ID            int64      `json:"id"`
	Reference     string     `json:"reference"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	Zone          string     `json:"zone"`
	Status        string     `json:"status"`
	AskBy         string     `json:"ask_by"` // sms, or call
	CallStatus    string     `json:"call_status,omitempty"`
	ContactPhone  string     `json:"contact_phone,omitempty"`
	ContactRole   string     `json:"contact_role,omitempty"`
	NotSentReason string     `json:"not_sent_reason,omitempty"`
	MessageStatus string     `json:"message_status,omitempty"`
	BetterTimes   string     `json:"better_times,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

type eventJSON struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

func summaryJSON(r bot.Request) requestJSON {
	return requestJSON{Reference: r.Reference, Status: r.Status, Type: r.Type, Language: r.Language,
		Channel: r.Channel, Role: r.Role, ZIP: r.ZIP, SubmittedAt: r.SubmittedAt}
}

func detailJSON(d bot.RequestDetail) requestJSON {
	j := summaryJSON(d.Request)
	j.Phone, j.ContactPhone, j.Answers = d.Phone, d.ContactPhone, &d.Answers
	j.Offers = make([]offerJSON, len(d.Offers))
	for i, o := range d.Offers {
		j.Offers[i] = toOfferJSON(o)
	}
	for _, e := range d.Events {
		j.Events = append(j.Events, eventJSON(e))
	}
	for _, a := range d.Appointments {
		j.Appointments = append(j.Appointments, toAppointmentJSON(a))
	}
	return j
}

func toOfferJSON(o bot.CallbackOffer) offerJSON {
	return offerJSON{ID: o.ID, Reference: o.Reference, Start: o.Start, End: o.End, Zone: o.Zone, Status: o.Status,
		AskBy: o.AskBy, CallStatus: o.CallStatus,
		ContactPhone: o.ContactPhone, ContactRole: o.ContactRole, NotSentReason: o.NotSentReason,
		MessageStatus: o.MessageStatus, BetterTimes: o.BetterTimes, AnsweredAt: o.AnsweredAt, CreatedAt: o.CreatedAt}
}

// handleListRequests: GET /api/requests?status=&type=&language=&zip=&a_number=&receipt=&phone=&from=&to=&limit=&cursor=
func (s *Server) handleListRequests(c *gin.Context) {
	f, err := s.cfg.Staff.ParseRequestFilter(c.Request.URL.Query(), s.cfg.Zone)
	if err != nil {
		s.apiError(c, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = bot.DefaultListLimit
	}
	reqs, err := s.cfg.Staff.Requests(c.Request.Context(), f)
	if err != nil {
		s.apiError(c, err)
		return
	}
	list := make([]requestJSON, len(reqs))
	for i, r := range reqs {
		list[i] = summaryJSON(r)
	}
	out := gin.H{"requests": list}
	if len(reqs) == f.Limit {
		out["next_cursor"] = bot.NextCursor(reqs)
	}
	c.JSON(http.StatusOK, out)
}

type accessJSON struct {
	Reference string    `json:"reference,omitempty"`
	Officer   string    `json:"officer,omitempty"`
	OfficerID int64     `json:"officer_id,omitempty"`
	APIClient string    `json:"api_client,omitempty"`
	Action    string    `json:"action"`
	At        time.Time `json:"at"`
}

// handleAccessLog: GET /api/requests/:ref/access, who looked at or changed
// the request, oldest first.
func (s *Server) handleAccessLog(c *gin.Context) {
	log, err := s.cfg.Staff.AccessLog(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]accessJSON, len(log))
	for i, a := range log {
		out[i] = accessJSON{Reference: a.Reference, Officer: a.Actor.Officer.Name, OfficerID: a.Actor.Officer.ID,
			APIClient: a.Actor.Client, Action: a.Action, At: a.At}
	}
	c.JSON(http.StatusOK, gin.H{"access": out})
}

// handleGetRequest: GET /api/requests/:ref
func (s *Server) handleGetRequest(c *gin.Context) {
	d, err := s.cfg.Staff.Request(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, detailJSON(d))
}

// handleCreateOffer: POST /api/requests/:ref/callback-offers {"start",
// "end", "outside_preferences"}: a window outside the days and time of day
// the person asked for is refused unless outside_preferences is true.
func (s *Server) handleCreateOffer(c *gin.Context) {
	var body struct {
		Start   *string `json:"start"`
		End     *string `json:"end"`
		Outside bool    `json:"outside_preferences"`
	}
	if err := decodeJSON(c, &body); err != nil {
		s.apiError(c, err)
		return
	}
	var bad bot.ValidationError
	parse := func(field string, v *string) time.Time {
		if v == nil {
			bad = append(bad, bot.FieldError{Field: field, Message: "is required (RFC 3339)"})
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			bad = append(bad, bot.FieldError{Field: field, Message: "must be an RFC 3339 time, like 2026-11-30T09:00:00-05:00"})
		}
		return t
	}
	start, end := parse("start", body.Start), parse("end", body.End)
	if len(bad) > 0 {
		s.apiError(c, bad)
		return
	}
	offer, err := s.cfg.Staff.OfferCallback(c.Request.Context(), c.Param("ref"), start, end, body.Outside)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toOfferJSON(offer))
}

// handleListOffers: GET /api/requests/:ref/callback-offers
func (s *Server) handleListOffers(c *gin.Context) {
	offers, err := s.cfg.Staff.Offers(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]offerJSON, len(offers))
	for i, o := range offers {
		out[i] = toOfferJSON(o)
	}
	c.JSON(http.StatusOK, gin.H{"callback_offers": out})
}

// handleCancelOffer: DELETE /api/requests/:ref/callback-offers/:id
func (s *Server) handleCancelOffer(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.apiError(c, bot.ErrNotFound)
		return
	}
	offer, err := s.cfg.Staff.CancelOffer(c.Request.Context(), c.Param("ref"), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toOfferJSON(offer))
}

// handleSetStatus: POST /api/requests/:ref/status {"status", "note"}
func (s *Server) handleSetStatus(c *gin.Context) {
	var body struct {
		Status *string `json:"status"`
		Note   string  `json:"note"`
	}
	if err := decodeJSON(c, &body); err != nil {
		s.apiError(c, err)
		return
	}
	if body.Status == nil {
		s.apiError(c, bot.ValidationError{{Field: "status", Message: "is required"}})
		return
	}
	d, err := s.cfg.Staff.SetStatus(c.Request.Context(), c.Param("ref"), *body.Status, body.Note)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, detailJSON(d))
}

// handleBookAppointment: POST /api/requests/:ref/appointment {"start",
// "office", "note"}: the office booked the appointment (or moved it); the
// request is scheduled and the contact gets the notice.
func (s *Server) handleBookAppointment(c *gin.Context) {
	var body struct {
		Start  *string `json:"start"`
		Office *string `json:"office"`
		Note   string  `json:"note"`
	}
	if err := decodeJSON(c, &body); err != nil {
		s.apiError(c, err)
		return
	}
	var bad bot.ValidationError
	var start time.Time
	if body.Start == nil {
		bad = append(bad, bot.FieldError{Field: "start", Message: "is required (RFC 3339)"})
	} else if t, err := time.Parse(time.RFC3339, *body.Start); err != nil {
		bad = append(bad, bot.FieldError{Field: "start", Message: "must be an RFC 3339 time, like 2026-12-01T10:00:00-05:00"})
	} else {
		start = t
	}
	if body.Office == nil {
		bad = append(bad, bot.FieldError{Field: "office", Message: "is required: the id of an office of OFFICES_FILE"})
	}
	if len(bad) > 0 {
		s.apiError(c, bad)
		return
	}
	a, err := s.cfg.Staff.BookAppointment(c.Request.Context(), c.Param("ref"), start, *body.Office, body.Note)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toAppointmentJSON(a))
}

// handleCancelAppointment: DELETE /api/requests/:ref/appointment, the
// office cancelled the booked appointment; the contact gets a short
// notice.
func (s *Server) handleCancelAppointment(c *gin.Context) {
	a, err := s.cfg.Staff.CancelAppointment(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAppointmentJSON(a))
}
