package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/seal"
	"grantflow/workflows"
)

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
func (s *Calls) Qualify(ctx context.Context, by domain.Actor, callID, key string, ds []domain.Qualification) error {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(by.User(), auth.ActionQualify, c.District); err != nil {
		return err
	}
	return s.update(ctx, c, workflows.UpdateQualify, key, workflows.QualifyRequest{Actor: by, Decisions: ds}, nil)
}
