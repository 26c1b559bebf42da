// Package templates holds the service's templates, embedded in the binary:
// email/ has a plain-text and an HTML template per kind of notification
// (internal/notify parses them once at start).
package templates

import "embed"

// FS holds every template file.
//
//go:embed email/*.txt email/*.html
var FS embed.FS
