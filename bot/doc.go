// Package bot is the conversation engine: it takes one inbound turn (a text
// or a caller's answer), moves the conversation through the state machine
// built from package flows' declaration inside one database transaction,
// and returns a reply that knows no channel, rendered by the channel's
// Renderer (package webhooks) before the transaction commits.
//
// The engine keeps no conversation in memory. Each turn locks the
// participant's row, drops a repeated delivery (answering it with what was
// sent the first time), sets the machine to the stored state, applies
// keywords or the answer, and saves the new state, the messages and any
// filed request before it commits.
package bot
