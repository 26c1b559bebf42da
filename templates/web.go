package templates

import "embed"

// Web holds the pages of the web interface (internal/web parses them once
// at start).
//
//go:embed web/*.html
var Web embed.FS
