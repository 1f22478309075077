package reports

import "syscall"

func peek(fd int, buf []byte) (int, error) {
	n, _, err := syscall.Recvfrom(fd, buf, syscall.MSG_PEEK) // fine: a socket, not the process
	return n, err
}

var _ = syscall.Getenv // breaks: the environment
