package workflows

// The workflow values that carry what the law keeps secret until it is
// public (domain.SealedUntilPublic): their Temporal payloads are sealed under
// the scope the operators' codec endpoint never opens.

// SealedUntilPublic seals the draft (budget, rubric) and, on continue-as-new,
// the panel and scores.
func (CallInput) SealedUntilPublic() {}

// SealedUntilPublic seals the state a run hands on (panel, scores, bids).
func (CallResume) SealedUntilPublic() {}

// SealedUntilPublic seals the query result (bids by organisation, panel,
// scores, results).
func (CallState) SealedUntilPublic() {}

// SealedUntilPublic seals an expert's name, user and talent IDs.
func (Seat) SealedUntilPublic() {}

// SealedUntilPublic seals a draft's attachment.
func (AttachDocumentRequest) SealedUntilPublic() {}

// SealedUntilPublic seals who bid, part labels, sizes, digests.
func (BidRequest) SealedUntilPublic() {}

// SealedUntilPublic seals who withdraws a bid (who had bid).
func (WithdrawRequest) SealedUntilPublic() {}

// SealedUntilPublic seals an expert's declaration (who sits on the panel).
func (DeclareRequest) SealedUntilPublic() {}

// SealedUntilPublic seals an expert's points for a bid.
func (ScoreRequest) SealedUntilPublic() {}

// SealedUntilPublic seals who objects.
func (ObjectionRequest) SealedUntilPublic() {}

// SealedUntilPublic seals who asks for a recusal, and why.
func (RecusalRequest) SealedUntilPublic() {}

// SealedUntilPublic seals which seat is recused.
func (RecusalDecision) SealedUntilPublic() {}

// SealedUntilPublic seals the query result (the drawn evaluators).
func (ProjectState) SealedUntilPublic() {}

// SealedUntilPublic seals the drawn evaluators.
func (EvalRound) SealedUntilPublic() {}

// SealedUntilPublic seals an evaluator's sheet.
func (EvalScoreRequest) SealedUntilPublic() {}
