package webhooks

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// handleStatus records Twilio's delivery reports for the texts the outbox
// sent (their StatusCallback). Reports of other states are acknowledged and
// ignored.
func (s *Server) handleStatus(c *gin.Context) {
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
