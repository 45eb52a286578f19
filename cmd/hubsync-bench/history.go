package main

import (
	"bytes"
	"context"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// historyFigures describe every run of one workflow ID.
type historyFigures struct {
	WorkflowID    string `json:"workflowId"`
	Kind          string `json:"kind"` // "audience" or "sync"
	Runs          int    `json:"runs"`
	ContinueAsNew int    `json:"continueAsNew"` // runs - 1
	// Generation is the continue-as-new count the workflow reports itself.
	Generation int `json:"generation"`
	// MaxRunEvents and MaxRunBytes are the largest history one run reached
	// (bytes: proto size of its events summed).
	MaxRunEvents int `json:"maxRunEvents"`
	MaxRunBytes  int `json:"maxRunBytes"`
	TotalEvents  int `json:"totalEvents"`
	// LargestPayloadBytes is the largest Payloads the workflow emitted:
	// continue-as-new input, activity input, external signal input, child
	// workflow input, activity result, workflow result, update result.
	LargestPayloadBytes int    `json:"largestPayloadBytes"`
	LargestPayloadEvent string `json:"largestPayloadEvent,omitempty"`
	// LargestIncomingBytes is the largest signal or update it received.
	LargestIncomingBytes int    `json:"largestIncomingBytes"`
	LargestIncomingEvent string `json:"largestIncomingEvent,omitempty"`
	// SecretHits counts events holding one of the account tokens anywhere
	// (payloads included); it must be 0.
	SecretHits int `json:"secretHits"`
}

// walkHistory reads every run of workflowID, from the current run back to
// the first through each run's ContinuedExecutionRunId.
func walkHistory(ctx context.Context, c client.Client, workflowID, kind string, secrets []string) (historyFigures, error) {
	f := historyFigures{WorkflowID: workflowID, Kind: kind}
	for runID := ""; ; {
		if f.Runs++; f.Runs > 100_000 {
			return f, fmt.Errorf("%s: more than 100,000 runs; the ContinuedExecutionRunId chain loops", workflowID)
		}
		events, size, prev := 0, 0, ""
		it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return f, fmt.Errorf("reading the history of %s run %q: %w", workflowID, runID, err)
			}
			events++
			size += proto.Size(ev)
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				prev = a.GetContinuedExecutionRunId()
			}
			f.observe(ev)
			if b, err := proto.Marshal(ev); err == nil {
				for _, s := range secrets {
					if s != "" && bytes.Contains(b, []byte(s)) {
						f.SecretHits++
					}
				}
			}
		}
		f.TotalEvents += events
		f.MaxRunEvents = max(f.MaxRunEvents, events)
		f.MaxRunBytes = max(f.MaxRunBytes, size)
		if prev == "" {
			f.ContinueAsNew = f.Runs - 1
			return f, nil
		}
		runID = prev
	}
}

// observe records the payload sizes of one event.
func (f *historyFigures) observe(ev *historypb.HistoryEvent) {
	var emitted, incoming []*commonpb.Payloads
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		emitted = append(emitted, ev.GetWorkflowExecutionContinuedAsNewEventAttributes().GetInput())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		emitted = append(emitted, ev.GetActivityTaskScheduledEventAttributes().GetInput())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		emitted = append(emitted, ev.GetActivityTaskCompletedEventAttributes().GetResult())
	case enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
		emitted = append(emitted, ev.GetSignalExternalWorkflowExecutionInitiatedEventAttributes().GetInput())
	case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
		emitted = append(emitted, ev.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetInput())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		emitted = append(emitted, ev.GetWorkflowExecutionCompletedEventAttributes().GetResult())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
		emitted = append(emitted, ev.GetWorkflowExecutionUpdateCompletedEventAttributes().GetOutcome().GetSuccess())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
		incoming = append(incoming, ev.GetWorkflowExecutionSignaledEventAttributes().GetInput())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
		incoming = append(incoming, ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetArgs())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED:
		incoming = append(incoming, ev.GetWorkflowExecutionUpdateAdmittedEventAttributes().GetRequest().GetInput().GetArgs())
	}
	name := ev.GetEventType().String()
	for _, p := range emitted {
		if n := proto.Size(p); p != nil && n > f.LargestPayloadBytes {
			f.LargestPayloadBytes, f.LargestPayloadEvent = n, name
		}
	}
	for _, p := range incoming {
		if n := proto.Size(p); p != nil && n > f.LargestIncomingBytes {
			f.LargestIncomingBytes, f.LargestIncomingEvent = n, name
		}
	}
}
