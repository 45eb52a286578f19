package config

import "testing"

// A loaded file answers the starter's catalog questions.
func TestFileAsCatalog(t *testing.T) {
	f, err := Parse([]byte(`
accounts:
  - id: acme
    auth: {type: private-app, tokenEnv: HUBSPOT_ACME_TOKEN}
connectors:
  - id: acme-vip
    account: acme
    listId: "123"
    maxBatchSize: 250
`), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := f
	in, err := cat.ConnectorInput("acme-vip", "aud-1")
	if err != nil {
		t.Fatal(err)
	}
	if in.AudienceID != "aud-1" || in.ConnectorID != "acme-vip" || in.ListID != "123" || in.MaxBatchSize != 250 {
		t.Errorf("input %+v", in)
	}
	if _, err := cat.ConnectorInput("nope", "aud-1"); err == nil {
		t.Error("unknown connector accepted")
	}
}
