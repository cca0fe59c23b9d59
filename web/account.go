package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

type accountPage struct {
	pageData
	Sessions       []store.Session
	Tokens         []store.APIToken
	CurrentSession string
	refusal
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

// passwordRequest is a new password with the current one.
type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (in *passwordRequest) readForm(r *http.Request) error {
	in.Current, in.New = r.PostForm.Get("current"), r.PostForm.Get("new")
	return nil
}

// changePassword changes the person's password; their other sign-ins end.
func (s *Server) changePassword(r *http.Request, in *passwordRequest) (none, error) {
	return none{}, s.Accounts.ChangePassword(r.Context(), actorOf(r), in.Current, in.New, s.sessions.Token(r.Context()))
}

// revokeSession ends one of the person's sign-ins ({sid}).
func (s *Server) revokeSession(r *http.Request, _ *none) (none, error) {
	return none{}, s.Store.RevokeSession(r.Context(), chi.URLParam(r, "sid"), actorOf(r))
}

// revokeToken revokes one of the person's API tokens ({tid}).
func (s *Server) revokeToken(r *http.Request, _ *none) (none, error) {
	return none{}, s.Store.RevokeAPIToken(r.Context(), idParam(r, "tid"), actorOf(r))
}

func (s *Server) listTokens(r *http.Request) (list[store.APIToken], error) {
	tokens, err := s.Store.APITokens(r.Context(), userOf(r).ID)
	return listOf(tokens), err
}

func (s *Server) listSignIns(r *http.Request) (list[store.Session], error) {
	sessions, err := s.Store.Sessions(r.Context(), userOf(r).ID)
	return listOf(sessions), err
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

// newPassword is a password reset by an admin, shown once.
type newPassword struct {
	Password string `json:"password"`
	user     int64
}

// resetPassword gives a user ({id}) a new password and ends the sign-in
// limits on their name.
func (s *Server) resetPassword(r *http.Request, _ *none) (newPassword, error) {
	id := idParam(r, "id")
	pw, err := s.Accounts.ResetPassword(r.Context(), actorOf(r), id)
	if err == nil {
		err = s.unlockUser(r, id)
	}
	return newPassword{pw, id}, err
}

// resetPasswordPage shows the new password once, on the page that answers
// the POST (never in a URL).
func (s *Server) resetPasswordPage(r *http.Request, in *none) (usersPage, error) {
	pw, err := s.resetPassword(r, in)
	if err != nil {
		return usersPage{}, err
	}
	data, err := s.loadUsersPage(r)
	for _, u := range data.Users {
		if u.ID == pw.user {
			data.For = u.DisplayName + "（" + u.Username + "）"
		}
	}
	data.NewPassword = pw.Password
	return data, err
}

// unlockUser ends the sign-in limits on a user's name (after a reset).
func (s *Server) unlockUser(r *http.Request, id int64) error {
	u, err := s.Store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.unlockSignIn(r.Context(), u.Username)
}

// disableUser disables an account ({id}): no more sign-ins, its sessions
// and tokens end.
func (s *Server) disableUser(r *http.Request, _ *none) (domain.User, error) {
	return s.setDisabled(r, true)
}

// enableUser re-enables an account ({id}).
func (s *Server) enableUser(r *http.Request, _ *none) (domain.User, error) {
	return s.setDisabled(r, false)
}

func (s *Server) setDisabled(r *http.Request, disabled bool) (domain.User, error) {
	id := idParam(r, "id")
	if err := s.Accounts.SetDisabled(r.Context(), actorOf(r), id, disabled); err != nil {
		return domain.User{}, err
	}
	return s.Store.UserByID(r.Context(), id)
}

func (s *Server) listUsers(r *http.Request) (list[domain.User], error) {
	users, err := s.Accounts.Users(r.Context(), actorOf(r), r.URL.Query().Get("after"))
	return listOf(users), err
}

// toPage is a form's success that goes to the page to with flash.
func toPage[In, Out any](to, flash string) func(*In, Out) done {
	return func(*In, Out) done { return done{To: to, Flash: flash} }
}

// accountRoutes mounts the routes this file serves (see mounts).
func (s *Server) accountRoutes(m mounts) {
	accountAgain := showAgain[accountPage, *accountPage, none](s, "account", s.loadAccountPage, nil)
	m.pages.Get("/admin/users", view(s, "users", s.loadUsersPage))
	m.pages.Post("/admin/users/{id}/reset-password", noStore(formPage(s, "users", s.resetPasswordPage)))
	m.pages.Post("/admin/users/{id}/disable", form(s, s.disableUser,
		toPage[none, domain.User]("/admin/users", "账号已停用：不能再登录，现有登录和 API 令牌已全部失效。"), nil))
	m.pages.Post("/admin/users/{id}/enable", form(s, s.enableUser, toPage[none, domain.User]("/admin/users", "账号已恢复，可以重新登录。"), nil))
	m.pages.Get("/account", view(s, "account", s.loadAccountPage))
	m.pages.Post("/account/password", form(s, s.changePassword, toPage[passwordRequest, none]("/account", "密码已修改，您在其他设备上的登录已全部退出。"),
		showAgain[accountPage, *accountPage, passwordRequest](s, "account", s.loadAccountPage, nil)))
	m.pages.Post("/account/sessions/{sid}/revoke", form(s, s.revokeSession, toPage[none, none]("/account", "该登录已退出。"), accountAgain))
	m.pages.Post("/account/tokens/{tid}/revoke", form(s, s.revokeToken, toPage[none, none]("/account", "API 令牌已撤销。"), accountAgain))
	m.api.Get("/tokens", apiRead(s, s.listTokens))
	m.api.Delete("/tokens/{tid}", apiNoContent(s, s.revokeToken))
	m.api.Get("/account/sessions", apiRead(s, s.listSignIns))
	m.api.Delete("/account/sessions/{sid}", apiNoContent(s, s.revokeSession))
	m.api.Post("/account/password", apiNoContent(s, s.changePassword))
	m.api.Get("/users", apiRead(s, s.listUsers))
	m.api.Post("/users/{id}/reset-password", noStore(apiWrite(s, http.StatusOK, s.resetPassword)))
	m.api.Post("/users/{id}/disable", apiWrite(s, http.StatusOK, s.disableUser))
	m.api.Post("/users/{id}/enable", apiWrite(s, http.StatusOK, s.enableUser))
}
