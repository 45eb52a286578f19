package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func TestUsageAndHelp(t *testing.T) {
	h := newHarness(t)
	h.expect(exitUsage)
	for _, name := range []string{"activate", "import", "connect", "create-list", "Exit codes", "4  partially done", "HUBSYNC_CONFIG"} {
		if !strings.Contains(h.stderr.String(), name) {
			t.Errorf("usage lacks %q", name)
		}
	}
	h.expect(exitOK, "-help")
	h.expect(exitOK, "--help")
	h.expect(exitOK, "help")
	h.expect(exitOK, "help", "import")
	if !strings.Contains(h.stderr.String(), "record_id") {
		t.Errorf("import help:\n%s", h.stderr.String())
	}
	h.expect(exitUsage, "help", "nope")
	h.expect(exitUsage, "nope")
	h.expect(exitUsage, "-nope")
	for _, c := range commands() {
		h.expect(exitOK, c.name, "--help")
		if !strings.Contains(h.stderr.String(), "Usage: hubsync "+c.name) || !strings.Contains(h.stderr.String(), "-config") {
			t.Errorf("%s --help:\n%s", c.name, h.stderr.String())
		}
	}
	if h.dials != 0 {
		t.Errorf("help dialled Temporal %d times", h.dials)
	}
}

func TestArgumentCounts(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"activate", "aud-1"}, {"enter", "aud-1"}, {"leave"}, {"status"}, {"status", "a", "b", "c"},
		{"pause"}, {"retarget", "aud-1", "acme-vip"}, {"discard", "aud-1"}, {"import"}, {"import", "a", "b", "c"},
		{"lists", "extra"}, {"create-list"}, {"stop", "a", "b", "c"},
	} {
		h.expect(exitUsage, args...)
		if !strings.Contains(h.stderr.String(), "usage: hubsync "+args[0]) {
			t.Errorf("%v: no usage line in %q", args, h.stderr.String())
		}
	}
	if len(h.fake.calls) != 0 {
		t.Errorf("calls despite usage errors: %v", h.fake.callStrings())
	}
}

func TestFlagsAfterArgumentsAndDoubleDash(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	j := fs.Bool("json", false, "")
	r := fs.String("reason", "", "")
	got, err := parseInterspersed(fs, []string{"a", "-json", "b", "-reason", "why", "--", "-c", "-json"})
	if err != nil {
		t.Fatal(err)
	}
	if !*j || *r != "why" || !slices.Equal(got, []string{"a", "b", "-c", "-json"}) {
		t.Errorf("json %t reason %q positional %q", *j, *r, got)
	}
	got, _ = parseInterspersed(fs, []string{"aud", "-"})
	if !slices.Equal(got, []string{"aud", "-"}) {
		t.Errorf("stdin marker: %q", got)
	}
}

func TestConfigFlagAndEnv(t *testing.T) {
	h := newHarness(t)
	h.env["HUBSYNC_CONFIG"] = "/nonexistent/c.yaml"
	h.expect(exitFailed, "status", "aud-1")
	if !strings.Contains(h.stderr.String(), "/nonexistent/c.yaml") {
		t.Errorf("stderr %q", h.stderr.String())
	}
	good := testConfig(t, "http://127.0.0.1:1", "http://127.0.0.1:1/cb")
	h.expect(exitOK, "-config", good, "pause", "aud-1", "acme-vip")
	h.expect(exitOK, "pause", "aud-1", "acme-vip", "-config", good)
}

func TestExitCodeMapping(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailed},
		{usagef("bad"), exitUsage},
		{fmt.Errorf("x: %w", &starter.NotActiveError{AudienceID: "a"}), exitNotFound},
		{&starter.NotActiveError{AudienceID: "a", ConnectorID: "c"}, exitNotFound},
		{&notFoundError{errors.New("no account")}, exitNotFound},
		{&hubspot.APIError{StatusCode: 404}, exitNotFound},
		{&hubspot.APIError{StatusCode: 400}, exitFailed},
		{&partialError{&starter.NotActiveError{AudienceID: "a"}}, exitPartial},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
