package web

// The call page: the call, its documents and, by stage and role, the
// bids, the panel's score sheets and the public's comments.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/i18n"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type callPage struct {
	pageData
	refusal
	Call        service.CallView
	Attachments []domain.Attachment
	D           service.Dossier
	Key         string // idempotency key for this render's forms
	Official    bool   // civil affairs or finance of the call's district
	CanBid      bool   // a member of an organisation
	Bids        []service.OpenedBid
	ScoreForms  []scoreForm
	Now         time.Time
	Comments    []store.PublicComment // the public's comments (officials)
}

// scoreForm is an expert's score sheet form for one bid.
type scoreForm struct {
	Bid     service.OpenedBid
	Rows    []scoreRow
	Comment string
	Saved   bool
}

type scoreRow struct {
	Index  int
	Name   string
	Factor string
	Max    int
	Value  string
	Price  bool
}

func (s *Server) loadCallPage(r *http.Request) (callPage, error) {
	id := chi.URLParam(r, "id")
	c, err := s.Calls.Get(r.Context(), actorOf(r), id)
	if err != nil {
		return callPage{}, err
	}
	d, atts, err := s.dossierOf(r, id)
	if err != nil {
		return callPage{}, err
	}
	p := s.page(r, c.Title)
	p.Nav = "calls"
	data := callPage{pageData: p, Call: d.Call, Attachments: atts, D: d, Key: uuid.NewString(), Now: time.Now(), Official: d.Official()}
	if u := userOf(r); u.OrgID != 0 {
		data.CanBid = auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID}) == nil
	}
	seated := d.MySeat != nil && d.MySeat.Status == domain.PanelConfirmed
	// Contents are decrypted only while someone works on them (qualification,
	// the panel, scoring); otherwise the envelopes from the database do.
	working := c.Stage == domain.StageQualification || c.Stage == domain.StagePanel || c.Stage == domain.StageScoring
	switch {
	case working && (data.Official || seated):
		if data.Bids, err = s.Calls.Bids(r.Context(), actorOf(r), id); err != nil {
			return callPage{}, err
		}
	case c.Stage.Opened() && !c.OpenedAt.IsZero() && data.Official:
		for _, b := range d.Opened {
			data.Bids = append(data.Bids, service.OpenedBid{Bid: b})
		}
	}
	if data.Official && !c.PublicityFrom.IsZero() {
		if data.Comments, err = s.Calls.PublicComments(r.Context(), actorOf(r), id); err != nil && domain.ErrorCode(err) != domain.CodeForbidden {
			return callPage{}, err
		}
	}
	if seated && c.Stage == domain.StageScoring {
		data.ScoreForms = scoreForms(c.Plan.Criteria, data.Bids, d.MyScores)
	}
	return data, nil
}

// scoreForms are the expert's score sheets, one for each qualified bid,
// filled in with what they saved.
func scoreForms(criteria []domain.Criterion, bids []service.OpenedBid, sheets []domain.ScoreSheet) []scoreForm {
	mine := map[string]domain.ScoreSheet{}
	for _, sh := range sheets {
		mine[sh.BidID] = sh
	}
	var out []scoreForm
	for _, b := range bids {
		if b.Qualified == nil || !*b.Qualified {
			continue
		}
		sh, saved := mine[b.ID]
		f := scoreForm{Bid: b, Comment: sh.Comment, Saved: saved}
		for i, cr := range criteria {
			row := scoreRow{Index: i, Name: cr.Name, Factor: cr.Factor, Max: cr.MaxPoints, Price: cr.Kind == domain.CriterionPrice}
			if row.Price {
				row.Value = "0"
			} else if saved && i < len(sh.Points) {
				row.Value = strconv.FormatFloat(sh.Points[i], 'f', -1, 64)
			}
			f.Rows = append(f.Rows, row)
		}
		out = append(out, f)
	}
	return out
}

// callAgain shows the call page again with a refused form's message (a
// refused upload, bid or step), so nothing the person typed is lost
// silently.
func callAgain[In any](s *Server) again[In] {
	return showAgain(s, "call", s.loadCallPage, (func(*callPage, *In))(nil))
}

// noticeStatus is polled by htmx until the notice PDF is ready: the
// page's notice fragment.
func (s *Server) noticeStatus(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadCallPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.views.renderFragment(w, i18n.Of(r), "call", "notice", data); err != nil {
		s.Logger.Error("render fragment", "err", err)
	}
}

// callPageRoutes mounts the routes this file serves (see mounts).
func (s *Server) callPageRoutes(m mounts) {
	m.pages.Get("/calls/{id}", view(s, "call", s.loadCallPage))
	m.pages.Get("/calls/{id}/notice-status", s.noticeStatus)
}
