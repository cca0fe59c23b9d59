package activities

import (
	"context"
	"fmt"

	"grantflow/internal/domain"
)

// RecusalRequestInput is a bidder's written recusal request.
type RecusalRequestInput struct {
	Request domain.RecusalRequest
	By      domain.Actor
}

// RecordRecusalRequest records a bidder's recusal request and tells civil
// affairs.
func (a *Activities) RecordRecusalRequest(ctx context.Context, in RecusalRequestInput) error {
	if err := a.Store.InsertRecusalRequest(ctx, in.Request, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.Request.CallID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, c.ID, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "recusal.request",
		fmt.Sprintf("征集 %s 收到投标人的专家回避申请，请审查并作出决定。", c.Number), "recusal/"+in.Request.ID)
}

// DecideRecusalInput is civil affairs' decision on a recusal request.
type DecideRecusalInput struct {
	CallID    string
	RequestID string
	OrgID     int64
	Upheld    bool
	Seat      int
	Answer    string
	By        domain.Actor
}

// DecideRecusal records the decision (an upheld one recuses the seat's
// expert) and tells the bidder.
func (a *Activities) DecideRecusal(ctx context.Context, in DecideRecusalInput) error {
	if err := a.Store.DecideRecusalRequest(ctx, in.CallID, in.RequestID, in.Upheld, in.Seat, in.Answer, in.By); err != nil {
		return nonRetryable(err)
	}
	text := "您单位的专家回避申请经审查不成立：" + in.Answer
	if in.Upheld {
		text = "您单位的专家回避申请经审查成立，该专家已回避并另行抽取：" + in.Answer
	}
	return a.Store.AddNotice(ctx, in.CallID, domain.NoticeTo{OrgID: in.OrgID}, "recusal.decision", text, "recusal-decision/"+in.RequestID)
}
