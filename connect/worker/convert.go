package worker

import (
	"context"
	"fmt"

	"github.com/inletdev/inlet/connect"
)

// convertIn parses the bytes a BytesSource emitted (keys, values, header
// values that are []byte) with the pipeline's converters.
func (t *task) convertIn(ctx context.Context, b *batch, cur []*connect.Record, src []int32) ([]*connect.Record, []int32, error) {
	j := 0
	for i, r := range cur {
		out, stageName, plugin, err := t.fromBytes(r)
		if err != nil {
			if ferr := t.tolerate(ctx, b, stageName, plugin, src[i], err); ferr != nil {
				return nil, nil, ferr
			}
			continue
		}
		cur[j], src[j] = out, src[i]
		j++
	}
	clear(cur[j:])
	return cur[:j], src[:j], nil
}

func (t *task) fromBytes(r *connect.Record) (*connect.Record, string, string, error) {
	kb, kIs := r.Key.([]byte)
	vb, vIs := r.Value.([]byte)
	hIs := false
	for _, h := range r.Headers {
		if _, ok := h.Value.([]byte); ok {
			hIs = true
			break
		}
	}
	if !kIs && !vIs && !hIs {
		return r, "", "", nil
	}
	c := r.Clone()
	if hIs {
		hs := make(connect.Headers, len(r.Headers))
		for i, h := range r.Headers {
			hs[i] = h
			b, ok := h.Value.([]byte)
			if !ok {
				continue
			}
			s, v, err := t.hdrConv.ToHeader(r.Topic, h.Key, b)
			if err != nil {
				return nil, StageHeaderConverter, "header.converter " + t.plan.hdrConv.plugin.Name, fmt.Errorf("header %q: %w", h.Key, err)
			}
			hs[i] = connect.Header{Key: h.Key, Schema: s, Value: v}
		}
		c.Headers = hs
	}
	if kIs {
		s, v, err := t.keyConv.ToConnect(r.Topic, c.Headers, kb)
		if err != nil {
			return nil, StageKeyConverter, "key.converter " + t.plan.keyConv.plugin.Name, err
		}
		c.KeySchema, c.Key = s, v
	}
	if vIs {
		s, v, err := t.valConv.ToConnect(r.Topic, c.Headers, vb)
		if err != nil {
			return nil, StageValueConverter, "value.converter " + t.plan.valConv.plugin.Name, err
		}
		c.ValueSchema, c.Value = s, v
	}
	return c, "", "", nil
}

// convertOut serializes records for a BytesSink.
func (t *task) convertOut(ctx context.Context, b *batch, cur []*connect.Record, src []int32) ([]*connect.Record, []int32, error) {
	j := 0
	for i, r := range cur {
		out, err := t.toBytes(r)
		if err != nil {
			ce, _ := err.(*convError)
			if ferr := t.tolerate(ctx, b, ce.stage, ce.plugin, src[i], ce.err); ferr != nil {
				return nil, nil, ferr
			}
			continue
		}
		cur[j], src[j] = out, src[i]
		j++
	}
	clear(cur[j:])
	return cur[:j], src[:j], nil
}

type convError struct {
	stage, plugin string
	err           error
}

func (e *convError) Error() string { return e.plugin + ": " + e.err.Error() }
func (e *convError) Unwrap() error { return e.err }

// toBytes serializes key, value and header values with the converters;
// values that already are bytes (records read raw, e.g. for the DLQ) are
// kept as they are.
func (t *task) toBytes(r *connect.Record) (*connect.Record, error) {
	c := r.Clone()
	if len(r.Headers) > 0 {
		hs := make(connect.Headers, len(r.Headers))
		for i, h := range r.Headers {
			if b, ok := h.Value.([]byte); ok || h.Value == nil {
				hs[i] = connect.Header{Key: h.Key, Value: b}
				continue
			}
			b, err := t.hdrConv.FromHeader(r.Topic, h.Key, h.Schema, h.Value)
			if err != nil {
				return nil, &convError{StageHeaderConverter, "header.converter " + t.plan.hdrConv.plugin.Name, fmt.Errorf("header %q: %w", h.Key, err)}
			}
			hs[i] = connect.Header{Key: h.Key, Value: b}
		}
		c.Headers = hs
	}
	if _, ok := r.Key.([]byte); !ok && (r.Key != nil || r.KeySchema != nil) {
		b, err := t.keyConv.FromConnect(r.Topic, r.Headers, r.KeySchema, r.Key)
		if err != nil {
			return nil, &convError{StageKeyConverter, "key.converter " + t.plan.keyConv.plugin.Name, err}
		}
		c.Key = b
		if b == nil {
			c.Key = nil
		}
	}
	c.KeySchema = nil
	if _, ok := r.Value.([]byte); !ok && (r.Value != nil || r.ValueSchema != nil) {
		b, err := t.valConv.FromConnect(r.Topic, r.Headers, r.ValueSchema, r.Value)
		if err != nil {
			return nil, &convError{StageValueConverter, "value.converter " + t.plan.valConv.plugin.Name, err}
		}
		c.Value = b
		if b == nil {
			c.Value = nil
		}
	}
	c.ValueSchema = nil
	return c, nil
}
