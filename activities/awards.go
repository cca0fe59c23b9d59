package activities

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// AwardInput awards a call to its recommended bids.
type AwardInput struct {
	CallID  string
	Results []domain.BidResult
}

// AwardCall records an award per recommended bid with its notice PDF, tells
// every bidder the outcome, and returns unfunded bids to the project
// library. Idempotent (award IDs derive from the bid IDs).
func (a *Activities) AwardCall(ctx context.Context, in AwardInput) ([]domain.Award, error) {
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	sealed, err := a.Store.OpenedCallKey(ctx, in.CallID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	priv, err := a.callPrivateKey(ctx, sealed)
	if err != nil {
		return nil, err
	}
	bids, err := a.Store.LiveBids(ctx, in.CallID)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Bid{}
	for _, b := range bids {
		byID[b.ID] = b
	}
	for i, r := range in.Results {
		beat(ctx, i)
		b := byID[r.BidID]
		if !r.Recommended {
			if err := a.returnToLibrary(ctx, priv, c, b); err != nil {
				return nil, err
			}
			if err := a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{OrgID: b.OrgID}, "award.unsuccessful",
				fmt.Sprintf("征集 %s 已定标，您单位未获立项（名次 %d，综合得分 %.2f）。投标方案已转入项目库备选。", c.Number, r.Rank, r.Result),
				"award-no/"+b.ID); err != nil {
				return nil, err
			}
			continue
		}
		pdf, err := report.RenderAwardNotice(report.AwardNotice{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
			OrgName: b.OrgName, USCC: b.OrgUSCC, Amount: b.Price, Rank: r.Rank, Result: r.Result, Tranches: c.Plan.Tranches, Issued: c.PublicityUntil})
		if err != nil {
			return nil, err
		}
		obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/awards/%s-立项通知书.pdf", c.ID, b.ID), pdf, "application/pdf")
		if err != nil {
			return nil, err
		}
		aw := domain.Award{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("award/"+b.ID)).String(), CallID: c.ID, BidID: b.ID, OrgID: b.OrgID,
			Amount: b.Price, Rank: r.Rank, NoticeKey: obj.Key, NoticeSHA256: obj.SHA256}
		if err := a.Store.InsertAward(ctx, aw); err != nil {
			return nil, nonRetryable(err)
		}
		if err := a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{OrgID: b.OrgID}, "award.won",
			fmt.Sprintf("征集 %s 已定标，您单位获得立项，资助金额 %s 元。请下载立项通知书，并于 30 日内签订合同。", c.Number, b.Price.Yuan()),
			"award/"+b.ID); err != nil {
			return nil, err
		}
	}
	return a.Store.Awards(ctx, in.CallID)
}

func (a *Activities) returnToLibrary(ctx context.Context, priv []byte, c domain.Call, b domain.Bid) error {
	summary := ""
	for _, p := range b.Parts {
		if p.Part == "technical" {
			pt, ok, err := a.readPart(ctx, priv, b, p)
			if err != nil {
				return err
			}
			if ok {
				summary = string(pt)
			}
		}
	}
	if r := []rune(summary); len(r) > 4900 {
		summary = string(r[:4900]) + "……"
	}
	title := fmt.Sprintf("%s（%s 投标方案）", c.Title, b.OrgName)
	return a.Store.ReturnBidToLibrary(ctx, c.ID, b.ID, title, summary)
}
