// Package transforms holds inlet's ports of Kafka Connect's built-in
// single-message transforms (org.apache.kafka.connect.transforms.*) and
// predicates (org.apache.kafka.connect.transforms.predicates.*), one file
// each. Every transform is registered under its Java class name, so a
// Kafka Connect connector file runs unchanged:
//
//	transforms=route
//	transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
//
// Transforms that have a key and a value form are registered twice, as
// Name$Key and Name$Value, as in Kafka.
//
// All transforms work on schema'd values (*connect.Struct, rebuilding the
// schema) and on schemaless maps, follow Kafka's handling of null values
// and replace.null.with.default, never change the record they are given
// (they Clone it), and are safe for concurrent use. Derived schemas are
// cached per input *connect.Schema, so the steady state does not rebuild
// schemas.
//
// Where Kafka throws a NullPointerException or accepts a configuration that
// cannot work, these ports return a clear configuration or record error
// instead; each such place says so in a comment.
package transforms
