package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond every 50 ms until it holds or timeout passes, then
// fails the test with the last description cond gave.
func Eventually(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var why string
	for {
		ok, w := cond()
		if ok {
			return
		}
		why = w
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %s", timeout, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
