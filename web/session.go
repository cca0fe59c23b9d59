package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
)

// hasSession reports whether the request's session is loaded (pages and the
// API load it; health checks and static files do not).
func hasSession(ctx context.Context) bool {
	ok, _ := ctx.Value(sessionKey).(bool)
	return ok
}

const sessionUserID = "user_id"

func currentUser(ctx context.Context) (domain.User, bool) {
	u, ok := ctx.Value(userKey).(domain.User)
	return u, ok
}

func withUser(ctx context.Context, u domain.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// loadUser puts the signed-in user (if any) into the request context.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), sessionKey, true))
		id := s.sessions.GetInt64(r.Context(), sessionUserID)
		if id != 0 {
			u, err := s.Store.UserByID(r.Context(), id)
			if err == nil && !u.Disabled {
				r = r.WithContext(withUser(r.Context(), u))
			} else if err == nil || domain.ErrorCode(err) == domain.CodeNotFound {
				_ = s.sessions.Destroy(r.Context())
			} else {
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser sends people who are not signed in to the login page.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := currentUser(r.Context()); !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type loginPage struct {
	pageData
	Username string
	Next     string
	Error    string
	code     int    // a refused sign-in's status
	to       string // after signing in: where to go
}

func (p loginPage) status() int      { return p.code }
func (p loginPage) redirect() string { return p.to }

// safeNext is where to go after signing in: next if it is a path on this
// site, "/" otherwise. Only printable ASCII is accepted (browsers drop tabs
// and newlines anywhere in a URL and spaces and controls at its ends, so
// "/\t/evil.example" would become "//evil.example"), no backslash (browsers
// read "/\" as "//"), and neither the path as written nor as decoded may
// start with "//": nothing that a browser or a proxy could read as another
// host.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	if next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, "\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.show(w, r, http.StatusOK, "login", loginPage{pageData: s.page(r, "登录"), Next: safeNext(r.URL.Query().Get("next"))})
}

// checkCredentials returns the user whose password matches, or an
// unauthorized error that does not say which half was wrong. Failures are
// limited per address and username, per address and per username (see
// throttle.go); a limited attempt is refused before its password is hashed.
// Every attempt on an account is audited.
func (s *Server) checkCredentials(r *http.Request, username, password, via string) (domain.User, error) {
	ctx := r.Context()
	wrong := domain.Errorf(domain.CodeUnauthorized, "用户名或密码不正确，请重新输入。连续输错 %d 次，账号将被临时锁定 %d 分钟。",
		pairFailures, int(pairWindow.Minutes()))
	username = strings.TrimSpace(username)
	limits := signInLimitsFor(clientIP(r), username)
	if until, err := s.signInRefused(ctx, limits); err != nil {
		return domain.User{}, err
	} else if !until.IsZero() {
		return domain.User{}, tooManySignIns(until)
	}
	u, hash, err := s.Store.UserByUsername(ctx, username)
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeNotFound {
			return domain.User{}, err
		}
		// spend the same time as a real check, so timing does not tell
		// whether the username exists
		_, _ = auth.CheckPassword(dummyHash, password)
		if until, err := s.signInFailed(ctx, limits); err != nil {
			return domain.User{}, err
		} else if !until.IsZero() {
			return domain.User{}, tooManySignIns(until)
		}
		return domain.User{}, wrong
	}
	by := domain.ActorOf(u, clientIP(r))
	ok, err := auth.CheckPassword(hash, password)
	if err != nil {
		return domain.User{}, err
	}
	if !ok {
		until, err := s.signInFailed(ctx, limits)
		if err != nil {
			return domain.User{}, err
		}
		if err := s.Store.LoginFailed(ctx, by, !until.IsZero()); err != nil {
			return domain.User{}, err
		}
		if !until.IsZero() {
			return domain.User{}, tooManySignIns(until)
		}
		return domain.User{}, wrong
	}
	if u.Disabled {
		return domain.User{}, errDisabled
	}
	if err := s.signInSucceeded(ctx, limits); err != nil {
		return domain.User{}, err
	}
	if err := s.Store.LoginSucceeded(ctx, by, via); err != nil {
		return domain.User{}, err
	}
	return u, nil
}

var errDisabled = domain.Errorf(domain.CodeUnauthorized, "该账号已被停用，不能登录。如有疑问，请联系平台管理员。")

var dummyHash, _ = auth.HashPassword("grantflow-timing-equaliser")

// loginInput is a sign-in: the name, the password and where to go after.
type loginInput struct {
	Username, Password, Next string
}

func (in *loginInput) readForm(r *http.Request) error {
	in.Username, in.Password, in.Next = r.PostForm.Get("username"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	return nil
}

// signIn signs the person in on the page: a new session (a new token at
// sign-in prevents session fixation), then the page they came for; a wrong
// or limited attempt shows the form again.
func (s *Server) signIn(r *http.Request, in *loginInput) (loginPage, error) {
	u, err := s.checkCredentials(r, in.Username, in.Password, "web")
	if c := domain.ErrorCode(err); err != nil && (c == domain.CodeUnauthorized || c == domain.CodeTooMany) {
		return loginPage{pageData: s.page(r, "登录"), Username: in.Username, Next: in.Next, Error: domain.ErrorMessage(err), code: status(err)}, nil
	} else if err != nil {
		return loginPage{}, err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return loginPage{}, err
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID)
	if err := s.Store.RecordSession(r.Context(), s.sessions.Token(r.Context()), domain.ActorOf(u, clientIP(r)), r.UserAgent()); err != nil {
		return loginPage{}, err
	}
	return loginPage{to: in.Next}, nil
}

// signedOut is the answer to signing out: the sign-in page.
type signedOut struct{}

func (signedOut) redirect() string { return "/login" }

// signOut ends the person's session.
func (s *Server) signOut(r *http.Request, _ *none) (signedOut, error) {
	if err := s.Store.ForgetSession(r.Context(), s.sessions.Token(r.Context())); err != nil {
		return signedOut{}, err
	}
	return signedOut{}, s.sessions.Destroy(r.Context())
}

// apiAuth accepts a bearer API token, or the browser session.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), sessionKey, true))
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeJSONError(w, http.StatusUnauthorized, "unauthorized", "Authorization 头须为 “Bearer <令牌>”。", nil)
				return
			}
			u, err := s.Store.UserByAPIToken(r.Context(), strings.TrimSpace(token))
			if err != nil {
				s.apiFail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
			return
		}
		if id := s.sessions.GetInt64(r.Context(), sessionUserID); id != 0 {
			if u, err := s.Store.UserByID(r.Context(), id); err == nil && !u.Disabled {
				next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="grantflow"`)
		writeJSONError(w, http.StatusUnauthorized, "unauthorized", "请先申请 API 令牌（POST /api/v1/tokens），并以 Authorization: Bearer <令牌> 调用。", nil)
	})
}

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// newToken is an API token issued, shown once.
type newToken struct {
	Token     string      `json:"token"`
	Name      string      `json:"name"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      domain.User `json:"user"`
}

// createToken issues an API token for a username and password. The token
// is shown once; only its hash is kept. It expires after TokenTTL.
func (s *Server) createToken(r *http.Request, in *tokenRequest) (newToken, error) {
	u, err := s.checkCredentials(r, in.Username, in.Password, "api")
	if err != nil {
		return newToken{}, err
	}
	token, err := auth.NewToken()
	if err != nil {
		return newToken{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "api " + time.Now().In(domain.ChinaTime).Format("2006-01-02 15:04")
	}
	expires, err := s.Store.CreateAPIToken(r.Context(), token, name, s.TokenTTL, domain.ActorOf(u, clientIP(r)))
	return newToken{token, name, expires, u}, err
}

// sessionRoutes mounts the routes this file serves (see mounts).
func (s *Server) sessionRoutes(m mounts) {
	m.public.Get("/login", s.loginPage)
	m.public.Post("/login", formPage(s, "login", s.signIn))
	m.public.Post("/logout", formPage[none, signedOut](s, "", s.signOut))
	m.publicAPI.Post("/tokens", apiWrite(s, http.StatusCreated, s.createToken))
}
