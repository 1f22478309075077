package postback

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/s2s-harness/s2s-harness/profile"
)

// PlaceholderSignature is the body member's value when a scheme variant
// carries one: the seed's own placeholder.
const PlaceholderSignature = ".."

// SignatureSchemes is the diagnosis of a postback refused for its signature:
// the documented scheme (PB-SIG-1/2: HMAC-SHA256 over the RFC 8785 form of
// the body without its signature member, lower-case hex, "sha256=" prefix)
// and the schemes receivers commonly verify instead. Every variant sends the
// body with its members out of canonical order, so an HMAC over the raw
// bytes differs from the documented one; the alternatives carry the seed
// examples' placeholder signature member, so keeping it in the HMAC shows.
func SignatureSchemes() profile.Probe {
	// reorder puts the members out of order and returns the new body.
	reorder := func(o *profile.Outgoing) []byte {
		o.Body = Reordered(o.Body)
		return o.Body
	}
	canonicalHex := func(o *profile.Outgoing, c profile.Credentials) string {
		canon, err := CanonicalPayload(reorder(o))
		if err != nil {
			return ""
		}
		return hexMAC(c.HMACSecret, canon)
	}
	set := func(o *profile.Outgoing, v string) { o.Header.Set(SignatureHeader, v) }
	v := func(name string, apply func(o *profile.Outgoing, c profile.Credentials)) profile.Break {
		return profile.Break{Rule: "PB-SIG-1", Name: name, Apply: func(o *profile.Outgoing, c profile.Credentials, _ time.Time) { apply(o, c) }}
	}
	// withMember puts the seed examples' placeholder signature member in
	// the body, out of order; it returns the body with the member.
	withMember := func(o *profile.Outgoing) []byte {
		m, ok := object(o.Body)
		if !ok {
			return o.Body
		}
		m[SignatureMember] = PlaceholderSignature
		b, err := json.Marshal(m)
		if err != nil {
			return o.Body
		}
		o.Body = Reordered(b)
		return o.Body
	}
	// memberHex is the documented hex HMAC of the body with the member.
	memberHex := func(o *profile.Outgoing, c profile.Credentials) string {
		canon, err := CanonicalPayload(withMember(o))
		if err != nil {
			return ""
		}
		return hexMAC(c.HMACSecret, canon)
	}
	return profile.Probe{Name: "signature scheme", Rule: "PB-SIG-1", WhenRejected: true,
		Documented: []profile.Break{
			v("HMAC over the RFC 8785 body, sha256=<lower hex>", func(o *profile.Outgoing, c profile.Credentials) {
				set(o, signaturePrefix+canonicalHex(o, c))
			}),
			v("the same with the seed examples' signature member in the body (left out of the HMAC)", func(o *profile.Outgoing, c profile.Credentials) {
				set(o, signaturePrefix+memberHex(o, c))
			}),
		},
		// Each alternative differs from the second documented form (the
		// seed examples' shape) in one way.
		Variants: []profile.Break{
			v("HMAC over the raw body bytes", func(o *profile.Outgoing, c profile.Credentials) {
				set(o, signaturePrefix+hexMAC(c.HMACSecret, withMember(o)))
			}),
			v("HMAC over the sorted keys with the signature member kept", func(o *profile.Outgoing, c profile.Credentials) {
				whole, err := jcs.Transform(withMember(o))
				if err != nil {
					return
				}
				set(o, signaturePrefix+hexMAC(c.HMACSecret, whole))
			}),
			v("upper-case hex", func(o *profile.Outgoing, c profile.Credentials) {
				set(o, signaturePrefix+strings.ToUpper(memberHex(o, c)))
			}),
			v("no sha256= prefix", func(o *profile.Outgoing, c profile.Credentials) {
				set(o, memberHex(o, c))
			}),
			v("base64 instead of hex", func(o *profile.Outgoing, c profile.Credentials) {
				canon, err := CanonicalPayload(withMember(o))
				if err != nil {
					return
				}
				set(o, signaturePrefix+base64.StdEncoding.EncodeToString(mac(sha256.New, c.HMACSecret, canon)))
			}),
		}}
}
