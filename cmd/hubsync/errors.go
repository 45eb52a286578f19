package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// Exit codes, documented in the top-level usage.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitNotFound = 3
	exitPartial  = 4
)

// usageError is a mistake in the command line or its input: nothing was
// sent. The command's usage is printed with it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// notFoundError marks something the config file or HubSpot does not know.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string { return e.err.Error() }
func (e *notFoundError) Unwrap() error { return e.err }

// partialError says some of the work was done; the command has already
// printed what.
type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// exitCode maps an error to the documented exit codes. Partial wins over
// the cause's kind: the caller must learn that something was done.
func exitCode(err error) int {
	var (
		ue  *usageError
		nf  *notFoundError
		pe  *partialError
		api *hubspot.APIError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &pe):
		return exitPartial
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &nf), errors.Is(err, starter.ErrAudienceNotActive), errors.Is(err, starter.ErrConnectorNotActive):
		return exitNotFound
	case errors.As(err, &api) && api.StatusCode == http.StatusNotFound:
		return exitNotFound
	}
	return exitFailed
}
