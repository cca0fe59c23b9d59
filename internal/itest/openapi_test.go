package itest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The API's description, web/openapi.yaml, loaded once per test process:
// every exchange a test has with /api/v1/... through the harness (h.do,
// h.api, h.upload) is checked against it (checkExchange), so a route, a
// field or a status that drifts from the description fails the test that
// sent it.
var (
	apiSpecOnce   sync.Once
	apiSpecRouter routers.Router
	apiSpecErr    error
)

func apiRouter() (routers.Router, error) {
	apiSpecOnce.Do(func() {
		// format: uuid is not checked unless defined; the IDs the API
		// sends and takes are UUIDs (RFC 9562)
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(repoRoot(), "web", "openapi.yaml"))
		if err != nil {
			apiSpecErr = fmt.Errorf("load web/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			apiSpecErr = fmt.Errorf("web/openapi.yaml is not valid: %w", err)
			return
		}
		// servers: [/api/v1] is relative; the router matches it on any host
		apiSpecRouter, apiSpecErr = gorillamux.NewRouter(doc)
	})
	return apiSpecRouter, apiSpecErr
}

// apiOptions: the harness authenticates for real (the server checks the
// token), so the description's security requirements are accepted here;
// a status the operation does not document is a failure, and so is a body
// sent to an operation that takes none.
var apiOptions = &openapi3filter.Options{
	AuthenticationFunc:                func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	IncludeResponseStatus:             true,
	RejectWhenRequestBodyNotSpecified: true,
	MultiError:                        true,
}

// checkExchange checks one request to /api/v1/... and its answer against
// web/openapi.yaml and reports every difference as an error of the test:
//   - a request the description has no operation for;
//   - a request the description calls invalid that the server accepted (a
//     2xx answer). Tests send invalid requests on purpose to see them refused;
//     a refusal (4xx) of such a request agrees with the description;
//   - an answer whose status the operation does not document, or whose JSON
//     body does not match the documented schema (every JSON body, of every
//     status, 4xx and 5xx included), or that has no body where the
//     description documents a JSON one; for binary answers (PDF, workbooks,
//     CSV, documents) the status and content type.
func checkExchange(t *testing.T, base, method, path, token, contentType, body string, header map[string]string, r response) {
	t.Helper()
	if !strings.HasPrefix(path, "/api/v1/") {
		return
	}
	router, err := apiRouter()
	if err != nil {
		t.Errorf("OpenAPI: %v", err)
		return
	}
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Errorf("OpenAPI: %s %s: %v", method, path, err)
		return
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	where := fmt.Sprintf("%s %s → %d", method, path, r.status)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("OpenAPI: %s: the description has no operation for this request (%v)", where, err)
		return
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: apiOptions}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && r.status/100 == 2 {
		t.Errorf("OpenAPI: %s (operation %s %s): the server accepted a request the description refuses: %s", where, method, route.Path, short(err))
	}
	ct := r.header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
	opts := *apiOptions
	opts.ExcludeResponseBody = !isJSON || len(r.body) == 0
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("OpenAPI: %s (operation %s %s): the answer differs from the description: %s", where, method, route.Path, short(err))
		return
	}
	// ValidateResponse passes a body the description documents no content
	// for, and an empty one where it documents JSON, and does not look at
	// binary ones: the content type must be a documented one, and a JSON
	// answer must have its body (only a panic's 500 has none)
	resp := route.Operation.Responses.Status(r.status)
	if resp == nil || resp.Value == nil {
		return
	}
	content := resp.Value.Content
	switch {
	case len(r.body) == 0 && r.status < 500 && content.Get("application/json") != nil && len(content) == 1:
		t.Errorf("OpenAPI: %s (operation %s %s): the answer has no body, the description documents a JSON one", where, method, route.Path)
	case len(content) == 0 && len(r.body) > 0:
		t.Errorf("OpenAPI: %s (operation %s %s): the answer has a %q body, the description documents none", where, method, route.Path, ct)
	case len(content) > 0 && len(r.body) > 0 && content.Get(ct) == nil:
		t.Errorf("OpenAPI: %s (operation %s %s): the answer's content type %q is not among the documented %v", where, method, route.Path, ct, keys(content))
	}
}

func keys(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	return out
}

// short bounds a validation error (kin-openapi appends the schema and the
// value) to what a reader needs.
func short(err error) string {
	s := err.Error()
	if len(s) > 1500 {
		s = s[:1500] + " …"
	}
	return s
}
