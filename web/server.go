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
	Library       *service.Library
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

	var m mounts
	r.Group(func(r chi.Router) {
		r.Use(csrf.Handler, s.sessions.LoadAndSave, s.loadUser)
		m.public = r
		m.pages = r.With(s.requireUser)
	})
	api := chi.NewRouter()
	api.Use(csrf.Handler)
	m.publicAPI = api
	m.api = api.With(s.sessions.LoadAndSave, s.apiAuth)
	api.Get("/openapi.yaml", s.openAPI)
	for _, mount := range []func(mounts){
		s.sessionRoutes, s.langRoutes, s.accountRoutes, s.auditRoutes, s.areaRoutes,
		s.homeRoutes, s.callRoutes, s.callPageRoutes, s.callNewRoutes, s.callActionRoutes, s.bidRoutes,
		s.callDocumentRoutes, s.portalRoutes, s.calendarRoutes, s.callExportRoutes,
		s.contractRoutes, s.trancheRoutes, s.trainingSessionRoutes, s.traineeRoutes, s.attendanceRoutes, s.checkinRoutes,
		s.evidenceRoutes, s.certificateRoutes, s.spotCheckRoutes, s.progressReportRoutes, s.evaluationRoutes, s.archiveRoutes,
		s.needRoutes, s.elderlyRoutes, s.statsRoutes, s.volunteerRoutes, s.teamRoutes,
		s.libraryRoutes, s.talentRoutes, s.orgRoutes,
	} {
		mount(m)
	}
	api.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "没有这个接口，请查看 /api/v1/openapi.yaml。", nil)
	})
	r.Mount("/api/v1", api)
	// the Temporal Web UI's payload codec endpoint, for signed-in admins
	s.temporalCodecRoutes(r)
	r.NotFound(s.notFound)
	return r
}

// mounts are the four routers a resource's routes go on; each resource file
// has one function that mounts its routes on them (callRoutes, …), so the
// routes of a resource are found beside its handlers.
type mounts struct {
	// public: pages anyone may open (the session is loaded: sign-in, the
	// portal, check-in); pages: pages for signed-in people.
	public, pages chi.Router
	// publicAPI: /api/v1 without a token; api: with a token or session.
	publicAPI, api chi.Router
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
