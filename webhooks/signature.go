package webhooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"

	"github.com/gin-gonic/gin"
)

// twilioSigned admits only requests that carry Twilio's signature of
// PublicURL + path and the form; anything else gets 403 before any handler
// reads it. The form is capped at MaxFormBytes.
//
// Twilio posts application/x-www-form-urlencoded, the only body whose
// fields the signature covers: any other gets 415 unread. (A multipart
// body's fields are not in PostForm, so its signature would cover the URL
// alone, and gin's PostForm would then read them unchecked.)
func (s *Server) twilioSigned(c *gin.Context) {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.log.WarnContext(c.Request.Context(), "rejected webhook: not a form", "route", c.FullPath())
		c.AbortWithStatus(http.StatusUnsupportedMediaType)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxFormBytes)
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.AbortWithStatus(http.StatusRequestEntityTooLarge)
			return
		}
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	params := make(map[string]string, len(c.Request.PostForm))
	for k, v := range c.Request.PostForm {
		if len(v) != 1 {
			// Twilio sends each parameter once; a repeated one is not Twilio.
			c.AbortWithStatus(http.StatusForbidden)
			return
		}
		params[k] = v[0]
	}
	sig := c.GetHeader("X-Twilio-Signature")
	if sig == "" || !s.validator.Validate(s.cfg.PublicURL+c.Request.URL.RequestURI(), params, sig) {
		s.log.WarnContext(c.Request.Context(), "rejected unsigned webhook", "route", c.FullPath())
		c.AbortWithStatus(http.StatusForbidden)
		return
	}
	c.Next()
}

// Sign computes the X-Twilio-Signature that Twilio sends with a form POST to
// fullURL: base64 HMAC-SHA1, keyed with the auth token, of the URL followed
// by each parameter's name and value in name order. The server never uses
// it (twilio-go checks signatures); the chat simulator and tests sign their
// requests with it as Twilio would.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		mac.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
