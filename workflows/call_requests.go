package workflows

import (
	"grantflow/internal/domain"
)

// AttachDocumentRequest and the types below are the requests carried by
// the call's updates.
type (
	AttachDocumentRequest struct {
		Actor      Actor
		Attachment domain.Attachment
	}
	CancelRequest struct {
		Actor  Actor
		Reason string
	}
	SubmitRequest struct{ Actor Actor }
	// DecisionRequest approves or rejects (publication, award steps).
	DecisionRequest struct {
		Actor   Actor
		Approve bool
		Reason  string
	}
	ClarifyRequest struct {
		Actor    Actor
		ID       string
		Title    string
		Body     string
		Material bool
	}
	BidRequest struct {
		Actor Actor
		Bid   domain.Bid // ID, CallID, OrgID, Parts (already sealed and stored)
	}
	WithdrawRequest struct{ Actor Actor }
	QualifyRequest  struct {
		Actor     Actor
		Decisions []domain.Qualification
	}
	RedrawRequest  struct{ Actor Actor }
	DeclareRequest struct {
		Actor    Actor
		Conflict bool
		Reason   string
	}
	ScoreRequest struct {
		Actor   Actor
		BidID   string
		Points  []float64
		Comment string
	}
	// ObjectionRequest files a supplier's objection whose row the service
	// wrote (pending) under ID: the history carries no text, name or
	// contact, only what decides holding the award.
	ObjectionRequest struct {
		Actor Actor
		ID    string
		// ComplaintOf makes this a complaint to finance (投诉) about the
		// answer to that objection.
		ComplaintOf string
		// Input and Attachment are set only in updates recorded before the
		// service wrote objections itself (replayed, never accepted anew).
		Input      domain.ObjectionInput
		Attachment string
	}
	RecusalRequest struct {
		Actor  Actor
		ID     string
		Reason string
	}
	RecusalDecision struct {
		Actor     Actor
		RequestID string
		Upheld    bool
		Seat      int
		Answer    string
	}
	AnswerRequest struct {
		Actor       Actor
		ObjectionID string
		Upheld      bool
		Answer      string
		ReturnTo    domain.CallStage
	}
)
