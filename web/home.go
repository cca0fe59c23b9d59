package web

// The home page: what waits for the person (the work queue), recent calls
// and notices; and the notices through the API.

import (
	"net/http"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type homePage struct {
	pageData
	Recent  service.CallPage
	Queue   []workItem
	Notices []domain.Notice
}

// workItem is one line of a person's work queue on the home page.
type workItem struct {
	Label  string
	Count  int
	Link   string
	Urgent bool
}

// queueLine is what a role sees of the work queue: whether the person sees
// it, and its lines, counted by a server-side query within their scope.
type queueLine struct {
	shows func(u domain.User) bool
	count func(s *Server, r *http.Request, u domain.User) ([]workItem, error)
}

// may is a queue line shown to those whom the policy allows a.
func may(a auth.Action) func(domain.User) bool {
	return func(u domain.User) bool { return auth.Authorize(u, a, "") == nil }
}

// queueLines are the work queue's lines in the order shown.
var queueLines = []queueLine{
	{may(auth.ActionReviewOrg), pendingOrgs},
	{may(auth.ActionDecideIdea), func(s *Server, r *http.Request, _ domain.User) ([]workItem, error) {
		_, n, err := s.Library.Ideas(r.Context(), actorOf(r), store.IdeaFilter{Status: domain.IdeaSubmitted, PerPage: 1})
		return []workItem{{Label: "待采纳的公益创投创意", Count: n, Link: "/ideas?status=submitted"}}, err
	}},
	{may(auth.ActionViewReports), reportCycleItems},
	// Calls waiting for this person's step, counted within their district.
	callStep(auth.ActionPublishCall, domain.StagePublishReview, "待审核发布的征集", false),
	callStep(auth.ActionQualify, domain.StageQualification, "已开标、待资格审查的征集", true),
	callStep(auth.ActionApproveAward, domain.StageCivilApproval, "待民政审批的评审结果", true),
	callStep(auth.ActionFinanceApprove, domain.StageFinanceApproval, "待财政审批的评审结果", true),
	callStep(auth.ActionAnswerObjection, domain.StagePublicity, "结果公示中的征集（留意质疑）", false),
	callStep(auth.ActionBid, domain.StageBidding, "正在征集、可以投标的项目", false),
	{func(u domain.User) bool {
		return u.Has(domain.RoleOrgMember) && u.OrgID != 0 || auth.Authorize(u, auth.ActionListProjects, "") == nil
	}, projectWork},
	{may(auth.ActionEvaluate), evaluationTasks},
	{func(u domain.User) bool { return u.Has(domain.RoleExpert) }, reviewTasks},
	{may(auth.ActionSubmitIdea), func(s *Server, r *http.Request, _ domain.User) ([]workItem, error) {
		_, n, err := s.Library.Ideas(r.Context(), actorOf(r), store.IdeaFilter{PerPage: 1})
		return []workItem{{Label: "我提交的创意", Count: n, Link: "/ideas"}}, err
	}},
}

// queue gathers what waits for the person, by role (queueLines).
func (s *Server) queue(r *http.Request) ([]workItem, error) {
	u := userOf(r)
	var items []workItem
	for _, l := range queueLines {
		if !l.shows(u) {
			continue
		}
		more, err := l.count(s, r, u)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	return items, nil
}

func pendingOrgs(s *Server, r *http.Request, u domain.User) ([]workItem, error) {
	f := store.OrgFilter{Status: domain.OrgPending, PerPage: 1}
	if u.District != domain.CityLevel {
		f.District = u.District
	}
	p, err := s.Orgs.List(r.Context(), actorOf(r), f)
	return []workItem{{Label: "待审核的社会组织注册", Count: p.Total, Link: "/orgs?status=pending"}}, err
}

func reportCycleItems(s *Server, r *http.Request, _ domain.User) ([]workItem, error) {
	q := domain.QuarterOf(time.Now())
	cycles, err := s.Needs.Cycles(r.Context(), actorOf(r), q.String())
	if err != nil {
		return nil, err
	}
	late, open := 0, 0
	for _, c := range cycles {
		switch c.Status {
		case domain.CycleLate:
			late++
		case domain.CycleOpen:
			open++
		}
	}
	return []workItem{{Label: q.Label() + "逾期未报的需求汇总", Count: late, Link: "/reports", Urgent: late > 0},
		{Label: q.Label() + "正在填报的需求汇总", Count: open, Link: "/reports"}}, nil
}

// callStep is the line of the calls at stage, for those allowed the step's
// action, counted within their district (organisations may bid anywhere).
func callStep(a auth.Action, stage domain.CallStage, label string, urgent bool) queueLine {
	shows := may(a)
	if a == auth.ActionBid {
		shows = func(u domain.User) bool {
			return auth.Authorize(u, a, "") == nil || u.OrgID != 0 && u.Has(domain.RoleOrgMember)
		}
	}
	return queueLine{shows, func(s *Server, r *http.Request, u domain.User) ([]workItem, error) {
		district := u.District
		if district == domain.CityLevel || a == auth.ActionBid {
			district = ""
		}
		p, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{Stage: stage, District: district, PerPage: 1})
		return []workItem{{Label: label, Count: p.Total, Link: "/calls?stage=" + string(stage), Urgent: urgent && p.Total > 0}}, err
	}}
}

// projectWork is the funded projects' lines: contracts to sign, sessions
// today, tranches to pay, reports due.
func projectWork(s *Server, r *http.Request, u domain.User) ([]workItem, error) {
	member := u.Has(domain.RoleOrgMember)
	org, scope := u.OrgID, ""
	if u.District != domain.CityLevel && !member {
		scope = u.District
	}
	if !member {
		org = 0
	}
	c, err := s.Store.CountProjectWork(r.Context(), org, scope)
	if err != nil {
		return nil, err
	}
	items := []workItem{{Label: "合同待签订的立项项目", Count: c.Contracting, Link: "/awards?stage=contracting", Urgent: c.OverdueSign > 0}}
	if member || auth.Authorize(u, auth.ActionDeliver, "") == nil {
		items = append(items, workItem{Label: "今天的培训场次", Count: c.SessionsToday, Link: "/awards?stage=delivery"})
	}
	if auth.Authorize(u, auth.ActionRecordPayment, "") == nil {
		items = append(items, workItem{Label: "条件已确认、待拨付的资金", Count: c.ToPay, Link: "/awards?stage=delivery", Urgent: c.ToPay > 0})
	}
	if member {
		items = append(items, workItem{Label: "待提交的评估报告（中期自评、整改、结项）", Count: c.ReportsDue, Link: "/awards", Urgent: c.ReportsSoon > 0})
	} else if auth.Authorize(u, auth.ActionConfirmTranche, "") == nil {
		items = append(items, workItem{Label: "整改中的项目", Count: c.Rectifying, Link: "/awards?stage=rectifying", Urgent: c.Rectifying > 0},
			workItem{Label: "已评估、待结算归档的项目", Count: c.Closing, Link: "/awards?stage=closing", Urgent: c.Closing > 0})
	}
	return items, nil
}

func evaluationTasks(s *Server, r *http.Request, _ domain.User) ([]workItem, error) {
	list, err := s.Evaluations.Assignments(r.Context(), actorOf(r))
	if err != nil {
		return nil, err
	}
	n := 0
	for _, a := range list {
		if a.ScoredAt.IsZero() && !a.Decided {
			n++
		}
	}
	return []workItem{{Label: "我的项目评估任务（中期、结项）", Count: n, Link: "/evaluations", Urgent: n > 0}}, nil
}

func reviewTasks(s *Server, r *http.Request, _ domain.User) ([]workItem, error) {
	calls, err := s.Calls.ExpertCalls(r.Context(), actorOf(r))
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range calls {
		if c.Stage == domain.StagePanel || c.Stage == domain.StageScoring {
			n++
		}
	}
	link := "/calls"
	if len(calls) > 0 {
		link = "/calls/" + calls[0].ID + "#review"
	}
	return []workItem{{Label: "我的评审任务（声明与打分）", Count: n, Link: link, Urgent: n > 0}}, nil
}

func (s *Server) loadHome(r *http.Request) (homePage, error) {
	recent, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{PerPage: 8})
	if err != nil {
		return homePage{}, err
	}
	queue, err := s.queue(r)
	if err != nil {
		return homePage{}, err
	}
	notices, err := s.Calls.Notices(r.Context(), actorOf(r), 8)
	if err != nil {
		return homePage{}, err
	}
	p := s.page(r, "工作台")
	p.Nav = "home"
	return homePage{pageData: p, Recent: recent, Queue: queue, Notices: notices}, nil
}

// listNotices is the person's latest notices.
func (s *Server) listNotices(r *http.Request) (list[domain.Notice], error) {
	ns, err := s.Calls.Notices(r.Context(), actorOf(r), 50)
	return listOf(ns), err
}

// homeRoutes mounts the routes this file serves (see mounts).
func (s *Server) homeRoutes(m mounts) {
	m.pages.Get("/", view(s, "home", s.loadHome))
	m.api.Get("/notices", apiRead(s, s.listNotices))
}
