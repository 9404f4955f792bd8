package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/twiml"

	"infopass/bot"
	"infopass/flows"
)

var callSid = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// handleVoice answers an incoming call (Twilio's voice webhook).
func (s *Server) handleVoice(c *gin.Context) {
	sid := c.PostForm("CallSid")
	if !callSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	level := attestation(c.PostForm("StirVerstat"))
	s.cfg.Metrics.call(level)
	s.voiceTurn(c, bot.Inbound{Channel: bot.Voice, From: c.PostForm("From"), CallStart: true, ProviderID: sid + ":start",
		Call: sid, Attested: level == "A", Attestation: level})
}

// attestation reads Twilio's StirVerstat: the STIR/SHAKEN verification of
// the caller ID of a call that came in. Only "A" (TN-Validation-Passed-A)
// means the carrier vouches that the caller owns the number.
func attestation(v string) string {
	switch v {
	case "TN-Validation-Passed-A":
		return "A"
	case "TN-Validation-Passed-B":
		return "B"
	case "TN-Validation-Passed-C":
		return "C"
	case "No-TN-Validation":
		return "none"
	case "":
		return "absent"
	}
	if strings.HasPrefix(v, "TN-Validation-Failed") {
		return "failed"
	}
	return "unknown"
}

func attestationLevels() []string {
	return []string{"A", "B", "C", "failed", "none", "absent", "unknown"}
}

// attestedParam marks the URLs the TwiML of an attested call gives Twilio
// for its next turns, which carry no attestation of their own. Twilio
// signs each request with the URL it was given, so nobody can add it.
const attestedParam = "caller=attested"

// handleVoiceTurn takes the caller's answer to a <Gather>: the keys pressed
// (Digits) or the words said (SpeechResult), either possibly empty.
func (s *Server) handleVoiceTurn(c *gin.Context) {
	sid := c.PostForm("CallSid")
	seq, err := strconv.Atoi(c.Query("seq"))
	if !callSid.MatchString(sid) || err != nil || seq < 0 {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	s.voiceTurn(c, bot.Inbound{
		Channel: bot.Voice, From: c.PostForm("From"), Keys: c.PostForm("Digits"), Text: c.PostForm("SpeechResult"),
		ToSMS: c.Query("sms") == "1", ProviderID: sid + ":" + strconv.Itoa(seq),
		Call: sid, Attested: c.Query("caller") == "attested",
	})
}

// handleVoiceFiled takes the key a caller pressed after their call filed a
// request: 1 texts them its reference and what to bring.
func (s *Server) handleVoiceFiled(c *gin.Context) {
	sid := c.PostForm("CallSid")
	if !callSid.MatchString(sid) {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	in := bot.Inbound{Channel: bot.Voice, From: c.PostForm("From"), Keys: c.PostForm("Digits"),
		Call: sid, Attested: c.Query("caller") == "attested"}
	ctx, cancel := context.WithTimeout(c.Request.Context(), turnDeadline)
	defer cancel()
	_, out, err := s.cfg.Engine.TextFiling(ctx, in, c.Query("ref"), voiceRenderer{s: s, attested: in.Attested})
	if err != nil {
		// Nothing is lost: the request is filed; the caller hears goodbye.
		s.log.WarnContext(ctx, "filing follow-up", "call_sid", sid, "err", err)
		s.writeVoice(c, []twiml.Element{&twiml.VoiceHangup{}})
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", out.Document)
}

// handleVoiceFallback is Twilio's fallback URL: when the service failed,
// the caller hears an apology and is connected to the Contact Center.
func (s *Server) handleVoiceFallback(c *gin.Context) {
	s.writeVoice(c, s.apology())
}

// withheldNumber is the From Twilio gives a call whose caller ID is
// withheld.
const withheldNumber = "+266696687"

func (s *Server) voiceTurn(c *gin.Context, in bot.Inbound) {
	ctx := c.Request.Context()
	if in.From == withheldNumber {
		// No number, no conversation to keep: a person takes the call.
		s.writeVoice(c, s.apology())
		return
	}
	reply, out, err := s.handle(ctx, in, voiceRenderer{s: s, attested: in.Attested})
	s.cfg.Metrics.turn(bot.Voice, reply, err)
	switch {
	case errors.Is(err, bot.ErrBadInbound):
		// A withheld number, or input no phone sends: no conversation can
		// be kept, so the caller goes to a person.
		s.log.WarnContext(ctx, "bad inbound call turn", "provider_id", in.ProviderID, "err", err)
		s.writeVoice(c, s.apology())
		return
	case err != nil:
		s.log.ErrorContext(ctx, "call turn failed", "provider_id", in.ProviderID, "err", err)
		s.retryOrTransfer(c, in)
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", out.Document)
}

// handleVoiceRetry asks the question again after a turn that could not be
// saved (the answer was lost with it); a second failure transfers the call.
func (s *Server) handleVoiceRetry(c *gin.Context) {
	sid := c.PostForm("CallSid")
	n, err := strconv.Atoi(c.Query("n"))
	if !callSid.MatchString(sid) || err != nil || n < 1 {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	s.voiceTurn(c, bot.Inbound{Channel: bot.Voice, From: c.PostForm("From"), Repeat: true, Retries: n,
		Call: sid, Attested: c.Query("caller") == "attested"})
}

// retryOrTransfer answers a turn that failed (the database is down or
// slow): a short apology and, once, a redirect that asks again; after that,
// the Contact Center.
func (s *Server) retryOrTransfer(c *gin.Context, in bot.Inbound) {
	if in.Retries >= 1 {
		s.writeVoice(c, s.apology())
		return
	}
	lang := s.cfg.Engine.LanguageOf(in)
	text := speech{e: s.cfg.Engine}.text(lang, []flows.Msg{flows.M("voice.retry")})
	retry := s.cfg.PublicURL + "/twilio/voice/retry?n=1"
	if in.Attested {
		retry += "&" + attestedParam
	}
	s.writeVoice(c, []twiml.Element{
		s.say(lang, text),
		&twiml.VoicePause{Length: "2"},
		&twiml.VoiceRedirect{Url: retry, Method: http.MethodPost},
	})
}

// apology is what a caller hears when the service cannot take the call:
// an apology and the transfer, said in English and Spanish.
func (s *Server) apology() []twiml.Element {
	var verbs []twiml.Element
	for _, lang := range []string{bot.DefaultLanguage, "es"} {
		if s.cfg.Engine.Catalog().Has(lang) {
			text := speech{e: s.cfg.Engine}.text(lang, []flows.Msg{flows.M("voice.sorry"), flows.M("voice.transferring")})
			verbs = append(verbs, s.say(lang, text))
		}
	}
	return append(verbs, &twiml.VoiceDial{Number: s.cfg.Engine.ContactCenter()})
}

// say speaks text in lang.
func (s *Server) say(lang, text string) twiml.Element {
	sp := speakerFor(lang)
	if sp.Voice == "" {
		sp = speakerFor(bot.DefaultLanguage)
	}
	return &twiml.VoiceSay{Message: text, Voice: sp.Voice, Language: sp.SayLanguage}
}

// voiceRenderer renders replies as the TwiML of a call; attested: the
// carrier vouches for its caller ID.
type voiceRenderer struct {
	s        *Server
	attested bool
}

// spoken is a reply as a call says it.
type spoken struct {
	bot.Reply
	Text  string   // all of it
	Parts []string // message by message
	// Audio are the recordings that say it all, where it is played from
	// recordings; nil when some part of it has none.
	Audio  []string
	Menu   []menuOption
	Hints  []string
	Offer  string // "press 1 to go on by text", where a prompt cannot be played in the language
	Byebye string // said before hanging up when nobody pressed 0
	// attested: the call's next turns say so in their URLs.
	attested bool
}

// recorded is what plays the reply from recordings: Audio, or the parts.
func (r spoken) recorded() []string {
	if r.Audio != nil {
		return r.Audio
	}
	return r.Parts
}

// menuOption is one line of the spoken language menu, in its own language.
type menuOption struct{ Language, Text string }

// Render says the reply's messages in their spoken versions (the language
// menu with each option in its own language), and lays out the call:
// connected to a person, hung up, or a <Gather> of the answer expected.
func (v voiceRenderer) Render(r bot.Reply) (bot.Rendered, error) {
	s := v.s
	sp := speech{e: s.cfg.Engine, cannotText: !r.CanText}
	c := s.cfg.Engine.Catalog()
	out := spoken{Reply: r, attested: v.attested}
	var msgs []flows.Msg
	for _, m := range r.Say {
		if m.ID == "done.submitted" && r.Intent == bot.EndOfferText {
			m.ID = "voice.submitted_offer" // and press 1 for it by text
		}
		if m.ID == "ask.language" {
			msgs = append(msgs, flows.M("voice.welcome"), flows.M("voice.agent_hint"))
			for i, o := range c.Languages() {
				out.Menu = append(out.Menu, menuOption{o.Tag, c.Text(o.Tag, flows.M("voice.menu_option", "N", i+1))})
			}
			continue
		}
		msgs = append(msgs, m)
	}
	if r.Intent == bot.EndOfferPerson {
		msgs = append(msgs, flows.M("voice.call_us_now"))
	}
	if r.Intent == bot.EndOfferPerson || r.Intent == bot.EndOfferText {
		out.Byebye = sp.text(r.Language, []flows.Msg{flows.M("voice.goodbye")})
	}
	out.Text = sp.text(r.Language, msgs)
	for _, m := range msgs {
		out.Parts = append(out.Parts, sp.text(r.Language, []flows.Msg{m}))
	}
	if speakerFor(r.Language).Voice == "" {
		// Played from recordings: each message, or its fixed parts
		// around the clips of the caller's data.
		for _, m := range msgs {
			a, ok := composer{sp}.audio(r.Language, m)
			if !ok {
				out.Audio = nil
				break
			}
			out.Audio = append(out.Audio, a...)
		}
	}
	out.Offer = sp.text(r.Language, []flows.Msg{flows.M("voice.sms_offer")})
	if !r.CanText {
		out.Offer = sp.text(r.Language, []flows.Msg{flows.M("voice.person_offer")})
	}
	out.Hints = sp.hints(r)
	doc, err := twiml.Voice(s.voiceVerbs(out))
	if err != nil {
		return bot.Rendered{}, fmt.Errorf("render voice twiml: %w", err)
	}
	return bot.Rendered{Document: []byte(doc), Transcript: out.Text}, nil
}

// voiceVerbs lays out a spoken reply as the verbs of a call.
func (s *Server) voiceVerbs(r spoken) []twiml.Element {
	switch r.Intent {
	case bot.ConnectPerson:
		return append(s.speak(r.Language, r.Text, r.recorded()), &twiml.VoiceDial{Number: s.cfg.Engine.ContactCenter()})
	case bot.EndOfferPerson, bot.EndOfferText:
		g := s.gather(r, flows.Expect{Kind: flows.ExpectChoice, Choices: 1})
		g.ActionOnEmptyResult = "" // silence falls through to the goodbye
		if r.Intent == bot.EndOfferText {
			// The key goes to the filing's follow-up, not to a turn of
			// the conversation, which has ended.
			g.Action = s.cfg.PublicURL + "/twilio/voice/filed?ref=" + url.QueryEscape(r.Reference)
			if r.attested {
				g.Action += "&" + attestedParam
			}
		}
		return append([]twiml.Element{g}, append(s.speak(r.Language, r.Byebye, []string{r.Byebye}), &twiml.VoiceHangup{})...)
	case bot.End, bot.ContinueByText:
		return append(s.speak(r.Language, r.Text, r.recorded()), &twiml.VoiceHangup{})
	}
	return []twiml.Element{s.gather(r, r.Expect)}
}

// speak says text in lang, or plays the recordings of its parts where
// Twilio cannot speak lang (falling back to the English voice).
func (s *Server) speak(lang, text string, parts []string) []twiml.Element {
	if text == "" {
		return nil
	}
	if speakerFor(lang).Voice == "" {
		if plays, ok := s.plays(lang, parts); ok {
			return plays
		}
	}
	return []twiml.Element{s.say(lang, text)}
}

// gather asks r.Text and waits for keys or speech, posting the answer (or
// its absence) to the turn route. Where Twilio cannot speak the language
// and a prompt has no recording, the caller is offered to go on by text.
func (s *Server) gather(r spoken, e flows.Expect) *twiml.VoiceGather {
	sp := speakerFor(r.Language)
	g := &twiml.VoiceGather{
		Input:               "dtmf",
		Action:              s.cfg.PublicURL + "/twilio/voice/turn?seq=" + strconv.Itoa(r.Seq),
		Method:              http.MethodPost,
		Timeout:             "6",
		FinishOnKey:         "#",
		ActionOnEmptyResult: "true",
	}
	if r.attested {
		g.Action += "&" + attestedParam
	}
	if sp.Speech != "" {
		g.Input, g.Language, g.SpeechTimeout, g.BargeIn = "dtmf speech", sp.Speech, "auto", "true"
		g.Hints = strings.Join(r.Hints, ", ")
	}
	switch {
	case e.Kind == flows.ExpectDigits && e.Digits > 0:
		g.NumDigits = strconv.Itoa(e.Digits)
	case e.Kind == flows.ExpectYesNo, e.Kind == flows.ExpectChoice && e.Choices <= 9:
		g.NumDigits = "1"
	case e.Kind == flows.ExpectDate:
		g.NumDigits = "8"
	}
	if sp.Voice == "" && r.Text != "" {
		plays, ok := s.plays(r.Language, r.recorded())
		if !ok {
			// The prompt cannot be played: offer to go on by text, or, to
			// a caller who may not be texted, a person (press 0).
			plays, ok = s.plays(r.Language, []string{r.Offer})
			if r.CanText {
				g.Action += "&sms=1"
			}
			g.NumDigits = "1"
		}
		if ok {
			g.InnerElements = append(g.InnerElements, plays...)
		} else {
			g.InnerElements = append(g.InnerElements, s.say(r.Language, r.Offer))
		}
	} else if r.Text != "" {
		g.InnerElements = append(g.InnerElements, s.say(r.Language, r.Text))
	}
	for _, o := range r.Menu {
		g.InnerElements = append(g.InnerElements, s.speak(o.Language, o.Text, []string{o.Text})...)
	}
	return g
}

// writeVoice answers with a voice TwiML document.
func (s *Server) writeVoice(c *gin.Context, verbs []twiml.Element) {
	doc, err := twiml.Voice(verbs)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render twiml", "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(doc))
}
