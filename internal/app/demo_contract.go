package app

import (
	"context"
	"fmt"
	"time"

	"grantflow/internal/domain"
)

// demoContract sets the award's contract terms, has both sides confirm,
// and plans two sessions and enrols three trainees once it is signed.
func (a *App) demoContract(ctx context.Context, projectID string, ca, org domain.Actor, key func(string) string, progress func(string)) error {
	p, err := a.demoProject(ctx, ca, projectID)
	if err != nil {
		return err
	}
	if p.Stage == domain.ProjectContracting {
		progress("the contract: terms set, confirmed by both sides")
		if p, err = a.demoSign(ctx, p, projectID, ca, org, key); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(time.Minute)
	for p.Stage != domain.ProjectDelivery {
		if time.Now().After(deadline) {
			return fmt.Errorf("demo project: not signed (stage %s)", p.Stage)
		}
		time.Sleep(500 * time.Millisecond)
		if p, err = a.Contracts.Get(ctx, ca, projectID); err != nil {
			return err
		}
	}
	return a.demoDelivery(ctx, projectID, org, progress)
}

// demoProject waits for the award's project: it is recorded by its own
// workflow, started once the call is awarded.
func (a *App) demoProject(ctx context.Context, ca domain.Actor, projectID string) (domain.Project, error) {
	p, err := a.Contracts.Get(ctx, ca, projectID)
	for wait := time.Now().Add(time.Minute); domain.ErrorCode(err) == domain.CodeNotFound && time.Now().Before(wait); {
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		p, err = a.Contracts.Get(ctx, ca, projectID)
	}
	return p, err
}

// demoSign sets the contract's terms (unless an earlier run did) and has
// the organisation and civil affairs confirm them.
func (a *App) demoSign(ctx context.Context, p domain.Project, projectID string, ca, org domain.Actor, key func(string) string) (domain.Project, error) {
	today := time.Now().In(domain.ChinaTime)
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, domain.ChinaTime)
	if p.ContractRevision == 0 {
		if err := a.Contracts.SetTerms(ctx, ca, projectID, key("terms"), domain.ContractTerms{
			Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
			StartsOn:     start, TermMonths: 12, PerformanceBond: 1300000,
		}); err != nil {
			return p, err
		}
		var err error
		if p, err = a.waitRevision(ctx, ca, projectID); err != nil {
			return p, err
		}
	}
	for i, by := range []domain.Actor{org, ca} {
		if err := a.Contracts.Confirm(ctx, by, projectID, key(fmt.Sprintf("confirm-%d-%d", p.ContractRevision, i)), p.ContractRevision); err != nil &&
			domain.ErrorCode(err) != domain.CodeConflict {
			return p, err
		}
	}
	return p, nil
}

// demoDelivery plans the demo's sessions and enrols its trainees. A run
// killed half-way through planned some of it: what is there is kept, the
// rest added (the same module is not planned twice, the same person not
// enrolled twice).
func (a *App) demoDelivery(ctx context.Context, projectID string, org domain.Actor, progress func(string)) error {
	sessions, err := a.Store.TrainingSessions(ctx, projectID)
	if err != nil {
		return err
	}
	planned := map[string]bool{}
	for _, s := range sessions {
		planned[s.Module] = true
	}
	if len(planned) == 0 {
		progress("two sessions planned, three trainees enrolled")
	}
	day := time.Now().In(domain.ChinaTime).AddDate(0, 0, 2)
	for i, m := range demoSessionModules {
		if planned[m] {
			continue
		}
		from := time.Date(day.Year(), day.Month(), day.Day()+7*i, 9, 0, 0, 0, domain.ChinaTime)
		if _, err := a.Delivery.PlanSession(ctx, org, projectID, domain.TrainingSession{Module: m, StartsAt: from, EndsAt: from.Add(2 * time.Hour),
			Place: "友谊路街道平江里社区活动室", Trainer: "韩雪", Hours: 2}); err != nil {
			return err
		}
	}
	for i, t := range demoTrainees {
		check, _ := domain.IDCardCheckChar(t.id)
		id := t.id + string(check)
		if dup, err := a.Store.TraineeByIndex(ctx, projectID, a.Delivery.Keys.Indexes(id)); err != nil || dup != 0 {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := a.Delivery.Enrol(ctx, org, projectID, domain.TraineeEntry{Name: t.name, IDNumber: id,
			Phone: fmt.Sprintf("1391234567%d", i), Relation: t.relation, Community: "平江里社区", Consent: true}); err != nil {
			return err
		}
	}
	return nil
}

var demoSessionModules = []string{"失能照护基础", "压疮预防"}

var demoTrainees = []struct{ name, id, relation string }{
	{"李秀英", "12010319620315102", "配偶"}, {"王建华", "12010319700822201", "子女"}, {"张桂兰", "12010319581109302", "儿媳/女婿"}}

// waitRevision waits until the contract of the terms just set is generated.
func (a *App) waitRevision(ctx context.Context, by domain.Actor, projectID string) (domain.Project, error) {
	for end := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		p, err := a.Contracts.Get(ctx, by, projectID)
		if err != nil || p.ContractRevision > 0 {
			return p, err
		}
		if time.Now().After(end) {
			return p, fmt.Errorf("demo project: the contract was not generated")
		}
	}
}

// DemoProjectReady reports whether the demo project is complete — signed,
// with all its sessions and trainees: SeedFundedProject has nothing left to
// do. (A run killed while they were being added leaves it incomplete, and
// the next start finishes it.)
func (a *App) DemoProjectReady(ctx context.Context) (bool, error) {
	var ok bool
	err := a.Store.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls c JOIN projects p ON p.call_id = c.id
		WHERE c.title = $1
		  AND (SELECT count(DISTINCT s.module) FROM training_sessions s WHERE s.project_id = p.id) >= $2
		  AND (SELECT count(*) FROM trainees t WHERE t.project_id = p.id) >= $3)`,
		demoProjectTitle, len(demoSessionModules), len(demoTrainees)).Scan(&ok)
	return ok, err
}
