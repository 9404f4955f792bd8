// Package twiliotest is a fake of the part of Twilio's REST API the service
// uses (create and list Messages and Calls; list a Messaging Service's
// phone numbers, Messaging v1), for tests. It records every text and call
// and can be told to answer with errors.
package twiliotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Message is a text the fake accepted.
type Message struct {
	SID, To, From, MessagingServiceSID, Body, StatusCallback string
	At                                                       time.Time
}

// Call is a call the fake accepted.
type Call struct {
	SID, To, From, URL, Method, StatusCallback, MachineDetection string
	StatusCallbackEvents                                         []string
	At                                                           time.Time
}

// ServiceNumber is a phone number of a Messaging Service's sender pool.
type ServiceNumber struct {
	Number string
	// Capabilities are Twilio's: "SMS", "MMS", "Voice".
	Capabilities []string
}

// Failure is a scripted error answer.
type Failure struct {
	Status int
	Code   int
}

// Server is the fake API.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	messages []Message
	calls    []Call
	failures []Failure
	// callFailures are the scripted failures of calls.
	callFailures []Failure
	attempts     int
	hold         chan struct{} // while open, create requests wait
	// services are the sender pools of the Messaging Services, by SID.
	services map[string][]ServiceNumber
	// lookupFailures are the scripted failures of lists of a service's
	// phone numbers.
	lookupFailures []Failure
	lookups        int
	lookupHold     chan struct{} // while open, lists of phone numbers wait
}

// New starts a fake; Close it when done.
func New() *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Fail makes the next create requests fail, one failure each, in order.
func (s *Server) Fail(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f...)
}

// Hold makes create requests wait, once counted in Attempts, until release
// is called: a slow provider, with a text in flight.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hold := make(chan struct{})
	s.hold = hold
	return sync.OnceFunc(func() { close(hold) })
}

// Messages returns the texts accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls returns the calls placed so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Attempts counts requests to create texts, failed ones included.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Add records a text as if it had been sent, e.g. by a process that died
// before it could record the answer.
func (s *Server) Add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.SID == "" {
		m.SID = fmt.Sprintf("SM%032x", len(s.messages)+1)
	}
	s.messages = append(s.messages, m)
}

// SetServiceNumbers makes the Messaging Service sid exist with these
// phone numbers in its sender pool; a service never set is unknown (404).
func (s *Server) SetServiceNumbers(sid string, numbers ...ServiceNumber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.services == nil {
		s.services = map[string][]ServiceNumber{}
	}
	s.services[sid] = append([]ServiceNumber(nil), numbers...)
}

// FailLookups makes the next lists of a service's phone numbers fail, one
// failure each, in order.
func (s *Server) FailLookups(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookupFailures = append(s.lookupFailures, f...)
}

// HoldLookups makes lists of a service's phone numbers wait, once counted
// in Lookups, until release is called or the client gives up: a provider
// that does not answer.
func (s *Server) HoldLookups() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hold := make(chan struct{})
	s.lookupHold = hold
	return sync.OnceFunc(func() { close(hold) })
}

// Lookups counts the lists of a service's phone numbers, failed ones
// included.
func (s *Server) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); !ok {
		writeError(w, Failure{http.StatusUnauthorized, 20003})
		return
	}
	if sid, ok := servicePhoneNumbers(r.URL.Path); ok {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		s.listServiceNumbers(w, r, sid)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") {
		writeError(w, Failure{http.StatusNotFound, 20404})
		return
	}
	if strings.HasSuffix(r.URL.Path, "/Calls.json") {
		switch r.Method {
		case http.MethodPost:
			s.createCall(w, r)
		case http.MethodGet:
			s.listCalls(w, r)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		writeError(w, Failure{http.StatusNotFound, 20404})
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r)
	case http.MethodGet:
		s.list(w, r)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, Failure{http.StatusBadRequest, 21600})
		return
	}
	s.mu.Lock()
	s.attempts++
	if hold := s.hold; hold != nil {
		s.mu.Unlock()
		<-hold
		s.mu.Lock()
	}
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		s.mu.Unlock()
		writeError(w, f)
		return
	}
	m := Message{
		SID: fmt.Sprintf("SM%032x", len(s.messages)+1), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
		MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"), Body: r.PostForm.Get("Body"),
		StatusCallback: r.PostForm.Get("StatusCallback"), At: time.Now(),
	}
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(resource(m))
}

// FailCalls makes the next call requests fail, one failure each, in
// order (texts' failures are Fail's).
func (s *Server) FailCalls(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callFailures = append(s.callFailures, f...)
}

// callFailure takes the next scripted failure of a call.
func (s *Server) callFailure() (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.callFailures) == 0 {
		return Failure{}, false
	}
	f := s.callFailures[0]
	s.callFailures = s.callFailures[1:]
	return f, true
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, Failure{http.StatusBadRequest, 21600})
		return
	}
	if f, failed := s.callFailure(); failed {
		writeError(w, f)
		return
	}
	if r.PostForm.Get("Url") == "" || r.PostForm.Get("To") == "" || r.PostForm.Get("From") == "" {
		writeError(w, Failure{http.StatusBadRequest, 21205})
		return
	}
	s.mu.Lock()
	c := Call{
		SID: fmt.Sprintf("CA%032x", len(s.calls)+1), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
		URL: r.PostForm.Get("Url"), Method: r.PostForm.Get("Method"), StatusCallback: r.PostForm.Get("StatusCallback"),
		MachineDetection: r.PostForm.Get("MachineDetection"), StatusCallbackEvents: r.PostForm["StatusCallbackEvent"], At: time.Now(),
	}
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(callResource(c))
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("To")
	var out []map[string]any
	calls := s.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if to == "" || calls[i].To == to {
			out = append(out, callResource(calls[i]))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"calls": out, "page": 0, "page_size": 50})
}

func callResource(c Call) map[string]any {
	return map[string]any{"sid": c.SID, "to": c.To, "from": c.From, "status": "queued", "date_created": c.At.Format(time.RFC1123Z)}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("To")
	var after time.Time
	if v := r.URL.Query().Get("DateSent>"); v != "" {
		after, _ = time.Parse(time.RFC3339, v)
	}
	var out []map[string]any
	msgs := s.Messages()
	for i := len(msgs) - 1; i >= 0; i-- { // newest first, as Twilio lists them
		if m := msgs[i]; (to == "" || m.To == to) && !m.At.Before(after) {
			out = append(out, resource(m))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": out, "page": 0, "page_size": 50})
}

func resource(m Message) map[string]any {
	return map[string]any{
		"sid": m.SID, "to": m.To, "from": m.From, "body": m.Body, "status": "queued",
		"messaging_service_sid": m.MessagingServiceSID, "date_created": m.At.Format(time.RFC1123Z),
	}
}

// servicePhoneNumbers reads the Messaging v1 path of a service's phone
// numbers, /v1/Services/{sid}/PhoneNumbers, and returns the sid.
func servicePhoneNumbers(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/Services/")
	if !ok {
		return "", false
	}
	sid, ok := strings.CutSuffix(rest, "/PhoneNumbers")
	return sid, ok && sid != "" && !strings.Contains(sid, "/")
}

// listServiceNumbers answers with the sender pool of service sid, in one
// page, or 404 as Twilio does for a service the account does not have.
func (s *Server) listServiceNumbers(w http.ResponseWriter, r *http.Request, sid string) {
	s.mu.Lock()
	s.lookups++
	if hold := s.lookupHold; hold != nil {
		s.mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
	}
	var failure *Failure
	if len(s.lookupFailures) > 0 {
		failure = &s.lookupFailures[0]
		s.lookupFailures = s.lookupFailures[1:]
	}
	numbers, known := s.services[sid]
	s.mu.Unlock()
	switch {
	case failure != nil:
		writeError(w, *failure)
		return
	case !known:
		writeError(w, Failure{http.StatusNotFound, 20404})
		return
	}
	out := []map[string]any{}
	for i, n := range numbers {
		out = append(out, map[string]any{
			"sid": fmt.Sprintf("PN%032x", i+1), "service_sid": sid, "phone_number": n.Number,
			"country_code": "US", "capabilities": n.Capabilities,
		})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"phone_numbers": out, "meta": map[string]any{
		"page": 0, "page_size": 50, "key": "phone_numbers", "next_page_url": nil, "previous_page_url": nil,
	}})
}

func writeError(w http.ResponseWriter, f Failure) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	json.NewEncoder(w).Encode(map[string]any{
		"code": f.Code, "message": fmt.Sprintf("fake error %d", f.Code), "status": f.Status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", f.Code),
	})
}
