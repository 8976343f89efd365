package cloudfunction

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
)

// Handler turns an event's bytes into a result's bytes.
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// reflected wraps a handler function of one of the accepted shapes.
type reflected struct {
	fn         reflect.Value
	takesCtx   bool
	eventType  reflect.Type // nil: the handler takes no event
	returnsErr bool
	returnsVal bool
	invalid    error // the handler's shape is not accepted: every call fails
}

var (
	contextType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errorType   = reflect.TypeOf((*error)(nil)).Elem()
)

func newHandler(fn interface{}) Handler {
	h := &reflected{}
	if fn == nil {
		h.invalid = fmt.Errorf("the handler is nil")
		return h
	}
	t := reflect.TypeOf(fn)
	if t.Kind() != reflect.Func {
		h.invalid = fmt.Errorf("the handler is a %s, not a function", t.Kind())
		return h
	}
	h.fn = reflect.ValueOf(fn)
	switch t.NumIn() {
	case 0:
	case 1:
		if t.In(0).Implements(contextType) {
			h.takesCtx = true
		} else {
			h.eventType = t.In(0)
		}
	case 2:
		if !t.In(0).Implements(contextType) {
			h.invalid = fmt.Errorf("a handler of two arguments takes a context.Context first, not %s", t.In(0))
			return h
		}
		h.takesCtx = true
		h.eventType = t.In(1)
	default:
		h.invalid = fmt.Errorf("a handler takes at most two arguments, this one %d", t.NumIn())
		return h
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0).Implements(errorType) {
			h.returnsErr = true
		} else {
			h.returnsVal = true
		}
	case 2:
		if !t.Out(1).Implements(errorType) {
			h.invalid = fmt.Errorf("a handler of two results returns an error second, not %s", t.Out(1))
			return h
		}
		h.returnsVal = true
		h.returnsErr = true
	default:
		h.invalid = fmt.Errorf("a handler returns at most two values, this one %d", t.NumOut())
	}
	return h
}

func (h *reflected) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if h.invalid != nil {
		return nil, h.invalid
	}
	var args []reflect.Value
	if h.takesCtx {
		args = append(args, reflect.ValueOf(ctx))
	}
	if h.eventType != nil {
		event := reflect.New(h.eventType)
		if err := json.Unmarshal(payload, event.Interface()); err != nil {
			return nil, err
		}
		args = append(args, event.Elem())
	}
	out := h.fn.Call(args)
	var result interface{}
	if h.returnsErr {
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			return nil, err
		}
	}
	if h.returnsVal {
		result = out[0].Interface()
	}
	return json.Marshal(result)
}
