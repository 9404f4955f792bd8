package console

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"infopass/bot"
)

// relyingParty is who passkeys are made for: PUBLIC_URL's host. Browsers
// refuse an IP address as relying party id, so a loopback PUBLIC_URL
// (a local try) makes passkeys for localhost, at the same port.
type relyingParty struct {
	web       *webauthn.WebAuthn // nil: PUBLIC_URL cannot have passkeys
	altOrigin string             // http://localhost:PORT for a loopback PUBLIC_URL
	err       error
}

func newRelyingParty(publicURL string) relyingParty {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return relyingParty{err: errors.New("PUBLIC_URL is not an absolute URL")}
	}
	var rp relyingParty
	id, origins := u.Hostname(), []string{u.Scheme + "://" + u.Host}
	if ip := net.ParseIP(id); ip != nil && ip.IsLoopback() {
		id = "localhost"
		rp.altOrigin = "http://localhost"
		if u.Port() != "" {
			rp.altOrigin += ":" + u.Port()
		}
		origins = append(origins, rp.altOrigin)
	}
	rp.web, rp.err = webauthn.New(&webauthn.Config{RPID: id, RPDisplayName: "Infopass staff console", RPOrigins: origins})
	return rp
}

// webUser is an officer as go-webauthn sees them. The user handle is the
// officer's id.
type webUser struct {
	o     bot.Officer
	creds []webauthn.Credential
	keys  []bot.Passkey
}

func (u *webUser) WebAuthnID() []byte                         { return []byte(strconv.FormatInt(u.o.ID, 10)) }
func (u *webUser) WebAuthnName() string                       { return u.o.Email }
func (u *webUser) WebAuthnDisplayName() string                { return u.o.Name }
func (u *webUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// user loads an officer's passkeys for go-webauthn.
func (c *console) user(g *gin.Context, o bot.Officer) (*webUser, error) {
	keys, err := c.cfg.Officers.Store().Passkeys(g.Request.Context(), o.ID)
	if err != nil {
		return nil, err
	}
	u := &webUser{o: o, keys: keys}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Credential, &cred); err != nil {
			return nil, err
		}
		u.creds = append(u.creds, cred)
	}
	return u, nil
}

// jsonError answers a passkey call: the script shows msg.
func jsonError(g *gin.Context, status int, msg string) {
	g.JSON(status, gin.H{"error": msg})
}

func (c *console) passkeysOff(g *gin.Context) bool {
	if c.rp.web == nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkeys are off", "err", c.rp.err)
		jsonError(g, http.StatusServiceUnavailable, "Passkeys are not available on this service.")
		return true
	}
	return false
}

// handlePasskeyBegin: POST /staff/passkey/begin (next) starts a passkey
// sign-in: the browser lets the officer pick any passkey of this console.
func (c *console) handlePasskeyBegin(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	var body struct {
		Next string `json:"next"`
	}
	_ = json.NewDecoder(g.Request.Body).Decode(&body)
	opts, sess, err := c.rp.web.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkey begin", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not start the sign-in. Try again.")
		return
	}
	raw, _ := json.Marshal(sess)
	if err := c.setCeremony(g.Request.Context(), g.Writer, ceremony{Kind: "passkey", WebAuthn: raw, Next: localPath(body.Next)}); err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkey begin", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not start the sign-in. Try again.")
		return
	}
	g.JSON(http.StatusOK, opts)
}

// credentialID reads the id of the credential in a WebAuthn answer, to
// count the attempt at its account before the answer is checked.
func credentialID(body []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.ID) > 1400 {
		return ""
	}
	return v.ID
}

// handlePasskeyFinish: POST /staff/passkey/finish (the assertion as
// JSON). The attempt is counted, per address and per passkey, before the
// assertion is checked.
func (c *console) handlePasskeyFinish(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	ctx := g.Request.Context()
	body, err := readBody(g)
	if err != nil {
		jsonError(g, http.StatusBadRequest, "The passkey's answer could not be read.")
		return
	}
	credID := credentialID(body)
	attempt, wait := c.cfg.Lockout.Begin(c.cfg.Now(), g.ClientIP(), credID)
	if wait > 0 {
		c.lockedOut(g, wait)
		jsonError(g, http.StatusTooManyRequests, "Too many failed sign-ins. Wait a minute and try again.")
		return
	}
	cer, ok := c.takeCeremony(g.Writer, g.Request, "passkey")
	if !ok {
		jsonError(g, http.StatusBadRequest, "The sign-in took too long or was not started here. Try again.")
		return
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal(cer.WebAuthn, &sess); err != nil {
		jsonError(g, http.StatusBadRequest, "The sign-in took too long or was not started here. Try again.")
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(body))
	if err != nil {
		c.log.InfoContext(ctx, "console: passkey sign-in refused", "why", "unreadable assertion")
		jsonError(g, http.StatusBadRequest, "The passkey's answer could not be read.")
		return
	}
	var user *webUser
	var key bot.Passkey
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		k, err := c.cfg.Officers.Store().PasskeyByCredential(ctx, base64.RawURLEncoding.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		o, err := c.cfg.Officers.Store().OfficerByID(ctx, k.OfficerID)
		if err != nil {
			return nil, err
		}
		if user, err = c.user(g, o); err != nil {
			return nil, err
		}
		key = k
		return user, nil
	}
	cred, err := c.rp.web.ValidateDiscoverableLogin(handler, sess, parsed)
	if err != nil || user == nil {
		c.log.InfoContext(ctx, "console: passkey sign-in refused", "why", errorKind(err))
		jsonError(g, http.StatusUnauthorized, "That passkey is not one of this console's officers.")
		return
	}
	if cred.Authenticator.CloneWarning {
		// The signature counter went backwards: two copies of the key.
		c.log.WarnContext(ctx, "console: passkey sign-in refused", "why", "the passkey's counter went backwards: it may be cloned", "officer", user.o.ID)
		jsonError(g, http.StatusUnauthorized, "That passkey cannot be used. Ask a supervisor for a new enrollment link.")
		return
	}
	if fresh, err := c.spend(ctx, "webauthn", sess.Challenge); err != nil || !fresh {
		c.log.InfoContext(ctx, "console: passkey sign-in refused", "why", "challenge used before", "err", err)
		jsonError(g, http.StatusUnauthorized, "That sign-in was used before. Try again.")
		return
	}
	if user.o.DisabledAt != nil {
		c.log.InfoContext(ctx, "console: passkey sign-in refused", "why", "officer disabled", "officer", user.o.ID)
		jsonError(g, http.StatusForbidden, "Your access to the console was ended. Ask a supervisor.")
		return
	}
	raw, _ := json.Marshal(cred)
	if err := c.cfg.Officers.Store().PasskeyUsed(ctx, key.ID, raw, c.cfg.Now()); err != nil {
		c.log.ErrorContext(ctx, "console: passkey sign-in", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not sign you in just now. Try again.")
		return
	}
	attempt.Succeeded()
	c.signInDone(g, user.o, "passkey", cer.Next)
}

// errorKind names a WebAuthn error for the log without its details.
func errorKind(err error) string {
	var perr *protocol.Error
	switch {
	case err == nil:
		return "no officer"
	case errors.Is(err, bot.ErrNotFound):
		return "unknown passkey"
	case errors.As(err, &perr):
		return perr.Type
	}
	return "invalid"
}

// signInDone starts the session of o and answers the script with where to
// go.
func (c *console) signInDone(g *gin.Context, o bot.Officer, how, next string) {
	who, err := c.startSession(g.Request.Context(), g.Writer, o)
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: sign in", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not sign you in just now. Try again.")
		return
	}
	c.log.InfoContext(g.Request.Context(), "console: signed in", "officer", o.ID, "how", how, "session", who.Session)
	g.JSON(http.StatusOK, gin.H{"next": localPath(next)})
}

func readBody(g *gin.Context) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(g.Request.Body)
	return buf.Bytes(), err
}

type enrollPage struct {
	Name, Email, Token string
	Invalid            bool
}

func (p enrollPage) pageTitle() string { return "Create your passkey" }

// handleEnrollPage: GET /staff/enroll?t=TOKEN, the page of a one-time
// enrollment link.
func (c *console) handleEnrollPage(g *gin.Context) {
	token := g.Query("t")
	o, err := c.cfg.Officers.Store().Invite(g.Request.Context(), bot.HashToken(token), c.cfg.Now())
	switch {
	case errors.Is(err, bot.ErrInviteInvalid):
		c.render(g, http.StatusGone, "enroll", enrollPage{Invalid: true})
		return
	case err != nil:
		c.fail(g, err)
		return
	}
	c.render(g, http.StatusOK, "enroll", enrollPage{Name: o.Name, Email: o.Email, Token: token})
}

// handleEnrollBegin: POST /staff/enroll/begin?t=TOKEN starts making a
// passkey for the officer a live link is for.
func (c *console) handleEnrollBegin(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	o, err := c.cfg.Officers.Store().Invite(g.Request.Context(), bot.HashToken(g.Query("t")), c.cfg.Now())
	switch {
	case errors.Is(err, bot.ErrInviteInvalid):
		jsonError(g, http.StatusGone, "This enrollment link was used or has expired. Ask a supervisor for a new one.")
		return
	case err != nil:
		c.log.ErrorContext(g.Request.Context(), "console: enroll begin", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not start. Try again.")
		return
	}
	c.beginRegistration(g, o, "enroll")
}

// beginRegistration asks the browser to make a passkey for o.
func (c *console) beginRegistration(g *gin.Context, o bot.Officer, kind string) {
	u, err := c.user(g, o)
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkey registration", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not start. Try again.")
		return
	}
	opts, sess, err := c.rp.web.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err == nil {
		raw, _ := json.Marshal(sess)
		err = c.setCeremony(g.Request.Context(), g.Writer, ceremony{Kind: kind, WebAuthn: raw})
	}
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkey registration", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not start. Try again.")
		return
	}
	g.JSON(http.StatusOK, opts)
}

// finishRegistration checks the browser's new passkey for o and returns
// it, ready to store; it has answered the script when it returns nil.
func (c *console) finishRegistration(g *gin.Context, o bot.Officer, kind string) *bot.Passkey {
	cer, ok := c.takeCeremony(g.Writer, g.Request, kind)
	var sess webauthn.SessionData
	if !ok || json.Unmarshal(cer.WebAuthn, &sess) != nil {
		jsonError(g, http.StatusBadRequest, "Making the passkey took too long or was not started here. Try again.")
		return nil
	}
	u, err := c.user(g, o)
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: passkey registration", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not save the passkey. Try again.")
		return nil
	}
	cred, err := c.rp.web.FinishRegistration(u, sess, g.Request)
	if err != nil {
		c.log.InfoContext(g.Request.Context(), "console: passkey refused", "why", errorKind(err))
		jsonError(g, http.StatusBadRequest, "The browser's passkey could not be accepted.")
		return nil
	}
	if fresh, err := c.spend(g.Request.Context(), "webauthn", sess.Challenge); err != nil || !fresh {
		jsonError(g, http.StatusBadRequest, "That passkey was made before. Try again.")
		return nil
	}
	raw, _ := json.Marshal(cred)
	label := "Passkey made " + c.cfg.Now().In(c.cfg.Zone).Format(bot.StaffTime)
	if ua := g.Request.UserAgent(); ua != "" {
		label += " in " + browserName(ua)
	}
	return &bot.Passkey{OfficerID: o.ID, CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Credential: raw,
		Label: label, CreatedAt: c.cfg.Now()}
}

// browserName is a short name of the browser of a User-Agent, to tell
// passkeys apart.
func browserName(ua string) string {
	// Edge's User-Agent names Chrome and Safari too, and Chrome's Safari:
	// the first match wins.
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	return "a browser"
}

// handleEnrollFinish: POST /staff/enroll/finish?t=TOKEN (the new
// credential as JSON) stores the passkey and spends the link at once, then
// signs the officer in.
func (c *console) handleEnrollFinish(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	hash := bot.HashToken(g.Query("t"))
	o, err := c.cfg.Officers.Store().Invite(g.Request.Context(), hash, c.cfg.Now())
	if err != nil {
		jsonError(g, http.StatusGone, "This enrollment link was used or has expired. Ask a supervisor for a new one.")
		return
	}
	p := c.finishRegistration(g, o, "enroll")
	if p == nil {
		return
	}
	o, err = c.cfg.Officers.Store().Enroll(g.Request.Context(), hash, p, c.cfg.Now())
	switch {
	case errors.Is(err, bot.ErrInviteInvalid):
		jsonError(g, http.StatusGone, "This enrollment link was used or has expired. Ask a supervisor for a new one.")
		return
	case err != nil:
		c.log.ErrorContext(g.Request.Context(), "console: enroll", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not save the passkey. Try again.")
		return
	}
	c.signInDone(g, o, "enrollment", "/staff")
}

// handleAddPasskeyBegin: POST /staff/account/passkeys/begin, another
// passkey for the signed-in officer.
func (c *console) handleAddPasskeyBegin(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	o, _ := officer(g)
	c.beginRegistration(g, o, "add")
}

// handleAddPasskeyFinish: POST /staff/account/passkeys/finish.
func (c *console) handleAddPasskeyFinish(g *gin.Context) {
	if c.passkeysOff(g) {
		return
	}
	o, _ := officer(g)
	p := c.finishRegistration(g, o, "add")
	if p == nil {
		return
	}
	if err := c.cfg.Officers.Store().AddPasskey(g.Request.Context(), p); err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: add passkey", "err", err)
		jsonError(g, http.StatusInternalServerError, "The console could not save the passkey. Try again.")
		return
	}
	g.JSON(http.StatusOK, gin.H{"next": "/staff/account?done=added"})
}
