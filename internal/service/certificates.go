package service

import (
	"context"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// RecordResults records a trainee's test scores and satisfaction.
func (s *Delivery) RecordResults(ctx context.Context, by domain.Actor, projectID string, traineeID int64, r domain.TraineeResults) error {
	p, err := s.deliverable(ctx, by, projectID)
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Store.SetTraineeResults(ctx, p.ID, traineeID, r, by)
}

// IssueCertificate issues (once, numbered) the completion certificate of a
// trainee who reached the contracted hours and renders it. Issuing again
// returns the same certificate.
func (s *Delivery) IssueCertificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64) (Document, error) {
	return s.certificate(ctx, by, projectID, traineeID, true)
}

// Certificate renders a trainee's certificate that was issued before; it
// never issues one (a GET must not change anything).
func (s *Delivery) Certificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64) (Document, error) {
	return s.certificate(ctx, by, projectID, traineeID, false)
}

func (s *Delivery) certificate(ctx context.Context, by domain.Actor, projectID string, traineeID int64, issue bool) (Document, error) {
	p, err := s.Contracts.Get(ctx, by, projectID)
	if err != nil {
		return Document{}, err
	}
	if p.Terms == nil {
		return Document{}, domain.Errorf(domain.CodeConflict, "合同签订后才能颁发证书。")
	}
	ts, err := s.Store.Trainees(ctx, p.ID)
	if err != nil {
		return Document{}, err
	}
	var t domain.Trainee
	for _, x := range ts {
		if x.ID == traineeID {
			t = x
		}
	}
	switch {
	case t.ID == 0:
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该学员。")
	case t.CertificateNo == "" && t.Hours < float64(p.Terms.HoursPerTrainee):
		return Document{}, domain.Errorf(domain.CodeConflict, "该学员已获 %.1f 学时，未达到合同约定的 %d 学时，暂不能颁发结业证书。", t.Hours, p.Terms.HoursPerTrainee)
	case t.CertificateNo == "" && !issue:
		return Document{}, domain.Errorf(domain.CodeNotFound, "该学员的结业证书尚未颁发，请在学员名单中点击“颁发”。")
	}
	no, at := t.CertificateNo, t.CertifiedAt
	if issue {
		if no, at, err = s.Store.IssueCertificate(ctx, p.ID, t.ID, by); err != nil {
			return Document{}, err
		}
	}
	pdf, err := report.RenderCertificate(report.Certificate{Number: no, Name: t.Name, Project: p.Title, OrgName: p.OrgName,
		Issuer: report.IssuerFor(p.District), Hours: t.Hours, Modules: p.Terms.Modules, Issued: at})
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "结业证书-" + no + ".pdf", ContentType: "application/pdf", Data: pdf}, nil
}
