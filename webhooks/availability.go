package webhooks

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/twiml"

	"infopass/bot"
	"infopass/flows"
)

// The availability call: the service calls a contact who cannot get texts
// to ask whether they can take an officer's call in an offer's window. Its
// TwiML is served here, one step per route visit; the offer, the call and
// the step are in the URLs the TwiML gives Twilio, which signs every
// request with the URL it was given, so no state is kept between steps.

// maxCallTries is how many times a question is asked before the call
// says goodbye.
const maxCallTries = 3

// callParams reads the offer and call ids of an availability call's URL.
func callParams(c *gin.Context) (offer, call int64, ok bool) {
	offer, err1 := strconv.ParseInt(c.Query("offer"), 10, 64)
	call, err2 := strconv.ParseInt(c.Query("call"), 10, 64)
	return offer, call, err1 == nil && err2 == nil && offer > 0 && call > 0 && callSid.MatchString(c.PostForm("CallSid"))
}

// handleAvailability answers an availability call as it connects: after
// Twilio's answering machine detection, a machine gets a short message
// and a person the question.
func (s *Server) handleAvailability(c *gin.Context) {
	offerID, callID, ok := callParams(c)
	if !ok || s.cfg.Calls == nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	ctx := c.Request.Context()
	o, err := s.cfg.Calls.Offer(ctx, offerID, callID)
	if s.callFailed(c, err) {
		return
	}
	if answeredBy := c.PostForm("AnsweredBy"); strings.HasPrefix(answeredBy, "machine") || answeredBy == "fax" {
		if _, err := s.cfg.Calls.Machine(ctx, offerID, callID); s.callFailed(c, err) {
			return
		}
		s.writeVoice(c, s.callSay(o.Language, false, flows.M("call.machine")))
		return
	}
	if !bot.Askable(o, s.cfg.Now()) {
		s.writeVoice(c, s.callSay(o.Language, false, flows.M("call.passed")))
		return
	}
	s.writeVoice(c, []twiml.Element{s.windowQuestion(c, o, 1, nil)})
}

// callFailed answers a step whose offer is unknown or could not be read:
// the call ends politely. It reports whether err was one.
func (s *Server) callFailed(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, bot.ErrNotFound):
		s.log.WarnContext(c.Request.Context(), "availability call of no offer", "call_sid", c.PostForm("CallSid"))
	default:
		s.log.ErrorContext(c.Request.Context(), "availability call", "call_sid", c.PostForm("CallSid"), "err", err)
	}
	s.writeVoice(c, s.callSay(bot.DefaultLanguage, false, flows.M("call.goodbye")))
	return true
}

// stepURL is the action URL of a step of the call.
func (s *Server) stepURL(c *gin.Context, step string, try int, extra string) string {
	u := fmt.Sprintf("%s/twilio/availability/answer?offer=%s&call=%s&step=%s&try=%d", s.cfg.PublicURL,
		c.Query("offer"), c.Query("call"), step, try)
	if extra != "" {
		u += "&" + extra
	}
	return u
}

// callGather asks msgs in lang and sends the keys pressed to action.
func (s *Server) callGather(lang, action string, digits int, lead []flows.Msg, msgs []flows.Msg, window *bot.CallbackOffer) *twiml.VoiceGather {
	g := &twiml.VoiceGather{Input: "dtmf", Action: action, Method: http.MethodPost, Timeout: "8", ActionOnEmptyResult: "true"}
	if digits > 0 {
		g.NumDigits = strconv.Itoa(digits)
	} else {
		g.FinishOnKey = "#"
	}
	all := append(append([]flows.Msg(nil), lead...), msgs...)
	g.InnerElements = s.callSpeech(lang, all, window)
	return g
}

// windowQuestion asks whether the contact can take the call in o's
// window (1 yes, 2 no, 0 a person).
func (s *Server) windowQuestion(c *gin.Context, o bot.CallbackOffer, try int, lead []flows.Msg) *twiml.VoiceGather {
	msgs := []flows.Msg{windowMsg(s.cfg.Calls.Catalog(), o), flows.M("call.ask")}
	if try == 1 {
		msgs = append([]flows.Msg{flows.M("call.intro")}, msgs...)
	}
	return s.callGather(o.Language, s.stepURL(c, "window", try, ""), 1, lead, msgs, &o)
}

// windowMsg names o's window as a call says it: the weekday, the date
// with the month in words, the start and end in the contact's zone.
func windowMsg(cat *bot.Catalog, o bot.CallbackOffer) flows.Msg {
	zone, err := time.LoadLocation(o.Zone)
	if err != nil {
		zone = time.UTC
	}
	start, end := o.Start.In(zone), o.End.In(zone)
	return flows.M("call.window", "Day", flows.M(weekdayID(start.Weekday())), "Date", flows.DateOf(start),
		"Start", cat.FormatTime(o.Language, start), "End", cat.FormatTime(o.Language, end))
}

func weekdayID(d time.Weekday) string {
	return "weekday." + []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[d]
}

// handleAvailabilityAnswer takes the keys pressed at a step of the call:
// window (1 yes, 2 no, 0 a person), then after a no the better time of
// day (1 mornings, 2 afternoons, 3 any) and weekdays (1-5, 6 any).
func (s *Server) handleAvailabilityAnswer(c *gin.Context) {
	offerID, callID, ok := callParams(c)
	try, err := strconv.Atoi(c.Query("try"))
	if !ok || s.cfg.Calls == nil || err != nil || try < 1 || try > maxCallTries {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	ctx := c.Request.Context()
	o, err := s.cfg.Calls.Offer(ctx, offerID, callID)
	if s.callFailed(c, err) {
		return
	}
	lang, keys := o.Language, c.PostForm("Digits")
	if keys == "0" {
		s.writeVoice(c, append(s.callSay(lang, true, flows.M("voice.transferring")), &twiml.VoiceDial{Number: s.cfg.Engine.ContactCenter()}))
		return
	}
	// again asks the step's question once more after a wrong key, or says
	// goodbye after the last try.
	again := func(ask func(lead []flows.Msg) twiml.Element) {
		if try >= maxCallTries {
			s.writeVoice(c, s.callSay(lang, false, flows.M("call.goodbye")))
			return
		}
		lead := flows.M("call.not_understood")
		if keys == "" {
			lead = flows.M("voice.no_input")
		}
		s.writeVoice(c, []twiml.Element{ask([]flows.Msg{lead})})
	}
	askTime := func(try int, lead []flows.Msg) twiml.Element {
		return s.callGather(lang, s.stepURL(c, "time", try, ""), 1, lead, []flows.Msg{flows.M("call.ask_time")}, nil)
	}
	switch step := c.Query("step"); step {
	case "window":
		if keys != "1" && keys != "2" {
			again(func(lead []flows.Msg) twiml.Element { return s.windowQuestion(c, o, try+1, lead) })
			return
		}
		o, err := s.cfg.Calls.Answer(ctx, offerID, callID, keys == "1")
		if s.callFailed(c, err) {
			return
		}
		switch o.Status {
		case bot.OfferConfirmed:
			s.writeVoice(c, s.callSay(lang, false, flows.M("call.confirmed")))
		case bot.OfferDeclined:
			s.writeVoice(c, []twiml.Element{askTime(1, nil)})
		default:
			s.writeVoice(c, s.callSay(lang, false, flows.M("call.passed")))
		}
	case "time":
		tod := map[string]flows.TimeOfDay{"1": flows.Morning, "2": flows.Afternoon, "3": flows.AnyTime}[keys]
		if tod == "" {
			again(func(lead []flows.Msg) twiml.Element { return askTime(try+1, lead) })
			return
		}
		if err := s.cfg.Calls.BetterTimes(ctx, offerID, callID, tod, nil); s.callFailed(c, err) {
			return
		}
		s.writeVoice(c, []twiml.Element{s.callGather(lang, s.stepURL(c, "days", 1, "time="+string(tod)), 0, nil,
			[]flows.Msg{flows.M("call.ask_days")}, nil)})
	case "days":
		tod := flows.TimeOfDay(c.Query("time"))
		days, ok := keyedDays(keys)
		if tod != flows.Morning && tod != flows.Afternoon && tod != flows.AnyTime {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		if !ok {
			again(func(lead []flows.Msg) twiml.Element {
				return s.callGather(lang, s.stepURL(c, "days", try+1, "time="+string(tod)), 0, lead, []flows.Msg{flows.M("call.ask_days")}, nil)
			})
			return
		}
		if err := s.cfg.Calls.BetterTimes(ctx, offerID, callID, tod, days); s.callFailed(c, err) {
			return
		}
		s.writeVoice(c, s.callSay(lang, false, flows.M("call.saved")))
	default:
		c.AbortWithStatus(http.StatusBadRequest)
	}
}

// keyedDays reads weekdays keyed 1 (Monday) to 5 (Friday), several at
// once, or 6 for any; nil means any.
func keyedDays(keys string) ([]flows.Weekday, bool) {
	if keys == "6" {
		return nil, true
	}
	if keys == "" || len(keys) > 5 || strings.Trim(keys, "12345") != "" {
		return nil, false
	}
	var days []flows.Weekday
	for i, d := range flows.Weekdays() {
		if strings.ContainsRune(keys, rune('1'+i)) {
			days = append(days, d)
		}
	}
	if len(days) == len(flows.Weekdays()) {
		return nil, true
	}
	return days, true
}

// callSay says msgs in lang and ends the call, unless keepOn.
func (s *Server) callSay(lang string, keepOn bool, msgs ...flows.Msg) []twiml.Element {
	verbs := s.callSpeech(lang, msgs, nil)
	if !keepOn {
		verbs = append(verbs, &twiml.VoiceHangup{})
	}
	return verbs
}

// callSpeech says msgs in lang: with Twilio's voice, or, in a language
// Twilio cannot speak, as recordings, the window (when window is set and
// msgs name it) composed of recorded clips.
func (s *Server) callSpeech(lang string, msgs []flows.Msg, window *bot.CallbackOffer) []twiml.Element {
	sp := speech{e: s.cfg.Engine, cannotText: true}
	text := sp.text(lang, msgs)
	if speakerFor(lang).Voice != "" {
		return []twiml.Element{s.say(lang, text)}
	}
	var parts []string
	for _, m := range msgs {
		if m.ID == "call.window" && window != nil {
			clips, ok := s.windowClips(lang, *window)
			if !ok {
				return []twiml.Element{s.say(lang, text)}
			}
			parts = append(parts, clips...)
			continue
		}
		parts = append(parts, sp.text(lang, []flows.Msg{m}))
	}
	if plays, ok := s.plays(lang, parts); ok {
		return plays
	}
	return []twiml.Element{s.say(lang, text)}
}

// windowClips composes o's window of recorded prompts and clips, in a
// language Twilio cannot speak: "an officer can call you on" Monday 30
// November "between" 9 "and" 11.
func (s *Server) windowClips(lang string, o bot.CallbackOffer) ([]string, bool) {
	cat := s.cfg.Engine.Catalog()
	zone, err := time.LoadLocation(o.Zone)
	if err != nil {
		zone = time.UTC
	}
	start, end := o.Start.In(zone), o.End.In(zone)
	names := []string{"weekday." + strconv.Itoa(int(start.Weekday())), "number." + strconv.Itoa(start.Day()),
		"month." + strconv.Itoa(int(start.Month()))}
	clock := func(t time.Time) []string {
		out := []string{hourClip(t.Hour())}
		switch m := t.Minute(); {
		case m == 0:
		case m <= 31:
			out = append(out, "number."+strconv.Itoa(m))
		default:
			out = append(out, "digit."+strconv.Itoa(m/10), "digit."+strconv.Itoa(m%10))
		}
		return out
	}
	sp := speech{e: s.cfg.Engine, cannotText: true}
	texts := []string{sp.text(lang, []flows.Msg{flows.M("call.window_on")})}
	add := func(names []string) bool {
		for _, n := range names {
			t, ok := cat.ClipText(lang, n)
			if !ok {
				return false
			}
			texts = append(texts, t)
		}
		return true
	}
	if !add(names) {
		return nil, false
	}
	texts = append(texts, sp.text(lang, []flows.Msg{flows.M("call.window_between")}))
	if !add(clock(start)) {
		return nil, false
	}
	texts = append(texts, sp.text(lang, []flows.Msg{flows.M("call.window_and")}))
	if !add(clock(end)) {
		return nil, false
	}
	return texts, true
}

func hourClip(h int) string {
	if h == 0 {
		return "digit.0"
	}
	return "number." + strconv.Itoa(h)
}
