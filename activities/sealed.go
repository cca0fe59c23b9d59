package activities

// The activity inputs and results that carry what the law keeps secret
// until it is public (domain.SealedUntilPublic): their Temporal payloads are
// sealed under the scope the operators' codec endpoint never opens.

// SealedUntilPublic seals the draft (budget, rubric).
func (CreateDraftCallInput) SealedUntilPublic() {}

// SealedUntilPublic seals a draft's attachment.
func (RecordAttachmentInput) SealedUntilPublic() {}

// SealedUntilPublic seals who bid, part labels, sizes, digests.
func (RecordBidInput) SealedUntilPublic() {}

// SealedUntilPublic seals who had bid.
func (WithdrawBidInput) SealedUntilPublic() {}

// SealedUntilPublic seals a drawn expert or evaluator (DrawPanel and
// DrawEvaluators return []Drawn).
func (Drawn) SealedUntilPublic() {}

// SealedUntilPublic seals who sits on the panel.
func (DeclareInput) SealedUntilPublic() {}

// SealedUntilPublic seals an expert's points.
func (RecordScoreInput) SealedUntilPublic() {}

// SealedUntilPublic seals per-expert points and ranks before approval.
func (SaveResultsInput) SealedUntilPublic() {}

// SealedUntilPublic seals the objection and the objector's contact.
func (RecordObjectionInput) SealedUntilPublic() {}

// SealedUntilPublic seals who objects.
func (FileObjectionInput) SealedUntilPublic() {}

// SealedUntilPublic seals who asks for a recusal, and why.
func (RecusalRequestInput) SealedUntilPublic() {}

// SealedUntilPublic seals which bidder asked, which seat is recused.
func (DecideRecusalInput) SealedUntilPublic() {}

// SealedUntilPublic seals an evaluator's sheet.
func (EvalSheetInput) SealedUntilPublic() {}
