package webhooks

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/twiml"

	"infopass/bot"
	"infopass/flows"
)

// messageSid is the shape of Twilio's message ids (SMS and MMS).
var messageSid = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

// handleSMS answers Twilio's Messaging webhook with the reply's <Message>
// (two after a filing: the reference, then what to bring), or an empty
// <Response> when the bot must stay silent (opted out, STOP).
func (s *Server) handleSMS(c *gin.Context) {
	ctx := c.Request.Context()
	sid := c.PostForm("MessageSid")
	if !messageSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	in := bot.Inbound{Channel: bot.SMS, From: c.PostForm("From"), Text: c.PostForm("Body"), ProviderID: sid}
	reply, out, err := s.handle(ctx, in, smsRenderer{s.cfg.Engine})
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
		lang := s.cfg.Engine.LanguageOf(in)
		s.writeTwiML(c, s.cfg.Engine.Text(lang, []flows.Msg{flows.M("reply.unavailable")}))
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", out.Document)
}

// smsRenderer renders replies as the TwiML answer to a text: a <Message>
// (and a second one for Reply.Then), or none when the bot stays silent.
type smsRenderer struct{ e *bot.Engine }

// Render writes the reply as text, after the answer about a callback offer
// if any. A reply that would cost more than MaxSegments leaves out the
// question asked again after an aside: it stands as it was.
func (r smsRenderer) Render(reply bot.Reply) (bot.Rendered, error) {
	var texts []string
	if !reply.Silent {
		text := r.text(reply, reply.Say)
		if reply.AgainFrom >= 0 {
			text = FitSMS(text, r.text(reply, reply.Say[:reply.AgainFrom]))
		}
		texts = append(texts, text)
		if len(reply.Then) > 0 {
			texts = append(texts, r.e.Text(reply.Language, reply.Then))
		}
	}
	doc, err := messages(texts...)
	if err != nil {
		return bot.Rendered{}, err
	}
	return bot.Rendered{Document: doc, Transcript: strings.Join(texts, "\n")}, nil
}

func (r smsRenderer) text(reply bot.Reply, say []flows.Msg) string {
	text := r.e.Text(reply.Language, say)
	if len(reply.Lead) > 0 {
		text = strings.TrimSpace(r.e.Text(reply.LeadLanguage, reply.Lead) + "\n" + text)
	}
	return text
}

// messages is the TwiML answer to a text: a <Message> for each text that
// is not empty.
func messages(texts ...string) ([]byte, error) {
	var verbs []twiml.Element
	for _, text := range texts {
		if text != "" {
			verbs = append(verbs, &twiml.MessagingMessage{Body: text})
		}
	}
	doc, err := twiml.Messages(verbs)
	if err != nil {
		return nil, fmt.Errorf("render twiml: %w", err)
	}
	return []byte(doc), nil
}

// writeTwiML answers with one <Message> holding text, or none when text is
// empty.
func (s *Server) writeTwiML(c *gin.Context, text string) {
	doc, err := messages(text)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render twiml", "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", doc)
}
