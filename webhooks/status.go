package webhooks

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// handleStatus records Twilio's delivery reports for the texts the outbox
// sent and the progress of the calls it placed (their StatusCallback).
// Reports of other states are acknowledged and ignored.
func (s *Server) handleStatus(c *gin.Context) {
	if c.PostForm("MessageSid") == "" && c.PostForm("CallSid") != "" {
		s.handleCallStatus(c)
		return
	}
	sid := c.PostForm("MessageSid")
	if !messageSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	status := c.PostForm("MessageStatus")
	switch status {
	case "sent", "delivered", "undelivered", "failed":
	default:
		c.Status(http.StatusNoContent)
		return
	}
	code := 0
	if v := c.PostForm("ErrorCode"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		code = n
	}
	if err := s.cfg.Deliveries.MessageStatus(c.Request.Context(), sid, status, code, s.cfg.Now()); err != nil {
		s.log.ErrorContext(c.Request.Context(), "record delivery status", "message_sid", sid, "err", err)
		// Twilio retries a status callback that fails.
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Status(http.StatusNoContent)
}

// handleCallStatus records the progress of an availability call: queued,
// initiated, ringing, in-progress, completed, busy, no-answer, failed or
// canceled.
func (s *Server) handleCallStatus(c *gin.Context) {
	sid, status := c.PostForm("CallSid"), c.PostForm("CallStatus")
	if !callSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	switch status {
	case "queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled":
	default:
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	if s.cfg.Calls == nil {
		c.Status(http.StatusNoContent)
		return
	}
	if err := s.cfg.Calls.Status(c.Request.Context(), sid, status); err != nil {
		s.log.ErrorContext(c.Request.Context(), "record call status", "call_sid", sid, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Status(http.StatusNoContent)
}
