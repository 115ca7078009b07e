package stages

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"

	"github.com/chaos-runner/runner/spec"
)

// axisRef matches "${axis}" placeholders, which may stand for any scalar.
const axisRef = `\$\{[A-Za-z_][A-Za-z0-9_]*\}`

// JSONSchema generates the JSON Schema (draft-07) of pipeline files from the
// registry: the top-level keys, every stage kind and its params. Editors
// with yaml-language-server use it through the first-line comment
// `# yaml-language-server: $schema=../schemas/pipeline.schema.json`.
func (r *Registry) JSONSchema() ([]byte, error) {
	kinds := r.Kinds()
	names := make([]any, len(kinds))
	defs := map[string]any{}
	var cases []any
	for i, k := range kinds {
		names[i] = k.Name()
		def := typeSchema(k.ParamsType(), reflect.ValueOf(k.Defaults()))
		def["description"] = k.Summary()
		defs["params_"+k.Name()] = def
		cases = append(cases, obj{
			"if":   obj{"properties": obj{"kind": obj{"const": k.Name()}}},
			"then": obj{"properties": obj{"params": obj{"$ref": "#/definitions/params_" + k.Name()}}},
		})
	}
	scalar := obj{"type": []any{"string", "number", "integer", "boolean"}}
	defs["stage"] = obj{
		"type":                 "object",
		"required":             []any{"kind"},
		"additionalProperties": false,
		"properties": obj{
			"kind":    obj{"enum": names, "description": "the stage kind (see schemas/STAGES.md)"},
			"foreach": obj{"type": "array", "items": obj{"type": "string"}, "description": "matrix axes this stage expands over"},
			"inputs": obj{"type": "object", "description": "input port -> producer selector such as data[${system}].train or score[*].metrics, or a list of selectors (fan-in from several stages)",
				"additionalProperties": obj{"anyOf": []any{obj{"type": "string"}, obj{"type": "array", "items": obj{"type": "string"}, "minItems": 1}}}},
			"params":    obj{"type": "object"},
			"timeout":   obj{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, "description": "per-attempt time limit, such as 30s or 10m"},
			"retries":   obj{"type": "integer", "minimum": 0, "description": "extra attempts after a failure"},
			"resources": resourcesSchema(),
			"batch":     obj{"type": "integer", "minimum": 0, "description": "cells of this stage computed by one batch job (Slurm executor); default from the cells' recorded wall times"},
			"publish":   obj{"type": "string", "minLength": 1, "description": "folder, relative to the pipeline file, where runner apply publishes the stage's file outputs after it succeeds"},
		},
		"allOf": cases,
	}
	axis := obj{"oneOf": []any{
		obj{"type": "array", "items": scalar, "minItems": 1},
		obj{"type": "object", "description": "values: [...] or a named selection such as {catalog: flows}, with optional include/exclude lists",
			"properties": obj{"values": obj{"type": "array", "items": scalar}, "include": obj{"type": "array", "items": scalar}, "exclude": obj{"type": "array", "items": scalar}}},
	}}
	root := obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  "https://github.com/chaos-runner/runner/schemas/pipeline.schema.json",
		"title":                "runner pipeline file",
		"type":                 "object",
		"required":             []any{"version", "name", "stages"},
		"additionalProperties": false,
		"properties": obj{
			"version": obj{"const": 1, "description": "file format version"},
			"name":    obj{"type": "string", "description": "pipeline name; refs in the artifact store are kept per name"},
			"seed":    obj{"type": "integer", "minimum": 0, "description": "root seed; each stage derives its own from (seed, stage id, matrix cell)"},
			"resources": obj{"type": "object", "description": "default batch-job resources per stage kind, such as {generate: {mem: 4G}}",
				"propertyNames": obj{"enum": names}, "additionalProperties": resourcesSchema()},
			"max_instances": obj{"type": "integer", "minimum": 1, "default": spec.DefaultMaxCells,
				"description": "most stage instances the matrix may expand to, over all stages; counted before expanding"},
			"matrix": obj{"type": "object", "description": "matrix axes; the reserved key exclude lists partial cells to drop",
				"properties":           obj{"exclude": obj{"type": "array", "items": obj{"type": "object", "additionalProperties": scalar}}},
				"additionalProperties": axis},
			"stages": obj{"type": "object", "propertyNames": obj{"pattern": "^[a-z][a-z0-9_]*$"},
				"additionalProperties": obj{"$ref": "#/definitions/stage"}},
		},
		"definitions": defs,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type obj = map[string]any

// resourcesSchema describes spec.Resources.
func resourcesSchema() obj {
	s := typeSchema(reflect.TypeFor[spec.Resources](), reflect.Value{})
	s["description"] = "batch-job resources (Slurm executor); not part of the cache key"
	return s
}

// typeSchema describes a Go params type; def holds its default value.
func typeSchema(t reflect.Type, def reflect.Value) obj {
	placeholder := obj{"type": "string", "pattern": axisRef}
	for t.Kind() == reflect.Pointer {
		if t.Elem() == reflect.TypeFor[spec.Node]() {
			return obj{}
		}
		t = t.Elem()
		if def.IsValid() && !def.IsNil() {
			def = def.Elem()
		} else {
			def = reflect.Value{}
		}
	}
	var s obj
	switch {
	case t == reflect.TypeFor[time.Duration]():
		s = obj{"type": "string", "description": "a duration such as 30s"}
	case t == reflect.TypeFor[spec.Node]():
		return obj{}
	default:
		switch t.Kind() {
		case reflect.Struct:
			props := obj{}
			var req []any
			for _, f := range spec.Fields(t) {
				var fdef reflect.Value
				if def.IsValid() {
					fdef = def.FieldByIndex(f.Index)
				}
				fs := typeSchema(f.Type, fdef)
				if f.Doc != "" {
					fs["description"] = f.Doc
				}
				if !f.Required && fdef.IsValid() && !fdef.IsZero() {
					fs["default"] = jsonValue(fdef)
				}
				props[f.Name] = fs
				if f.Required {
					req = append(req, f.Name)
				}
			}
			s = obj{"type": "object", "properties": props, "additionalProperties": false}
			if len(req) > 0 {
				s["required"] = req
			}
			return s
		case reflect.Slice, reflect.Array:
			return obj{"anyOf": []any{obj{"type": "array", "items": typeSchema(t.Elem(), reflect.Value{})}, placeholder}}
		case reflect.Map:
			return obj{"type": "object", "additionalProperties": typeSchema(t.Elem(), reflect.Value{})}
		case reflect.String:
			return obj{"type": "string"}
		case reflect.Bool:
			s = obj{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s = obj{"type": "integer"}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = obj{"type": "integer", "minimum": 0}
		case reflect.Float32, reflect.Float64:
			s = obj{"type": "number"}
		default:
			return obj{}
		}
	}
	return obj{"anyOf": []any{s, placeholder}}
}

// jsonValue converts a default to a JSON-encodable value via Canonical.
func jsonValue(v reflect.Value) any {
	b, err := Canonical(v.Interface())
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
