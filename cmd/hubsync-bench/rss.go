package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler reads each process's peak resident set size from
// /proc/PID/status every second: VmHWM (the kernel's high-water mark), or
// VmRSS where VmHWM is missing, keeping the largest value seen. A last
// sample is taken when it stops, while the processes still run.
type rssSampler struct {
	pids map[string]int
	mu   sync.Mutex
	peak map[string]int64 // bytes
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func sampleRSS(pids map[string]int) *rssSampler {
	s := &rssSampler{pids: pids, peak: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, pid := range s.pids {
		if b, err := peakRSS(pid); err == nil {
			s.peak[name] = max(s.peak[name], b)
		}
	}
}

// finish takes a last sample and returns the peaks in bytes by name.
func (s *rssSampler) finish() map[string]int64 {
	s.once.Do(func() { close(s.stop); <-s.done; s.sample() })
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.peak))
	for k, v := range s.peak {
		out[k] = v
	}
	return out
}

// peakRSS returns max(VmHWM, VmRSS) of the process in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var peak int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err == nil {
			peak = max(peak, kb*1024)
		}
	}
	return peak, sc.Err()
}
