package service

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/workflows"
)

// MaxAttachmentBytes bounds one uploaded document.
const MaxAttachmentBytes = 20 << 20

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
			switch ext {
			case ".docx":
				ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
			case ".xlsx":
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

// CallDocument returns a generated document of a call: the opening record
// (after opening, to anyone who may see the call), the scoring report
// (officials, once results exist; everyone from publicity on), or an award
// notice (the winner and officials).
func (s *Calls) CallDocument(ctx context.Context, by domain.Actor, callID, kind, awardID string) (Document, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return Document{}, err
	}
	facts, err := s.facts(ctx, by, c)
	if err != nil {
		return Document{}, err
	}
	sight := sightOf(by, c, facts)
	official := sight.Official
	var key, sha, name string
	switch kind {
	case "opening":
		if c.OpeningKey != "" && !sight.Opening {
			return Document{}, domain.Errorf(domain.CodeForbidden, "开标记录向本次征集的投标人、评审专家和主管部门提供，结果公示后公开，此前您无权查看。")
		}
		key, sha, name = c.OpeningKey, c.OpeningSHA256, "开标记录-"+c.Number+".pdf"
	case "report":
		if c.ReportKey != "" && !sight.Results {
			return Document{}, domain.Errorf(domain.CodeForbidden, "评审报告在结果公示后公开，此前您无权查看。")
		}
		key, sha, name = c.ReportKey, c.ReportSHA256, "评审报告-"+c.Number+".pdf"
	case "award":
		awards, err := s.Store.Awards(ctx, callID)
		if err != nil {
			return Document{}, err
		}
		for _, aw := range awards {
			if aw.ID == awardID && (official || (by.OrgID != 0 && by.OrgID == aw.OrgID)) {
				key, sha, name = aw.NoticeKey, aw.NoticeSHA256, "立项通知书-"+c.Number+".pdf"
			}
		}
	}
	if key == "" {
		return Document{}, domain.Errorf(domain.CodeNotFound, "该文件尚未生成，或您无权查看。")
	}
	data, _, err := s.Blob.Get(ctx, key, sha)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: name, ContentType: "application/pdf", Data: data}, nil
}
