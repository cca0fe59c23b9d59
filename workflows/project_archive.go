package workflows

// A project's settlement and its archive package.

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// settled reports whether every tranche whose condition holds is paid.
func settled(st *ProjectState) bool {
	for _, t := range st.Money {
		if conditionHolds(st, t.Condition) && !t.Paid {
			return false
		}
	}
	return true
}

func conditionHolds(st *ProjectState, c domain.TrancheCondition) bool {
	switch c {
	case domain.TrancheOnMidterm:
		return st.MidtermPassed
	case domain.TrancheOnFinal:
		return st.FinalPassed
	}
	return true
}

// archive writes the archive package; the project is read-only after it
// and the workflow ends.
func archive(ctx workflow.Context, in ProjectInput, st *ProjectState) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}})
	var res activities.ArchiveResult
	if err := workflow.ExecuteActivity(actx, a.ArchiveProject, in.AwardID).Get(ctx, &res); err != nil {
		return err
	}
	st.Archived, st.ManifestSHA = true, res.ManifestSHA256
	if st.Stage != domain.ProjectTerminated {
		st.Stage = domain.ProjectArchived
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Stage))); err != nil {
		return err
	}
	// Updates still running (refused by now) finish before the workflow does.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
