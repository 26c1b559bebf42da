package dbtest

import (
	"net"
	"testing"
)

// Silent returns the address of a loopback server that accepts
// connections and never answers — a host gone without a word, for tests of
// timeouts — and closes it when tb ends.
func Silent(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent until the listener closes
		}
	}()
	return l.Addr().String()
}
