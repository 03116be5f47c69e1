package eventpattern_test

import (
	"fmt"

	"github.com/inletdev/inlet/connect"
	"github.com/inletdev/inlet/transforms/eventpattern"
)

// Compile a pattern once, then match CloudEvents (as connect.CloudEvent
// builds them: JSON maps with json.Number numbers).
func ExampleCompile() {
	p, err := eventpattern.Compile([]byte(`{
		"source": ["acs.dts"],
		"data": {"operationType": ["UPDATE", "INSERT"], "amount": [{"numeric": [">", 100]}]}
	}`))
	if err != nil {
		panic(err)
	}
	ev, _ := connect.ParseJSON([]byte(`{"source":"acs.dts","data":{"operationType":"UPDATE","amount":250}}`))
	fmt.Println(p.Match(ev.(map[string]any)))

	_, err = eventpattern.Compile([]byte(`{"data":{"name":[{"wildcard":"a*"}]}}`))
	fmt.Println(err)
	// Output:
	// true
	// Event pattern is not valid, reason: UNRECOGNIZED_PATTERN_CONDITION at data.name[0].wildcard: wildcard is an AWS EventBridge operator that Alibaba EventBridge does not support
}
