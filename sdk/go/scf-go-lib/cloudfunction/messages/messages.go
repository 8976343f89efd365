// Package messages holds the net/rpc messages a Go1 function exchanges with
// the platform (gob-encoded). Field names and types are the wire protocol:
// the platform matches them by name, so they must not change.
package messages

// PingRequest asks whether the function serves.
type PingRequest struct{}

// PingResponse answers a PingRequest.
type PingResponse struct{}

// InvokeRequest_Timestamp is a point in Unix time.
type InvokeRequest_Timestamp struct { //nolint:revive // the wire name
	Seconds int64
	Nanos   int64
}

// InvokeRequest carries one event and the invocation's context.
type InvokeRequest struct {
	Payload               []byte
	RequestId             string
	TraceId               string
	Deadline              InvokeRequest_Timestamp
	InvokedFunctionUnique string
	ClientContext         []byte
	Namespace             string
	FunctionName          string
	FunctionVersion       string
	MemoryLimitInMb       int32
	TimeLimitInMs         int32
	Environment           string // a JSON object of the function's variables
	TencentcloudRegion    string
	TencentcloudAppID     string
	TencentcloudUin       string
	FunctionTrace         string
}

// InvokeResponse is the handler's result: the JSON payload, or an error.
type InvokeResponse struct {
	Payload []byte
	Error   *InvokeResponse_Error
}

// InvokeResponse_Error describes a returned error or a recovered panic.
type InvokeResponse_Error struct { //nolint:revive // the wire name
	Message    string
	Type       string
	StackTrace []*InvokeResponse_Error_StackFrame
	ShouldExit bool // after a panic the process is replaced
}

// InvokeResponse_Error_StackFrame is one frame of a panic's stack.
type InvokeResponse_Error_StackFrame struct { //nolint:revive // the wire name
	Path  string `json:"path"`
	Line  int32  `json:"line"`
	Label string `json:"label"`
}
