// Package opt holds Field, the value of a PATCH body field that may be
// absent (leave it), null (clear it) or set.
package opt

import (
	"bytes"
	"encoding/json"
)

// Field is one optional, nullable field of a partial update.
type Field[T any] struct {
	Set   bool // present in the body
	Null  bool // present and null
	Value T
}

// UnmarshalJSON records presence; encoding/json calls it only for keys that
// are in the body.
func (f *Field[T]) UnmarshalJSON(data []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		f.Null = true
		return nil
	}
	return json.Unmarshal(data, &f.Value)
}

// Ptr returns nil for null, else a pointer to the value; meaningful only
// when Set.
func (f Field[T]) Ptr() *T {
	if f.Null {
		return nil
	}
	v := f.Value
	return &v
}
