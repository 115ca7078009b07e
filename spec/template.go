package spec

import (
	"fmt"
	"strings"

	"github.com/chaos-runner/runner/internal/suggest"
)

// checkParams checks the ${axis} templates in every string of params.
func (b *builder) checkParams(st *stage, n *Node, path string) bool {
	ok := true
	switch n.Kind {
	case ScalarNode:
		if n.Tag == "!!str" && strings.Contains(n.Value, "$") {
			ok = b.checkTemplate(st, n.Value, n.Pos, path)
		}
	case MapNode:
		for _, e := range n.Entries {
			if !b.checkParams(st, e.Value, joinPath(path, e.Key)) {
				ok = false
			}
		}
	case SeqNode:
		for i, it := range n.Items {
			if !b.checkParams(st, it, fmt.Sprintf("%s[%d]", path, i)) {
				ok = false
			}
		}
	}
	return ok
}

// checkTemplate checks the ${axis} references of s against st's foreach.
func (b *builder) checkTemplate(st *stage, s string, p Pos, path string) bool {
	if st.foreachBad {
		return false
	}
	ok := true
	names := make([]string, len(st.foreach))
	for i, a := range st.foreach {
		names[i] = a.name
	}
	_, _, err := substitute(s, func(name string) (string, bool) {
		if contains(names, name) {
			return "", true
		}
		ok = false
		switch {
		case name == "":
			b.errorf(p, path, "empty \"${}\" in %q", s)
		case b.axisByID[name] != nil:
			b.errorf(p, path, "\"${%s}\": axis %q is not in the foreach of stage %q", name, name, st.id)
		default:
			b.errorf(p, path, "\"${%s}\": unknown matrix axis %q%s", name, name, suggest.DidYouMean(name, append(names, b.axisNames()...)))
		}
		return "", true
	})
	if err != "" {
		b.errorf(p, path, "%s in %q", err, s)
		ok = false
	}
	return ok
}

// substitute replaces each ${name} in s by lookup(name); "$${" writes a
// literal "${". whole reports that s is exactly one reference. A non-empty
// problem describes a malformed template.
func substitute(s string, lookup func(string) (string, bool)) (out string, whole bool, problem string) {
	if !strings.Contains(s, "$") {
		return s, false, ""
	}
	var sb strings.Builder
	refs := 0
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			sb.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return s, false, `unterminated "${" (write "$${" for a literal "${")`
			}
			name := strings.TrimSpace(s[i+2 : i+2+end])
			v, _ := lookup(name)
			sb.WriteString(v)
			refs++
			if i == 0 && i+3+end == len(s) {
				whole = true
			}
			i += 3 + end
		default:
			sb.WriteByte(s[i])
			i++
		}
	}
	return sb.String(), whole && refs == 1, ""
}

// cellLookup returns a template lookup over the values of c.
func cellLookup(c Cell) func(string) (string, bool) {
	return func(name string) (string, bool) { return c.Get(name) }
}
