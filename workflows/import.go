package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/internal/domain"
)

// The activities of an import (registered by the service package, which
// holds the import rules): write an elderly-register file; remove the kept
// file once the import has ended.
const (
	ImportElderlyActivity    = "ImportElderlyRegister"
	RemoveImportFileActivity = "RemoveImportFile"
)

// ImportInput is one bulk import run in the background: the uploaded file,
// kept in the object store, and who imports it.
type ImportInput struct {
	ID        string       `json:"id"`
	FileName  string       `json:"file_name"`
	Key       string       `json:"key"` // the file, sealed under the PII key
	VersionID string       `json:"version_id"`
	SHA256    string       `json:"sha256"`
	By        domain.Actor `json:"by"`
}

// ImportWorkflowID names the workflow of an import.
func ImportWorkflowID(id string) string { return "import-" + id }

// ImportWorkflow runs a bulk import as one activity that reports its
// progress by heartbeat, so that the person can leave or reload the page
// and find the progress, then the outcome, where they left them. The
// import is all-or-nothing and an upsert: a retry after a lost worker
// writes the same rows once. The kept file (personal data, sealed) is
// removed, that version and all, once the import has ended either way.
func ImportWorkflow(ctx workflow.Context, in ImportInput) (domain.ImportOutcome, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	var out domain.ImportOutcome
	err := workflow.ExecuteActivity(actx, ImportElderlyActivity, in).Get(ctx, &out)
	rctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	if rerr := workflow.ExecuteActivity(rctx, RemoveImportFileActivity, in).Get(ctx, nil); err == nil {
		err = rerr
	}
	return out, err
}
