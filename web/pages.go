package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/i18n"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// pageData is what every page's layout needs.
type pageData struct {
	Title string
	User  *domain.User
	Nav   string
	Flash string
}

// sessionFlash is the session key of a message shown once on the next page.
const sessionFlash = "flash"

// redirectFlash answers a successful POST: it keeps done in the session and
// redirects to to, whose page shows it once. The message never travels in
// the URL, so nobody can put text of their choice on a page with a link.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, to, done string) {
	if hasSession(r.Context()) {
		s.sessions.Put(r.Context(), sessionFlash, done)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) page(r *http.Request, title string) pageData {
	p := pageData{Title: title}
	if hasSession(r.Context()) {
		p.Flash = s.sessions.PopString(r.Context(), sessionFlash)
	}
	if u, ok := currentUser(r.Context()); ok {
		p.User = &u
	}
	return p
}

// can tells templates whether the user may do an action on a district.
func (p pageData) Can(action string, district string) bool {
	return p.User != nil && auth.Authorize(*p.User, auth.Action(action), district) == nil
}

func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	if err := s.views.render(w, i18n.Of(r), status, page, data); err != nil {
		s.Logger.Error("render", "page", page, "err", err)
		http.Error(w, "页面显示出错，请刷新重试。", http.StatusInternalServerError)
	}
}

func userOf(r *http.Request) domain.User {
	u, _ := currentUser(r.Context())
	return u
}

// actorOf is the signed-in user and where the request came from, for the
// policy and the audit log.
func actorOf(r *http.Request) domain.Actor {
	return domain.ActorOf(userOf(r), clientIP(r))
}

func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

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

// queue gathers what waits for the person, by role; each count comes from a
// server-side query within the person's scope.
func (s *Server) queue(r *http.Request) ([]workItem, error) {
	ctx, by, u := r.Context(), actorOf(r), userOf(r)
	var items []workItem
	if auth.Authorize(u, auth.ActionReviewOrg, "") == nil {
		f := store.OrgFilter{Status: domain.OrgPending, PerPage: 1}
		if u.District != domain.CityLevel {
			f.District = u.District
		}
		p, err := s.Orgs.List(ctx, by, f)
		if err != nil {
			return nil, err
		}
		items = append(items, workItem{Label: "待审核的社会组织注册", Count: p.Total, Link: "/orgs?status=pending"})
	}
	if auth.Authorize(u, auth.ActionDecideIdea, "") == nil {
		_, n, err := s.Projects.Ideas(ctx, by, store.IdeaFilter{Status: domain.IdeaSubmitted, PerPage: 1})
		if err != nil {
			return nil, err
		}
		items = append(items, workItem{Label: "待采纳的公益创投创意", Count: n, Link: "/ideas?status=submitted"})
	}
	if auth.Authorize(u, auth.ActionViewReports, "") == nil {
		q := domain.QuarterOf(time.Now())
		cycles, err := s.Needs.Cycles(ctx, by, q.String())
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
		items = append(items, workItem{Label: q.Label() + "逾期未报的需求汇总", Count: late, Link: "/reports", Urgent: late > 0},
			workItem{Label: q.Label() + "正在填报的需求汇总", Count: open, Link: "/reports"})
	}
	// Calls waiting for this person's step, counted within their district.
	district := u.District
	if district == domain.CityLevel {
		district = ""
	}
	count := func(stage domain.CallStage, label string, urgent bool) error {
		p, err := s.Calls.List(ctx, by, store.CallFilter{Stage: stage, District: district, PerPage: 1})
		if err != nil {
			return err
		}
		items = append(items, workItem{Label: label, Count: p.Total, Link: "/calls?stage=" + string(stage), Urgent: urgent && p.Total > 0})
		return nil
	}
	type step struct {
		action auth.Action
		stage  domain.CallStage
		label  string
		urgent bool
	}
	for _, st := range []step{
		{auth.ActionPublishCall, domain.StagePublishReview, "待审核发布的征集", false},
		{auth.ActionQualify, domain.StageQualification, "已开标、待资格审查的征集", true},
		{auth.ActionApproveAward, domain.StageCivilApproval, "待民政审批的评审结果", true},
		{auth.ActionFinanceApprove, domain.StageFinanceApproval, "待财政审批的评审结果", true},
		{auth.ActionAnswerObjection, domain.StagePublicity, "结果公示中的征集（留意质疑）", false},
		{auth.ActionBid, domain.StageBidding, "正在征集、可以投标的项目", false},
	} {
		if auth.Authorize(u, st.action, "") == nil || (st.action == auth.ActionBid && u.OrgID != 0 && u.Has(domain.RoleOrgMember)) {
			if st.action == auth.ActionBid {
				district = "" // organisations may bid anywhere
			}
			if err := count(st.stage, st.label, st.urgent); err != nil {
				return nil, err
			}
		}
	}
	// Funded projects: contracts to sign, sessions today, tranches to pay.
	if org := u.OrgID; u.Has(domain.RoleOrgMember) && org != 0 || auth.Authorize(u, auth.ActionListProjects, "") == nil {
		scope := ""
		if u.District != domain.CityLevel && !u.Has(domain.RoleOrgMember) {
			scope = u.District
		}
		if !u.Has(domain.RoleOrgMember) {
			org = 0
		}
		c, err := s.Store.CountProjectWork(ctx, org, scope)
		if err != nil {
			return nil, err
		}
		items = append(items, workItem{Label: "合同待签订的立项项目", Count: c.Contracting, Link: "/awards?stage=contracting", Urgent: c.OverdueSign > 0})
		if u.Has(domain.RoleOrgMember) || auth.Authorize(u, auth.ActionDeliver, "") == nil {
			items = append(items, workItem{Label: "今天的培训场次", Count: c.SessionsToday, Link: "/awards?stage=delivery"})
		}
		if auth.Authorize(u, auth.ActionRecordPayment, "") == nil {
			items = append(items, workItem{Label: "条件已确认、待拨付的资金", Count: c.ToPay, Link: "/awards?stage=delivery", Urgent: c.ToPay > 0})
		}
		if u.Has(domain.RoleOrgMember) {
			items = append(items, workItem{Label: "待提交的评估报告（中期自评、整改、结项）", Count: c.ReportsDue, Link: "/awards", Urgent: c.ReportsSoon > 0})
		} else if auth.Authorize(u, auth.ActionConfirmTranche, "") == nil {
			items = append(items, workItem{Label: "整改中的项目", Count: c.Rectifying, Link: "/awards?stage=rectifying", Urgent: c.Rectifying > 0},
				workItem{Label: "已评估、待结算归档的项目", Count: c.Closing, Link: "/awards?stage=closing", Urgent: c.Closing > 0})
		}
	}
	if auth.Authorize(u, auth.ActionEvaluate, "") == nil {
		list, err := s.Evaluations.Assignments(ctx, by)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, a := range list {
			if a.ScoredAt.IsZero() && !a.Decided {
				n++
			}
		}
		items = append(items, workItem{Label: "我的项目评估任务（中期、结项）", Count: n, Link: "/evaluations", Urgent: n > 0})
	}
	if u.Has(domain.RoleExpert) {
		calls, err := s.Calls.ExpertCalls(ctx, by)
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
		items = append(items, workItem{Label: "我的评审任务（声明与打分）", Count: n, Link: link, Urgent: n > 0})
	}
	if auth.Authorize(u, auth.ActionSubmitIdea, "") == nil {
		_, n, err := s.Projects.Ideas(ctx, by, store.IdeaFilter{PerPage: 1})
		if err != nil {
			return nil, err
		}
		items = append(items, workItem{Label: "我提交的创意", Count: n, Link: "/ideas"})
	}
	return items, nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	recent, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{PerPage: 8})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	queue, err := s.queue(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	notices, err := s.Calls.Notices(r.Context(), actorOf(r), 8)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "工作台")
	p.Nav = "home"
	s.show(w, r, http.StatusOK, "home", homePage{pageData: p, Recent: recent, Queue: queue, Notices: notices})
}

type callsPage struct {
	pageData
	Page      service.CallPage
	Filter    store.CallFilter
	Stages    []domain.CallStage
	Districts []string
	Query     template.URL // filter and sort as query string, without page
	Filters   template.URL // filter alone (for the sort links)
}

func (s *Server) callsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.CallFilter{
		Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"),
		Search: q.Get("q"), Page: page, PerPage: 20, Sort: q.Get("sort"),
	}
	res, err := s.Calls.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "征集/招标")
	p.Nav = "calls"
	s.show(w, r, http.StatusOK, "calls", callsPage{
		pageData: p, Page: res, Filter: f,
		Stages:    domain.CallStages,
		Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...),
		Query:     keepQuery(q, "stage", "district", "q", "sort"),
		Filters:   keepQuery(q, "stage", "district", "q"),
	})
}

// callForm is the draft-call form as typed.
type callForm struct {
	Key         string
	Title       string
	Brand       string
	District    string
	Budget      string
	Mode        string
	Projects    string
	Deadline    string // datetime-local, China time
	Publicity   string
	MinBidders  string
	PanelSize   string
	Eligibility string
	Rubric      string // lines: 名称|量化因素|满分|权重|专家/价格
	Tranches    string // 30/40/30: on signing, after mid-term, after the final evaluation
	BidBond     string // yuan
	ReissueOf   string
	Errors      map[string]string
}

// rubricText writes a rubric as the form's lines.
func rubricText(cs []domain.Criterion) string {
	var b strings.Builder
	for _, c := range cs {
		kind := "专家"
		if c.Kind == domain.CriterionPrice {
			kind = "价格"
		}
		fmt.Fprintf(&b, "%s|%s|%d|%d|%s\n", c.Name, c.Factor, c.MaxPoints, c.Weight, kind)
	}
	return b.String()
}

// planFromForm reads the plan fields of the draft form; fe collects what
// cannot be read at all (validation of values is the domain's).
func planFromForm(f callForm, fe domain.FieldErrors) domain.Plan {
	p := domain.Plan{Mode: domain.Mode(f.Mode), Eligibility: f.Eligibility, ReissueOf: strings.TrimSpace(f.ReissueOf)}
	num := func(field, v string, dst *int) {
		if strings.TrimSpace(v) == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			fe.Add(field, "请填写整数。")
		}
		*dst = n
	}
	num("projects", f.Projects, &p.Projects)
	num("publicity_working_days", f.Publicity, &p.PublicityDays)
	num("min_valid_bidders", f.MinBidders, &p.MinBidders)
	num("panel_size", f.PanelSize, &p.PanelSize)
	if strings.TrimSpace(f.Deadline) != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(f.Deadline), domain.ChinaTime)
		if err != nil {
			fe.Add("bid_deadline", "截止时间格式不对，请用日期时间选择器选择。")
		}
		p.BidDeadline = t
	}
	for i, l := range splitRows(f.Rubric, "|") {
		if len(l) != 5 {
			fe.Add("criteria", fmt.Sprintf("评分标准第 %d 行应为“名称|量化评分因素|满分|权重|专家或价格”五项。", i+1))
			continue
		}
		c := domain.Criterion{Name: l[0], Factor: l[1], Kind: domain.CriterionExpert}
		c.MaxPoints, _ = strconv.Atoi(l[2])
		c.Weight, _ = strconv.Atoi(strings.TrimSuffix(l[3], "%"))
		if l[4] == "价格" || l[4] == "price" {
			c.Kind = domain.CriterionPrice
		}
		p.Criteria = append(p.Criteria, c)
	}
	if b := strings.TrimSpace(f.BidBond); b != "" {
		v, ok := domain.ParseYuan(b)
		if !ok {
			fe.Add("bid_bond_fen", "投标保证金格式不对：请填写数字（单位：元），不收取请留空。")
		}
		p.BidBond = v
	}
	if t := strings.TrimSpace(f.Tranches); t != "" {
		parts := strings.Split(strings.ReplaceAll(t, "／", "/"), "/")
		conds := []domain.TrancheCondition{domain.TrancheOnContract, domain.TrancheOnMidterm, domain.TrancheOnFinal}
		if len(parts) != 3 {
			fe.Add("tranches", "拨款比例请写成“签约/中期/结项”三个百分数，如 30/40/30。")
		}
		for i, x := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(x, "%")))
			if err != nil || i >= 3 {
				fe.Add("tranches", "拨款比例请写成“签约/中期/结项”三个百分数，如 30/40/30。")
				break
			}
			p.Tranches = append(p.Tranches, domain.Tranche{Percent: n, Condition: conds[i]})
		}
	}
	return p
}

type newCallPage struct {
	pageData
	Form      callForm
	Brands    []domain.Brand
	Districts []string
	Modes     []domain.Mode
	Error     string
}

func (s *Server) districtsFor(u domain.User) []string {
	if u.District != domain.CityLevel {
		return []string{u.District}
	}
	return append([]string{domain.CityLevel}, domain.TianjinDistricts...)
}

func (s *Server) newCallPage(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if err := auth.Authorize(u, auth.ActionCreateCall, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "起草征集")
	p.Nav = "calls"
	form := callForm{Key: uuid.NewString(), District: u.District, Brand: string(domain.BrandCunCaoXin), Mode: string(domain.ModeCompetition),
		Rubric: rubricText(domain.DefaultRubric()), Tranches: "30/40/30", ReissueOf: r.URL.Query().Get("reissue")}
	if form.ReissueOf != "" {
		// A re-issue starts from the failed call's plan.
		if src, err := s.Calls.Get(r.Context(), actorOf(r), form.ReissueOf); err == nil {
			form.Title, form.Brand, form.District, form.Budget = src.Title, string(src.Brand), src.District, src.Budget.Yuan()
			form.Mode, form.Eligibility, form.Rubric = string(src.Plan.Mode), src.Plan.Eligibility, rubricText(src.Plan.Criteria)
			form.Projects, form.Publicity = strconv.Itoa(src.Plan.Projects), strconv.Itoa(src.Plan.PublicityDays)
			form.MinBidders, form.PanelSize = strconv.Itoa(src.Plan.MinBidders), strconv.Itoa(src.Plan.PanelSize)
		}
	}
	s.show(w, r, http.StatusOK, "call_new", newCallPage{pageData: p, Form: form, Brands: domain.Brands, Districts: s.districtsFor(u), Modes: domain.Modes})
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	pf := r.PostForm.Get
	form := callForm{
		Key: pf("key"), Title: pf("title"), Brand: pf("brand"), District: pf("district"), Budget: pf("budget"),
		Mode: pf("mode"), Projects: pf("projects"), Deadline: pf("bid_deadline"), Publicity: pf("publicity_working_days"),
		MinBidders: pf("min_valid_bidders"), PanelSize: pf("panel_size"), Eligibility: pf("eligibility"),
		Rubric: pf("criteria"), Tranches: pf("tranches"), ReissueOf: pf("reissue_of"), BidBond: pf("bid_bond"),
	}
	if err := auth.Authorize(u, auth.ActionCreateCall, strings.TrimSpace(form.District)); err != nil {
		s.fail(w, r, err)
		return
	}
	unreadable := domain.FieldErrors{}
	draft := domain.CallDraft{Title: form.Title, Brand: domain.Brand(form.Brand), District: form.District, Plan: planFromForm(form, unreadable)}
	budget, ok := domain.ParseYuan(form.Budget)
	draft.Budget = budget
	if !ok && strings.TrimSpace(form.Budget) != "" {
		unreadable["budget"] = "预算金额格式不对：请填写数字（单位：元），如 300000 或 300,000.00。"
	}
	err := draft.Normalize(s.Calls.Rules).Validate(s.Calls.Rules)
	if len(unreadable) > 0 {
		fe := domain.FieldErrors{}
		var de *domain.Error
		if errors.As(err, &de) {
			fe = de.Fields
		}
		for k, v := range unreadable {
			fe[k] = v
		}
		err = fe.Err()
	}
	var call domain.Call
	if err == nil {
		call, err = s.Calls.CreateDraft(r.Context(), actorOf(r), form.Key, draft)
	}
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || (de.Code != domain.CodeInvalid && de.Code != domain.CodeForbidden) {
			s.fail(w, r, err)
			return
		}
		form.Errors = de.Fields
		p := s.page(r, "起草征集")
		p.Nav = "calls"
		s.show(w, r, status(err), "call_new", newCallPage{pageData: p, Form: form, Brands: domain.Brands,
			Districts: s.districtsFor(u), Modes: domain.Modes, Error: de.Message})
		return
	}
	s.redirectFlash(w, r, "/calls/"+call.ID, "已创建征集草稿 "+call.Number+"，征集公告正在生成。")
}

type callPage struct {
	pageData
	Call        service.CallView
	Attachments []domain.Attachment
	Error       string
	D           service.Dossier
	Key         string // idempotency key for this render's forms
	Official    bool   // civil affairs or finance of the call's district
	CanBid      bool   // a member of an organisation
	Bids        []service.OpenedBid
	ScoreForms  []scoreForm
	Now         time.Time
	Comments    []store.PublicComment // the public's comments (officials)
}

// scoreForm is an expert's score sheet form for one bid.
type scoreForm struct {
	Bid     service.OpenedBid
	Rows    []scoreRow
	Comment string
	Saved   bool
}

type scoreRow struct {
	Index  int
	Name   string
	Factor string
	Max    int
	Value  string
	Price  bool
}

func (s *Server) loadCallPage(r *http.Request) (callPage, error) {
	id := chi.URLParam(r, "id")
	c, err := s.Calls.Get(r.Context(), actorOf(r), id)
	if err != nil {
		return callPage{}, err
	}
	atts, err := s.Calls.Attachments(r.Context(), actorOf(r), id)
	if err != nil {
		return callPage{}, err
	}
	p := s.page(r, c.Title)
	p.Nav = "calls"
	d, err := s.Calls.Dossier(r.Context(), actorOf(r), id)
	if err != nil {
		return callPage{}, err
	}
	data := callPage{pageData: p, Call: d.Call, Attachments: atts, D: d, Key: uuid.NewString(), Now: time.Now(), Official: d.Official()}
	if u := userOf(r); u.OrgID != 0 {
		data.CanBid = auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID}) == nil
	}
	seated := d.MySeat != nil && d.MySeat.Status == domain.PanelConfirmed
	// Contents are decrypted only while someone works on them (qualification,
	// the panel, scoring); otherwise the envelopes from the database do.
	working := c.Stage == domain.StageQualification || c.Stage == domain.StagePanel || c.Stage == domain.StageScoring
	switch {
	case working && (data.Official || seated):
		if data.Bids, err = s.Calls.Bids(r.Context(), actorOf(r), id); err != nil {
			return callPage{}, err
		}
	case c.Stage.Opened() && !c.OpenedAt.IsZero() && data.Official:
		for _, b := range d.Opened {
			data.Bids = append(data.Bids, service.OpenedBid{Bid: b})
		}
	}
	if data.Official && !c.PublicityFrom.IsZero() {
		if data.Comments, err = s.Calls.PublicComments(r.Context(), actorOf(r), id); err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
			return callPage{}, err
		}
	}
	if seated && c.Stage == domain.StageScoring {
		mine := map[string]domain.ScoreSheet{}
		for _, sh := range d.MyScores {
			mine[sh.BidID] = sh
		}
		for _, b := range data.Bids {
			if b.Qualified == nil || !*b.Qualified {
				continue
			}
			sh, saved := mine[b.ID]
			f := scoreForm{Bid: b, Comment: sh.Comment, Saved: saved}
			for i, cr := range c.Plan.Criteria {
				row := scoreRow{Index: i, Name: cr.Name, Factor: cr.Factor, Max: cr.MaxPoints, Price: cr.Kind == domain.CriterionPrice}
				if row.Price {
					row.Value = "0"
				} else if saved && i < len(sh.Points) {
					row.Value = strconv.FormatFloat(sh.Points[i], 'f', -1, 64)
				}
				f.Rows = append(f.Rows, row)
			}
			data.ScoreForms = append(data.ScoreForms, f)
		}
	}
	return data, nil
}

func (s *Server) callPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadCallPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "call", data)
}

// noticeStatus is polled by htmx until the notice PDF is ready.
func (s *Server) noticeStatus(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadCallPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.views.renderFragment(w, i18n.Of(r), "call", "notice", data); err != nil {
		s.Logger.Error("render fragment", "err", err)
	}
}

// showCallError re-renders the call page with an error message (a refused
// upload or cancellation), so nothing the person typed is lost silently.
func (s *Server) showCallError(w http.ResponseWriter, r *http.Request, err error) {
	if domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeUnavailable {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadCallPage(r)
	if lerr != nil {
		s.fail(w, r, err)
		return
	}
	data.Error = domain.ErrorMessage(err)
	s.show(w, r, status(err), "call", data)
}

func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	name, data, err := readUpload(w, r)
	if err == nil {
		_, err = s.Calls.AttachDocument(r.Context(), actorOf(r), id, name, data)
	}
	if err != nil {
		s.showCallError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/calls/"+id, "已上传附件《"+name+"》，征集公告将随之更新。")
}

// readUpload reads the one file of a multipart form ("file").
func readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxAttachmentBytes+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, domain.Errorf(domain.CodeInvalid, "文件超过 20 MB，请压缩或拆分后再上传。")
		}
		return "", nil, domain.Wrap(err, domain.CodeInvalid, "没有收到文件，请选择要上传的文件后再提交。")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
	}
	return hdr.Filename, data, nil
}

func (s *Server) cancelCall(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	if err := s.Calls.Cancel(r.Context(), actorOf(r), id, r.PostForm.Get("reason")); err != nil {
		s.showCallError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/calls/"+id, "征集已撤销。")
}

func sendDocument(w http.ResponseWriter, d service.Document, inline bool) {
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Data)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("%s; filename*=UTF-8''%s", disp, url.PathEscape(d.FileName)))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(d.Data)
}

func (s *Server) downloadNotice(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.Notice(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendDocument(w, d, true)
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.Attachment(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "aid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

// callRoutes mounts the routes this file serves (see mounts).
func (s *Server) callRoutes(m mounts) {
	m.pages.Get("/", s.home)
	m.pages.Get("/calls", s.callsPage)
	m.pages.Get("/calls/new", s.newCallPage)
	m.pages.Post("/calls", s.createCall)
	m.pages.Get("/calls/{id}", s.callPage)
	m.pages.Get("/calls/{id}/notice-status", s.noticeStatus)
	m.pages.Post("/calls/{id}/attachments", s.uploadAttachment)
	m.pages.Post("/calls/{id}/cancel", s.cancelCall)
	m.pages.Get("/calls/{id}/notice.pdf", s.downloadNotice)
	m.pages.Get("/calls/{id}/attachments/{aid}", s.downloadAttachment)
}
