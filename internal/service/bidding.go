package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/seal"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// requestID turns the caller's idempotency key into a Temporal update ID:
// the same key twice is the same update, applied once.
func requestID(key string) (string, error) {
	if key == "" {
		return uuid.NewString(), nil
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return "", domain.Errorf(domain.CodeInvalid, "请求编号（Idempotency-Key）须为 UUID，请刷新页面后重新提交。")
	}
	return id.String(), nil
}

// update sends an update to a call's workflow and waits for its result.
func (s *Calls) update(ctx context.Context, c domain.Call, name, key string, arg, result any) error {
	id, err := requestID(key)
	if err != nil {
		return err
	}
	if c.Stage.Final() {
		if key != "" && answeredBefore(ctx, s.Temporal, workflows.CallWorkflowID(c.ID), name+"/"+id, result) {
			return nil // this request, sent again: its first answer
		}
		return domain.Errorf(domain.CodeConflict, "征集已处于“%s”阶段，不能再办理此事项。", c.Stage.Label())
	}
	err = whileDraining(ctx, func() error {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.CallWorkflowID(c.ID),
			UpdateID:     name + "/" + id,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, result)
		}
		return err
	})
	if err != nil && workflows.DomainError(err) == err {
		// Not the workflow's refusal: it may have ended meanwhile.
		if now, e := s.Store.Call(context.WithoutCancel(ctx), c.ID); e == nil && now.Stage.Final() {
			return domain.Wrap(err, domain.CodeConflict, fmt.Sprintf("征集已处于“%s”阶段，不能再办理此事项。请刷新页面查看最新状态。", now.Stage.Label()))
		}
		// Or its answer was lost (a cancelled request, a timeout): learn
		// the outcome by the update's ID, never report "not taken effect".
		return settleUpdate(ctx, s.Temporal, workflows.CallWorkflowID(c.ID), name+"/"+id, err, result)
	}
	return temporalErr(name, err)
}

// whileDraining sends an update again while its workflow refuses it for
// continuing as new (a moment: the next run takes it), for up to a minute.
// A refused update is not recorded, so its ID is free to send again.
func whileDraining(ctx context.Context, send func() error) error {
	wait := 20 * time.Millisecond
	deadline := time.Now().Add(time.Minute)
	for {
		err := send()
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.Type() != workflows.ErrTypeDraining || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// Submit submits a draft for publication review.
func (s *Calls) Submit(ctx context.Context, by domain.Actor, callID, key string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionSubmitCall, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateSubmit, key, workflows.SubmitRequest{Actor: by}, nil)
}

// ReviewPublication approves (publishes) or rejects a call.
func (s *Calls) ReviewPublication(ctx context.Context, by domain.Actor, callID, key string, approve bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := anyOf(by, c.District, auth.ActionPublishCall, auth.ActionApproveReissue); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateReviewPublish, key, workflows.DecisionRequest{Actor: by, Approve: approve, Reason: reason}, nil)
}

// Clarify publishes a clarification to every bidder.
func (s *Calls) Clarify(ctx context.Context, by domain.Actor, callID, key, title, body string, material bool) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionClarify, c.District); err != nil {
		return err
	}
	id, err := requestID(key)
	if err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateClarify, id, workflows.ClarifyRequest{Actor: by, ID: id, Title: title, Body: body, Material: material}, nil)
}

// File is an uploaded document.
type File struct {
	Name string
	Data []byte
}

// MaxBidDocuments bounds the documents of one bid.
const MaxBidDocuments = 10

// SubmitBid seals a bid with the call's public key, stores its parts, and
// submits it to the workflow; it returns the receipt. Only verified,
// not-debarred organisations bid; the workflow refuses anything at or after
// the deadline, and so does the database.
func (s *Calls) SubmitBid(ctx context.Context, by domain.Actor, callID, key string, content domain.BidContent, docs []File) (_ domain.Receipt, err error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return domain.Receipt{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}); err != nil {
		return domain.Receipt{}, err
	}
	org, err := s.Store.Organisation(ctx, by.OrgID)
	if err != nil {
		return domain.Receipt{}, err
	}
	switch {
	case org.Status != domain.OrgVerified:
		return domain.Receipt{}, domain.Errorf(domain.CodeForbidden, "您单位的注册尚未通过民政部门审核，审核通过后才能投标。")
	case org.Debarred:
		return domain.Receipt{}, domain.Errorf(domain.CodeForbidden, "您单位在禁入名单期限内，不能参加投标。")
	case c.Stage != domain.StageBidding:
		return domain.Receipt{}, domain.Errorf(domain.CodeConflict, "征集现处于“%s”阶段，不接受投标。", c.Stage.Label())
	case !time.Now().Before(c.BidDeadline):
		return domain.Receipt{}, domain.Errorf(domain.CodeConflict, "投标截止时间已过，不再接受投标文件。")
	}
	content = content.Normalize()
	if err := content.Validate(c.Budget); err != nil {
		return domain.Receipt{}, err
	}
	if len(docs) > MaxBidDocuments {
		return domain.Receipt{}, domain.Errorf(domain.CodeInvalid, "附件最多 %d 个，请合并后再上传。", MaxBidDocuments)
	}
	pub, err := s.Store.CallPublicKey(ctx, callID)
	if err != nil {
		return domain.Receipt{}, err
	}
	id, err := requestID(key)
	if err != nil {
		return domain.Receipt{}, err
	}
	bidID := uuid.NewSHA1(uuid.MustParse(id), []byte(fmt.Sprintf("bid/%s/%d", callID, by.OrgID))).String()
	// The key is bound to this bid's content: sent again with other
	// content it is refused before anything is sealed or stored; with the
	// same content it is the same bid (its receipt, once recorded).
	bk, err := bindKey(ctx, s.Store, by, "bid", key, bidDigestParts(callID, content, docs)...)
	if err != nil {
		return domain.Receipt{}, err
	}
	defer func() { bk.done(ctx, err) }()
	if bk.again {
		if existing, e := s.Store.Bid(ctx, bidID); e == nil && existing.OrgID == by.OrgID {
			return existing.Receipt(), nil
		}
	}
	sealed, err := sealBid(pub, callID, bidID, content, docs)
	if err != nil {
		return domain.Receipt{}, err
	}
	bid := domain.Bid{ID: bidID, CallID: callID, OrgID: by.OrgID}
	var stored []string
	cleanup := func() {
		for _, k := range stored {
			_ = s.Blob.Remove(context.WithoutCancel(ctx), k)
		}
	}
	for _, p := range sealed {
		obj, err := s.Blob.Put(ctx, p.ObjectKey, p.ciphertext, "application/octet-stream")
		if err != nil {
			cleanup() // nothing was sent: the workflow knows none of these
			return domain.Receipt{}, err
		}
		stored = append(stored, obj.Key)
		bid.Parts = append(bid.Parts, p.SealedPart)
	}
	var rc domain.Receipt
	err = s.update(ctx, c, workflows.UpdateSubmitBid, id, workflows.BidRequest{Actor: by, Bid: bid}, &rc)
	if err == nil {
		return rc, nil
	}
	// The outcome may be unknown (the request was cancelled, a deadline or
	// the connection failed after the update was sent): ask again by the
	// update's ID with a context of its own. The parts are removed only when
	// the workflow is known to have refused the bid; when unsure they stay
	// (the workflow may hold the bid and open it at the deadline), and the
	// sweep removes them later if no bid refers to them.
	err = settleUpdate(ctx, s.Temporal, workflows.CallWorkflowID(callID), workflows.UpdateSubmitBid+"/"+id, err, &rc)
	if err == nil {
		return rc, nil
	}
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if existing, e := s.Store.Bid(octx, bidID); e == nil && existing.OrgID == by.OrgID {
		return existing.Receipt(), nil // the same request, already recorded
	}
	if refused(err) {
		cleanup()
	}
	return domain.Receipt{}, err
}

// bidDigestParts is what a bid request's key is bound to: the call, the
// content and every document (name and bytes).
func bidDigestParts(callID string, content domain.BidContent, docs []File) [][]byte {
	c, _ := json.Marshal(content)
	parts := [][]byte{[]byte(callID), c}
	for _, d := range docs {
		parts = append(parts, []byte(d.Name), d.Data)
	}
	return parts
}

// sealedObject is one sealed part of a bid ready for object storage: its
// envelope (salted, padded) is what the receipt's digest and size describe.
type sealedObject struct {
	domain.SealedPart
	ciphertext []byte
}

// sealBid seals every part of a bid to the call's public key: the price is
// padded to a fixed size and the tables (whose amounts add up to the price)
// to whole blocks, so neither the digests nor the sizes on the receipt tell
// anything about the price before opening.
func sealBid(pub []byte, callID, bidID string, content domain.BidContent, docs []File) ([]sealedObject, error) {
	budget, _ := json.Marshal(content.Budget)
	team, _ := json.Marshal(content.Team)
	type part struct {
		name, label string
		data        []byte
		pad         seal.Padding
	}
	parts := []part{
		{"technical", "技术方案", []byte(content.TechnicalProposal), seal.PadTable},
		{"budget", "预算表", budget, seal.PadTable},
		{"price", "投标报价", []byte(strconv.FormatInt(int64(content.Price), 10)), seal.PadPrice},
		{"team", "项目团队", team, seal.PadTable},
	}
	for i, d := range docs {
		if _, err := CheckDocument(d.Name, d.Data); err != nil {
			return nil, domain.Errorf(domain.CodeInvalid, "附件“%s”：%s", d.Name, domain.ErrorMessage(err))
		}
		parts = append(parts, part{fmt.Sprintf("doc-%d", i+1), "附件：" + strings.TrimSpace(path.Base(strings.ReplaceAll(d.Name, "\\", "/"))), d.Data, seal.PadTable}) // a document may be a price sheet
	}
	// Each attempt writes objects of its own: a repeated request (the same
	// idempotency key, so the same bid) never overwrites the parts another
	// attempt sealed with other salts, whichever of them the workflow records.
	attempt := uuid.NewString()[:8]
	out := make([]sealedObject, 0, len(parts))
	for _, p := range parts {
		sp, err := seal.SealPart(pub, callID, bidID, p.name, p.data, p.pad)
		if err != nil {
			return nil, err
		}
		out = append(out, sealedObject{SealedPart: domain.SealedPart{
			PartDigest: domain.PartDigest{Part: p.name, Label: p.label, Size: sp.Size, SHA256: sp.SHA256},
			ObjectKey:  fmt.Sprintf("calls/%s/bids/%s/%s.%s.sealed", callID, bidID, p.name, attempt)}, ciphertext: sp.Ciphertext})
	}
	return out, nil
}

// WithdrawBid withdraws the caller's organisation's bid before the deadline.
func (s *Calls) WithdrawBid(ctx context.Context, by domain.Actor, callID, key string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateWithdrawBid, key, workflows.WithdrawRequest{Actor: by}, nil)
}

// Receipts lists the caller's organisation's bids (envelopes and receipts).
func (s *Calls) Receipts(ctx context.Context, by domain.Actor, callID string) ([]domain.Bid, error) {
	if _, err := s.Get(ctx, by, callID); err != nil {
		return nil, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}); err != nil {
		return nil, err
	}
	bids, err := s.Store.OrgBids(ctx, callID, by.OrgID)
	for i := range bids {
		for j := range bids[i].Parts {
			bids[i].Parts[j].ObjectKey = "" // where the ciphertext lives is not the bidder's business
		}
	}
	return bids, err
}

// mayReadBids says whether by may read a call's opened bids: civil affairs
// and finance of the district, and panel experts who declared no conflict.
// Before opening nobody may, whoever they are.
func (s *Calls) mayReadBids(ctx context.Context, by domain.Actor, c domain.Call) error {
	if !c.Stage.Opened() || c.OpenedAt.IsZero() {
		return domain.Errorf(domain.CodeForbidden, "投标文件在开标（%s）前密封，任何人（包括管理员）都无权查看。", formatTime(c.BidDeadline))
	}
	if auth.Authorize(by.User(), auth.ActionViewBids, c.District) == nil {
		return nil
	}
	if by.User().Has(domain.RoleExpert) {
		members, err := s.Store.PanelMembers(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.UserID == by.UserID && m.Status == domain.PanelConfirmed {
				return nil
			}
		}
		return domain.Errorf(domain.CodeForbidden, "请先在评审页面声明与投标人无利害关系，然后才能查看投标文件。")
	}
	return domain.Errorf(domain.CodeForbidden, "您的角色无权查看投标文件。")
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "截止时间"
	}
	return t.In(domain.ChinaTime).Format("2006年1月2日 15:04")
}

// OpenedBid is an opened bid with its readable parts.
type OpenedBid struct {
	domain.Bid
	Content domain.BidContent `json:"content"`
}

// Bids returns a call's opened bids with their contents, decrypted and
// checked against the receipts. Refused before opening.
func (s *Calls) Bids(ctx context.Context, by domain.Actor, callID string) ([]OpenedBid, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return nil, err
	}
	if err := s.mayReadBids(ctx, by, c); err != nil {
		return nil, err
	}
	priv, err := s.privateKey(ctx, callID)
	if err != nil {
		return nil, err
	}
	bids, err := s.Store.LiveBids(ctx, callID)
	if err != nil {
		return nil, err
	}
	out := make([]OpenedBid, 0, len(bids))
	for _, b := range bids {
		ob := OpenedBid{Bid: b}
		for _, p := range b.Parts {
			if strings.HasPrefix(p.Part, "doc-") {
				continue
			}
			pt, ok, err := s.openPart(ctx, priv, b, p)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			switch p.Part {
			case "technical":
				ob.Content.TechnicalProposal = string(pt)
			case "budget":
				_ = json.Unmarshal(pt, &ob.Content.Budget)
			case "team":
				_ = json.Unmarshal(pt, &ob.Content.Team)
			case "price":
				v, _ := strconv.ParseInt(string(pt), 10, 64)
				ob.Content.Price = domain.Fen(v)
			}
		}
		for j := range ob.Parts {
			ob.Parts[j].ObjectKey = ""
		}
		out = append(out, ob)
	}
	return out, nil
}

// BidDocument returns one document of an opened bid.
func (s *Calls) BidDocument(ctx context.Context, by domain.Actor, callID, bidID, part string) (Document, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return Document{}, err
	}
	if err := s.mayReadBids(ctx, by, c); err != nil {
		return Document{}, err
	}
	if _, err := uuid.Parse(bidID); err != nil {
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该投标。")
	}
	b, err := s.Store.Bid(ctx, bidID)
	if err != nil || b.CallID != callID || (b.Status != domain.BidOpened) {
		return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该投标文件。")
	}
	priv, err := s.privateKey(ctx, callID)
	if err != nil {
		return Document{}, err
	}
	for _, p := range b.Parts {
		if p.Part != part || !strings.HasPrefix(part, "doc-") {
			continue
		}
		pt, ok, err := s.openPart(ctx, priv, b, p)
		if err != nil {
			return Document{}, err
		}
		if !ok {
			return Document{}, domain.Errorf(domain.CodeInternal, "该文件与递交回执中的摘要不一致，已拒绝下载。")
		}
		ct, _ := CheckDocument(strings.TrimPrefix(p.Label, "附件："), pt)
		return Document{FileName: strings.TrimPrefix(p.Label, "附件："), ContentType: ct, Data: pt}, nil
	}
	return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该投标文件。")
}

func (s *Calls) privateKey(ctx context.Context, callID string) ([]byte, error) {
	sealed, err := s.Store.OpenedCallKey(ctx, callID)
	if err != nil {
		return nil, err
	}
	return seal.UnwrapPrivate(s.Keys, sealed)
}

// openPart opens one part of an opened bid. A part whose object is gone or
// altered fails its check (ok false), as the opening recorded it; only a
// transient fault of the object store is an error.
func (s *Calls) openPart(ctx context.Context, priv []byte, b domain.Bid, p domain.SealedPart) ([]byte, bool, error) {
	get := func(key string) ([]byte, error) {
		data, _, err := s.Blob.Get(ctx, key, "")
		return data, err
	}
	pt, ok, err := seal.OpenPart(get, priv, b.CallID, b.ID, p.Part, p.ObjectKey, p.SHA256)
	if blob.Lost(err) {
		return nil, false, nil
	}
	return pt, ok, err
}

// Qualify records civil affairs' qualification decisions on every bid.
func (s *Calls) Qualify(ctx context.Context, by domain.Actor, callID, key string, ds []activities.Qualification) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionQualify, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateQualify, key, workflows.QualifyRequest{Actor: by, Decisions: ds}, nil)
}

// RedrawPanel draws again after the pool was short.
func (s *Calls) RedrawPanel(ctx context.Context, by domain.Actor, callID, key string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionManagePanel, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateRedrawPanel, key, workflows.RedrawRequest{Actor: by}, nil)
}

// Declare records a drawn expert's declaration (no conflict, or recusal).
func (s *Calls) Declare(ctx context.Context, by domain.Actor, callID, key string, conflict bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	return whileDrawCatchesUp(ctx, func() error {
		return s.update(ctx, c, workflows.UpdateDeclare, key, workflows.DeclareRequest{Actor: by, Conflict: conflict, Reason: reason}, nil)
	}, func() (bool, error) {
		panel, err := s.Store.PanelMembers(ctx, callID)
		for _, m := range panel {
			if m.UserID == by.UserID && m.Status == domain.PanelDrawn {
				return true, err
			}
		}
		return false, err
	})
}

// Score records an expert's score sheet for a bid.
func (s *Calls) Score(ctx context.Context, by domain.Actor, callID, key, bidID string, points []float64, comment string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateScore, key, workflows.ScoreRequest{Actor: by, BidID: bidID, Points: points, Comment: comment}, nil)
}

// Approve gives or refuses the current approval step (civil affairs, then
// finance).
func (s *Calls) Approve(ctx context.Context, by domain.Actor, callID, key string, approve bool, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := anyOf(by, c.District, auth.ActionApproveAward, auth.ActionFinanceApprove); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateApprove, key, workflows.DecisionRequest{Actor: by, Approve: approve, Reason: reason}, nil)
}

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
	c, err := s.Public(ctx, callID)
	if err != nil {
		return Filed{}, err
	}
	if c.Stage != domain.StagePublicity {
		return Filed{}, domain.Errorf(domain.CodeConflict, "只有处于结果公示期的征集可以提出质疑。")
	}
	supplier, err := s.tookPart(ctx, by, callID)
	if err != nil {
		return Filed{}, err
	}
	if complaintOf != "" {
		if _, err := uuid.Parse(complaintOf); err != nil || !supplier {
			return Filed{}, domain.Errorf(domain.CodeForbidden, "只有提出该质疑的供应商可以就质疑答复向财政部门投诉（政府采购法 §55）。")
		}
	}
	if supplier {
		err = in.Validate()
	} else {
		err = domain.ValidatePublicComment(in)
	}
	if err != nil {
		return Filed{}, err
	}
	if att != nil && len(att.Data) > domain.MaxObjectionAttachmentBytes {
		return Filed{}, domain.Errorf(domain.CodeInvalid, "质疑或意见的附件不超过 10 MB，请压缩后再上传。")
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
	attKey, attVersion := "", ""
	if att != nil && len(att.Data) > 0 {
		ct, err := CheckDocument(att.Name, att.Data)
		if err != nil {
			return Filed{}, err
		}
		obj, err := s.Blob.Put(ctx, fmt.Sprintf("calls/%s/objections/%s/%s", callID, id, path.Base(att.Name)), att.Data, ct)
		if err != nil {
			return Filed{}, err
		}
		attKey, attVersion = obj.Key, obj.VersionID
	}
	// A refusal known for certain removes the attachment (the version
	// written, so that no copy stays behind); anything else (an unknown
	// outcome) keeps it for the row that may refer to it.
	refused := func(err error) bool {
		code := domain.ErrorCode(err)
		return code == domain.CodeInvalid || code == domain.CodeNotFound || code == domain.CodeForbidden ||
			code == domain.CodeConflict || code == domain.CodeTooMany
	}
	dctx := context.WithoutCancel(ctx)
	removeAttachment := func() {
		if attKey != "" {
			_ = s.Blob.RemoveVersion(dctx, attKey, attVersion)
		}
	}
	if !supplier {
		pc := store.PublicComment{ID: id, CallID: callID, Name: strings.TrimSpace(in.Name), Body: strings.TrimSpace(in.Reason), Attachment: attKey}
		err := s.Store.InsertPublicComment(ctx, pc, contact, clientHash(clientAddr), by)
		if err != nil {
			if refused(err) {
				removeAttachment()
			}
			return Filed{}, err
		}
		return Filed{ID: id, Route: domain.RoutePublicComment, FiledAt: time.Now()}, nil
	}
	o := domain.Objection{ID: id, CallID: callID, Name: strings.TrimSpace(in.Name), ComplaintOf: complaintOf,
		Reason: strings.TrimSpace(in.Reason), Attachment: attKey}
	if err := s.Store.InsertPendingObjection(ctx, o, contact); err != nil {
		removeAttachment()
		return Filed{}, err
	}
	f, err := s.fileObjection(ctx, c, by, id, complaintOf)
	if err != nil && refused(err) {
		// The workflow refused it: the pending row and its file go.
		if k, derr := s.Store.DeletePendingObjection(dctx, callID, id); derr == nil && k != "" {
			removeAttachment()
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

// RequestRecusal files the caller's organisation's written request that an
// expert step aside.
func (s *Calls) RequestRecusal(ctx context.Context, by domain.Actor, callID, key, reason string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}); err != nil {
		return err
	}
	id, err := requestID(key)
	if err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateRequestRecusal, id, workflows.RecusalRequest{Actor: by, ID: id, Reason: reason}, nil)
}

// DecideRecusal decides a recusal request; upheld, the expert in seat steps
// aside and a replacement is drawn.
func (s *Calls) DecideRecusal(ctx context.Context, by domain.Actor, callID, key, requestID string, upheld bool, seat int, answer string) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionManagePanel, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateDecideRecusal, key, workflows.RecusalDecision{Actor: by, RequestID: requestID,
		Upheld: upheld, Seat: seat, Answer: answer}, nil)
}

// Public returns a call as the public may see it: published calls only.
func (s *Calls) Public(ctx context.Context, callID string) (domain.Call, error) {
	if _, err := uuid.Parse(callID); err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	c, err := s.Store.Call(ctx, callID)
	if err != nil {
		return domain.Call{}, err
	}
	if c.PublishedAt.IsZero() {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	return c, nil
}

// Dossier is everything about a call a person may see, gathered for its
// page and the API.
type Dossier struct {
	Call CallView `json:"call"`
	DossierParts
	sight callSight
}

// Official reports whether the dossier is an official's of the district
// (civil affairs, finance).
func (d Dossier) Official() bool { return d.sight.Official }

// DossierParts are the parts of a dossier beside the call's own record
// (the API shows them flattened beside it).
type DossierParts struct {
	Clarifications []domain.Clarification  `json:"clarifications"`
	Decisions      []domain.CallDecision   `json:"decisions,omitempty"`
	BidCount       int                     `json:"bid_count,omitempty"`
	MyBids         []domain.Bid            `json:"my_bids,omitempty"`
	Panel          []PanelSeat             `json:"panel,omitempty"`
	MySeat         *PanelSeat              `json:"my_seat,omitempty"`
	MyScores       []domain.ScoreSheet     `json:"my_scores,omitempty"`
	Opened         []domain.Bid            `json:"opened,omitempty"`
	Objections     []ObjectionView         `json:"objections,omitempty"`
	Awards         []domain.Award          `json:"awards,omitempty"`
	Recusals       []domain.RecusalRequest `json:"recusal_requests,omitempty"`
	CalendarNote   string                  `json:"calendar_note,omitempty"`
}

// Dossier gathers a call's page for by: what each role may see at this
// stage, nothing more. Results are shown to civil affairs and finance from
// approval on, to everyone from publicity on; panel names only from
// publicity on (招标投标法 §37).
func (s *Calls) Dossier(ctx context.Context, by domain.Actor, callID string) (Dossier, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return Dossier{}, err
	}
	var d Dossier
	if by.OrgID != 0 {
		if d.MyBids, err = s.Receipts(ctx, by, callID); err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
			return d, err
		}
	}
	members, err := s.Store.PanelMembers(ctx, callID)
	if err != nil {
		return d, err
	}
	facts := callFacts{Bidder: tookPart(d.MyBids)}
	for _, m := range members {
		if m.UserID == by.UserID && by.UserID != 0 {
			facts.Seat = m.Status
		}
	}
	if d.Call, d.sight, err = viewCall(by, c, facts); err != nil {
		return Dossier{}, err
	}
	official, published := d.sight.Official, d.sight.Published
	if d.Clarifications, err = s.Store.Clarifications(ctx, callID); err != nil {
		return d, err
	}
	if official {
		// The number of bidders is the officials' to know, never published
		// before opening.
		if d.BidCount, err = s.Store.CountLiveBids(ctx, callID); err != nil {
			return d, err
		}
		if d.Decisions, err = s.Store.CallDecisions(ctx, callID); err != nil {
			return d, err
		}
	}
	for _, m := range members {
		self := m.UserID == by.UserID && by.UserID != 0
		if self {
			seat := panelSeat(m, d.sight, true)
			d.MySeat = &seat
		}
		if (official || published) && (m.Status == domain.PanelConfirmed || official) {
			d.Panel = append(d.Panel, panelSeat(m, d.sight, false))
		}
	}
	if d.MySeat != nil {
		if d.MyScores, err = s.Store.Scores(ctx, callID, by.UserID); err != nil {
			return d, err
		}
	}
	// Envelopes only once the opening is recorded: a call that failed (流标)
	// or was cancelled without an opening shows none of them.
	if c.Stage.Opened() && !c.OpenedAt.IsZero() && (official || facts.Seat == domain.PanelConfirmed) {
		if d.Opened, err = s.Store.LiveBids(ctx, callID); err != nil {
			return d, err
		}
		for i := range d.Opened {
			for j := range d.Opened[i].Parts {
				d.Opened[i].Parts[j].ObjectKey = ""
			}
		}
	}
	if published || official {
		os, err := s.Store.Objections(ctx, callID)
		if err != nil {
			return d, err
		}
		for _, o := range os {
			d.Objections = append(d.Objections, objectionView(o, d.sight))
		}
	}
	if d.Awards, err = s.Store.Awards(ctx, callID); err != nil {
		return d, err
	}
	if official || by.OrgID != 0 {
		org := by.OrgID
		if official {
			org = 0
		}
		if d.Recusals, err = s.Store.RecusalRequests(ctx, callID, org); err != nil {
			return d, err
		}
	}
	if !c.BidDeadline.IsZero() {
		cal, err := s.Store.Calendar(ctx)
		if err != nil {
			return d, err
		}
		d.CalendarNote = cal.FallbackNote(c.BidDeadline)
	}
	return d, nil
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

// Notices lists the newest notices for by.
func (s *Calls) Notices(ctx context.Context, by domain.Actor, limit int) ([]domain.Notice, error) {
	return s.Store.NoticesFor(ctx, by.User(), limit)
}

// ExpertCalls lists the calls on whose panel by sits.
func (s *Calls) ExpertCalls(ctx context.Context, by domain.Actor) ([]CallView, error) {
	if !by.User().Has(domain.RoleExpert) {
		return nil, nil
	}
	calls, err := s.Store.ExpertCalls(ctx, by.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]CallView, 0, len(calls))
	for _, c := range calls {
		if v, _, err := viewCall(by, c, callFacts{Seat: domain.PanelDrawn}); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// PublicCallPage is a page of published calls.
type PublicCallPage struct {
	Items   []PublicCall `json:"items"`
	Total   int          `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// PublicCall is what the public sees of a call.
type PublicCall struct {
	ID             string           `json:"id"`
	Number         string           `json:"number"`
	Title          string           `json:"title"`
	Brand          domain.Brand     `json:"brand"`
	District       string           `json:"district"`
	Budget         domain.Fen       `json:"budget_fen"`
	Mode           domain.Mode      `json:"mode"`
	Stage          domain.CallStage `json:"stage"`
	StageLabel     string           `json:"stage_label"`
	PublishedAt    time.Time        `json:"published_at"`
	BidDeadline    time.Time        `json:"bid_deadline"`
	PublicityUntil time.Time        `json:"publicity_until,omitzero"`
	ObjectionUntil time.Time        `json:"objection_until,omitzero"`
}

func publicCallOf(c CallView) PublicCall {
	return PublicCall{ID: c.ID, Number: c.Number, Title: c.Title, Brand: c.Brand, District: c.District, Budget: c.Budget,
		Mode: c.Plan.Mode, Stage: c.Stage, StageLabel: c.StageLabel, PublishedAt: c.PublishedAt, BidDeadline: c.BidDeadline,
		PublicityUntil: c.PublicityUntil, ObjectionUntil: c.ObjectionUntil}
}

// PublicList lists published calls (optionally of one stage), newest first.
func (s *Calls) PublicList(ctx context.Context, stage domain.CallStage, page int) (PublicCallPage, error) {
	res, err := s.Store.ListCalls(ctx, store.CallFilter{Stage: stage, Published: true, Page: page, PerPage: 20})
	if err != nil {
		return PublicCallPage{}, err
	}
	out := PublicCallPage{Items: []PublicCall{}, Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for _, c := range res.Calls {
		if v, _, err := viewCall(domain.Actor{}, c, callFacts{}); err == nil {
			out.Items = append(out.Items, publicCallOf(v))
		}
	}
	return out, nil
}

// PublicResult is one line of a published result, de-identified where the
// law says (PIPL §25): organisations are public, people are not.
type PublicResult struct {
	Rank        int        `json:"rank"`
	OrgName     string     `json:"org_name"`
	Price       domain.Fen `json:"price_fen"`
	Technical   float64    `json:"technical"`
	PriceScore  float64    `json:"price_score"`
	Result      float64    `json:"result"`
	Recommended bool       `json:"recommended"`
}

// PublicObjection is an objection as published: the objector masked, the
// answer in full.
type PublicObjection struct {
	ID         string    `json:"id"`
	Complaint  bool      `json:"complaint"`
	Name       string    `json:"name"`
	Reason     string    `json:"reason"`
	FiledAt    time.Time `json:"filed_at"`
	Answered   bool      `json:"answered"`
	Upheld     bool      `json:"upheld"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
}

// PublicDossier is what the portal shows of a call.
type PublicDossier struct {
	Call           PublicCall             `json:"call"`
	Clarifications []domain.Clarification `json:"clarifications"`
	Results        []PublicResult         `json:"results,omitempty"`
	Panel          []string               `json:"panel,omitempty"`
	Objections     []PublicObjection      `json:"objections,omitempty"`
	Awards         []PublicResult         `json:"awards,omitempty"`
	Opened         bool                   `json:"opened"`
	CanObject      bool                   `json:"can_object"`
}

// PublicDossier gathers a published call for the portal. Results, panel
// names and objections appear from publicity on.
func (s *Calls) PublicDossier(ctx context.Context, callID string) (PublicDossier, error) {
	c, err := s.Public(ctx, callID)
	if err != nil {
		return PublicDossier{}, err
	}
	// The portal is the public's view: the rule for a viewer without a
	// sign-in, whoever is signed in.
	v, sight, err := viewCall(domain.Actor{}, c, callFacts{})
	if err != nil {
		return PublicDossier{}, err
	}
	d := PublicDossier{Call: publicCallOf(v), Opened: !c.OpenedAt.IsZero()}
	if d.Clarifications, err = s.Store.Clarifications(ctx, callID); err != nil {
		return d, err
	}
	if !sight.Published {
		return d, nil
	}
	d.CanObject = c.Stage == domain.StagePublicity && time.Now().Before(c.ObjectionUntil)
	for _, r := range v.Results {
		pr := PublicResult{Rank: r.Rank, OrgName: r.OrgName, Price: r.Price, Technical: r.Technical, PriceScore: r.PriceScore,
			Result: r.Result, Recommended: r.Recommended}
		d.Results = append(d.Results, pr)
		if r.Recommended && c.Stage == domain.StageAwarded {
			d.Awards = append(d.Awards, pr)
		}
	}
	members, err := s.Store.PanelMembers(ctx, callID)
	if err != nil {
		return d, err
	}
	for _, m := range members {
		if m.Status == domain.PanelConfirmed {
			d.Panel = append(d.Panel, panelSeat(m, sight, false).Name)
		}
	}
	os, err := s.Store.Objections(ctx, callID)
	if err != nil {
		return d, err
	}
	for _, o := range os {
		ov := objectionView(o, sight)
		d.Objections = append(d.Objections, PublicObjection{ID: ov.ID, Complaint: ov.ComplaintOf != "", Name: ov.Name, Reason: ov.Reason, FiledAt: ov.FiledAt,
			Answered: ov.Upheld != nil, Upheld: ov.Upheld != nil && *ov.Upheld, Answer: ov.Answer, AnsweredAt: ov.AnsweredAt})
	}
	return d, nil
}

// CalendarYear is one year of the working-day calendar.
type CalendarYear struct {
	Year   int                  `json:"year"`
	Loaded bool                 `json:"loaded"`
	Note   string               `json:"note,omitempty"`
	Days   []domain.CalendarDay `json:"days"`
}

// Calendar returns a year of the working-day calendar (public data).
func (s *Calls) Calendar(ctx context.Context, year int) (CalendarYear, error) {
	if year < 2000 || year > 2100 {
		return CalendarYear{}, domain.Errorf(domain.CodeNotFound, "年份有误（2000–2100）。")
	}
	days, err := s.Store.CalendarDays(ctx, year)
	if err != nil {
		return CalendarYear{}, err
	}
	years, err := s.Store.CalendarYears(ctx)
	if err != nil {
		return CalendarYear{}, err
	}
	cy := CalendarYear{Year: year, Loaded: slices.Contains(years, year), Days: days}
	if cy.Days == nil {
		cy.Days = []domain.CalendarDay{}
	}
	if !cy.Loaded {
		cy.Note = fmt.Sprintf("%d 年的法定节假日安排尚未录入，工作日按周一至周五计算。", year)
	}
	return cy, nil
}

// SetCalendar replaces a year's holiday schedule (admins).
func (s *Calls) SetCalendar(ctx context.Context, by domain.Actor, year int, days []domain.CalendarDay) error {
	if err := auth.Authorize(by.User(), auth.ActionEditCalendar, ""); err != nil {
		return err
	}
	if err := domain.ValidateCalendarYear(year, days); err != nil {
		return err
	}
	return s.Store.SetCalendarYear(ctx, year, days, by)
}

// anyOf authorizes by for the first of actions it holds; the refusal names
// the first action.
func anyOf(by domain.Actor, district string, actions ...auth.Action) error {
	var first error
	for _, a := range actions {
		err := auth.Authorize(by.User(), a, district)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}
