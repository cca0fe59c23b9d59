package web

// Delivery: the delivery part of a funded project's page — sessions,
// trainees, evidence, reports and spot checks on one view. Each resource's
// routes are in its own file (sessions.go, trainees.go, attendance.go,
// checkin.go, evidence.go, certificates.go, spot_checks.go,
// progress_reports.go).

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// deliveryView is the delivery part of a project's page.
type deliveryView struct {
	Sessions  []domain.TrainingSession // a page, newest first
	Trainees  []domain.Trainee         // a page, in enrolment order
	Counts    [2]int                   // all sessions, all trainees
	Pages     [2]int                   // the pages shown (spage, tpage)
	LastPages [2]int
	KPIs      store.DeliveryKPIs
	CanWork   bool
	Result    *service.ImportResult
	Relations []string
	Evidence  map[int64][]domain.Evidence // by session
	Kinds     []domain.EvidenceKind
	CanSpot   bool
	Spot      []domain.SpotCheck
	Sample    []domain.Trainee
	Outcomes  []domain.SpotCheckOutcome
	Reports   []domain.ProgressReport
	LastMonth string
}

func (s *Server) loadDelivery(r *http.Request, p domain.Project) (deliveryView, error) {
	v := deliveryView{Relations: domain.CaregiverRelations}
	if p.Stage == domain.ProjectContracting {
		return v, nil
	}
	u := userOf(r)
	v.CanWork = p.Stage.Delivering() && auth.AuthorizeTarget(u, auth.ActionDeliver, auth.Target{District: p.District, OrgID: p.OrgID}) == nil
	var err error
	q := r.URL.Query()
	v.Pages[0], _ = strconv.Atoi(q.Get("spage"))
	v.Pages[1], _ = strconv.Atoi(q.Get("tpage"))
	v.Pages[0], v.Pages[1] = max(v.Pages[0], 1), max(v.Pages[1], 1)
	if v.Sessions, v.Counts[0], err = s.Delivery.SessionsPage(r.Context(), actorOf(r), p, v.Pages[0]); err != nil {
		return v, err
	}
	if v.Trainees, v.Counts[1], err = s.Delivery.TraineesPage(r.Context(), p, v.Pages[1]); err != nil {
		return v, err
	}
	for i, n := range v.Counts {
		v.LastPages[i] = max(1, (n+service.ProjectPageRows-1)/service.ProjectPageRows)
	}
	es, err := s.Delivery.Evidence(r.Context(), actorOf(r), p.ID)
	if err != nil {
		return v, err
	}
	v.Evidence = map[int64][]domain.Evidence{}
	for _, e := range es {
		v.Evidence[e.SessionID] = append(v.Evidence[e.SessionID], e)
	}
	v.Kinds = []domain.EvidenceKind{domain.EvidencePhoto, domain.EvidenceSignIn, domain.EvidenceVideo}
	if v.Reports, err = s.Delivery.ProgressReports(r.Context(), actorOf(r), p.ID); err != nil {
		return v, err
	}
	v.LastMonth = time.Now().In(domain.ChinaTime).AddDate(0, -1, 0).Format("2006-01")
	if v.CanSpot = auth.Authorize(u, auth.ActionSpotCheck, p.District) == nil; v.CanSpot {
		v.Outcomes = domain.SpotCheckOutcomes
		if v.Spot, err = s.Delivery.SpotChecks(r.Context(), actorOf(r), p.ID); err != nil {
			return v, err
		}
		if !p.Stage.ReadOnly() {
			if v.Sample, err = s.Delivery.SpotSample(r.Context(), actorOf(r), p.ID); err != nil {
				return v, err
			}
		}
	}
	v.KPIs, err = s.Delivery.KPIs(r.Context(), actorOf(r), p.ID)
	return v, err
}

func parseLocal(v string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), domain.ChinaTime)
	return t
}

// newID is a created row as the API answers it.
type newID struct {
	ID int64 `json:"id"`
}

// onAward is do as a project page's form runs it: what changed is the
// project.
func onAward[In, Out any](do action[In, Out]) action[In, awardID] {
	return func(r *http.Request, in *In) (awardID, error) {
		_, err := do(r, in)
		return changed(r, err)
	}
}

// toDelivery sends a delivery form back to the project page's delivery
// part with flash.
func toDelivery[In any](flash string) func(*In, awardID) done {
	return toAward[In]("#delivery", flash)
}

// formInts reads a form's repeated numeric field (what is not a number is
// left out).
func formInts(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.PostForm[name] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}
