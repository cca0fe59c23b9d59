package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/internal/domain"
)

// ImportElderlyActivity is the activity that writes an elderly-register
// file (registered by the service package, which holds the import rules).
const ImportElderlyActivity = "ImportElderlyRegister"

// ImportInput is one bulk import run in the background: the uploaded file,
// kept in the object store, and who imports it.
type ImportInput struct {
	ID       string       `json:"id"`
	FileName string       `json:"file_name"`
	Key      string       `json:"key"`
	SHA256   string       `json:"sha256"`
	By       domain.Actor `json:"by"`
}

// ImportWorkflowID names the workflow of an import.
func ImportWorkflowID(id string) string { return "import-" + id }

// ImportWorkflow runs a bulk import as one activity that reports its
// progress by heartbeat, so that the person can leave or reload the page
// and find the progress, then the outcome, where they left them. The
// import is all-or-nothing and an upsert: a retry after a lost worker
// writes the same rows once.
func ImportWorkflow(ctx workflow.Context, in ImportInput) (domain.ImportOutcome, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	var out domain.ImportOutcome
	err := workflow.ExecuteActivity(actx, ImportElderlyActivity, in).Get(ctx, &out)
	return out, err
}
