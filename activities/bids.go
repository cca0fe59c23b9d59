package activities

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/seal"
)

// RecordBidInput is a sealed bid whose parts are already in object storage.
type RecordBidInput struct {
	Bid domain.Bid
	By  domain.Actor
}

// RecordBid records a sealed bid (refused by the database after the
// deadline) and gives the bidder its receipt.
func (a *Activities) RecordBid(ctx context.Context, in RecordBidInput) (domain.Receipt, error) {
	b, err := a.Store.InsertBid(ctx, in.Bid, in.By)
	if err != nil {
		return domain.Receipt{}, nonRetryable(err)
	}
	text := fmt.Sprintf("投标文件已密封递交（第 %d 版），递交时间 %s。回执中列有每一部分的 SHA-256 摘要，开标时将逐一核对。",
		b.Version, report.ChineseDateTime(b.SubmittedAt))
	if err := a.Store.AddNotice(ctx, b.CallID, domain.NoticeTo{OrgID: b.OrgID}, "bid.receipt", text, "bid/"+b.ID); err != nil {
		return domain.Receipt{}, err
	}
	return b.Receipt(), nil
}

// WithdrawBidInput withdraws an organisation's bid.
type WithdrawBidInput struct {
	CallID string
	OrgID  int64
	By     domain.Actor
}

// WithdrawBid withdraws an organisation's live bid before the deadline.
func (a *Activities) WithdrawBid(ctx context.Context, in WithdrawBidInput) error {
	return nonRetryable(a.Store.WithdrawBid(ctx, in.CallID, in.OrgID, in.By))
}

// OpenedBid is a bid as opening found it.
type OpenedBid struct {
	BidID       string
	OrgID       int64
	OrgName     string
	USCC        string
	Price       domain.Fen
	SubmittedAt time.Time
	DigestsOK   bool
}

func (a *Activities) callPrivateKey(_ context.Context, sealed string) ([]byte, error) {
	return seal.UnwrapPrivate(a.Keys, sealed)
}

// readPart decrypts one part of an opened bid and checks its digest. A part
// whose object is missing or altered fails the check (ok false); only a
// transient fault of the object store is an error (retried).
func (a *Activities) readPart(ctx context.Context, priv []byte, b domain.Bid, p domain.SealedPart) ([]byte, bool, error) {
	get := func(key string) ([]byte, error) {
		data, _, err := a.Blob.Get(ctx, key, "")
		return data, err
	}
	pt, ok, err := seal.OpenPart(get, priv, b.CallID, b.ID, p.Part, p.ObjectKey, p.SHA256)
	if blob.Lost(err) {
		// gone or altered: the bid fails its digest check (recorded at the
		// opening) and the rest open; retrying would never mend it
		return nil, false, nil
	}
	return pt, ok, err
}

// OpenBids opens a call's bids at the deadline: records the opening (the
// database refuses before the deadline), decrypts every part, checks it
// against the receipt, reads the price, and renders the opening record.
func (a *Activities) OpenBids(ctx context.Context, callID string) ([]OpenedBid, error) {
	sealed, err := a.Store.OpenCall(ctx, callID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	priv, err := a.callPrivateKey(ctx, sealed)
	if err != nil {
		return nil, err
	}
	c, err := a.Store.Call(ctx, callID)
	if err != nil {
		return nil, err
	}
	bids, err := a.Store.LiveBids(ctx, callID)
	if err != nil {
		return nil, err
	}
	var out []OpenedBid
	var lines []report.OpenedBid
	for i, b := range bids {
		beat(ctx, i)
		ok := true
		var price domain.Fen
		for _, p := range b.Parts {
			pt, good, err := a.readPart(ctx, priv, b, p)
			if err != nil {
				return nil, err
			}
			ok = ok && good
			if p.Part == "price" && good {
				v, _ := strconv.ParseInt(string(pt), 10, 64)
				price = domain.Fen(v)
			}
		}
		if err := a.Store.SetBidOpened(ctx, b.ID, price, ok); err != nil {
			return nil, err
		}
		out = append(out, OpenedBid{BidID: b.ID, OrgID: b.OrgID, OrgName: b.OrgName, USCC: b.OrgUSCC, Price: price, SubmittedAt: b.SubmittedAt, DigestsOK: ok})
		lines = append(lines, report.OpenedBid{Seq: i + 1, OrgName: b.OrgName, USCC: b.OrgUSCC, Price: price, SubmittedAt: b.SubmittedAt,
			Parts: b.Receipt().Parts, DigestsOK: ok})
	}
	c, err = a.Store.Call(ctx, callID)
	if err != nil {
		return nil, err
	}
	pdf, err := report.RenderOpeningRecord(report.OpeningRecord{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
		Mode: c.Plan.Mode, Deadline: c.BidDeadline, OpenedAt: c.OpenedAt, Bids: lines})
	if err != nil {
		return nil, err
	}
	obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/opening/%s-开标记录.pdf", callID, c.Number), pdf, "application/pdf")
	if err != nil {
		return nil, err
	}
	return out, a.Store.SetCallDocument(ctx, callID, "opening", obj.Key, obj.SHA256)
}

// QualifyInput records qualification decisions.
type QualifyInput struct {
	CallID    string
	Decisions []domain.Qualification
	By        domain.Actor
}

// QualifyBids records civil affairs' qualification decisions.
func (a *Activities) QualifyBids(ctx context.Context, in QualifyInput) error {
	for _, d := range in.Decisions {
		if err := a.Store.QualifyBid(ctx, in.CallID, d.BidID, d.Qualified, d.Reason, in.By); err != nil {
			return nonRetryable(err)
		}
	}
	return nil
}
