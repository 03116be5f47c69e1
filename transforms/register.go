package transforms

import "github.com/inletdev/inlet/connect"

// Register adds every Kafka Connect SMT and predicate in this package to r,
// under inlet's names and Kafka's Java class names.
func Register(r *connect.Registry) {
	for _, p := range []kvPlugin{castPlugin, extractFieldPlugin, flattenPlugin, headerFromPlugin, hoistFieldPlugin,
		insertFieldPlugin, maskFieldPlugin, replaceFieldPlugin, setSchemaMetadataPlugin, timestampConverterPlugin} {
		p.register(r)
	}
	registerDropHeaders(r)
	registerFilter(r)
	registerInsertHeader(r)
	registerRegexRouter(r)
	registerTimestampRouter(r)
	registerValueToKey(r)
	registerPredicates(r)
}
