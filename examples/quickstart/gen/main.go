// Command gen writes the quickstart's records file: outbox change events
// from datagen (Debezium PostgreSQL change events of public.outboxevent),
// serialized by the JsonConverter with schemas, one kcat -J style envelope
// per line, as if read from the Debezium topic with kcat -J.
//
//	go run ./examples/quickstart/gen -n 20 -o examples/quickstart/outbox.records
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/inletdev/inlet/examples/quickstart"
)

func main() {
	n := flag.Int("n", 20, "number of change events")
	seed := flag.Int64("seed", 1, "datagen seed")
	out := flag.String("o", "-", "output file (- = stdout)")
	flag.Parse()
	if err := quickstart.Generate(*out, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
