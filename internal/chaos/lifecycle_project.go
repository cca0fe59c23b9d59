package chaos

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"grantflow/internal/domain"
)

type projectView struct {
	Stage string `json:"stage"`
}

func (l *lifecycle) project(ctx context.Context) (projectView, error) {
	var p projectView
	a, err := l.c.do(ctx, req{user: "hexi", method: "GET", path: "/api/v1/awards/" + l.award})
	if err != nil || a.status == http.StatusNotFound {
		return p, err // not started yet
	}
	if a.status != http.StatusOK {
		return p, fmt.Errorf("project: %d %.200s", a.status, a.body)
	}
	return p, a.decode(&p)
}

func (l *lifecycle) projectStage(ctx context.Context, want string) error {
	return l.until(ctx, "project stage "+want, func() (bool, error) {
		p, err := l.project(ctx)
		return p.Stage == want, err
	})
}

func (l *lifecycle) rounds(ctx context.Context) ([]domain.Evaluation, error) {
	var out struct{ Items []domain.Evaluation }
	err := l.c.get(ctx, "hexi", "/api/v1/awards/"+l.award+"/evaluations", &out)
	return out.Items, err
}

// runProject drives the call's project from its contract through the
// training, the tranches and both evaluations to the archive.
func (l *lifecycle) runProject(ctx context.Context) error {
	base := "/api/v1/awards/" + l.award
	if err := l.contract(ctx, base); err != nil {
		return err
	}
	if err := l.training(ctx, base); err != nil {
		return err
	}
	if err := l.tranche(ctx, base, 1); err != nil {
		return err
	}
	// the mid-term and final evaluations: the report, three drawn
	// evaluators' sheets, and the tranche each one releases
	for _, ph := range []evalPhase{{"midterm", 1, []float64{24, 16, 16, 24}}, {"final", 2, []float64{46, 27, 0, 9}}} {
		if err := l.evaluation(ctx, base, ph); err != nil {
			return err
		}
		if err := l.tranche(ctx, base, ph.n+1); err != nil {
			return err
		}
	}
	return l.projectStage(ctx, "archived")
}

// contract sets the contract's terms, has both sides confirm them and waits
// for delivery.
func (l *lifecycle) contract(ctx context.Context, base string) error {
	if err := l.projectStage(ctx, "contracting"); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", base+"/terms", map[string]any{"trainees": 300, "hours_per_trainee": 2, "sessions": 12,
		"modules": domain.DefaultModules, "starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12, "performance_bond_fen": 26000_00}); err != nil {
		return err
	}
	if err := l.post(ctx, "zuzhi", base+"/confirmation", map[string]any{"revision": 1}); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", base+"/confirmation", map[string]any{"revision": 1}); err != nil {
		return err
	}
	return l.projectStage(ctx, "delivery")
}

// evalPhase is one evaluation a lifecycle goes through: its phase, its
// round's number and the points every evaluator gives.
type evalPhase struct {
	phase string
	n     int
	pts   []float64
}

// evaluation runs one evaluation: the organisation's report, the drawn
// evaluators' sheets, and a passed outcome.
func (l *lifecycle) evaluation(ctx context.Context, base string, ph evalPhase) error {
	if err := l.until(ctx, ph.phase+" round", func() (bool, error) {
		rs, err := l.rounds(ctx)
		return len(rs) >= ph.n, err
	}); err != nil {
		return err
	}
	l.step = "the " + ph.phase + " report"
	if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/evaluations/" + ph.phase + "/report", keyed: true,
		form: map[string]string{"summary": reportText}, file: &formFile{"file", "自评报告.pdf", pdfDoc}}, nil, http.StatusOK); err != nil {
		return err
	}
	if err := l.until(ctx, ph.phase+" evaluators", func() (bool, error) {
		rs, err := l.rounds(ctx)
		if err != nil || len(rs) < ph.n {
			return false, err
		}
		n := 0
		for _, e := range rs[ph.n-1].Evaluators {
			if e.Excluded == "" {
				n++
			}
		}
		return n >= domain.EvaluatorsPerRound, nil
	}); err != nil {
		return err
	}
	drawn, err := l.evaluators(ctx, ph.phase)
	if err != nil {
		return err
	}
	for _, u := range drawn {
		if err := l.post(ctx, u, base+"/evaluations/"+ph.phase+"/1/scores", map[string]any{"points": ph.pts, "comment": evalNote, "site_visit": "现场查看社区培训一场。"}); err != nil {
			return err
		}
	}
	if err := l.until(ctx, ph.phase+" outcome", func() (bool, error) {
		rs, err := l.rounds(ctx)
		return err == nil && len(rs) >= ph.n && rs[ph.n-1].Outcome != nil, err
	}); err != nil {
		return err
	}
	if rs, _ := l.rounds(ctx); !rs[ph.n-1].Outcome.Passed {
		return fmt.Errorf("the %s evaluation did not pass: %+v", ph.phase, rs[ph.n-1].Outcome)
	}
	return nil
}

// evaluators finds the experts drawn to evaluate the phase's first attempt.
func (l *lifecycle) evaluators(ctx context.Context, phase string) ([]string, error) {
	var drawn []string
	for _, u := range experts {
		var list struct {
			Items []struct {
				ProjectID string `json:"project_id"`
				Phase     string `json:"phase"`
				Attempt   int    `json:"attempt"`
			}
		}
		if err := l.c.get(ctx, u, "/api/v1/evaluations", &list); err != nil {
			return nil, err
		}
		for _, a := range list.Items {
			if a.ProjectID == l.award && a.Phase == phase && a.Attempt == 1 && !slices.Contains(drawn, u) {
				drawn = append(drawn, u)
			}
		}
	}
	if len(drawn) != domain.EvaluatorsPerRound {
		return nil, fmt.Errorf("%s evaluators %v, want %d", phase, drawn, domain.EvaluatorsPerRound)
	}
	return drawn, nil
}

// tranche has civil affairs confirm tranche n's condition and finance pay it.
func (l *lifecycle) tranche(ctx context.Context, base string, n int) error {
	if err := l.post(ctx, "hexi", fmt.Sprintf("%s/tranches/%d/confirm", base, n), nil); err != nil {
		return err
	}
	l.step = fmt.Sprintf("pay tranche %d", n)
	_, err := l.c.must(ctx, l.step, req{user: "caizheng", method: "POST", path: fmt.Sprintf("%s/tranches/%d/payment", base, n), keyed: true,
		form: map[string]string{"voucher_no": fmt.Sprintf("HX-%d-%d", l.n, n)}, file: &formFile{"file", "付款凭证.pdf", pdfDoc}}, nil, http.StatusOK)
	return err
}
