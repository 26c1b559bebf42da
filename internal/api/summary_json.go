package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// The summary is written by hand: it holds two small maps per unit, and
// encoding/json builds, sorts and reflects over each of them, then checks
// the bytes again (about 9 ms of a loaded machine for 600 units, the
// national data set's; a quarter of it here). The bytes are encoding/json's
// own for toSummary's value, keys in the same order and strings escaped
// alike (TestSummaryJSONAsEncodingJSON), so clients see no change.

// appendSummary writes toSummary(s) as encoding/json would.
func appendSummary(b []byte, s report.Summary) []byte {
	b = append(b, `{"today":`...)
	if s.Today.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(append(append(b, '"'), s.Today.String()...), '"')
	}
	b = append(b, ',')
	b = appendCounts(b, s.Counts)
	b = append(b, `,"by_unit":[`...)
	for i, u := range s.Units {
		b = appendComma(b, i)
		b = append(b, `{"unit_id":`...)
		if u.UnitID == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, *u.UnitID, 10)
		}
		b = appendField(b, "unit_code", u.Code)
		b = appendField(b, "unit_name", u.Name)
		b = append(b, ',')
		b = append(appendCounts(b, u.Counts), '}')
	}
	b = append(b, `],"by_domain":[`...)
	for i, d := range s.Domains {
		b = appendGroup(appendComma(b, i), d.FrameworkCode, d.Code, d.Name, d.Counts)
	}
	b = append(b, `],"aspects":[`...)
	for i, a := range s.Aspects {
		b = appendGroup(appendComma(b, i), a.FrameworkCode, a.Code, a.Name, a.Counts)
	}
	return append(b, "]}"...)
}

// appendGroup writes a domain's or an aspect's counts.
func appendGroup(b []byte, framework, code, name string, c report.Counts) []byte {
	b = append(b, `{"framework_code":`...)
	b = appendString(b, framework)
	b = appendField(b, "code", code)
	b = appendField(b, "name", name)
	b = append(b, ',')
	return append(appendCounts(b, c), '}')
}

// appendCounts writes the fields of toCounts(c), without braces.
func appendCounts(b []byte, c report.Counts) []byte {
	b = append(b, `"total":`...)
	b = strconv.AppendInt(b, int64(c.Total), 10)
	b = append(b, `,"by_state":`...)
	var cats [len(categoryKeys)]int
	if c.ByState == nil {
		b = append(b, "null"...)
	} else {
		// One lookup a state in the common case (every state, no other):
		// the values written in key order and summed by category.
		var n [len(stateKeys)]int
		known := 0
		for i, st := range stateKeys {
			v, ok := c.ByState[st]
			if ok {
				known++
			}
			n[i] = v
			if j := stateCategory[i]; j >= 0 {
				cats[j] += v
			}
		}
		if known == len(c.ByState) && known == len(stateKeys) {
			b = append(b, '{')
			for i, st := range stateKeys {
				b = appendComma(b, i)
				b = append(append(append(b, '"'), st...), '"', ':')
				b = strconv.AppendInt(b, int64(n[i]), 10)
			}
			b = append(b, '}')
		} else {
			b = appendCountMap(b, c.ByState)
		}
	}
	b = append(b, `,"by_audit_category":{`...)
	for i, k := range categoryKeys {
		b = appendComma(b, i)
		b = append(append(append(b, '"'), k...), '"', ':')
		b = strconv.AppendInt(b, int64(cats[i]), 10)
	}
	b = append(b, `},"overdue":`...)
	b = strconv.AppendInt(b, int64(c.Overdue), 10)
	b = append(b, `,"due_in_7_days":`...)
	b = strconv.AppendInt(b, int64(c.DueIn7Days), 10)
	b = append(b, `,"due_in_30_days":`...)
	return strconv.AppendInt(b, int64(c.DueIn30Days), 10)
}

// stateKeys and categoryKeys are the maps' keys in encoding/json's order
// (report.Counts.ByCategory has every category); stateCategory is the
// index in categoryKeys of each state's category (-1: none). The keys are
// plain identifiers, written without escaping.
var (
	stateKeys    = [...]finding.State{finding.Closed, finding.Draft, finding.InProgress, finding.NotActionable, finding.Open, finding.Submitted}
	categoryKeys = [...]finding.AuditCategory{finding.BelumDitindaklanjuti, finding.BelumSesuai, finding.Sesuai,
		finding.TidakDapatDitindaklanjuti}
	stateCategory = func() (out [len(stateKeys)]int) {
		for i, st := range stateKeys {
			out[i] = slices.Index(categoryKeys[:], st.Category())
		}
		return out
	}()
)

// appendCountMap writes counts by state holding other keys than the
// known states' as an object, keys sorted.
func appendCountMap(b []byte, m map[finding.State]int) []byte {
	keys := slices.Sorted(maps.Keys(m))
	b = append(b, '{')
	for i, k := range keys {
		b = appendComma(b, i)
		b = appendString(b, string(k))
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(m[k]), 10)
	}
	return append(b, '}')
}

// appendField writes ,"name":"value".
func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendComma(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

// appendString writes s as encoding/json does: plain printable ASCII as
// it is, anything else (quotes, controls, HTML's <, > and &, invalid
// UTF-8, U+2028/9) through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
