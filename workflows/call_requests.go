package workflows

import (
	"grantflow/internal/domain"
)

// The requests carried by the call's updates.
type (
	// AttachDocumentRequest attaches a document to a draft.
	AttachDocumentRequest struct {
		Actor      Actor
		Attachment domain.Attachment
	}
	// CancelRequest cancels a call, with its reason.
	CancelRequest struct {
		Actor  Actor
		Reason string
	}
	// SubmitRequest submits a draft for publication review.
	SubmitRequest struct{ Actor Actor }
	// DecisionRequest approves or rejects (publication, award steps).
	DecisionRequest struct {
		Actor   Actor
		Approve bool
		Reason  string
	}
	// ClarifyRequest publishes a clarification.
	ClarifyRequest struct {
		Actor    Actor
		ID       string
		Title    string
		Body     string
		Material bool
	}
	// BidRequest submits a sealed bid.
	BidRequest struct {
		Actor Actor
		Bid   domain.Bid // ID, CallID, OrgID, Parts (already sealed and stored)
	}
	// WithdrawRequest withdraws the caller's bid.
	WithdrawRequest struct{ Actor Actor }
	// QualifyRequest records qualification decisions.
	QualifyRequest struct {
		Actor     Actor
		Decisions []domain.Qualification
	}
	// RedrawRequest draws the panel again.
	RedrawRequest struct{ Actor Actor }
	// DeclareRequest is a drawn expert's declaration of interests.
	DeclareRequest struct {
		Actor    Actor
		Conflict bool
		Reason   string
	}
	// ScoreRequest is an expert's score sheet for one bid.
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
	// RecusalRequest asks that an expert step aside.
	RecusalRequest struct {
		Actor  Actor
		ID     string
		Reason string
	}
	// RecusalDecision decides a recusal request.
	RecusalDecision struct {
		Actor     Actor
		RequestID string
		Upheld    bool
		Seat      int
		Answer    string
	}
	// AnswerRequest answers an objection.
	AnswerRequest struct {
		Actor       Actor
		ObjectionID string
		Upheld      bool
		Answer      string
		ReturnTo    domain.CallStage
	}
)
