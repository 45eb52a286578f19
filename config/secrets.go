package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// secretKeys maps a normalised field name that would hold a secret to what
// to do instead. Field names ending in "Env" are names, not secrets.
var secretKeys = map[string]string{
	"token":           "put the token in an environment variable and name it with auth.tokenEnv",
	"privateapptoken": "put the token in an environment variable and name it with auth.tokenEnv",
	"accesstoken":     "OAuth tokens live in the token store (auth.tokenStore), written by `hubsync connect`",
	"refreshtoken":    "OAuth tokens live in the token store (auth.tokenStore), written by `hubsync connect`",
	"clientsecret":    "put the client secret in an environment variable and name it with auth.clientSecretEnv",
	"secret":          "put it in an environment variable and name it with a *Env field",
	"password":        "put it in an environment variable and name it with a *Env field",
	"apikey":          "set the Temporal API key in the TEMPORAL_API_KEY environment variable",
	"authorization":   "put the token in an environment variable and name it with auth.tokenEnv",
	"bearer":          "put the token in an environment variable and name it with auth.tokenEnv",
}

// checkNoSecrets walks the document and refuses fields that look like they
// hold a secret, and values that look like a HubSpot token wherever they
// are. The error names the location, never the value.
func checkNoSecrets(n *yaml.Node) error {
	return walkSecrets(n, "")
}

func walkSecrets(n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := walkSecrets(c, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if hint, ok := secretKeys[normalizeKey(k.Value)]; ok {
				return fmt.Errorf("line %d: field %s looks like a secret, and secrets never go in the connectors file: %s", k.Line, p, hint)
			}
			if err := walkSecrets(v, p); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := walkSecrets(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if looksLikeToken(n.Value) {
			return fmt.Errorf("line %d: %s holds what looks like a HubSpot token; secrets never go in the connectors file: export it in an environment variable and put that variable's name in auth.tokenEnv", n.Line, path)
		}
	}
	return nil
}

func normalizeKey(k string) string {
	k = strings.ToLower(k)
	return strings.NewReplacer("_", "", "-", "").Replace(k)
}

// patPattern matches HubSpot private-app tokens: "pat-" + region
// ("na1", "eu1", ...) + "-" + a UUID-like tail. An ID such as
// "pat-marketing" does not match.
var patPattern = regexp.MustCompile(`(?i)^pat-[a-z]{2,3}[0-9]-[0-9a-f-]{16,}$`)

// looksLikeToken matches HubSpot private-app tokens and bearer headers.
func looksLikeToken(v string) bool {
	v = strings.TrimSpace(v)
	return patPattern.MatchString(v) || strings.HasPrefix(strings.ToLower(v), "bearer ")
}
