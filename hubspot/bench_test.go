package hubspot_test

import (
	"context"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// BenchmarkUpdateMemberships measures one add-and-remove request of 500 IDs
// (the default batch) through the client against the emulator over
// loopback HTTP, rate limit off.
func BenchmarkUpdateMemberships(b *testing.B) {
	srv := hubspottest.NewServer(hubspottest.WithRateLimit(0))
	defer srv.Close()
	srv.AddContactRange(1, 1, 1000)
	list := srv.CreateList(1, "bench", hubspot.ProcessingManual)
	c, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, HTTPClient: hubspot.NewPrivateAppHTTPClient(srv.NewPrivateAppToken(1, "crm.lists.read", "crm.lists.write"), nil)})
	if err != nil {
		b.Fatal(err)
	}
	first, second := make([]int64, 500), make([]int64, 500)
	for i := range first {
		first[i], second[i] = int64(i+1), int64(i+501)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		add, remove := first, second
		if i%2 == 1 {
			add, remove = second, first
		}
		if _, err := c.UpdateMemberships(ctx, list, add, remove); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "ids/s")
}
