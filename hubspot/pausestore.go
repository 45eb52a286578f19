package hubspot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// PauseStore keeps what the next process serving an account must know of
// its 429 pause (Config.Pauses). HubSpot's interval outlives the worker
// that was answered 429: a worker SIGKILLed right after it and started
// again must still wait out the rest.
type PauseStore interface {
	// Load returns the stored state; the zero state when there is none.
	Load() (PauseState, error)
	// Save replaces the stored state.
	Save(PauseState) error
}

// PauseState is one account's pause as kept between processes.
type PauseState struct {
	// Until is when the last 429's interval ends; Policy is its policy.
	Until  time.Time `json:"until"`
	Policy string    `json:"policy,omitempty"`
	// Lease is written before a request is sent: until then a request of
	// the account may still be waiting for HubSpot's answer. A process
	// that dies meanwhile cannot record a 429 that answer may be, so the
	// next one holds the account for HubSpot's interval from when that
	// answer could at the latest have come. A clean stop clears it.
	Lease time.Time `json:"lease,omitzero"`
}

// FilePauseStore keeps an account's pause in a small JSON file, written
// atomically (one per account; Path is usually STATE_DIR/pauses/ACCOUNT.json).
type FilePauseStore struct {
	Path string
}

// Load implements PauseStore; a missing file is no pause.
func (s FilePauseStore) Load() (PauseState, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return PauseState{}, nil
	}
	if err != nil {
		return PauseState{}, fmt.Errorf("hubspot: reading the account's 429 pause: %w", err)
	}
	var p PauseState
	if err := json.Unmarshal(b, &p); err != nil {
		return PauseState{}, fmt.Errorf("hubspot: the account's 429 pause file %s is not valid JSON (%v): delete it to send at once (HubSpot answers 429 again while the account is over its limit)", s.Path, err)
	}
	return p, nil
}

// Save implements PauseStore.
func (s FilePauseStore) Save(p PauseState) error {
	p.Until, p.Lease = p.Until.UTC(), p.Lease.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.Path, b); err != nil {
		return fmt.Errorf("hubspot: keeping the account's 429 pause: %w", err)
	}
	return nil
}
