package service

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// ImportStatus is where a background import stands: running (with its
// progress) or done (with its outcome).
type ImportStatus struct {
	ID       string
	Running  bool
	Progress domain.ImportProgress
	Outcome  domain.ImportOutcome
}

// StartImport keeps the uploaded register file and imports it in the
// background (ImportWorkflow), so the page can show the progress and a
// reload finds it again; it returns the import's ID. The rules are
// Import's: all rows or none.
func (s *Elderly) StartImport(ctx context.Context, by domain.Actor, fileName string, data []byte) (string, error) {
	if err := auth.Authorize(by.User(), auth.ActionImportElderly, ""); err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", domain.Errorf(domain.CodeInvalid, "文件是空的，请选择要上传的文件。")
	}
	id := uuid.NewString()
	// The file is the register in the clear: kept sealed, removed when done.
	sealed, err := s.Keys.Seal(string(data))
	if err != nil {
		return "", err
	}
	obj, err := s.Blob.Put(ctx, path.Join("imports", id, "elderly.xlsx.sealed"), []byte(sealed), "application/octet-stream")
	if err != nil {
		return "", err
	}
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ImportWorkflowID(id), TaskQueue: s.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		Memo:                  map[string]any{"user_id": by.UserID},
	}, workflows.ImportWorkflow, workflows.ImportInput{ID: id, FileName: fileName, Key: obj.Key, VersionID: obj.VersionID, SHA256: obj.SHA256, By: by})
	if err != nil {
		return "", temporalErr("start import", err)
	}
	return id, nil
}

// ImportStatus says how far the person's import is, or how it ended.
// Someone else's import is not found.
func (s *Elderly) ImportStatus(ctx context.Context, by domain.Actor, id string) (ImportStatus, error) {
	notFound := domain.Errorf(domain.CodeNotFound, "找不到这次导入，请重新上传。")
	if err := auth.Authorize(by.User(), auth.ActionImportElderly, ""); err != nil {
		return ImportStatus{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return ImportStatus{}, notFound
	}
	d, err := s.Temporal.DescribeWorkflowExecution(ctx, workflows.ImportWorkflowID(id), "")
	if err != nil {
		if isNotFound(err) {
			return ImportStatus{}, notFound
		}
		return ImportStatus{}, temporalErr("describe import", err)
	}
	var owner int64
	if f := d.GetWorkflowExecutionInfo().GetMemo().GetFields()["user_id"]; f != nil {
		_ = payloadsOf(s.Payloads).FromPayload(f, &owner)
	}
	if owner != by.UserID {
		return ImportStatus{}, notFound
	}
	st := ImportStatus{ID: id}
	if d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		st.Running = true
		for _, a := range d.GetPendingActivities() {
			if h := a.GetHeartbeatDetails(); h != nil {
				_ = payloadsOf(s.Payloads).FromPayloads(h, &st.Progress)
			}
		}
		return st, nil
	}
	if err := s.Temporal.GetWorkflow(ctx, workflows.ImportWorkflowID(id), "").Get(ctx, &st.Outcome); err != nil {
		st.Outcome.Error = "导入没有完成，未导入任何数据，请重新上传。"
	}
	return st, nil
}

// ImportActivities run background imports on the worker.
type ImportActivities struct {
	Elderly *Elderly
}

// ImportElderlyRegister imports a kept register file, reporting progress
// by heartbeat. A problem with the file is an outcome, not a failure (no
// retry); anything else is retried.
func (a *ImportActivities) ImportElderlyRegister(ctx context.Context, in workflows.ImportInput) (domain.ImportOutcome, error) {
	sealed, _, err := a.Elderly.Blob.Get(ctx, in.Key, in.SHA256)
	if err != nil {
		return domain.ImportOutcome{}, err
	}
	data, err := a.Elderly.Keys.Open(string(sealed))
	if err != nil {
		return domain.ImportOutcome{}, err
	}
	res, err := a.Elderly.importRows(ctx, in.By, in.FileName, []byte(data), func(p domain.ImportProgress) { activity.RecordHeartbeat(ctx, p) })
	var de *domain.Error
	switch {
	case errors.As(err, &de) && de.Code != domain.CodeInternal && de.Code != domain.CodeUnavailable:
		return domain.ImportOutcome{Error: domain.ErrorMessage(err)}, nil
	case err != nil:
		return domain.ImportOutcome{}, fmt.Errorf("import %s: %w", in.ID, err)
	}
	return domain.ImportOutcome{Imported: res.Imported, Updated: res.Updated, Problems: res.Problems}, nil
}

// RemoveImportFile removes the kept file of an ended import, that version
// and all (the bucket keeps versions): no copy of the register in the clear
// or sealed is left behind. Removing a removed file is not an error.
func (a *ImportActivities) RemoveImportFile(ctx context.Context, in workflows.ImportInput) error {
	return a.Elderly.Blob.RemoveVersion(ctx, in.Key, in.VersionID)
}
