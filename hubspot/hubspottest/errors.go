package hubspottest

import (
	"encoding/json"
	"net/http"
)

// HubSpot error categories the emulator produces.
const (
	CategoryValidation         = "VALIDATION_ERROR"
	CategoryNotFound           = "OBJECT_NOT_FOUND"
	CategoryMissingScopes      = "MISSING_SCOPES"
	CategoryInvalidAuth        = "INVALID_AUTHENTICATION"
	CategoryExpiredAuth        = "EXPIRED_AUTHENTICATION"
	CategoryRateLimits         = "RATE_LIMITS"
	CategoryInternal           = "INTERNAL_ERROR"
	CategoryServiceUnavailable = "SERVICE_UNAVAILABLE"
)

// apiError is HubSpot's error body (the spec's Error schema plus the "status"
// field HubSpot always sends, the extra fields of rate-limit errors and the
// RFC 6749 fields of the 2026-03 OAuth errors).
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
	GroupName     string              `json:"groupName,omitempty"`

	OAuthError            string `json:"error,omitempty"`
	OAuthErrorDescription string `json:"error_description,omitempty"`
}

type errorDetail struct {
	Message     string              `json:"message"`
	In          string              `json:"in,omitempty"`
	Code        string              `json:"code,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError sends a HubSpot-shaped error with the request's correlation ID.
func writeError(w http.ResponseWriter, r *http.Request, status int, category, message string, details ...errorDetail) {
	writeAPIError(w, status, apiError{Status: "error", Message: message, CorrelationID: correlationID(r),
		Category: category, Errors: details})
}

func writeAPIError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, e)
}

// categoryForStatus picks the category HubSpot uses (or, for gateway errors it
// does not document, a descriptive one) for an injected fault of that status.
func categoryForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CategoryValidation
	case http.StatusUnauthorized:
		return CategoryInvalidAuth
	case http.StatusForbidden:
		return CategoryMissingScopes
	case http.StatusNotFound:
		return CategoryNotFound
	case http.StatusRequestTimeout:
		return "REQUEST_TIMEOUT"
	case http.StatusTooManyRequests:
		return CategoryRateLimits
	case http.StatusServiceUnavailable:
		return CategoryServiceUnavailable
	case http.StatusBadGateway:
		return "BAD_GATEWAY"
	case http.StatusGatewayTimeout:
		return "GATEWAY_TIMEOUT"
	}
	return CategoryInternal
}
