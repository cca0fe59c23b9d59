package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// callAction handles a form on the call page: kind names the action; the
// form's hidden key makes a double click one action.
func (s *Server) callAction(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
			return
		}
		ctx, by, id, f := r.Context(), actorOf(r), chi.URLParam(r, "id"), r.PostForm
		key := f.Get("key")
		var err error
		var done string
		switch kind {
		case "submit":
			err, done = s.Calls.Submit(ctx, by, id, key), "已提交发布审核。"
		case "publication":
			approve := f.Get("decision") == "approve"
			err = s.Calls.ReviewPublication(ctx, by, id, key, approve, f.Get("reason"))
			done = map[bool]string{true: "已审核通过，征集公告已发布，开始接受投标。", false: "已退回起草人修改。"}[approve]
		case "clarify":
			err, done = s.Calls.Clarify(ctx, by, id, key, f.Get("title"), f.Get("body"), f.Get("material") == "on"), "澄清已发布，所有投标人均会收到通知。"
		case "withdraw":
			err, done = s.Calls.WithdrawBid(ctx, by, id, key), "投标已撤回。截止前仍可重新递交。"
		case "qualify":
			var ds []activities.Qualification
			for _, bid := range f["bid"] {
				ds = append(ds, activities.Qualification{BidID: bid, Qualified: f.Get("q_"+bid) == "yes", Reason: f.Get("r_" + bid)})
			}
			err, done = s.Calls.Qualify(ctx, by, id, key, ds), "资格审查结论已记录。"
		case "redraw":
			err, done = s.Calls.RedrawPanel(ctx, by, id, key), "已重新抽取评审专家。"
		case "declare":
			conflict := f.Get("conflict") == "yes"
			err = s.Calls.Declare(ctx, by, id, key, conflict, f.Get("reason"))
			done = map[bool]string{true: "已记录您的回避声明，系统将另行抽取专家。", false: "已声明无利害关系，现在可以查看投标文件并评分。"}[conflict]
		case "score":
			var pts []float64
			for i := 0; f.Has(fmt.Sprintf("p%d", i)); i++ {
				v, perr := strconv.ParseFloat(strings.TrimSpace(f.Get(fmt.Sprintf("p%d", i))), 64)
				if perr != nil {
					v = -1
				}
				pts = append(pts, v)
			}
			err, done = s.Calls.Score(ctx, by, id, key, f.Get("bid_id"), pts, f.Get("comment")), "评分已保存。提交全部评分前可以修改。"
		case "approve":
			approve := f.Get("decision") == "approve"
			err = s.Calls.Approve(ctx, by, id, key, approve, f.Get("reason"))
			done = map[bool]string{true: "已审批通过。", false: "已退回，并附上了理由。"}[approve]
		case "recusal":
			err, done = s.Calls.RequestRecusal(ctx, by, id, key, f.Get("reason")), "回避申请已提交，民政部门审查后会通知您。"
		case "recusal-decision":
			seat, _ := strconv.Atoi(f.Get("seat"))
			err, done = s.Calls.DecideRecusal(ctx, by, id, key, chi.URLParam(r, "rid"), f.Get("upheld") == "yes", seat, f.Get("answer")), "回避申请已处理。"
		case "answer":
			err, done = s.Calls.AnswerObjection(ctx, by, id, key, chi.URLParam(r, "oid"), f.Get("upheld") == "yes", f.Get("answer"),
				domain.CallStage(f.Get("return_to"))), "答复已公开。"
		case "comment-answer":
			err, done = s.Calls.AnswerComment(ctx, by, id, chi.URLParam(r, "cid"), f.Get("answer")), "已答复该公众意见。"
		}
		if err != nil {
			s.showCallError(w, r, err)
			return
		}
		s.redirectFlash(w, r, "/calls/"+id, done)
	}
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

// bidFromForm reads a bid form: budget lines "科目,金额（元）", team lines
// "姓名,分工,资质".
func bidFromForm(r *http.Request) (domain.BidContent, []service.File, error) {
	f := r.MultipartForm.Value
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	b := domain.BidContent{TechnicalProposal: get("technical_proposal")}
	fe := domain.FieldErrors{}
	if p, ok := domain.ParseYuan(get("price")); ok {
		b.Price = p
	} else if strings.TrimSpace(get("price")) != "" {
		fe.Add("price", "投标报价格式不对：请填写数字（单位：元）。")
	}
	for i, l := range parseRows(get("budget")) {
		if len(l) < 2 {
			fe.Add("budget", fmt.Sprintf("预算明细第 %d 行应为“科目,金额”。", i+1))
			continue
		}
		amt, ok := domain.ParseYuan(l[len(l)-1])
		if !ok {
			fe.Add("budget", fmt.Sprintf("预算明细第 %d 行的金额“%s”不是数字。", i+1, l[len(l)-1]))
		}
		b.Budget = append(b.Budget, domain.BudgetItem{Item: strings.Join(l[:len(l)-1], "，"), Amount: amt})
	}
	for _, l := range parseRows(get("team")) {
		m := domain.TeamMember{Name: l[0]}
		if len(l) > 1 {
			m.Role = l[1]
		}
		if len(l) > 2 {
			m.Qualification = strings.Join(l[2:], "，")
		}
		b.Team = append(b.Team, m)
	}
	var docs []service.File
	for _, fh := range r.MultipartForm.File["documents"] {
		if fh.Size == 0 {
			continue
		}
		file, err := fh.Open()
		if err != nil {
			return b, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(file, service.MaxAttachmentBytes+1))
		file.Close()
		if err != nil {
			return b, nil, err
		}
		docs = append(docs, service.File{Name: fh.Filename, Data: data})
	}
	if len(fe) > 0 {
		return b, docs, fe.Err()
	}
	return b, docs, nil
}

func (s *Server) submitBid(w http.ResponseWriter, r *http.Request) {
	if u := userOf(r); auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID}) != nil {
		s.fail(w, r, auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID}))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, (service.MaxBidDocuments+1)*service.MaxAttachmentBytes)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		s.showCallError(w, r, domain.Errorf(domain.CodeInvalid, "投标文件过大或无法读取：附件合计不超过 200 MB，单个不超过 20 MB。"))
		return
	}
	b, docs, err := bidFromForm(r)
	id := chi.URLParam(r, "id")
	var rc domain.Receipt
	if err == nil {
		rc, err = s.Calls.SubmitBid(r.Context(), actorOf(r), id, strings.Join(r.MultipartForm.Value["key"], ""), b, docs)
	}
	if err != nil {
		s.showCallError(w, r, err)
		return
	}
	msg := fmt.Sprintf("投标文件已密封递交（第 %d 版，%s）。回执已列在下方，请妥善保存各部分的 SHA-256 摘要。", rc.Version,
		rc.SubmittedAt.In(domain.ChinaTime).Format("2006年1月2日 15:04:05"))
	s.redirectFlash(w, r, "/calls/"+id, msg)
}

// ---- the public portal ----

type portalPage struct {
	pageData
	Open      service.PublicCallPage
	Publicity service.PublicCallPage
	Awarded   service.PublicCallPage
	Results   []store.OrgGrade
	Contracts []store.PublishedContract
	License   string // the open data's license (GRANTFLOW_OCDS_LICENSE)
}

func (s *Server) portalPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "公开信息")
	p.Nav = "public"
	data := portalPage{pageData: p, License: s.Calls.OCDS.License}
	var err error
	if data.Open, err = s.Calls.PublicList(r.Context(), domain.StageBidding, 1); err == nil {
		if data.Publicity, err = s.Calls.PublicList(r.Context(), domain.StagePublicity, 1); err == nil {
			if data.Awarded, err = s.Calls.PublicList(r.Context(), domain.StageAwarded, 1); err == nil {
				if data.Results, err = s.Evaluations.PublicResults(r.Context()); err == nil {
					data.Contracts, err = s.Evaluations.PublishedContracts(r.Context())
				}
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "portal", data)
}

type portalCallPage struct {
	pageData
	D      service.PublicDossier
	Key    string
	Form   domain.ObjectionInput
	Errors map[string]string
	Error  string
}

func (s *Server) portalCallPage(w http.ResponseWriter, r *http.Request) {
	s.showPortalCall(w, r, http.StatusOK, domain.ObjectionInput{}, nil)
}

func (s *Server) showPortalCall(w http.ResponseWriter, r *http.Request, code int, form domain.ObjectionInput, ferr error) {
	d, err := s.Calls.PublicDossier(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, d.Call.Title)
	p.Nav = "public"
	data := portalCallPage{pageData: p, D: d, Key: uuid.NewString(), Form: form}
	if ferr != nil {
		data.Error, data.Errors = domain.ErrorMessage(ferr), fieldsOf(ferr)
	}
	s.show(w, r, code, "portal_call", data)
}

func (s *Server) portalObject(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxAttachmentBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "提交的内容过大或无法读取（附件不超过 20 MB）。"))
		return
	}
	v := r.MultipartForm.Value
	first := func(k string) string {
		if len(v[k]) > 0 {
			return v[k][0]
		}
		return ""
	}
	in := domain.ObjectionInput{Name: first("name"), Contact: first("contact"), Reason: first("reason")}
	var att *service.File
	if fhs := r.MultipartForm.File["attachment"]; len(fhs) > 0 && fhs[0].Size > 0 {
		file, err := fhs[0].Open()
		if err == nil {
			data, rerr := io.ReadAll(io.LimitReader(file, service.MaxAttachmentBytes+1))
			file.Close()
			err = rerr
			att = &service.File{Name: fhs[0].Filename, Data: data}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	id := chi.URLParam(r, "id")
	f, err := s.Calls.Object(r.Context(), actorOf(r), id, first("key"), in, first("complaint_of"), att, clientIP(r))
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeInternal || c == domain.CodeUnavailable {
			s.fail(w, r, err)
			return
		}
		s.showPortalCall(w, r, status(err), in, err)
		return
	}
	msg := "质疑已受理。答复将在本页公开，并按您留下的联系方式送达；答复前暂停定标。"
	if !f.Route.HoldsAward() {
		msg = "您的意见已收到，民政部门将按您留下的联系方式答复。只有参加本次投标的供应商登录后提出的质疑暂停定标（政府采购法 §52）。"
	}
	s.redirectFlash(w, r, "/public/calls/"+id, msg)
}

// ---- the working-day calendar (admins) ----

type calendarPage struct {
	pageData
	Cal   service.CalendarYear
	Text  string
	Years []int
	Error string
}

func calendarText(days []domain.CalendarDay) string {
	var b strings.Builder
	for _, d := range days {
		kind := "休"
		if d.Kind == domain.DayWork {
			kind = "班"
		}
		fmt.Fprintf(&b, "%s,%s,%s\n", d.Date, kind, d.Name)
	}
	return b.String()
}

// calendarDays reads the calendar form's lines "日期,休或班,名称"
// (calendarText's), one entry a line.
func calendarDays(text string) []domain.CalendarDay {
	var days []domain.CalendarDay
	for _, l := range parseRows(text) {
		var d domain.CalendarDay // a line of separators only: no date, which the check names
		if len(l) > 0 {
			d.Date = l[0]
		}
		if len(l) > 1 {
			d.Kind = map[string]domain.DayKind{"休": domain.DayOff, "班": domain.DayWork, "off": domain.DayOff, "work": domain.DayWork}[l[1]]
		}
		if len(l) > 2 {
			d.Name = l[2]
		}
		days = append(days, d)
	}
	return days
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	if err := auth.Authorize(userOf(r), auth.ActionEditCalendar, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year == 0 {
		year = time.Now().In(domain.ChinaTime).Year()
	}
	s.showCalendar(w, r, http.StatusOK, year, "", nil)
}

func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request, code, year int, text string, ferr error) {
	cal, err := s.Calls.Calendar(r.Context(), year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, fmt.Sprintf("%d 年工作日历", year))
	p.Nav = "admin"
	data := calendarPage{pageData: p, Cal: cal, Text: text, Years: []int{year - 1, year, year + 1}}
	if text == "" {
		data.Text = calendarText(cal.Days)
	}
	if ferr != nil {
		data.Error = domain.ErrorMessage(ferr)
		for _, m := range fieldsOf(ferr) {
			data.Error += " " + m
		}
	}
	s.show(w, r, code, "calendar", data)
}

func (s *Server) saveCalendar(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	if err := auth.Authorize(userOf(r), auth.ActionEditCalendar, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	year, _ := strconv.Atoi(r.PostForm.Get("year"))
	text := r.PostForm.Get("days")
	days := calendarDays(text)
	if err := s.Calls.SetCalendar(r.Context(), actorOf(r), year, days); err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		s.showCalendar(w, r, status(err), year, text, err)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/admin/calendar?year=%d", year), fmt.Sprintf("%d 年工作日历已保存，%d 条。", year, len(days)))
}

// publicContract is a signed contract's PDF (no sign-in).
func (s *Server) publicContract(w http.ResponseWriter, r *http.Request) {
	d, err := s.Evaluations.PublicContract(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, true)
}

// biddingRoutes mounts the routes this file serves (see mounts).
func (s *Server) biddingRoutes(m mounts) {
	// The public portal: open calls, results under publicity with the
	// objection form, no sign-in.
	m.public.Get("/public", s.portalPage)
	m.public.Get("/public/calls/{id}", s.portalCallPage)
	m.public.Get("/public/contracts/{id}.pdf", s.publicContract)
	m.public.Post("/public/calls/{id}/objections", s.portalObject)
	m.pages.Post("/calls/{id}/submit", s.callAction("submit"))
	m.pages.Post("/calls/{id}/publication", s.callAction("publication"))
	m.pages.Post("/calls/{id}/clarifications", s.callAction("clarify"))
	m.pages.Post("/calls/{id}/bids", s.submitBid)
	m.pages.Post("/calls/{id}/bids/withdraw", s.callAction("withdraw"))
	m.pages.Post("/calls/{id}/qualification", s.callAction("qualify"))
	m.pages.Post("/calls/{id}/panel/redraw", s.callAction("redraw"))
	m.pages.Post("/calls/{id}/declaration", s.callAction("declare"))
	m.pages.Post("/calls/{id}/scores", s.callAction("score"))
	m.pages.Post("/calls/{id}/approval", s.callAction("approve"))
	m.pages.Post("/calls/{id}/objections/{oid}/answer", s.callAction("answer"))
	m.pages.Post("/calls/{id}/comments/{cid}/answer", s.callAction("comment-answer"))
	m.pages.Post("/calls/{id}/recusal-requests", s.callAction("recusal"))
	m.pages.Post("/calls/{id}/recusal-requests/{rid}/decision", s.callAction("recusal-decision"))
	m.pages.Get("/admin/calendar", s.calendarPage)
	m.pages.Post("/admin/calendar", s.saveCalendar)
	m.publicAPI.Get("/public/contracts/{id}.pdf", s.publicContract)
}
