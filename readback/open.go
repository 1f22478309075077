package readback

import (
	"context"
	"io"
)

// Open returns the source c describes, with the abilities (Clock, Resetter)
// its config gives. The caller closes it when it is an io.Closer (SQL).
func Open(ctx context.Context, c Config, d Deps) (Source, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.SQL != nil {
		return newSQL(ctx, c, d)
	}
	h, err := newHTTP(c, d)
	if err != nil {
		return nil, err
	}
	return h.withAbilities(), nil
}

// Close closes src when it holds resources (a SQL pool).
func Close(src Source) {
	if c, ok := src.(io.Closer); ok {
		_ = c.Close()
	}
	if c, ok := src.(interface{ Close() }); ok {
		c.Close()
	}
}

// Kind names the kind of src for reports: "inspection", "http" or "sql".
func Kind(src Source) string {
	switch src.(type) {
	case *Inspection:
		return "inspection"
	case *SQL:
		return "sql"
	case *HTTP, httpClock, httpReset, httpBoth:
		return "http"
	}
	return "custom"
}
