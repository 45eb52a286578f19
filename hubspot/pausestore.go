package hubspot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// PauseStore keeps one account's 429 pause where the next process serving
// the account finds it (Config.Pauses). HubSpot's interval outlives the
// worker that was answered 429: a worker SIGKILLed right after it and
// started again must still wait out the rest.
type PauseStore interface {
	// Load returns the stored pause; a zero time when there is none.
	Load() (until time.Time, policy string, err error)
	// Save replaces the stored pause.
	Save(until time.Time, policy string) error
}

// FilePauseStore keeps an account's pause in a small JSON file, written
// atomically (one per account; Path is usually STATE_DIR/pauses/ACCOUNT.json).
type FilePauseStore struct {
	Path string
}

type storedPause struct {
	Until  time.Time `json:"until"`
	Policy string    `json:"policy,omitempty"`
}

// Load implements PauseStore; a missing file is no pause.
func (s FilePauseStore) Load() (time.Time, string, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("hubspot: reading the account's 429 pause: %w", err)
	}
	var p storedPause
	if err := json.Unmarshal(b, &p); err != nil {
		return time.Time{}, "", fmt.Errorf("hubspot: the account's 429 pause file %s is not valid JSON (%v): delete it to send at once (HubSpot answers 429 again while the account is over its limit)", s.Path, err)
	}
	return p.Until, p.Policy, nil
}

// Save implements PauseStore.
func (s FilePauseStore) Save(until time.Time, policy string) error {
	b, err := json.Marshal(storedPause{Until: until.UTC(), Policy: policy})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.Path, b); err != nil {
		return fmt.Errorf("hubspot: keeping the account's 429 pause: %w", err)
	}
	return nil
}
