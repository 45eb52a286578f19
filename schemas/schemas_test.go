package schemas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// load reads a schema, inlining the files it refers to ($ref by file name)
// and dropping $schema, so kin-openapi's validator can use it.
func load(t *testing.T, name string) *openapi3.Schema {
	t.Helper()
	var resolve func(v any) any
	resolve = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				return resolve(raw(t, ref))
			}
			delete(x, "$schema")
			for k, e := range x {
				x[k] = resolve(e)
			}
		case []any:
			for i, e := range x {
				x[i] = resolve(e)
			}
		}
		return v
	}
	b, err := json.Marshal(resolve(raw(t, name)))
	require.NoError(t, err)
	s := &openapi3.Schema{}
	require.NoError(t, json.Unmarshal(b, s), name)
	return s
}

func raw(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), name)
	return m
}

func valid(t *testing.T, s *openapi3.Schema, doc string) error {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(doc), &v), doc)
	return s.VisitJSON(v)
}

// The examples in docs/orchestration.md (quoted verbatim there) are valid;
// typical mistakes are not.
func TestDocumentedExamplesMatchTheSchemas(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "orchestration.md"))
	require.NoError(t, err)
	cases := []struct {
		schema, doc string
		ok          bool
	}{
		{"audience-input.json", `{"audienceId":"aud-42"}`, true},
		{"connector-activation.json", `{"connectorId":"acme-vip"}`, true},
		{"audience-command.json", `{"membership":{"op":"enter","recordIds":["101"]}}`, true},
		{"membership-change.json", `{"op":"enter","recordIds":["101","102"]}`, true},
		{"membership-change.json", `{"op":"leave","recordIds":["102"]}`, true},
		{"retarget.json", `{"listId":"456"}`, true},
		{"discard.json", `{"reason":"list deleted"}`, true},
		{"admit-result.json", `{"accepted":2,"queued":0}`, true},
		{"connector-activation.json", `{"connectorId":"acme-vip","flushInterval":"10s"}`, true},
		{"reconcile-request.json", `{"connectorId":"acme-vip","reconcileId":"r-2026-11-29"}`, true},
		{"snapshot-chunk.json", `{"reconcileId":"r-2026-11-29","index":0,"recordIds":["101","102"],"last":true}`, true},

		{"snapshot-chunk.json", `{"reconcileId":"r","index":0,"recordIds":[101]}`, false},
		{"reconcile-request.json", `{"connectorId":"acme-vip"}`, false},

		{"membership-change.json", `{"op":"join","recordIds":["101"]}`, false},
		{"membership-change.json", `{"op":"enter","recordIds":"24"}`, false},
		{"membership-change.json", `{"op":"enter","recordIds":[24]}`, false},
		{"membership-change.json", `{"op":"enter","recordIds":["007"]}`, false},
		{"connector-activation.json", `{"connectorId":"a/b"}`, false},
		{"audience-command.json", `{"activate":{"connectorId":"acme-vip"}}`, false},
		{"audience-command.json", `{"membership":{"op":"enter","recordIds":["1"]},"deactivate":{"connectorId":"c"}}`, false},
		{"audience-input.json", `{"audienceId":"a/b"}`, false},
	}
	for _, c := range cases {
		err := valid(t, load(t, c.schema), c.doc)
		if c.ok {
			require.NoError(t, err, "%s: %s", c.schema, c.doc)
			// Those that pass are the documented examples, verbatim.
			if !strings.Contains(string(doc), c.doc) {
				t.Errorf("docs/orchestration.md does not show the example %s (%s)", c.doc, c.schema)
			}
		} else {
			require.Error(t, err, "%s accepted %s", c.schema, c.doc)
		}
	}
}

// What the Go starter and workflows encode is what the schemas describe.
func TestGoTypesEncodeToTheSchemas(t *testing.T) {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	change := contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1", "9223372036854775807"}, ChangeID: "c-1"}
	for schema, doc := range map[string]string{
		"membership-change.json": enc(change),
		"audience-command.json":  enc(contract.AudienceCommand{Membership: &change}),
		"audience-input.json":    enc(contract.AudienceInput{AudienceID: "aud-42"}),
		"admit-result.json":      enc(contract.AdmitResult{Accepted: 2, Queued: 5}),
		"retarget.json":          enc(contract.Retarget{ListID: "456"}),
		"discard.json":           enc(contract.Discard{Reason: "gone"}),
	} {
		require.NoError(t, valid(t, load(t, schema), doc), "%s: %s", schema, doc)
	}
	rec := contract.ReconcileRequest{ConnectorID: "acme-vip", ReconcileID: "r-1", Plan: true, Members: 3,
		Activate: &contract.SyncInput{ConnectorID: "acme-vip", ListID: "123"}}
	require.NoError(t, valid(t, load(t, "reconcile-request.json"), enc(rec)))
	chunk := enc(contract.SnapshotChunk{ReconcileID: "r-1", Index: 2, RecordIDs: []string{"5", "9"}, Last: true})
	require.NoError(t, valid(t, load(t, "snapshot-chunk.json"), chunk), chunk)
	act := enc(contract.SyncInput{ConnectorID: "acme-vip", ListID: "123", FlushInterval: 2 * time.Second, MaxBatchSize: 100})
	require.NoError(t, valid(t, load(t, "connector-activation.json"), act), act)
}
