// Package webhooks is the HTTP face of the bot: Twilio's webhooks, checked
// for Twilio's signature and rendered as TwiML, and the health routes. It is
// the only package that imports gin and twilio-go's twiml.
package webhooks
