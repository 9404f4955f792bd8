package webhooks

import "github.com/gin-gonic/gin"

// routes lists every route of the service.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.GET("/audio/:lang/:file", s.handleAudio)

	tw := r.Group("/twilio", s.twilioSigned)
	tw.POST("/sms", s.handleSMS)
	tw.POST("/status", s.handleStatus)
	tw.POST("/voice", s.handleVoice)
	tw.POST("/voice/turn", s.handleVoiceTurn)
	tw.POST("/voice/fallback", s.handleVoiceFallback)

	api := r.Group("/api", s.staffAuth)
	api.GET("/requests", s.handleListRequests)
	api.GET("/requests/:ref", s.handleGetRequest)
	api.POST("/requests/:ref/status", s.handleSetStatus)
	api.GET("/requests/:ref/callback-offers", s.handleListOffers)
	api.POST("/requests/:ref/callback-offers", s.handleCreateOffer)
	api.DELETE("/requests/:ref/callback-offers/:id", s.handleCancelOffer)
}
