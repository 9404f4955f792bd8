package console

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"infopass/bot"
)

type signInPage struct {
	Next      string
	SignedOut bool
	OIDC      bool // single sign-on is on
}

// handleSignInPage: GET /staff/sign-in?next=
func (c *console) handleSignInPage(g *gin.Context) {
	if _, ok, _ := c.signedIn(g.Request); ok {
		g.Redirect(http.StatusSeeOther, localPath(g.Query("next")))
		return
	}
	c.render(g, http.StatusOK, "signin", signInPage{
		Next: localPath(g.Query("next")), SignedOut: g.Query("signed_out") != "", OIDC: c.oidc != nil,
	})
}

// handleSignOut: POST /staff/sign-out. The session ends for every copy of
// its cookie, not only this browser's.
func (c *console) handleSignOut(g *gin.Context) {
	c.endSession(g.Writer)
	if v, ok := c.readSession(g.Request); ok {
		if err := c.cfg.Staff.EndSession(g.Request.Context(), bot.Officer{Session: v.ID}, time.Unix(v.Expires, 0)); err != nil {
			c.fail(g, err)
			return
		}
		c.log.InfoContext(g.Request.Context(), "console: signed out", "officer", v.Officer, "session", v.ID)
	}
	g.Redirect(http.StatusSeeOther, "/staff/sign-in?signed_out=1")
}

// lockedOut counts and logs a sign-in refused by the lockout.
func (c *console) lockedOut(g *gin.Context, wait time.Duration) {
	if c.cfg.OnLockedOut != nil {
		c.cfg.OnLockedOut()
	}
	g.Header("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
}

type passkeyRow struct {
	ID            int64
	Label         string
	Created, Used string
	CanRemove     bool
}

type accountPage struct {
	Name, Email, Role string
	Passkeys          []passkeyRow
	Done              string
}

func (accountPage) pageTitle() string { return "Your account" }

// handleAccount: GET /staff/account, the officer's passkeys.
func (c *console) handleAccount(g *gin.Context) {
	o, _ := officer(g)
	keys, err := c.cfg.Officers.Store().Passkeys(g.Request.Context(), o.ID)
	if err != nil {
		c.fail(g, err)
		return
	}
	p := accountPage{Name: o.Name, Email: o.Email, Role: o.Role, Done: map[string]string{
		"added": "The passkey was added.", "removed": "The passkey was removed.",
	}[g.Query("done")]}
	for _, k := range keys {
		row := passkeyRow{ID: k.ID, Label: k.Label, Created: formatTime(k.CreatedAt, c.cfg.Zone), Used: "never", CanRemove: len(keys) > 1 || c.oidc != nil}
		if k.UsedAt != nil {
			row.Used = formatTime(*k.UsedAt, c.cfg.Zone)
		}
		p.Passkeys = append(p.Passkeys, row)
	}
	c.render(g, http.StatusOK, "account", p)
}

// handleRemovePasskey: POST /staff/account/passkeys/:id/remove. Without
// single sign-on an officer keeps their last passkey: a supervisor's new
// link is the way back in otherwise.
func (c *console) handleRemovePasskey(g *gin.Context) {
	o, _ := officer(g)
	id, err := strconv.ParseInt(g.Param("id"), 10, 64)
	if err != nil {
		c.fail(g, bot.ErrNotFound)
		return
	}
	keys, err := c.cfg.Officers.Store().Passkeys(g.Request.Context(), o.ID)
	if err != nil {
		c.fail(g, err)
		return
	}
	if len(keys) <= 1 && c.oidc == nil {
		c.render(g, http.StatusBadRequest, "error", errorPage{Heading: "This is your only passkey", Message: "Add another passkey before you remove this one."})
		return
	}
	if err := c.cfg.Officers.Store().RemovePasskey(g.Request.Context(), o.ID, id); err != nil {
		c.fail(g, err)
		return
	}
	g.Redirect(http.StatusSeeOther, "/staff/account?done=removed")
}

type officerRow struct {
	ID                int64
	Name, Email, Role string
	Invited, Disabled string
	Self              bool
}

type officersPage struct {
	Officers    []officerRow
	Name, Email string
	Supervisor  bool
	Errors      formErrors
	Link        string // the enrollment link just made
	LinkFor     string
	Done        string
	From, To    string // the export's default period
}

func (officersPage) pageTitle() string { return "Officers" }

// handleOfficers: GET /staff/officers, for supervisors.
func (c *console) handleOfficers(g *gin.Context) {
	c.showOfficers(g, http.StatusOK, officersPage{Done: map[string]string{"disabled": "The officer was disabled: their sessions end at their next page."}[g.Query("done")]})
}

func (c *console) showOfficers(g *gin.Context, status int, p officersPage) {
	list, err := c.cfg.Officers.List(g.Request.Context())
	if err != nil {
		c.fail(g, err)
		return
	}
	me, _ := officer(g)
	for _, o := range list {
		row := officerRow{ID: o.ID, Name: o.Name, Email: o.Email, Role: o.Role, Invited: formatTime(o.CreatedAt, c.cfg.Zone), Self: o.ID == me.ID}
		if o.DisabledAt != nil {
			row.Disabled = formatTime(*o.DisabledAt, c.cfg.Zone)
		}
		p.Officers = append(p.Officers, row)
	}
	today := c.cfg.Now().In(c.cfg.Zone)
	p.From, p.To = today.AddDate(0, 0, -30).Format(time.DateOnly), today.Format(time.DateOnly)
	c.render(g, status, "officers", p)
}

// handleInvite: POST /staff/officers (name, email, role) invites an
// officer and shows their one-time enrollment link, once.
func (c *console) handleInvite(g *gin.Context) {
	role := bot.RoleOfficer
	if g.PostForm("role") == bot.RoleSupervisor {
		role = bot.RoleSupervisor
	}
	p := officersPage{Name: g.PostForm("name"), Email: g.PostForm("email"), Supervisor: role == bot.RoleSupervisor}
	o, token, err := c.cfg.Officers.Invite(g.Request.Context(), p.Name, p.Email, role)
	var invalid bot.ValidationError
	switch {
	case errors.As(err, &invalid):
		p.Errors = formErrors{}
		for _, e := range invalid {
			p.Errors[e.Field] = sentence(e.Field, e.Message)
		}
		c.showOfficers(g, http.StatusBadRequest, p)
		return
	case err != nil:
		c.fail(g, err)
		return
	}
	me, _ := officer(g)
	c.log.InfoContext(g.Request.Context(), "console: officer invited", "officer", o.ID, "by", me.ID)
	c.showOfficers(g, http.StatusOK, officersPage{Link: EnrollURL(c.cfg.PublicURL, token), LinkFor: o.Name})
}

// EnrollURL is the enrollment link of token: at PUBLIC_URL, or at
// localhost for a loopback PUBLIC_URL, where passkeys are made.
func EnrollURL(publicURL, token string) string {
	base := publicURL
	if rp := newRelyingParty(publicURL); rp.altOrigin != "" {
		base = rp.altOrigin
	}
	return base + "/staff/enroll?t=" + token
}

// handleDisable: POST /staff/officers/:id/disable.
func (c *console) handleDisable(g *gin.Context) {
	id, err := strconv.ParseInt(g.Param("id"), 10, 64)
	if err != nil {
		c.fail(g, bot.ErrNotFound)
		return
	}
	o, err := c.cfg.Officers.Store().OfficerByID(g.Request.Context(), id)
	if err != nil {
		c.fail(g, err)
		return
	}
	if _, err := c.cfg.Officers.Disable(g.Request.Context(), o.Email); err != nil {
		c.fail(g, err)
		return
	}
	me, _ := officer(g)
	c.log.InfoContext(g.Request.Context(), "console: officer disabled", "officer", o.ID, "by", me.ID)
	g.Redirect(http.StatusSeeOther, "/staff/officers?done=disabled")
}

// handleExportAccess: GET /staff/access.csv?from=&to= (days, to included),
// the access log of the period as CSV; the export is itself recorded.
func (c *console) handleExportAccess(g *gin.Context) {
	from, err1 := time.ParseInLocation(time.DateOnly, g.Query("from"), c.cfg.Zone)
	to, err2 := time.ParseInLocation(time.DateOnly, g.Query("to"), c.cfg.Zone)
	if err1 != nil || err2 != nil {
		c.render(g, http.StatusBadRequest, "error", errorPage{Heading: "Choose the period", Message: "Enter the first and last day of the period to export."})
		return
	}
	log, err := c.cfg.Staff.ExportAccess(g.Request.Context(), from, to.AddDate(0, 0, 1))
	var invalid bot.ValidationError
	if errors.As(err, &invalid) {
		c.render(g, http.StatusBadRequest, "error", errorPage{Heading: "Choose the period", Message: sentence("period", "must end after it starts and last at most a year")})
		return
	}
	if err != nil {
		c.fail(g, err)
		return
	}
	g.Header("Content-Type", "text/csv; charset=utf-8")
	g.Header("Content-Disposition", `attachment; filename="infopass-access-`+g.Query("from")+`-to-`+g.Query("to")+`.csv"`)
	w := csv.NewWriter(g.Writer)
	_ = w.Write([]string{"at", "reference", "action", "officer_id", "officer", "api_client"})
	for _, a := range log {
		id := ""
		if a.Actor.Officer.ID != 0 {
			id = strconv.FormatInt(a.Actor.Officer.ID, 10)
		}
		_ = w.Write([]string{a.At.In(c.cfg.Zone).Format(time.RFC3339), a.Reference, a.Action, id, csvSafe(a.Actor.Officer.Name), csvSafe(a.Actor.Client)})
	}
	w.Flush()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
