package service

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"

	"grantflow/internal/domain"
)

// MaxVideoBytes bounds one evidence video.
const MaxVideoBytes = 60 << 20

// evidenceTypes are the content types each kind of evidence accepts.
var evidenceTypes = map[domain.EvidenceKind][]string{
	domain.EvidencePhoto:  {"image/jpeg", "image/png"},
	domain.EvidenceSignIn: {"application/pdf", "image/jpeg", "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	domain.EvidenceVideo:  {"video/mp4"},
}

// CheckEvidence refuses empty, oversized, executable or mismatched files
// and returns the content type to store.
func CheckEvidence(kind domain.EvidenceKind, name string, data []byte) (string, error) {
	allowed, ok := evidenceTypes[kind]
	if !ok {
		return "", domain.Errorf(domain.CodeInvalid, "请选择材料类型：现场照片、签到表或视频。")
	}
	if kind == domain.EvidenceVideo {
		switch {
		case len(data) == 0:
			return "", domain.Errorf(domain.CodeInvalid, "文件是空的，请选择要上传的文件。")
		case len(data) > MaxVideoBytes:
			return "", domain.Errorf(domain.CodeInvalid, "视频超过 60 MB，请剪辑或压缩后再上传。")
		case isExecutable(data) || !strings.EqualFold(path.Ext(name), ".mp4") || http.DetectContentType(data) != "video/mp4":
			return "", domain.Errorf(domain.CodeInvalid, "视频请上传 MP4 文件；不接受可执行程序或其他类型。")
		}
		return "video/mp4", nil
	}
	ct, err := CheckDocument(name, data)
	if err != nil {
		return "", err
	}
	if !slices.Contains(allowed, ct) {
		return "", domain.Errorf(domain.CodeInvalid, "%s请上传%s。", kind.Label(),
			map[domain.EvidenceKind]string{domain.EvidencePhoto: " JPG 或 PNG 图片", domain.EvidenceSignIn: " PDF、图片或 Excel 文件"}[kind])
	}
	return ct, nil
}

// AddEvidence stores a piece of evidence for a session of the project.
func (s *Delivery) AddEvidence(ctx context.Context, by domain.Actor, projectID string, sessionID int64, kind domain.EvidenceKind, f File) (domain.Evidence, error) {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return domain.Evidence{}, err
	}
	ss, err := s.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return domain.Evidence{}, err
	}
	if !slices.ContainsFunc(ss, func(x domain.TrainingSession) bool { return x.ID == sessionID }) {
		return domain.Evidence{}, domain.Errorf(domain.CodeNotFound, "找不到该场次。")
	}
	ct, err := CheckEvidence(kind, f.Name, f.Data)
	if err != nil {
		return domain.Evidence{}, err
	}
	e := domain.Evidence{ID: uuid.NewString(), ProjectID: p.ID, SessionID: sessionID, Kind: kind, ContentType: ct,
		FileName: strings.TrimSpace(path.Base(strings.ReplaceAll(f.Name, "\\", "/")))}
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("projects/%s/sessions/%d/evidence/%s", p.ID, sessionID, e.ID), f.Data, ct)
	if err != nil {
		return domain.Evidence{}, err
	}
	e.ObjectKey, e.SHA256, e.Size = obj.Key, obj.SHA256, obj.Size
	if err := s.Store.InsertEvidence(ctx, e, by); err != nil {
		_ = s.Blob.Remove(context.WithoutCancel(ctx), obj.Key)
		return domain.Evidence{}, err
	}
	return e, nil
}

// Evidence lists a project's evidence for those who may see the project.
func (s *Delivery) Evidence(ctx context.Context, by domain.Actor, projectID string) ([]domain.Evidence, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return nil, err
	}
	return s.Store.Evidence(ctx, p.ID, 0)
}

// EvidenceFile returns one piece of evidence, verified by checksum.
func (s *Delivery) EvidenceFile(ctx context.Context, by domain.Actor, projectID, evidenceID string) (Document, error) {
	es, err := s.Evidence(ctx, by, projectID)
	if err != nil {
		return Document{}, err
	}
	for _, e := range es {
		if e.ID == evidenceID {
			data, _, err := s.Blob.Get(ctx, e.ObjectKey, e.SHA256)
			if err != nil {
				return Document{}, err
			}
			return Document{FileName: e.FileName, ContentType: e.ContentType, Data: data}, nil
		}
	}
	return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该材料。")
}
