package web

import (
	"errors"
	"fmt"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// The services word their errors in English, for the API's clients and
// the logs. A page shows them in the user's language: each message is
// looked up by its format string (its Key, as gettext looks up a msgid)
// and formatted again with its arguments. A message with no translation
// shows in English; TestEveryServiceMessageIsTranslated keeps the
// catalogue complete.

// fieldMessage is fe in lang.
func fieldMessage(lang Lang, fe apperr.FieldError) string {
	return localized(lang, fe.Key(), fe.Args, fe.Message)
}

// errorMessage is the message of the domain error err in lang, or "" when
// err is not one.
func errorMessage(lang Lang, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return ""
	}
	return localized(lang, ae.Key(), ae.Args, ae.Message)
}

func localized(lang Lang, key string, args []any, english string) string {
	if lang == EN {
		return english
	}
	if f, ok := serviceMessagesID[key]; ok {
		return fmt.Sprintf(f, localArgs(lang, args)...)
	}
	return english
}

// localArgs are args with the states and roles they name in lang: "Temuan
// berstatus Selesai …", not "… berstatus closed …".
func localArgs(lang Lang, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case finding.State:
			out[i] = T(lang, "state."+string(x))
		case identity.Role:
			out[i] = T(lang, "role."+string(x))
		default:
			out[i] = a
		}
	}
	return out
}
