package webhooks

import "github.com/gin-gonic/gin"

// routes lists every route of the service.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)

	tw := r.Group("/twilio", s.twilioSigned)
	tw.POST("/sms", s.handleSMS)
}
