package integration_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// BenchmarkEndToEnd streams 20,000 enters (200 calls of 100 IDs) through
// the starter, the audience and sync workflows on the dev server, the
// worker and the emulator, and measures until the list holds them all.
// "hubspot-budget" keeps the default client budget (100 requests / 10 s)
// and HubSpot's 110 / 10 s limit; "unthrottled" lifts both, showing what
// the workflows alone sustain on this machine.
func BenchmarkEndToEnd(b *testing.B) {
	for _, bc := range []struct {
		name      string
		opts      []hubspottest.Option
		budget    config.Budget
		batchSize int
	}{
		{"hubspot-budget", nil, config.Budget{}, 500},
		{"unthrottled", []hubspottest.Option{hubspottest.WithRateLimit(0)}, config.Budget{Requests: 10000, Per: time.Second, Burst: 100}, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				s := newStackWith(b, stackConfig{emulator: bc.opts, budget: bc.budget, contacts: 20000, batchSize: bc.batchSize})
				aud := fmt.Sprintf("bench-%s-%d-%d", bc.name, i, time.Now().UnixNano())
				if err := s.st.Activate(s.ctx(), aud, "conn-a"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				for call := 0; call < 200; call++ {
					ids := make([]string, 100)
					for j := range ids {
						ids[j] = strconv.Itoa(call*100 + j + 1)
					}
					if _, err := s.st.Enter(s.ctx(), aud, ids); err != nil {
						b.Fatal(err)
					}
				}
				accepted := time.Since(start)
				testenv.Eventually(b, 2*time.Minute, func() (bool, string) {
					n := len(s.emu.Members(portalA, s.lists["conn-a"]))
					return n == 20000, fmt.Sprintf("%d members", n)
				})
				total := time.Since(start)
				b.ReportMetric(20000/total.Seconds(), "ids/s")
				b.ReportMetric(accepted.Seconds()*1000/200, "ms/enter-call")
				b.ReportMetric(total.Seconds(), "s-to-converge")
			}
		})
	}
}
