package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

type accountPage struct {
	pageData
	Sessions       []store.Session
	Tokens         []store.APIToken
	CurrentSession string
	Errors         map[string]string
	Error          string
}

func (s *Server) loadAccountPage(r *http.Request) (accountPage, error) {
	u := userOf(r)
	sessions, err := s.Store.Sessions(r.Context(), u.ID)
	if err != nil {
		return accountPage{}, err
	}
	tokens, err := s.Store.APITokens(r.Context(), u.ID)
	if err != nil {
		return accountPage{}, err
	}
	p := s.page(r, "我的账号")
	p.Nav = "account"
	cur := ""
	for _, x := range sessions {
		if x.Token == s.sessions.Token(r.Context()) {
			cur = x.ID
		}
	}
	return accountPage{pageData: p, Sessions: sessions, Tokens: tokens, CurrentSession: cur}, nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadAccountPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "account", data)
}

func (s *Server) accountError(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadAccountPage(r)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	data.Error = domain.ErrorMessage(err)
	data.Errors = fieldsOf(err)
	s.show(w, r, status(err), "account", data)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	err := s.Accounts.ChangePassword(r.Context(), actorOf(r), r.PostFormValue("current"), r.PostFormValue("new"), s.sessions.Token(r.Context()))
	if err != nil {
		s.accountError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/account", "密码已修改，您在其他设备上的登录已全部退出。")
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeSession(r.Context(), chi.URLParam(r, "sid"), actorOf(r)); err != nil {
		s.accountError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/account", "该登录已退出。")
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	if err := s.Store.RevokeAPIToken(r.Context(), id, actorOf(r)); err != nil {
		s.accountError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/account", "API 令牌已撤销。")
}

type usersPage struct {
	pageData
	Users       []domain.User
	Next        string
	NewPassword string
	For         string
}

func (s *Server) loadUsersPage(r *http.Request) (usersPage, error) {
	users, err := s.Accounts.Users(r.Context(), actorOf(r), r.URL.Query().Get("after"))
	if err != nil {
		return usersPage{}, err
	}
	p := s.page(r, "用户管理")
	p.Nav = "users"
	data := usersPage{pageData: p, Users: users}
	if len(users) == 50 {
		data.Next = users[len(users)-1].Username
	}
	return data, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadUsersPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "users", data)
}

// resetPassword shows the new password once, on the page that answers the
// POST (never in a URL).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	pw, err := s.Accounts.ResetPassword(r.Context(), actorOf(r), id)
	if err == nil {
		err = s.unlockUser(r, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.loadUsersPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range data.Users {
		if u.ID == id {
			data.For = u.DisplayName + "（" + u.Username + "）"
		}
	}
	data.NewPassword = pw
	w.Header().Set("Cache-Control", "no-store")
	s.show(w, r, http.StatusOK, "users", data)
}

// unlockUser ends the sign-in limits on a user's name (after a reset).
func (s *Server) unlockUser(r *http.Request, id int64) error {
	u, err := s.Store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.unlockSignIn(r.Context(), u.Username)
}

// setDisabled disables or re-enables an account from the users page.
func (s *Server) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err := s.Accounts.SetDisabled(r.Context(), actorOf(r), id, disabled); err != nil {
			s.fail(w, r, err)
			return
		}
		done := "账号已恢复，可以重新登录。"
		if disabled {
			done = "账号已停用：不能再登录，现有登录和 API 令牌已全部失效。"
		}
		s.redirectFlash(w, r, "/admin/users", done)
	}
}

// API

func (s *Server) apiSetDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err := s.Accounts.SetDisabled(r.Context(), actorOf(r), id, disabled); err != nil {
			s.apiFail(w, r, err)
			return
		}
		u, err := s.Store.UserByID(r.Context(), id)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, u)
	}
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.Store.APITokens(r.Context(), userOf(r).ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if tokens == nil {
		tokens = []store.APIToken{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": tokens})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	if err := s.Store.RevokeAPIToken(r.Context(), id, actorOf(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) {
	sessions, err := s.Store.Sessions(r.Context(), userOf(r).ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if sessions == nil {
		sessions = []store.Session{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": sessions})
}

func (s *Server) apiRevokeSession(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeSession(r.Context(), chi.URLParam(r, "sid"), actorOf(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	err := decodeJSON(r, &req)
	if err == nil {
		err = s.Accounts.ChangePassword(r.Context(), actorOf(r), req.Current, req.New, s.sessions.Token(r.Context()))
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.Accounts.Users(r.Context(), actorOf(r), r.URL.Query().Get("after"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if users == nil {
		users = []domain.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": users})
}

func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	pw, err := s.Accounts.ResetPassword(r.Context(), actorOf(r), id)
	if err == nil {
		err = s.unlockUser(r, id)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"password": pw})
}

// accountRoutes mounts the routes this file serves (see mounts).
func (s *Server) accountRoutes(m mounts) {
	m.pages.Get("/admin/users", s.usersPage)
	m.pages.Post("/admin/users/{id}/reset-password", s.resetPassword)
	m.pages.Post("/admin/users/{id}/disable", s.setDisabled(true))
	m.pages.Post("/admin/users/{id}/enable", s.setDisabled(false))
	m.pages.Get("/account", s.accountPage)
	m.pages.Post("/account/password", s.changePassword)
	m.pages.Post("/account/sessions/{sid}/revoke", s.revokeSession)
	m.pages.Post("/account/tokens/{tid}/revoke", s.revokeToken)
	m.api.Get("/tokens", s.apiTokens)
	m.api.Delete("/tokens/{tid}", s.apiRevokeToken)
	m.api.Get("/account/sessions", s.apiSessions)
	m.api.Delete("/account/sessions/{sid}", s.apiRevokeSession)
	m.api.Post("/account/password", s.apiChangePassword)
	m.api.Get("/users", s.apiUsers)
	m.api.Post("/users/{id}/reset-password", s.apiResetPassword)
	m.api.Post("/users/{id}/disable", s.apiSetDisabled(true))
	m.api.Post("/users/{id}/enable", s.apiSetDisabled(false))
}
