package models

import "errors"

// Kind says what sort of failure a model error is, so the HTTP layer maps
// kinds to statuses in one place (handlers' handleError) and never by
// comparing sentinels one by one.
type Kind int

// The kinds of model error.
const (
	KindInternal  Kind = iota // anything unexpected: a 500
	KindNotFound              // the thing asked for does not exist
	KindConflict              // the request clashes with the current state
	KindInvalid               // the input breaks a rule
	KindForbidden             // the caller may not do this
)

// Error is a model error of a known kind. Its text is for logs and tests;
// what people read is worded in the handlers.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// KindOf returns the kind of err, KindInternal for errors of no kind.
func KindOf(err error) Kind {
	var me *Error
	if errors.As(err, &me) {
		return me.Kind
	}
	return KindInternal
}

func newError(k Kind, msg string) error { return &Error{Kind: k, Msg: msg} }
