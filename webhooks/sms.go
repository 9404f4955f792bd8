package webhooks

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/twiml"

	"infopass/bot"
)

// messageSid is the shape of Twilio's message ids (SMS and MMS).
var messageSid = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

// handleSMS answers Twilio's Messaging webhook with exactly one <Message>,
// or an empty <Response> when the bot must stay silent (opted out, STOP).
func (s *Server) handleSMS(c *gin.Context) {
	ctx := c.Request.Context()
	sid := c.PostForm("MessageSid")
	if !messageSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	in := bot.Inbound{Channel: bot.SMS, From: c.PostForm("From"), Text: c.PostForm("Body"), ProviderID: sid}
	reply, err := s.handle(ctx, in)
	s.cfg.Metrics.turn(bot.SMS, reply, err)
	switch {
	case errors.Is(err, bot.ErrBadInbound):
		// Not a person's answer we can help with (a short code sender, a
		// body no phone sends): nothing is stored and nothing is sent.
		s.log.WarnContext(ctx, "bad inbound sms", "message_sid", sid, "err", err)
		s.writeTwiML(c, "")
		return
	case err != nil:
		s.log.ErrorContext(ctx, "sms turn failed", "message_sid", sid, "err", err)
		s.writeTwiML(c, s.cfg.Engine.Unavailable(in.From))
		return
	}
	if reply.Silent {
		s.writeTwiML(c, "")
		return
	}
	s.writeTwiML(c, reply.Text)
}

// writeTwiML answers with one <Message> holding text, or none when text is
// empty.
func (s *Server) writeTwiML(c *gin.Context, text string) {
	var verbs []twiml.Element
	if text != "" {
		verbs = append(verbs, &twiml.MessagingMessage{Body: text})
	}
	doc, err := twiml.Messages(verbs)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render twiml", "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(doc))
}
