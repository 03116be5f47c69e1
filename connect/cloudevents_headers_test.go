package connect

import "testing"

func TestHeadersLastText(t *testing.T) {
	h := Headers{{Key: "ce_id", Value: "a"}, {Key: "CE_ID", Value: []byte("b")}, {Key: "n", Value: nil}, {Key: "x", Value: 42}}
	for key, want := range map[string]string{"ce_id": "b", "Ce_Id": "b", "x": "42"} {
		if got, ok := h.LastText(key); !ok || got != want {
			t.Errorf("LastText(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := h.LastText("n"); ok {
		t.Error("a nil header value has text")
	}
	if _, ok := h.LastText("missing"); ok {
		t.Error("a missing header has text")
	}
}
