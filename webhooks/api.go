package webhooks

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
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

// staffAuth admits requests with "Authorization: Bearer STAFF_TOKEN". The
// tokens are compared as SHA-256 digests in constant time, so neither the
// content nor the length of the token leaks through timing.
func (s *Server) staffAuth(c *gin.Context) {
	const prefix = "Bearer "
	h := c.GetHeader("Authorization")
	given := sha256.Sum256([]byte(strings.TrimPrefix(h, prefix)))
	want := sha256.Sum256([]byte(s.cfg.StaffToken))
	if s.cfg.StaffToken == "" || !strings.HasPrefix(h, prefix) || subtle.ConstantTimeCompare(given[:], want[:]) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="infopass"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "a valid staff token is required"})
		return
	}
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
}

type offerJSON struct {
	ID            int64      `json:"id"`
	Reference     string     `json:"reference"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	Zone          string     `json:"zone"`
	Status        string     `json:"status"`
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
	return j
}

func toOfferJSON(o bot.CallbackOffer) offerJSON {
	return offerJSON{ID: o.ID, Reference: o.Reference, Start: o.Start, End: o.End, Zone: o.Zone, Status: o.Status,
		ContactPhone: o.ContactPhone, ContactRole: o.ContactRole, NotSentReason: o.NotSentReason,
		MessageStatus: o.MessageStatus, BetterTimes: o.BetterTimes, AnsweredAt: o.AnsweredAt, CreatedAt: o.CreatedAt}
}

// handleListRequests: GET /api/requests?status=&type=&language=&zip=&a_number=&receipt=&phone=&from=&to=&limit=&cursor=
func (s *Server) handleListRequests(c *gin.Context) {
	f := bot.RequestFilter{
		Status: c.Query("status"), Type: c.Query("type"), Language: c.Query("language"), ZIPPrefix: c.Query("zip"),
	}
	var bad bot.ValidationError
	var err error
	// Lookups by identifier go through the blind indexes: the values are
	// normalized as the wizard stores them.
	if v := c.Query("a_number"); v != "" {
		if f.ANumber, err = flows.ParseANumber(v); err != nil {
			bad = append(bad, bot.FieldError{Field: "a_number", Message: "must be an A-Number (A and 7 to 9 digits)"})
		}
	}
	if v := c.Query("receipt"); v != "" {
		r, err := flows.ParseReceipt(v)
		if err != nil {
			bad = append(bad, bot.FieldError{Field: "receipt", Message: "must be a receipt number (3 letters and 10 digits)"})
		}
		f.Receipt = r.Number
	}
	if v := c.Query("phone"); v != "" {
		if f.Phone, err = flows.ParsePhone(v, "US"); err != nil {
			bad = append(bad, bot.FieldError{Field: "phone", Message: "must be a phone number (E.164, like +12025550123)"})
		}
	}
	if f.From, err = s.parseDay(c.Query("from")); err != nil {
		bad = append(bad, bot.FieldError{Field: "from", Message: err.Error()})
	}
	if f.To, err = s.parseDay(c.Query("to")); err != nil {
		bad = append(bad, bot.FieldError{Field: "to", Message: err.Error()})
	}
	if v := c.Query("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 {
			bad = append(bad, bot.FieldError{Field: "limit", Message: "must be from 1 to 200"})
			f.Limit = 0
		}
	}
	if v := c.Query("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err == nil {
			f.Before, err = strconv.ParseInt(string(raw), 10, 64)
		}
		if err != nil || f.Before < 1 {
			bad = append(bad, bot.FieldError{Field: "cursor", Message: "is not a cursor this API gave"})
		}
	}
	if len(bad) > 0 {
		s.apiError(c, bad)
		return
	}
	reqs, err := s.cfg.Staff.Requests(c.Request.Context(), f)
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := gin.H{"requests": []requestJSON{}}
	list := make([]requestJSON, len(reqs))
	for i, r := range reqs {
		list[i] = summaryJSON(r)
	}
	out["requests"] = list
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if len(reqs) == limit {
		out["next_cursor"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(reqs[len(reqs)-1].ID, 10)))
	}
	c.JSON(http.StatusOK, out)
}

// parseDay reads an RFC 3339 time or a YYYY-MM-DD day (midnight where the
// service counts days).
func (s *Server) parseDay(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, s.cfg.Zone); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("must be a date (2026-11-23) or an RFC 3339 time")
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

// handleCreateOffer: POST /api/requests/:ref/callback-offers {"start", "end"}
func (s *Server) handleCreateOffer(c *gin.Context) {
	var body struct {
		Start *string `json:"start"`
		End   *string `json:"end"`
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
	offer, err := s.cfg.Staff.OfferCallback(c.Request.Context(), c.Param("ref"), start, end)
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
