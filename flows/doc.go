// Package flows is the Infopass request wizard as pure Go: its steps, the
// answers it collects, the validators that turn what people type into clean
// values, the program's rules and the federal business-day calendar.
//
// Nothing here does I/O or reads the clock: the current time, the language's
// input vocabulary and the number in use arrive in a Context. Replies carry
// message IDs and arguments, never text; the bot localizes them.
package flows
