package starter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func TestOperatorSignalsGoToTheSyncWorkflow(t *testing.T) {
	s, c := newTestStarter(t)
	ctx := context.Background()
	wid := "hubspot-sync/aud-1/acme-vip"
	c.On("SignalWorkflow", mock.Anything, wid, "", contract.SignalPause, nil).Return(nil).Once()
	c.On("SignalWorkflow", mock.Anything, wid, "", contract.SignalResume, nil).Return(nil).Once()
	c.On("SignalWorkflow", mock.Anything, wid, "", contract.SignalRetarget, contract.Retarget{ListID: "77"}).Return(nil).Once()
	c.On("SignalWorkflow", mock.Anything, wid, "", contract.SignalDiscard, contract.Discard{Reason: "bad list"}).Return(nil).Once()

	if err := s.Pause(ctx, "aud-1", "acme-vip"); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(ctx, "aud-1", "acme-vip"); err != nil {
		t.Fatal(err)
	}
	if err := s.Retarget(ctx, "aud-1", "acme-vip", "77"); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(ctx, "aud-1", "acme-vip", "bad list"); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyConnectorMeansEveryConnector(t *testing.T) {
	s, c := newTestStarter(t)
	expectConnectors(t, c, "aud-1", "acme-vip", "globex")
	c.On("SignalWorkflow", mock.Anything, "hubspot-sync/aud-1/acme-vip", "", contract.SignalPause, nil).
		Return(serviceerror.NewNotFound("completed")).Once()
	c.On("SignalWorkflow", mock.Anything, "hubspot-sync/aud-1/globex", "", contract.SignalPause, nil).Return(nil).Once()

	// acme-vip's failure does not stop globex from being paused.
	err := s.Pause(context.Background(), "aud-1", "")
	if !errors.Is(err, ErrConnectorNotActive) || !strings.Contains(err.Error(), "acme-vip") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmptyConnectorWithoutConnectors(t *testing.T) {
	s, c := newTestStarter(t)
	expectConnectors(t, c, "aud-1")
	if err := s.Resume(context.Background(), "aud-1", ""); !errors.Is(err, ErrConnectorNotActive) {
		t.Fatalf("err = %v", err)
	}
}

func TestOperatorArgumentChecks(t *testing.T) {
	s, _ := newTestStarter(t) // no call may happen
	ctx := context.Background()
	if err := s.Retarget(ctx, "aud-1", "", "77"); err == nil {
		t.Error("retarget of every connector accepted")
	}
	if err := s.Retarget(ctx, "aud-1", "acme-vip", " 77"); err == nil {
		t.Error("padded list ID accepted")
	}
	if err := s.Discard(ctx, "aud-1", "acme-vip", "  "); err == nil {
		t.Error("discard without a reason accepted")
	}
}
