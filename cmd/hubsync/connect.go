package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/accounts"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

func registerConnect(r *registry) {
	r.add(&command{name: "connect", args: "[-account A] [-wait D]",
		summary: "authorize an OAuth account and save its tokens",
		help: "Prints HubSpot's authorize URL and waits for the browser to come back to the account's\n" +
			"auth.redirectUrl (default http://127.0.0.1:8765/callback; register the same URL in the\n" +
			"HubSpot app), on which it listens. The code is exchanged for tokens at HubSpot's\n" +
			"/oauth/2026-03/token, which are saved to auth.tokenStore (mode 0600) and never printed;\n" +
			"the HubSpot portal (hub ID) they belong to is printed. The client secret is read from the\n" +
			"variable auth.clientSecretEnv names. Run it on the machine whose browser you use, or\n" +
			"forward the redirect port (ssh -L 8765:127.0.0.1:8765 ...).",
		flags: func(fs *flag.FlagSet) {
			fs.String("account", "", "account `ID` from the config file")
			fs.Duration("wait", 5*time.Minute, "how long to wait for the browser to come back")
		},
		run: runConnect})
}

func runConnect(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	acct, err := a.account(fs)
	if err != nil {
		return err
	}
	if acct.Auth.Type != config.AuthOAuth {
		return usagef("account %q uses %s auth, which needs no connect: its token comes from $%s", acct.ID, acct.Auth.Type, acct.Auth.TokenEnv)
	}
	conf, err := accounts.OAuthConfig(acct)
	if err != nil {
		return err
	}
	wait := fs.Lookup("wait").Value.(flag.Getter).Get().(time.Duration)

	redirect, err := url.Parse(conf.RedirectURL)
	if err != nil || redirect.Scheme != "http" || redirect.Host == "" {
		return fmt.Errorf("account %q: auth.redirectUrl %q must be an http:// URL with a host and port this machine can listen on (e.g. %s)", acct.ID, conf.RedirectURL, config.DefaultRedirectURL)
	}
	addr := redirect.Host
	if redirect.Port() == "" {
		addr = net.JoinHostPort(redirect.Hostname(), "80")
	}
	// Listen before printing the URL, so the redirect cannot arrive first.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s for the OAuth callback: %w: stop whatever uses the port, or change auth.redirectUrl (and the app's redirect URL)", addr, err)
	}
	state, err := randomState()
	if err != nil {
		ln.Close()
		return err
	}
	cb := &callback{a: a, ctx: ctx, conf: conf, store: accounts.TokenStore(acct), state: state, path: redirect.Path,
		result: make(chan error, 1)}
	if cb.path == "" {
		cb.path = "/"
	}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintf(a.stderr, "Open this URL in a browser and approve access for account %s:\n\n  %s\n\nWaiting up to %s for HubSpot to redirect to %s ...\n",
		acct.ID, conf.AuthCodeURL(state), wait, conf.RedirectURL)

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-cb.result:
		if err != nil {
			return err
		}
	case <-timer.C:
		return fmt.Errorf("no authorization within %s: run connect again (and -wait longer if needed); is %s reachable from the browser?", wait, conf.RedirectURL)
	case <-ctx.Done():
		return fmt.Errorf("connect interrupted: %w", ctx.Err())
	}
	if a.jsonOut {
		out := map[string]any{"account": acct.ID, "tokenStore": acct.Auth.TokenStore, "connected": true}
		if cb.hubID != 0 {
			out["hubId"] = cb.hubID
		}
		return a.printJSON(out)
	}
	portal := ""
	if cb.hubID != 0 {
		portal = fmt.Sprintf(" (HubSpot portal %d)", cb.hubID)
	}
	fmt.Fprintf(a.stdout, "connected account %s%s: tokens saved to %s\n", acct.ID, portal, acct.Auth.TokenStore)
	return nil
}

// randomState is the CSRF token of one authorization: the callback is
// accepted only with it, so a link crafted by someone else cannot make us
// store their account's tokens.
func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating the OAuth state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenSaver is hubspot.FileTokenStore's Save.
type tokenSaver interface {
	Save(ctx context.Context, tok *oauth2.Token) error
}

// callback handles HubSpot's redirect. A request with a wrong state is
// refused and waiting goes on (a stale tab or a forged link must not end
// the flow); the first request with the right state decides the outcome.
type callback struct {
	a      *app
	ctx    context.Context
	conf   *oauth2.Config
	store  tokenSaver
	state  string
	path   string
	mu     sync.Mutex
	done   bool
	result chan error
	hubID  int64 // the portal the tokens belong to; 0 if unknown. Set before result is sent.
}

func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != cb.path {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(cb.state)) != 1 {
		fmt.Fprintf(cb.a.stderr, "hubsync connect: refused a callback with a wrong state (a stale tab or a forged link); still waiting\n")
		page(w, http.StatusBadRequest, "This authorization does not match the one hubsync is waiting for. Use the URL hubsync printed.")
		return
	}
	// One outcome only: a reload of the tab must not exchange twice.
	cb.mu.Lock()
	if cb.done {
		cb.mu.Unlock()
		page(w, http.StatusConflict, "This authorization was already handled; see the terminal.")
		return
	}
	cb.done = true
	cb.mu.Unlock()

	err := cb.finish(q)
	if err != nil {
		page(w, http.StatusBadGateway, "Connecting failed: "+err.Error())
	} else {
		page(w, http.StatusOK, "The account is connected. You can close this tab.")
	}
	cb.result <- err
}

// finish exchanges the code and saves the tokens.
func (cb *callback) finish(q url.Values) error {
	if e := q.Get("error"); e != "" {
		return fmt.Errorf("HubSpot did not authorize: %s: %s", e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return errors.New("the callback carries no code: run connect again")
	}
	ctx, cancel := cb.a.callCtx(cb.ctx)
	defer cancel()
	tok, err := cb.conf.Exchange(ctx, code)
	if err != nil {
		return fmt.Errorf("exchanging the authorization code at %s: %w (check the client ID, the secret in the variable auth.clientSecretEnv names, and that auth.redirectUrl matches the app's)", cb.conf.Endpoint.TokenURL, err)
	}
	if tok.RefreshToken == "" {
		return errors.New("HubSpot returned no refresh token: the worker could not renew access; run connect again")
	}
	if err := cb.store.Save(ctx, tok); err != nil {
		return fmt.Errorf("saving the tokens: %w", err)
	}
	// The portal tells the operator whether the right account was
	// authorized. Not knowing it does not undo a good connect.
	hub, err := hubspot.HubID(ctx, cb.conf, tok)
	if err != nil {
		cb.a.logger().Warn("hubsync connect: the tokens are saved, but the HubSpot portal they belong to is unknown", "error", err)
		return nil
	}
	cb.hubID = hub
	return nil
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>hubsync connect</title><p>%s</p>\n", html.EscapeString(msg))
}
