// Package payload is how both workflows encode, decode and bound what
// they keep and send: every payload stays well under the Temporal
// server's 2 MB blob limit, past which the server fails the workflow task
// and terminates the execution.
package payload

import (
	"bytes"
	"encoding/json"
)

const (
	// ServerLimit is the server's default blob size limit.
	ServerLimit = 2 << 20
	// MaxCarriedBytes bounds a continue-as-new input. A run whose carried
	// state would be larger does not continue as new: it keeps draining
	// (each workflow's bounds make that unreachable in practice).
	MaxCarriedBytes = 1536 << 10
	// MaxMessageChars bounds an error message kept in state (HubSpot's
	// message, or a problem's text).
	MaxMessageChars = 1024
)

// Size is the size of v as the default data converter encodes it.
//
// workflowcheck flags encoding/json (reflection); encoding a struct of
// plain values is deterministic, so the size is the same on replay.
//
//workflowcheck:ignore
func Size(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return ServerLimit // unknown: treat as too large
	}
	return len(b)
}

// Encode encodes v for a hand-over payload (see Size for why
// this is deterministic).
//
//workflowcheck:ignore
func Encode(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// Truncate bounds a message kept in workflow state.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Decode decodes a signal payload received as raw JSON.
//
// workflowcheck flags encoding/json because it sets values through reflect;
// that is a false positive here: decoding into structs, slices and strings
// (never maps) depends only on the input bytes, so replay decodes the same
// history payload to the same value. This is the one place the check is
// waived, so any other non-determinism is still reported.
//
//workflowcheck:ignore
func Decode(raw []byte, v any) error {
	return json.Unmarshal(raw, v)
}

// IsObject: a type error inside an object still decodes the other
// fields; a payload that is not an object decodes nothing.
func IsObject(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
