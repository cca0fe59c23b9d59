package domain

import (
	"fmt"
	"time"
)

// OCDS 1.1 (Open Contracting Data Standard) structures for the public
// release package of a call (DOMAIN.md §8): one ocid per call, one release
// per event — tender, award, contract, implementation (payments).

// OCDSPrefix is this publisher's ocid prefix.
const OCDSPrefix = "ocds-gfcn01"

type (
	OCDSValue struct {
		Amount   float64 `json:"amount"`
		Currency string  `json:"currency"`
	}
	OCDSPeriod struct {
		StartDate *time.Time `json:"startDate,omitempty"`
		EndDate   *time.Time `json:"endDate,omitempty"`
	}
	OCDSOrgRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	OCDSParty struct {
		ID    string   `json:"id"`
		Name  string   `json:"name"`
		Roles []string `json:"roles"`
	}
	OCDSTender struct {
		ID                       string      `json:"id"`
		Title                    string      `json:"title"`
		Status                   string      `json:"status"`
		ProcurementMethod        string      `json:"procurementMethod"`
		ProcurementMethodDetails string      `json:"procurementMethodDetails"`
		MainProcurementCategory  string      `json:"mainProcurementCategory"`
		Value                    OCDSValue   `json:"value"`
		TenderPeriod             *OCDSPeriod `json:"tenderPeriod,omitempty"`
		NumberOfTenderers        int         `json:"numberOfTenderers,omitempty"`
	}
	OCDSAward struct {
		ID        string       `json:"id"`
		Title     string       `json:"title"`
		Status    string       `json:"status"`
		Date      time.Time    `json:"date"`
		Value     OCDSValue    `json:"value"`
		Suppliers []OCDSOrgRef `json:"suppliers"`
	}
	OCDSTransaction struct {
		ID    string     `json:"id"`
		Date  time.Time  `json:"date"`
		Value OCDSValue  `json:"value"`
		Payer OCDSOrgRef `json:"payer"`
		Payee OCDSOrgRef `json:"payee"`
	}
	OCDSImplementation struct {
		Transactions []OCDSTransaction `json:"transactions"`
	}
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
	OCDSPackage struct {
		URI           string        `json:"uri"`
		Version       string        `json:"version"`
		PublishedDate time.Time     `json:"publishedDate"`
		Publisher     OCDSOrgRef    `json:"publisher"`
		Releases      []OCDSRelease `json:"releases"`
	}
)

func cny(f Fen) OCDSValue { return OCDSValue{Amount: float64(f) / 100, Currency: "CNY"} }

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// OCDSProject is what a funded project contributes: its contract and the
// tranches paid.
type OCDSProject struct {
	Award    Award
	Project  *Project
	Tranches []TrancheState
}

// OCDSReleases maps a published call, its tenderers' count, awards and
// projects to OCDS releases, one per event that has happened, in order.
// Only what is public goes in: no bid contents of unsuccessful bidders, no
// personal data, no voucher numbers.
func OCDSReleases(c Call, buyer string, tenderers int, projects []OCDSProject) []OCDSRelease {
	ocid := OCDSPrefix + "-" + c.Number
	buyerRef := OCDSOrgRef{ID: "buyer", Name: buyer}
	method := "open"
	if c.Plan.Mode == ModeConsultation {
		method = "selective"
	}
	status := map[CallStage]string{StageCancelled: "cancelled", StageFailed: "unsuccessful", StageAwarded: "complete"}[c.Stage]
	if status == "" {
		status = "active"
	}
	tender := OCDSTender{ID: c.Number, Title: c.Title, Status: status, ProcurementMethod: method,
		ProcurementMethodDetails: c.Plan.Mode.Label(), MainProcurementCategory: "services", Value: cny(c.Budget),
		TenderPeriod: &OCDSPeriod{StartDate: tp(c.PublishedAt), EndDate: tp(c.BidDeadline)}}
	if !c.OpenedAt.IsZero() {
		tender.NumberOfTenderers = tenderers
	}
	parties := []OCDSParty{{ID: "buyer", Name: buyer, Roles: []string{"buyer", "procuringEntity"}}}
	release := func(id string, date time.Time, tag string) OCDSRelease {
		return OCDSRelease{OCID: ocid, ID: ocid + "-" + id, Date: date, Tag: []string{tag}, InitiationType: "tender", Language: "zh",
			Parties: parties, Buyer: buyerRef, Tender: tender}
	}
	out := []OCDSRelease{release("tender", c.PublishedAt, "tender")}
	if len(projects) == 0 {
		if c.Stage == StageCancelled || c.Stage == StageFailed {
			r := release("tenderUpdate-"+string(c.Stage), c.UpdatedAt, "tenderUpdate")
			out = append(out, r)
		}
		return out
	}
	var awards []OCDSAward
	for _, p := range projects {
		sup := OCDSOrgRef{ID: fmt.Sprintf("org-%d", p.Award.OrgID), Name: p.Award.OrgName}
		parties = append(parties, OCDSParty{ID: sup.ID, Name: sup.Name, Roles: []string{"supplier", "tenderer"}})
		awards = append(awards, OCDSAward{ID: p.Award.ID, Title: c.Title, Status: "active", Date: p.Award.CreatedAt,
			Value: cny(p.Award.Amount), Suppliers: []OCDSOrgRef{sup}})
	}
	r := release("award", c.AwardedAt, "award")
	r.Parties, r.Awards = parties, awards
	out = append(out, r)
	for _, p := range projects {
		if p.Project == nil || p.Project.SignedAt.IsZero() {
			continue
		}
		pr := p.Project
		ct := OCDSContract{ID: pr.Number, AwardID: p.Award.ID, Title: pr.Title, Status: "active", Value: cny(pr.Amount), DateSigned: tp(pr.SignedAt)}
		switch {
		case pr.Stage == ProjectTerminated:
			ct.Status = "terminated"
		case pr.Stage == ProjectArchived:
			ct.Status = "terminated" // OCDS: the contract is no longer in force (completed)
		}
		if pr.Terms != nil {
			ct.Period = &OCDSPeriod{StartDate: tp(pr.Terms.StartsOn), EndDate: tp(pr.Terms.EndsOn())}
		}
		r := release("contract-"+pr.Number, pr.SignedAt, "contract")
		r.Parties, r.Awards, r.Contracts = parties, awards, []OCDSContract{ct}
		out = append(out, r)
		var tx []OCDSTransaction
		var last time.Time
		for _, t := range p.Tranches {
			if t.PaidAt.IsZero() {
				continue
			}
			tx = append(tx, OCDSTransaction{ID: fmt.Sprintf("%s-%d", pr.Number, t.Index+1), Date: t.PaidAt, Value: cny(t.Amount),
				Payer: buyerRef, Payee: OCDSOrgRef{ID: fmt.Sprintf("org-%d", pr.OrgID), Name: pr.OrgName}})
			if t.PaidAt.After(last) {
				last = t.PaidAt
			}
		}
		if len(tx) > 0 {
			ct.Implementation = &OCDSImplementation{Transactions: tx}
			r := release("implementation-"+pr.Number, last, "implementation")
			r.Parties, r.Awards, r.Contracts = parties, awards, []OCDSContract{ct}
			out = append(out, r)
		}
	}
	return out
}
