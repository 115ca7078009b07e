package artifacts

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// fastDecodeManifest decodes manifest.json as Put writes it, several times
// faster than encoding/json (Lookup runs once per stage on every apply). It
// is strict: it accepts only valid JSON with the known field names, and
// returns false on anything else (unknown or oddly cased fields, unexpected
// nulls, strings it does not unescape, numbers out of range), in which case
// the caller decodes with encoding/json, which has the last word.
// TestFastDecodeMatchesJSON checks that whenever it accepts, encoding/json
// accepts and decodes to the same value.
func fastDecodeManifest(data []byte, mf *manifestFile) bool {
	d := jdec{b: data, arena: make([]byte, 0, len(data))}
	m := mf.Manifest
	if !d.open('{') {
		return false
	}
	var seen uint32 // duplicate fields are left to encoding/json
	for first := true; ; first = false {
		more, ok := d.more('}', first)
		if !ok {
			return false
		}
		if !more {
			break
		}
		key, ok := d.key()
		if !ok {
			return false
		}
		bit := uint32(1) << manifestField(key)
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch string(key) {
		case "format":
			v, ok := d.int()
			if !ok {
				return false
			}
			mf.Format = v
		case "key":
			s, ok := d.str()
			if !ok {
				return false
			}
			m.Key = Key(s)
		case "kind":
			if m.Kind, ok = d.str(); !ok {
				return false
			}
		case "version":
			if m.Version, ok = d.int(); !ok {
				return false
			}
		case "stage":
			if m.Stage, ok = d.str(); !ok {
				return false
			}
		case "cell":
			if m.Cell, ok = d.stringMap(); !ok {
				return false
			}
		case "params":
			raw, ok := d.raw()
			if !ok {
				return false
			}
			m.Params = append(json.RawMessage(nil), raw...)
		case "seed":
			tok, ok := d.number()
			if !ok {
				return false
			}
			v, err := strconv.ParseUint(string(tok), 10, 64)
			if err != nil {
				return false
			}
			m.Seed = v
		case "inputs":
			if m.Inputs, ok = d.inputs(); !ok {
				return false
			}
		case "outputs":
			if m.Outputs, ok = d.outputs(); !ok {
				return false
			}
		case "wall_seconds":
			tok, ok := d.number()
			if !ok {
				return false
			}
			v, err := strconv.ParseFloat(string(tok), 64)
			if err != nil {
				return false
			}
			m.WallSeconds = v
		case "runner_version":
			if m.RunnerVersion, ok = d.str(); !ok {
				return false
			}
		case "host":
			if m.Host, ok = d.str(); !ok {
				return false
			}
		case "created":
			// time.Time.UnmarshalJSON does not unescape: neither do we.
			s, ok := d.plain()
			if !ok || m.Created.UnmarshalText(s) != nil {
				return false
			}
		default:
			return false
		}
	}
	d.ws()
	return d.i == len(d.b)
}

// manifestField numbers the fields of a manifest (0 for unknown ones, which
// fastDecodeManifest rejects anyway).
func manifestField(key []byte) int {
	for i, f := range [...]string{"format", "key", "kind", "version", "stage", "cell", "params", "seed",
		"inputs", "outputs", "wall_seconds", "runner_version", "host", "created"} {
		if string(key) == f {
			return i + 1
		}
	}
	return 0
}

func (d *jdec) stringMap() (map[string]string, bool) {
	if d.null() {
		return nil, true
	}
	if !d.open('{') {
		return nil, false
	}
	out := make(map[string]string)
	for first := true; ; first = false {
		more, ok := d.more('}', first)
		if !ok {
			return nil, false
		}
		if !more {
			return out, true
		}
		k, ok := d.str()
		if !ok || !d.colon() {
			return nil, false
		}
		v, ok := d.str()
		if !ok {
			return nil, false
		}
		out[k] = v
	}
}

func (d *jdec) inputs() (map[string][]Key, bool) {
	if d.null() {
		return nil, true
	}
	if !d.open('{') {
		return nil, false
	}
	out := make(map[string][]Key)
	for first := true; ; first = false {
		more, ok := d.more('}', first)
		if !ok {
			return nil, false
		}
		if !more {
			return out, true
		}
		k, ok := d.str()
		if !ok || !d.colon() {
			return nil, false
		}
		var keys []Key
		if !d.null() {
			if !d.open('[') {
				return nil, false
			}
			keys = []Key{}
			for first := true; ; first = false {
				more, ok := d.more(']', first)
				if !ok {
					return nil, false
				}
				if !more {
					break
				}
				s, ok := d.str()
				if !ok {
					return nil, false
				}
				keys = append(keys, Key(s))
			}
		}
		out[k] = keys
	}
}

func (d *jdec) outputs() ([]FileInfo, bool) {
	if d.null() {
		return nil, true
	}
	if !d.open('[') {
		return nil, false
	}
	out := make([]FileInfo, 0, 4)
	for first := true; ; first = false {
		more, ok := d.more(']', first)
		if !ok {
			return nil, false
		}
		if !more {
			return out, true
		}
		var fi FileInfo
		if !d.open('{') {
			return nil, false
		}
		var seen uint8
		for first := true; ; first = false {
			more, ok := d.more('}', first)
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
			key, ok := d.key()
			if !ok {
				return nil, false
			}
			bit := uint8(1) << fileInfoField(key)
			if seen&bit != 0 {
				return nil, false
			}
			seen |= bit
			switch string(key) {
			case "port":
				fi.Port, ok = d.str()
			case "file":
				fi.File, ok = d.str()
			case "sha256":
				fi.SHA256, ok = d.str()
			case "schema":
				fi.Schema, ok = d.str()
			case "rows":
				fi.Rows, ok = d.int64()
			case "bytes":
				fi.Bytes, ok = d.int64()
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		out = append(out, fi)
	}
}

func fileInfoField(key []byte) int {
	for i, f := range [...]string{"port", "file", "rows", "bytes", "sha256", "schema"} {
		if string(key) == f {
			return i + 1
		}
	}
	return 0
}

// jdec is a minimal strict JSON scanner over a byte slice.
type jdec struct {
	b     []byte
	i     int
	depth int
	arena []byte // backing store of decoded strings, see str
}

func (d *jdec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// open consumes the opening byte c of an object or array.
func (d *jdec) open(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// more is called before each member of an object or array: it consumes ','
// (if not first) or the closing byte, and reports whether a member follows.
func (d *jdec) more(closing byte, first bool) (more, ok bool) {
	d.ws()
	if d.i >= len(d.b) {
		return false, false
	}
	switch c := d.b[d.i]; {
	case c == closing:
		d.i++
		return false, true
	case first:
		return true, true
	case c == ',':
		d.i++
		return true, true
	}
	return false, false
}

func (d *jdec) colon() bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ':' {
		d.i++
		return true
	}
	return false
}

// key reads an object key without escapes and the following colon; the
// returned bytes alias the input.
func (d *jdec) key() ([]byte, bool) {
	k, ok := d.plain()
	return k, ok && d.colon()
}

// plain reads a string of printable ASCII without escapes; the returned
// bytes alias the input.
func (d *jdec) plain() ([]byte, bool) {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			return d.b[start:j], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

func (d *jdec) null() bool {
	d.ws()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a JSON string. Its bytes are appended to d.arena, which was
// allocated once with room for every string of the document, and the result
// points into it: one allocation for all strings instead of one each.
func (d *jdec) str() (string, bool) {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := len(d.arena)
	high := false
	for j := d.i + 1; ; {
		k := j
		for k < len(d.b) {
			c := d.b[k]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			if c >= 0x80 {
				high = true
			}
			k++
		}
		d.arena = append(d.arena, d.b[j:k]...)
		if k >= len(d.b) || d.b[k] < 0x20 {
			return "", false
		}
		if d.b[k] == '"' {
			out := d.arena[start:]
			if high && !utf8.Valid(out) {
				return "", false
			}
			d.i = k + 1
			if len(out) == 0 {
				return "", true
			}
			return unsafe.String(&out[0], len(out)), true
		}
		// A backslash at k.
		if k+1 >= len(d.b) {
			return "", false
		}
		j = k + 2
		switch d.b[k+1] {
		case '"', '\\', '/':
			d.arena = append(d.arena, d.b[k+1])
		case 'b':
			d.arena = append(d.arena, '\b')
		case 'f':
			d.arena = append(d.arena, '\f')
		case 'n':
			d.arena = append(d.arena, '\n')
		case 'r':
			d.arena = append(d.arena, '\r')
		case 't':
			d.arena = append(d.arena, '\t')
		case 'u':
			r, ok := hex4(d.b, k+2)
			if !ok {
				return "", false
			}
			j = k + 6
			if utf16.IsSurrogate(r) {
				// Only a well-formed pair; encoding/json handles the rest.
				if j+6 > len(d.b) || d.b[j] != '\\' || d.b[j+1] != 'u' {
					return "", false
				}
				r2, ok := hex4(d.b, j+2)
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", false
				}
				j += 6
			}
			d.arena = utf8.AppendRune(d.arena, r)
			high = true
		default:
			return "", false
		}
	}
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a token matching the JSON number grammar.
func (d *jdec) number() ([]byte, bool) {
	d.ws()
	b, i := d.b, d.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	d.i = i
	return b[start:i], true
}

func (d *jdec) int() (int, bool) {
	v, ok := d.int64()
	if !ok || int64(int(v)) != v {
		return 0, false
	}
	return int(v), true
}

func (d *jdec) int64() (int64, bool) {
	tok, ok := d.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(tok), 10, 64)
	return v, err == nil
}

// raw returns the bytes of the next value, checked to be valid JSON.
func (d *jdec) raw() ([]byte, bool) {
	d.ws()
	start := d.i
	if !d.skip() {
		return nil, false
	}
	return d.b[start:d.i], true
}

// skip consumes one JSON value of any kind, validating it.
func (d *jdec) skip() bool {
	d.ws()
	if d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		_, ok := d.str()
		return ok
	case c == '{' || c == '[':
		if d.depth++; d.depth > 1000 {
			return false
		}
		defer func() { d.depth-- }()
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		d.i++
		for first := true; ; first = false {
			more, ok := d.more(closing, first)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if c == '{' {
				d.ws()
				if _, ok := d.str(); !ok || !d.colon() {
					return false
				}
			}
			if !d.skip() {
				return false
			}
		}
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	default:
		_, ok := d.number()
		return ok
	}
}

func (d *jdec) lit(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}
