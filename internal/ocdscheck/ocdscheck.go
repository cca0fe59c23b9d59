// Package ocdscheck holds GrantFlow's OCDS release packages to the
// official OCDS 1.1 release-package schema (vendored from
// open-contracting/standard, tag 1__1__5, in schema/) and to the common
// checks of the OCDS Data Review Tool. Tests use it: the domain's packages
// at every stage, and the packages the server serves.
package ocdscheck

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"grantflow/internal/domain"
)

//go:embed schema/release-package-schema.json schema/release-schema.json
var files embed.FS

const (
	packageURL = "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
	releaseURL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
)

var (
	once   sync.Once
	schema *jsonschema.Schema
	errSch error
)

// Schema is the compiled release-package schema; the release schema it
// refers to by URL is the embedded copy (nothing is downloaded).
func Schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		c.AssertFormat()
		for url, file := range map[string]string{packageURL: "schema/release-package-schema.json", releaseURL: "schema/release-schema.json"} {
			b, err := files.ReadFile(file)
			if err != nil {
				errSch = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				errSch = err
				return
			}
			if errSch = c.AddResource(url, doc); errSch != nil {
				return
			}
		}
		schema, errSch = c.Compile(packageURL)
	})
	return schema, errSch
}

// Problems validates a release package (as served) against the schema and
// the Data Review Tool's common checks, each problem a sentence:
//   - the package uri is absolute; it has a license and a publication policy;
//   - every date is in China Standard Time (+08:00);
//   - no field is empty ("", [] or {}: the tool's empty-field check);
//   - every ocid starts with prefix; release IDs are unique, dates in order;
//   - each release shows the status it had at its date: the tender release
//     active, a cancellation cancelled, a failure unsuccessful, later
//     releases complete; a contract active at signing and in payments,
//     terminated at its end;
//   - tender amendments: each with an id, date, rationale and description,
//     pointing at its own release and the one it amends; a tenderAmendment
//     release carries its amendment at its date; no release drops an
//     amendment an earlier one showed, and none shows an amendment dated
//     after it;
//   - the latest release is the compiled view: merging the releases by
//     the OCDS merge rules gives what it shows;
//   - numberOfTenderers matches tender.tenderers; every tenderer, supplier,
//     payer, payee and the buyer is in parties with that role;
//   - organisation identifiers are 统一社会信用代码 under CN-USCI.
func Problems(body []byte, prefix string) []string {
	var out problems
	sch, err := Schema()
	if err != nil {
		return []string{"schema: " + err.Error()}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if err := sch.Validate(inst); err != nil {
		out.bad("not valid against the OCDS 1.1 release-package schema: %v", err)
	}
	var pkg domain.OCDSPackage
	if err := json.Unmarshal(body, &pkg); err != nil {
		return append(out, "not a release package: "+err.Error())
	}
	if u, err := url.Parse(pkg.URI); err != nil || !u.IsAbs() || u.Host == "" {
		out.bad("package uri %q is not an absolute URI", pkg.URI)
	}
	for _, f := range []struct{ name, v string }{{"license", pkg.License}, {"publicationPolicy", pkg.PublicationPolicy}} {
		if u, err := url.Parse(f.v); err != nil || !u.IsAbs() || u.Host == "" {
			out.bad("package %s %q is not an absolute URI", f.name, f.v)
		}
	}
	out.compiled(inst)
	empties(inst, "", func(path string) { out.bad("%s is empty: leave it out", path) })
	dates(inst, "", func(path, v string) {
		if !strings.HasSuffix(v, "+08:00") {
			out.bad("%s = %s, not in +08:00", path, v)
		}
	})
	ids := map[string]bool{}
	for i, r := range pkg.Releases {
		out.amendments(pkg.Releases, i)
		if !strings.HasPrefix(r.OCID, prefix+"-") || !strings.HasPrefix(r.ID, r.OCID+"-") {
			out.bad("release %d: ocid %q, id %q: want the prefix %s", i, r.OCID, r.ID, prefix)
		}
		if ids[r.ID] {
			out.bad("release id %s twice", r.ID)
		}
		ids[r.ID] = true
		if i > 0 && r.Date.Before(pkg.Releases[i-1].Date) {
			out.bad("release %s is dated before the release ahead of it", r.ID)
		}
		if r.Date.After(pkg.PublishedDate) {
			out.bad("release %s is dated after the package", r.ID)
		}
		if len(r.Tag) != 1 {
			out.bad("release %s: tags %v", r.ID, r.Tag)
			continue
		}
		out.statuses(r, r.Tag[0])
		out.parties(r, r.Tag[0])
	}
	return out
}

// problems are the sentences Problems returns.
type problems []string

func (out *problems) bad(f string, a ...any) { *out = append(*out, fmt.Sprintf(f, a...)) }

// statuses checks that a release shows the tender's and its contracts'
// status at its date.
func (out *problems) statuses(r domain.OCDSRelease, tag string) {
	want := map[string]string{"tender": "active", "tenderAmendment": "active", "tenderCancellation": "cancelled", "tenderUpdate": "unsuccessful"}[tag]
	if want == "" {
		want = "complete"
	}
	if r.Tender.Status != want {
		out.bad("the %s release shows the tender %s, want %s", tag, r.Tender.Status, want)
	}
	for _, ct := range r.Contracts {
		want := map[string]string{"contract": "active", "implementation": "active", "contractTermination": "terminated"}[tag]
		if ct.Status != want {
			out.bad("the %s release shows contract %s %s, want %s", tag, ct.ID, ct.Status, want)
		}
	}
}

// compiled checks that the releases merged by the OCDS merge rules (in
// date order, the later value winning; objects merged by key, arrays of
// objects with ids by id) are what the latest release shows: each release
// is the whole process as it stood, so nothing an earlier one said is left
// standing that the latest no longer says.
func (out *problems) compiled(inst any) {
	pkg, _ := inst.(map[string]any)
	rs, _ := pkg["releases"].([]any)
	if len(rs) == 0 {
		return
	}
	var merged any = map[string]any{}
	for _, r := range rs {
		merged = merge(merged, r)
	}
	last, _ := rs[len(rs)-1].(map[string]any)
	m, _ := merged.(map[string]any)
	for k, v := range m {
		if k == "id" || k == "date" || k == "tag" {
			continue
		}
		if !reflect.DeepEqual(v, last[k]) {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(last[k])
			out.bad("the compiled release's %s is %.300s, the latest release shows %.300s", k, a, b)
		}
	}
}

// merge is OCDS's merge of release b over what a compiled: null removes
// a field, objects merge field by field, arrays of objects with ids merge
// by id, anything else b replaces.
func merge(a, b any) any {
	switch bv := b.(type) {
	case map[string]any:
		am, _ := a.(map[string]any)
		out := map[string]any{}
		for k, v := range am {
			out[k] = v
		}
		for k, v := range bv {
			if v == nil {
				delete(out, k)
				continue
			}
			out[k] = merge(out[k], v)
		}
		return out
	case []any:
		al, _ := a.([]any)
		if !withIDs(bv) || !withIDs(al) {
			return bv
		}
		out := slices.Clone(al)
		at := map[any]int{}
		for i, x := range out {
			at[x.(map[string]any)["id"]] = i
		}
		for _, x := range bv {
			id := x.(map[string]any)["id"]
			if i, ok := at[id]; ok {
				out[i] = merge(out[i], x)
				continue
			}
			at[id] = len(out)
			out = append(out, merge(nil, x))
		}
		return out
	}
	return b
}

// withIDs reports whether every item of l is an object with an id.
func withIDs(l []any) bool {
	for _, x := range l {
		if m, ok := x.(map[string]any); !ok || m["id"] == nil {
			return false
		}
	}
	return true
}

// amendments checks the tender amendments release i shows.
func (out *problems) amendments(rs []domain.OCDSRelease, i int) {
	r := rs[i]
	release := map[string]int{}
	for j, x := range rs {
		release[x.ID] = j
	}
	seen := map[string]bool{}
	own := false
	for _, a := range r.Tender.Amendments {
		if a.ID == "" || a.Rationale == "" || a.Description == "" || a.Date.IsZero() {
			out.bad("release %s: amendment %+v lacks its id, date, rationale or description", r.ID, a)
		}
		if seen[a.ID] {
			out.bad("release %s shows amendment %s twice", r.ID, a.ID)
		}
		seen[a.ID] = true
		if a.Date.After(r.Date) {
			out.bad("release %s shows amendment %s, dated after it", r.ID, a.ID)
		}
		j, ok := release[a.ReleaseID]
		if !ok || !slices.Equal(rs[j].Tag, []string{"tenderAmendment"}) || !rs[j].Date.Equal(a.Date) {
			out.bad("release %s: amendment %s names release %q, not its tenderAmendment release", r.ID, a.ID, a.ReleaseID)
		}
		if k, ok := release[a.AmendsReleaseID]; !ok || k >= j {
			out.bad("release %s: amendment %s amends release %q, not one before it", r.ID, a.ID, a.AmendsReleaseID)
		}
		own = own || a.ReleaseID == r.ID
	}
	if len(r.Tag) == 1 && r.Tag[0] == "tenderAmendment" && !own {
		out.bad("the tenderAmendment release %s does not carry its amendment", r.ID)
	}
	if i == 0 {
		return
	}
	for _, a := range rs[i-1].Tender.Amendments {
		if !seen[a.ID] {
			out.bad("release %s drops amendment %s that release %s showed", r.ID, a.ID, rs[i-1].ID)
		}
	}
}

// parties checks a release's parties: each once, identified by its
// 统一社会信用代码, and every buyer, tenderer, supplier, payer and payee
// among them in that role.
func (out *problems) parties(r domain.OCDSRelease, tag string) {
	party := map[string]domain.OCDSParty{}
	for _, p := range r.Parties {
		if _, dup := party[p.ID]; dup {
			out.bad("the %s release lists party %s twice", tag, p.ID)
		}
		party[p.ID] = p
		if id := p.Identifier; id != nil {
			if id.Scheme != domain.OCDSSchemeUSCI || !domain.ValidUSCC(id.ID) || p.ID != domain.OCDSSchemeUSCI+"-"+id.ID {
				out.bad("the %s release: party %s has identifier %+v, want its 统一社会信用代码 under %s", tag, p.ID, *id, domain.OCDSSchemeUSCI)
			}
		}
	}
	is := func(ref domain.OCDSOrgRef, role string) {
		if p, ok := party[ref.ID]; !ok || p.Name != ref.Name || !slices.Contains(p.Roles, role) {
			out.bad("the %s release: %s %s (%s) is not among the parties as %s", tag, role, ref.ID, ref.Name, role)
		}
	}
	is(r.Buyer, "buyer")
	if n := r.Tender.NumberOfTenderers; n != nil && *n != len(r.Tender.Tenderers) {
		out.bad("the %s release: numberOfTenderers %d, but %d tenderers", tag, *n, len(r.Tender.Tenderers))
	}
	if n := r.Tender.NumberOfTenderers; n == nil && len(r.Tender.Tenderers) > 0 {
		out.bad("the %s release lists tenderers but not their number", tag)
	}
	for _, ref := range r.Tender.Tenderers {
		is(ref, "tenderer")
	}
	for _, a := range r.Awards {
		for _, s := range a.Suppliers {
			is(s, "supplier")
			is(s, "tenderer")
		}
	}
	for _, ct := range r.Contracts {
		if ct.Implementation == nil {
			continue
		}
		for _, tx := range ct.Implementation.Transactions {
			is(tx.Payer, "buyer")
			is(tx.Payee, "supplier")
		}
	}
}

// empties calls f with the path of every empty string, array or object of
// a decoded OCDS document.
func empties(v any, path string, f func(path string)) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			f(path)
		}
		for k, x := range v {
			empties(x, path+"/"+k, f)
		}
	case []any:
		if len(v) == 0 {
			f(path)
		}
		for i, x := range v {
			empties(x, path+"/"+strconv.Itoa(i), f)
		}
	case string:
		if strings.TrimSpace(v) == "" {
			f(path)
		}
	}
}

// dates calls f with every date-time of a decoded OCDS document.
func dates(v any, path string, f func(path, v string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "date" || k == "publishedDate" || k == "dateSigned" || k == "startDate" || k == "endDate") {
				f(path+"/"+k, s)
				continue
			}
			dates(x, path+"/"+k, f)
		}
	case []any:
		for i, x := range v {
			dates(x, path+"/"+strconv.Itoa(i), f)
		}
	}
}
