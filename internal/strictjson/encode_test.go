package strictjson

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		give, want string
		same       bool
	}{
		{"plain", `"plain"`, true},
		{`q"b\`, `"q\"b\\"`, true},
		{"\b\t\n\f\r\x00\x1f", `"\b\t\n\f\r\u0000\u001f"`, true},
		{"<&> é 漢 \U0001F600 \ufffd", "\"<&> é 漢 \U0001F600 \ufffd\"", true},
		{"bad \xff", "\"bad \xff\"", false},
		{"ls \u2028", "\"ls \u2028\"", false},
	} {
		got, same := AppendString(nil, tc.give)
		if string(got) != tc.want || same != tc.same {
			t.Errorf("AppendString(%q) = %s, %v; want %s, %v", tc.give, got, same, tc.want, tc.same)
		}
		if !same {
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tc.give); err != nil {
			t.Fatal(err)
		}
		if std := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, std) {
			t.Errorf("AppendString(%q) = %s, encoding/json writes %s", tc.give, got, std)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\u2028", "\xff\xfe", "漢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, same := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: not JSON: %v", s, got, err)
		}
		if same {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s)
			if std := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, std) {
				t.Fatalf("AppendString(%q) = %s, claims same as encoding/json %s", s, got, std)
			}
			if back != s {
				t.Fatalf("AppendString(%q) reads back as %q", s, back)
			}
		}
	})
}
