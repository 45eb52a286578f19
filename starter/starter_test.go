package starter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

func TestActivateSignalsWithStartPerConnector(t *testing.T) {
	s, c := newTestStarter(t)
	var order []string
	wantOpts := mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		aud, _ := o.TypedSearchAttributes.GetKeyword(workflows.SearchAttrAudience)
		state, _ := o.TypedSearchAttributes.GetKeyword(workflows.SearchAttrState)
		return o.ID == "hubspot-audience/aud-1" && o.TaskQueue == testQueue &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE &&
			o.StaticSummary == workflows.AudienceSummary("aud-1") && o.StaticDetails == workflows.AudienceStaticDetails("aud-1") &&
			aud == "aud-1" && state == workflows.StateAudience
	})
	run := mocks.NewWorkflowRun(t)
	run.On("GetRunID").Return("run-1")
	c.On("SignalWithStartWorkflow", mock.Anything, "hubspot-audience/aud-1", workflows.SignalAudience,
		mock.AnythingOfType("workflows.AudienceCommand"), wantOpts, workflows.AudienceWorkflowName,
		workflows.AudienceInput{AudienceID: "aud-1"}).
		Run(func(args mock.Arguments) {
			cmd := args.Get(3).(workflows.AudienceCommand)
			if cmd.Activate == nil || cmd.Membership != nil || cmd.Deactivate != nil {
				t.Fatalf("activate command %+v", cmd)
			}
			in := *cmd.Activate
			if in.AudienceID != "aud-1" || in.Carried != nil {
				t.Errorf("activate payload %+v", in)
			}
			order = append(order, in.ConnectorID+"="+in.ListID)
		}).Return(run, nil).Times(2)

	// The duplicate is sent once: activating twice is harmless but wasteful.
	if err := s.Activate(context.Background(), "aud-1", "globex", "acme-vip", "globex"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "globex=456,acme-vip=123" {
		t.Errorf("activation order %s", got)
	}
}

func TestActivateResolvesEveryConnectorBeforeSending(t *testing.T) {
	s, _ := newTestStarter(t) // the mock fails the test on any call
	err := s.Activate(context.Background(), "aud-1", "acme-vip", "nope")
	if err == nil || !strings.Contains(err.Error(), "unknown connector nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestActivateReportsWhatWasActivated(t *testing.T) {
	s, c := newTestStarter(t)
	run := mocks.NewWorkflowRun(t)
	run.On("GetRunID").Return("run-1")
	c.On("SignalWithStartWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(run, nil).Once()
	c.On("SignalWithStartWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewUnavailable("down")).Once()
	err := s.Activate(context.Background(), "aud-1", "acme-vip", "globex")
	if err == nil || !strings.Contains(err.Error(), `connector "globex"`) || !strings.Contains(err.Error(), "[acme-vip]") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidation(t *testing.T) {
	s, _ := newTestStarter(t) // no Temporal call may happen
	ctx := context.Background()
	bad := []string{"", "a/b", "a b", "tab\there", "nul\x00", strings.Repeat("x", MaxNameLength+1), "\xff"}
	for _, id := range bad {
		if err := s.Activate(ctx, id, "acme-vip"); err == nil {
			t.Errorf("Activate(%q) accepted", id)
		}
		if err := s.Activate(ctx, "aud", id); err == nil {
			t.Errorf("Activate connector %q accepted", id)
		}
		if _, err := s.Enter(ctx, id, []string{"1"}); err == nil {
			t.Errorf("Enter(%q) accepted", id)
		}
		if id != "" { // empty connector means "all"
			if err := s.Pause(ctx, "aud", id); err == nil {
				t.Errorf("Pause connector %q accepted", id)
			}
		}
	}
	if err := s.Activate(ctx, "aud"); err == nil {
		t.Error("Activate without connectors accepted")
	}
	if err := checkAudience("Audience_42.v2:é"); err != nil {
		t.Errorf("a reasonable ID was refused: %v", err)
	}
}

func TestStopSignalsTheAudienceWorkflow(t *testing.T) {
	s, c := newTestStarter(t)
	c.On("SignalWorkflow", mock.Anything, "hubspot-audience/aud-1", "", workflows.SignalAudience,
		deactivate("acme-vip")).Return(nil).Once()
	if err := s.Stop(context.Background(), "aud-1", "acme-vip"); err != nil {
		t.Fatal(err)
	}

	c.On("SignalWorkflow", mock.Anything, "hubspot-audience/aud-2", "", workflows.SignalAudience, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	err := s.Stop(context.Background(), "aud-2", "acme-vip")
	if !errors.Is(err, ErrAudienceNotActive) {
		t.Fatalf("err = %v, want ErrAudienceNotActive", err)
	}
}

func TestStopAllConnectors(t *testing.T) {
	s, c := newTestStarter(t)
	expectConnectors(t, c, "aud-1", "acme-vip", "globex")
	for _, id := range []string{"acme-vip", "globex"} {
		c.On("SignalWorkflow", mock.Anything, "hubspot-audience/aud-1", "", workflows.SignalAudience,
			deactivate(id)).Return(nil).Once()
	}
	if err := s.Stop(context.Background(), "aud-1", ""); err != nil {
		t.Fatal(err)
	}
}

func deactivate(connectorID string) workflows.AudienceCommand {
	return workflows.AudienceCommand{Deactivate: &workflows.Deactivate{ConnectorID: connectorID}}
}
