package kafka_test

import (
	"strings"
	"testing"

	"github.com/inletdev/inlet/connect/builtin"
	"github.com/inletdev/inlet/connect/worker"
)

// `inlet validate` (worker.CheckConfig) reports an exactly-once pipeline
// whose worker keeps offsets in a file, before anything starts.
func TestValidateReportsExactlyOnceWithoutOffsetTopic(t *testing.T) {
	reg := builtin.NewRegistry()
	pipeline := map[string]string{"name": "p", "connector.class": "datagen", "exactly.once.support": "required"}
	wc, err := worker.ParseWorkerConfig("worker.properties", map[string]string{"offset.storage.file.filename": t.TempDir() + "/o"})
	if err != nil {
		t.Fatal(err)
	}
	errs := worker.CheckConfig(reg, wc, nil, pipeline)
	found := false
	for _, e := range errs {
		if e.Key == "exactly.once.support" && strings.Contains(e.Reason, "offset.storage.topic") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no exactly.once.support error in %v", errs)
	}
	wc2, err := worker.ParseWorkerConfig("worker.properties", map[string]string{"offset.storage.topic": "offs"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range worker.CheckConfig(reg, wc2, nil, pipeline) {
		if e.Key == "exactly.once.support" {
			t.Fatalf("with offset.storage.topic set: %v", e)
		}
	}
}
