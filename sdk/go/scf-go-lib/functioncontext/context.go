// Package functioncontext gives a handler the facts of its invocation through
// its context.Context: functioncontext.FromContext(ctx).
package functioncontext

import (
	"context"
	"os"
	"strconv"
)

// Facts of the function this process runs, read once at start.
var (
	FunctionName    = os.Getenv("SCF_FUNCTIONNAME")
	FunctionVersion = os.Getenv("SCF_FUNCTIONVERSION")
	MemoryLimitInMB = atoi(os.Getenv("SCF_MEMORY_SIZE"))
)

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// ClientApplication describes the application that invoked the function.
type ClientApplication struct {
	InstallationID string `json:"installation_id"`
	AppTitle       string `json:"app_title"`
	AppVersionCode string `json:"app_version_code"`
	AppPackageName string `json:"app_package_name"`
}

// ClientContext is what the invoking client passed along, if anything.
type ClientContext struct {
	Client ClientApplication
	Env    map[string]string `json:"env"`
	Custom map[string]string `json:"custom"`
}

// FunctionContext is the context of one invocation.
type FunctionContext struct {
	RequestID             string
	InvokedFunctionUnique string
	ClientContext         ClientContext
	Namespace             string
	FunctionName          string
	FunctionVersion       string
	MemoryLimitInMb       int32
	TimeLimitInMs         int32
	Environment           map[string]string
	TencentcloudRegion    string
	TencentcloudAppID     string
	TencentcloudUin       string
	FunctionTrace         string
}

type contextKey struct{}

// NewContext returns a child of parent carrying fc.
func NewContext(parent context.Context, fc *FunctionContext) context.Context {
	return context.WithValue(parent, contextKey{}, fc)
}

// FromContext returns the FunctionContext ctx carries.
func FromContext(ctx context.Context) (*FunctionContext, bool) {
	fc, ok := ctx.Value(contextKey{}).(*FunctionContext)
	return fc, ok
}
