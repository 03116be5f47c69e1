package dts

import (
	"fmt"
	"math/rand/v2"
	"strconv"
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

func TestPadMatchesFormat(t *testing.T) {
	for _, width := range []int{1, 2, 3, 4, 6} {
		for _, n := range []int64{-12345, -1, 0, 5, 9, 10, 99, 100, 999, 1000, 9999, 10000, 123456, 999999} {
			want := fmt.Sprintf("%0*d", width, n)
			if n < 0 {
				want = "-" + fmt.Sprintf("%0*d", width, -n)
			}
			if got := string(pad([]byte("x"), n, width)); got != "x"+want {
				t.Errorf("pad(%d, %d) = %q, want %q", n, width, got, "x"+want)
			}
		}
	}
}

func TestParseInt64MatchesStrconv(t *testing.T) {
	for _, s := range []string{"", "-", "+", "0", "-0", "+7", "007", "42", "-42", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "18446744073709551615", "99999999999999999999", "1_000", "1e3", " 1", "12a"} {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := parseInt64([]byte(s))
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseInt64(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
	}
}
