// A minimal yunfn / SCF event function for the Go1 runtime. Handler: main (the name of
// the executable). The event JSON is decoded into the handler's typed parameter; the
// returned value is encoded as JSON and handed back to the caller.
package main

import (
	"context"
	"fmt"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/functioncontext"
)

type Event struct {
	Name string `json:"name"`
}

type Greeting struct {
	Greeting  string `json:"greeting"`
	Function  string `json:"function"`
	RequestID string `json:"request_id"`
}

func hello(ctx context.Context, event Event) (Greeting, error) {
	name := event.Name
	if name == "" {
		name = "world"
	}
	fc, _ := functioncontext.FromContext(ctx)
	// Anything printed goes to the invocation's log (`yunfn invoke ... --log`).
	fmt.Printf("%s invoked: request_id=%s name=%s\n", fc.FunctionName, fc.RequestID, name)
	return Greeting{"Hello, " + name + "!", fc.FunctionName, fc.RequestID}, nil
}

func main() {
	// Serves the handler to the platform (net/rpc on $_LAMBDA_SERVER_PORT).
	cloudfunction.Start(hello)
}
