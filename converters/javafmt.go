package converters

import (
	"math"
	"math/big"
	"strconv"
)

// Kafka's converters run on the JVM, so numbers are written the way Java
// prints them. These helpers reproduce that text so inlet's output is
// byte-for-byte what Kafka Connect writes.

// appendJavaDouble appends f as Java's Double.toString (bits 64) or
// Float.toString (bits 32) does: shortest round-trip digits, plain notation
// with at least one fraction digit for 1e-3 <= |f| < 1e7 ("1.0", "0.001"),
// otherwise computerized scientific notation ("1.0E7", "1.5E-4").
func appendJavaDouble(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	// 'e' with precision -1 gives the shortest digits: d.ddddde±XX
	var scratch [40]byte
	s := strconv.AppendFloat(scratch[:0], f, 'e', -1, bits)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
		b = append(b, '-')
	}
	var digits [32]byte
	nd := 0
	i := 0
	for ; i < len(s) && s[i] != 'e'; i++ {
		if s[i] != '.' {
			digits[nd] = s[i]
			nd++
		}
	}
	exp := 0
	esign := 1
	i++ // skip 'e'
	if s[i] == '-' {
		esign = -1
	}
	for i++; i < len(s); i++ {
		exp = exp*10 + int(s[i]-'0')
	}
	exp *= esign // value = d.ddd × 10^exp
	d := digits[:nd]
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			// integer part = first exp+1 digits (padded with zeros)
			for k := 0; k <= exp; k++ {
				if k < len(d) {
					b = append(b, d[k])
				} else {
					b = append(b, '0')
				}
			}
			b = append(b, '.')
			if exp+1 < len(d) {
				b = append(b, d[exp+1:]...)
			} else {
				b = append(b, '0')
			}
			return b
		}
		b = append(b, '0', '.')
		for k := 0; k < -exp-1; k++ {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[0], '.')
	if len(d) > 1 {
		b = append(b, d[1:]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}

// javaBigDecimalString renders unscaled × 10^-scale as Java's
// BigDecimal.toString does: plain notation when scale >= 0 and the adjusted
// exponent is >= -6, otherwise scientific ("1E+3", "1.23E-8").
func javaBigDecimalString(unscaled *big.Int, scale int32) string {
	if unscaled == nil {
		unscaled = new(big.Int)
	}
	coeff := unscaled.String()
	neg := false
	if coeff[0] == '-' {
		neg = true
		coeff = coeff[1:]
	}
	adjusted := -int64(scale) + int64(len(coeff)-1)
	var out []byte
	if neg {
		out = append(out, '-')
	}
	if scale >= 0 && adjusted >= -6 {
		switch {
		case scale == 0:
			out = append(out, coeff...)
		case len(coeff) > int(scale):
			out = append(out, coeff[:len(coeff)-int(scale)]...)
			out = append(out, '.')
			out = append(out, coeff[len(coeff)-int(scale):]...)
		default:
			out = append(out, '0', '.')
			for k := 0; k < int(scale)-len(coeff); k++ {
				out = append(out, '0')
			}
			out = append(out, coeff...)
		}
		return string(out)
	}
	out = append(out, coeff[0])
	if len(coeff) > 1 {
		out = append(out, '.')
		out = append(out, coeff[1:]...)
	}
	out = append(out, 'E')
	if adjusted >= 0 {
		out = append(out, '+')
	}
	out = strconv.AppendInt(out, adjusted, 10)
	return string(out)
}

// twosComplement returns Java's BigInteger.toByteArray(): the minimal
// big-endian two's-complement bytes of n (at least one byte).
func twosComplement(n *big.Int) []byte {
	if n == nil || n.Sign() == 0 {
		return []byte{0}
	}
	if n.Sign() > 0 {
		b := n.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// negative: 2^(8k) + n for the smallest k whose top bit is set
	nbytes := (n.BitLen() + 8) / 8 // room for the sign bit
	m := new(big.Int).Lsh(big.NewInt(1), uint(nbytes*8))
	m.Add(m, n)
	b := m.Bytes()
	for len(b) < nbytes {
		b = append([]byte{0xff}, b...)
	}
	// drop redundant leading 0xff bytes (keep the sign bit set)
	for len(b) > 1 && b[0] == 0xff && b[1]&0x80 != 0 {
		b = b[1:]
	}
	return b
}

// fromTwosComplement is Java's new BigInteger(byte[]).
func fromTwosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return n
}
