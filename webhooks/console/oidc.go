package console

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"infopass/bot"
)

// OIDCConfig is the console's client at the agency's identity provider
// (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ALLOWED_GROUPS).
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// AllowedGroups, if any, admit only officers whose ID token's groups
	// claim names one of them.
	AllowedGroups []string
	// HTTPClient, if set, is what talks to the provider.
	HTTPClient *http.Client
}

// oidcClient signs officers in with the authorization code flow, PKCE,
// state and nonce; go-oidc checks the ID token. The provider's metadata
// is fetched at the first sign-in (and again after a failure), so the
// service starts while the provider is away.
type oidcClient struct {
	cfg      OIDCConfig
	redirect string

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg OIDCConfig, publicURL string) *oidcClient {
	return &oidcClient{cfg: cfg, redirect: publicURL + "/staff/oidc/callback"}
}

func (o *oidcClient) context(ctx context.Context) context.Context {
	if o.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, o.cfg.HTTPClient)
	}
	return ctx
}

// setup returns the OAuth 2.0 configuration and ID token verifier.
func (o *oidcClient) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(o.context(ctx), o.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("identity provider %s: %w", o.cfg.Issuer, err)
		}
		o.provider = p
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if len(o.cfg.AllowedGroups) > 0 {
		scopes = append(scopes, "groups")
	}
	conf := &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: o.provider.Endpoint(),
		RedirectURL: o.redirect, Scopes: scopes}
	return conf, o.provider.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}), nil
}

// handleOIDCStart: GET /staff/oidc/start?next= sends the browser to the
// identity provider, with the state, nonce and PKCE verifier kept in the
// ceremony cookie.
func (c *console) handleOIDCStart(g *gin.Context) {
	if c.oidc == nil {
		c.render(g, http.StatusNotFound, "error", errorPage{Heading: "Single sign-on is off", Message: "This service has no identity provider. Sign in with a passkey."})
		return
	}
	conf, _, err := c.oidc.setup(g.Request.Context())
	if err != nil {
		c.log.ErrorContext(g.Request.Context(), "console: single sign-on", "err", err)
		c.render(g, http.StatusBadGateway, "error", errorPage{Heading: "The identity provider does not answer", Message: "Try again in a moment, or sign in with a passkey."})
		return
	}
	cer := ceremony{Kind: "oidc", State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: localPath(g.Query("next"))}
	if err := c.setCeremony(g.Request.Context(), g.Writer, cer); err != nil {
		c.fail(g, err)
		return
	}
	g.Redirect(http.StatusFound, conf.AuthCodeURL(cer.State, oidc.Nonce(cer.Nonce), oauth2.S256ChallengeOption(cer.Verifier)))
}

// oidcClaims are the ID token's claims the console reads.
type oidcClaims struct {
	Email         string   `json:"email"`
	EmailVerified *bool    `json:"email_verified"`
	Groups        []string `json:"groups"`
}

// handleOIDCCallback: GET /staff/oidc/callback?state=&code= checks the
// state against the ceremony cookie (once: a state is spent), redeems the
// code with the PKCE verifier, verifies the ID token and its nonce, and
// signs in the invited, enabled officer of its identity or verified email.
func (c *console) handleOIDCCallback(g *gin.Context) {
	ctx := g.Request.Context()
	if c.oidc == nil {
		c.render(g, http.StatusNotFound, "error", errorPage{Heading: "Single sign-on is off", Message: "This service has no identity provider."})
		return
	}
	attempt, wait := c.cfg.Lockout.Begin(c.cfg.Now(), g.ClientIP(), "")
	if wait > 0 {
		c.lockedOut(g, wait)
		c.render(g, http.StatusTooManyRequests, "error", errorPage{Heading: "Too many failed sign-ins", Message: "Wait a minute and try again."})
		return
	}
	refuse := func(why string, err error) {
		c.log.InfoContext(ctx, "console: single sign-on refused", "why", why, "err", err)
		c.render(g, http.StatusUnauthorized, "refused", refusedPage{})
	}
	cer, ok := c.takeCeremony(g.Writer, g.Request, "oidc")
	if !ok || g.Query("state") == "" || g.Query("state") != cer.State {
		refuse("state does not match the sign-in this browser started", nil)
		return
	}
	if fresh, err := c.spend(ctx, "oidc-state", cer.State); err != nil || !fresh {
		refuse("state used before", err)
		return
	}
	if e := g.Query("error"); e != "" {
		refuse("the identity provider answered an error", errors.New(truncate(e, 64)))
		return
	}
	conf, verifier, err := c.oidc.setup(ctx)
	if err != nil {
		c.log.ErrorContext(ctx, "console: single sign-on", "err", err)
		c.render(g, http.StatusBadGateway, "error", errorPage{Heading: "The identity provider does not answer", Message: "Try again in a moment."})
		return
	}
	tok, err := conf.Exchange(c.oidc.context(ctx), g.Query("code"), oauth2.VerifierOption(cer.Verifier))
	if err != nil {
		refuse("the code was refused", err)
		return
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		refuse("no ID token", nil)
		return
	}
	id, err := verifier.Verify(c.oidc.context(ctx), raw)
	if err != nil {
		refuse("the ID token did not verify", err)
		return
	}
	if id.Nonce != cer.Nonce {
		refuse("the ID token's nonce is not this sign-in's", nil)
		return
	}
	var claims oidcClaims
	if err := id.Claims(&claims); err != nil {
		refuse("unreadable claims", err)
		return
	}
	if len(c.oidc.cfg.AllowedGroups) > 0 && !slices.ContainsFunc(claims.Groups, func(gr string) bool { return slices.Contains(c.oidc.cfg.AllowedGroups, gr) }) {
		refuse("not in OIDC_ALLOWED_GROUPS", nil)
		return
	}
	verified := claims.EmailVerified != nil && *claims.EmailVerified
	o, err := c.cfg.Officers.SignInIdentity(ctx, id.Issuer, id.Subject, claims.Email, verified)
	switch {
	case errors.Is(err, bot.ErrNotInvited):
		refuse("no invited, enabled officer has this identity or verified email", nil)
		return
	case err != nil:
		c.fail(g, err)
		return
	}
	who, err := c.startSession(ctx, g.Writer, o)
	if err != nil {
		c.fail(g, err)
		return
	}
	attempt.Succeeded()
	c.log.InfoContext(ctx, "console: signed in", "officer", o.ID, "how", "single sign-on", "session", who.Session)
	// A page, not a redirect: the browser came from the identity provider,
	// a cross-site navigation, and would not send the new SameSite=Strict
	// cookie along a redirect of it.
	c.render(g, http.StatusOK, "continue", continuePage{Next: cer.Next})
}

type refusedPage struct{}

func (refusedPage) pageTitle() string { return "Not signed in" }

type continuePage struct{ Next string }

func (continuePage) pageTitle() string { return "Signed in" }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
