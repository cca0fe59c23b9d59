package activities

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"grantflow/internal/domain"
	"grantflow/internal/report"
)

// DrawPanelInput asks for Need more experts for a call's panel.
type DrawPanelInput struct {
	CallID string
	Need   int
	// Bidders are the valid bidders' codes: an expert tied to any of them is
	// excluded (实施条例 §9).
	Bidders []string
	// Staff are users who may not sit on the panel (the call's approvers).
	Staff []int64
	// Key names this draw (workflow run and step): a retry returns the
	// experts this draw already recorded and draws only what is missing.
	// Empty (a draw scheduled before keys existed): the activity's own
	// identity (workflow run and activity ID) keys it.
	Key string
	// Adopt: experts recorded as drawn for this call whom the workflow does
	// not seat (Seated, talent IDs) count as this draw's own. A draw that
	// came up short recorded and told the experts it found, but Temporal
	// drops an activity's result when it fails, so the workflow never
	// learnt them: without this, the redraw after the pool is topped up
	// would leave them out and, holding them as already considered, come
	// up short again.
	Adopt  bool
	Seated []int64
}

// Drawn is an expert drawn for a panel.
type Drawn struct {
	TalentID int64
	UserID   int64
	Name     string
	Seq      int // the draw number (the seat's public label 专家 N)
}

// DrawPanel draws experts at random (crypto/rand) from the talent library's
// pool, skipping those already considered for this call; an expert with a
// tie to a bidder is recorded as excluded with the reason and another is
// drawn. Idempotent: the draw is keyed (in.Key), and a retry returns the
// experts it already drew and draws only those still missing.
func (a *Activities) DrawPanel(ctx context.Context, in DrawPanelInput) ([]Drawn, error) {
	if in.Key == "" && activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		in.Key = fmt.Sprintf("%s/%s/activity/%s", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID)
	}
	pool, err := a.Store.ExpertPool(ctx)
	if err != nil {
		return nil, err
	}
	members, err := a.Store.PanelMembers(ctx, in.CallID)
	if err != nil {
		return nil, err
	}
	considered, seq, drawn := panelSoFar(in, members)
	candidates := panelCandidates(pool, considered, in.Staff)
	today := time.Now()
	for len(drawn) < in.Need {
		if len(candidates) == 0 {
			if err := a.tellDrawn(ctx, in.CallID, drawn); err != nil {
				return nil, err
			}
			return drawn, nonRetryable(domain.Errorf(domain.CodeConflict,
				"专家库中与投标人无利害关系的可用专家不足（还差 %d 人）。请在人才库中补充评审专家（须绑定账号），然后重新抽取。", in.Need-len(drawn)))
		}
		t, rest, err := drawOne(candidates)
		if err != nil {
			return nil, err
		}
		candidates = rest
		seq++
		m, err := a.recordDrawn(ctx, in, t, seq, today)
		if err != nil {
			return nil, err
		}
		if m.Status == domain.PanelDrawn {
			drawn = append(drawn, Drawn{TalentID: t.ID, UserID: t.UserID, Name: t.Name, Seq: seq})
		}
	}
	return drawn, a.tellDrawn(ctx, in.CallID, drawn)
}

// panelSoFar reads a call's panel records for a draw: every expert already
// considered, the last draw number, and what this draw already recorded (an
// earlier attempt of it, and with in.Adopt the unseated drawn experts): its
// result so far, never drawn again.
func panelSoFar(in DrawPanelInput, members []domain.PanelMember) (considered map[int64]bool, seq int, drawn []Drawn) {
	considered = map[int64]bool{}
	seated := map[int64]bool{}
	for _, id := range in.Seated {
		seated[id] = true
	}
	for _, m := range members {
		considered[m.TalentID] = true
		seq = max(seq, m.Seq)
		mine := in.Key != "" && m.DrawKey == in.Key && m.Status != domain.PanelExcluded
		orphan := in.Adopt && m.Status == domain.PanelDrawn && !seated[m.TalentID]
		if mine || orphan {
			drawn = append(drawn, Drawn{TalentID: m.TalentID, UserID: m.UserID, Name: m.Name, Seq: m.Seq})
		}
	}
	return considered, seq, drawn
}

// panelCandidates are the experts of the pool not yet considered and not
// among the call's staff.
func panelCandidates(pool []domain.Talent, considered map[int64]bool, staff []int64) []domain.Talent {
	var candidates []domain.Talent
	for _, t := range pool {
		isStaff := false
		for _, u := range staff {
			isStaff = isStaff || u == t.UserID
		}
		if !considered[t.ID] && !isStaff {
			candidates = append(candidates, t)
		}
	}
	return candidates
}

// tellDrawn tells every expert of this draw (once: the notice is keyed),
// also those an earlier attempt drew but may not have told.
func (a *Activities) tellDrawn(ctx context.Context, callID string, drawn []Drawn) error {
	for _, d := range drawn {
		if err := a.Store.AddNotice(ctx, callID, domain.NoticeTo{UserID: d.UserID}, "panel.drawn",
			"您被随机抽取为评审专家。请先声明与投标人无利害关系，然后才能查看投标文件并评分。", fmt.Sprintf("panel/%s/%d", callID, d.TalentID)); err != nil {
			return err
		}
	}
	return nil
}

// recordDrawn records expert t as drawn with number seq, or as excluded
// with the reason when tied to a bidder.
func (a *Activities) recordDrawn(ctx context.Context, in DrawPanelInput, t domain.Talent, seq int, today time.Time) (domain.PanelMember, error) {
	var ties []string
	for _, uscc := range in.Bidders {
		ties = append(ties, t.TiesTo(uscc, today)...)
	}
	m := domain.PanelMember{CallID: in.CallID, TalentID: t.ID, UserID: t.UserID, Seq: seq, Status: domain.PanelDrawn, DrawKey: in.Key}
	if len(ties) > 0 {
		m.Status = domain.PanelExcluded
		m.Reason = strings.Join(ties, "；")
	}
	if err := a.Store.AddPanelMember(ctx, m); err != nil {
		return domain.PanelMember{}, err
	}
	return m, nil
}

// drawOne takes one expert out of candidates at random (crypto/rand: the
// draw must not be predictable) and returns it with the rest.
func drawOne(candidates []domain.Talent) (domain.Talent, []domain.Talent, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(candidates))))
	if err != nil {
		return domain.Talent{}, nil, err
	}
	i := n.Int64()
	t := candidates[i]
	return t, append(candidates[:i], candidates[i+1:]...), nil
}

// DeclareInput is an expert's declaration.
type DeclareInput struct {
	CallID   string
	UserID   int64
	Conflict bool
	Reason   string
	By       domain.Actor
}

// Declare records an expert's declaration.
func (a *Activities) Declare(ctx context.Context, in DeclareInput) error {
	return nonRetryable(a.Store.DeclarePanelMember(ctx, in.CallID, in.UserID, in.Conflict, in.Reason, in.By))
}

// RecordScoreInput is one score sheet.
type RecordScoreInput struct {
	CallID string
	Sheet  domain.ScoreSheet
	By     domain.Actor
}

// RecordScore records an expert's score sheet.
func (a *Activities) RecordScore(ctx context.Context, in RecordScoreInput) error {
	return nonRetryable(a.Store.UpsertScore(ctx, in.CallID, in.Sheet, in.By))
}

// SaveResultsInput is the scoring result of a call.
type SaveResultsInput struct {
	CallID  string
	Results []domain.BidResult
	Round   int // counts re-scorings, so each report is its own object
}

// SaveResults stores the results and renders the scoring report (评审报告).
func (a *Activities) SaveResults(ctx context.Context, in SaveResultsInput) error {
	if err := a.Store.SaveResults(ctx, in.CallID, in.Results); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return err
	}
	members, err := a.Store.PanelMembers(ctx, in.CallID)
	if err != nil {
		return err
	}
	var names []string
	excluded := 0
	for _, m := range members {
		if m.Status == domain.PanelConfirmed {
			names = append(names, m.Name)
		} else {
			excluded++
		}
	}
	pdf, err := report.RenderScoringReport(report.ScoringReport{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
		Mode: c.Plan.Mode, Criteria: c.Plan.Criteria, Results: in.Results, Panel: names, Excluded: excluded,
		Issued: c.UpdatedAt, Deviation: c.Plan.DeviationLimit})
	if err != nil {
		return err
	}
	obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/report/r%02d-%s-评审报告.pdf", in.CallID, in.Round, c.Number), pdf, "application/pdf")
	if err != nil {
		return err
	}
	return a.Store.SetCallDocument(ctx, in.CallID, "report", obj.Key, obj.SHA256)
}
