package webhooks

import (
	"github.com/gin-gonic/gin"

	"infopass/bot"
	"infopass/webhooks/console"
)

// routes lists every route of the service.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.GET("/audio/:lang/:file", s.handleAudio)
	if s.cfg.Metrics != nil {
		r.GET("/metrics", gin.WrapH(s.cfg.Metrics.handler(s.log)))
	}

	tw := r.Group("/twilio", s.cfg.Metrics.timeWebhook, s.twilioSigned)
	tw.POST("/sms", s.admitSender(bot.SMS), s.handleSMS)
	tw.POST("/status", s.handleStatus)
	tw.POST("/voice", s.admitSender(bot.Voice), s.handleVoice)
	tw.POST("/voice/turn", s.admitSender(bot.Voice), s.handleVoiceTurn)
	tw.POST("/voice/fallback", s.handleVoiceFallback)
	tw.POST("/voice/retry", s.admitSender(bot.Voice), s.handleVoiceRetry)
	tw.POST("/voice/filed", s.admitSender(bot.Voice), s.handleVoiceFiled)
	// The service's own calls (availability), to numbers it chose.
	tw.POST("/availability", s.handleAvailability)
	tw.POST("/availability/answer", s.handleAvailabilityAnswer)

	api := r.Group("/api", s.apiAuth)
	api.GET("/requests", s.handleListRequests)
	api.GET("/requests/:ref", s.handleGetRequest)
	api.GET("/requests/:ref/access", s.handleAccessLog)
	api.POST("/requests/:ref/status", s.handleSetStatus)
	api.GET("/requests/:ref/callback-offers", s.handleListOffers)
	api.POST("/requests/:ref/callback-offers", s.handleCreateOffer)
	api.DELETE("/requests/:ref/callback-offers/:id", s.handleCancelOffer)
	api.POST("/requests/:ref/appointment", s.handleBookAppointment)
	api.DELETE("/requests/:ref/appointment", s.handleCancelAppointment)

	if s.cfg.Staff != nil && s.cfg.Officers != nil {
		console.Register(r, console.Config{
			Staff: s.cfg.Staff, Officers: s.cfg.Officers, OIDC: s.cfg.OIDC, PublicURL: s.cfg.PublicURL,
			Zone: s.cfg.Zone, Now: s.cfg.Now, Logger: s.log, Lockout: s.lockout,
			OnLockedOut: func() { s.cfg.Metrics.limit(limitStaffAuth) },
		})
	}
}
