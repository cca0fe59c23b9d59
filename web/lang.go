package web

import (
	"net/http"
	"net/url"
	"time"

	"grantflow/internal/i18n"
)

// switchLanguage keeps the person's choice of language (?to=en or zh) and
// goes back to the page they were on (only a page of this site).
func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	l := i18n.Chinese
	if i18n.Lang(r.URL.Query().Get("to")) == i18n.English {
		l = i18n.English
	}
	http.SetCookie(w, &http.Cookie{Name: i18n.Cookie, Value: string(l), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" && ref.Path != "/lang" {
		back = ref.RequestURI()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// tr translates a message built in Go (chart series, notices) into the
// request's language.
func (s *Server) tr(r *http.Request, key string, args ...any) string {
	return s.cat.T(i18n.Of(r), key, args...)
}

// langRoutes mounts the routes this file serves (see mounts).
func (s *Server) langRoutes(m mounts) {
	// 中文 / English: the choice is kept in a cookie.
	m.public.Get("/lang", s.switchLanguage)
}
