package targeturl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// wordsErr prints a network failure in the harness's words and keeps the
// original for errors.Is and errors.As.
type wordsErr struct {
	words string
	err   error
}

func (e *wordsErr) Error() string { return e.words }
func (e *wordsErr) Unwrap() error { return e.err }

// Unreachable says why nothing answered at addr, without Go's internals
// ("Head \"http://…\": dial tcp …"): "connection refused at 127.0.0.1:1".
func Unreachable(err error) error {
	if err == nil {
		return nil
	}
	return &wordsErr{words: "target unreachable: " + NetText(err), err: err}
}

// NetText is a network error in a few words: what happened, and where.
func NetText(err error) string {
	var (
		op    *net.OpError
		dns   *net.DNSError
		uae   x509.UnknownAuthorityError
		hoste x509.HostnameError
		cie   x509.CertificateInvalidError
		rec   tls.RecordHeaderError
	)
	where := ""
	if errors.As(err, &op) && op.Addr != nil {
		where = " at " + op.Addr.String()
	}
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "cannot resolve " + dns.Name + ": " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused" + where
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset" + where
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host" + where
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time" + where
	case errors.As(err, &uae):
		return "TLS: the certificate is signed by an unknown authority" + where + " (a private CA: trust it, e.g. SSL_CERT_FILE)"
	case errors.As(err, &hoste):
		return "TLS: " + hoste.Error() + where
	case errors.As(err, &cie):
		return "TLS: " + cie.Error() + where
	case errors.As(err, &rec), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "TLS handshake with a server that does not speak TLS" + where + " (try http://)"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	if op != nil && op.Err != nil {
		return op.Err.Error() + where
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
