package dts

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendRFC3339MatchesTimeFormat(t *testing.T) {
	cases := [][2]int64{{0, 0}, {-1, 0}, {-62167219200, 0}, {253402300799, 999999}, {951782400, 10}, {1655800215, 500000}, {-86401, 1}}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		cases = append(cases, [2]int64{r.Int64N(253402300799+62167219200) - 62167219200, r.Int64N(1000000)})
	}
	for _, c := range cases {
		want := time.Unix(c[0], c[1]*1000).UTC().Format("2006-01-02T15:04:05.999999Z07:00")
		if got := string(appendRFC3339(nil, c[0], int32(c[1]))); got != want {
			t.Fatalf("%d s %d µs: got %s, want %s", c[0], c[1], got, want)
		}
	}
}
