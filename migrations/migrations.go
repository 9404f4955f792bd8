// Package migrations holds the database schema as numbered SQL files, in the
// form tern reads. Never edit a file that has landed: add the next number.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
