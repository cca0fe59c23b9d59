package web

// The adapters beside answer.go for what is neither a page nor a JSON
// value: documents to download (workbooks: answer_sheets.go), multipart
// uploads read into
// an action's input (for a page form and the API alike), a POST answered
// with a page rather than a redirect, and the API's answer after a change.

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/i18n"
	"grantflow/internal/service"
)

// isAPI reports a request under /api/v1.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/v1/") }

// failAny answers with a JSON error under /api/v1 and an error page
// elsewhere: for routes the page and the API share (downloads).
func (s *Server) failAny(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiFail(w, r, err)
		return
	}
	s.fail(w, r, err)
}

// download answers a GET with the document fetch returns: inline (a PDF
// the browser shows) or as an attachment to save.
func download(s *Server, inline bool, fetch func(r *http.Request) (service.Document, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := fetch(r)
		if err != nil {
			s.failAny(w, r, err)
			return
		}
		sendDocument(w, d, inline)
	}
}

// parseUpload parses a multipart body of at most limit bytes: the fields
// into r.PostForm, the files for formFile. A body that is too large is
// refused with tooBig; one that is not a multipart form reads as an empty
// form (the missing file is then named by formFile).
func parseUpload(r *http.Request, limit int64, tooLarge string) error {
	if r.MultipartForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, limit+1<<20)
	err := r.ParseMultipartForm(8 << 20)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil || errors.Is(err, http.ErrNotMultipart):
		return nil
	case errors.As(err, &tooBig):
		return domain.Errorf(domain.CodeInvalid, "%s", tooLarge)
	}
	return domain.Wrap(err, domain.CodeInvalid, domain.ErrorMessage(errFormUnreadable))
}

// formFile is the file uploaded as field (after parseUpload); missing is
// the refusal, naming what to upload, when none came.
func formFile(r *http.Request, field, missing string) (service.File, error) {
	var f service.File
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return f, &domain.Error{Code: domain.CodeInvalid, Message: missing, Fields: map[string]string{field: missing}}
	}
	hdr := r.MultipartForm.File[field][0]
	file, err := hdr.Open()
	if err != nil {
		return f, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
	}
	defer file.Close()
	if f.Data, err = io.ReadAll(file); err != nil {
		return f, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
	}
	f.Name = hdr.Filename
	return f, nil
}

// The refusals of an upload without its file or with one too large.
const (
	errNoFile    = "没有收到文件，请选择要上传的文件后再提交。"
	errFileLarge = "文件超过 20 MB，请压缩或拆分后再上传。"
)

// upload is the input of an action that takes one file (an import, a
// voucher): the file and the page form's idempotency key.
type upload struct {
	keyed
	File service.File
}

func (in *upload) readForm(r *http.Request) error {
	if err := parseUpload(r, service.MaxAttachmentBytes, errFileLarge); err != nil {
		return err
	}
	in.Key = r.PostForm.Get("key")
	var err error
	in.File, err = formFile(r, "file", errNoFile)
	return err
}

// keyed is embedded in the input of a write that may safely be sent
// twice: the page form's hidden key field, or the API's Idempotency-Key
// header.
type keyed struct {
	Key string `json:"-"`
}

func (k keyed) key(r *http.Request) string {
	if k.Key != "" {
		return k.Key
	}
	return r.Header.Get("Idempotency-Key")
}

// statused is a value answered with a status of its own (an import whose
// rows were refused: 422 with the problems; a refused check-in page).
type statused interface{ status() int }

func statusOr(v any, st int) int {
	if x, ok := v.(statused); ok && x.status() != 0 {
		return x.status()
	}
	return st
}

// apiUpload answers an API write sent as a multipart form: readForm reads
// it as it reads the page's form, then as apiWrite (a statused value sets
// its own status).
func apiUpload[In, Out any, PI formInput[In]](s *Server, status int, do action[In, Out]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		var out Out
		err := PI(&in).readForm(r)
		if err == nil {
			out, err = do(r, &in)
		}
		s.answerJSON(w, r, statusOr(out, status), out, err)
	}
}

// jsonOr answers a JSON body with asJSON and any other (a multipart form)
// with other: for API routes that take either.
func jsonOr(asJSON, other http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			asJSON(w, r)
			return
		}
		other(w, r)
	}
}

// formPage answers a POST whose answer is a page, not a redirect (a
// check-in's result, data revealed once, a new password shown once): it
// reads the form into In and shows the page do builds, with its status
// when it is statused, or a redirect when it is redirecting; an error is
// the error page.
func formPage[In, D any, PI formInput[In]](s *Server, name string, do func(r *http.Request, in *In) (D, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		var d D
		err := r.ParseForm()
		if err != nil {
			err = errFormUnreadable
		}
		if err == nil {
			err = PI(&in).readForm(r)
		}
		if err == nil {
			d, err = do(r, &in)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if to, ok := any(d).(redirecting); ok && to.redirect() != "" {
			http.Redirect(w, r, to.redirect(), http.StatusSeeOther)
			return
		}
		s.show(w, r, statusOr(d, http.StatusOK), name, d)
	}
}

// redirecting is a page value that, when it names a place, is answered
// with a redirect there instead (a sign-in that succeeded).
type redirecting interface{ redirect() string }

// noStore marks an answer that must not be kept (personal data revealed,
// a password shown once).
func noStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// andThen is do followed by read: the API answers a change with the
// resource as it now is.
func andThen[In, A, Out any](do action[In, A], read func(r *http.Request) (Out, error)) action[In, Out] {
	return func(r *http.Request, in *In) (Out, error) {
		if _, err := do(r, in); err != nil {
			var zero Out
			return zero, err
		}
		return read(r)
	}
}

// apiNoContent answers an API write that returns nothing with 204.
func apiNoContent[In, Out any](s *Server, do action[In, Out]) http.HandlerFunc {
	h := apiWrite(s, http.StatusNoContent, do)
	return func(w http.ResponseWriter, r *http.Request) { h(&bodiless{ResponseWriter: w}, r) }
}

// bodiless keeps a 204 answer without a body or a content type (an error
// answer passes as it is).
type bodiless struct {
	http.ResponseWriter
	empty bool
}

func (b *bodiless) WriteHeader(code int) {
	if b.empty = code == http.StatusNoContent; b.empty {
		b.Header().Del("Content-Type")
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *bodiless) Write(p []byte) (int, error) {
	if b.empty {
		return len(p), nil
	}
	return b.ResponseWriter.Write(p)
}

// idParam is a numeric path parameter (0 when it is not a number: the
// service then answers not found).
func idParam(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id
}

func (k *keyed) readForm(r *http.Request) error {
	k.Key = r.PostForm.Get("key")
	return nil
}

// noBody is an action whose input a page form fills (a key) as the API
// calls it, without a body.
func noBody[In, Out any](do action[In, Out]) action[none, Out] {
	return func(r *http.Request, _ *none) (Out, error) {
		var in In
		return do(r, &in)
	}
}

// progress is a background job as a poll sees it: its state, whether it
// still runs, and the page that shows it.
type progress[D any] struct {
	Of      D
	Running bool
	Page    string
}

// poll answers the page's poll (htmx) of a background job: while it runs,
// the block of page rendered with its state; when it is done, a refresh of
// the page (which shows the outcome); opened directly, a redirect there.
func poll[D any](s *Server, page, block string, load func(r *http.Request) (progress[D], error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := load(r)
		switch {
		case err != nil:
			s.fail(w, r, err)
		case r.Header.Get("HX-Request") == "":
			http.Redirect(w, r, p.Page, http.StatusSeeOther)
		case !p.Running:
			w.Header().Set("HX-Refresh", "true")
		default:
			if err := s.views.renderFragment(w, i18n.Of(r), page, block, p.Of); err != nil {
				s.Logger.Error("render", "page", page+"/"+block, "err", err)
			}
		}
	}
}
