package webhooks

import (
	"bytes"
	"context"
	"errors"
	multipart "mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/client"
)

const (
	publicURL = "https://infopass.example.org"
	token     = "test-token"
)

func testServer(ready func(context.Context) error) http.Handler {
	gin.SetMode(gin.TestMode)
	return New(Config{PublicURL: publicURL + "/", AuthToken: token, Ready: ready})
}

func do(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func signedRequest(path string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(token, publicURL+path, form))
	return req
}

// TestSignMatchesTwilio checks the simulator's signatures against
// twilio-go's validator and the test vector of twilio-go's own tests.
func TestSignMatchesTwilio(t *testing.T) {
	form := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got, want := Sign("12345", u, form), "vOEb5UThFn24KEfnOFLQY2AE5FY="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	params := map[string]string{}
	for k := range form {
		params[k] = form.Get(k)
	}
	v := client.NewRequestValidator("12345")
	if !v.Validate(u, params, Sign("12345", u, form)) {
		t.Error("twilio-go rejects Sign's signature")
	}
	if v.Validate(u, params, Sign("54321", u, form)) {
		t.Error("twilio-go accepts a signature made with another token")
	}
}

func TestTwilioRoutesRejectBadRequests(t *testing.T) {
	h := testServer(nil)
	good := url.Values{"MessageSid": {"SM" + strings.Repeat("a", 32)}, "From": {"+12025550147"}, "Body": {"hi"}}

	t.Run("ErrNoSignature", func(t *testing.T) {
		req := signedRequest("/twilio/sms", good)
		req.Header.Del("X-Twilio-Signature")
		if w := do(h, req); w.Code != http.StatusForbidden {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("ErrSignedForAnotherHost", func(t *testing.T) {
		req := signedRequest("/twilio/sms", good)
		req.Header.Set("X-Twilio-Signature", Sign(token, "https://evil.example.com/twilio/sms", good))
		if w := do(h, req); w.Code != http.StatusForbidden {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("ErrRepeatedParameter", func(t *testing.T) {
		form := url.Values{"MessageSid": good["MessageSid"], "From": good["From"], "Body": {"a", "b"}}
		if w := do(h, signedRequest("/twilio/sms", form)); w.Code != http.StatusForbidden {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("ErrBadMessageSid", func(t *testing.T) {
		form := url.Values{"MessageSid": {"SM123"}, "From": good["From"], "Body": good["Body"]}
		if w := do(h, signedRequest("/twilio/sms", form)); w.Code != http.StatusBadRequest {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("ErrBodyTooLarge", func(t *testing.T) {
		form := url.Values{"MessageSid": good["MessageSid"], "From": good["From"], "Body": {strings.Repeat("x", MaxFormBytes)}}
		if w := do(h, signedRequest("/twilio/sms", form)); w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("ErrNotAForm", func(t *testing.T) {
		// Each body is signed as its fields would be checked if the server
		// parsed it as a form: a multipart one for the URL alone.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range good {
			mw.WriteField(k, v[0])
		}
		mw.Close()
		for _, tc := range []struct{ name, contentType, body string }{
			{"Multipart", mw.FormDataContentType(), body.String()},
			{"JSON", "application/json", `{"MessageSid":"SM` + strings.Repeat("a", 32) + `","From":"+12025550147","Body":"hi"}`},
			{"Text", "text/plain", good.Encode()},
			{"None", "", good.Encode()},
			{"Garbled", "application/x-www-form-urlencoded;;", good.Encode()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.contentType)
				req.Header.Set("X-Twilio-Signature", Sign(token, publicURL+"/twilio/sms", url.Values{}))
				if w := do(h, req); w.Code != http.StatusUnsupportedMediaType {
					t.Errorf("status %d, want 415", w.Code)
				}
			})
		}
	})
	t.Run("FormWithCharset", func(t *testing.T) {
		// Admitted past the signature check, to the handler, which
		// answers 400 to a form without a MessageSid.
		form := url.Values{"From": good["From"]}
		req := signedRequest("/twilio/sms", form)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		if w := do(h, req); w.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", w.Code)
		}
	})
	t.Run("ErrGet", func(t *testing.T) {
		if w := do(h, httptest.NewRequest(http.MethodGet, "/twilio/sms", nil)); w.Code != http.StatusNotFound && w.Code != http.StatusMethodNotAllowed {
			t.Errorf("status %d", w.Code)
		}
	})
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		want  int
		state string
	}{
		{"OK", nil, http.StatusOK, `"database":"ok"`},
		{"ErrDatabaseDown", errors.New("connection refused"), http.StatusServiceUnavailable, `"database":"unreachable"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := testServer(func(context.Context) error { return tc.err })
			w := do(h, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.state) {
				t.Errorf("readyz: %d %s", w.Code, w.Body)
			}
		})
	}
}
