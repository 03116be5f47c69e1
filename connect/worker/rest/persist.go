package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/inletdev/inlet/connect/worker"
	"github.com/inletdev/inlet/connect/worker/configstore"
)

// Restore creates in w every pipeline kept in the store, in its stored
// target state. Pipelines named in fromFiles (given on the command line)
// are skipped: the command line wins, because it is what the operator just
// asked for; the stored copy stays until the pipeline is next changed or
// deleted over REST, and a warning says so. A stored pipeline that no
// longer validates is reported in the returned error and skipped; the
// others still start.
func Restore(ctx context.Context, w *worker.Worker, st *configstore.Store, fromFiles map[string]bool, log *slog.Logger) error {
	entries, err := st.Load()
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if fromFiles[e.Name] {
			log.Warn("pipeline given on the command line overrides the copy kept from the REST API",
				"pipeline", e.Name, "store", st.Dir())
			continue
		}
		state := worker.TargetState(e.State)
		if state == "" {
			state = worker.TargetRunning
		}
		if err := w.Create(ctx, e.Name, e.Config, state); err != nil {
			errs = append(errs, fmt.Errorf("pipeline %q from %s: %w", e.Name, st.Dir(), err))
			continue
		}
		log.Info("pipeline restored from the REST config store", "pipeline", e.Name, "state", state)
	}
	return errors.Join(errs...)
}
