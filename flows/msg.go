package flows

// Msg is a localizable message: an ID from the locale files and the
// template arguments it needs.
type Msg struct {
	ID   string
	Args map[string]any
}

// M builds a Msg from an ID and alternating key, value pairs.
func M(id string, kv ...any) Msg {
	m := Msg{ID: id}
	if len(kv) > 0 {
		m.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Args[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// List is an argument made of several messages, shown joined the way the
// language joins a list ("Mon, Wed").
type List []Msg

// Problem is a validation failure the person can fix: it says, through its
// message, what was wrong and how to answer.
type Problem struct{ Msg }

// Error returns the message ID, so that a Problem is never logged with the
// input that caused it.
func (p *Problem) Error() string { return "invalid input: " + p.ID }

// Invalid returns a *Problem for the message id.
func Invalid(id string, kv ...any) error { return &Problem{M(id, kv...)} }
