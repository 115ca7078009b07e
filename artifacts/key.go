package artifacts

import (
	"errors"
	"fmt"
)

// Key identifies an entry of the store: the 64 lowercase hexadecimal
// characters of a SHA-256 digest. The runner computes it (see the design,
// section 5); the store only checks its form.
type Key string

// KeyLen is the length of a Key in characters.
const KeyLen = 64

// ParseKey checks that s is 64 lowercase hexadecimal characters and returns
// it as a Key.
func ParseKey(s string) (Key, error) {
	if !validKey(s) {
		return "", fmt.Errorf("artifacts: invalid key %q: want %d lowercase hex characters", s, KeyLen)
	}
	return Key(s), nil
}

// String returns the key as a string.
func (k Key) String() string { return string(k) }

// Short returns the first 12 characters of the key, for messages.
func (k Key) Short() string {
	if len(k) > 12 {
		return string(k[:12])
	}
	return string(k)
}

// Valid reports whether k is a well-formed key.
func (k Key) Valid() bool { return validKey(string(k)) }

func validKey(s string) bool {
	if len(s) != KeyLen {
		return false
	}
	// A table lookup per character: a million keys are checked when a
	// million-cell pipeline's ref log and size index are read.
	var bad byte
	for i := 0; i < KeyLen; i++ {
		bad |= notHexDigit[s[i]]
	}
	return bad == 0
}

// notHexDigit is 1 for every byte that is not a lower-case hex digit.
var notHexDigit = func() (t [256]byte) {
	for i := range t {
		t[i] = 1
	}
	for _, c := range "0123456789abcdef" {
		t[c] = 0
	}
	return t
}()

func checkKey(op string, k Key) error {
	if !k.Valid() {
		return fmt.Errorf("artifacts: %s: invalid key %q", op, string(k))
	}
	return nil
}

var (
	// ErrNotFound is returned (wrapped) when the store has no entry for a key.
	ErrNotFound = errors.New("artifacts: not found")
	// ErrCorrupt is wrapped by every *CorruptError.
	ErrCorrupt = errors.New("artifacts: corrupt entry")
)

// CorruptError reports a damaged entry: a manifest that does not parse or
// does not match its key, a missing output file, a size or digest mismatch.
// A corrupt entry must never be used; the runner evicts it with Remove and
// recomputes. errors.Is(err, ErrCorrupt) holds for it.
type CorruptError struct {
	Key    Key
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("artifacts: corrupt entry %s: %s", e.Key.Short(), e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

func corrupt(k Key, format string, args ...any) *CorruptError {
	return &CorruptError{Key: k, Reason: fmt.Sprintf(format, args...)}
}

func notFound(k Key) error {
	return fmt.Errorf("artifacts: entry %s: %w", k.Short(), ErrNotFound)
}

// shardIndex is the number (0–255) of the shard directory of key, its
// first two hex digits; false if they are not lower-case hex.
func shardIndex(key Key) (int, bool) {
	if len(key) < 2 {
		return 0, false
	}
	hi, ok1 := hexValue(key[0])
	lo, ok2 := hexValue(key[1])
	return hi<<4 | lo, ok1 && ok2
}

func hexValue(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	}
	return 0, false
}
