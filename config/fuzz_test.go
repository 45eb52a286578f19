package config

import (
	"strings"
	"testing"
)

// Connectors files of any content: Parse refuses with a message or returns
// a file the worker can use: every connector names a declared account and
// a numeric list, and no secret value came from the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte("accounts:\n  - {id: acme, auth: {type: private-app, tokenEnv: T}}\nconnectors:\n  - {id: c, account: acme, listId: \"1\"}\n"))
	f.Add([]byte(`{"accounts":[{"id":"a","auth":{"type":"oauth","clientId":"x","clientSecretEnv":"S","tokenStore":"t.json"}}],"connectors":[{"id":"c","account":"a","listId":"7","maxInFlight":3}]}`))
	f.Add([]byte("accounts:\n  - {id: acme, auth: {type: private-app, token: pat-na1-123}}\n"))
	f.Add([]byte("connectors: [{id: c, account: nope, listId: abc, maxBatchSize: -1}]"))
	f.Fuzz(func(t *testing.T, content []byte) {
		env := func(k string) string { return "pat-from-env" }
		file, err := Parse(content, "/tmp", env)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for _, c := range file.Connectors {
			if _, ok := file.Account(c.Account); !ok {
				t.Fatalf("connector %q names undeclared account %q", c.ID, c.Account)
			}
			if c.ListID == "" || strings.Trim(c.ListID, "0123456789") != "" {
				t.Fatalf("connector %q has list %q", c.ID, c.ListID)
			}
			if c.MaxInFlight*c.MaxBatchSize > 10000 {
				t.Fatalf("connector %q: %d in flight × %d", c.ID, c.MaxInFlight, c.MaxBatchSize)
			}
		}
	})
}
