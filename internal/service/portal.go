package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Public returns a call as the public may see it: published calls only.
func (s *Calls) Public(ctx context.Context, callID string) (domain.Call, error) {
	if _, err := uuid.Parse(callID); err != nil {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	c, err := s.Store.Call(ctx, callID)
	if err != nil {
		return domain.Call{}, err
	}
	if c.PublishedAt.IsZero() {
		return domain.Call{}, domain.Errorf(domain.CodeNotFound, "找不到该征集，请检查链接是否完整。")
	}
	return c, nil
}

// PublicCallPage is a page of published calls.
type PublicCallPage struct {
	Items   []PublicCall `json:"items"`
	Total   int          `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// PublicCall is what the public sees of a call.
type PublicCall struct {
	ID             string           `json:"id"`
	Number         string           `json:"number"`
	Title          string           `json:"title"`
	Brand          domain.Brand     `json:"brand"`
	District       string           `json:"district"`
	Budget         domain.Fen       `json:"budget_fen"`
	Mode           domain.Mode      `json:"mode"`
	Stage          domain.CallStage `json:"stage"`
	StageLabel     string           `json:"stage_label"`
	PublishedAt    time.Time        `json:"published_at"`
	BidDeadline    time.Time        `json:"bid_deadline"`
	PublicityUntil time.Time        `json:"publicity_until,omitzero"`
	ObjectionUntil time.Time        `json:"objection_until,omitzero"`
}

func publicCallOf(c CallView) PublicCall {
	return PublicCall{ID: c.ID, Number: c.Number, Title: c.Title, Brand: c.Brand, District: c.District, Budget: c.Budget,
		Mode: c.Plan.Mode, Stage: c.Stage, StageLabel: c.StageLabel, PublishedAt: c.PublishedAt, BidDeadline: c.BidDeadline,
		PublicityUntil: c.PublicityUntil, ObjectionUntil: c.ObjectionUntil}
}

// PublicList lists published calls (optionally of one stage), newest first.
func (s *Calls) PublicList(ctx context.Context, stage domain.CallStage, page int) (PublicCallPage, error) {
	res, err := s.Store.ListCalls(ctx, store.CallFilter{Stage: stage, Published: true, Page: page, PerPage: 20})
	if err != nil {
		return PublicCallPage{}, err
	}
	out := PublicCallPage{Items: []PublicCall{}, Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for _, c := range res.Calls {
		if v, _, err := viewCall(domain.Actor{}, c, callFacts{}); err == nil {
			out.Items = append(out.Items, publicCallOf(v))
		}
	}
	return out, nil
}

// PublicResult is one line of a published result, de-identified where the
// law says (PIPL §25): organisations are public, people are not.
type PublicResult struct {
	Rank        int        `json:"rank"`
	OrgName     string     `json:"org_name"`
	Price       domain.Fen `json:"price_fen"`
	Technical   float64    `json:"technical"`
	PriceScore  float64    `json:"price_score"`
	Result      float64    `json:"result"`
	Recommended bool       `json:"recommended"`
}

// PublicObjection is an objection as published: the objector masked, the
// answer in full.
type PublicObjection struct {
	ID         string    `json:"id"`
	Complaint  bool      `json:"complaint"`
	Name       string    `json:"name"`
	Reason     string    `json:"reason"`
	FiledAt    time.Time `json:"filed_at"`
	Answered   bool      `json:"answered"`
	Upheld     bool      `json:"upheld"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
}

// PublicDossier is what the portal shows of a call.
type PublicDossier struct {
	Call           PublicCall             `json:"call"`
	Clarifications []domain.Clarification `json:"clarifications"`
	Results        []PublicResult         `json:"results,omitempty"`
	Panel          []string               `json:"panel,omitempty"`
	Objections     []PublicObjection      `json:"objections,omitempty"`
	Awards         []PublicResult         `json:"awards,omitempty"`
	Opened         bool                   `json:"opened"`
	CanObject      bool                   `json:"can_object"`
}

// PublicDossier gathers a published call for the portal. Results, panel
// names and objections appear from publicity on.
func (s *Calls) PublicDossier(ctx context.Context, callID string) (PublicDossier, error) {
	c, err := s.Public(ctx, callID)
	if err != nil {
		return PublicDossier{}, err
	}
	// The portal is the public's view: the rule for a viewer without a
	// sign-in, whoever is signed in.
	v, sight, err := viewCall(domain.Actor{}, c, callFacts{})
	if err != nil {
		return PublicDossier{}, err
	}
	d := PublicDossier{Call: publicCallOf(v), Opened: !c.OpenedAt.IsZero()}
	if d.Clarifications, err = s.Store.Clarifications(ctx, callID); err != nil {
		return d, err
	}
	if !sight.Published {
		return d, nil
	}
	d.CanObject = c.Stage == domain.StagePublicity && time.Now().Before(c.ObjectionUntil)
	for _, r := range v.Results {
		pr := PublicResult{Rank: r.Rank, OrgName: r.OrgName, Price: r.Price, Technical: r.Technical, PriceScore: r.PriceScore,
			Result: r.Result, Recommended: r.Recommended}
		d.Results = append(d.Results, pr)
		if r.Recommended && c.Stage == domain.StageAwarded {
			d.Awards = append(d.Awards, pr)
		}
	}
	members, err := s.Store.PanelMembers(ctx, callID)
	if err != nil {
		return d, err
	}
	for _, m := range members {
		if m.Status == domain.PanelConfirmed {
			d.Panel = append(d.Panel, panelSeat(m, sight, false).Name)
		}
	}
	os, err := s.Store.Objections(ctx, callID)
	if err != nil {
		return d, err
	}
	for _, o := range os {
		ov := objectionView(o, sight)
		d.Objections = append(d.Objections, PublicObjection{ID: ov.ID, Complaint: ov.ComplaintOf != "", Name: ov.Name, Reason: ov.Reason, FiledAt: ov.FiledAt,
			Answered: ov.Upheld != nil, Upheld: ov.Upheld != nil && *ov.Upheld, Answer: ov.Answer, AnsweredAt: ov.AnsweredAt})
	}
	return d, nil
}
