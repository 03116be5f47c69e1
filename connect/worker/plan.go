package worker

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/inletdev/inlet/connect"
)

// Pipeline keys the runtime owns (Kafka Connect's ConnectorConfig plus
// EventBridge's batching and retry policy). The connector never sees them.
const (
	KeyName               = "name"
	KeyConnectorClass     = "connector.class"
	KeyTasksMax           = "tasks.max"
	KeyTransforms         = "transforms"
	KeyPredicates         = "predicates"
	KeyRetryTimeout       = "errors.retry.timeout"
	KeyRetryDelayMax      = "errors.retry.delay.max.ms"
	KeyRetryPolicy        = "errors.retry.policy"
	KeyTolerance          = "errors.tolerance"
	KeyLogEnable          = "errors.log.enable"
	KeyLogMessages        = "errors.log.include.messages"
	KeyRestartMax         = "errors.restart.max.attempts"
	KeyRestartBackoff     = "errors.restart.backoff.ms"
	KeyRestartBackoffMax  = "errors.restart.backoff.max.ms"
	KeyRestartReset       = "errors.restart.reset.ms"
	KeyDLQTopic           = "errors.deadletterqueue.topic.name"
	KeyDLQHeaders         = "errors.deadletterqueue.context.headers.enable"
	KeyDLQConnector       = "errors.deadletterqueue.connector.class"
	KeyBatchSize          = "batch.size"
	KeyBatchInterval      = "batch.interval.ms"
	KeyConcurrency        = "batch.transform.concurrency"
	KeySinkConnector      = "sink.connector.class"
	KeySourceConnector    = "source.connector.class"
	KeyConfigActionReload = "config.action.reload"
	dlqPrefix             = "errors.deadletterqueue."
	kafkaPlugin           = "kafka"
)

// Retry policies (EventBridge's run options).
const (
	PolicyBackoff     = "BACKOFF_RETRY"
	PolicyExponential = "EXPONENTIAL_DECAY_RETRY"
)

func pipelineDef() *connect.ConfigDef {
	return connect.NewConfigDef(
		connect.ConfigKey{Name: KeyName, Required: true, Validator: connect.NonEmpty(), Importance: connect.High,
			Doc: "Unique name of the pipeline (Kafka Connect's connector name); offsets are stored under it."},
		connect.ConfigKey{Name: KeyConnectorClass, Type: connect.TypeClass, Required: true, Importance: connect.High,
			Doc: "The source or sink connector: a plugin name or a Java class name alias."},
		connect.ConfigKey{Name: KeyTasksMax, Type: connect.TypeInt, Default: "1", Validator: connect.AtLeast(1), Importance: connect.High,
			Doc: "Maximum number of tasks; a connector that cannot split its work runs one."},
		connect.ConfigKey{Name: "tasks.max.enforce", Type: connect.TypeBoolean, Default: "true", Importance: connect.Low,
			Doc: "Deprecated in Kafka; inlet always enforces tasks.max."},
		connect.ConfigKey{Name: KeyTransforms, Type: connect.TypeList, Default: "", Importance: connect.Low,
			Doc: "Aliases of the transforms to apply, in order; each needs transforms.<alias>.type."},
		connect.ConfigKey{Name: KeyPredicates, Type: connect.TypeList, Default: "", Importance: connect.Low,
			Doc: "Aliases of predicates; each needs predicates.<alias>.type."},
		connect.ConfigKey{Name: KeyKeyConverter, Type: connect.TypeClass, Importance: connect.Low,
			Doc: "Key converter for this pipeline; configured only from key.converter.* keys of this file."},
		connect.ConfigKey{Name: KeyValueConverter, Type: connect.TypeClass, Importance: connect.Low,
			Doc: "Value converter for this pipeline; configured only from value.converter.* keys of this file."},
		connect.ConfigKey{Name: KeyHeaderConverter, Type: connect.TypeClass, Importance: connect.Low,
			Doc: "Header converter for this pipeline."},
		connect.ConfigKey{Name: KeyRetryTimeout, Type: connect.TypeLong, Default: "0", Validator: connect.AtLeast(-1), Importance: connect.Medium,
			Doc: "Total time (ms) a failed operation is retried; -1 = forever, 0 = no retries (Kafka Connect). With 0 and no errors.retry.policy, errors a source or sink marks retriable are still retried forever, as Kafka Connect does for poll() and put()."},
		connect.ConfigKey{Name: KeyRetryDelayMax, Type: connect.TypeLong, Default: "60000", Validator: connect.AtLeast(1), Importance: connect.Medium,
			Doc: "Upper bound (ms) of one backoff sleep; delays grow 300 ms << n, then are random below this bound."},
		connect.ConfigKey{Name: KeyRetryPolicy, Default: "", Validator: connect.OneOf("", PolicyBackoff, PolicyExponential), Importance: connect.Medium,
			Doc: "EventBridge retry policy: BACKOFF_RETRY (3 retries, random 10-20 s) or EXPONENTIAL_DECAY_RETRY (176 retries: 1, 2, 4 ... 256 s, then 512 s). Unset = Kafka Connect's errors.retry.timeout backoff. errors.retry.timeout > 0 also bounds a policy."},
		connect.ConfigKey{Name: KeyTolerance, Default: "none", Validator: connect.OneOf("none", "all"), Importance: connect.Medium,
			Doc: "none: a record that fails after retries fails the task; all: it is logged, dead-lettered if a DLQ is set, and skipped."},
		connect.ConfigKey{Name: KeyLogEnable, Type: connect.TypeBoolean, Default: "false", Importance: connect.Medium,
			Doc: "Log every tolerated failure."},
		connect.ConfigKey{Name: KeyLogMessages, Type: connect.TypeBoolean, Default: "false", Importance: connect.Medium,
			Doc: "Include the record (coordinates, key, value, headers) in error logs."},
		connect.ConfigKey{Name: KeyRestartMax, Type: connect.TypeInt, Default: "0", Validator: connect.AtLeast(0), Importance: connect.Medium,
			Doc: "inlet only: how many times a FAILED task is restarted automatically before it stays FAILED; 0 = never, as in Kafka Connect, where only POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true does it. Between tries the task is RESTARTING and its status keeps the trace of the last failure. Offsets are kept: a restarted task resumes after the last committed record."},
		connect.ConfigKey{Name: KeyRestartBackoff, Type: connect.TypeLong, Default: "1000", Validator: connect.AtLeast(0), Importance: connect.Low,
			Doc: "inlet only: wait (ms) before the first automatic restart; each further restart waits twice as long as the one before, up to errors.restart.backoff.max.ms."},
		connect.ConfigKey{Name: KeyRestartBackoffMax, Type: connect.TypeLong, Default: "60000", Validator: connect.AtLeast(0), Importance: connect.Low,
			Doc: "inlet only: longest wait (ms) between automatic restarts."},
		connect.ConfigKey{Name: KeyRestartReset, Type: connect.TypeLong, Default: "300000", Validator: connect.AtLeast(0), Importance: connect.Low,
			Doc: "inlet only: a task run that lasts this long (ms) before failing counts as healthy: the restart count starts again from zero, so a rare failure never uses up errors.restart.max.attempts."},
		connect.ConfigKey{Name: KeyDLQTopic, Default: "", Importance: connect.Medium,
			Doc: "Dead-letter queue topic: failed records, as polled, go there through a second instance of the sink (or errors.deadletterqueue.connector.class), for sources and sinks alike."},
		connect.ConfigKey{Name: KeyDLQHeaders, Type: connect.TypeBoolean, Default: "false", Importance: connect.Medium,
			Doc: "Add __connect.errors.* headers (stage, class, exception, origin) to dead-lettered records."},
		connect.ConfigKey{Name: KeyDLQConnector, Type: connect.TypeClass, Default: "", Importance: connect.Low,
			Doc: "Sink plugin for the DLQ, configured by errors.deadletterqueue.* keys (prefix cut); default: the pipeline's sink with those keys overlaid."},
		connect.ConfigKey{Name: KeyBatchSize, Type: connect.TypeInt, Default: "100", Validator: connect.Between(1, 10000), Importance: connect.Medium,
			Doc: "Records per batch handed to the sink (EventBridge CountBasedWindow)."},
		connect.ConfigKey{Name: KeyBatchInterval, Type: connect.TypeLong, Default: "0", Validator: connect.Between(0, 15000), Importance: connect.Medium,
			Doc: "Longest wait (ms) after a batch's first record before it is delivered; 0 = deliver what has gathered at once (EventBridge TimeBasedWindow)."},
		connect.ConfigKey{Name: KeyConcurrency, Type: connect.TypeInt, Default: "1", Validator: connect.Between(1, maxConcurrency), Importance: connect.Medium,
			Doc: "Batches a task transforms at once, each through the whole chain on its own goroutine; batches still reach the sink, and their offsets are stored, in order. Raise it when a transform waits on a remote call (HttpFunction): calls for consecutive batches then overlap. Transforms, predicates and converters are called concurrently, which their contract allows."},
		connect.ConfigKey{Name: KeySinkConnector, Type: connect.TypeClass, Default: "", Importance: connect.High,
			Doc: "For a source connector: the sink records go to, configured by sink.* keys. Default: the kafka sink."},
		connect.ConfigKey{Name: KeySourceConnector, Type: connect.TypeClass, Default: "", Importance: connect.High,
			Doc: "For a sink connector: the source records come from, configured by source.* keys. Default: the kafka source."},
		connect.ConfigKey{Name: KeyConfigActionReload, Default: "restart", Validator: connect.OneOf("none", "restart"), Importance: connect.Low,
			Doc: "Kafka's reaction to config provider TTLs; inlet's providers have no TTL, so neither value triggers anything."},
	).
		AllowPrefix("transforms.", "transform settings").
		AllowPrefix("predicates.", "predicate settings").
		AllowPrefix("key.converter.", "key converter settings").
		AllowPrefix("value.converter.", "value converter settings").
		AllowPrefix("header.converter.", "header converter settings").
		AllowPrefix(dlqPrefix, "dead-letter queue sink overlay")
}

var runtimeDef = pipelineDef()

// PipelineConfigDef returns the runtime-owned pipeline keys (for docs and
// the REST validate answer).
func PipelineConfigDef() *connect.ConfigDef { return runtimeDef }

// Keys handed to the kafka sink when a source pipeline uses it by default,
// and to the kafka source when a sink pipeline does.
var (
	kafkaSinkKeys     = []string{"exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms", "offsets.storage.topic"}
	kafkaSinkPrefixes = []string{"producer.override.", "topic.creation.", "admin.override."}
	kafkaSrcKeys      = []string{"topics", "topics.regex"}
	kafkaSrcPrefixes  = []string{"consumer.override.", "admin.override."}
)

// plan is a validated pipeline: every plugin looked up, every config
// parsed, transforms and predicates built.
type plan struct {
	name     string
	kind     connect.Kind // kind of connector.class
	rt       connect.Config
	conn     *connect.Plugin // connector.class
	connCfg  connect.Config
	source   *connect.Plugin
	sink     *connect.Plugin
	srcCfg   connect.Config
	sinkCfg  connect.Config
	tasksMax int
	stages   []*stage

	keyConv, valConv, hdrConv convSpec

	dlq *dlqSpec

	batchSize     int
	batchInterval time.Duration
	concurrency   int // batches transformed at once (lanes.go)
	retry         retryPolicy
	restart       restartPolicy
	tolerateAll   bool
	logErrors     bool
	logMessages   bool
}

type convSpec struct {
	plugin *connect.Plugin
	cfg    connect.Config
	errs   connect.ConfigErrors // lookup or config problems, reported only if the converter is needed
	own    bool                 // set in the pipeline file, not inherited from the worker
}

type dlqSpec struct {
	topic   string
	headers bool
	plugin  *connect.Plugin
	cfg     connect.Config
}

type stage struct {
	alias  string
	plugin *connect.Plugin
	t      connect.Transformation
	bt     connect.BatchTransformation
	pred   connect.Predicate
	negate bool
	label  string // "transforms.<alias> (<plugin>)"
}

func (p *plan) close() {
	for _, s := range p.stages {
		if c, ok := s.t.(io.Closer); ok {
			_ = c.Close()
		}
		if c, ok := s.pred.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

// errs collects ConfigErrors with the prefix the user wrote.
type errs struct{ list connect.ConfigErrors }

func (e *errs) add(key, value, reason string) {
	e.list = append(e.list, &connect.ConfigError{Key: key, Value: value, Reason: reason})
}

func (e *errs) addAll(prefix string, err error) {
	ces := connect.AsConfigErrors(err)
	if ces == nil && err != nil {
		e.list = append(e.list, &connect.ConfigError{Key: strings.TrimSuffix(prefix, "."), Reason: err.Error()})
		return
	}
	for _, ce := range ces {
		c := *ce
		c.Key = prefix + c.Key
		e.list = append(e.list, &c)
	}
}

// buildPlan validates resolved pipeline props against the registry and
// returns every problem at once (ConfigErrors, keys as written in the file).
func buildPlan(reg *connect.Registry, wc WorkerConfig, m map[string]string) (*plan, error) {
	var e errs
	p := &plan{name: m[KeyName]}

	// 1. What is connector.class: a source or a sink?
	class := strings.TrimSpace(m[KeyConnectorClass])
	if class != "" {
		p.conn, p.kind = lookupConnector(reg, class, m, &e)
	}

	// 2. Split keys: runtime-owned, other side, connector.
	rtKeys := map[string]string{}
	connKeys := map[string]string{}
	other := map[string]string{} // keys for the other side, prefix cut
	kafkaExtra := map[string]string{}
	otherPrefix := "sink."
	otherClassKey := KeySinkConnector
	extraKeys, extraPrefixes := kafkaSinkKeys, kafkaSinkPrefixes
	if p.kind == connect.KindSink {
		otherPrefix, otherClassKey = "source.", KeySourceConnector
		extraKeys, extraPrefixes = kafkaSrcKeys, kafkaSrcPrefixes
	}
	for k, v := range m {
		switch {
		case k == otherClassKey:
			rtKeys[k] = v
		case strings.HasPrefix(k, otherPrefix):
			other[strings.TrimPrefix(k, otherPrefix)] = v
		case containsStr(extraKeys, k) || hasAnyPrefix(k, extraPrefixes):
			kafkaExtra[k] = v
		case isRuntimeKey(k):
			rtKeys[k] = v
		default:
			connKeys[k] = v
		}
	}
	rt, err := runtimeDef.Parse(rtKeys)
	e.addAll("", err)
	p.rt = rt
	p.tasksMax = max(rt.Int(KeyTasksMax), 1)
	p.batchSize = rt.Int(KeyBatchSize)
	if p.batchSize <= 0 {
		p.batchSize = 100
	}
	p.batchInterval = time.Duration(rt.Long(KeyBatchInterval)) * time.Millisecond
	p.concurrency = max(rt.Int(KeyConcurrency), 1)
	p.tolerateAll = strings.EqualFold(rt.String(KeyTolerance), "all")
	p.logErrors = rt.Bool(KeyLogEnable)
	p.logMessages = rt.Bool(KeyLogMessages)
	p.retry = newRetryPolicy(rt)
	p.restart = newRestartPolicy(rt)
	if n := m[KeyName]; strings.TrimSpace(n) != n || strings.ContainsFunc(n, isControl) {
		e.add(KeyName, n, "must not have leading or trailing spaces or control characters")
	}
	if p.kind == connect.KindSource && m[KeySourceConnector] != "" {
		e.add(KeySourceConnector, m[KeySourceConnector], "connector.class is a source; source.connector.class applies only when connector.class is a sink")
	}
	if p.kind == connect.KindSink && m[KeySinkConnector] != "" {
		e.add(KeySinkConnector, m[KeySinkConnector], "connector.class is a sink; sink.connector.class applies only when connector.class is a source")
	}

	// 3. The connector's own keys.
	if p.conn != nil {
		cfg, err := p.conn.Config.Parse(connKeys)
		e.addAll("", err)
		if err == nil && p.conn.CheckWorker != nil {
			e.list = append(e.list, p.conn.CheckWorker(cfg, wc.Props)...)
		}
		p.connCfg = cfg
	}

	// 4. The other side: a named plugin, or kafka by default.
	// sinkWritten maps a key of the sink's config to the key as written in
	// the file (for errors found again when the DLQ overlays the sink's).
	sinkWritten := func(k string) string { return k }
	if p.conn != nil {
		otherKind := connect.KindSink
		if p.kind == connect.KindSink {
			otherKind = connect.KindSource
		}
		name := strings.TrimSpace(rt.String(otherClassKey))
		explicit := name != ""
		if !explicit {
			name = kafkaPlugin
		}
		op, err := reg.Lookup(otherKind, name)
		switch {
		case err != nil && explicit:
			e.add(otherClassKey, name, err.Error())
		case err != nil:
			e.add(KeyConnectorClass, class, fmt.Sprintf("%s is a %s, so records %s Kafka by default, but this build has no %s %q plugin; set %s to another %s (run `inlet plugins`)",
				p.conn.Name, p.kind, map[bool]string{true: "go to", false: "come from"}[p.kind == connect.KindSource], otherKind, kafkaPlugin, otherClassKey, otherKind))
		default:
			keys := other
			if strings.EqualFold(op.Name, kafkaPlugin) {
				keys = merge(kafkaExtra, other)
			} else {
				for k, v := range kafkaExtra {
					e.add(k, v, fmt.Sprintf("applies only when records %s the kafka %s; this pipeline uses %s", map[bool]string{true: "go to", false: "come from"}[p.kind == connect.KindSource], otherKind, op.Name))
				}
			}
			checkOverrides(wc, keys, &e)
			cfg, err := op.Config.Parse(keys)
			e.addAll(otherPrefix, err)
			if err == nil && op.CheckWorker != nil {
				for _, ce := range op.CheckWorker(cfg, wc.Props) {
					c := *ce
					if _, ok := other[c.Key]; ok || !containsKey(kafkaExtra, c.Key) {
						c.Key = otherPrefix + c.Key
					}
					e.list = append(e.list, &c)
				}
			}
			if p.kind == connect.KindSource {
				sinkWritten = func(k string) string {
					if _, ok := other[k]; !ok {
						if _, ok := kafkaExtra[k]; ok {
							return k
						}
					}
					return otherPrefix + k
				}
				p.source, p.srcCfg, p.sink, p.sinkCfg = p.conn, p.connCfg, op, cfg
			} else {
				p.sink, p.sinkCfg, p.source, p.srcCfg = p.conn, p.connCfg, op, cfg
			}
		}
	}

	// 5. Predicates and transforms.
	preds := map[string]bool{}
	predPlugins := map[string]*connect.Plugin{}
	predCfgs := map[string]connect.Config{}
	for _, a := range rt.List(KeyPredicates) {
		if a == "" {
			continue
		}
		preds[a] = true
		prefix := "predicates." + a + "."
		typ := m[prefix+"type"]
		if typ == "" {
			e.add(prefix+"type", "", "missing: every predicate alias needs a type")
			continue
		}
		pp, err := reg.Lookup(connect.KindPredicate, typ)
		if err != nil {
			e.add(prefix+"type", typ, err.Error())
			continue
		}
		keys := cut(m, prefix)
		delete(keys, "type")
		cfg, err := pp.Config.Parse(keys)
		if err != nil {
			e.addAll(prefix, err)
			continue
		}
		predPlugins[a], predCfgs[a] = pp, cfg
	}
	transforms := rt.List(KeyTransforms)
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, "predicates."); ok {
			a, _, _ := strings.Cut(rest, ".")
			if !preds[a] {
				e.add(k, v, fmt.Sprintf("predicate alias %q is not listed in predicates", a))
			}
		}
		if rest, ok := strings.CutPrefix(k, "transforms."); ok {
			a, _, _ := strings.Cut(rest, ".")
			if !containsStr(transforms, a) {
				e.add(k, v, fmt.Sprintf("transform alias %q is not listed in transforms", a))
			}
		}
	}
	for _, a := range transforms {
		if a == "" {
			continue
		}
		prefix := "transforms." + a + "."
		st := &stage{alias: a}
		typ := m[prefix+"type"]
		var tp *connect.Plugin
		if typ == "" {
			e.add(prefix+"type", "", "missing: every transform alias needs a type")
		} else if tp, err = reg.Lookup(connect.KindTransform, typ); err != nil {
			e.add(prefix+"type", typ, err.Error())
			tp = nil
		}
		if pn, ok := m[prefix+"predicate"]; ok && strings.TrimSpace(pn) != "" {
			pn = strings.TrimSpace(pn)
			if !preds[pn] {
				e.add(prefix+"predicate", pn, fmt.Sprintf("predicate %q is not listed in predicates", pn))
			} else if pp := predPlugins[pn]; pp != nil {
				pr, err := pp.NewPredicate(predCfgs[pn])
				if err != nil {
					e.addAll("predicates."+pn+".", err)
				}
				st.pred = pr
			}
		}
		if nv, ok := m[prefix+"negate"]; ok {
			switch strings.ToLower(strings.TrimSpace(nv)) {
			case "true":
				st.negate = true
			case "false":
			default:
				e.add(prefix+"negate", nv, "expected a boolean (true or false)")
			}
			if strings.TrimSpace(m[prefix+"predicate"]) == "" {
				e.add(prefix+"negate", nv, "negate is set but the transform has no predicate")
			}
		}
		if tp == nil {
			continue
		}
		keys := cut(m, prefix)
		delete(keys, "type")
		delete(keys, "predicate")
		delete(keys, "negate")
		cfg, err := tp.Config.Parse(keys)
		if err != nil {
			e.addAll(prefix, err)
			continue
		}
		t, err := tp.NewTransform(cfg)
		if err != nil {
			e.addAll(prefix, err)
			continue
		}
		st.plugin, st.t = tp, t
		st.bt, _ = t.(connect.BatchTransformation)
		st.label = "transforms." + a + " (" + tp.Name + ")"
		p.stages = append(p.stages, st)
	}
	// Kafka allows predicates that no transform uses; so do we.

	// 6. Converters: the pipeline's own, configured only from its own keys,
	// else the worker's (Kafka Connect semantics).
	p.keyConv = converterSpec(reg, wc, m, KeyKeyConverter, connect.KindConverter)
	p.valConv = converterSpec(reg, wc, m, KeyValueConverter, connect.KindConverter)
	p.hdrConv = converterSpec(reg, wc, m, KeyHeaderConverter, connect.KindHeaderConverter)
	for _, c := range []convSpec{p.keyConv, p.valConv, p.hdrConv} {
		// A converter set in this file must be right even if unused.
		if c.own {
			e.list = append(e.list, c.errs...)
		}
	}

	// 7. Dead-letter queue.
	if topic := strings.TrimSpace(rt.String(KeyDLQTopic)); topic != "" && p.sink != nil {
		d := &dlqSpec{topic: topic, headers: rt.Bool(KeyDLQHeaders)}
		overlay := cut(m, dlqPrefix)
		for _, k := range []string{"topic.name", "context.headers.enable", "connector.class"} {
			delete(overlay, k)
		}
		if name := strings.TrimSpace(rt.String(KeyDLQConnector)); name != "" {
			dp, err := reg.Lookup(connect.KindSink, name)
			if err != nil {
				e.add(KeyDLQConnector, name, err.Error())
			} else {
				cfg, err := dp.Config.Parse(overlay)
				e.addAll(dlqPrefix, err)
				d.plugin, d.cfg = dp, cfg
			}
		} else {
			base := p.sinkCfg.Originals()
			// The DLQ instance must not share the sink's transactional
			// identity: a second producer with the same transactional id
			// would fence the main sink. Dead-lettering is at-least-once
			// unless the overlay asks otherwise.
			for _, k := range kafkaSinkKeys {
				if _, set := overlay[k]; !set {
					delete(base, k)
				}
			}
			cfg, err := p.sink.Config.Parse(merge(base, overlay))
			if err != nil {
				for _, ce := range connect.AsConfigErrors(err) {
					// Name each problem by the key the user wrote: an
					// overlay key, or the sink's own key (sink.<key> for a
					// source pipeline), whose error the sink's parse above
					// already reported; dedupe then keeps one of the two.
					c := *ce
					if _, ok := overlay[c.Key]; ok {
						c.Key = dlqPrefix + c.Key
					} else {
						c.Key = sinkWritten(c.Key)
					}
					e.list = append(e.list, &c)
				}
			}
			d.plugin, d.cfg = p.sink, cfg
		}
		p.dlq = d
		if p.kind == connect.KindSink && containsStr(connect.SplitList(m["topics"]), topic) {
			// Kafka Connect forbids it too: failures would be consumed again.
			e.add(KeyDLQTopic, topic, "must not be one of the topics the pipeline consumes (topics)")
		}
	} else if m[KeyDLQHeaders] != "" && rt.Bool(KeyDLQHeaders) && topic == "" {
		e.add(KeyDLQHeaders, m[KeyDLQHeaders], "has no effect without errors.deadletterqueue.topic.name")
	}

	if len(e.list) > 0 {
		p.close()
		e.list.Sort()
		dedupe(&e.list)
		return nil, e.list
	}
	return p, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func dedupe(l *connect.ConfigErrors) {
	out := (*l)[:0]
	seen := map[string]bool{}
	for _, e := range *l {
		k := e.File + "\x00" + e.Key + "\x00" + e.Reason
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	*l = out
}

func lookupConnector(reg *connect.Registry, class string, m map[string]string, e *errs) (*connect.Plugin, connect.Kind) {
	src, srcErr := reg.Lookup(connect.KindSource, class)
	snk, snkErr := reg.Lookup(connect.KindSink, class)
	switch {
	case srcErr == nil && snkErr == nil:
		// A name both kinds share ("file", "FileStream"): a name given
		// explicitly beats a derived one, then the other-side key decides.
		if se, ke := explicitName(src, class), explicitName(snk, class); se != ke {
			if se {
				return src, connect.KindSource
			}
			return snk, connect.KindSink
		}
		if m[KeySinkConnector] != "" && m[KeySourceConnector] == "" {
			return src, connect.KindSource
		}
		if m[KeySourceConnector] != "" && m[KeySinkConnector] == "" {
			return snk, connect.KindSink
		}
		e.add(KeyConnectorClass, class, fmt.Sprintf("names both the source %q and the sink %q; use a name of one kind (e.g. %q or %q)", src.Name, snk.Name, firstAlias(src), firstAlias(snk)))
	case srcErr == nil:
		return src, connect.KindSource
	case snkErr == nil:
		return snk, connect.KindSink
	default:
		reason := fmt.Sprintf("no source or sink connector is named %q", class)
		var sugg []string
		for _, err := range []error{srcErr, snkErr} {
			if u, ok := err.(*connect.UnknownPluginError); ok {
				sugg = append(sugg, u.Suggestions...)
			} else {
				reason = err.Error()
			}
		}
		if len(sugg) > 0 {
			reason += fmt.Sprintf(" (did you mean %s?)", quoteList(sugg))
		} else {
			reason += " (run `inlet plugins` to list them)"
		}
		e.add(KeyConnectorClass, class, reason)
	}
	return nil, 0
}

func explicitName(p *connect.Plugin, name string) bool {
	for _, n := range p.Names() {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return true
		}
	}
	return false
}

func firstAlias(p *connect.Plugin) string {
	for _, a := range p.Aliases {
		if i := strings.LastIndexByte(a, '.'); i >= 0 {
			return a[i+1:]
		}
	}
	if len(p.Aliases) > 0 {
		return p.Aliases[0]
	}
	return p.Name
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}

func converterSpec(reg *connect.Registry, wc WorkerConfig, m map[string]string, key string, kind connect.Kind) convSpec {
	name, own := m[key]
	src := m
	if !own || strings.TrimSpace(name) == "" {
		name, src = wc.setting(key), wc.Props
	}
	name = strings.TrimSpace(name)
	cp, err := reg.Lookup(kind, name)
	if err != nil {
		return convSpec{own: own, errs: connect.ConfigErrors{{Key: key, Value: name, Reason: err.Error()}}}
	}
	cfg, err := cp.Config.Parse(cut(src, key+"."))
	if ces := connect.AsConfigErrors(err); len(ces) > 0 {
		// Every problem, each under the key as written (key.converter.<k>).
		out := make(connect.ConfigErrors, len(ces))
		for i, ce := range ces {
			c := *ce
			c.Key = key + "." + c.Key
			out[i] = &c
		}
		return convSpec{own: own, errs: out}
	} else if err != nil {
		return convSpec{own: own, errs: connect.ConfigErrors{{Key: key, Value: name, Reason: err.Error()}}}
	}
	return convSpec{own: own, plugin: cp, cfg: cfg}
}

// checkOverrides applies connector.client.config.override.policy.
func checkOverrides(wc WorkerConfig, keys map[string]string, e *errs) {
	policy := strings.ToLower(wc.setting(KeyOverridePolicy))
	if policy == "all" || policy == "" {
		return
	}
	var bad []string
	for k := range keys {
		for _, pre := range []string{"producer.override.", "consumer.override.", "admin.override."} {
			rest, ok := strings.CutPrefix(k, pre)
			if !ok {
				continue
			}
			if policy == "principal" && (rest == "security.protocol" || rest == "sasl.jaas.config" || rest == "sasl.mechanism") {
				continue
			}
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	for _, k := range bad {
		e.add(k, "", "not allowed by the worker's connector.client.config.override.policy="+wc.setting(KeyOverridePolicy))
	}
}

func isRuntimeKey(k string) bool {
	if _, ok := runtimeDef.Key(k); ok {
		return true
	}
	for _, pre := range []string{"transforms.", "predicates.", "key.converter.", "value.converter.", "header.converter.", dlqPrefix} {
		if strings.HasPrefix(k, pre) {
			return true
		}
	}
	return false
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasAnyPrefix(k string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func cut(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// taskConfigs splits the connector's work (Plugin.Split) into at most
// tasks.max configs; without Split the connector runs one task.
func (p *plan) taskConfigs() ([]connect.Config, error) {
	if p.conn.Split == nil {
		return []connect.Config{p.connCfg}, nil
	}
	cfgs, err := p.conn.Split(p.connCfg, p.tasksMax)
	if err != nil {
		return nil, fmt.Errorf("%s: split into tasks: %w", p.conn.Name, err)
	}
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("%s: split into tasks returned no task", p.conn.Name)
	}
	if len(cfgs) > p.tasksMax {
		cfgs = cfgs[:p.tasksMax]
	}
	return cfgs, nil
}

// newConverters builds a task's converters from their specs.
func (p *plan) newConverters(_ context.Context) (key, val connect.Converter, hdr connect.HeaderConverter, err error) {
	for _, c := range []convSpec{p.keyConv, p.valConv, p.hdrConv} {
		if len(c.errs) > 0 {
			return nil, nil, nil, c.errs
		}
	}
	if key, err = p.keyConv.plugin.NewConverter(p.keyConv.cfg, true); err != nil {
		return nil, nil, nil, fmt.Errorf("key.converter %s: %w", p.keyConv.plugin.Name, err)
	}
	if val, err = p.valConv.plugin.NewConverter(p.valConv.cfg, false); err != nil {
		return nil, nil, nil, fmt.Errorf("value.converter %s: %w", p.valConv.plugin.Name, err)
	}
	if hdr, err = p.hdrConv.plugin.NewHeaderConverter(p.hdrConv.cfg); err != nil {
		return nil, nil, nil, fmt.Errorf("header.converter %s: %w", p.hdrConv.plugin.Name, err)
	}
	return key, val, hdr, nil
}

func containsKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
