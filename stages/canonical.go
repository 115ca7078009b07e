package stages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/chaos-runner/runner/spec"
)

// Canonical encodes a params value as canonical JSON: struct fields under
// their yaml names in declaration order, map keys sorted, numbers in their
// shortest exact form. Equal params always give equal bytes.
func Canonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeCanonical(&buf, reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	nodeType     = reflect.TypeFor[spec.Node]()
)

func encodeCanonical(buf *bytes.Buffer, v reflect.Value) error {
	if !v.IsValid() {
		buf.WriteString("null")
		return nil
	}
	if v.Type() == durationType {
		writeString(buf, time.Duration(v.Int()).String())
		return nil
	}
	if v.Type() == nodeType {
		return encodeNode(buf, v.Addr().Interface().(*spec.Node))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return encodeCanonical(buf, v.Elem())
	case reflect.Struct:
		buf.WriteByte('{')
		for i, f := range spec.Fields(v.Type()) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, f.Name)
			buf.WriteByte(':')
			if err := encodeCanonical(buf, v.FieldByIndex(f.Index)); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		buf.WriteByte('}')
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		byKey := map[string]reflect.Value{}
		for _, k := range v.MapKeys() {
			s := fmt.Sprint(k.Interface())
			keys = append(keys, s)
			byKey[s] = v.MapIndex(k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := encodeCanonical(buf, byKey[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		buf.WriteByte('}')
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeCanonical(buf, v.Index(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case reflect.String:
		writeString(buf, v.String())
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("non-finite number %v", f)
		}
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	default:
		return fmt.Errorf("unsupported params type %s", v.Type())
	}
	return nil
}

func encodeNode(buf *bytes.Buffer, n *spec.Node) error {
	switch n.Kind {
	case spec.MapNode:
		entries := append([]spec.Entry(nil), n.Entries...)
		sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
		buf.WriteByte('{')
		for i, e := range entries {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, e.Key)
			buf.WriteByte(':')
			if err := encodeNode(buf, e.Value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case spec.SeqNode:
		buf.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeNode(buf, it); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		switch n.Tag {
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				writeString(buf, n.Value)
				return nil
			}
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		case "!!bool":
			b, _ := strconv.ParseBool(n.Value)
			buf.WriteString(strconv.FormatBool(b))
		case "!!null":
			buf.WriteString("null")
		default:
			writeString(buf, n.Value)
		}
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}
