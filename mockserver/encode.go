package mockserver

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
)

// appendFlat writes a JSON object whose members are all scalars, keys in
// order, as encoding/json would (without HTML escaping). It reports false for
// anything else, which then goes through encoding/json: the answers most
// profiles render are such small maps, and this is the hot path.
func appendFlat(b []byte, v any) ([]byte, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) > 16 {
		return b, false
	}
	var keys [16]string
	ks := keys[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	b = append(b, '{')
	for i, k := range ks {
		if i > 0 {
			b = append(b, ',')
		}
		if b, ok = strictjson.AppendString(b, k); !ok {
			return b, false
		}
		b = append(b, ':')
		switch x := m[k].(type) {
		case string:
			if b, ok = strictjson.AppendString(b, x); !ok {
				return b, false
			}
		case bool:
			b = strconv.AppendBool(b, x)
		case int:
			b = strconv.AppendInt(b, int64(x), 10)
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case uint64:
			b = strconv.AppendUint(b, x, 10)
		case json.Number:
			if x == "" || !json.Valid([]byte(x)) {
				return b, false
			}
			b = append(b, x...)
		case nil:
			b = append(b, "null"...)
		default:
			return b, false
		}
	}
	return append(b, '}', '\n'), true
}
