package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

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

// deliveryAction handles the delivery forms of a project page.
func (s *Server) deliveryAction(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, by, id := r.Context(), actorOf(r), chi.URLParam(r, "id")
		var err error
		var done string
		var res service.ImportResult
		switch kind {
		case "import":
			name, data, uerr := readUpload(w, r)
			if err = uerr; err == nil {
				res, err = s.Delivery.ImportAttendance(ctx, by, id, name, data)
			}
			if err == nil && len(res.Problems) > 0 {
				s.showProject(w, r, http.StatusUnprocessableEntity, "签到表有错误，未导入任何记录。请按下表逐行修改后重新上传。", &res)
				return
			}
			done = "已导入 " + strconv.Itoa(res.Imported) + " 条签到记录。"
		default:
			if perr := r.ParseForm(); perr != nil {
				s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
				return
			}
			f := r.PostForm.Get
			switch kind {
			case "session":
				hours, _ := strconv.ParseFloat(strings.TrimSpace(f("hours")), 64)
				_, err = s.Delivery.PlanSession(ctx, by, id, domain.TrainingSession{Module: f("module"), StartsAt: parseLocal(f("starts_at")),
					EndsAt: parseLocal(f("ends_at")), Place: f("place"), Trainer: f("trainer"), Hours: hours})
				done = "已登记培训场次。"
			case "trainee":
				_, err = s.Delivery.Enrol(ctx, by, id, domain.TraineeEntry{Name: f("name"), IDNumber: f("id_number"), Phone: f("phone"),
					Relation: f("relation"), Community: f("community"), Consent: f("consent") == "on",
					GuardianName: f("guardian_name"), GuardianRelation: f("guardian_relation")})
				done = "已登记学员。"
			case "results":
				num := func(k string) float64 {
					v, perr := strconv.ParseFloat(strings.TrimSpace(f(k)), 64)
					if perr != nil {
						return -1
					}
					return v
				}
				sat, _ := strconv.Atoi(f("satisfaction"))
				tid, _ := strconv.ParseInt(f("trainee"), 10, 64)
				err = s.Delivery.RecordResults(ctx, by, id, tid, domain.TraineeResults{Pre: num("pre_score"), Post: num("post_score"),
					Practical: num("practical_score"), Satisfaction: sat})
				done = "已登记学员成绩。"
			case "report":
				err = s.Delivery.FileProgressReport(ctx, by, id, domain.ProgressReport{Month: f("month"), Summary: f("summary"), Problems: f("problems")})
				done = "月度进展报告已提交。"
			case "spot":
				tid, _ := strconv.ParseInt(f("trainee"), 10, 64)
				err = s.Delivery.RecordSpotCheck(ctx, by, id, tid, domain.SpotCheckOutcome(f("outcome")), f("note"))
				done = "已记录抽查结果。"
			case "present":
				sid, _ := strconv.ParseInt(chi.URLParam(r, "sid"), 10, 64)
				var ids []int64
				for _, v := range r.PostForm["trainee"] {
					if n, perr := strconv.ParseInt(v, 10, 64); perr == nil {
						ids = append(ids, n)
					}
				}
				err = s.Delivery.MarkPresent(ctx, by, id, sid, ids)
				done = "已登记 " + strconv.Itoa(len(ids)) + " 名学员全程出勤。"
			}
		}
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict && c != domain.CodeNotFound {
				s.fail(w, r, err)
				return
			}
			msg := domain.ErrorMessage(err)
			for _, m := range fieldsOf(err) {
				msg += " " + m
			}
			s.showProject(w, r, status(err), msg, nil)
			return
		}
		s.redirectFlash(w, r, "/awards/"+id+"#delivery", done)
	}
}

func (s *Server) showProject(w http.ResponseWriter, r *http.Request, code int, msg string, res *service.ImportResult) {
	data, err := s.loadProjectPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Error = msg
	data.Delivery.Result = res
	s.show(w, r, code, "funded_project", data)
}

// ---- API ----

func (s *Server) apiTrainingSessions(w http.ResponseWriter, r *http.Request) {
	ss, err := s.Delivery.Sessions(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ss})
}

func (s *Server) apiPlanSession(w http.ResponseWriter, r *http.Request) {
	var ts domain.TrainingSession
	if err := decodeJSON(r, &ts); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := s.Delivery.PlanSessionKeyed(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), ts)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiTrainees(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Delivery.Trainees(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
}

func (s *Server) apiEnrol(w http.ResponseWriter, r *http.Request) {
	var e domain.TraineeEntry
	if err := decodeJSON(r, &e); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := s.Delivery.EnrolKeyed(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), e)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiMarkPresent(w http.ResponseWriter, r *http.Request) {
	var b struct {
		TraineeIDs []int64 `json:"trainee_ids"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	sid, _ := strconv.ParseInt(chi.URLParam(r, "sid"), 10, 64)
	if err := s.Delivery.MarkPresent(r.Context(), actorOf(r), chi.URLParam(r, "id"), sid, b.TraineeIDs); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiKPIs(w, r)
}

func (s *Server) apiImportAttendance(w http.ResponseWriter, r *http.Request) {
	name, data, err := readUpload(w, r)
	var res service.ImportResult
	if err == nil {
		res, err = s.Delivery.ImportAttendance(r.Context(), actorOf(r), chi.URLParam(r, "id"), name, data)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if len(res.Problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiKPIs(w http.ResponseWriter, r *http.Request) {
	k, err := s.Delivery.KPIs(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// ---- the phone check-in page (no account) ----

type checkinPage struct {
	pageData
	Code, Trainee, Name string
	Result              *service.CheckInResult
	Errors              map[string]string
	Error               string
}

func (s *Server) checkinPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "培训签到")
	p.Nav = "checkin"
	s.show(w, r, http.StatusOK, "checkin", checkinPage{pageData: p, Code: r.URL.Query().Get("code")})
}

func (s *Server) checkin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	f := r.PostForm.Get
	data := checkinPage{pageData: s.page(r, "培训签到"), Code: f("code"), Trainee: f("trainee"), Name: f("name")}
	res, err := s.throttledCheckIn(r, data.Code, traineeNumber(data.Trainee), data.Name)
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeNotFound && c != domain.CodeConflict && c != domain.CodeTooMany {
			s.fail(w, r, err)
			return
		}
		data.Error, data.Errors = domain.ErrorMessage(err), fieldsOf(err)
		s.show(w, r, status(err), "checkin", data)
		return
	}
	data.Result = &res
	s.show(w, r, http.StatusOK, "checkin", data)
}

// traineeNumber reads the check-in form's trainee number; 0 when it is
// not a number or out of range (the check-in then asks for it).
func traineeNumber(v string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func (s *Server) apiCheckIn(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Code      string `json:"code"`
		TraineeID int64  `json:"trainee_id"`
		Name      string `json:"name"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	res, err := s.throttledCheckIn(r, b.Code, b.TraineeID, b.Name)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// readEvidence reads an evidence upload (videos up to 60 MB).
func readEvidence(w http.ResponseWriter, r *http.Request) (domain.EvidenceKind, service.File, error) {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxVideoBytes+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return "", service.File{}, domain.Wrap(err, domain.CodeInvalid, "没有收到文件（照片和签到表不超过 20 MB，视频不超过 60 MB），请重新选择后上传。")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", service.File{}, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
	}
	return domain.EvidenceKind(r.FormValue("kind")), service.File{Name: hdr.Filename, Data: data}, nil
}

func (s *Server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	kind, f, err := readEvidence(w, r)
	sid, _ := strconv.ParseInt(chi.URLParam(r, "sid"), 10, 64)
	var e domain.Evidence
	if err == nil {
		e, err = s.Delivery.AddEvidence(r.Context(), actorOf(r), chi.URLParam(r, "id"), sid, kind, f)
	}
	if isAPI(r) {
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, e)
		return
	}
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict && c != domain.CodeNotFound {
			s.fail(w, r, err)
			return
		}
		s.showProject(w, r, status(err), domain.ErrorMessage(err), nil)
		return
	}
	s.redirectFlash(w, r, "/awards/"+chi.URLParam(r, "id"), "已上传"+e.Kind.Label()+"："+e.FileName)
}

func (s *Server) evidenceFile(w http.ResponseWriter, r *http.Request) {
	d, err := s.Delivery.EvidenceFile(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "eid"))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) {
	es, err := s.Delivery.Evidence(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if es == nil {
		es = []domain.Evidence{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": es})
}

// issueCertificate issues a trainee's certificate (POST, through the
// cross-origin check); the page then downloads it, the API gets the PDF.
func (s *Server) issueCertificate(w http.ResponseWriter, r *http.Request) {
	tid, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	d, err := s.Delivery.IssueCertificate(r.Context(), actorOf(r), chi.URLParam(r, "id"), tid)
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	if isAPI(r) {
		sendDocument(w, d, true)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/awards/%s/trainees/%d/certificate.pdf", chi.URLParam(r, "id"), tid), http.StatusSeeOther)
}

// certificate downloads a certificate issued before; it never issues one.
func (s *Server) certificate(w http.ResponseWriter, r *http.Request) {
	tid, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	d, err := s.Delivery.Certificate(r.Context(), actorOf(r), chi.URLParam(r, "id"), tid)
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, true)
}

func (s *Server) apiResults(w http.ResponseWriter, r *http.Request) {
	var res domain.TraineeResults
	if err := decodeJSON(r, &res); err != nil {
		s.apiFail(w, r, err)
		return
	}
	tid, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	if err := s.Delivery.RecordResults(r.Context(), actorOf(r), chi.URLParam(r, "id"), tid, res); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiTrainees(w, r)
}

func (s *Server) apiSpotChecks(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Delivery.SpotChecks(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sample, err := s.Delivery.SpotSample(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs, "suggested": sample})
}

func (s *Server) apiRecordSpotCheck(w http.ResponseWriter, r *http.Request) {
	var b struct {
		TraineeID int64                   `json:"trainee_id"`
		Outcome   domain.SpotCheckOutcome `json:"outcome"`
		Note      string                  `json:"note"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.Delivery.RecordSpotCheck(r.Context(), actorOf(r), chi.URLParam(r, "id"), b.TraineeID, b.Outcome, b.Note); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiSpotChecks(w, r)
}

func (s *Server) apiProgressReports(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Delivery.ProgressReports(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if rs == nil {
		rs = []domain.ProgressReport{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

func (s *Server) apiFileProgressReport(w http.ResponseWriter, r *http.Request) {
	var rep domain.ProgressReport
	if err := decodeJSON(r, &rep); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.Delivery.FileProgressReport(r.Context(), actorOf(r), chi.URLParam(r, "id"), rep); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiProgressReports(w, r)
}

// throttledCheckIn checks in unless the address has failed too often (see
// checkinLimit; the count is kept in PostgreSQL, shared by every replica),
// and counts a failure (a wrong code, number or name).
func (s *Server) throttledCheckIn(r *http.Request, code string, traineeID int64, name string) (service.CheckInResult, error) {
	limit := checkinLimit(clientIP(r))
	if _, until, err := s.Store.RateLimited(r.Context(), limit); err != nil {
		return service.CheckInResult{}, err
	} else if !until.IsZero() {
		return service.CheckInResult{}, domain.Errorf(domain.CodeTooMany, "签到失败次数过多，请于 %s 后再试，或请现场工作人员登记。",
			until.In(domain.ChinaTime).Format("15:04"))
	}
	res, err := s.Delivery.CheckIn(r.Context(), code, traineeID, name)
	if c := domain.ErrorCode(err); c == domain.CodeInvalid || c == domain.CodeNotFound || c == domain.CodeConflict {
		if _, cerr := s.Store.CountHits(r.Context(), limit); cerr != nil {
			return service.CheckInResult{}, cerr
		}
	}
	return res, err
}

// deliveryRoutes mounts the routes this file serves (see mounts).
func (s *Server) deliveryRoutes(m mounts) {
	// Trainees check in on their phones with the session's code.
	m.public.Get("/checkin", s.checkinPage)
	m.public.Post("/checkin", s.checkin)
	m.pages.Post("/awards/{id}/sessions", s.deliveryAction("session"))
	m.pages.Post("/awards/{id}/trainees", s.deliveryAction("trainee"))
	m.pages.Post("/awards/{id}/sessions/{sid}/attendance", s.deliveryAction("present"))
	m.pages.Post("/awards/{id}/attendance/import", s.deliveryAction("import"))
	m.pages.Post("/awards/{id}/sessions/{sid}/evidence", s.uploadEvidence)
	m.pages.Get("/awards/{id}/evidence/{eid}", s.evidenceFile)
	m.pages.Post("/awards/{id}/results", s.deliveryAction("results"))
	m.pages.Post("/awards/{id}/spot-checks", s.deliveryAction("spot"))
	m.pages.Post("/awards/{id}/reports", s.deliveryAction("report"))
	m.pages.Get("/awards/{id}/trainees/{tid}/certificate.pdf", s.certificate)
	m.pages.Post("/awards/{id}/trainees/{tid}/certificate", s.issueCertificate)
	m.publicAPI.Post("/checkin", s.apiCheckIn)
	m.api.Get("/awards/{id}/sessions", s.apiTrainingSessions)
	m.api.Post("/awards/{id}/sessions", s.apiPlanSession)
	m.api.Get("/awards/{id}/trainees", s.apiTrainees)
	m.api.Post("/awards/{id}/trainees", s.apiEnrol)
	m.api.Post("/awards/{id}/sessions/{sid}/attendance", s.apiMarkPresent)
	m.api.Post("/awards/{id}/attendance/import", s.apiImportAttendance)
	m.api.Get("/awards/{id}/kpis", s.apiKPIs)
	m.api.Get("/awards/{id}/evidence", s.apiEvidence)
	m.api.Post("/awards/{id}/trainees/{tid}/results", s.apiResults)
	m.api.Get("/awards/{id}/spot-checks", s.apiSpotChecks)
	m.api.Get("/awards/{id}/reports", s.apiProgressReports)
	m.api.Post("/awards/{id}/reports", s.apiFileProgressReport)
	m.api.Post("/awards/{id}/spot-checks", s.apiRecordSpotCheck)
	m.api.Get("/awards/{id}/trainees/{tid}/certificate.pdf", s.certificate)
	m.api.Post("/awards/{id}/trainees/{tid}/certificate", s.issueCertificate)
	m.api.Post("/awards/{id}/sessions/{sid}/evidence", s.uploadEvidence)
	m.api.Get("/awards/{id}/evidence/{eid}", s.evidenceFile)
}
