package web

// serviceMessagesID are the services' error messages in Bahasa Indonesia,
// keyed by their English format strings. A translation takes the same
// arguments in the same order (use %[n]v to reorder).
var serviceMessagesID = map[string]string{}
