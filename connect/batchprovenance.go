package connect

import "context"

// BatchProvenance is an optional BatchTransformation extension for a
// transform that knows which input each output came from (a map, an
// enrichment, a split). The runtime then calls ApplyBatchFrom instead of
// ApplyBatch and attributes each output to exactly its input: when the
// sink fails one output, only that input is retried, dead-lettered or
// named in the task's error. Without it, an output is attributed to every
// input of its ApplyBatch call, since it may have been made from any of
// them.
type BatchProvenance interface {
	// ApplyBatchFrom is ApplyBatch that also returns from, one entry per
	// output: from[i] is the index in records of the input out[i] was made
	// from, or -1 when the transform cannot tell or out[i] was made from
	// several inputs (it is then attributed to every input of the call).
	// A from whose length is not len(out) counts as all -1.
	ApplyBatchFrom(ctx context.Context, records []*Record) (out []*Record, from []int, err error)
}
