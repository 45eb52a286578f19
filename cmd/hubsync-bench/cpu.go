package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// idleCPU measures the cores each process used over d.
func idleCPU(ctx context.Context, pids map[string]int, d time.Duration) (map[string]float64, error) {
	before := map[string]float64{}
	for name, pid := range pids {
		t, err := cpuSeconds(pid)
		if err != nil {
			return nil, err
		}
		before[name] = t
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("measuring idle CPU: %w", ctx.Err())
	case <-time.After(d):
	}
	out := map[string]float64{}
	for name, pid := range pids {
		t, err := cpuSeconds(pid)
		if err != nil {
			return nil, err
		}
		out[name] = (t - before[name]) / time.Since(start).Seconds()
	}
	return out, nil
}

// cpuSeconds is the user + system CPU time of pid so far.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("reading CPU time of process %d: unexpected /proc stat format", pid)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: unexpected /proc stat format", pid)
	}
	return (utime + stime) / clockTicks, nil
}
