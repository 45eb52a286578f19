package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// ListGetter fetches a list's definition; *hubspot.Client is one.
type ListGetter interface {
	GetList(ctx context.Context, listID string) (hubspot.List, error)
}

// CheckLists checks, before any batch is sent, that every connector's list
// exists, is readable with the connector's credentials and accepts
// membership writes. Definite problems (a DYNAMIC or non-contact list, 401,
// 403, 404 or another terminal answer) are returned together, each naming
// the connector and list, because serving would only block every sync on
// that connector. A retryable answer or a transport error is logged and
// skipped: HubSpot may be briefly unavailable, and the activity retries.
func CheckLists[G ListGetter](ctx context.Context, f *config.File, clients map[string]G, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	var errs []error
	for _, c := range f.Connectors {
		client, ok := clients[c.ID]
		if !ok {
			errs = append(errs, fmt.Errorf("connector %q: no HubSpot client was built for it", c.ID))
			continue
		}
		list, err := getList(ctx, f, c, client)
		if err == nil {
			err = list.CheckWritableContactList()
			if err == nil {
				log.Info("connector list ok", "connector", c.ID, "account", c.Account, "listId", c.ListID,
					"listName", list.Name, "processingType", list.ProcessingType, "size", list.Size)
				continue
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("checking connector lists: %w", ctx.Err())
		}
		if hubspot.Retryable(err) {
			log.Warn("could not check the connector's list; serving anyway, batches will retry",
				"connector", c.ID, "account", c.Account, "listId", c.ListID, "error", err)
			continue
		}
		errs = append(errs, fmt.Errorf("connector %q (account %q, list %s): %w", c.ID, c.Account, c.ListID, err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("refusing to start: fix these connectors in %s (or remove them) and restart:\n%w", f.Path, errors.Join(errs...))
	}
	return nil
}

// getList asks with a deadline that leaves room for the request alone, so
// an account still in a 429 pause that a previous process left is not
// waited for (which would hold up every other account's start): the paused
// answer is retryable, logged and skipped.
func getList[G ListGetter](ctx context.Context, f *config.File, c config.Connector, client G) (hubspot.List, error) {
	timeout := config.DefaultTimeout
	if a, ok := f.Account(c.Account); ok && a.Timeout > 0 {
		timeout = a.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	return client.GetList(ctx, c.ListID)
}

// sortedIDs keeps log output stable.
func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
