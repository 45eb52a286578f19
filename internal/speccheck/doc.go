// Package speccheck validates HTTP traffic against HubSpot's published
// OpenAPI specs (lists-2026-03, oauth-2026-03, oauth-v1) with kin-openapi, so
// that tests catch both the emulator and the client drifting from HubSpot.
//
// The specs are read from $HUBSPOT_SPEC_DIR, or else from the first directory
// shared/spec/hubspot found walking up from the working directory. A test that
// cannot find them fails; it never skips, because a silently skipped contract
// check is worse than none.
//
// Usage:
//
//	h := speccheck.Middleware(t, emulator.Handler())   // server side
//	tr := speccheck.Transport(t, http.DefaultTransport) // client side
//
// Each path is checked against the one spec of its prefix: /crm/ against
// lists-2026-03, /oauth/2026-03/ against oauth-2026-03 and /oauth/v1/ (still
// served by the emulator for old clients) against oauth-v1. Paths under
// /crm/v3/lists are validated as their /crm/lists/2026-03 equivalents
// (HubSpot serves the same shapes; the 2026-03 spec lists only the dated
// paths). An empty 2xx answer to an operation that documents no 2xx response
// (the 2026-03 revoke lists only its error answer) is accepted. Security
// requirements are not checked here: the emulator checks auth itself.
package speccheck
