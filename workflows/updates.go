package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// updateRun is a run of a workflow whose updates are registered by
// updateOf: CallWorkflow's callRun and ProjectWorkflow's projectRun. Each
// says when its updates may run, how it refuses them while it drains and
// how it remembers the ones it answered.
type updateRun interface {
	// ready reports whether the record the updates act on exists;
	// handlers wait for it.
	ready() bool
	// refusal is the error that refuses every new update while the run
	// drains before continuing as new; nil otherwise.
	refusal() error
	// handledAnswer is the answer to an update already handled (by its
	// ID, in this run or an earlier one: Temporal deduplicates update IDs
	// within one run only), and whether there is one.
	handledAnswer(id string) (any, bool)
	// recheck reports whether a handler runs the validator again before
	// it does the update (the state may have moved while the update
	// waited its turn); a run that does not leaves it to each handler.
	recheck() bool
	// settle remembers a done update's answer and gives the error the
	// handler returns.
	settle(id string, res any, err error) error
}

// update registers one update of a run.
type update func(ctx workflow.Context, ur updateRun) error

// updateOf is the update name whose validator is validate and whose
// handler is run. Its validator refuses it while the run drains, accepts a
// request already handled, and otherwise asks validate; a refusal writes
// nothing. Its handler waits until the run is ready and answers a request
// already handled again instead of doing it twice.
func updateOf[Req, Res any](name string, validate func(workflow.Context, Req) error,
	run func(workflow.Context, Req) (Res, error)) update {
	return func(ctx workflow.Context, ur updateRun) error {
		return workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, req Req) (Res, error) {
				var zero Res
				if err := workflow.Await(ctx, ur.ready); err != nil {
					return zero, err
				}
				id := updateID(ctx)
				if ans, ok := ur.handledAnswer(id); ok {
					if res, ok := ans.(Res); ok {
						return res, nil
					}
				}
				if ur.recheck() {
					if err := validate(ctx, req); err != nil {
						return zero, toApplicationError(err)
					}
				}
				res, err := run(ctx, req)
				return res, ur.settle(id, res, err)
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req Req) error {
				if err := ur.refusal(); err != nil {
					return err
				}
				if _, ok := ur.handledAnswer(updateID(ctx)); ok {
					return nil
				}
				return toApplicationError(validate(ctx, req))
			}})
	}
}

// handledEntry is an answered update a run remembers: HandledCallUpdate,
// HandledUpdate.
type handledEntry interface {
	key() string
	answer() any
}

// findHandled is the answer to update id among those handled, and whether
// there is one.
func findHandled[H handledEntry](handled []H, id string) (any, bool) {
	if id == "" {
		return nil, false
	}
	for _, h := range handled {
		if h.key() == id {
			return h.answer(), true
		}
	}
	return nil, false
}

// keepHandled adds h to the handled updates, keeping the most recent limit.
func keepHandled[H any](handled []H, h H, limit int) []H {
	handled = append(handled, h)
	if n := len(handled); n > limit {
		handled = slices.Delete(handled, 0, n-limit)
	}
	return handled
}

// registerUpdates registers a run's updates, in order.
func registerUpdates(ctx workflow.Context, ur updateRun, updates ...update) error {
	for _, u := range updates {
		if err := u(ctx, ur); err != nil {
			return err
		}
	}
	return nil
}

// updateID is the current update's ID (unique per request; the web sets it
// from its idempotency key), used to record a decision once.
func updateID(ctx workflow.Context) string {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		return info.ID
	}
	return ""
}
