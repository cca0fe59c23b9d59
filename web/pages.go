package web

import (
	"net"
	"net/http"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/i18n"
)

// pageData is what every page's layout needs.
type pageData struct {
	Title string
	User  *domain.User
	Nav   string
	Flash string
}

// sessionFlash is the session key of a message shown once on the next page.
const sessionFlash = "flash"

// redirectFlash answers a successful POST: it keeps done in the session and
// redirects to to, whose page shows it once. The message never travels in
// the URL, so nobody can put text of their choice on a page with a link.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, to, done string) {
	if hasSession(r.Context()) {
		s.sessions.Put(r.Context(), sessionFlash, done)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) page(r *http.Request, title string) pageData {
	p := pageData{Title: title}
	if hasSession(r.Context()) {
		p.Flash = s.sessions.PopString(r.Context(), sessionFlash)
	}
	if u, ok := currentUser(r.Context()); ok {
		p.User = &u
	}
	return p
}

// can tells templates whether the user may do an action on a district.
func (p pageData) Can(action string, district string) bool {
	return p.User != nil && auth.Authorize(*p.User, auth.Action(action), district) == nil
}

func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	if err := s.views.render(w, i18n.Of(r), status, page, data); err != nil {
		s.Logger.Error("render", "page", page, "err", err)
		http.Error(w, "页面显示出错，请刷新重试。", http.StatusInternalServerError)
	}
}

func userOf(r *http.Request) domain.User {
	u, _ := currentUser(r.Context())
	return u
}

// actorOf is the signed-in user and where the request came from, for the
// policy and the audit log.
func actorOf(r *http.Request) domain.Actor {
	return domain.ActorOf(userOf(r), clientIP(r))
}

func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
