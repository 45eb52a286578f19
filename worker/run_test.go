package worker

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A definite list problem is reported before Temporal is even dialed, so a
// misconfigured worker fails fast with the fix, not with a dial timeout.
func TestRunRefusesBeforeDialing(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"dyn", "good", fx.dynamic})
	f.Temporal.Address = "127.0.0.1:1" // nothing listens here
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := Run(ctx, f, Options{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), `connector "dyn"`) || !strings.Contains(err.Error(), "DYNAMIC") {
		t.Fatalf("Run = %v, want a refusal naming connector dyn", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for the context instead of refusing at once")
	}
}

func TestRunFailsWithoutSecret(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual})
	delete(fx.env, "GOOD")
	err := Run(context.Background(), f, Options{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "GOOD") {
		t.Fatalf("Run = %v, want an error naming the missing variable", err)
	}
}

// Run dials the dev server itself (as the binary does), serves the audience
// and sync workflows and the activity, and returns nil once ctx ends.
func TestRunServesAndStops(t *testing.T) {
	l := startLive(t, "worker-run-test", Options{})
	l.enter("aud-run", []string{"3", "1", "2"}, []int64{1, 2, 3})
	l.shutdown()
}
