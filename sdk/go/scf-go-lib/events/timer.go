package events

// TimerEvent is a timer trigger's event.
type TimerEvent struct {
	Message     string
	Time        string
	TriggerName string
	Type        string
}
