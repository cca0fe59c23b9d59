package domain

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// OCDS 1.1 (Open Contracting Data Standard) structures for the public
// release package of a call (docs/domain.md §8): one ocid per call, one release
// per event — tender, award, contract, implementation (payments), and the
// contract's end — each showing the process as it stood at its date.

// OCDSDefaultPrefix is the ocid prefix a deployment has until the bureau
// registers its own with the OCDS helpdesk (GRANTFLOW_OCDS_PREFIX): a
// placeholder, not a registered prefix.
const OCDSDefaultPrefix = "ocds-gfcn01"

// OCDSSchemeUSCI is org-id.guide's scheme for the 统一社会信用代码
// (unified social credit identifier).
const OCDSSchemeUSCI = "CN-USCI"

var ocdsPrefixRE = regexp.MustCompile(`^ocds-[a-z0-9]{6}$`)

// ValidOCDSPrefix reports whether p has the form of a registered ocid
// prefix: "ocds-" and six lower-case letters or digits.
func ValidOCDSPrefix(p string) bool { return ocdsPrefixRE.MatchString(p) }

// OCDSPublisher is what a deployment says about itself in its packages.
type OCDSPublisher struct {
	Prefix            string // ocid prefix (ocds-xxxxxx)
	BaseURL           string // where the site is reached; package URIs are absolute under it
	License           string // the data's license (a URI)
	PublicationPolicy string // the publication policy (a URI)
}

type (
	// OCDSValue is an amount with its currency.
	OCDSValue struct {
		Amount   float64 `json:"amount"`
		Currency string  `json:"currency"`
	}
	// OCDSPeriod is a span of time; either end may be open.
	OCDSPeriod struct {
		StartDate *time.Time `json:"startDate,omitempty"`
		EndDate   *time.Time `json:"endDate,omitempty"`
	}
	// OCDSOrgRef names a party of the release by its id.
	OCDSOrgRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	// OCDSIdentifier is an organisation's identifier in a registered scheme.
	OCDSIdentifier struct {
		Scheme    string `json:"scheme"`
		ID        string `json:"id"`
		LegalName string `json:"legalName,omitempty"`
	}
	// OCDSParty is an organisation taking part in the process, with its roles.
	OCDSParty struct {
		ID         string          `json:"id"`
		Name       string          `json:"name"`
		Identifier *OCDSIdentifier `json:"identifier,omitempty"`
		Roles      []string        `json:"roles"`
	}
	// OCDSAmendment is a formal change to the tender: a material
	// clarification (澄清), dated at its publication.
	OCDSAmendment struct {
		ID              string    `json:"id"`
		Date            time.Time `json:"date"`
		Rationale       string    `json:"rationale"`
		Description     string    `json:"description"`
		AmendsReleaseID string    `json:"amendsReleaseID"`
		ReleaseID       string    `json:"releaseID"`
	}
	// OCDSTender is the call's tender section.
	OCDSTender struct {
		ID                       string          `json:"id"`
		Title                    string          `json:"title"`
		Status                   string          `json:"status"`
		ProcurementMethod        string          `json:"procurementMethod"`
		ProcurementMethodDetails string          `json:"procurementMethodDetails"`
		MainProcurementCategory  string          `json:"mainProcurementCategory"`
		Value                    OCDSValue       `json:"value"`
		TenderPeriod             *OCDSPeriod     `json:"tenderPeriod,omitempty"`
		NumberOfTenderers        *int            `json:"numberOfTenderers,omitempty"`
		Tenderers                []OCDSOrgRef    `json:"tenderers,omitempty"`
		Amendments               []OCDSAmendment `json:"amendments,omitempty"`
	}
	// OCDSAward is an award of the call.
	OCDSAward struct {
		ID        string       `json:"id"`
		Title     string       `json:"title"`
		Status    string       `json:"status"`
		Date      time.Time    `json:"date"`
		Value     OCDSValue    `json:"value"`
		Suppliers []OCDSOrgRef `json:"suppliers"`
	}
	// OCDSTransaction is a payment made under a contract.
	OCDSTransaction struct {
		ID    string     `json:"id"`
		Date  time.Time  `json:"date"`
		Value OCDSValue  `json:"value"`
		Payer OCDSOrgRef `json:"payer"`
		Payee OCDSOrgRef `json:"payee"`
	}
	// OCDSImplementation is a contract's implementation: its payments.
	OCDSImplementation struct {
		Transactions []OCDSTransaction `json:"transactions"`
	}
	// OCDSContract is a contract signed on an award.
	OCDSContract struct {
		ID             string              `json:"id"`
		AwardID        string              `json:"awardID"`
		Title          string              `json:"title"`
		Status         string              `json:"status"`
		Period         *OCDSPeriod         `json:"period,omitempty"`
		Value          OCDSValue           `json:"value"`
		DateSigned     *time.Time          `json:"dateSigned,omitempty"`
		Implementation *OCDSImplementation `json:"implementation,omitempty"`
	}
	// OCDSRelease is the process as it stood at one event.
	OCDSRelease struct {
		OCID           string         `json:"ocid"`
		ID             string         `json:"id"`
		Date           time.Time      `json:"date"`
		Tag            []string       `json:"tag"`
		InitiationType string         `json:"initiationType"`
		Language       string         `json:"language"`
		Parties        []OCDSParty    `json:"parties"`
		Buyer          OCDSOrgRef     `json:"buyer"`
		Tender         OCDSTender     `json:"tender"`
		Awards         []OCDSAward    `json:"awards,omitempty"`
		Contracts      []OCDSContract `json:"contracts,omitempty"`
	}
	// OCDSPackagePublisher is who publishes the package.
	OCDSPackagePublisher struct {
		Name string `json:"name"`
		URI  string `json:"uri,omitempty"`
	}
	// OCDSPackage is a release package: a call's releases with the publisher's metadata.
	OCDSPackage struct {
		URI               string               `json:"uri"`
		Version           string               `json:"version"`
		PublishedDate     time.Time            `json:"publishedDate"`
		Publisher         OCDSPackagePublisher `json:"publisher"`
		License           string               `json:"license,omitempty"`
		PublicationPolicy string               `json:"publicationPolicy,omitempty"`
		Releases          []OCDSRelease        `json:"releases"`
	}
)

func cny(f Fen) OCDSValue { return OCDSValue{Amount: float64(f) / 100, Currency: "CNY"} }

// ocdsTime is t in China Standard Time (+08:00), to the second.
func ocdsTime(t time.Time) time.Time { return t.In(ChinaTime).Truncate(time.Second) }

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = ocdsTime(t)
	return &t
}

// OCDSOrg is an organisation that bid on a call: what OCDS may say of it
// once the award is public (never its price or its documents).
type OCDSOrg struct {
	OrgID int64
	Name  string
	USCC  string // 统一社会信用代码
}

// partyID is the organisation's party ID: its credit code under the
// CN-USCI scheme, or its GrantFlow number when it has none.
func (o OCDSOrg) partyID() string {
	if o.USCC != "" {
		return OCDSSchemeUSCI + "-" + o.USCC
	}
	return fmt.Sprintf("org-%d", o.OrgID)
}

func (o OCDSOrg) party(roles ...string) OCDSParty {
	p := OCDSParty{ID: o.partyID(), Name: o.Name, Roles: roles}
	if o.USCC != "" {
		p.Identifier = &OCDSIdentifier{Scheme: OCDSSchemeUSCI, ID: o.USCC, LegalName: o.Name}
	}
	return p
}

// OCDSProject is what a funded project contributes: its contract and the
// tranches paid.
type OCDSProject struct {
	Award    Award
	Project  *Project
	Tranches []TrancheState
}

// OCDSReleases maps a published call to OCDS releases, one per event that
// has happened, in order, each as things stood at its date: the tender at
// publication (active, with the deadline it had then), each material
// clarification as a tender amendment (clars: the call's clarifications,
// public from their publication), its cancellation or failure, and once
// the call is awarded the award (with its tenderers, the organisations
// whose bids were opened), each contract at its signing, its payments and
// its end. Only
// what is public goes in: nothing of the bids but who made them, and that
// only from the award; no personal data, no voucher numbers.
func OCDSReleases(prefix string, c Call, clars []Clarification, buyer string, tenderers []OCDSOrg, projects []OCDSProject) []OCDSRelease {
	b := &ocdsReleaser{ocid: prefix + "-" + c.Number, buyerRef: OCDSOrgRef{ID: "buyer", Name: buyer},
		parties: []OCDSParty{{ID: "buyer", Name: buyer, Roles: []string{"buyer", "procuringEntity"}}}}
	method := "open"
	if c.Plan.Mode == ModeConsultation {
		method = "selective"
	}
	amendments := TenderAmendments(clars)
	deadline := c.BidDeadline
	for _, cl := range amendments {
		if cl.Moved() {
			deadline = cl.DeadlineFrom // the deadline at publication
			break
		}
	}
	tender := OCDSTender{ID: c.Number, Title: c.Title, Status: "active", ProcurementMethod: method,
		ProcurementMethodDetails: c.Plan.Mode.Label(), MainProcurementCategory: "services", Value: cny(c.Budget),
		TenderPeriod: &OCDSPeriod{StartDate: tp(c.PublishedAt), EndDate: tp(deadline)}}
	out := []OCDSRelease{b.release("tender", c.PublishedAt, "tender", tender)}
	for _, cl := range amendments {
		r := b.amendment(out[len(out)-1], cl)
		tender = r.Tender
		out = append(out, r)
	}
	switch c.Stage {
	case StageCancelled:
		t := tender
		t.Status = "cancelled"
		return append(out, b.release("tenderCancellation", c.UpdatedAt, "tenderCancellation", t))
	case StageFailed:
		t := tender
		t.Status = "unsuccessful"
		return append(out, b.release("tenderUpdate-failed", c.UpdatedAt, "tenderUpdate", t))
	}
	if c.Stage != StageAwarded || c.AwardedAt.IsZero() || len(projects) == 0 {
		return out
	}

	done, ref := b.complete(tender, tenderers, projects)
	var awards []OCDSAward
	for _, p := range projects {
		awards = append(awards, OCDSAward{ID: p.Award.ID, Title: c.Title, Status: "active", Date: ocdsTime(p.Award.CreatedAt),
			Value: cny(p.Award.Amount), Suppliers: []OCDSOrgRef{ref(p.Award.OrgID)}})
	}
	r := b.release("award", c.AwardedAt, "award", done)
	r.Awards = awards
	out = append(out, r)
	for _, p := range projects {
		out = append(out, b.contractReleases(p, awards, done, ref)...)
	}
	return out
}

// ocdsReleaser makes the releases of one call: its ocid, its buyer, and the
// parties as they stand (the buyer; from the award, the tenderers too).
type ocdsReleaser struct {
	ocid     string
	buyerRef OCDSOrgRef
	parties  []OCDSParty
}

func (b *ocdsReleaser) release(id string, date time.Time, tag string, t OCDSTender) OCDSRelease {
	return OCDSRelease{OCID: b.ocid, ID: b.ocid + "-" + id, Date: ocdsTime(date), Tag: []string{tag}, InitiationType: "tender", Language: "zh",
		Parties: b.parties, Buyer: b.buyerRef, Tender: t}
}

// complete is the tender from the award on: complete, its tenderers public
// and each a party; suppliers are tenderers too. ref names an
// organisation's party.
func (b *ocdsReleaser) complete(tender OCDSTender, tenderers []OCDSOrg, projects []OCDSProject) (OCDSTender, func(orgID int64) OCDSOrgRef) {
	orgs := map[int64]OCDSOrg{}
	awarded := map[int64]bool{}
	for _, p := range projects {
		awarded[p.Award.OrgID] = true
	}
	var order []int64
	add := func(o OCDSOrg) {
		if _, ok := orgs[o.OrgID]; !ok {
			order = append(order, o.OrgID)
		}
		if prev, ok := orgs[o.OrgID]; ok && o.USCC == "" {
			o.USCC = prev.USCC
		}
		orgs[o.OrgID] = o
	}
	for _, t := range tenderers {
		add(t)
	}
	for _, p := range projects {
		if _, ok := orgs[p.Award.OrgID]; !ok {
			add(OCDSOrg{OrgID: p.Award.OrgID, Name: p.Award.OrgName})
		}
	}
	b.parties = append([]OCDSParty(nil), b.parties...)
	done := tender
	done.Status = "complete"
	done.Tenderers = []OCDSOrgRef{}
	for _, id := range order {
		o := orgs[id]
		roles := []string{"tenderer"}
		if awarded[id] {
			roles = append(roles, "supplier")
		}
		b.parties = append(b.parties, o.party(roles...))
		done.Tenderers = append(done.Tenderers, OCDSOrgRef{ID: o.partyID(), Name: o.Name})
	}
	n := len(done.Tenderers)
	done.NumberOfTenderers = &n
	return done, func(orgID int64) OCDSOrgRef { o := orgs[orgID]; return OCDSOrgRef{ID: o.partyID(), Name: o.Name} }
}

// contractReleases are a signed project's releases: the contract at its
// signing, its payments (implementation) and its end.
func (b *ocdsReleaser) contractReleases(p OCDSProject, awards []OCDSAward, done OCDSTender, ref func(orgID int64) OCDSOrgRef) []OCDSRelease {
	if p.Project == nil || p.Project.SignedAt.IsZero() {
		return nil
	}
	pr := p.Project
	// ended is when the contract stopped being in force: terminated
	// early, or completed (archived); OCDS 1.1 calls both "terminated".
	ended := pr.TerminatedAt
	if ended.IsZero() {
		ended = pr.ArchivedAt
	}
	contract := func(at time.Time, tx []OCDSTransaction) OCDSContract {
		ct := OCDSContract{ID: pr.Number, AwardID: p.Award.ID, Title: pr.Title, Status: "active", Value: cny(pr.Amount), DateSigned: tp(pr.SignedAt)}
		if !ended.IsZero() && !at.Before(ended) {
			ct.Status = "terminated"
		}
		if pr.Terms != nil {
			ct.Period = &OCDSPeriod{StartDate: tp(pr.Terms.StartsOn), EndDate: tp(pr.Terms.EndsOn())}
		}
		if len(tx) > 0 {
			ct.Implementation = &OCDSImplementation{Transactions: tx}
		}
		return ct
	}
	r := b.release("contract-"+pr.Number, pr.SignedAt, "contract", done)
	r.Awards, r.Contracts = awards, []OCDSContract{contract(pr.SignedAt, nil)}
	out := []OCDSRelease{r}
	var tx []OCDSTransaction
	var last time.Time
	for _, t := range p.Tranches {
		if t.PaidAt.IsZero() {
			continue
		}
		tx = append(tx, OCDSTransaction{ID: fmt.Sprintf("%s-%d", pr.Number, t.Index+1), Date: ocdsTime(t.PaidAt), Value: cny(t.Amount),
			Payer: b.buyerRef, Payee: ref(p.Award.OrgID)})
		if t.PaidAt.After(last) {
			last = t.PaidAt
		}
	}
	if len(tx) > 0 {
		r := b.release("implementation-"+pr.Number, last, "implementation", done)
		r.Awards, r.Contracts = awards, []OCDSContract{contract(last, tx)}
		out = append(out, r)
	}
	if !ended.IsZero() {
		at := ended
		if last.After(at) {
			at = last
		}
		r := b.release("contractTermination-"+pr.Number, at, "contractTermination", done)
		r.Awards, r.Contracts = awards, []OCDSContract{contract(at, tx)}
		out = append(out, r)
	}
	return out
}

// OCDSPackageFor is a published call's release package as pub publishes
// it at path (under pub.BaseURL). Its publishedDate is its latest
// release's date: the package is made on demand and changes only with
// them.
func OCDSPackageFor(pub OCDSPublisher, path string, c Call, clars []Clarification, buyer string, tenderers []OCDSOrg, projects []OCDSProject) OCDSPackage {
	rs := OCDSReleases(pub.Prefix, c, clars, buyer, tenderers, projects)
	var latest time.Time
	for _, r := range rs {
		if r.Date.After(latest) {
			latest = r.Date
		}
	}
	return OCDSPackage{URI: strings.TrimRight(pub.BaseURL, "/") + path, Version: "1.1", PublishedDate: latest,
		Publisher: OCDSPackagePublisher{Name: buyer, URI: strings.TrimRight(pub.BaseURL, "/") + "/public"},
		License:   pub.License, PublicationPolicy: pub.PublicationPolicy, Releases: rs}
}
