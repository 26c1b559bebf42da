package postgres

import "syscall"

// setDeathSignal asks the kernel to send the server a fast-shutdown signal if
// this process dies without stopping it, so that no cluster outlives us.
func setDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGINT }
