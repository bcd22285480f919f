// Package static holds CSS, JavaScript and vendored assets, embedded in the
// binary and served under /static/.
package static

import "embed"

// FS holds every static file.
//
//go:embed css img js vendor
var FS embed.FS
