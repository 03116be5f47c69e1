//go:build tools

// Package deps pins the third-party modules the plugins are built on while
// they are being written; it is never compiled into inlet.
package deps

import (
	_ "github.com/PaesslerAG/jsonpath"
	_ "github.com/apache/rocketmq-clients/golang/v5"
	_ "github.com/hamba/avro/v2"
	_ "github.com/jackc/pglogrepl"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/magiconair/properties"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/common/expfmt"
	_ "github.com/spf13/viper"
	_ "github.com/twmb/franz-go/pkg/kadm"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "github.com/twmb/franz-go/pkg/kgo"
	_ "github.com/twmb/franz-go/pkg/kmsg"
	_ "google.golang.org/grpc"
)
