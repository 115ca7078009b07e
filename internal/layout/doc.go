// Package layout holds no code: its test keeps the import rules of the
// project's architecture (see the README's Layout section).
package layout
