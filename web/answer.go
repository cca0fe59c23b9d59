package web

// One way to write a handler. An action reads its input, calls a service
// and returns its result or an error; it never writes the response. The
// adapters in this file (and answer_files.go: downloads, uploads, a POST
// answered with a page; answer_sheets.go: Excel exports) are the only code
// that does: view and form answer people (a template; after a POST, a
// redirect that carries a message once, or the form again with what to
// fix), apiRead and apiWrite answer programs (the value as JSON with its
// status, or the error object). The
// page route and the API route of one action share the action and its
// input type and differ only in the adapter.

import (
	"net/http"

	"grantflow/internal/domain"
)

// errFormUnreadable refuses a form body that cannot be parsed at all (too
// large, malformed encoding): the one place this message is written.
var errFormUnreadable = domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。")

// done is a form action's success: the page to go to and the message it
// shows once.
type done struct {
	To    string
	Flash string
}

// formInput is an action's input as a page form fills it in. The adapter
// has parsed the form (r.PostForm); readForm copies and converts its
// values, and refuses what it cannot read with the field named
// (domain.FieldErrors). The same type decodes from JSON for the API.
type formInput[In any] interface {
	*In
	readForm(r *http.Request) error
}

// refusable is a page that can show a refused form again: the message and
// the per-field messages beside the inputs.
type refusable interface {
	refuse(err error)
}

// refusal is embedded in a page that shows a form: what was refused and
// why, field by field.
type refusal struct {
	Error  string
	Errors map[string]string
}

func (f *refusal) refuse(err error) {
	f.Error, f.Errors = domain.ErrorMessage(err), domain.FieldsOf(err)
}

// correctable reports whether the person can fix err on the same form: a
// refusal of what was sent or a conflict with the current state; anything
// else (not found, forbidden, unavailable, internal) is an error page.
func correctable(err error) bool {
	c := domain.ErrorCode(err)
	return c == domain.CodeInvalid || c == domain.CodeConflict
}

// view answers a GET with the page name, showing what load returns.
func view[D any](s *Server, name string, load func(r *http.Request) (D, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := load(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.show(w, r, http.StatusOK, name, d)
	}
}

// again shows a form's page once more after a correctable refusal: load
// builds the page, fill puts the person's input back into it.
type again[In any] func(w http.ResponseWriter, r *http.Request, in *In, err error)

// showAgain is the usual again: the page name, built by load, with fill
// putting the input back, and the refusal shown with the refusal's status.
func showAgain[D any, PD interface {
	*D
	refusable
}, In any](s *Server, name string, load func(r *http.Request) (D, error), fill func(d *D, in *In)) again[In] {
	return func(w http.ResponseWriter, r *http.Request, in *In, err error) {
		d, lerr := load(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		if fill != nil {
			fill(&d, in)
		}
		PD(&d).refuse(err)
		s.show(w, r, status(err), name, d)
	}
}

// action is what one route does, for a page and the API alike: it reads
// in, calls a service and returns the result.
type action[In, Out any] func(r *http.Request, in *In) (Out, error)

// form answers a page form's POST: it reads the form into In, runs do and
// redirects where then says, with its message; a correctable refusal shows
// the form again (when reshow is given), anything else the error page.
func form[In, Out any, PI formInput[In]](s *Server, do action[In, Out], then func(in *In, out Out) done, reshow again[In]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		d, err := func() (done, error) {
			if err := r.ParseForm(); err != nil {
				return done{}, errFormUnreadable
			}
			if err := PI(&in).readForm(r); err != nil {
				return done{}, err
			}
			out, err := do(r, &in)
			if err != nil {
				return done{}, err
			}
			return then(&in, out), nil
		}()
		switch {
		case err == nil:
			s.redirectFlash(w, r, d.To, d.Flash)
		case reshow != nil && correctable(err):
			reshow(w, r, &in, err)
		default:
			s.fail(w, r, err)
		}
	}
}

// apiRead answers an API GET with read's value as JSON.
func apiRead[Out any](s *Server, read func(r *http.Request) (Out, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := read(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// none is the input of an action that takes no body (submit, withdraw…).
type none struct{}

// apiWrite answers an API write: it decodes the JSON body into In (an
// action whose In is none takes no body: one that is sent must be an empty
// object, so a field sent to it is refused by name rather than ignored),
// runs do and writes its value with status. A value with a Location
// (created) sets the header.
func apiWrite[In, Out any](s *Server, status int, do action[In, Out]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if _, empty := any(in).(none); !empty || r.ContentLength > 0 {
			if err := decodeJSON(r, &in); err != nil {
				s.apiFail(w, r, err)
				return
			}
		}
		out, err := do(r, &in)
		s.answerJSON(w, r, status, out, err)
	}
}

// answerJSON writes an API write's value with status, or its error.
func (s *Server) answerJSON(w http.ResponseWriter, r *http.Request, status int, out any, err error) {
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if l, ok := out.(located); ok {
		w.Header().Set("Location", l.location())
	}
	writeJSON(w, status, out)
}

// readForm: a none input reads nothing from a form either.
func (*none) readForm(*http.Request) error { return nil }

// requestKey is a write's idempotency key, which makes a double click or a
// retried request one action: the hidden key of a page's form, the
// Idempotency-Key header of an API request.
func requestKey(r *http.Request) string {
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		return k
	}
	return r.PostForm.Get("key")
}

// located is a created resource's value that names its URL.
type located interface{ location() string }

// list is the API's list envelope: the items (never null) and, for a
// paged list, the paging beside them.
type list[T any] struct {
	Items []T `json:"items"`
	*paging
}

// paging is where a page of a long list stands.
type paging struct {
	Total   int `json:"total"`
	Page    int `json:"page,omitempty"`
	PerPage int `json:"per_page,omitempty"`
}

// listOf is an unpaged list.
func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}

// pageOf is one page of a list of total items.
func pageOf[T any](items []T, total, page, perPage int) list[T] {
	l := listOf(items)
	l.paging = &paging{Total: total, Page: page, PerPage: perPage}
	return l
}
