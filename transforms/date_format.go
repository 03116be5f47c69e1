package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateFormat is a java.text.SimpleDateFormat pattern, always in UTC as
// Kafka's TimestampConverter and TimestampRouter use it. It formats and
// parses the common letters (G y M L d D E u a H k K h m s S z Z X) and
// rejects the rest at configuration time. Parsing is lenient like Java's:
// out-of-range values roll over, and text after the pattern is ignored.
type dateFormat struct {
	pattern string
	toks    []dfTok
}

type dfTok struct {
	letter byte // 0 = literal
	count  int
	lit    string
}

const numericLetters = "yMLdDuHkKhmsS"

func parseDateFormat(p string) (*dateFormat, error) {
	f := &dateFormat{pattern: p}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.toks = append(f.toks, dfTok{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("Unterminated quote in pattern %q", p)
			}
			// '' inside a quoted run is a quote too
			j := i + 1
			for {
				end = strings.IndexByte(p[j:], '\'')
				if end < 0 {
					return nil, fmt.Errorf("Unterminated quote in pattern %q", p)
				}
				lit.WriteString(p[j : j+end])
				j += end + 1
				if j < len(p) && p[j] == '\'' {
					lit.WriteByte('\'')
					j++
					continue
				}
				break
			}
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			switch c {
			case 'G', 'y', 'M', 'L', 'd', 'D', 'E', 'u', 'a', 'H', 'k', 'K', 'h', 'm', 's', 'S', 'z', 'Z':
			case 'X':
				if n > 3 {
					return nil, fmt.Errorf("invalid ISO 8601 format: length=%d in pattern %q", n, p)
				}
			case 'Y', 'w', 'W', 'F':
				return nil, fmt.Errorf("pattern letter '%c' (week-based fields) in %q is not supported by inlet", c, p)
			default:
				return nil, fmt.Errorf("Illegal pattern character '%c' in %q", c, p)
			}
			flush()
			f.toks = append(f.toks, dfTok{letter: c, count: n})
			i += n
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return f, nil
}

var (
	monthsLong  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	daysLong    = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	ampm        = []string{"AM", "PM"}
	utcLongName = "Coordinated Universal Time"
)

func pad(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Format renders t (in UTC) with the pattern.
func (f *dateFormat) Format(t time.Time) string {
	return string(f.Append(make([]byte, 0, 32), t))
}

// Append is Format appending to b.
func (f *dateFormat) Append(b []byte, t time.Time) []byte {
	t = t.UTC()
	for _, k := range f.toks {
		n := k.count
		switch k.letter {
		case 0:
			b = append(b, k.lit...)
		case 'G':
			if t.Year() > 0 {
				b = append(b, "AD"...)
			} else {
				b = append(b, "BC"...)
			}
		case 'y':
			y := t.Year()
			if y <= 0 {
				y = 1 - y // year of era
			}
			if n == 2 {
				b = pad(b, y%100, 2)
			} else {
				b = pad(b, y, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b = append(b, monthsLong[t.Month()-1]...)
			case n == 3:
				b = append(b, monthsLong[t.Month()-1][:3]...)
			default:
				b = pad(b, int(t.Month()), n)
			}
		case 'd':
			b = pad(b, t.Day(), n)
		case 'D':
			b = pad(b, t.YearDay(), n)
		case 'E':
			if n >= 4 {
				b = append(b, daysLong[t.Weekday()]...)
			} else {
				b = append(b, daysLong[t.Weekday()][:3]...)
			}
		case 'u':
			d := int(t.Weekday())
			if d == 0 {
				d = 7
			}
			b = pad(b, d, n)
		case 'a':
			b = append(b, ampm[t.Hour()/12]...)
		case 'H':
			b = pad(b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = pad(b, h, n)
		case 'K':
			b = pad(b, t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = pad(b, h, n)
		case 'm':
			b = pad(b, t.Minute(), n)
		case 's':
			b = pad(b, t.Second(), n)
		case 'S':
			b = pad(b, t.Nanosecond()/1e6, n)
		case 'z':
			if n >= 4 {
				b = append(b, utcLongName...)
			} else {
				b = append(b, "UTC"...)
			}
		case 'Z':
			b = append(b, "+0000"...)
		case 'X':
			b = append(b, 'Z')
		}
	}
	return b
}

// Parse reads s with the pattern. Fields not in the pattern default to
// 1970-01-01T00:00:00.000Z; values roll over like Java's lenient calendar.
func (f *dateFormat) Parse(s string) (time.Time, error) {
	year, month, day, hour, min, sec, ms := 1970, 1, 1, 0, 0, 0, 0
	yearDay, pm, hasPM, hour12 := 0, false, false, -1
	offset := 0
	bc := false
	pos := 0
	fail := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("Unparseable date: %q (at position %d, expected pattern %q)", s, pos, f.pattern)
	}
	for i, k := range f.toks {
		if k.letter == 0 {
			if !strings.HasPrefix(s[pos:], k.lit) {
				return fail()
			}
			pos += len(k.lit)
			continue
		}
		if strings.IndexByte(numericLetters, k.letter) >= 0 && !(k.letter == 'M' || k.letter == 'L') || (k.letter == 'M' || k.letter == 'L') && k.count <= 2 {
			// Abutting numeric fields read exactly count digits, as Java does.
			width := 0
			if i+1 < len(f.toks) && f.toks[i+1].letter != 0 && strings.IndexByte(numericLetters, f.toks[i+1].letter) >= 0 {
				width = k.count
			}
			neg := false
			if k.letter == 'y' && pos < len(s) && s[pos] == '-' && width == 0 {
				neg = true
				pos++
			}
			start := pos
			for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' && (width == 0 || pos-start < width) {
				pos++
			}
			if pos == start {
				return fail()
			}
			v, err := strconv.Atoi(s[start:pos])
			if err != nil {
				return fail()
			}
			if neg {
				v = -v
			}
			switch k.letter {
			case 'y':
				year = v
				if k.count <= 2 && pos-start == 2 && !neg {
					year = twoDigitYear(v)
				}
			case 'M', 'L':
				month = v
			case 'd':
				day = v
			case 'D':
				yearDay = v
			case 'u':
				// day of week: no effect on the date, as in Java when the date is given
			case 'H':
				hour = v
			case 'k':
				hour = v % 24
			case 'K':
				hour12 = v
			case 'h':
				hour12 = v % 12
			case 'm':
				min = v
			case 's':
				sec = v
			case 'S':
				ms = v
			}
			continue
		}
		switch k.letter {
		case 'M', 'L':
			m, n := matchName(s[pos:], monthsLong)
			if m < 0 {
				return fail()
			}
			month, pos = m+1, pos+n
		case 'E':
			d, n := matchName(s[pos:], daysLong)
			if d < 0 {
				return fail()
			}
			pos += n
		case 'a':
			a, n := matchName(s[pos:], ampm)
			if a < 0 {
				return fail()
			}
			pm, hasPM, pos = a == 1, true, pos+n
		case 'G':
			switch {
			case hasPrefixFold(s[pos:], "AD"):
				pos += 2
			case hasPrefixFold(s[pos:], "BC"):
				bc, pos = true, pos+2
			default:
				return fail()
			}
		case 'z', 'Z', 'X':
			off, n, ok := parseZone(s[pos:])
			if !ok {
				return fail()
			}
			offset, pos = off, pos+n
		}
	}
	if bc {
		year = 1 - year
	}
	if hour12 >= 0 {
		hour = hour12
		if hasPM && pm {
			hour += 12
		}
	} // with H, Java ignores 'a'; so do we
	var t time.Time
	if yearDay > 0 && month == 1 && day == 1 {
		t = time.Date(year, 1, yearDay, hour, min, sec, ms*1e6, time.UTC)
	} else {
		t = time.Date(year, time.Month(month), day, hour, min, sec, ms*1e6, time.UTC)
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}

// twoDigitYear places a yy year within 80 years before and 20 after now,
// as SimpleDateFormat does.
func twoDigitYear(v int) int {
	now := time.Now().UTC().Year()
	start := now - 80
	y := start - start%100 + v
	if y < start {
		y += 100
	}
	return y
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// matchName matches a full or three-letter name, case-insensitively.
func matchName(s string, names []string) (int, int) {
	for i, n := range names {
		if hasPrefixFold(s, n) {
			return i, len(n)
		}
	}
	for i, n := range names {
		if len(n) > 3 && hasPrefixFold(s, n[:3]) {
			return i, 3
		}
	}
	return -1, 0
}

// parseZone reads Z, UTC, GMT, GMT±hh:mm, ±hh, ±hhmm or ±hh:mm and
// returns the offset in seconds east of UTC.
func parseZone(s string) (int, int, bool) {
	n := 0
	switch {
	case strings.HasPrefix(s, "Z"):
		return 0, 1, true
	case hasPrefixFold(s, utcLongName):
		return 0, len(utcLongName), true
	case hasPrefixFold(s, "UTC"), hasPrefixFold(s, "GMT"):
		n = 3
		if len(s) == 3 || (s[3] != '+' && s[3] != '-') {
			return 0, 3, true
		}
		s = s[3:]
	}
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return 0, 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := func(p string) (int, bool) {
		if len(p) < 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, false
		}
		return int(p[0]-'0')*10 + int(p[1]-'0'), true
	}
	h, ok := digits(s[1:])
	if !ok {
		return 0, 0, false
	}
	used, m := 3, 0
	rest := s[3:]
	if strings.HasPrefix(rest, ":") {
		if mm, ok := digits(rest[1:]); ok {
			m, used = mm, 6
		}
	} else if mm, ok := digits(rest); ok {
		m, used = mm, 5
	}
	return sign * (h*3600 + m*60), n + used, true
}
