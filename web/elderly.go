package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/i18n"
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
	Error      string
	Import     *service.ImportStatus // a background import still running
	Query      template.URL          // filters and sort (paging, export)
	Filters    template.URL          // filters alone (sort links)
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

func (s *Server) elderlyPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadElderlyPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "elderly", data)
}

// importElderly keeps the uploaded file and imports it in the background;
// the register page then shows the progress and, when done, the outcome
// (a reload finds both: the import's ID is in the address).
func (s *Server) importElderly(w http.ResponseWriter, r *http.Request) {
	name, data, err := readUpload(w, r)
	var id string
	if err == nil {
		id, err = s.Elderly.StartImport(r.Context(), actorOf(r), name, data)
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		page, lerr := s.loadElderlyPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		page.Error = domain.ErrorMessage(err)
		s.show(w, r, http.StatusUnprocessableEntity, "elderly", page)
		return
	}
	http.Redirect(w, r, "/elderly?import="+url.QueryEscape(id), http.StatusSeeOther)
}

// elderlyImport is the progress of an import, polled by the page (htmx):
// while it runs, the progress card; when it is done, a refresh of the page,
// which shows the outcome.
func (s *Server) elderlyImport(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	st, err := s.Elderly.ImportStatus(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case r.Header.Get("HX-Request") == "": // opened directly: the page
		http.Redirect(w, r, "/elderly?import="+url.QueryEscape(id), http.StatusSeeOther)
	case !st.Running:
		w.Header().Set("HX-Refresh", "true")
	default:
		if err := s.views.renderFragment(w, i18n.Of(r), "elderly", "importprogress", st); err != nil {
			s.Logger.Error("render", "page", "elderly/importprogress", "err", err)
		}
	}
}

func (s *Server) revealElder(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	e, err := s.Elderly.Reveal(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.loadElderlyPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Revealed = &e
	w.Header().Set("Cache-Control", "no-store")
	s.show(w, r, http.StatusOK, "elderly", page)
}

func (s *Server) exportElderly(w http.ResponseWriter, r *http.Request) {
	b, err := s.Elderly.Export(r.Context(), actorOf(r), elderFilter(r))
	if err != nil {
		if isAPI(r) {
			s.apiFail(w, r, err)
		} else {
			s.fail(w, r, err)
		}
		return
	}
	sendDocument(w, service.Document{FileName: "老年人名册（遮蔽）.xlsx", ContentType: xlsxType, Data: b}, false)
}

func (s *Server) elderlyTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := service.Template()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendDocument(w, service.Document{FileName: "老年人名册导入模板.xlsx", ContentType: xlsxType, Data: b}, false)
}

// API

func (s *Server) apiElderly(w http.ResponseWriter, r *http.Request) {
	list, total, err := s.Elderly.List(r.Context(), actorOf(r), elderFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []domain.Elder{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

func (s *Server) apiImportElderly(w http.ResponseWriter, r *http.Request) {
	name, data, err := readUpload(w, r)
	var res service.ImportResult
	if err == nil {
		res, err = s.Elderly.Import(r.Context(), actorOf(r), name, data)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if len(res.Problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": apiError{Code: "invalid",
			Message: "导入文件有错误，未导入任何数据；请按 problems 逐行修改后重新上传。"}, "problems": res.Problems})
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) apiRevealElder(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	e, err := s.Elderly.Reveal(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) apiElderCounts(w http.ResponseWriter, r *http.Request) {
	counts, total, err := s.Elderly.Counts(r.Context(), actorOf(r), elderFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"by_category": counts, "people": total})
}

// elderlyRoutes mounts the routes this file serves (see mounts).
func (s *Server) elderlyRoutes(m mounts) {
	m.pages.Get("/elderly", s.elderlyPage)
	m.pages.Post("/elderly/import", s.importElderly)
	m.pages.Get("/elderly/imports/{id}", s.elderlyImport)
	m.pages.Get("/elderly/export.xlsx", s.exportElderly)
	m.pages.Get("/elderly/template.xlsx", s.elderlyTemplate)
	m.pages.Post("/elderly/{id}/reveal", s.revealElder)
	m.api.Get("/elderly", s.apiElderly)
	m.api.Post("/elderly/import", s.apiImportElderly)
	m.api.Get("/elderly/export.xlsx", s.exportElderly)
	m.api.Get("/elderly/template.xlsx", s.elderlyTemplate)
	m.api.Get("/elderly/counts", s.apiElderCounts)
	m.api.Post("/elderly/{id}/reveal", s.apiRevealElder)
}
