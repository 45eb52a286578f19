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

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// hubspotBase is the server URL in every HubSpot spec; requests are re-aimed
// at it for routing, so that validation goes by path alone.
var hubspotBase = &url.URL{Scheme: "https", Host: "api.hubapi.com"}

// ErrNotAPI reports a request outside HubSpot's API paths (e.g. the
// emulator's admin API or the browser-facing /oauth/authorize page).
var ErrNotAPI = errors.New("speccheck: not a HubSpot API path")

// InSpecScope reports whether a path belongs to the APIs the specs describe.
func InSpecScope(path string) bool {
	return strings.HasPrefix(path, "/crm/") || strings.HasPrefix(path, "/oauth/v1/") ||
		strings.HasPrefix(path, "/oauth/2026-03/")
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
	if !InSpecScope(req.URL.Path) {
		return nil, ErrNotAPI
	}
	u := *req.URL
	u.Scheme, u.Host, u.Path, u.RawPath = hubspotBase.Scheme, hubspotBase.Host, specPath(req.URL.Path), ""
	r2 := req.Clone(context.Background())
	r2.URL, r2.Host = &u, hubspotBase.Host
	r2.Body = io.NopCloser(bytes.NewReader(body))
	var lastErr error
	for _, rt := range c.routers {
		route, params, err := rt.FindRoute(r2)
		if err == nil {
			return &matched{input: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route,
				Options: options()}}, nil
		}
		var re *routers.RouteError
		if !errors.As(err, &re) || lastErr == nil || !errors.Is(err, routers.ErrPathNotFound) {
			lastErr = err
		}
	}
	return nil, fmt.Errorf("%s %s is not in HubSpot's spec: %w", req.Method, req.URL.Path, lastErr)
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
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: m.input, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: m.input.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("response %d to %s %s violates the spec: %w (body: %.300s)", status, req.Method, req.URL.Path, err, body)
	}
	return nil
}
