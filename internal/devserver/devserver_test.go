package devserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The CLI missing fails the test: it never skips.
func cli(t *testing.T) string {
	t.Helper()
	p, err := FindCLI()
	require.NoError(t, err)
	return p
}

func TestStartServesThenStopLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logFile, err := os.Create(filepath.Join(t.TempDir(), "temporal.log"))
	require.NoError(t, err)
	defer logFile.Close()

	s, err := Start(ctx, Options{CLI: cli(t), Log: logFile})
	require.NoError(t, err)
	defer s.Stop()

	_, err = s.Client.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	require.NoError(t, err, "the default namespace is registered")
	sa, err := s.Client.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	for _, name := range contract.SearchAttributeNames() {
		assert.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD, sa.CustomAttributes[name], "search attribute %s is registered as Keyword", name)
	}
	_, err = os.Stat(fmt.Sprintf("/proc/%d/status", s.PID()))
	require.NoError(t, err, "PID names the running server")

	s.Stop()
	s.Stop() // idempotent
	select {
	case <-s.Done():
	default:
		t.Fatal("Stop returned before the process exited")
	}
	_, err = net.DialTimeout("tcp", s.Address, time.Second)
	assert.Error(t, err, "nothing listens on the frontend port any more")
}

func TestStartKeepsStateInTheDBFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := filepath.Join(t.TempDir(), "temporal.db")
	s, err := Start(ctx, Options{CLI: cli(t), DBFile: db})
	require.NoError(t, err)
	s.Stop()
	info, err := os.Stat(db)
	require.NoError(t, err)
	assert.Positive(t, info.Size())
}

func TestStartFailsClearlyWhenTheCLIIsMissing(t *testing.T) {
	_, err := Start(context.Background(), Options{CLI: filepath.Join(t.TempDir(), "no-temporal")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scripts/temporal-cli.sh")
}
