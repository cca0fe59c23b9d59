package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// multipartRequest is a POST of a multipart form with fields and, when
// file is not nil, a file "file".
func multipartRequest(t *testing.T, path string, fields map[string]string, fileField string, file []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile(fileField, "a.pdf")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// An upload without its file is refused naming the file, not as an
// unreadable form; the other fields are read.
func TestUploadNamesTheMissingFile(t *testing.T) {
	r := multipartRequest(t, "/awards/x/tranches/1/payment", map[string]string{"voucher_no": "V-1", "key": "k"}, "", nil)
	var in paymentInput
	err := in.readForm(r)
	if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorMessage(err) != errNoFile || domain.FieldsOf(err)["file"] != errNoFile {
		t.Fatalf("missing file: %v", err)
	}
	if in.Voucher != "V-1" || in.Key != "k" {
		t.Errorf("fields not read: %+v", in)
	}
	r = multipartRequest(t, "/awards/x/sessions/1/evidence", map[string]string{"kind": "photo"}, "", nil)
	var ev evidenceInput
	if err := ev.readForm(r); domain.FieldsOf(err)["file"] != errEvidenceFile {
		t.Errorf("missing evidence: %v", err)
	}
}

// The registration reads a long name as it came (the service judges it)
// and leaves a missing certificate to the service, which names it with the
// other fields: never "表单内容无法读取".
func TestRegistrationFormReadsWhatCame(t *testing.T) {
	long := strings.Repeat("长", 10000)
	r := multipartRequest(t, "/register", map[string]string{"name": long, "uscc": "X", "consent": "yes"}, "", nil)
	var in registrationInput
	if err := in.readForm(r); err != nil {
		t.Fatalf("refused: %v", err)
	}
	if in.Org.Name != long || !in.Consent || in.Doc != nil {
		t.Errorf("read %d runes, consent %v, doc %v", len([]rune(in.Org.Name)), in.Consent, in.Doc != nil)
	}
	r = multipartRequest(t, "/register", map[string]string{"name": "n"}, "document", []byte("%PDF-1.4"))
	in = registrationInput{}
	if err := in.readForm(r); err != nil || in.DocName != "a.pdf" || string(in.Doc) != "%PDF-1.4" {
		t.Errorf("document: %v %q %q", err, in.DocName, in.Doc)
	}
}

// A file over the limit is refused saying so.
func TestUploadTooLarge(t *testing.T) {
	r := multipartRequest(t, "/api/v1/elderly/import", nil, "file", make([]byte, service.MaxAttachmentBytes+2<<20))
	var in upload
	if err := in.readForm(r); domain.ErrorMessage(err) != errFileLarge {
		t.Fatalf("too large: %v", err)
	}
}

// An API upload answers with its value's own status: an import whose rows
// were refused is 422 with the problems, in each import's shape.
func TestAPIUploadStatusOfItsValue(t *testing.T) {
	s := testServer(t)
	problems := service.ImportResult{Problems: []domain.ImportProblem{{Row: 2, Column: "姓名", Reason: "x"}}}
	for _, c := range []struct {
		name string
		h    http.HandlerFunc
		want int
		key  string
	}{
		{"attendance refused", apiUpload(s, http.StatusOK, func(*http.Request, *upload) (attendanceImport, error) {
			return attendanceImport{ImportResult: problems}, nil
		}), http.StatusUnprocessableEntity, "problems"},
		{"register refused", apiUpload(s, http.StatusCreated, func(*http.Request, *upload) (imported, error) { return imported{problems}, nil }),
			http.StatusUnprocessableEntity, "error"},
		{"register imported", apiUpload(s, http.StatusCreated, func(*http.Request, *upload) (imported, error) {
			return imported{service.ImportResult{Imported: 3}}, nil
		}), http.StatusCreated, "imported"},
		{"no file", apiUpload(s, http.StatusCreated, func(*http.Request, *upload) (imported, error) {
			t.Error("the action ran without its file")
			return imported{}, nil
		}), http.StatusUnprocessableEntity, "error"},
	} {
		var file []byte
		if c.name != "no file" {
			file = []byte("xlsx")
		}
		w := httptest.NewRecorder()
		c.h(w, multipartRequest(t, "/api/v1/x", nil, "file", file))
		var body map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != c.want || body[c.key] == nil {
			t.Errorf("%s: %d %s, want %d with %q", c.name, w.Code, w.Body, c.want, c.key)
		}
	}
}

// An API write that returns nothing answers 204 with no body and no
// content type.
func TestAPINoContent(t *testing.T) {
	s := testServer(t)
	w := httptest.NewRecorder()
	apiNoContent(s, func(*http.Request, *none) (none, error) { return none{}, nil })(w, httptest.NewRequest(http.MethodDelete, "/api/v1/tokens/1", nil))
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
		t.Errorf("%d %q %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
}

// A POST answered with a page redirects when its value names a place
// (signed in, signed out) and shows the page with its status otherwise.
func TestFormPageRedirectsOrShows(t *testing.T) {
	s := testServer(t)
	post := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("username=a"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	w := httptest.NewRecorder()
	formPage(s, "login", func(*http.Request, *loginInput) (loginPage, error) { return loginPage{to: "/calls"}, nil })(w, post())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/calls" {
		t.Errorf("signed in: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = httptest.NewRecorder()
	formPage(s, "login", func(r *http.Request, in *loginInput) (loginPage, error) {
		return loginPage{pageData: s.page(r, "登录"), Username: in.Username, Error: "用户名或密码不正确", code: http.StatusUnauthorized}, nil
	})(w, post())
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "用户名或密码不正确") {
		t.Errorf("refused: %d", w.Code)
	}
}
