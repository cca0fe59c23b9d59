package web

// Drafting a call: the form (its text read into a draft) and the API's
// draft, one action for both.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
)

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
	refusal
	Form      callForm
	Brands    []domain.Brand
	Districts []string
	Modes     []domain.Mode
}

func (s *Server) districtsFor(u domain.User) []string {
	if u.District != domain.CityLevel {
		return []string{u.District}
	}
	return append([]string{domain.CityLevel}, domain.TianjinDistricts...)
}

func (s *Server) loadNewCall(r *http.Request) (newCallPage, error) {
	u := userOf(r)
	if err := auth.Authorize(u, auth.ActionCreateCall, ""); err != nil {
		return newCallPage{}, err
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
	return newCallPage{pageData: p, Form: form, Brands: domain.Brands, Districts: s.districtsFor(u), Modes: domain.Modes}, nil
}

// callInput is a draft call: the API's JSON, or the form's text read into
// it (form keeps the text to show again; unreadable, what could not be
// read at all).
type callInput struct {
	domain.CallDraft
	form       callForm
	unreadable domain.FieldErrors
}

func (in *callInput) readForm(r *http.Request) error {
	pf := r.PostForm.Get
	in.form = callForm{
		Key: pf("key"), Title: pf("title"), Brand: pf("brand"), District: pf("district"), Budget: pf("budget"),
		Mode: pf("mode"), Projects: pf("projects"), Deadline: pf("bid_deadline"), Publicity: pf("publicity_working_days"),
		MinBidders: pf("min_valid_bidders"), PanelSize: pf("panel_size"), Eligibility: pf("eligibility"),
		Rubric: pf("criteria"), Tranches: pf("tranches"), ReissueOf: pf("reissue_of"), BidBond: pf("bid_bond"),
	}
	f := in.form
	in.unreadable = domain.FieldErrors{}
	in.CallDraft = domain.CallDraft{Title: f.Title, Brand: domain.Brand(f.Brand), District: f.District, Plan: planFromForm(f, in.unreadable)}
	budget, ok := domain.ParseYuan(f.Budget)
	in.Budget = budget
	if !ok && strings.TrimSpace(f.Budget) != "" {
		in.unreadable["budget_fen"] = "预算金额格式不对：请填写数字（单位：元），如 300000 或 300,000.00。"
	}
	return nil
}

// UnmarshalJSON reads the draft as the API sends it, refusing unknown
// fields (as decodeJSON does) and an explicit projects below 1.
func (in *callInput) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.CallDraft); err != nil {
		return err
	}
	return explicitProjects(b)
}

// explicitProjects refuses a draft that names fewer than one project to
// fund: the API description says projects is at least 1 and only an omitted
// projects means 1 (the plan's defaults would store an explicit 0 as 1).
func explicitProjects(body []byte) error {
	var p struct {
		Projects *int `json:"projects"`
	}
	if json.Unmarshal(body, &p) == nil && p.Projects != nil && *p.Projects < 1 {
		return fieldError("projects", "应在 1 至 100 之间（不填则为 1）。")
	}
	return nil
}

// createCall drafts a call; its notice is made in the background. Text the
// form could not read is refused with what the draft's own checks say.
func (s *Server) createCall(r *http.Request, in *callInput) (domain.Call, error) {
	if err := auth.Authorize(userOf(r), auth.ActionCreateCall, strings.TrimSpace(in.District)); err != nil {
		return domain.Call{}, err
	}
	if len(in.unreadable) > 0 {
		fe := domain.FieldErrors{}
		for k, v := range domain.FieldsOf(in.Normalize(s.Calls.Rules).Validate(s.Calls.Rules)) {
			fe[k] = v
		}
		for k, v := range in.unreadable {
			fe[k] = v
		}
		return domain.Call{}, fe.Err()
	}
	return s.Calls.CreateDraft(r.Context(), actorOf(r), requestKey(r), in.CallDraft)
}

// createdCall is a new call as the API shows it, with its URL.
type createdCall struct{ service.CallView }

func (c createdCall) location() string { return "/api/v1/calls/" + c.ID }

func (s *Server) createCallView(r *http.Request, in *callInput) (createdCall, error) {
	c, err := s.createCall(r, in)
	if err != nil {
		return createdCall{}, err
	}
	v, err := s.Calls.View(r.Context(), actorOf(r), c.ID)
	return createdCall{v}, err
}

// parseRows reads "a,b,c" lines of a textarea (commas or full-width
// commas, tabs from a pasted spreadsheet, or |).
func parseRows(text string) [][]string { return splitRows(text, ",，\t|") }

// splitRows reads the lines of a textarea split at any of seps; every
// line it returns has a field.
func splitRows(text, seps string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(seps, r) })
		if len(fields) == 0 {
			continue // separators only: nothing written on the line
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		out = append(out, fields)
	}
	return out
}

// callNewRoutes mounts the routes this file serves (see mounts).
func (s *Server) callNewRoutes(m mounts) {
	m.pages.Get("/calls/new", view(s, "call_new", s.loadNewCall))
	m.pages.Post("/calls", form(s, s.createCall,
		func(_ *callInput, c domain.Call) done {
			return done{To: "/calls/" + c.ID, Flash: "已创建征集草稿 " + c.Number + "，征集公告正在生成。"}
		},
		showAgain(s, "call_new", s.loadNewCall, func(p *newCallPage, in *callInput) { p.Form = in.form })))
	m.api.Post("/calls", apiWrite(s, http.StatusCreated, s.createCallView))
}
