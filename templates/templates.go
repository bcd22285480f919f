// Package templates holds the html/template files, embedded in the binary.
package templates

import "embed"

// FS holds layouts/, partials/ and pages/.
//
//go:embed layouts partials pages
var FS embed.FS
