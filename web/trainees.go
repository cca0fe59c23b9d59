package web

// Trainees of a funded project: enrolment, their results, the roster and
// its export.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// traineeInput is an enrolment as the form and the API send it.
type traineeInput struct {
	keyed
	domain.TraineeEntry
}

func (in *traineeInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	in.Key = f("key")
	in.TraineeEntry = domain.TraineeEntry{Name: f("name"), IDNumber: f("id_number"), Phone: f("phone"),
		Relation: f("relation"), Community: f("community"), Consent: f("consent") == "on",
		GuardianName: f("guardian_name"), GuardianRelation: f("guardian_relation")}
	return nil
}

// enrol enrols a trainee.
func (s *Server) enrol(r *http.Request, in *traineeInput) (newID, error) {
	id, err := s.Delivery.EnrolKeyed(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), in.TraineeEntry)
	return newID{id}, err
}

func (s *Server) listTrainees(r *http.Request) (list[domain.Trainee], error) {
	ts, err := s.Delivery.Trainees(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(ts), err
}

// resultsInput is a trainee's results: the page form names the trainee,
// the API's path does ({tid}).
type resultsInput struct {
	domain.TraineeResults
	Trainee int64 `json:"-"`
}

func (in *resultsInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	num := func(k string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(f(k)), 64)
		if err != nil {
			return -1 // refused by Validate with the score's range
		}
		return v
	}
	sat, _ := strconv.Atoi(f("satisfaction"))
	in.Trainee, _ = strconv.ParseInt(f("trainee"), 10, 64)
	in.TraineeResults = domain.TraineeResults{Pre: num("pre_score"), Post: num("post_score"), Practical: num("practical_score"), Satisfaction: sat}
	return nil
}

// recordResults records a trainee's test and assessment results.
func (s *Server) recordResults(r *http.Request, in *resultsInput) (awardID, error) {
	tid := in.Trainee
	if tid == 0 {
		tid = idParam(r, "tid")
	}
	return changed(r, s.Delivery.RecordResults(r.Context(), actorOf(r), chi.URLParam(r, "id"), tid, in.TraineeResults))
}

// traineesSheet exports a project's roster (ID and phone numbers masked,
// as on the page) with hours, results and certificates.
func (s *Server) traineesSheet(r *http.Request) (sheet, error) {
	ts, err := s.Delivery.Trainees(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	out := make([][]any, len(ts))
	for i, t := range ts {
		row := []any{t.ID, t.Name, t.IDNumber, t.Phone, t.Relation, t.Community, t.GuardianName, t.Hours, "", "", "", "", t.CertificateNo, cst(t.CreatedAt)}
		if x := t.Results; x != nil {
			row[8], row[9], row[10], row[11] = x.Pre, x.Post, x.Practical, x.Satisfaction
		}
		out[i] = row
	}
	return sheet{"学员名册（遮蔽）.xlsx", []any{"学员编号", "姓名", "身份证号（遮蔽）", "手机号（遮蔽）", "与老人关系", "社区", "监护人",
		"已获学时", "培训前测试", "培训后测试", "实操考核", "满意度", "结业证书", "登记时间"}, oneSheet(out)}, err
}

// traineeRoutes mounts the routes this file serves (see mounts).
func (s *Server) traineeRoutes(m mounts) {
	m.pages.Post("/awards/{id}/trainees", form(s, onAward(s.enrol), toDelivery[traineeInput]("已登记学员。"), projectAgain[traineeInput](s, nil)))
	m.pages.Post("/awards/{id}/results", form(s, s.recordResults, toDelivery[resultsInput]("已登记学员成绩。"), projectAgain[resultsInput](s, nil)))
	m.pages.Get("/awards/{id}/trainees.xlsx", xlsx(s, s.traineesSheet))
	m.api.Get("/awards/{id}/trainees", apiRead(s, s.listTrainees))
	m.api.Post("/awards/{id}/trainees", apiWrite(s, http.StatusCreated, s.enrol))
	m.api.Post("/awards/{id}/trainees/{tid}/results", apiWrite(s, http.StatusOK, andThen(s.recordResults, s.listTrainees)))
}
