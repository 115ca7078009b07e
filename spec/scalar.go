package spec

import (
	"strconv"
	"strings"
)

// scalarTag returns the tag a substituted value gets when a scalar is
// exactly one "${axis}" reference: decimal integers become !!int, other
// decimal numbers !!float, true and false !!bool, anything else !!str.
func scalarTag(v string) string {
	switch {
	case v == "true" || v == "false":
		return "!!bool"
	case v == "" || !strings.ContainsAny(v[:1], "+-.0123456789"):
		return "!!str"
	}
	digits, dot, exp := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && digits && !exp && i+1 < len(v):
			exp, digits = true, false
			if v[i+1] == '+' || v[i+1] == '-' {
				i++
			}
		case (c == '+' || c == '-') && i == 0:
		default:
			return "!!str"
		}
	}
	switch {
	case !digits:
		return "!!str"
	case !dot && !exp:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "!!int"
		}
	}
	return "!!float"
}
