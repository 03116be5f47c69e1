package props

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/viper"
)

// Codec is a viper codec for Java .properties that keeps keys flat: viper
// ≥1.20 ships no properties codec, and splitting "offset.flush.interval.ms"
// into nested maps would lose the Kafka key names.
type Codec struct{}

// Decode implements viper.Decoder.
func (Codec) Decode(b []byte, v map[string]any) error {
	m, err := Parse(b)
	if err != nil {
		return err
	}
	for k, s := range m {
		v[k] = s
	}
	return nil
}

// Encode implements viper.Encoder.
func (Codec) Encode(v map[string]any) ([]byte, error) {
	m := make(map[string]string, len(v))
	for k, x := range v {
		m[k] = fmt.Sprint(x)
	}
	return []byte(Format(m)), nil
}

// EnvPrefix is the prefix of environment overrides of worker settings:
// INLET_OFFSET_FLUSH_INTERVAL_MS overrides offset.flush.interval.ms.
const EnvPrefix = "INLET"

// EnvName returns the environment variable that overrides a worker key.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// LoadWorker reads a worker .properties file through viper and applies
// INLET_<KEY> environment overrides (dots and dashes become underscores,
// upper case) for every key in the file and every key in known (the keys the
// worker declares). Keys stay flat and keep their case.
func LoadWorker(path string, known []string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := LoadWorkerBytes(data, known)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadWorkerBytes is LoadWorker on file contents.
func LoadWorkerBytes(data []byte, known []string) (map[string]string, error) {
	codecs := viper.NewCodecRegistry()
	if err := codecs.RegisterCodec("properties", Codec{}); err != nil {
		return nil, err
	}
	// A delimiter that never occurs in Kafka keys, so viper never nests.
	v := viper.NewWithOptions(viper.KeyDelimiter("\x00"), viper.WithCodecRegistry(codecs))
	v.SetConfigType("properties")
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, err
	}
	// viper lowercases keys; remember how the file spelled them.
	orig, err := Parse(data)
	if err != nil {
		return nil, err
	}
	spelled := make(map[string]string, len(orig))
	for k := range orig {
		spelled[strings.ToLower(k)] = k
	}
	keys := map[string]bool{}
	for _, k := range v.AllKeys() {
		keys[k] = true
	}
	for _, k := range known {
		keys[strings.ToLower(k)] = true
		if _, ok := spelled[strings.ToLower(k)]; !ok {
			spelled[strings.ToLower(k)] = k
		}
	}
	out := make(map[string]string, len(keys))
	for k := range keys {
		if !v.IsSet(k) {
			continue
		}
		name := spelled[k]
		if name == "" {
			name = k
		}
		out[name] = v.GetString(k)
	}
	return out, nil
}
