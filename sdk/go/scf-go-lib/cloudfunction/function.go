package cloudfunction

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
	"github.com/tencentyun/scf-go-lib/functioncontext"
)

// Function is the RPC service ("Function") the platform calls.
type Function struct {
	handler Handler
}

// Ping answers the platform's readiness check.
func (f *Function) Ping(req *messages.PingRequest, resp *messages.PingResponse) error {
	return nil
}

// Invoke runs the handler on one event. Errors and panics are results, not
// RPC failures; after a panic the platform replaces the process.
func (f *Function) Invoke(req *messages.InvokeRequest, resp *messages.InvokeResponse) error {
	defer func() {
		if p := recover(); p != nil {
			resp.Payload = nil
			resp.Error = &messages.InvokeResponse_Error{
				Message:    fmt.Sprint(p),
				Type:       typeName(p),
				StackTrace: panicStack(),
				ShouldExit: true,
			}
		}
	}()
	fc := &functioncontext.FunctionContext{
		RequestID:             req.RequestId,
		InvokedFunctionUnique: req.InvokedFunctionUnique,
		Namespace:             req.Namespace,
		FunctionName:          req.FunctionName,
		FunctionVersion:       req.FunctionVersion,
		MemoryLimitInMb:       req.MemoryLimitInMb,
		TimeLimitInMs:         req.TimeLimitInMs,
		TencentcloudRegion:    req.TencentcloudRegion,
		TencentcloudAppID:     req.TencentcloudAppID,
		TencentcloudUin:       req.TencentcloudUin,
		FunctionTrace:         req.FunctionTrace,
	}
	if len(req.ClientContext) > 0 {
		if err := json.Unmarshal(req.ClientContext, &fc.ClientContext); err != nil {
			resp.Error = errorOf(err)
			return nil
		}
	}
	if req.Environment != "" {
		if err := json.Unmarshal([]byte(req.Environment), &fc.Environment); err != nil {
			resp.Error = errorOf(err)
			return nil
		}
		for k, v := range fc.Environment {
			os.Setenv(k, v)
		}
	}
	deadline := time.Unix(req.Deadline.Seconds, req.Deadline.Nanos)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	payload, err := f.handler.Invoke(functioncontext.NewContext(ctx, fc), req.Payload)
	if err != nil {
		resp.Error = errorOf(err)
		return nil
	}
	resp.Payload = payload
	return nil
}

func errorOf(err error) *messages.InvokeResponse_Error {
	return &messages.InvokeResponse_Error{Message: err.Error(), Type: typeName(err)}
}

// typeName is the name of v's type, through one pointer (*errors.errorString
// gives errorString).
func typeName(v interface{}) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	return t.Name()
}

// panicStack is the stack of the panicking goroutine, from the panic's caller,
// with paths shortened to their package and labels to the function's name.
func panicStack() []*messages.InvokeResponse_Error_StackFrame {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(4, pcs) // runtime.Callers, panicStack, the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	var out []*messages.InvokeResponse_Error_StackFrame
	for {
		fr, more := frames.Next()
		out = append(out, &messages.InvokeResponse_Error_StackFrame{
			Path:  shortPath(fr.File, fr.Function),
			Line:  int32(fr.Line),
			Label: fr.Function[strings.LastIndex(fr.Function, "/")+1:],
		})
		if !more {
			break
		}
	}
	return out
}

// shortPath keeps as many trailing directories of file as the function's
// package path has, plus the file name.
func shortPath(file, function string) string {
	keep := strings.Count(function, "/") + 2
	cut := len(file)
	for i := 0; i < keep; i++ {
		j := strings.LastIndex(file[:cut], "/")
		if j < 0 {
			return file
		}
		cut = j
	}
	return file[cut+1:]
}
