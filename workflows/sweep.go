package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
)

// BlobSweepWorkflow removes uploads no record refers to once they are older
// than the grace period (activities.SweepUnreferenced): a bid's sealed
// parts, a voucher or an evaluation report stored by a request whose update
// ended unclear are kept at the time (the workflow may hold them) and
// removed here if it turned out not to. A Temporal Schedule runs it daily.
func BlobSweepWorkflow(ctx workflow.Context) (activities.SweepResult, error) {
	var a *activities.Activities
	var res activities.SweepResult
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Minute, BackoffCoefficient: 2, MaximumInterval: time.Hour, MaximumAttempts: 5},
	})
	err := workflow.ExecuteActivity(ctx, a.SweepBlobs).Get(ctx, &res)
	return res, err
}
