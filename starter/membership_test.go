package starter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(1000 + i)
	}
	return out
}

// recordSignals captures membership changes admitted by the audience
// workflow (the admit update); err, if set, is what the call returns.
func recordSignals(c interface {
	On(string, ...any) *mock.Call
}, audienceID string, got *[]contract.MembershipChange) *admitCall {
	return &admitCall{c: c, audienceID: audienceID, got: got}
}

type admitCall struct {
	c interface {
		On(string, ...any) *mock.Call
	}
	audienceID string
	got        *[]contract.MembershipChange
	err        error
}

func (a *admitCall) Return(err error) *admitCall { a.err = err; return a }

func (a *admitCall) Times(n int) { a.register(n) }
func (a *admitCall) Once()       { a.register(1) }

func (a *admitCall) register(n int) {
	var h client.WorkflowUpdateHandle
	if a.err == nil {
		mh := &mocks.WorkflowUpdateHandle{}
		mh.On("Get", mock.Anything, mock.Anything).Return(nil)
		h = mh
	}
	a.c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == contract.AudienceWorkflowID(a.audienceID) && o.UpdateName == contract.UpdateAdmit &&
			o.WaitForStage == client.WorkflowUpdateStageCompleted && len(o.Args) == 1
	})).Run(func(args mock.Arguments) {
		*a.got = append(*a.got, args.Get(1).(client.UpdateWorkflowOptions).Args[0].(contract.MembershipChange))
	}).Return(h, a.err).Times(n)
}

func TestEnterChunksInOrder(t *testing.T) {
	s, c := newTestStarter(t)
	var got []contract.MembershipChange
	recordSignals(c, "aud-1", &got).Return(nil).Times(3)

	in := ids(2*MaxIDsPerSignal + 500)
	acc, err := s.Enter(context.Background(), "aud-1", in)
	if err != nil {
		t.Fatal(err)
	}
	if acc.IDs != len(in) || acc.Signals != 3 || len(acc.ChangeIDs) != 3 {
		t.Fatalf("accepted %+v", acc)
	}
	var all []string
	seen := map[string]bool{}
	for i, ch := range got {
		if ch.Op != contract.OpEnter || ch.ChangeID == "" || seen[ch.ChangeID] || ch.ChangeID != acc.ChangeIDs[i] {
			t.Errorf("signal %d: op %s changeId %q", i, ch.Op, ch.ChangeID)
		}
		seen[ch.ChangeID] = true
		all = append(all, ch.RecordIDs...)
	}
	if sizes := []int{len(got[0].RecordIDs), len(got[1].RecordIDs), len(got[2].RecordIDs)}; !slices.Equal(sizes, []int{2000, 2000, 500}) {
		t.Errorf("chunk sizes %v", sizes)
	}
	if !slices.Equal(all, in) {
		t.Error("the chunks do not concatenate to the input in order")
	}
}

func TestLeaveSendsLeave(t *testing.T) {
	s, c := newTestStarter(t)
	var got []contract.MembershipChange
	recordSignals(c, "aud-1", &got).Return(nil).Once()
	// Malformed IDs are sent as given: the workflow counts rejects.
	if _, err := s.Leave(context.Background(), "aud-1", []string{"7", "x"}); err != nil {
		t.Fatal(err)
	}
	if got[0].Op != contract.OpLeave || !slices.Equal(got[0].RecordIDs, []string{"7", "x"}) {
		t.Errorf("signal %+v", got[0])
	}
}

func TestEnterNothingSendsNothing(t *testing.T) {
	s, _ := newTestStarter(t)
	if acc, err := s.Enter(context.Background(), "aud-1", nil); err != nil || acc.Signals != 0 {
		t.Fatalf("%+v %v", acc, err)
	}
}

func TestEnterNotActive(t *testing.T) {
	s, c := newTestStarter(t)
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
	c.On("DescribeWorkflowExecution", mock.Anything, "hubspot-audience/aud-9", "").
		Return(nil, serviceerror.NewNotFound("workflow not found")).Once()
	acc, err := s.Enter(context.Background(), "aud-9", []string{"1"})
	if !errors.Is(err, ErrAudienceNotActive) || errors.Is(err, ErrConnectorNotActive) {
		t.Fatalf("err = %v", err)
	}
	var na *NotActiveError
	if !errors.As(err, &na) || na.AudienceID != "aud-9" || !strings.Contains(err.Error(), "activate") {
		t.Errorf("err = %v", err)
	}
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		t.Error("the Temporal cause is not kept")
	}
	if acc.IDs != 0 {
		t.Errorf("accepted %+v", acc)
	}
}

func TestEnterPartialFailureSaysWhereToResume(t *testing.T) {
	s, c := newTestStarter(t)
	var got []contract.MembershipChange
	recordSignals(c, "aud-1", &got).Return(nil).Once()
	recordSignals(c, "aud-1", &got).Return(serviceerror.NewPermissionDenied("not allowed", "")).Once()

	in := ids(MaxIDsPerSignal + 10)
	acc, err := s.Enter(context.Background(), "aud-1", in)
	if err == nil {
		t.Fatal("no error")
	}
	if acc.IDs != MaxIDsPerSignal || acc.Signals != 1 {
		t.Errorf("accepted %+v", acc)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("resend from ID #%d", MaxIDsPerSignal+1)) {
		t.Errorf("err = %v", err)
	}
	var un *serviceerror.PermissionDenied
	if !errors.As(err, &un) {
		t.Error("cause not wrapped")
	}
}

func TestEnterRefusesHugeIDBeforeSending(t *testing.T) {
	s, _ := newTestStarter(t)
	_, err := s.Enter(context.Background(), "aud-1", []string{"1", strings.Repeat("9", MaxIDBytes+1)})
	if err == nil || !strings.Contains(err.Error(), "#2") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v", err)
	}
}

func TestChunksBoundBytes(t *testing.T) {
	long := strings.Repeat("1", MaxIDBytes)
	in := make([]string, 600)
	for i := range in {
		in[i] = long
	}
	cs := chunks(in)
	total := 0
	for _, c := range cs {
		size := 0
		for _, id := range c {
			size += len(id)
		}
		if size > MaxBytesPerSignal {
			t.Errorf("chunk of %d bytes", size)
		}
		total += len(c)
	}
	if total != len(in) || len(cs) != 3 { // 256 per chunk
		t.Errorf("%d chunks holding %d IDs", len(cs), total)
	}
	if got := chunks(nil); len(got) != 0 {
		t.Errorf("chunks(nil) = %v", got)
	}
	if got := chunks(ids(MaxIDsPerSignal)); len(got) != 1 {
		t.Errorf("exactly MaxIDsPerSignal made %d chunks", len(got))
	}
}

// An admit refused while the audience continues as new (or that met a
// failed workflow task) was not taken: the starter sends it again, under a
// new update ID, and the call succeeds.
func TestEnterRetriesAnAdmitThatWasNotTaken(t *testing.T) {
	s, c := newTestStarter(t)
	var got []contract.MembershipChange
	recordSignals(c, "aud-1", &got).Return(temporal.NewApplicationError("continuing as new", contract.ErrTypeRetryAdmit)).Once()
	recordSignals(c, "aud-1", &got).Return(serviceerror.NewWorkflowNotReady("task failed")).Once()
	recordSignals(c, "aud-1", &got).Once()
	acc, err := s.Enter(context.Background(), "aud-1", []string{"7"})
	if err != nil || acc.IDs != 1 {
		t.Fatalf("%+v %v", acc, err)
	}
	if len(got) != 3 || got[0].ChangeID != got[2].ChangeID {
		t.Fatalf("sent %+v", got)
	}
}
