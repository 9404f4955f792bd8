// Package webhooks is the HTTP face of the bot: Twilio's webhooks, checked
// for Twilio's signature, and the bot's replies rendered for their channel
// (a <Message> for a text; <Gather>, <Say>, <Play> or <Dial> for a call);
// the health and metrics routes; the staff API; and, in console/, the staff
// web console. It and console/ are the only packages that use gin, and it
// alone writes TwiML (twilio-go's twiml).
package webhooks
