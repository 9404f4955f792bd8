// Package bot is the conversation engine: it takes one inbound turn (a text
// or a caller's answer), runs it through the wizard of package flows inside
// one database transaction, and returns a localized, channel-neutral reply.
//
// The engine keeps no conversation in memory. Each turn locks the
// participant's row, drops a repeated delivery, rebuilds the state machine
// from the stored step, applies keywords or the answer, and saves the new
// state, the messages and any filed request before it commits.
package bot
