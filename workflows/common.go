package workflows

// Helpers both workflows use: activity options and the time people read.

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/internal/domain"
)

func cstTime(t time.Time) string { return t.In(domain.ChinaTime).Format("2006年1月2日 15:04") }

// LongHeartbeat is how long a long activity may go without a heartbeat
// before its attempt counts as lost.
const LongHeartbeat = 30 * time.Second

// opts gives every activity a 30-second attempt and retries with backoff
// until it succeeds or fails for good (non-retryable errors). The timeout
// is also how soon an attempt lost with a crashed worker is tried again.
func opts(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// longOpts is for activities that read or write every bid (opening, award,
// cancellation): up to five minutes an attempt, but heartbeating, so that
// an attempt lost with a crashed or stopped worker is tried again after
// LongHeartbeat, not after the whole five minutes.
func longOpts(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    LongHeartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}
