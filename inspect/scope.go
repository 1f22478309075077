package inspect

import (
	"net/url"
	"strings"
)

// InSession returns a copy of c scoped to session id: its resets and clock
// calls apply to that session only (?session=id), and its journal queries
// read that session's entries. A conformance run on a mock shared with other
// sessions works so, and never touches their records.
func (c *Client) InSession(id string) *Client {
	d := *c
	d.session = id
	return &d
}

// Scope is the session c is scoped to ("" when none).
func (c *Client) Scope() string { return c.session }

// scoped adds the session to the calls a session scopes.
func (c *Client) scoped(path string) string {
	name, query, _ := strings.Cut(path, "?")
	if c.session == "" || name != "reset" && name != "clock" && name != "journal" {
		return path
	}
	if v, _ := url.ParseQuery(query); v.Has("session") {
		return path
	}
	sep := "?"
	if query != "" {
		sep = "&"
	}
	return path + sep + "session=" + url.QueryEscape(c.session)
}
