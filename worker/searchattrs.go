package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// CheckSearchAttributes asks Temporal which search attributes namespace has
// and refuses to start when one the workflows set is missing or is not
// Keyword: a workflow that upserts an unregistered attribute fails its
// workflow task and stops syncing. The error names them and says what to
// run. A server that does not let this client list them (permission
// denied, unimplemented) is logged and not refused: the check cannot tell.
// Unavailable answers are retried until ctx ends, like the dial.
func CheckSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	resp, err := listSearchAttributes(ctx, c, namespace, log)
	if err != nil {
		var denied *serviceerror.PermissionDenied
		var unimpl *serviceerror.Unimplemented
		if errors.As(err, &denied) || errors.As(err, &unimpl) {
			log.Warn("cannot list the namespace's search attributes; serving anyway: make sure they are registered, or syncs fail",
				"namespace", namespace, "attributes", contract.SearchAttributeNames(), "register", contract.SearchAttributesCommand(namespace), "error", err)
			return nil
		}
		return fmt.Errorf("listing the search attributes of namespace %q (check the Temporal address, namespace and credentials): %w", namespace, err)
	}
	var problems []string
	for _, name := range contract.SearchAttributeNames() {
		typ, ok := resp.GetCustomAttributes()[name]
		switch {
		case !ok:
			problems = append(problems, name+" (missing)")
		case typ != enumspb.INDEXED_VALUE_TYPE_KEYWORD:
			problems = append(problems, fmt.Sprintf("%s (registered as %s, want Keyword: remove it with `temporal operator search-attribute remove --namespace %s --name %s`, then create it as Keyword)",
				name, typ, namespace, name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("refusing to start: namespace %q lacks search attributes the workflows set: %s. Register them, then restart the worker:\n  %s\n"+
			"(Temporal Cloud: tcld namespace search-attributes add --namespace %s%s)",
			namespace, strings.Join(problems, ", "), contract.SearchAttributesCommand(namespace), namespace, tcldFlags())
	}
	log.Info("search attributes ok", "namespace", namespace, "attributes", contract.SearchAttributeNames())
	return nil
}

// listSearchAttributes retries while the server is unavailable (starting,
// or the namespace cache is not ready yet).
func listSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) (*operatorservice.ListSearchAttributesResponse, error) {
	delay := time.Second
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := c.OperatorService().ListSearchAttributes(cctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		cancel()
		var unavailable *serviceerror.Unavailable
		if err == nil || !(errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded)) || ctx.Err() != nil {
			return resp, err
		}
		log.Warn("cannot list the search attributes yet; retrying", "namespace", namespace, "retryIn", delay.String(), "error", err)
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

func tcldFlags() string {
	var b strings.Builder
	for _, name := range contract.SearchAttributeNames() {
		b.WriteString(" --search-attribute '" + name + "=Keyword'")
	}
	return b.String()
}
