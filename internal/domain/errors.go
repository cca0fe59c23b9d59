package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error so that one place (web) can map it to a status.
type Code string

// Error codes (web maps each to one HTTP status).
const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeForbidden    Code = "forbidden"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeUnavailable  Code = "unavailable"
	CodeTooMany      Code = "too_many_requests"
	CodeInternal     Code = "internal"
)

// Error is the one error type of GrantFlow. Message is safe to show to a user
// (Chinese, says what to do); Fields names the form fields at fault; Err is the
// cause, for logs only.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a cause to a user-facing error.
func Wrap(err error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of err, or CodeInternal when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err; a generic Chinese
// message when err carries none (the details stay in the log).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "系统暂时无法完成此操作，请稍后重试；如问题持续，请联系平台管理员。"
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records the first message for a field.
func (f FieldErrors) Add(field, message string) {
	if _, ok := f[field]; !ok {
		f[field] = message
	}
}

// Err returns nil when there are no field errors, else an invalid Error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "提交的内容有误，请按提示修改后重新提交。", Fields: f}
}

// FieldsOf returns the per-field messages of a validation error (nil
// otherwise).
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
