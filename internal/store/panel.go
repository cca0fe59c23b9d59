package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// ---- panel ----

// AddPanelMember records an expert considered for a panel; idempotent on
// (call, talent).
func (s *Store) AddPanelMember(ctx context.Context, m domain.PanelMember) error {
	return mapErr("add panel member", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO panel_members (call_id, talent_id, user_id, seq, status, reason, draw_key)
			VALUES ($1, $2, nullif($3, 0), $4, $5, $6, nullif($7, '')) ON CONFLICT DO NOTHING`,
			m.CallID, m.TalentID, m.UserID, m.Seq, m.Status, m.Reason, m.DrawKey)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// who was drawn (and why one was excluded) stays sealed until the
		// result (招标投标法 §37)
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "panel." + string(m.Status), ObjectType: "call", ObjectID: m.CallID,
			Summary: map[string]any{"seq": m.Seq}, Secret: s.secret(map[string]any{"talent": m.TalentID, "user": m.UserID, "reason": m.Reason}, "")})
	}))
}

// DeclarePanelMember records an expert's declaration: no conflict
// (confirmed) or a recusal with its reason.
func (s *Store) DeclarePanelMember(ctx context.Context, callID string, userID int64, conflict bool, reason string, by domain.Actor) error {
	status := domain.PanelConfirmed
	if conflict {
		status = domain.PanelRecused
	}
	return mapErr("declare", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE panel_members SET status = $3, reason = $4, declared_at = now()
			WHERE call_id = $1 AND user_id = $2 AND status = 'drawn'`, callID, userID, status, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "panel.declare", ObjectType: "call", ObjectID: callID,
			Secret: s.secret(map[string]any{"conflict": conflict, "reason": reason}, hiddenExpert)})
	}))
}

// PanelMembers lists everyone considered for a call's panel, in draw order.
func (s *Store) PanelMembers(ctx context.Context, callID string) ([]domain.PanelMember, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.call_id, p.talent_id, coalesce(p.user_id, 0), t.name, p.seq, p.status, p.reason, p.created_at, p.declared_at, coalesce(p.draw_key, '')
		FROM panel_members p JOIN talents t ON t.id = p.talent_id WHERE p.call_id = $1 ORDER BY p.seq, p.talent_id`, callID)
	if err != nil {
		return nil, mapErr("panel", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PanelMember, error) {
		var m domain.PanelMember
		var declared *time.Time
		err := r.Scan(&m.CallID, &m.TalentID, &m.UserID, &m.Name, &m.Seq, &m.Status, &m.Reason, &m.CreatedAt, &declared, &m.DrawKey)
		if declared != nil {
			m.DeclaredAt = *declared
		}
		return m, err
	})
	return out, mapErr("panel", err)
}

// ExpertPool lists the available experts who have an account (they score
// on the platform): the pool panels are drawn from.
func (s *Store) ExpertPool(ctx context.Context) ([]domain.Talent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+talentColumns+talentFrom+`
		WHERE t.kind = 'expert' AND t.available AND t.user_id IS NOT NULL ORDER BY t.id`)
	if err != nil {
		return nil, mapErr("expert pool", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Talent, error) { return scanTalent(r) })
	return out, mapErr("expert pool", err)
}

// ---- scores and results ----

// UpsertScore records (or revises) an expert's score sheet for a bid.
func (s *Store) UpsertScore(ctx context.Context, callID string, sh domain.ScoreSheet, by domain.Actor) error {
	return mapErr("score", s.tx(ctx, func(tx pgx.Tx) error {
		pts, _ := json.Marshal(sh.Points)
		tag, err := tx.Exec(ctx, `
			INSERT INTO scores (call_id, bid_id, expert, points, comment, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (bid_id, expert) DO UPDATE SET points = excluded.points, comment = excluded.comment, submitted_at = excluded.submitted_at
			WHERE scores.points <> excluded.points OR scores.comment <> excluded.comment`,
			callID, sh.BidID, sh.Expert, pts, sh.Comment, sh.At)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "score.submit", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bid": sh.BidID}, Secret: s.secret(map[string]any{"expert": sh.Expert, "points": sh.Points}, hiddenExpert)})
	}))
}

// Scores lists a call's score sheets (all experts, or one when expert > 0).
func (s *Store) Scores(ctx context.Context, callID string, expert int64) ([]domain.ScoreSheet, error) {
	rows, err := s.pool.Query(ctx, `SELECT expert, bid_id, points, comment, submitted_at FROM scores
		WHERE call_id = $1 AND ($2 = 0 OR expert = $2) ORDER BY bid_id, expert`, callID, expert)
	if err != nil {
		return nil, mapErr("scores", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.ScoreSheet, error) {
		var sh domain.ScoreSheet
		return sh, r.Scan(&sh.Expert, &sh.BidID, &sh.Points, &sh.Comment, &sh.At)
	})
	return out, mapErr("scores", err)
}

// SaveResults stores the scoring result of a call.
func (s *Store) SaveResults(ctx context.Context, callID string, rs []domain.BidResult) error {
	return mapErr("save results", s.tx(ctx, func(tx pgx.Tx) error {
		// A retry (the same results) changes nothing and is not audited again.
		tag, err := tx.Exec(ctx, `UPDATE calls SET results = $2, updated_at = now() WHERE id = $1 AND results IS DISTINCT FROM $2`, callID, rs)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		top := []string{}
		for _, r := range rs {
			if r.Recommended {
				top = append(top, r.BidID)
			}
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "call.results", ObjectType: "call", ObjectID: callID,
			Summary: map[string]any{"bids": len(rs)}, Secret: s.secret(map[string]any{"recommended": top}, "")})
	}))
}

// ExpertCalls lists the calls on whose panel a user sits (drawn or
// confirmed), newest first.
func (s *Store) ExpertCalls(ctx context.Context, userID int64) ([]domain.Call, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+callColumns+` FROM calls WHERE id IN (
		SELECT call_id FROM panel_members WHERE user_id = $1 AND status IN ('drawn', 'confirmed')) ORDER BY created_at DESC LIMIT 100`, userID)
	if err != nil {
		return nil, mapErr("expert calls", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Call, error) { return scanCall(r) })
	return out, mapErr("expert calls", err)
}
