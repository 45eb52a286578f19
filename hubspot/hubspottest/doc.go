// Package hubspottest is a local emulator of the parts of HubSpot that the list
// sync uses: the CRM Lists API (2026-03 and v3 paths), OAuth 2.0 (authorize,
// and the 2026-03 token, introspection and revocation endpoints, with the
// legacy v1 ones kept for old clients), private-app tokens, per-portal rate
// limits and injectable network faults. It is an independent implementation written from
// HubSpot's published OpenAPI specs and docs; it deliberately does not import
// the hubspot client package, so that tests of the client check it against
// something it did not write itself.
//
// It follows the style of net/http/httptest:
//
//	srv := hubspottest.NewServer()                 // 127.0.0.1, random port
//	defer srv.Close()
//	srv.AddPortal(1)
//	srv.AddContacts(1, 101, 102, 103)
//	listID := srv.CreateList(1, "Audience A", "MANUAL")
//	token := srv.NewPrivateAppToken(1, hubspottest.ScopesListsReadWrite...)
//	// ... point the client at srv.URL with "Authorization: Bearer "+token ...
//	got := srv.Members(1, listID)                  // []int64, ascending
//
// # Construction
//
//	func New(opts ...Option) *Emulator            // state + http.Handler, no listener
//	func (e *Emulator) Handler() http.Handler     // serve it anywhere (standalone binary)
//	func (e *Emulator) Close()                    // releases hanging requests; call before shutting a server down
//	func NewServer(opts ...Option) *Server        // Server embeds *Emulator; started on 127.0.0.1:0
//	func (s *Server) Close()                      // releases hangs, then closes like httptest.Server
//	func (s *Server) Client() *http.Client
//	s.URL                                         // "http://127.0.0.1:NNNNN", use as the API base URL
//
// Options:
//
//	WithTokenLifetime(d time.Duration)   // OAuth access token lifetime, default 30m
//	WithRateLimit(perTenSeconds int)     // per portal per rolling 10 s, default 110; 0 disables
//	WithDailyLimit(perDay int)           // per portal, private-app tokens only, default 0 (off)
//	WithMaxIDsPerRequest(n int)          // add+remove IDs per membership request, default 100000
//	WithClock(now func() time.Time)      // default time.Now; see NewFakeClock
//	WithRefreshTokenRotation(on bool)    // each refresh returns a new refresh token and revokes the old one
//	WithRetryAfter(on bool)              // send Retry-After on 429 (HubSpot documents none), default off
//	WithLogger(l *slog.Logger)           // default slog.Default()
//	WithFaultSeed(seed int64)            // seed of the RNG used by probabilistic faults
//
//	func NewFakeClock(start time.Time) *FakeClock   // fc.Now, fc.Advance(d), fc.Set(t)
//
// # State (per portal = HubSpot account, int64 portal/hub ID)
//
//	func (e *Emulator) AddPortal(portalID int64)
//	func (e *Emulator) AddContacts(portalID int64, ids ...int64)          // creates the portal if needed
//	func (e *Emulator) AddContactRange(portalID, from, to int64)          // inclusive
//	func (e *Emulator) AddRecords(portalID int64, objectTypeID string, ids ...int64) // other object types
//	func (e *Emulator) DeleteContacts(portalID int64, ids ...int64)       // also drops them from lists
//	func (e *Emulator) CreateList(portalID int64, name, processingType string) (listID string) // contact list (0-1); panics on a duplicate name
//	func (e *Emulator) AddMembers(portalID int64, listID string, ids ...int64) error           // seeding, bypasses API rules
//	func (e *Emulator) RemoveMembers(portalID int64, listID string, ids ...int64) error         // edit behind the sync's back
//	func (e *Emulator) Members(portalID int64, listID string) []int64                          // ascending; nil if no such list
//	func (e *Emulator) DeleteList(portalID int64, listID string) bool
//	func (e *Emulator) ListInfo(portalID int64, listID string) (ListInfo, bool)
//
// List IDs are numeric strings allocated from one counter across all portals,
// so a list of portal A is "not found" (404) for a token of portal B.
//
// # Auth
//
// Every /crm/ call needs "Authorization: Bearer <token>"; the token selects the
// portal. Missing/unknown token: 401 INVALID_AUTHENTICATION; expired OAuth
// token: 401 EXPIRED_AUTHENTICATION; missing scopes: 403 MISSING_SCOPES with
// context.requiredScopes. Scopes follow the spec's security alternatives: reads
// need crm.lists.read; membership writes need crm.lists.read+crm.lists.write
// (or crm.lists.read+cms.membership.access_groups.write); create needs
// crm.lists.write.
//
//	var ScopesListsReadWrite = []string{"crm.lists.read", "crm.lists.write"}
//	func (e *Emulator) RegisterPrivateAppToken(portalID int64, token string, scopes ...string)
//	func (e *Emulator) NewPrivateAppToken(portalID int64, scopes ...string) string      // "pat-na1-<uuid>"
//	func (e *Emulator) RegisterOAuthApp(clientID, clientSecret string)
//	func (e *Emulator) IssueTokens(portalID int64, clientID string, scopes ...string) (access, refresh string) // skips consent
//	func (e *Emulator) RevokeRefreshToken(refresh string)
//	func (e *Emulator) ExpireAccessTokens()                                              // every OAuth access token expires now
//
// OAuth endpoints (HubSpot's 2026-03 API): GET /oauth/authorize (consents at
// once and 302-redirects to redirect_uri with code and state; portal from the
// emulator-only query param "portalId", else the lowest portal ID), and
// three POSTs that take an application/x-www-form-urlencoded body with
// client_id and client_secret in it (never a Basic header, never the URL:
// any query string is refused):
//
//	POST /oauth/2026-03/token             grant_type authorization_code (code, redirect_uri) or refresh_token;
//	                                      answers the spec's AccessTokenResponse with hub_id, user_id, scopes, token_use
//	POST /oauth/2026-03/token/introspect  token (token_type_hint ignored); answers the spec's
//	                                      PublicAccessTokenInfoResponse or PublicRefreshTokenInfoResponse, with hub_id
//	POST /oauth/2026-03/token/revoke      token: a refresh token; answers 200 with no body (the spec documents
//	                                      no success answer; RFC 7009's 200). Access tokens already issued
//	                                      keep working until they expire.
//
// Refusals are 400 with HubSpot's OAuth error, the spec's Error schema plus
// HubSpot's "status" and RFC 6749's fields:
// {"error":"invalid_grant","error_description","status":"BAD_REFRESH_TOKEN","message","correlationId","category"}.
// status is BAD_REQUEST (not a form body, parameters in the URL, no token;
// error invalid_request), BAD_GRANT_TYPE (unsupported_grant_type; the
// client_credentials grant is not supported), BAD_CLIENT_ID or
// BAD_CLIENT_SECRET (invalid_client), BAD_AUTH_CODE, BAD_REDIRECT_URI or
// BAD_REFRESH_TOKEN (invalid_grant). Introspection describes live tokens
// only: an unknown or another app's token is BAD_TOKEN, an expired access
// token EXPIRED_ACCESS_TOKEN, a revoked refresh token BAD_REFRESH_TOKEN (all
// invalid_grant); revoking an access token is UNSUPPORTED_TOKEN_TYPE
// (unsupported_token_type), revoking an unknown or already revoked refresh
// token BAD_REFRESH_TOKEN. HubSpot documents neither the HTTP status of these
// refusals, nor their category (VALIDATION_ERROR here), nor how introspection
// answers a dead token: those are the emulator's choices.
//
// The legacy v1 endpoints, which HubSpot retires on 2027-02-16, are still
// served for old clients (HubSpot's own Node SDK, see sdkcheck, still posts
// to /oauth/v1/token): POST /oauth/v1/token (same grants; parameters also
// from the query string), GET /oauth/v1/access-tokens/{token}, GET and
// DELETE /oauth/v1/refresh-tokens/{token}. Their errors carry status and
// message without the RFC 6749 fields, and each call logs a warning. The
// project's own client uses only the 2026-03 endpoints. The request log never
// keeps the query string of an /oauth/ request, and records a token in a v1
// path as {token}.
//
// # Lists API (under both /crm/lists/2026-03 and /crm/v3/lists)
//
//	POST   /                                   create (name, objectTypeId, processingType)
//	POST   /search                             search (query, processingTypes, listIds, offset, count)
//	GET    /{listId}                           fetch ({"list":{...}})
//	DELETE /{listId}                           delete (hard delete; no restore)
//	GET    /{listId}/memberships               page members (after/before/limit<=250, ascending ID)
//	PUT    /{listId}/memberships/add-and-remove
//	PUT    /{listId}/memberships/add           body: JSON array of IDs
//	PUT    /{listId}/memberships/remove        body: JSON array of IDs
//	DELETE /{listId}/memberships               remove all members
//
// Membership writes: IDs not existing in the portal are reported in
// recordIdsMissing; adding a member or removing a non-member is ignored (not
// reported); one ID in both arrays, a DYNAMIC list, a malformed body, a
// non-integer ID or more IDs than the configured maximum give 400
// VALIDATION_ERROR; an unknown list gives 404 OBJECT_NOT_FOUND. IDs are
// accepted as JSON strings or numbers and answered as strings, in request
// order, in HubSpot's spelling "recordsIdsAdded".
//
// # Rate limits
//
// Every authenticated /crm/ response carries X-HubSpot-RateLimit-Interval-Milliseconds,
// -Max and -Remaining (plus -Daily and -Daily-Remaining for private-app tokens
// when a daily limit is set). Over the limit: 429 with errorType RATE_LIMIT and
// policyName TEN_SECONDLY_ROLLING or DAILY; rejected calls do not count.
//
//	func (e *Emulator) SetRateLimit(perTenSeconds, perDay int)
//
// # Faults
//
// Faults apply to /crm/ and /oauth/ requests (never /_emulator/). Scripted
// faults are consumed in order by the requests they match; a probabilistic
// fault set applies to every matching request with the given probability.
// Plain faults change no state; the ApplyThen kinds run the request for real
// and then fail, as a network that loses the response would.
//
//	type Fault struct {
//		Method       string        // "" matches any
//		PathContains string        // "" matches any
//		Kind         FaultKind     // FaultStatus, FaultDrop, FaultHang, FaultDelay,
//		                           // FaultApplyThenStatus, FaultApplyThenDrop, FaultApplyThenHang
//		Status       int           // for the *Status kinds, e.g. 408, 429, 500, 502, 503, 504, 400, 401, 403, 404
//		Latency      time.Duration // waited before the outcome (the only effect of FaultDelay)
//		Times        int           // matching requests it applies to; 0 means 1
//	}
//	func (e *Emulator) InjectFault(f ...Fault)
//	func (e *Emulator) SetRandomFaults(r RandomFaults) // {Probability, Method, PathContains, Kinds, Statuses, Latency}
//	func (e *Emulator) ClearFaults()
//	func (e *Emulator) PendingFaults() int
//
// A hanging request ends when the client gives up or the emulator is closed.
//
// # Request log
//
//	type RequestRecord struct {
//		Time, End time.Time; Method, Path string; PortalID int64; ListID string
//		AddIDs, RemoveIDs []int64; Status int // 0 when the connection was dropped or hung
//		Fault FaultKind; Applied bool; CorrelationID string
//	}
//
// Every request is logged with its portal, list and record IDs whatever
// answered it (an injected fault included), as its answer is decided and
// before the answer or a dropped connection reaches the client.
//
//	func (e *Emulator) Requests() []RequestRecord
//	func (e *Emulator) Counters() Counters  // {Total int; ByStatus map[int]int; Faults int; RateLimited int}
//	func (e *Emulator) ResetLog()
//
// # Spec validation
//
// Tests should put internal/speccheck in front of the emulator (and in the
// client's transport) so that both sides are checked against HubSpot's
// published OpenAPI specs:
//
//	ts := httptest.NewServer(speccheck.Middleware(t, hubspottest.New().Handler()))
//	client := &http.Client{Transport: speccheck.Transport(t, nil)}
//
// # Admin API
//
// Handler also serves a JSON admin API under /_emulator/ for the standalone
// binary (see AdminRoutes in admin.go for the list). It answers loopback
// clients only; the standalone binary binds 127.0.0.1 by default and must not
// be exposed, because the admin API can mint tokens.
package hubspottest
