package service

import (
	"context"

	"grantflow/internal/domain"
)

// Dossier is everything about a call a person may see, gathered for its
// page and the API.
type Dossier struct {
	Call CallView `json:"call"`
	DossierParts
	sight callSight
}

// Official reports whether the dossier is an official's of the district
// (civil affairs, finance).
func (d Dossier) Official() bool { return d.sight.Official }

// DossierParts are the parts of a dossier beside the call's own record
// (the API shows them flattened beside it).
type DossierParts struct {
	Clarifications []domain.Clarification  `json:"clarifications"`
	Decisions      []domain.CallDecision   `json:"decisions,omitempty"`
	BidCount       int                     `json:"bid_count,omitempty"`
	MyBids         []domain.Bid            `json:"my_bids,omitempty"`
	Panel          []PanelSeat             `json:"panel,omitempty"`
	MySeat         *PanelSeat              `json:"my_seat,omitempty"`
	MyScores       []domain.ScoreSheet     `json:"my_scores,omitempty"`
	Opened         []domain.Bid            `json:"opened,omitempty"`
	Objections     []ObjectionView         `json:"objections,omitempty"`
	Awards         []domain.Award          `json:"awards,omitempty"`
	Recusals       []domain.RecusalRequest `json:"recusal_requests,omitempty"`
	CalendarNote   string                  `json:"calendar_note,omitempty"`
}

// Dossier gathers a call's page for by: what each role may see at this
// stage, nothing more. Results are shown to civil affairs and finance from
// approval on, to everyone from publicity on; panel names only from
// publicity on (招标投标法 §37).
func (s *Calls) Dossier(ctx context.Context, by domain.Actor, callID string) (Dossier, error) {
	c, err := s.Get(ctx, by, callID)
	if err != nil {
		return Dossier{}, err
	}
	var d Dossier
	if by.OrgID != 0 {
		if d.MyBids, err = s.Receipts(ctx, by, callID); err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
			return d, err
		}
	}
	members, err := s.Store.PanelMembers(ctx, callID)
	if err != nil {
		return d, err
	}
	facts := callFacts{Bidder: tookPart(d.MyBids)}
	for _, m := range members {
		if m.UserID == by.UserID && by.UserID != 0 {
			facts.Seat = m.Status
		}
	}
	if d.Call, d.sight, err = viewCall(by, c, facts); err != nil {
		return Dossier{}, err
	}
	if d.Clarifications, err = s.Store.Clarifications(ctx, callID); err != nil {
		return d, err
	}
	if d.sight.Official {
		// The number of bidders is the officials' to know, never published
		// before opening.
		if d.BidCount, err = s.Store.CountLiveBids(ctx, callID); err != nil {
			return d, err
		}
		if d.Decisions, err = s.Store.CallDecisions(ctx, callID); err != nil {
			return d, err
		}
	}
	if err := s.dossierPanel(ctx, by, callID, members, &d); err != nil {
		return d, err
	}
	if err := s.dossierRecords(ctx, by, c, callID, facts.Seat, &d); err != nil {
		return d, err
	}
	return d, nil
}

// dossierPanel adds the panel to d: by's own seat and scores, and the
// seats by may see (officials all, everyone the confirmed ones once
// published).
func (s *Calls) dossierPanel(ctx context.Context, by domain.Actor, callID string, members []domain.PanelMember, d *Dossier) error {
	official, published := d.sight.Official, d.sight.Published
	for _, m := range members {
		self := m.UserID == by.UserID && by.UserID != 0
		if self {
			seat := panelSeat(m, d.sight, true)
			d.MySeat = &seat
		}
		if (official || published) && (m.Status == domain.PanelConfirmed || official) {
			d.Panel = append(d.Panel, panelSeat(m, d.sight, false))
		}
	}
	if d.MySeat != nil {
		var err error
		if d.MyScores, err = s.Store.Scores(ctx, callID, by.UserID); err != nil {
			return err
		}
	}
	return nil
}

// dossierRecords adds to d what the call's stage has recorded and by may
// see: the opened envelopes, objections, awards, recusal requests and the
// calendar's note on the deadline.
func (s *Calls) dossierRecords(ctx context.Context, by domain.Actor, c domain.Call, callID string, seat domain.PanelStatus, d *Dossier) error {
	official, published := d.sight.Official, d.sight.Published
	var err error
	// Envelopes only once the opening is recorded: a call that failed (流标)
	// or was cancelled without an opening shows none of them.
	if c.Stage.Opened() && !c.OpenedAt.IsZero() && (official || seat == domain.PanelConfirmed) {
		if d.Opened, err = s.Store.LiveBids(ctx, callID); err != nil {
			return err
		}
		for i := range d.Opened {
			for j := range d.Opened[i].Parts {
				d.Opened[i].Parts[j].ObjectKey = ""
			}
		}
	}
	if published || official {
		os, err := s.Store.Objections(ctx, callID)
		if err != nil {
			return err
		}
		for _, o := range os {
			d.Objections = append(d.Objections, objectionView(o, d.sight))
		}
	}
	if d.Awards, err = s.Store.Awards(ctx, callID); err != nil {
		return err
	}
	if official || by.OrgID != 0 {
		org := by.OrgID
		if official {
			org = 0
		}
		if d.Recusals, err = s.Store.RecusalRequests(ctx, callID, org); err != nil {
			return err
		}
	}
	if !c.BidDeadline.IsZero() {
		cal, err := s.Store.Calendar(ctx)
		if err != nil {
			return err
		}
		d.CalendarNote = cal.FallbackNote(c.BidDeadline)
	}
	return nil
}
