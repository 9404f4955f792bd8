package webhooks

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"infopass/bot"
)

// testAPIToken is the one API token testOfficers knows.
const testAPIToken = "ipa_0123456789ABCDEFGHJKMNPQRS"

// tokenStore knows one API client, of testAPIToken.
type tokenStore struct{ bot.OfficerStore }

func (tokenStore) APIClientByToken(ctx context.Context, hash string) (bot.APIClient, error) {
	if hash == bot.HashToken(testAPIToken) {
		return bot.APIClient{ID: 1, Name: "test-client"}, nil
	}
	return bot.APIClient{}, bot.ErrNotFound
}

func testOfficers() *bot.Officers { return bot.NewOfficers(tokenStore{}, nil) }

// TestAPIBodyErrorsNameTheField checks that a staff API body of the wrong
// shape is refused with the field at fault, before anything else is done
// (this server has no staff service to do anything with).
func TestAPIBodyErrorsNameTheField(t *testing.T) {
	h := New(Config{PublicURL: publicURL, AuthToken: token, Officers: testOfficers()})
	for _, tc := range []struct {
		path, body, field string
	}{
		{"/api/requests/IP-7K3Q9D2M/callback-offers", `{"start": 5, "end": "2026-11-30T11:00:00-05:00"}`, "start"},
		{"/api/requests/IP-7K3Q9D2M/callback-offers", `{"start": "2026-11-30T09:00:00-05:00", "end": true}`, "end"},
		{"/api/requests/IP-7K3Q9D2M/callback-offers", `{"start": "2026-11-30T09:00:00-05:00", "colour": "red"}`, "colour"},
		{"/api/requests/IP-7K3Q9D2M/status", `{"status": ["closed"]}`, "status"},
		{"/api/requests/IP-7K3Q9D2M/status", `{"status": "closed"`, "body"},
		{"/api/requests/IP-7K3Q9D2M/status", `{"status": "closed"} {}`, "body"},
	} {
		req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+testAPIToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out struct {
			Errors []struct{ Field, Message string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusBadRequest ||
			len(out.Errors) != 1 || out.Errors[0].Field != tc.field {
			t.Errorf("%s %s: %d %s, want 400 about %q", tc.path, tc.body, rec.Code, rec.Body, tc.field)
		}
	}
}
