package models

import "errors"

// Kind says what sort of failure a model error is, so the HTTP layer maps
// kinds to statuses in one place (handlers' handleError) and never by
// comparing sentinels one by one.
type Kind int

// The kinds of model error.
const (
	KindInternal    Kind = iota // anything unexpected: a 500
	KindNotFound                // the thing asked for does not exist
	KindConflict                // the request clashes with the current state
	KindInvalid                 // the input breaks a rule
	KindForbidden               // the caller may not do this
	KindUnavailable             // an outside service (Stripe) did not answer: try again
)

// Error is a model error of a known kind. Its text is for logs and tests,
// unless it is a refusal: a rule saying no, whose text is the one sentence
// people read, shown as it is wherever the refusal reaches them.
type Error struct {
	Kind    Kind
	Msg     string
	Refusal bool
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

// NewRefusal is a rule's refusal of kind k, worded for the people it
// reaches (a sentence, capitalised and ending in a full stop).
func NewRefusal(k Kind, sentence string) error { return &Error{Kind: k, Msg: sentence, Refusal: true} }

// Refused returns the sentence of the refusal err is (or wraps), if any.
func Refused(err error) (string, bool) {
	var me *Error
	if errors.As(err, &me) && me.Refusal {
		return me.Msg, true
	}
	return "", false
}
