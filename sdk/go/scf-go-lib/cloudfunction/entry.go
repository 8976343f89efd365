// Package cloudfunction serves a Go1 function's handler to the platform:
// main calls cloudfunction.Start(handler), which serves net/rpc (gob) on the
// port in $_LAMBDA_SERVER_PORT and never returns.
//
// A handler is a function taking (), (event), (ctx) or (ctx, event) and
// returning (), (error), (result, error) or, for the (result) form a value
// alone is taken as the result. ctx is a context.Context; event and result
// are anything encoding/json can decode into and encode.
package cloudfunction

import (
	"log"
	"net"
	"net/rpc"
	"os"
)

// Start serves handler; it returns only by ending the process.
func Start(handler interface{}) {
	StartHandler(newHandler(handler))
}

// StartHandler serves a Handler; it returns only by ending the process.
func StartHandler(handler Handler) {
	listener, err := net.Listen("tcp", "0.0.0.0:"+os.Getenv("_LAMBDA_SERVER_PORT"))
	if err != nil {
		log.Fatal(err)
	}
	server := rpc.NewServer()
	if err := server.RegisterName("Function", &Function{handler: handler}); err != nil {
		log.Fatal(err)
	}
	server.Accept(listener)
	log.Fatal("the function's listener closed")
}
