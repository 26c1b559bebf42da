package finding

import (
	"encoding/json"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// Changes to reference data (applications) go to the same audit_log as
// changes to users and units; findings have their own hash-chained events.

// auditChange is one field's before and after.
type auditChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// writeAudit records what actor did to an object, in tx.
func writeAudit(tx *gorm.DB, actor identity.Principal, action, objectType string, id int64, changes map[string]auditChange) error {
	data, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO audit_log (actor_id, action, object_type, object_id, changes) VALUES (?, ?, ?, ?, ?)`,
		actor.UserID, action, objectType, id, string(data)).Error
}

// changedFields keeps the fields whose value changed.
func changedFields(pairs map[string][2]any) map[string]auditChange {
	out := make(map[string]auditChange)
	for k, p := range pairs {
		a, _ := json.Marshal(p[0])
		b, _ := json.Marshal(p[1])
		if string(a) != string(b) {
			out[k] = auditChange{p[0], p[1]}
		}
	}
	return out
}
