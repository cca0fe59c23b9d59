package web

import (
	"encoding/json"
	"testing"
)

// The list envelope: items never null; paging beside them only when paged.
func TestListEnvelope(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"nil items", listOf[int](nil), `{"items":[]}`},
		{"unpaged", listOf([]string{"a"}), `{"items":["a"]}`},
		{"paged", pageOf([]int{1, 2}, 7, 2, 2), `{"items":[1,2],"total":7,"page":2,"per_page":2}`},
		{"total only", pageOf([]int{}, 0, 0, 0), `{"items":[],"total":0}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%s: %s %v, want %s", c.name, b, err, c.want)
		}
	}
}
