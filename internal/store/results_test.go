package store_test

import (
	"testing"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// TestPublicLists: the public results list only graded projects, the
// published contracts only published ones, newest first, up to the limit;
// an organisation's record holds only its own graded projects.
func TestPublicLists(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	sun := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	star := seedOrg(t, s, "星光公益", "52120104MJ0000002B", "南开区")
	for i, g := range []struct {
		org       int64
		grade     string // "": not graded
		gradedH   int
		published int // hour; 0: not published
	}{
		{sun, "good", 3, 1},
		{star, "excellent", 5, 4},
		{sun, "", 0, 2},
		{sun, "poor", 4, 0},
	} {
		p := seedGrant(t, s, i+1, g.org, "项目", "河西区", 1000)
		if g.grade != "" {
			exec(t, s, `UPDATE projects SET grade = $2, graded_at = $3 WHERE id = $1`, p.ID, g.grade, at(g.gradedH))
		}
		if g.published > 0 {
			exec(t, s, `UPDATE projects SET signed_at = $2, published_at = $2 WHERE id = $1`, p.ID, at(g.published))
		}
	}
	id := func(g store.OrgGrade) int { return grantN(g.ProjectID) }
	res, err := s.PublicResults(ctx, 10)
	must(t, err)
	wantKeys(t, "public results", keys(res, id), []int{2, 4, 1})
	res, _ = s.PublicResults(ctx, 2)
	wantKeys(t, "public results, limit 2", keys(res, id), []int{2, 4})
	res, err = s.OrgGrades(ctx, sun)
	must(t, err)
	wantKeys(t, "阳光社工's record", keys(res, id), []int{4, 1})
	contracts, err := s.PublishedContracts(ctx, 10)
	must(t, err)
	wantKeys(t, "published contracts", keys(contracts, func(c store.PublishedContract) int { return grantN(c.ProjectID) }), []int{2, 3, 1})
	if contracts[0].OrgName != "星光公益" || contracts[0].Amount != 1000 || !contracts[0].SignedAt.Equal(at(4)) {
		t.Errorf("contract: %+v", contracts[0])
	}
}

// TestEvaluatorAssignments: an expert's rounds, those still to score first
// and then newest first; rounds the expert was excluded from and other
// experts' are left out; the same evaluator added twice is one.
func TestEvaluatorAssignments(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	org := seedOrg(t, s, "阳光社工", "52120103MJ0000001A", "河西区")
	expert := mkUser(t, s, "expert", "", domain.RoleExpert)
	other := mkUser(t, s, "other", "", domain.RoleExpert)
	exec(t, s, `INSERT INTO talents (kind, name, level, district, user_id) VALUES ('expert', '张伟', 'city', '市本级', $1), ('expert', '李娜', 'city', '市本级', $2)`,
		expert.UserID, other.UserID)
	due := time.Now().Add(30 * 24 * time.Hour)
	for i := 1; i <= 4; i++ {
		p := seedGrant(t, s, i, org, "项目", "河西区", 1000)
		must(t, s.OpenEvaluation(ctx, p.ID, domain.EvalMidterm, 1, due))
		excluded := ""
		if i == 4 {
			excluded = "与申报机构有雇佣关系"
		}
		must(t, s.AddEvaluator(ctx, p.ID, domain.EvalMidterm, 1, domain.Evaluator{TalentID: 1, UserID: expert.UserID, Seq: 1, Excluded: excluded}))
		must(t, s.AddEvaluator(ctx, p.ID, domain.EvalMidterm, 1, domain.Evaluator{TalentID: 1, UserID: expert.UserID, Seq: 1, Excluded: excluded}))
		must(t, s.AddEvaluator(ctx, p.ID, domain.EvalMidterm, 1, domain.Evaluator{TalentID: 2, UserID: other.UserID, Seq: 2}))
		exec(t, s, `UPDATE evaluators SET created_at = $2 WHERE project_id = $1`, p.ID, at(i))
	}
	exec(t, s, `UPDATE evaluators SET scored_at = now() WHERE project_id = $1 AND talent_id = 1`, uuidN(303)) // newest drawn, already scored
	got, err := s.EvaluatorAssignments(ctx, expert.UserID, 10)
	must(t, err)
	wantKeys(t, "assignments", keys(got, func(a store.EvaluatorAssignment) int { return grantN(a.ProjectID) }), []int{2, 1, 3})
	got, _ = s.EvaluatorAssignments(ctx, expert.UserID, 1)
	if len(got) != 1 {
		t.Errorf("limit 1: %d", len(got))
	}
	if ok, _ := s.IsEvaluator(ctx, uuidN(304), expert.UserID); ok {
		t.Errorf("an excluded expert counts as the project's evaluator")
	}
	if ok, _ := s.IsRoundEvaluator(ctx, uuidN(301), domain.EvalMidterm, 1, expert.UserID); !ok {
		t.Errorf("a drawn expert is not the round's evaluator")
	}
	if ok, _ := s.IsRoundEvaluator(ctx, uuidN(301), domain.EvalFinal, 1, expert.UserID); ok {
		t.Errorf("a midterm evaluator counts for the final round")
	}
	var n int
	must(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM evaluators`).Scan(&n))
	if n != 8 {
		t.Errorf("%d evaluators, want 8 (each added once)", n)
	}
}
