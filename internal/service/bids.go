package service

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/seal"
	"grantflow/workflows"
)

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
	if content, err = s.checkBid(ctx, by, c, content, docs); err != nil {
		return domain.Receipt{}, err
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
	cleanup, err := s.putSealed(ctx, &bid, sealed)
	if err != nil {
		return domain.Receipt{}, err
	}
	var rc domain.Receipt
	err = s.update(ctx, c, workflows.UpdateSubmitBid, id, workflows.BidRequest{Actor: by, Bid: bid}, &rc)
	if err == nil {
		return rc, nil
	}
	return s.settleBid(ctx, by, callID, id, bidID, err, rc, cleanup)
}

// checkBid checks that by's organisation may bid on c now (verified, not
// debarred, the call taking bids before its deadline) and that the bid is
// complete; it returns the content normalized.
func (s *Calls) checkBid(ctx context.Context, by domain.Actor, c domain.Call, content domain.BidContent, docs []File) (domain.BidContent, error) {
	if err := auth.AuthorizeTarget(by.User(), auth.ActionBid, auth.Target{OrgID: by.OrgID}); err != nil {
		return content, err
	}
	org, err := s.Store.Organisation(ctx, by.OrgID)
	if err != nil {
		return content, err
	}
	switch {
	case org.Status != domain.OrgVerified:
		return content, domain.Errorf(domain.CodeForbidden, "您单位的注册尚未通过民政部门审核，审核通过后才能投标。")
	case org.Debarred:
		return content, domain.Errorf(domain.CodeForbidden, "您单位在禁入名单期限内，不能参加投标。")
	case c.Stage != domain.StageBidding:
		return content, domain.Errorf(domain.CodeConflict, "征集现处于“%s”阶段，不接受投标。", c.Stage.Label())
	case !time.Now().Before(c.BidDeadline):
		return content, domain.Errorf(domain.CodeConflict, "投标截止时间已过，不再接受投标文件。")
	}
	content = content.Normalize()
	if err := content.Validate(c.Budget); err != nil {
		return content, err
	}
	if len(docs) > MaxBidDocuments {
		return content, domain.Errorf(domain.CodeInvalid, "附件最多 %d 个，请合并后再上传。", MaxBidDocuments)
	}
	return content, nil
}

// putSealed stores a bid's sealed parts in object storage and records them
// on bid; it returns the function that removes them again. When one fails,
// those stored before it are removed: nothing was sent, the workflow knows
// none of them.
func (s *Calls) putSealed(ctx context.Context, bid *domain.Bid, sealed []sealedObject) (cleanup func(), err error) {
	var stored []string
	cleanup = func() {
		for _, k := range stored {
			_ = s.Blob.Remove(context.WithoutCancel(ctx), k)
		}
	}
	for _, p := range sealed {
		obj, err := s.Blob.Put(ctx, p.ObjectKey, p.ciphertext, "application/octet-stream")
		if err != nil {
			cleanup() // nothing was sent: the workflow knows none of these
			return nil, err
		}
		stored = append(stored, obj.Key)
		bid.Parts = append(bid.Parts, p.SealedPart)
	}
	return cleanup, nil
}

// settleBid answers a bid whose update failed with err. The outcome may be
// unknown (the request was cancelled, a deadline or the connection failed
// after the update was sent): ask again by the update's ID with a context
// of its own. The parts are removed (cleanup) only when the workflow is
// known to have refused the bid; when unsure they stay (the workflow may
// hold the bid and open it at the deadline), and the sweep removes them
// later if no bid refers to them.
func (s *Calls) settleBid(ctx context.Context, by domain.Actor, callID, id, bidID string, err error, rc domain.Receipt, cleanup func()) (domain.Receipt, error) {
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
