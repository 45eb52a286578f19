package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// feed sends the demo stream at the chosen rate, printing progress once a
// second, and returns the membership the list should end with.
func feed(ctx context.Context, st *starter.Starter, audience string, o options, out io.Writer, listSize func() (int, string)) ([]int64, error) {
	changes, want := stream(o.seed, o.contacts, o.changes, o.perSignal)
	tick := time.NewTicker(time.Second / time.Duration(max(o.rate, 1)))
	defer tick.Stop()
	report := time.Now()
	sent := 0
	for i, c := range changes {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		var err error
		if c.enter {
			_, err = st.Enter(ctx, audience, c.ids)
		} else {
			_, err = st.Leave(ctx, audience, c.ids)
		}
		if err != nil {
			return nil, err
		}
		sent += len(c.ids)
		if time.Since(report) >= time.Second || i == len(changes)-1 {
			report = time.Now()
			size, _ := listSize()
			fmt.Fprintf(out, "sent %6d IDs in %4d calls | list size %5d\n", sent, i+1, size)
		}
	}
	return want, nil
}

// awaitConvergence prints the sync's status until nothing is pending and
// the list equals the expected membership.
func awaitConvergence(ctx context.Context, st *starter.Starter, emu *hubspottest.Emulator, audience, listID string, want []int64, out io.Writer) error {
	for {
		status, err := st.ConnectorStatus(ctx, audience, demoConnector)
		if err != nil {
			return err
		}
		got := emu.Members(demoPortal, listID)
		fmt.Fprintf(out, "state %-8s pending +%d -%d | batches %d | added %d removed %d missing %d rejected %d | list size %d, expected %d\n",
			status.State, status.PendingAdds, status.PendingRemoves, status.BatchesSent,
			status.TotalAdded, status.TotalRemoved, status.TotalMissing, status.TotalRejected, len(got), len(want))
		if status.State == contract.StateBlocked {
			return fmt.Errorf("the sync is blocked: %+v", status.LastError)
		}
		idle := status.PendingAdds+status.PendingRemoves == 0 && status.InFlight == nil && status.Owed == nil
		if idle && slices.Equal(got, want) {
			fmt.Fprintf(out, "converged: the HubSpot list holds exactly the %d expected contacts\n", len(want))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
