// Package kafkaclient turns Kafka client settings, written with the Java
// client's key names (bootstrap.servers, acks, security.protocol,
// sasl.jaas.config, ssl.truststore.location ...), into franz-go options.
//
// The Kafka sink, the Kafka source, the Kafka offset store and the DTS
// source share it, because plugins may not import each other. Settings are
// layered as Kafka Connect layers them: the worker's top-level client keys,
// then the worker's producer.* / consumer.* keys, then the connector's own
// keys, then producer.override.* / consumer.override.* (Layer). Every key a
// layer carries must be known here: a key is applied, deliberately ignored
// with a reason (JVM-only tuning such as key.serializer), or rejected with a
// message that names the key where the user wrote it.
//
// The package also holds the offsets-topic record format shared by the
// Kafka offset store and the exactly-once sink (offsets.go).
package kafkaclient
