package handlers

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/clockroom/clockroom/models"
)

// fieldErrors collects a message per form field, in the order checked.
type fieldErrors map[string]string

// check records msg for field unless ok, keeping the first message per field.
func (fe fieldErrors) check(ok bool, field, msg string) {
	if !ok {
		if _, seen := fe[field]; !seen {
			fe[field] = msg
		}
	}
}

// valid reports whether no field failed.
func (fe fieldErrors) valid() bool { return len(fe) == 0 }

func notBlank(s string) bool { return strings.TrimSpace(s) != "" }

func maxChars(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// validEmail accepts a plain address (no display name) with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// passwordProblem says what is wrong with a new password, or "" when it
// will do: the one rule for sign-up, reset and change.
func passwordProblem(password, email, name string) string {
	switch {
	case len(password) < models.MinPasswordLength:
		return "Use at least 10 characters for your password."
	case len(password) > models.MaxPasswordBytes:
		return "Use at most 72 characters for your password."
	case guessable(password, email, name):
		return "This password is one of the most common ones, or close to one: it is what attackers try first. Choose something longer or less usual, like a few unrelated words."
	}
	return ""
}

// guessable reports whether a password is among the most common ones (the
// bundled frequency lists of zxcvbn, with their usual variations: digits
// added, l33t spelling, keyboard runs) or is built from the person's own
// email or name.
func guessable(password, email, name string) bool {
	return zxcvbn.PasswordStrength(password, []string{email, name, "clockroom"}).Score < 2
}

// oneLine reports whether s is fit for a one-line field (a name, a title):
// valid UTF-8 with no control characters, line breaks or tabs among them.
func oneLine(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// safeNext returns next if it is a path on this site, else fallback; it keeps
// the "next" parameter from sending people to other sites.
func safeNext(next, fallback string) string {
	// Browsers drop tabs and newlines from URLs and read \ as /, so
	// "/\t/evil.example" would become "//evil.example": refuse them all.
	if strings.ContainsAny(next, "\\\t\r\n") || strings.IndexFunc(next, unicode.IsControl) >= 0 {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	return next
}
