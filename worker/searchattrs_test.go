package worker

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// On a namespace without the search attributes (a real cluster before an
// operator registers them), Run refuses before serving, naming each one and
// the command to run; that command, run as printed, fixes it.
func TestRunRefusesANamespaceWithoutTheSearchAttributes(t *testing.T) {
	tp := testenv.StartBareTemporal(t)
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ready := make(chan struct{})
	err := Run(ctx, f, Options{Client: tp.Client, Logger: quietLogger(), Ready: ready})
	if err == nil {
		t.Fatal("Run served a namespace without the search attributes")
	}
	select {
	case <-ready:
		t.Error("Run reported ready before refusing")
	default:
	}
	cmd := contract.SearchAttributesCommand("default")
	msg := err.Error()
	for _, want := range []string{`refusing to start: namespace "default"`, cmd, "restart the worker",
		"tcld namespace search-attributes add --namespace default"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, msg)
		}
	}
	for _, name := range contract.SearchAttributeNames() {
		if !strings.Contains(msg, name+" (missing)") {
			t.Errorf("the refusal does not name %s as missing:\n%s", name, msg)
		}
	}

	// The operator runs the printed command with the pinned CLI.
	args := append(strings.Fields(cmd)[1:], "--address", tp.Server.FrontendHostPort())
	if out, err := exec.CommandContext(ctx, testenv.TemporalCLI(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	if err := CheckSearchAttributes(ctx, tp.Client, "default", quietLogger()); err != nil {
		t.Fatalf("after running the printed command %q, the check still refuses: %v", cmd, err)
	}
}

// An attribute registered with another type is named with its type and how
// to fix it; the correct ones are not named.
func TestCheckSearchAttributesRefusesAWrongType(t *testing.T) {
	tp := testenv.StartBareTemporal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	attrs := map[string]enumspb.IndexedValueType{}
	for _, name := range contract.SearchAttributeNames() {
		attrs[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	attrs["HubSyncState"] = enumspb.INDEXED_VALUE_TYPE_TEXT
	if _, err := tp.Client.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: "default", SearchAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	err := CheckSearchAttributes(ctx, tp.Client, "default", quietLogger())
	if err == nil {
		t.Fatal("a Text HubSyncState was accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "HubSyncState (registered as Text, want Keyword") || !strings.Contains(msg, "search-attribute remove --namespace default --name HubSyncState") {
		t.Errorf("the refusal does not explain the wrong type:\n%s", msg)
	}
	if strings.Contains(msg, "HubSyncAudience (") {
		t.Errorf("the refusal names a correct attribute:\n%s", msg)
	}
}
