//go:build !linux

package postgres

import "syscall"

// setDeathSignal is a no-op where the kernel has no parent-death signal; a
// server left by a crash is found and stopped at the next start instead.
func setDeathSignal(*syscall.SysProcAttr) {}
