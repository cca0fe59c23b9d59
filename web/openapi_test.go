package web

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
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
	doc := loadAPIDoc(t)
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

// describedTypes are the Go types whose JSON the components of
// web/openapi.yaml describe: what the handlers encode (and, for Plan,
// ProjectIdea and TalentEntry, decode).
var describedTypes = map[string]any{
	"APIToken": store.APIToken{}, "ArchiveProblem": service.ArchiveProblem{},
	"ArchiveReport": service.ArchiveReport{}, "ArchivedObject": store.ArchivedObject{}, "Area": domain.Area{},
	"Attachment": domain.Attachment{}, "AuditEntry": domain.AuditEntry{}, "Award": domain.Award{}, "Bid": domain.Bid{},
	"BidContent": domain.BidContent{}, "BudgetItem": domain.BudgetItem{}, "CalendarDay": domain.CalendarDay{},
	"CalendarYear": service.CalendarYear{}, "Call": service.CallView{}, "CallDecision": domain.CallDecision{},
	"CallPage": service.CallPage{}, "CheckInResult": service.CheckInResult{}, "Clarification": domain.Clarification{},
	"Consent": domain.Consent{}, "ContractTerms": domain.ContractTerms{}, "Criterion": domain.Criterion{},
	"Debarment": apiDebarment{}, "DeliveryKPIs": store.DeliveryKPIs{}, "DistrictStats": store.DistrictStats{},
	"DossierParts": service.DossierParts{}, "Elder": domain.Elder{}, "Employment": domain.Employment{},
	"EvalCriterion": domain.EvalCriterion{}, "EvalOutcome": domain.EvalOutcome{}, "EvalSheet": domain.EvalSheet{},
	"Evaluation": domain.Evaluation{}, "Evaluator": domain.Evaluator{}, "Evidence": domain.Evidence{},
	"ExpertMark": service.ExpertMark{}, "Idea": domain.Idea{}, "ImportProblem": domain.ImportProblem{},
	"ImportResult": service.ImportResult{}, "Institution": domain.Institution{}, "Need": domain.Need{},
	"Notice": domain.Notice{}, "OCDSAward": domain.OCDSAward{}, "OCDSContract": domain.OCDSContract{},
	"OCDSIdentifier": domain.OCDSIdentifier{}, "OCDSImplementation": domain.OCDSImplementation{},
	"OCDSOrgRef": domain.OCDSOrgRef{}, "OCDSPackage": domain.OCDSPackage{}, "OCDSPackagePublisher": domain.OCDSPackagePublisher{},
	"OCDSParty": domain.OCDSParty{}, "OCDSPeriod": domain.OCDSPeriod{}, "OCDSRelease": domain.OCDSRelease{},
	"OCDSTender": domain.OCDSTender{}, "OCDSTransaction": domain.OCDSTransaction{}, "OCDSValue": domain.OCDSValue{},
	"ObjectionView": service.ObjectionView{}, "OpenedBid": service.OpenedBid{}, "OrgGrade": store.OrgGrade{},
	"Organisation": domain.Organisation{}, "Pair": store.Pair{}, "PanelSeat": service.PanelSeat{},
	"PartDigest": domain.PartDigest{}, "Plan": domain.Plan{}, "ProgrammeRow": store.ProgrammeRow{},
	"ProgressReport": domain.ProgressReport{}, "Project": domain.Project{}, "ProjectIdea": domain.ProposalDraft{},
	"Proposal": domain.Proposal{}, "PublicCall": service.PublicCall{}, "PublicCallPage": service.PublicCallPage{},
	"PublicDossier": service.PublicDossier{}, "PublicObjection": service.PublicObjection{}, "PublicResult": service.PublicResult{},
	"Receipt": domain.Receipt{}, "RecusalRequest": domain.RecusalRequest{}, "RegisterSnapshot": domain.RegisterSnapshot{},
	"Relation": domain.Relation{}, "ReportCycle": store.ReportCycle{}, "ResultView": service.ResultView{},
	"RollUp": domain.RollUp{}, "ScoreSheet": domain.ScoreSheet{}, "SealedPart": domain.SealedPart{},
	"Session": store.Session{}, "SpotCheck": domain.SpotCheck{}, "Talent": domain.Talent{}, "TalentEntry": domain.TalentEntry{},
	"Team": domain.Team{}, "TeamMember": domain.TeamMember{}, "Trainee": domain.Trainee{},
	"TraineeResults": domain.TraineeResults{}, "TrainingSession": domain.TrainingSession{}, "Tranche": domain.Tranche{},
	"TrancheState": domain.TrancheState{}, "User": domain.User{}, "Visit": domain.Visit{}, "Volunteer": domain.Volunteer{},
	"VolunteerOrg": store.VolunteerOrg{},
}

// jsonFields are the names encoding/json gives a struct's fields (embedded
// structs flattened, the outer field winning) and whether each is always
// sent (no omitempty or omitzero).
func jsonFields(t reflect.Type, out map[string]bool) {
	var own []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		et := f.Type
		if et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if f.Anonymous && name == "" && et.Kind() == reflect.Struct {
			sub := map[string]bool{}
			jsonFields(et, sub)
			for k, v := range sub {
				if _, ok := out[k]; !ok {
					out[k] = v && f.Type.Kind() != reflect.Pointer
				}
			}
			continue
		}
		own = append(own, f)
	}
	for _, f := range own {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero")
	}
}

// TestOpenAPIComponentsMatchTheirGoTypes: each component of web/openapi.yaml
// names exactly the fields its Go type sends, and requires exactly those it
// always sends — so a field added to (or dropped from) a type the API
// answers with fails here, before any integration test, until the
// description says so.
func TestOpenAPIComponentsMatchTheirGoTypes(t *testing.T) {
	doc := loadAPIDoc(t)
	inputs := map[string]bool{"Plan": true, "ProjectIdea": true, "TalentEntry": true} // requests: required is what must be sent
	for name, v := range describedTypes {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("%s: no such component", name)
			continue
		}
		s := ref.Value
		fields := map[string]bool{}
		jsonFields(reflect.TypeOf(v), fields)
		for f, always := range fields {
			if s.Properties[f] == nil {
				t.Errorf("%s: %T sends %q, the description does not name it", name, v, f)
				continue
			}
			if !inputs[name] && always != slices.Contains(s.Required, f) {
				t.Errorf("%s: %q is always sent: %v, required: %v", name, f, always, !always)
			}
		}
		for p := range s.Properties {
			if _, ok := fields[p]; !ok {
				t.Errorf("%s: the description names %q, %T has no such field", name, p, v)
			}
		}
	}
}

// loadAPIDoc is the embedded API description, parsed.
func loadAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	raw, err := assets.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
