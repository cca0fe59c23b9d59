package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"grantflow/activities"
	"grantflow/internal/domain"
)

var act *activities.Activities

var (
	civilAffairs  = Actor{UserID: 7, Roles: []domain.Role{domain.RoleCivilAffairs}, District: "河西区"}
	otherDistrict = Actor{UserID: 8, Roles: []domain.Role{domain.RoleCivilAffairs}, District: "南开区"}
	financeActor  = Actor{UserID: 9, Roles: []domain.Role{domain.RoleFinance}, District: domain.CityLevel}
)

func testInput() CallInput {
	return CallInput{
		CallID:    "0b8f6d2e-3c1a-4f55-9a77-1d2e3f4a5b6c",
		Draft:     domain.CallDraft{Title: "失能老年人家庭照护者培训", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 20000000},
		CreatedBy: civilAffairs,
		Year:      2026,
	}
}

type fixture struct {
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	renders  []int
	stages   []domain.CallStage
	attached []domain.Attachment
	updates  int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.RegisterActivity(act)
	f.env.OnActivity(act.CreateDraftCall, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CreateDraftCallInput) (domain.Call, error) {
			return domain.Call{ID: in.CallID, Number: "ZJ2026-000001", Stage: domain.StageDraft}, nil
		})
	f.env.OnActivity(act.RenderCallNotice, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RenderCallNoticeInput) (activities.NoticeRef, error) {
			f.renders = append(f.renders, in.Revision)
			return activities.NoticeRef{Key: "k", SHA256: "abc"}, nil
		})
	f.env.OnActivity(act.SetCallStage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SetCallStageInput) error {
			f.stages = append(f.stages, in.Stage)
			return nil
		})
	f.env.OnActivity(act.RecordAttachment, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordAttachmentInput) error {
			f.attached = append(f.attached, in.Attachment)
			return nil
		})
	return f
}

// update sends an update at delay and records its outcome.
type outcome struct {
	rejected error
	err      error
	result   any
	done     bool
}

func (f *fixture) update(delay time.Duration, name string, args ...any) *outcome {
	o := &outcome{}
	f.updates++
	id := fmt.Sprintf("%s-%d", name, f.updates)
	f.env.RegisterDelayedCallback(func() {
		f.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.rejected = err; o.done = true },
			OnComplete: func(result any, err error) {
				o.result, o.err, o.done = result, err, true
			},
		}, args...)
	}, delay)
	return o
}

func attachment() domain.Attachment {
	return domain.Attachment{ID: "a1", FileName: "需求说明.pdf", ContentType: "application/pdf", Size: 10,
		SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ObjectKey: "calls/x/a1"}
}

func TestCallDraftAttachCancel(t *testing.T) {
	f := newFixture(t)
	draft := f.update(time.Second, UpdateAwaitDraft)
	attach := f.update(time.Minute, UpdateAttachDocument, AttachDocumentRequest{Actor: civilAffairs, Attachment: attachment()})
	cancel := f.update(time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "预算调整，本年度暂停征集"})
	f.env.RegisterDelayedCallback(func() {
		v, err := f.env.QueryWorkflow(QueryState)
		if err != nil {
			t.Fatal(err)
		}
		var st CallState
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		if st.Stage != domain.StageDraft || st.Number != "ZJ2026-000001" || st.NoticeRevision != 2 {
			t.Errorf("state after attach = %+v", st)
		}
	}, 30*time.Minute)
	f.env.ExecuteWorkflow(CallWorkflow, testInput())

	if !f.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete after cancel")
	}
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	for name, o := range map[string]*outcome{"await-draft": draft, "attach": attach, "cancel": cancel} {
		if !o.done || o.rejected != nil || o.err != nil {
			t.Fatalf("%s: done=%v rejected=%v err=%v", name, o.done, o.rejected, o.err)
		}
	}
	if st := draft.result.(CallState); st.Number != "ZJ2026-000001" {
		t.Fatalf("await-draft returned %+v", st)
	}
	if len(f.attached) != 1 || f.attached[0].CallID != testInput().CallID || f.attached[0].UploadedBy != civilAffairs.UserID {
		t.Fatalf("attachment recorded as %+v", f.attached)
	}
	// the notice is rendered at creation and again after the attachment
	if len(f.renders) != 2 || f.renders[0] != 1 || f.renders[1] != 2 {
		t.Fatalf("notice renders = %v, want [1 2]", f.renders)
	}
	if len(f.stages) != 1 || f.stages[0] != domain.StageCancelled {
		t.Fatalf("stages = %v", f.stages)
	}
}

func TestCallUpdatesRefusedByValidators(t *testing.T) {
	f := newFixture(t)
	wrongRole := f.update(time.Second, UpdateCancel, CancelRequest{Actor: financeActor, Reason: "财政不能撤销"})
	wrongDistrict := f.update(2*time.Second, UpdateAttachDocument, AttachDocumentRequest{Actor: otherDistrict, Attachment: attachment()})
	noReason := f.update(3*time.Second, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "  "})
	badAttachment := f.update(4*time.Second, UpdateAttachDocument, AttachDocumentRequest{Actor: civilAffairs, Attachment: domain.Attachment{ID: "x"}})
	f.update(time.Minute, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.env.ExecuteWorkflow(CallWorkflow, testInput())

	want := map[string]struct {
		o    *outcome
		code domain.Code
	}{
		"finance cancels":         {wrongRole, domain.CodeForbidden},
		"other district attaches": {wrongDistrict, domain.CodeForbidden},
		"cancel without reason":   {noReason, domain.CodeInvalid},
		"incomplete attachment":   {badAttachment, domain.CodeInvalid},
	}
	for name, w := range want {
		if w.o.rejected == nil {
			t.Errorf("%s: not rejected (err=%v)", name, w.o.err)
			continue
		}
		var de *domain.Error
		if !errors.As(DomainError(w.o.rejected), &de) || de.Code != w.code {
			t.Errorf("%s: rejected with %v, want code %s", name, w.o.rejected, w.code)
		}
	}
	if len(f.attached) != 0 {
		t.Fatalf("a refused update wrote: %+v", f.attached)
	}
	if len(f.stages) != 1 {
		t.Fatalf("stages written: %v", f.stages)
	}
}

func TestCallInvalidDraftFailsAwaitDraft(t *testing.T) {
	f := &fixture{}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.RegisterActivity(act)
	f.env.OnActivity(act.CreateDraftCall, mock.Anything, mock.Anything).Return(domain.Call{},
		temporal.NewNonRetryableApplicationError("提交的内容有误", string(domain.CodeInvalid), nil))
	draft := f.update(0, UpdateAwaitDraft)
	f.env.ExecuteWorkflow(CallWorkflow, testInput())
	if f.env.GetWorkflowError() == nil {
		t.Fatal("workflow should fail when the draft cannot be created")
	}
	if !draft.done || domain.ErrorCode(DomainError(draft.err)) != domain.CodeInvalid {
		t.Fatalf("await-draft should report the invalid draft: %+v", draft)
	}
}
