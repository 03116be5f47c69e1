package postgres

import (
	"fmt"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

func fmtSscanf(lsn string, hi, lo *uint32) (int, error) { return fmt.Sscanf(lsn, "%X/%X", hi, lo) }
