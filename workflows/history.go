package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"
)

// DefaultHistoryLimit bounds a run's history (events) well below
// Temporal's limits (51,200 events, 50 MB): every accepted update adds a
// handful of events, so a flood of them continues the workflow as new
// rather than ending it.
const DefaultHistoryLimit = 4000

// errContinueAsNew ends a wait: the history is long enough that the
// workflow continues in a new run.
var errContinueAsNew = errors.New("continue as new")

// runHistory decides when a run of a long-lived workflow (a call, a
// project) continues as new, and waits with that in mind.
type runHistory struct {
	canContinue bool // runs started before continue-as-new existed never do
	limit       int
}

// newRunHistory records (once per run) whether this run may continue as
// new, with its history limit (0: DefaultHistoryLimit).
func newRunHistory(ctx workflow.Context, limit int) runHistory {
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	return runHistory{limit: limit,
		canContinue: workflow.GetVersion(ctx, "continue-as-new", workflow.DefaultVersion, 1) == 1}
}

// mustContinue says the run's history is long enough to continue as new:
// the server suggests it, or it holds the run's history limit of events.
func (h runHistory) mustContinue(ctx workflow.Context) bool {
	if !h.canContinue {
		return false
	}
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= h.limit
}

// await waits for cond, at most d (d < 0: no limit), and reports whether it
// holds. When the history grows long meanwhile it returns errContinueAsNew:
// the caller continues the workflow as new, and the next run waits on from
// the same state.
func (h runHistory) await(ctx workflow.Context, d time.Duration, cond func() bool) (bool, error) {
	c := func() bool { return cond() || h.mustContinue(ctx) }
	var err error
	if d < 0 {
		err = workflow.Await(ctx, c)
	} else {
		_, err = workflow.AwaitWithTimeout(ctx, d, c)
	}
	if err != nil {
		return false, err
	}
	if cond() {
		return true, nil
	}
	if h.mustContinue(ctx) {
		return false, errContinueAsNew
	}
	return false, nil
}
