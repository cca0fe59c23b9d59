package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"grantflow/internal/domain"
)

// toApplicationError carries a domain error across Temporal as an
// ApplicationError whose type is the domain code, so the web layer can show
// the same Chinese message and status the workflow decided on.
func toApplicationError(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		if len(de.Fields) > 0 {
			// the fields travel as details, so the refusal names them
			return temporal.NewNonRetryableApplicationError(de.Message, string(de.Code), nil, de.Fields)
		}
		return temporal.NewNonRetryableApplicationError(de.Message, string(de.Code), nil)
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return temporal.NewNonRetryableApplicationError(ae.Message(), ae.Type(), nil)
	}
	return err
}

// DomainError turns an error from a workflow, update or activity back into a
// domain error when it carries a domain code; other errors pass unchanged.
func DomainError(err error) error {
	if err == nil {
		return nil
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		switch code := domain.Code(ae.Type()); code {
		case domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden, domain.CodeConflict, domain.CodeUnauthorized:
			var fields map[string]string
			if ae.HasDetails() {
				_ = ae.Details(&fields) // a refusal without them names no field
			}
			return &domain.Error{Code: code, Message: ae.Message(), Fields: fields, Err: err}
		}
	}
	return err
}
