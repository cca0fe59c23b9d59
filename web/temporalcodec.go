package web

import (
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"

	"grantflow/internal/auth"
)

// The payload codec endpoint of the Temporal codec server protocol: the
// Temporal Web UI (or `temporal … --codec-endpoint`) POSTs
// {"payloads":[…]} to …/decode and …/encode and shows what comes back.
// Workflow payloads are sealed under the PII keys (internal/temporalconn),
// so this is the only way to read them outside GrantFlow, and only a
// signed-in admin may: by the session cookie (the UI sends it when its codec
// setting "include credentials" is on) or an API token (Authorization:
// Bearer). Even an admin never reads the payloads sealed until the law makes
// them public (bids, drafts, panels, scores, who objected:
// domain.SealedUntilPublic): the codec answers temporalconn.Withheld for
// them. The UI runs on another origin: the configured one
// (GRANTFLOW_TEMPORAL_UI_ORIGIN) gets CORS answers with credentials and
// passes the cross-origin check; every other origin is refused.
const temporalCodecPath = "/admin/temporal-codec"

// temporalCodecRoutes registers the endpoint on r.
func (s *Server) temporalCodecRoutes(r interface {
	Post(string, http.HandlerFunc)
	Options(string, http.HandlerFunc)
}) {
	h := s.temporalCodecHandler()
	for _, op := range []string{"/encode", "/decode"} {
		r.Post(temporalCodecPath+op, h.ServeHTTP)
		r.Options(temporalCodecPath+op, h.ServeHTTP)
	}
}

func (s *Server) temporalCodecHandler() http.Handler {
	origin := strings.TrimSuffix(s.TemporalUIOrigin, "/")
	csrf := http.NewCrossOriginProtection()
	if origin != "" {
		if err := csrf.AddTrustedOrigin(origin); err != nil {
			s.Logger.Error("GRANTFLOW_TEMPORAL_UI_ORIGIN is not an origin; the Temporal Web UI cannot use the codec endpoint", "origin", origin, "err", err)
		}
	}
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusForbidden, "forbidden", "Temporal 数据解码接口只接受本平台及已配置的 Temporal Web UI 的请求。", nil)
	}))
	var codec http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "Temporal 数据解码接口未配置。", nil)
	})
	if s.PayloadCodec != nil {
		codec = converter.NewPayloadCodecHTTPHandler(s.PayloadCodec)
	}
	admin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Authorize(userOf(r), auth.ActionDecodeTemporal, ""); err != nil {
			s.apiFail(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
		// who read workflow payloads, and of which namespace, is logged
		s.Logger.Info("temporal codec", "op", r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:],
			"user_id", userOf(r).ID, "username", userOf(r).Username, "namespace", r.Header.Get("X-Namespace"))
		codec.ServeHTTP(w, r)
	})
	// no credentials at all: refused before apiAuth (which would ask for
	// a token) — the endpoint is for signed-in admins, nobody else
	signedIn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" && s.sessions.GetInt64(r.Context(), sessionUserID) == 0 {
				writeJSONError(w, http.StatusForbidden, "forbidden", "请以管理员身份登录后再解读 Temporal 工作流数据。", nil)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	authed := csrf.Handler(s.sessions.LoadAndSave(signedIn(s.apiAuth(admin))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" && o == origin {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		} else if r.Method == http.MethodOptions {
			// a preflight from an origin that is not the UI's
			writeJSONError(w, http.StatusForbidden, "forbidden", "Temporal 数据解码接口只接受本平台及已配置的 Temporal Web UI 的请求。", nil)
			return
		}
		authed.ServeHTTP(w, r)
	})
}
