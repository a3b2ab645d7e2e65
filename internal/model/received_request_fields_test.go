package model

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"
)

// filledRequest returns a ReceivedRequest with every exported field, and every
// exported field of the structs it holds (Verification, each ForwardResult),
// set to a non-zero value by reflection: a field added to these structs gets a
// value here without anyone remembering to, so AppendJSONLine's comparison
// with json.Marshal sees it. A field of a type fill does not know fails the
// test, naming the field.
func filledRequest(t *testing.T) *ReceivedRequest {
	t.Helper()
	var r ReceivedRequest
	n := 0
	fill(t, reflect.ValueOf(&r).Elem(), "ReceivedRequest", &n)
	// A JSON body, so that "payload" is written too.
	r.Body = []byte(`{"type":"device.enrolled","data":{"id":"d_1","html":"<b>&</b>"}}`)
	return &r
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	headerType = reflect.TypeFor[http.Header]()
)

func fill(t *testing.T, v reflect.Value, path string, n *int) {
	t.Helper()
	*n++
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, *n, time.UTC)))
		return
	case headerType:
		v.Set(reflect.ValueOf(http.Header{"X-" + path: {"a", fmt.Sprint(*n)}, "Content-Type": {"application/json"}}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-%d", path, *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(fmt.Appendf(nil, "%s-%d", path, *n))
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range s.Len() {
			fill(t, s.Index(i), fmt.Sprintf("%s[%d]", path, i), n)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), path, n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				t.Fatalf("fill: %s.%s is unexported; teach fill about %s", path, f.Name, v.Type())
			}
			fill(t, v.Field(i), path+"."+f.Name, n)
		}
	default:
		t.Fatalf("fill: no value for %s of kind %s; teach fill about %s", path, v.Kind(), v.Type())
	}
}

// zeroFields lists the exported fields of v (recursively through pointers,
// slices and structs; time.Time and http.Header count as values) that hold
// their zero value.
func zeroFields(v reflect.Value, path string) []string {
	switch {
	case v.Type() == timeType || v.Type() == headerType:
		if v.IsZero() || v.Type() == headerType && v.Len() == 0 {
			return []string{path}
		}
		return nil
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return zeroFields(v.Elem(), path)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		if v.Len() == 0 {
			return []string{path}
		}
		var zero []string
		for i := range v.Len() {
			zero = append(zero, zeroFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return zero
	case v.Kind() == reflect.Struct:
		var zero []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				zero = append(zero, zeroFields(v.Field(i), path+"."+f.Name)...)
			}
		}
		return zero
	case v.IsZero() || v.Kind() == reflect.Slice && v.Len() == 0:
		return []string{path}
	}
	return nil
}

// fieldPaths lists every exported field reachable from v as a path of field
// indexes (through pointers and the first element of slices of structs).
func fieldPaths(v reflect.Value) [][]int {
	var paths [][]int
	var walk func(v reflect.Value, prefix []int)
	walk = func(v reflect.Value, prefix []int) {
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			p := append(slices.Clone(prefix), i)
			paths = append(paths, p)
			f := v.Field(i)
			if f.Kind() == reflect.Pointer && !f.IsNil() {
				f = f.Elem()
			} else if f.Kind() == reflect.Slice && f.Len() > 0 && f.Type().Elem().Kind() == reflect.Struct {
				f = f.Index(0)
			}
			if f.Kind() == reflect.Struct && f.Type() != timeType {
				walk(f, p)
			}
		}
	}
	walk(v, nil)
	return paths
}

// zeroAt sets the field at path (as fieldPaths gives it) to its zero value
// and returns its name.
func zeroAt(v reflect.Value, path []int) string {
	name := v.Type().Name()
	for i, idx := range path {
		name += "." + v.Type().Field(idx).Name
		v = v.Field(idx)
		if i == len(path)-1 {
			v.SetZero()
			break
		}
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		} else if v.Kind() == reflect.Slice {
			v = v.Index(0)
			name += "[0]"
		}
	}
	return name
}

// TestAppendJSONLineCoversEveryField: with every field of ReceivedRequest,
// Verification and ForwardResult set, and then with each one of them back at
// its zero value (omitempty), the hand-written encoder writes what json.Marshal
// writes. A field the encoder does not know about fails here.
func TestAppendJSONLineCoversEveryField(t *testing.T) {
	full := filledRequest(t)
	if zero := zeroFields(reflect.ValueOf(full).Elem(), "ReceivedRequest"); len(zero) > 0 {
		t.Fatalf("the fixture leaves fields zero: %v", zero)
	}
	check := func(name string, r *ReceivedRequest) {
		t.Helper()
		want := referenceJSONLine(r)
		if want == nil {
			t.Fatalf("%s: json.Marshal failed", name)
		}
		if got := r.AppendJSONLine(nil); !bytes.Equal(got, want) {
			at := 0
			for at < min(len(got), len(want)) && got[at] == want[at] {
				at++
			}
			from := max(at-40, 0)
			t.Errorf("%s: the encoders part at byte %d:\n got …%s\nwant …%s", name, at, got[from:], want[from:])
		}
	}
	check("every field set", full)
	paths := fieldPaths(reflect.ValueOf(full).Elem())
	if len(paths) < 30 {
		t.Fatalf("only %d fields found: %v", len(paths), paths)
	}
	for _, p := range paths {
		r := filledRequest(t)
		name := zeroAt(reflect.ValueOf(r).Elem(), p)
		check(name+" zero", r)
	}
}
