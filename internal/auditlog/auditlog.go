// Package auditlog records who changed which user, unit, application or
// assessment, when, and how, in the audit_log table. Findings keep their
// own hash-chained history instead.
package auditlog

import (
	"encoding/json"

	"gorm.io/gorm"
)

// Change is one field's value before and after.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Diff keeps the fields whose before and after values ([2]any) differ, as
// their JSON encodings tell.
func Diff(pairs map[string][2]any) map[string]Change {
	out := make(map[string]Change)
	for k, p := range pairs {
		a, _ := json.Marshal(p[0])
		b, _ := json.Marshal(p[1])
		if string(a) != string(b) {
			out[k] = Change{p[0], p[1]}
		}
	}
	return out
}

// Write records, in tx, that actor (nil: the system) did action to the
// object.
func Write(tx *gorm.DB, actor *int64, action, objectType string, id int64, changes map[string]Change) error {
	data, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO audit_log (actor_id, action, object_type, object_id, changes) VALUES (?, ?, ?, ?, ?)`,
		actor, action, objectType, id, string(data)).Error
}

// Created describes a new object: every field from nothing to its value.
func Created(fields map[string]any) map[string]Change {
	out := make(map[string]Change, len(fields))
	for k, v := range fields {
		out[k] = Change{To: v}
	}
	return out
}
