package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

func elderFilter(r *http.Request) store.ElderFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	return store.ElderFilter{Category: domain.ElderCategory(q.Get("category")), Sort: q.Get("sort"), Page: page, PerPage: perPage}
}

type elderlyPage struct {
	pageData
	Elders     []domain.Elder
	Total      int
	Filter     store.ElderFilter
	Counts     map[domain.ElderCategory]int
	People     int
	Categories []domain.ElderCategory
	Result     *service.ImportResult
	Revealed   *domain.Elder
	refusal
	Import  *service.ImportStatus // a background import still running
	Query   template.URL          // filters and sort (paging, export)
	Filters template.URL          // filters alone (sort links)
}

// Pages is the number of pages.
func (p elderlyPage) Pages() int { return (p.Total + 19) / 20 }

func (s *Server) loadElderlyPage(r *http.Request) (elderlyPage, error) {
	f := elderFilter(r)
	f.PerPage = 20
	if f.Page <= 0 {
		f.Page = 1
	}
	list, total, err := s.Elderly.List(r.Context(), actorOf(r), f)
	if err != nil {
		return elderlyPage{}, err
	}
	counts, people, err := s.Elderly.Counts(r.Context(), actorOf(r), store.ElderFilter{})
	if err != nil {
		return elderlyPage{}, err
	}
	p := s.page(r, "老年人名册")
	p.Nav = "elderly"
	q := r.URL.Query()
	page := elderlyPage{pageData: p, Elders: list, Total: total, Filter: f, Counts: counts, People: people, Categories: domain.ElderCategories,
		Query: keepQuery(q, "category", "sort"), Filters: keepQuery(q, "category")}
	// A background import: its progress, or how it ended.
	if id := q.Get("import"); id != "" && r.Method == http.MethodGet {
		st, err := s.Elderly.ImportStatus(r.Context(), actorOf(r), id)
		switch {
		case err != nil:
			page.Error = domain.ErrorMessage(err)
		case st.Running:
			page.Import = &st
		case st.Outcome.Error != "":
			page.Error = st.Outcome.Error
		default:
			page.Result = &service.ImportResult{Imported: st.Outcome.Imported, Updated: st.Outcome.Updated, Problems: st.Outcome.Problems}
		}
	}
	return page, nil
}

// startElderlyImport keeps the uploaded file and imports it in the
// background; the register page then shows the progress and, when done,
// the outcome (a reload finds both: the import's ID is in the address).
func (s *Server) startElderlyImport(r *http.Request, in *upload) (string, error) {
	return s.Elderly.StartImport(r.Context(), actorOf(r), in.File.Name, in.File.Data)
}

// elderlyImport is the progress of an import, polled by the page (htmx):
// while it runs, the progress card; when it is done, a refresh of the
// page, which shows the outcome; opened directly, the page.
func (s *Server) elderlyImport(r *http.Request) (progress[service.ImportStatus], error) {
	id := chi.URLParam(r, "id")
	st, err := s.Elderly.ImportStatus(r.Context(), actorOf(r), id)
	return progress[service.ImportStatus]{Of: st, Running: st.Running, Page: "/elderly?import=" + url.QueryEscape(id)}, err
}

// revealedElderPage is the register page with one person's data in full
// (a POST, audited, not kept).
func (s *Server) revealedElderPage(r *http.Request, in *none) (elderlyPage, error) {
	e, err := s.revealElder(r, in)
	if err != nil {
		return elderlyPage{}, err
	}
	page, err := s.loadElderlyPage(r)
	page.Revealed = &e
	return page, err
}

func (s *Server) revealElder(r *http.Request, _ *none) (domain.Elder, error) {
	return s.Elderly.Reveal(r.Context(), actorOf(r), idParam(r, "id"))
}

func (s *Server) elderlyExport(r *http.Request) (service.Document, error) {
	b, err := s.Elderly.Export(r.Context(), actorOf(r), elderFilter(r))
	return service.Document{FileName: "老年人名册（遮蔽）.xlsx", ContentType: xlsxType, Data: b}, err
}

func elderlyTemplate(*http.Request) (service.Document, error) {
	b, err := service.Template()
	return service.Document{FileName: "老年人名册导入模板.xlsx", ContentType: xlsxType, Data: b}, err
}

func (s *Server) listElderly(r *http.Request) (list[domain.Elder], error) {
	items, total, err := s.Elderly.List(r.Context(), actorOf(r), elderFilter(r))
	return pageOf(items, total, 0, 0), err
}

// imported is a register import as the API answers it: 201 with the
// counts, or — when rows were refused and nothing was imported — 422 with
// the error and the rows' problems.
type imported struct{ service.ImportResult }

func (i imported) status() int {
	if len(i.Problems) > 0 {
		return http.StatusUnprocessableEntity
	}
	return 0
}

func (i imported) MarshalJSON() ([]byte, error) {
	if len(i.Problems) == 0 {
		return json.Marshal(i.ImportResult)
	}
	return json.Marshal(struct {
		Error    apiError               `json:"error"`
		Problems []domain.ImportProblem `json:"problems"`
	}{apiError{Code: "invalid", Message: "导入文件有错误，未导入任何数据；请按 problems 逐行修改后重新上传。"}, i.Problems})
}

func (s *Server) importElderly(r *http.Request, in *upload) (imported, error) {
	res, err := s.Elderly.Import(r.Context(), actorOf(r), in.File.Name, in.File.Data)
	return imported{res}, err
}

// elderCounts is the register's people by category.
type elderCounts struct {
	ByCategory map[domain.ElderCategory]int `json:"by_category"`
	People     int                          `json:"people"`
}

func (s *Server) elderCounts(r *http.Request) (elderCounts, error) {
	counts, total, err := s.Elderly.Counts(r.Context(), actorOf(r), elderFilter(r))
	return elderCounts{counts, total}, err
}

// elderlyRoutes mounts the routes this file serves (see mounts).
func (s *Server) elderlyRoutes(m mounts) {
	m.pages.Get("/elderly", view(s, "elderly", s.loadElderlyPage))
	m.pages.Post("/elderly/import", form(s, s.startElderlyImport, func(_ *upload, id string) done {
		return done{To: "/elderly?import=" + url.QueryEscape(id)}
	}, showAgain[elderlyPage, *elderlyPage, upload](s, "elderly", s.loadElderlyPage, nil)))
	m.pages.Get("/elderly/imports/{id}", poll(s, "elderly", "importprogress", s.elderlyImport))
	m.pages.Get("/elderly/export.xlsx", download(s, false, s.elderlyExport))
	m.pages.Get("/elderly/template.xlsx", download(s, false, elderlyTemplate))
	m.pages.Post("/elderly/{id}/reveal", noStore(formPage(s, "elderly", s.revealedElderPage)))
	m.api.Get("/elderly", apiRead(s, s.listElderly))
	m.api.Post("/elderly/import", apiUpload(s, http.StatusCreated, s.importElderly))
	m.api.Get("/elderly/export.xlsx", download(s, false, s.elderlyExport))
	m.api.Get("/elderly/template.xlsx", download(s, false, elderlyTemplate))
	m.api.Get("/elderly/counts", apiRead(s, s.elderCounts))
	m.api.Post("/elderly/{id}/reveal", noStore(apiWrite(s, http.StatusOK, s.revealElder)))
}
