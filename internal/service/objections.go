package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// Filed is what became of a filing on a result under publicity: a
// supplier's objection (质疑, holding the award) or a public comment.
type Filed struct {
	ID      string
	Route   domain.ObjectionRoute
	FiledAt time.Time
}

// Object files an objection to a result under publicity, as the law allows
// (domain.RouteObjection): a supplier whose bid was opened in this call
// files a 质疑 (or, about the answer to its own, a complaint to finance),
// which the workflow checks again and which holds the award; everyone else
// files a public comment through a bounded channel (contact required, rate
// limits per client address and per call, a cap per call, all counted in
// PostgreSQL), answered by civil affairs and never holding the award.
// An attachment is checked and stored first, and removed again when the
// filing is refused (by validation or by the workflow's validator); after
// an unknown outcome it is kept.
func (s *Calls) Object(ctx context.Context, by domain.Actor, callID, key string, in domain.ObjectionInput, complaintOf string, att *File, clientAddr string) (_ Filed, err error) {
	c, supplier, err := s.checkFiling(ctx, by, callID, in, complaintOf, att)
	if err != nil {
		return Filed{}, err
	}
	id, err := requestID(key)
	if err != nil {
		return Filed{}, err
	}
	// The key is bound to this filing: sent again with other content it is
	// refused before anything is stored; with the same content it is the
	// same filing (asked of the workflow again, nothing stored twice).
	var attName string
	var attData []byte
	if att != nil {
		attName, attData = att.Name, att.Data
	}
	bk, err := bindKey(ctx, s.Store, by, "objection", key, []byte(callID), []byte(complaintOf), []byte(strings.TrimSpace(in.Name)),
		[]byte(strings.TrimSpace(in.Reason)), []byte(strings.TrimSpace(in.Contact)), []byte(attName), attData)
	if err != nil {
		return Filed{}, err
	}
	defer func() { bk.done(ctx, err) }()
	if bk.again && !supplier {
		// A public comment is written in one transaction: the first
		// request's answer stands.
		return Filed{ID: id, Route: domain.RoutePublicComment, FiledAt: time.Now()}, nil
	}
	if bk.again {
		return s.fileObjection(ctx, c, by, id, complaintOf)
	}
	contact, err := s.Keys.Seal(strings.TrimSpace(in.Contact))
	if err != nil {
		return Filed{}, err
	}
	a, err := s.putFilingAttachment(ctx, callID, id, att)
	if err != nil {
		return Filed{}, err
	}
	if !supplier {
		return s.insertPublicComment(ctx, by, callID, id, in, contact, clientAddr, a)
	}
	return s.insertObjection(ctx, c, by, callID, id, in, complaintOf, contact, a)
}

// checkFiling checks a filing on a published call's result before anything
// is stored: the call is under publicity, a complaint is the supplier's own,
// the filing is complete and its attachment not too large. supplier says
// whether the caller took part (a 质疑) or not (a public comment).
func (s *Calls) checkFiling(ctx context.Context, by domain.Actor, callID string, in domain.ObjectionInput, complaintOf string, att *File) (c domain.Call, supplier bool, err error) {
	c, err = s.Public(ctx, callID)
	if err != nil {
		return domain.Call{}, false, err
	}
	if c.Stage != domain.StagePublicity {
		return domain.Call{}, false, domain.Errorf(domain.CodeConflict, "只有处于结果公示期的征集可以提出质疑。")
	}
	supplier, err = s.tookPart(ctx, by, callID)
	if err != nil {
		return domain.Call{}, false, err
	}
	if complaintOf != "" {
		if _, err := uuid.Parse(complaintOf); err != nil || !supplier {
			return domain.Call{}, false, domain.Errorf(domain.CodeForbidden, "只有提出该质疑的供应商可以就质疑答复向财政部门投诉（政府采购法 §55）。")
		}
	}
	if supplier {
		err = in.Validate()
	} else {
		err = domain.ValidatePublicComment(in)
	}
	if err != nil {
		return domain.Call{}, false, err
	}
	if att != nil && len(att.Data) > domain.MaxObjectionAttachmentBytes {
		return domain.Call{}, false, domain.Errorf(domain.CodeInvalid, "质疑或意见的附件不超过 10 MB，请压缩后再上传。")
	}
	return c, supplier, nil
}

// filingAttachment is where a filing's attachment was stored (Key empty:
// none).
type filingAttachment struct {
	Key, Version string
}

// putFilingAttachment checks and stores a filing's attachment, if any.
func (s *Calls) putFilingAttachment(ctx context.Context, callID, id string, att *File) (filingAttachment, error) {
	if att == nil || len(att.Data) == 0 {
		return filingAttachment{}, nil
	}
	ct, err := CheckDocument(att.Name, att.Data)
	if err != nil {
		return filingAttachment{}, err
	}
	obj, err := s.Blob.Put(ctx, fmt.Sprintf("calls/%s/objections/%s/%s", callID, id, path.Base(att.Name)), att.Data, ct)
	if err != nil {
		return filingAttachment{}, err
	}
	return filingAttachment{Key: obj.Key, Version: obj.VersionID}, nil
}

// A refusal known for certain removes the attachment (the version written,
// so that no copy stays behind); anything else (an unknown outcome) keeps
// it for the row that may refer to it.
func filingRefused(err error) bool {
	code := domain.ErrorCode(err)
	return code == domain.CodeInvalid || code == domain.CodeNotFound || code == domain.CodeForbidden ||
		code == domain.CodeConflict || code == domain.CodeTooMany
}

// removeAttachment removes the version of a filing's attachment written,
// if any, whatever becomes of the request.
func (s *Calls) removeAttachment(ctx context.Context, a filingAttachment) {
	if a.Key != "" {
		_ = s.Blob.RemoveVersion(context.WithoutCancel(ctx), a.Key, a.Version)
	}
}

// insertPublicComment records a public comment (contact sealed), removing
// its attachment when the comment is refused.
func (s *Calls) insertPublicComment(ctx context.Context, by domain.Actor, callID, id string, in domain.ObjectionInput, contact, clientAddr string, a filingAttachment) (Filed, error) {
	pc := store.PublicComment{ID: id, CallID: callID, Name: strings.TrimSpace(in.Name), Body: strings.TrimSpace(in.Reason), Attachment: a.Key}
	err := s.Store.InsertPublicComment(ctx, pc, contact, clientHash(clientAddr), by)
	if err != nil {
		if filingRefused(err) {
			s.removeAttachment(ctx, a)
		}
		return Filed{}, err
	}
	return Filed{ID: id, Route: domain.RoutePublicComment, FiledAt: time.Now()}, nil
}

// insertObjection records a supplier's objection as pending and sends it
// to the workflow; refused there, the pending row and its attachment go.
func (s *Calls) insertObjection(ctx context.Context, c domain.Call, by domain.Actor, callID, id string, in domain.ObjectionInput, complaintOf, contact string, a filingAttachment) (Filed, error) {
	o := domain.Objection{ID: id, CallID: callID, Name: strings.TrimSpace(in.Name), ComplaintOf: complaintOf,
		Reason: strings.TrimSpace(in.Reason), Attachment: a.Key}
	if err := s.Store.InsertPendingObjection(ctx, o, contact); err != nil {
		s.removeAttachment(ctx, a)
		return Filed{}, err
	}
	f, err := s.fileObjection(ctx, c, by, id, complaintOf)
	if err != nil && filingRefused(err) {
		// The workflow refused it: the pending row and its file go.
		if k, derr := s.Store.DeletePendingObjection(context.WithoutCancel(ctx), callID, id); derr == nil && k != "" {
			s.removeAttachment(ctx, a)
		}
	}
	return f, err
}

// fileObjection sends a supplier's pending objection to the workflow.
func (s *Calls) fileObjection(ctx context.Context, c domain.Call, by domain.Actor, id, complaintOf string) (Filed, error) {
	var ack workflows.ObjectionAck
	if err := s.update(ctx, c, workflows.UpdateObject, id, workflows.ObjectionRequest{Actor: by, ID: id, ComplaintOf: complaintOf}, &ack); err != nil {
		return Filed{}, err
	}
	route := domain.RouteChallenge
	if complaintOf != "" {
		route = domain.RouteComplaint
	}
	return Filed{ID: ack.ID, Route: route, FiledAt: ack.FiledAt}, nil
}

// tookPart reports whether the caller acts for an organisation whose bid
// was opened in this call (a supplier who took part, 政府采购法 §52).
func (s *Calls) tookPart(ctx context.Context, by domain.Actor, callID string) (bool, error) {
	if by.OrgID == 0 || auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}) != nil {
		return false, nil
	}
	bids, err := s.Store.OrgBids(ctx, callID, by.OrgID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(bids, func(b domain.Bid) bool { return b.Status == domain.BidOpened }), nil
}

// clientHash keys the public channel's rate limits: a digest of the
// address, not the address.
func clientHash(addr string) string {
	sum := sha256.Sum256([]byte("grantflow/public-comment/" + addr))
	return hex.EncodeToString(sum[:])
}

// PublicComments lists a call's public comments for civil affairs and
// finance of its district.
func (s *Calls) PublicComments(ctx context.Context, by domain.Actor, callID string) ([]store.PublicComment, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return nil, err
	}
	if err := anyOf(by, c.District, auth.ActionAnswerObjection, auth.ActionFinanceApprove); err != nil {
		return nil, err
	}
	return s.Store.PublicComments(ctx, callID)
}

// AnswerComment answers a public comment (civil affairs); it does not move
// the call.
func (s *Calls) AnswerComment(ctx context.Context, by domain.Actor, callID, commentID, answer string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionAnswerObjection, c.District); err != nil {
		return err
	}
	if c.PublicityFrom.IsZero() {
		return domain.Errorf(domain.CodeConflict, "该征集的结果尚未公示，没有可答复的公众意见。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(answer)); n < 10 || n > 5000 {
		return domain.FieldErrors{"answer": "请写明答复意见及依据（10 至 5000 字），答复将公开。"}.Err()
	}
	if _, err := uuid.Parse(commentID); err != nil {
		return domain.Errorf(domain.CodeNotFound, "找不到该公众意见，或它已经答复。")
	}
	return s.Store.AnswerPublicComment(ctx, callID, commentID, strings.TrimSpace(answer), by)
}

// AnswerObjection answers an objection; upheld ones send the call back to
// qualification or scoring.
func (s *Calls) AnswerObjection(ctx context.Context, by domain.Actor, callID, key, objectionID string, upheld bool, answer string, returnTo domain.CallStage) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	// Civil affairs answers objections; finance decides complaints (the
	// workflow knows which is which).
	if err := anyOf(by, c.District, auth.ActionAnswerObjection, auth.ActionFinanceApprove); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateAnswerObjection, key, workflows.AnswerRequest{Actor: by, ObjectionID: objectionID,
		Upheld: upheld, Answer: answer, ReturnTo: returnTo}, nil)
}
