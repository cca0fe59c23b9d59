package web

// The updates of a call's stages, one action each with its input: the
// page's form redirects to the call with the action's message (or shows
// the call page again with what to fix), the API answers the call as it
// now stands (apiCall). A route that names no action is not found.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// callRef names the call an action changed.
type callRef string

// callUpdate mounts one update of a call: the page form on POST page and,
// unless api is "", the API route ("METHOD /path"), both running do.
// flash is the page's message after the update.
func callUpdate[In any, PI formInput[In]](s *Server, m mounts, page, api string, do action[In, callRef], flash func(*In) string) {
	m.pages.Post(page, form[In, callRef, PI](s, do, func(in *In, c callRef) done {
		return done{To: "/calls/" + string(c), Flash: flash(in)}
	}, callAgain[In](s)))
	if method, path, ok := strings.Cut(api, " "); ok {
		m.api.Method(method, path, apiWrite(s, http.StatusOK, func(r *http.Request, in *In) (apiCall, error) {
			c, err := do(r, in)
			if err != nil {
				return apiCall{}, err
			}
			return s.callOf(r, string(c))
		}))
	}
}

// say is a message that does not depend on the input.
func say[In any](msg string) func(*In) string { return func(*In) string { return msg } }

// onCall runs an update of the call in the URL.
func onCall(r *http.Request, update func(id string) error) (callRef, error) {
	id := chi.URLParam(r, "id")
	return callRef(id), update(id)
}

func (s *Server) submitCall(r *http.Request, _ *none) (callRef, error) {
	return onCall(r, func(id string) error { return s.Calls.Submit(r.Context(), actorOf(r), id, requestKey(r)) })
}

// decisionInput approves or rejects (publication, an approval step).
type decisionInput struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

func (in *decisionInput) readForm(r *http.Request) error {
	in.Approve, in.Reason = r.PostForm.Get("decision") == "approve", r.PostForm.Get("reason")
	return nil
}

func (s *Server) reviewPublication(r *http.Request, in *decisionInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.ReviewPublication(r.Context(), actorOf(r), id, requestKey(r), in.Approve, in.Reason)
	})
}

type clarifyInput struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Material bool   `json:"material"`
}

func (in *clarifyInput) readForm(r *http.Request) error {
	f := r.PostForm
	in.Title, in.Body, in.Material = f.Get("title"), f.Get("body"), f.Get("material") == "on"
	return nil
}

func (s *Server) clarify(r *http.Request, in *clarifyInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.Clarify(r.Context(), actorOf(r), id, requestKey(r), in.Title, in.Body, in.Material)
	})
}

func (s *Server) withdrawBid(r *http.Request, _ *none) (callRef, error) {
	return onCall(r, func(id string) error { return s.Calls.WithdrawBid(r.Context(), actorOf(r), id, requestKey(r)) })
}

// qualifyInput is the qualification decision on every opened bid; the
// form sends bid=<id>, q_<id>=yes|no and r_<id>=<reason>.
type qualifyInput struct {
	Decisions []domain.Qualification `json:"decisions"`
}

func (in *qualifyInput) readForm(r *http.Request) error {
	f := r.PostForm
	for _, bid := range f["bid"] {
		in.Decisions = append(in.Decisions, domain.Qualification{BidID: bid, Qualified: f.Get("q_"+bid) == "yes", Reason: f.Get("r_" + bid)})
	}
	return nil
}

func (s *Server) qualify(r *http.Request, in *qualifyInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.Qualify(r.Context(), actorOf(r), id, requestKey(r), in.Decisions)
	})
}

func (s *Server) redrawPanel(r *http.Request, _ *none) (callRef, error) {
	return onCall(r, func(id string) error { return s.Calls.RedrawPanel(r.Context(), actorOf(r), id, requestKey(r)) })
}

// declareInput is a drawn expert's declaration: no conflict, or a recusal
// with its reason.
type declareInput struct {
	Conflict bool   `json:"conflict"`
	Reason   string `json:"reason"`
}

func (in *declareInput) readForm(r *http.Request) error {
	in.Conflict, in.Reason = r.PostForm.Get("conflict") == "yes", r.PostForm.Get("reason")
	return nil
}

func (s *Server) declare(r *http.Request, in *declareInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.Declare(r.Context(), actorOf(r), id, requestKey(r), in.Conflict, in.Reason)
	})
}

// scoreInput is an expert's score sheet for one bid; the form sends the
// points as p0, p1, … (what is not a number counts as -1, which the sheet's
// check refuses).
type scoreInput struct {
	BidID   string    `json:"bid_id"`
	Points  []float64 `json:"points"`
	Comment string    `json:"comment"`
}

func (in *scoreInput) readForm(r *http.Request) error {
	f := r.PostForm
	for i := 0; f.Has(fmt.Sprintf("p%d", i)); i++ {
		v, err := strconv.ParseFloat(strings.TrimSpace(f.Get(fmt.Sprintf("p%d", i))), 64)
		if err != nil {
			v = -1
		}
		in.Points = append(in.Points, v)
	}
	in.BidID, in.Comment = f.Get("bid_id"), f.Get("comment")
	return nil
}

func (s *Server) score(r *http.Request, in *scoreInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.Score(r.Context(), actorOf(r), id, requestKey(r), in.BidID, in.Points, in.Comment)
	})
}

func (s *Server) approve(r *http.Request, in *decisionInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.Approve(r.Context(), actorOf(r), id, requestKey(r), in.Approve, in.Reason)
	})
}

// requestRecusal is a bidder's request, with its reason, that an expert
// step aside.
func (s *Server) requestRecusal(r *http.Request, in *reasonInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.RequestRecusal(r.Context(), actorOf(r), id, requestKey(r), in.Reason)
	})
}

// recusalDecisionInput decides a recusal request (upheld: the expert in
// the seat steps aside).
type recusalDecisionInput struct {
	Upheld bool   `json:"upheld"`
	Seat   int    `json:"seat"`
	Answer string `json:"answer"`
}

func (in *recusalDecisionInput) readForm(r *http.Request) error {
	f := r.PostForm
	in.Seat, _ = strconv.Atoi(f.Get("seat"))
	in.Upheld, in.Answer = f.Get("upheld") == "yes", f.Get("answer")
	return nil
}

func (s *Server) decideRecusal(r *http.Request, in *recusalDecisionInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.DecideRecusal(r.Context(), actorOf(r), id, requestKey(r), chi.URLParam(r, "rid"), in.Upheld, in.Seat, in.Answer)
	})
}

// answerInput answers an objection or decides a complaint, publicly.
type answerInput struct {
	Upheld   bool             `json:"upheld"`
	Answer   string           `json:"answer"`
	ReturnTo domain.CallStage `json:"return_to"`
}

func (in *answerInput) readForm(r *http.Request) error {
	f := r.PostForm
	in.Upheld, in.Answer, in.ReturnTo = f.Get("upheld") == "yes", f.Get("answer"), domain.CallStage(f.Get("return_to"))
	return nil
}

func (s *Server) answerObjection(r *http.Request, in *answerInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.AnswerObjection(r.Context(), actorOf(r), id, requestKey(r), chi.URLParam(r, "oid"), in.Upheld, in.Answer, in.ReturnTo)
	})
}

// commentInput answers a public comment (pages only).
type commentInput struct {
	Answer string `json:"answer"`
}

func (in *commentInput) readForm(r *http.Request) error {
	in.Answer = r.PostForm.Get("answer")
	return nil
}

func (s *Server) answerComment(r *http.Request, in *commentInput) (callRef, error) {
	return onCall(r, func(id string) error {
		return s.Calls.AnswerComment(r.Context(), actorOf(r), id, chi.URLParam(r, "cid"), in.Answer)
	})
}

// callActionRoutes mounts the routes this file serves (see mounts).
func (s *Server) callActionRoutes(m mounts) {
	callUpdate(s, m, "/calls/{id}/submit", "POST /calls/{id}/submit", s.submitCall, say[none]("已提交发布审核。"))
	callUpdate(s, m, "/calls/{id}/publication", "POST /calls/{id}/publication", s.reviewPublication, func(in *decisionInput) string {
		return map[bool]string{true: "已审核通过，征集公告已发布，开始接受投标。", false: "已退回起草人修改。"}[in.Approve]
	})
	callUpdate(s, m, "/calls/{id}/clarifications", "POST /calls/{id}/clarifications", s.clarify, say[clarifyInput]("澄清已发布，所有投标人均会收到通知。"))
	callUpdate(s, m, "/calls/{id}/bids/withdraw", "DELETE /calls/{id}/bids/mine", s.withdrawBid, say[none]("投标已撤回。截止前仍可重新递交。"))
	callUpdate(s, m, "/calls/{id}/qualification", "POST /calls/{id}/qualification", s.qualify, say[qualifyInput]("资格审查结论已记录。"))
	callUpdate(s, m, "/calls/{id}/panel/redraw", "POST /calls/{id}/panel/redraw", s.redrawPanel, say[none]("已重新抽取评审专家。"))
	callUpdate(s, m, "/calls/{id}/declaration", "POST /calls/{id}/declaration", s.declare, func(in *declareInput) string {
		return map[bool]string{true: "已记录您的回避声明，系统将另行抽取专家。", false: "已声明无利害关系，现在可以查看投标文件并评分。"}[in.Conflict]
	})
	callUpdate(s, m, "/calls/{id}/scores", "POST /calls/{id}/scores", s.score, say[scoreInput]("评分已保存。提交全部评分前可以修改。"))
	callUpdate(s, m, "/calls/{id}/approval", "POST /calls/{id}/approval", s.approve, func(in *decisionInput) string {
		return map[bool]string{true: "已审批通过。", false: "已退回，并附上了理由。"}[in.Approve]
	})
	callUpdate(s, m, "/calls/{id}/objections/{oid}/answer", "POST /calls/{id}/objections/{oid}/answer", s.answerObjection, say[answerInput]("答复已公开。"))
	callUpdate(s, m, "/calls/{id}/comments/{cid}/answer", "", s.answerComment, say[commentInput]("已答复该公众意见。"))
	callUpdate(s, m, "/calls/{id}/recusal-requests", "POST /calls/{id}/recusal-requests", s.requestRecusal, say[reasonInput]("回避申请已提交，民政部门审查后会通知您。"))
	callUpdate(s, m, "/calls/{id}/recusal-requests/{rid}/decision", "POST /calls/{id}/recusal-requests/{rid}/decision", s.decideRecusal, say[recusalDecisionInput]("回避申请已处理。"))
}
