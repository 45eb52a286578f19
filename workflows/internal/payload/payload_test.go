package payload

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSizeIsTheEncodedLength(t *testing.T) {
	v := map[string][]string{"recordIds": {"1", "<2>"}}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, len(b), Size(v))
	assert.Equal(t, string(b), string(Encode(v)))
	assert.Equal(t, ServerLimit, Size(func() {}), "what cannot be encoded counts as too large")
	assert.Nil(t, Encode(func() {}))
}

func TestTruncateKeepsAtMostMax(t *testing.T) {
	assert.Equal(t, "abc", Truncate("abc", 3))
	assert.Equal(t, "ab…", Truncate("abc", 2))
	assert.Len(t, Truncate(strings.Repeat("x", 5000), MaxMessageChars), MaxMessageChars+len("…"))
}

func TestDecodeAndIsObject(t *testing.T) {
	var v struct{ Op string }
	require.NoError(t, Decode([]byte(`{"op":"enter"}`), &v))
	assert.Equal(t, "enter", v.Op)
	assert.True(t, IsObject(json.RawMessage(" \n{}")))
	for _, raw := range []string{`[1]`, `"s"`, ``, `null`} {
		assert.False(t, IsObject(json.RawMessage(raw)), raw)
	}
}
