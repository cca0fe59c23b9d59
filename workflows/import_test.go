package workflows

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"grantflow/internal/domain"
)

// TestImportWorkflow: the import's outcome is the workflow's result; a
// failing attempt (a lost database, a lost worker) is tried again; the kept
// file's version is removed at the end.
func TestImportWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	attempts := 0
	env.RegisterActivityWithOptions(func(ctx context.Context, in ImportInput) (domain.ImportOutcome, error) {
		attempts++
		if attempts == 1 {
			return domain.ImportOutcome{}, errors.New("connection reset")
		}
		return domain.ImportOutcome{Imported: 3, Updated: 1}, nil
	}, activity.RegisterOptions{Name: ImportElderlyActivity})
	removed := ""
	env.RegisterActivityWithOptions(func(ctx context.Context, in ImportInput) error {
		removed = in.Key + "@" + in.VersionID
		return nil
	}, activity.RegisterOptions{Name: RemoveImportFileActivity})
	env.ExecuteWorkflow(ImportWorkflow, ImportInput{ID: "x", FileName: "名册.xlsx", Key: "imports/x/elderly.xlsx.sealed", VersionID: "v1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("import: %v", env.GetWorkflowError())
	}
	var out domain.ImportOutcome
	if err := env.GetWorkflowResult(&out); err != nil || out.Imported != 3 || out.Updated != 1 || attempts != 2 {
		t.Fatalf("outcome %+v after %d attempts (%v)", out, attempts, err)
	}
	if removed != "imports/x/elderly.xlsx.sealed@v1" {
		t.Errorf("the kept file was not removed: %q", removed)
	}
}
