// Package locales holds one go-i18n message file per language, named by its
// BCP 47 tag (en.toml, es.toml). Each file has every message ID of en.toml,
// including the input vocabulary under [input] and the keywords under
// [keyword]; adding a language is adding a file.
package locales

import "embed"

// FS holds every message file.
//
//go:embed *.toml
var FS embed.FS
