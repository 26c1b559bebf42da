package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// Lists are paged by keyset, never OFFSET: a cursor carries the sort key of
// the last item served, so a page costs the same at any depth and rows
// inserted meanwhile neither repeat nor vanish. Cursors are signed with a
// key shared by all replicas, and name their list, so that one not issued by
// the service, or issued for another list, is refused with 400.

const (
	defaultLimit = 50
	maxLimit     = 200
)

// cursorCodec signs and checks cursors.
type cursorCodec struct{ key []byte }

type cursorPayload struct {
	List string          `json:"l"`
	Key  json.RawMessage `json:"k"`
}

// encode returns the opaque cursor for key on list.
func (cc cursorCodec) encode(list string, key any) string {
	k, _ := json.Marshal(key)
	payload, _ := json.Marshal(cursorPayload{List: list, Key: k})
	mac := hmac.New(sha256.New, cc.key)
	mac.Write(payload)
	sig := mac.Sum(nil)[:16]
	return base64.RawURLEncoding.EncodeToString(append(sig, payload...))
}

// decode checks cursor and fills key; Malformed if it was not issued by us
// for this list.
func (cc cursorCodec) decode(list, cursor string, key any) error {
	bad := apperr.E(apperr.Malformed, "The cursor is not valid; use next_cursor from the previous page as it is.")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < 17 || len(cursor) > 1024 {
		return bad
	}
	sig, payload := raw[:16], raw[16:]
	mac := hmac.New(sha256.New, cc.key)
	mac.Write(payload)
	if !hmac.Equal(sig, mac.Sum(nil)[:16]) {
		return bad
	}
	var p cursorPayload
	if json.Unmarshal(payload, &p) != nil || p.List != list || json.Unmarshal(p.Key, key) != nil {
		return bad
	}
	return nil
}

// pageParams reads ?limit= and ?cursor= for list, filling key from the
// cursor when there is one.
func (cc cursorCodec) pageParams(c echo.Context, list string, key any) (limit int, err error) {
	limit = defaultLimit
	if s := c.QueryParam("limit"); s != "" || c.QueryParams().Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return 0, invalid("limit", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		if err := cc.decode(list, cur, key); err != nil {
			return 0, err
		}
	}
	return limit, nil
}

// listResponse is the shape of every collection.
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// pageOf builds the response from up to limit+1 fetched rows: the extra row
// only tells that another page exists.
func pageOf[R any, T any](cc cursorCodec, list string, rows []R, limit int, key func(R) any, conv func(R) T) listResponse[T] {
	out := listResponse[T]{Items: make([]T, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			next := cc.encode(list, key(rows[limit-1]))
			out.NextCursor = &next
			break
		}
		out.Items = append(out.Items, conv(r))
	}
	return out
}
