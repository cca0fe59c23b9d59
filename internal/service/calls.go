// Package service holds GrantFlow's application services: the one place
// where a person's request is checked (policy, input) and turned into a
// Temporal Update or workflow start. Web pages and the JSON API both call
// these; neither changes lifecycle state directly.
package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// MaxAttachmentBytes bounds one uploaded document.
const MaxAttachmentBytes = 20 << 20

// Calls is the application service of calls (征集).
type Calls struct {
	Temporal  client.Client
	Store     *store.Store
	Blob      *blob.Store
	Keys      *pii.Keyring
	Rules     domain.Rules
	TaskQueue string
	// HistoryLimit: events a run of the call's workflow (and of its
	// projects') holds before it continues as new (0: the workflows' default).
	HistoryLimit int
	// OCDS is what the open-data packages say of their publisher.
	OCDS domain.OCDSPublisher
}

// CreateDraft starts a call's workflow and waits until its draft is recorded.
// key is the caller's idempotency key (a UUID): the same key twice returns
// the same call, never a second one. An empty key makes a new call.
func (s *Calls) CreateDraft(ctx context.Context, by domain.Actor, key string, d domain.CallDraft) (domain.Call, error) {
	d = d.Normalize(s.Rules)
	if err := auth.Authorize(by.User(), auth.ActionCreateCall, d.District); err != nil {
		return domain.Call{}, err
	}
	if err := s.checkReissue(ctx, &d); err != nil {
		return domain.Call{}, err
	}
	if err := d.Validate(s.Rules); err != nil {
		return domain.Call{}, err
	}
	if key == "" {
		key = uuid.NewString()
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeInvalid, "请求编号（Idempotency-Key）须为 UUID，请刷新页面后重新提交。")
	}
	callID := id.String()
	year := time.Now().In(domain.ChinaTime).Year()
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.CallWorkflowID(callID),
		TaskQueue:                s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SAStage.ValueSet(string(domain.StageDraft)),
			workflows.SADistrict.ValueSet(d.District),
			workflows.SABrand.ValueSet(string(d.Brand)),
			workflows.SAYear.ValueSet(int64(year)),
		),
	}, workflows.CallWorkflow, workflows.CallInput{CallID: callID, Draft: d, CreatedBy: by, Year: year,
		HistoryLimit: s.HistoryLimit})
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateAwaitDraft,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return domain.Call{}, temporalErr("create call", err)
	}
	var ack workflows.Ack
	if err := h.Get(ctx, &ack); err != nil {
		return domain.Call{}, temporalErr("create call", err)
	}
	return s.Store.Call(ctx, callID)
}

// checkReissue validates a re-issue of a failed call (流标后重新组织): the
// source must have failed, in the same district; a different mode needs
// finance approval to publish (政府采购法 §36–37).
func (s *Calls) checkReissue(ctx context.Context, d *domain.CallDraft) error {
	d.ModeChanged = false
	if d.ReissueOf == "" {
		return nil
	}
	if _, err := uuid.Parse(d.ReissueOf); err != nil {
		return domain.Errorf(domain.CodeInvalid, "要重新组织的征集编号有误。")
	}
	src, err := s.Store.Call(ctx, d.ReissueOf)
	if err != nil {
		return err
	}
	if src.Stage != domain.StageFailed || src.District != d.District {
		return domain.Errorf(domain.CodeConflict, "只能重新组织本区已流标的征集（%s 现为“%s”）。", src.Number, src.Stage.Label())
	}
	d.ModeChanged = src.Plan.Mode != d.Mode
	return nil
}

// Get returns a call the user may see.
func (s *Calls) Get(ctx context.Context, by domain.Actor, callID string) (domain.Call, error) {
	if _, err := uuid.Parse(callID); err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	c, err := s.Store.Call(ctx, callID)
	if err != nil {
		return domain.Call{}, err
	}
	if err := mayView(by, c); err != nil {
		return domain.Call{}, err
	}
	return c, nil
}

// View returns a call as by may see it (the read model, callview.go).
func (s *Calls) View(ctx context.Context, by domain.Actor, callID string) (CallView, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return CallView{}, err
	}
	f, err := s.facts(ctx, by, c)
	if err != nil {
		return CallView{}, err
	}
	v, _, err := viewCall(by, c, f)
	return v, err
}

// facts looks up what the rule needs to know about by and the call.
func (s *Calls) facts(ctx context.Context, by domain.Actor, c domain.Call) (callFacts, error) {
	var f callFacts
	if by.UserID == 0 {
		return f, nil
	}
	if by.OrgID != 0 {
		bids, err := s.Store.OrgBids(ctx, c.ID, by.OrgID)
		if err != nil {
			return f, err
		}
		f.Bidder = tookPart(bids)
	}
	if by.User().Has(domain.RoleExpert) {
		members, err := s.Store.PanelMembers(ctx, c.ID)
		if err != nil {
			return f, err
		}
		for _, m := range members {
			if m.UserID == by.UserID {
				f.Seat = m.Status
			}
		}
	}
	return f, nil
}

// tookPart reports whether an organisation's bids on a call include one
// that stands (submitted or opened).
func tookPart(bids []domain.Bid) bool {
	for _, b := range bids {
		if b.Status == domain.BidSubmitted || b.Status == domain.BidOpened {
			return true
		}
	}
	return false
}

// CallPage is one page of calls as the viewer may see them.
type CallPage struct {
	Calls   []CallView `json:"items"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
}

// Pages is the number of pages.
func (p CallPage) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// List lists calls the user may see, filtered and paged on the server:
// unpublished calls only to those who may see them (callview.go), each call
// through the read model.
func (s *Calls) List(ctx context.Context, by domain.Actor, f store.CallFilter) (CallPage, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionListCalls, ""); err != nil {
		return CallPage{}, err
	}
	scope := func(a auth.Action) string {
		switch {
		case auth.Authorize(u, a, "") != nil:
			return ""
		case u.District == domain.CityLevel:
			return "*"
		}
		return u.District
	}
	f.Unpublished = &store.UnpublishedScope{Drafts: scope(auth.ActionViewDraft), Reviews: scope(auth.ActionApproveReissue)}
	res, err := s.Store.ListCalls(ctx, f)
	if err != nil {
		return CallPage{}, err
	}
	out := CallPage{Calls: make([]CallView, 0, len(res.Calls)), Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for _, c := range res.Calls {
		// A list does not look up each call's bidders and panel: the
		// opening record's digest is shown on the call's own page.
		v, _, err := viewCall(by, c, callFacts{})
		if err != nil {
			return CallPage{}, err // the query and the rule disagree: show nothing
		}
		out.Calls = append(out.Calls, v)
	}
	return out, nil
}

// Attachments lists a call's documents.
func (s *Calls) Attachments(ctx context.Context, by domain.Actor, callID string) ([]domain.Attachment, error) {
	if _, err := s.Get(ctx, by, callID); err != nil {
		return nil, err
	}
	return s.Store.Attachments(ctx, callID)
}

// allowedTypes are the document types a call may carry, by sniffed content
// type and the extensions that go with it.
var allowedTypes = map[string][]string{
	"application/pdf":           {".pdf"},
	"image/jpeg":                {".jpg", ".jpeg"},
	"image/png":                 {".png"},
	"application/zip":           {".docx", ".xlsx", ".pptx", ".zip"},
	"application/octet-stream":  {".doc", ".xls"}, // OLE compound files sniff as octet-stream
	"text/plain; charset=utf-8": {".txt", ".csv"},
}

// CheckDocument refuses empty, oversized, executable or unexpected files and
// returns the content type to store.
func CheckDocument(fileName string, data []byte) (string, error) {
	name := strings.TrimSpace(path.Base(strings.ReplaceAll(fileName, "\\", "/")))
	switch {
	case len(data) == 0:
		return "", domain.Errorf(domain.CodeInvalid, "文件是空的，请选择要上传的文件。")
	case len(data) > MaxAttachmentBytes:
		return "", domain.Errorf(domain.CodeInvalid, "文件超过 20 MB，请压缩或拆分后再上传。")
	case name == "" || name == "." || utf8.RuneCountInString(name) > 200:
		return "", domain.Errorf(domain.CodeInvalid, "文件名无效或过长（不超过 200 个字），请改名后再上传。")
	}
	if isExecutable(data) {
		return "", domain.Errorf(domain.CodeInvalid, "不接受可执行程序或脚本文件，请上传 PDF、Word、Excel 或图片。")
	}
	sniffed := http.DetectContentType(data)
	ext := strings.ToLower(path.Ext(name))
	for _, e := range allowedTypes[sniffed] {
		if e == ext {
			ct := sniffed
			if ext == ".docx" {
				ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
			} else if ext == ".xlsx" {
				ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			}
			return ct, nil
		}
	}
	return "", domain.Errorf(domain.CodeInvalid, "文件类型（%s）与内容不符或不受支持。请上传 PDF、Word、Excel、图片或 ZIP 文件。", ext)
}

func isExecutable(b []byte) bool {
	for _, magic := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), []byte("#!"), {0xCF, 0xFA, 0xED, 0xFE}, {0xCA, 0xFE, 0xBA, 0xBE}} {
		if len(b) >= len(magic) && string(b[:len(magic)]) == string(magic) {
			return true
		}
	}
	return false
}

// AttachDocument stores a document and records it on the call through the
// workflow. A document the workflow refuses is removed again.
func (s *Calls) AttachDocument(ctx context.Context, by domain.Actor, callID, fileName string, data []byte) (domain.Attachment, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return domain.Attachment{}, err
	}
	if err := auth.Authorize(by.User(), auth.ActionAttachDocument, c.District); err != nil {
		return domain.Attachment{}, err
	}
	if c.Stage != domain.StageDraft {
		return domain.Attachment{}, domain.Errorf(domain.CodeConflict, "征集处于“%s”阶段，只有草稿阶段可以添加附件。", c.Stage.Label())
	}
	ct, err := CheckDocument(fileName, data)
	if err != nil {
		return domain.Attachment{}, err
	}
	id := uuid.NewString()
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("calls/%s/attachments/%s", callID, id), data, ct)
	if err != nil {
		return domain.Attachment{}, err
	}
	att := domain.Attachment{
		ID: id, CallID: callID, FileName: strings.TrimSpace(path.Base(strings.ReplaceAll(fileName, "\\", "/"))),
		ContentType: ct, Size: obj.Size, SHA256: obj.SHA256, ObjectKey: obj.Key, VersionID: obj.VersionID,
	}
	updateID := workflows.UpdateAttachDocument + "/" + id
	err = whileDraining(ctx, func() error {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.CallWorkflowID(callID),
			UpdateID:     updateID,
			UpdateName:   workflows.UpdateAttachDocument,
			Args:         []any{workflows.AttachDocumentRequest{Actor: by, Attachment: att}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &att)
		}
		return err
	})
	if err != nil && !refused(err) {
		// the answer may be lost, not the update: learn its outcome
		err = settleUpdate(ctx, s.Temporal, workflows.CallWorkflowID(callID), updateID, err, &att)
	}
	if err != nil {
		// the file goes only when the workflow refused it; after an
		// unclear outcome it stays (the sweep removes it if unreferenced)
		removeIfRefused(ctx, s.Blob.Remove, err, obj.Key)
		if unclear(err) {
			return domain.Attachment{}, err
		}
		return domain.Attachment{}, temporalErr("attach document", err)
	}
	return s.Store.Attachment(ctx, callID, id)
}

// Cancel cancels a call with a reason.
func (s *Calls) Cancel(ctx context.Context, by domain.Actor, callID, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionCancelCall, c.District); err != nil {
		return err
	}
	if err := domain.ValidateReason(reason); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateCancel, "", workflows.CancelRequest{Actor: by, Reason: reason}, nil)
}

// Document is a file to send to a person.
type Document struct {
	FileName    string
	ContentType string
	Data        []byte
}

// Notice returns the call's current notice PDF, verified by checksum.
func (s *Calls) Notice(ctx context.Context, by domain.Actor, callID string) (Document, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return Document{}, err
	}
	if c.NoticeKey == "" {
		return Document{}, domain.Errorf(domain.CodeNotFound, "征集公告正在生成，请稍候几秒后刷新页面。")
	}
	data, _, err := s.Blob.Get(ctx, c.NoticeKey, c.NoticeSHA256)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "征集公告-" + c.Number + ".pdf", ContentType: "application/pdf", Data: data}, nil
}

// Attachment returns one attached document, verified by checksum.
func (s *Calls) Attachment(ctx context.Context, by domain.Actor, callID, attachmentID string) (Document, error) {
	if _, err := s.Get(ctx, by, callID); err != nil {
		return Document{}, err
	}
	if _, err := uuid.Parse(attachmentID); err != nil {
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该附件。")
	}
	a, err := s.Store.Attachment(ctx, callID, attachmentID)
	if err != nil {
		return Document{}, err
	}
	data, _, err := s.Blob.Get(ctx, a.ObjectKey, a.SHA256)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: a.FileName, ContentType: a.ContentType, Data: data}, nil
}

// temporalErr maps errors from Temporal to domain errors: domain codes the
// workflow decided on pass through; an unreachable server becomes
// "unavailable".
func temporalErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if de := workflows.DomainError(err); de != err {
		return de
	}
	return domain.Wrap(fmt.Errorf("%s: %w", op, err), domain.CodeUnavailable, "流程服务暂时不可用，您的操作没有生效，请稍后重试。")
}

// isNotFound reports a workflow that does not exist or has ended.
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
