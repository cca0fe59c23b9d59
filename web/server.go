// Package web serves GrantFlow to people: server-rendered pages (chi,
// html/template, htmx) and the JSON API under /api/v1. Handlers read
// PostgreSQL for display and call application services (internal/service)
// for every change; they never change lifecycle state themselves.
package web

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/i18n"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

//go:embed templates static openapi.yaml
var assets embed.FS

// Deps are what the web layer needs.
type Deps struct {
	Store         *store.Store
	Blob          *blob.Store
	Temporal      client.Client
	Calls         *service.Calls
	Contracts     *service.Contracts
	Delivery      *service.Delivery
	Evaluations   *service.Evaluations
	Orgs          *service.Orgs
	Accounts      *service.Accounts
	Areas         *service.Areas
	Needs         *service.Needs
	Talents       *service.Talents
	Projects      *service.Projects
	Elderly       *service.Elderly
	Volunteers    *service.Volunteers
	Stats         *service.Stats
	Logger        *slog.Logger
	SecureCookies bool
	// PayloadCodec opens sealed Temporal payloads for the Web UI's codec
	// endpoint (temporalconn.OperatorCodec: never those sealed until
	// public); TemporalUIOrigin is the UI's origin (temporalcodec.go).
	PayloadCodec     converter.PayloadCodec
	TemporalUIOrigin string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (GRANTFLOW_TRUSTED_PROXIES); TokenTTL is how long an API
	// token works (GRANTFLOW_API_TOKEN_TTL).
	TrustedProxies []netip.Prefix
	TokenTTL       time.Duration
	// Stopping reports a server that has begun to stop (nil: never):
	// /readyz then answers 503 while requests are still served.
	Stopping func() bool
}

// Server is the web application.
type Server struct {
	Deps
	sessions *scs.SessionManager
	views    *views
	cat      *i18n.Catalogue
	handler  http.Handler
}

// New parses templates (failing fast on a broken one) and builds the router.
func New(d Deps) (*Server, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	v, err := newViews(cat)
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = pgxstore.NewWithCleanupInterval(d.Store.Pool(), 30*time.Minute)
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "grantflow_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = d.SecureCookies
	s := &Server{Deps: d, sessions: sm, views: v, cat: cat}
	if s.TokenTTL <= 0 {
		s.TokenTTL = 90 * 24 * time.Hour
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.realClient, s.logRequests, middleware.Recoverer)
	r.Use(securityHeaders)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/static/*", s.views.staticHandler().ServeHTTP)

	// Every state change passes the cross-origin check (Sec-Fetch-Site /
	// Origin), on pages and API alike.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg := "请求来自其他网站，已被拒绝。请直接在本平台页面上操作。"
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSONError(w, http.StatusForbidden, "forbidden", msg, nil)
			return
		}
		s.fail(w, r, domain.Errorf(domain.CodeForbidden, "%s", msg))
	}))

	r.Group(func(r chi.Router) {
		r.Use(csrf.Handler, s.sessions.LoadAndSave, s.loadUser)
		r.Get("/login", s.loginPage)
		r.Get("/register", s.registerPage)
		r.Post("/register", s.register)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)
		// The public portal: open calls, results under publicity with the
		// objection form, no sign-in.
		r.Get("/public", s.portalPage)
		r.Get("/public/calls/{id}", s.portalCallPage)
		r.Get("/public/contracts/{id}.pdf", s.publicContract)
		r.Post("/public/calls/{id}/objections", s.portalObject)
		// Trainees check in on their phones with the session's code.
		r.Get("/checkin", s.checkinPage)
		r.Post("/checkin", s.checkin)
		// 中文 / English: the choice is kept in a cookie.
		r.Get("/lang", s.switchLanguage)
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/", s.home)
			r.Get("/calls", s.callsPage)
			r.Get("/calls/new", s.newCallPage)
			r.Post("/calls", s.createCall)
			r.Get("/calls/{id}", s.callPage)
			r.Get("/calls/{id}/notice-status", s.noticeStatus)
			r.Post("/calls/{id}/attachments", s.uploadAttachment)
			r.Post("/calls/{id}/cancel", s.cancelCall)
			r.Get("/calls/{id}/notice.pdf", s.downloadNotice)
			r.Get("/calls/{id}/attachments/{aid}", s.downloadAttachment)
			r.Post("/calls/{id}/submit", s.callAction("submit"))
			r.Post("/calls/{id}/publication", s.callAction("publication"))
			r.Post("/calls/{id}/clarifications", s.callAction("clarify"))
			r.Post("/calls/{id}/bids", s.submitBid)
			r.Post("/calls/{id}/bids/withdraw", s.callAction("withdraw"))
			r.Get("/calls/{id}/bids/{bid}/documents/{part}", s.bidDocument)
			r.Post("/calls/{id}/qualification", s.callAction("qualify"))
			r.Post("/calls/{id}/panel/redraw", s.callAction("redraw"))
			r.Post("/calls/{id}/declaration", s.callAction("declare"))
			r.Post("/calls/{id}/scores", s.callAction("score"))
			r.Post("/calls/{id}/approval", s.callAction("approve"))
			r.Post("/calls/{id}/objections/{oid}/answer", s.callAction("answer"))
			r.Post("/calls/{id}/comments/{cid}/answer", s.callAction("comment-answer"))
			r.Post("/calls/{id}/recusal-requests", s.callAction("recusal"))
			r.Post("/calls/{id}/recusal-requests/{rid}/decision", s.callAction("recusal-decision"))
			r.Get("/calls/{id}/opening.pdf", s.callDocument("opening"))
			r.Get("/calls/{id}/report.pdf", s.callDocument("report"))
			r.Get("/calls/{id}/awards/{aid}/notice.pdf", s.callDocument("award"))
			r.Get("/awards", s.fundedPage)
			r.Get("/awards.xlsx", s.exportProjects)
			r.Get("/calls.xlsx", s.exportCalls)
			r.Get("/awards/{id}", s.fundedProjectPage)
			r.Post("/awards/{id}/terms", s.setTerms)
			r.Post("/awards/{id}/confirmation", s.confirmContract)
			r.Get("/awards/{id}/contract.pdf", s.contractPDF)
			r.Post("/awards/{id}/sessions", s.deliveryAction("session"))
			r.Get("/awards/{id}/sessions.xlsx", s.exportSessions)
			r.Get("/awards/{id}/trainees.xlsx", s.exportTrainees)
			r.Post("/awards/{id}/trainees", s.deliveryAction("trainee"))
			r.Post("/awards/{id}/sessions/{sid}/attendance", s.deliveryAction("present"))
			r.Post("/awards/{id}/attendance/import", s.deliveryAction("import"))
			r.Post("/awards/{id}/sessions/{sid}/evidence", s.uploadEvidence)
			r.Get("/awards/{id}/evidence/{eid}", s.evidenceFile)
			r.Post("/awards/{id}/results", s.deliveryAction("results"))
			r.Post("/awards/{id}/spot-checks", s.deliveryAction("spot"))
			r.Post("/awards/{id}/reports", s.deliveryAction("report"))
			r.Get("/awards/{id}/trainees/{tid}/certificate.pdf", s.certificate)
			r.Post("/awards/{id}/trainees/{tid}/certificate", s.issueCertificate)
			r.Post("/awards/{id}/tranches/{n}/confirm", s.trancheAction(false))
			r.Post("/awards/{id}/tranches/{n}/payment", s.trancheAction(true))
			r.Get("/awards/{id}/evaluation", s.evaluationPage)
			r.Post("/awards/{id}/evaluations/{phase}/report", s.evalReport)
			r.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", s.evalScore)
			r.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", s.evalReportFile)
			r.Get("/awards/{id}/final-report.pdf", s.finalReportPDF)
			r.Post("/awards/{id}/archive/verify", s.verifyArchive)
			r.Get("/evaluations", s.assignmentsPage)
			r.Get("/admin/calendar", s.calendarPage)
			r.Post("/admin/calendar", s.saveCalendar)
			r.Get("/admin/audit", s.auditPage)
			r.Get("/admin/audit.xlsx", s.exportAudit)
			r.Get("/admin/users", s.usersPage)
			r.Get("/needs", s.needsPage)
			r.Get("/needs.xlsx", s.exportNeeds)
			r.Post("/needs", s.recordNeed)
			r.Get("/reports", s.reportsPage)
			r.Post("/reports/{street}/{quarter}/submit", s.submitReport)
			r.Get("/elderly", s.elderlyPage)
			r.Post("/elderly/import", s.importElderly)
			r.Get("/elderly/imports/{id}", s.elderlyImport)
			r.Get("/elderly/export.xlsx", s.exportElderly)
			r.Get("/elderly/template.xlsx", s.elderlyTemplate)
			r.Post("/elderly/{id}/reveal", s.revealElder)
			r.Get("/stats", s.statsPage)
			r.Get("/stats.pdf", s.statsPDF)
			r.Get("/stats.xlsx", s.statsExcel)
			r.Get("/volunteers", s.volunteersPage)
			r.Post("/volunteers", s.registerVolunteer)
			r.Get("/volunteers/template.xlsx", s.volunteerTemplate)
			r.Get("/volunteers/export.xlsx", s.exportVolunteers)
			r.Post("/volunteers/import", s.importVolunteers)
			r.Get("/volunteers/{id}", s.volunteerPage)
			r.Post("/institutions", s.registerInstitution)
			r.Post("/teams", s.registerTeam)
			r.Get("/teams/{id}", s.teamPage)
			r.Post("/teams/{id}/pairing", s.teamAction(false))
			r.Post("/teams/{id}/visits", s.teamAction(true))
			r.Post("/volunteers/{id}/pairs", s.pairVolunteer)
			r.Post("/volunteers/{id}/visits", s.logVisit)
			r.Get("/volunteers/{id}/statement.pdf", s.volunteerStatement)
			r.Get("/ideas", s.ideasPage)
			r.Get("/ideas.xlsx", s.exportIdeas)
			r.Post("/ideas", s.submitIdea)
			r.Post("/ideas/{id}/decision", s.decideIdea)
			r.Get("/projects", s.projectsPage)
			r.Get("/projects.xlsx", s.exportProposals)
			r.Post("/projects", s.addProposal)
			r.Get("/talents", s.talentsPage)
			r.Get("/talents.xlsx", s.exportTalents)
			r.Get("/talents/new", s.newTalentPage)
			r.Post("/talents", s.saveTalent)
			r.Get("/talents/{id}", s.talentPage)
			r.Post("/talents/{id}", s.saveTalent)
			r.Get("/areas", s.areasPage)
			r.Post("/areas", s.addArea)
			r.Post("/admin/users/{id}/reset-password", s.resetPassword)
			r.Post("/admin/users/{id}/disable", s.setDisabled(true))
			r.Post("/admin/users/{id}/enable", s.setDisabled(false))
			r.Get("/account", s.accountPage)
			r.Post("/account/password", s.changePassword)
			r.Post("/account/sessions/{sid}/revoke", s.revokeSession)
			r.Post("/account/tokens/{tid}/revoke", s.revokeToken)
			r.Get("/orgs", s.orgsPage)
			r.Get("/orgs.xlsx", s.exportOrgs)
			r.Get("/orgs/{id}", s.orgPage)
			r.Post("/orgs/{id}/reveal", s.revealOrg)
			r.Post("/orgs/{id}/review", s.reviewOrg)
			r.Post("/orgs/{id}/debarments", s.debarOrg)
			r.Get("/orgs/{id}/documents/{did}", s.downloadOrgDocument)
		})
	})

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(csrf.Handler)
		r.Get("/openapi.yaml", s.openAPI)
		r.Post("/tokens", s.apiCreateToken)
		r.Post("/organisations", s.apiRegisterOrg)
		r.Get("/public/calls", s.apiPublicCalls)
		r.Get("/public/results", s.apiPublicResults)
		r.Get("/public/contracts/{id}.pdf", s.publicContract)
		r.Get("/public/calls/{id}/ocds.json", s.apiPublicOCDS)
		r.Get("/public/calls/{id}", s.apiPublicCall)
		r.Post("/public/calls/{id}/objections", s.apiObject)
		r.Get("/calendar/{year}", s.apiCalendar)
		r.Post("/checkin", s.apiCheckIn)
		r.Group(func(r chi.Router) {
			r.Use(s.sessions.LoadAndSave, s.apiAuth)
			r.Get("/calls", s.apiListCalls)
			r.Post("/calls", s.apiCreateCall)
			r.Get("/calls/{id}", s.apiGetCall)
			r.Post("/calls/{id}/attachments", s.apiUploadAttachment)
			r.Get("/calls/{id}/attachments/{aid}/content", s.apiDownloadAttachment)
			r.Get("/calls/{id}/notice.pdf", s.apiDownloadNotice)
			r.Post("/calls/{id}/cancel", s.apiCancelCall)
			bid := s.bidAPIHandlers()
			r.Post("/calls/{id}/submit", bid["submit"])
			r.Post("/calls/{id}/publication", bid["publication"])
			r.Post("/calls/{id}/clarifications", bid["clarify"])
			r.Post("/calls/{id}/bids", s.apiSubmitBid)
			r.Get("/calls/{id}/bids", s.apiBids)
			r.Get("/calls/{id}/bids/mine", s.apiMyBids)
			r.Delete("/calls/{id}/bids/mine", bid["withdraw"])
			r.Get("/calls/{id}/bids/{bid}/documents/{part}", s.bidDocument)
			r.Post("/calls/{id}/qualification", bid["qualify"])
			r.Post("/calls/{id}/panel/redraw", bid["redraw"])
			r.Post("/calls/{id}/declaration", bid["declare"])
			r.Post("/calls/{id}/scores", bid["score"])
			r.Post("/calls/{id}/approval", bid["approve"])
			r.Post("/calls/{id}/objections/{oid}/answer", bid["answer"])
			r.Post("/calls/{id}/recusal-requests", bid["recusal"])
			r.Post("/calls/{id}/recusal-requests/{rid}/decision", bid["recusal-decision"])
			r.Get("/calls/{id}/opening.pdf", s.callDocument("opening"))
			r.Get("/calls/{id}/report.pdf", s.callDocument("report"))
			r.Get("/calls/{id}/awards/{aid}/notice.pdf", s.callDocument("award"))
			r.Put("/calendar/{year}", s.apiSetCalendar)
			r.Get("/notices", s.apiNotices)
			r.Get("/awards", s.apiFunded)
			r.Get("/awards.xlsx", s.exportProjects)
			r.Get("/calls.xlsx", s.exportCalls)
			r.Get("/awards/{id}", s.apiFundedProject)
			r.Post("/awards/{id}/terms", s.apiSetTerms)
			r.Post("/awards/{id}/confirmation", s.apiConfirmContract)
			r.Get("/awards/{id}/contract.pdf", s.contractPDF)
			r.Get("/awards/{id}/sessions", s.apiTrainingSessions)
			r.Post("/awards/{id}/sessions", s.apiPlanSession)
			r.Get("/awards/{id}/trainees", s.apiTrainees)
			r.Post("/awards/{id}/trainees", s.apiEnrol)
			r.Post("/awards/{id}/sessions/{sid}/attendance", s.apiMarkPresent)
			r.Post("/awards/{id}/attendance/import", s.apiImportAttendance)
			r.Get("/awards/{id}/kpis", s.apiKPIs)
			r.Get("/awards/{id}/tranches", s.apiTranches)
			r.Get("/awards/{id}/evidence", s.apiEvidence)
			r.Post("/awards/{id}/trainees/{tid}/results", s.apiResults)
			r.Get("/awards/{id}/spot-checks", s.apiSpotChecks)
			r.Get("/awards/{id}/reports", s.apiProgressReports)
			r.Post("/awards/{id}/reports", s.apiFileProgressReport)
			r.Post("/awards/{id}/spot-checks", s.apiRecordSpotCheck)
			r.Get("/awards/{id}/trainees/{tid}/certificate.pdf", s.certificate)
			r.Post("/awards/{id}/trainees/{tid}/certificate", s.issueCertificate)
			r.Post("/awards/{id}/sessions/{sid}/evidence", s.uploadEvidence)
			r.Get("/awards/{id}/evidence/{eid}", s.evidenceFile)
			r.Post("/awards/{id}/tranches/{n}/confirm", s.apiConfirmTranche)
			r.Post("/awards/{id}/tranches/{n}/payment", s.apiRecordPayment)
			r.Get("/awards/{id}/evaluations", s.apiEvaluations)
			r.Post("/awards/{id}/evaluations/{phase}/report", s.evalReport)
			r.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", s.evalScore)
			r.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", s.evalReportFile)
			r.Get("/awards/{id}/final-report.pdf", s.finalReportPDF)
			r.Get("/awards/{id}/archive", s.apiArchive)
			r.Post("/awards/{id}/archive/verify", s.verifyArchive)
			r.Get("/evaluations", s.apiAssignments)
			r.Get("/audit", s.apiAudit)
			r.Get("/tokens", s.apiTokens)
			r.Delete("/tokens/{tid}", s.apiRevokeToken)
			r.Get("/account/sessions", s.apiSessions)
			r.Delete("/account/sessions/{sid}", s.apiRevokeSession)
			r.Post("/account/password", s.apiChangePassword)
			r.Get("/users", s.apiUsers)
			r.Get("/needs", s.apiNeeds)
			r.Get("/needs.xlsx", s.exportNeeds)
			r.Post("/needs", s.apiRecordNeed)
			r.Get("/report-cycles", s.apiReportCycles)
			r.Post("/report-cycles/{street}/{quarter}/submit", s.apiSubmitReport)
			r.Get("/elderly", s.apiElderly)
			r.Post("/elderly/import", s.apiImportElderly)
			r.Get("/elderly/export.xlsx", s.exportElderly)
			r.Get("/elderly/template.xlsx", s.elderlyTemplate)
			r.Get("/elderly/counts", s.apiElderCounts)
			r.Post("/elderly/{id}/reveal", s.apiRevealElder)
			r.Get("/stats", s.apiStats)
			r.Get("/stats.pdf", s.statsPDF)
			r.Get("/stats.xlsx", s.statsExcel)
			r.Get("/volunteers", s.apiVolunteers)
			r.Post("/volunteers", s.apiRegisterVolunteer)
			r.Get("/volunteers/template.xlsx", s.volunteerTemplate)
			r.Get("/volunteers/export.xlsx", s.exportVolunteers)
			r.Post("/volunteers/import", s.importVolunteers)
			r.Get("/volunteer-organisations", s.apiVolunteerOrgs)
			r.Get("/volunteers/{id}", s.apiVolunteer)
			r.Get("/institutions", s.apiInstitutions)
			r.Post("/institutions", s.apiRegisterInstitution)
			r.Get("/teams", s.apiTeams)
			r.Post("/teams", s.apiRegisterTeam)
			r.Get("/teams/{id}", s.apiTeam)
			r.Post("/teams/{id}/pairing", s.apiPairTeam)
			r.Post("/teams/{id}/visits", s.apiTeamVisit)
			r.Get("/volunteers/{id}/statement.pdf", s.volunteerStatement)
			r.Post("/pairs", s.apiPair)
			r.Post("/visits", s.apiLogVisit)
			r.Get("/ideas", s.apiIdeas)
			r.Post("/ideas", s.apiSubmitIdea)
			r.Post("/ideas/{id}/decision", s.apiDecideIdea)
			r.Get("/proposals", s.apiProposals)
			r.Post("/proposals", s.apiAddProposal)
			r.Get("/talents", s.apiTalents)
			r.Post("/talents", s.apiSaveTalent)
			r.Get("/talents/{id}", s.apiTalent)
			r.Put("/talents/{id}", s.apiSaveTalent)
			r.Get("/areas", s.apiAreas)
			r.Post("/areas", s.apiAddArea)
			r.Post("/users/{id}/reset-password", s.apiResetPassword)
			r.Post("/users/{id}/disable", s.apiSetDisabled(true))
			r.Post("/users/{id}/enable", s.apiSetDisabled(false))
			r.Get("/organisations", s.apiListOrgs)
			r.Get("/organisations.xlsx", s.exportOrgs)
			r.Get("/organisations/{id}", s.apiGetOrg)
			r.Post("/organisations/{id}/reveal", s.apiRevealOrg)
			r.Post("/organisations/{id}/review", s.apiReviewOrg)
			r.Post("/organisations/{id}/debarments", s.apiDebarOrg)
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "not_found", "没有这个接口，请查看 /api/v1/openapi.yaml。", nil)
		})
	})
	// the Temporal Web UI's payload codec endpoint, for signed-in admins
	s.temporalCodecRoutes(r)
	r.NotFound(s.notFound)
	return r
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Duration("took", time.Since(start)))
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz reports whether PostgreSQL, Temporal and the object store answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]func(context.Context) error{
		"postgres": s.Store.Ping,
		"temporal": func(ctx context.Context) error {
			_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		},
		"s3": s.Blob.Ping,
	}
	status := http.StatusOK
	out := map[string]string{}
	if s.Stopping != nil && s.Stopping() {
		status, out["server"] = http.StatusServiceUnavailable, "stopping"
	}
	for name, check := range checks {
		if err := check(ctx); err != nil {
			status = http.StatusServiceUnavailable
			out[name] = "unavailable"
			s.Logger.Warn("readiness check failed", "component", name, "err", err)
			continue
		}
		out[name] = "ok"
	}
	writeJSON(w, status, out)
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	b, _ := assets.ReadFile("openapi.yaml")
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = w.Write(b)
}

// Routes lists every route as "METHOD /pattern" (for the role-matrix test,
// which must cover each one).
func (s *Server) Routes() ([]string, error) {
	var out []string
	err := chi.Walk(s.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, method+" "+route)
		return nil
	})
	return out, err
}
