package speccheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// hubspotBase is the server URL in every HubSpot spec; requests are re-aimed
// at it for routing, so that validation goes by path alone.
var hubspotBase = &url.URL{Scheme: "https", Host: "api.hubapi.com"}

// ErrNotAPI reports a request outside HubSpot's API paths (e.g. the
// emulator's admin API or the browser-facing /oauth/authorize page).
var ErrNotAPI = errors.New("speccheck: not a HubSpot API path")

// InSpecScope reports whether a path belongs to the APIs the specs describe.
func InSpecScope(path string) bool { return specFor(path) != "" }

// specFor names the spec that documents path. Each API prefix has exactly
// one spec, so that 2026-03 OAuth traffic is checked against
// oauth-2026-03.json and never passes because oauth-v1.json happens to
// describe a similar path.
func specFor(path string) string {
	switch {
	case strings.HasPrefix(path, "/crm/"):
		return specLists
	case strings.HasPrefix(path, "/oauth/2026-03/"):
		return specOAuth2026
	case strings.HasPrefix(path, "/oauth/v1/"):
		return specOAuthV1
	}
	return ""
}

// specPath maps v3 list paths to the dated paths the spec documents.
func specPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/crm/v3/lists"); ok {
		return "/crm/lists/2026-03" + rest
	}
	return p
}

type matched struct {
	input *openapi3filter.RequestValidationInput
}

func (c *Checker) route(req *http.Request, body []byte) (*matched, error) {
	spec := specFor(req.URL.Path)
	if spec == "" {
		return nil, ErrNotAPI
	}
	u := *req.URL
	u.Scheme, u.Host, u.Path, u.RawPath = hubspotBase.Scheme, hubspotBase.Host, specPath(req.URL.Path), ""
	r2 := req.Clone(context.Background())
	r2.URL, r2.Host = &u, hubspotBase.Host
	r2.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.routers[spec].FindRoute(r2)
	if err != nil {
		return nil, fmt.Errorf("%s %s is not in HubSpot's spec %s: %w", req.Method, req.URL.Path, spec, err)
	}
	return &matched{input: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route,
		Options: options()}}, nil
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
}

// CheckRequest validates a request (body given separately, since it has
// usually been read already). It returns ErrNotAPI for paths outside the specs.
func (c *Checker) CheckRequest(req *http.Request, body []byte) error {
	m, err := c.route(req, body)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(context.Background(), m.input); err != nil {
		return fmt.Errorf("request %s %s violates the spec: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// CheckResponse validates a response to req.
func (c *Checker) CheckResponse(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	m, err := c.route(req, reqBody)
	if err != nil {
		return err
	}
	if undocumentedSuccess(m.input.Route.Operation, status, body) {
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: m.input, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: m.input.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("response %d to %s %s violates the spec: %w (body: %.300s)", status, req.Method, req.URL.Path, err, body)
	}
	return nil
}

// undocumentedSuccess reports an empty 2xx answer to an operation whose
// spec lists no 2xx response at all. HubSpot's /oauth/2026-03/token/revoke
// documents only its error answer ("default"), so the spec says nothing a
// success could be checked against; without this, kin-openapi would read
// every successful revoke as a malformed Error body. A success that does
// carry a body is still checked against "default".
func undocumentedSuccess(op *openapi3.Operation, status int, body []byte) bool {
	if status < 200 || status > 299 || len(bytes.TrimSpace(body)) > 0 || op == nil || op.Responses == nil {
		return false
	}
	for code := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			return false
		}
	}
	return true
}
