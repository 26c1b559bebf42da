package api

// EncodeCursor is the cursor the service would hand out for key on list,
// signed with secret: benchmarks start a list deep without paging to it.
func EncodeCursor(secret []byte, list string, key any) string {
	return cursorCodec{key: secret}.encode(list, key)
}
