package web

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDocumentIsValid loads web/openapi.yaml — the document served at
// /api/v1/openapi.yaml — with kin-openapi and validates it as OpenAPI 3.1
// (JSON Schema 2020-12 schemas, examples and defaults checked against their
// schemas). `make lint` runs it.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	raw, err := assets.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.yaml says openapi: %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(),
		openapi3.IsOpenAPI31OrLater(),
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
		openapi3.EnableMultiError(),
	); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3.1 document:\n%v", err)
	}
}

// TestOpenAPIAnswersAreDescribed: every body web/openapi.yaml documents, of
// every request and every answer, has a real schema — no object without
// its properties (or its additionalProperties, or a composition), no
// empty schema that any value matches, no JSON content without a schema —
// and every operation documents its 5xx answers: 500 (an internal error)
// and, where it reaches PostgreSQL, Temporal or the object store, 503.
func TestOpenAPIAnswersAreDescribed(t *testing.T) {
	raw, err := assets.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	var loose []string
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil {
			return
		}
		if ref.Ref != "" {
			return // a component: checked on its own below
		}
		s := ref.Value
		if s == nil {
			loose = append(loose, where+": unresolved")
			return
		}
		bare := *s
		bare.Description, bare.Example, bare.Default, bare.Extensions = "", nil, nil, nil
		if b, _ := json.Marshal(&bare); string(b) == "{}" {
			loose = append(loose, where+": empty schema")
		}
		if s.Type.Includes(openapi3.TypeObject) && len(s.Properties) == 0 && s.AdditionalProperties.Schema == nil &&
			s.AdditionalProperties.Has == nil && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 {
			loose = append(loose, where+": an object without properties")
		}
		for name, p := range s.Properties {
			walk(where+"/properties/"+name, p)
		}
		walk(where+"/items", s.Items)
		walk(where+"/additionalProperties", s.AdditionalProperties.Schema)
		for i, c := range s.AllOf {
			walk(fmt.Sprintf("%s/allOf/%d", where, i), c)
		}
		for i, c := range s.AnyOf {
			walk(fmt.Sprintf("%s/anyOf/%d", where, i), c)
		}
		for i, c := range s.OneOf {
			walk(fmt.Sprintf("%s/oneOf/%d", where, i), c)
		}
	}
	content := func(where string, c openapi3.Content) {
		for mt, m := range c {
			if strings.Contains(mt, "json") && m.Schema == nil {
				loose = append(loose, where+" "+mt+": no schema")
			}
			walk(where+" "+mt, m.Schema)
		}
	}
	for name, s := range doc.Components.Schemas {
		walk("#/components/schemas/"+name, &openapi3.SchemaRef{Value: s.Value})
	}
	for name, r := range doc.Components.Responses {
		content("#/components/responses/"+name, r.Value.Content)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content(where+" request", op.RequestBody.Value.Content)
			}
			for status, r := range op.Responses.Map() {
				if r.Ref == "" {
					content(where+" "+status, r.Value.Content)
				}
			}
			if op.Responses.Status(500) == nil {
				t.Errorf("%s documents no 500 answer", where)
			}
			if op.Responses.Status(503) == nil && path != "/openapi.yaml" {
				t.Errorf("%s documents no 503 answer", where)
			}
		}
	}
	sort.Strings(loose)
	for _, l := range loose {
		t.Errorf("loose schema: %s", l)
	}
}
