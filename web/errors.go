package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"grantflow/internal/domain"
	"grantflow/internal/i18n"
)

// status maps a domain error code to an HTTP status: the one place that does.
func status(err error) int {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid:
		return http.StatusUnprocessableEntity
	case domain.CodeNotFound:
		return http.StatusNotFound
	case domain.CodeForbidden:
		return http.StatusForbidden
	case domain.CodeConflict:
		return http.StatusConflict
	case domain.CodeUnauthorized:
		return http.StatusUnauthorized
	case domain.CodeUnavailable:
		return http.StatusServiceUnavailable
	case domain.CodeTooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorPage struct {
	pageData
	Status  int
	Message string
}

// fail shows an error page: the safe Chinese message to the person, the
// details to the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := status(err)
	if st >= 500 {
		s.Logger.Error("request failed", "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path, "err", err)
	} else {
		s.Logger.Info("request refused", "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path, "err", err)
	}
	data := errorPage{pageData: s.page(r, "出错了"), Status: st, Message: domain.ErrorMessage(err)}
	if rerr := s.views.render(w, i18n.Of(r), st, "error", data); rerr != nil {
		s.Logger.Error("render error page", "err", rerr)
		http.Error(w, data.Message, st)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, domain.Errorf(domain.CodeNotFound, "页面不存在，请从首页重新进入。"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, code, message string, fields map[string]string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: message, Fields: fields}})
}

// apiFail answers an API request with the error as JSON.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	st := status(err)
	if st >= 500 {
		s.Logger.Error("api request failed", "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path, "err", err)
	}
	var fields map[string]string
	var de *domain.Error
	if errors.As(err, &de) {
		fields = de.Fields
	}
	writeJSONError(w, st, string(domain.ErrorCode(err)), domain.ErrorMessage(err), fields)
}

// fieldsOf is the per-field messages of a validation error (nil otherwise),
// for a form to show next to its inputs.
func fieldsOf(err error) map[string]string { return domain.FieldsOf(err) }
