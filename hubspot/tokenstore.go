package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/oauth2"
)

// FileTokenStore keeps one account's token in a JSON file readable only by
// its owner (0600), written atomically so a crash never leaves half a token.
type FileTokenStore struct {
	Path string
}

// Load reads the token; ErrNoToken when the file does not exist.
func (s FileTokenStore) Load(context.Context) (*oauth2.Token, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (no file %s)", ErrNoToken, s.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("hubspot: reading token store: %w", err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("hubspot: token store %s is not valid JSON (%v): delete it and run `hubsync connect`", s.Path, err)
	}
	return &tok, nil
}

// Save replaces the stored token.
func (s FileTokenStore) Save(_ context.Context, tok *oauth2.Token) error {
	b, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.Path, b); err != nil {
		return fmt.Errorf("hubspot: token store: %w", err)
	}
	return nil
}
