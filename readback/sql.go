package readback

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQL reads the receiver's records with a query on its PostgreSQL database
// (Config.SQL), through pgx: the field's standard PostgreSQL driver. Each row
// is one record; its columns are named like Fields.
type SQL struct {
	cfg    SQLConfig
	pool   *pgxpool.Pool
	lookup Profiles
	settle time.Duration

	once    sync.Once
	onceErr error
	numeric bool    // $1 is a number: the first cursor is 0, not ""
	dec     Decoder // with the fields the query's columns carry
}

func newSQL(ctx context.Context, c Config, d Deps) (*SQL, error) {
	dsn, err := expand(c.SQL.DSN, d.Env)
	if err != nil {
		return nil, fmt.Errorf("readback.sql.dsn: %w", err)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may repeat the DSN with its password: say only what is wrong.
		return nil, fmt.Errorf("readback.sql.dsn: not a PostgreSQL connection string (postgres://user:pass@host:5432/db)")
	}
	pc.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("readback.sql: connect: %w", err)
	}
	s := &SQL{cfg: *c.SQL, pool: pool, lookup: d.Profiles, settle: c.Settle.D()}
	if s.settle == 0 {
		s.settle = DefaultSettle
	}
	return s, nil
}

// Close releases the connections.
func (s *SQL) Close() { s.pool.Close() }

// Settle implements Settler.
func (s *SQL) Settle() time.Duration { return s.settle }

// prepare describes the query once: the type of $1 and the columns it returns.
func (s *SQL) prepare(ctx context.Context) error {
	s.once.Do(func() {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			s.onceErr = fmt.Errorf("readback.sql: connect: %w", err)
			return
		}
		defer conn.Release()
		sd, err := conn.Conn().Prepare(ctx, "", s.cfg.Query)
		if err != nil {
			s.onceErr = fmt.Errorf("readback.sql.query: %w", err)
			return
		}
		if len(sd.ParamOIDs) != 1 {
			s.onceErr = fmt.Errorf("readback.sql.query: takes %d parameters; want exactly $1, the cursor", len(sd.ParamOIDs))
			return
		}
		switch sd.ParamOIDs[0] {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID, pgtype.Float4OID, pgtype.Float8OID:
			s.numeric = true
		}
		var cols []string
		for _, f := range sd.Fields {
			cols = append(cols, f.Name)
		}
		s.dec, s.onceErr = s.decoder(cols)
	})
	return s.onceErr
}

// decoder maps the query's columns to fields: the configured names, each of
// which must be a column, or by default every standard name that is one.
func (s *SQL) decoder(cols []string) (Decoder, error) {
	has := func(c string) bool { return slices.Contains(cols, c) }
	d := Decoder{Cursor: s.cfg.Cursor, Profiles: s.cfg.Profiles, Lookup: s.lookup, TimeFormat: RFC3339}
	if d.Cursor == "" {
		d.Cursor = "id"
	}
	if !has(d.Cursor) {
		return d, fmt.Errorf("readback.sql.query: returns no column %q to resume after (columns: %s; set readback.sql.cursor)", d.Cursor, strings.Join(cols, ", "))
	}
	if f := s.cfg.Fields; f != nil {
		for _, c := range []string{f.Body, f.Key, f.Profile, f.ReceivedAt, f.RecordedAt, f.Dropped, f.Duplicate, f.ProbableDuplicate} {
			if c != "" && !has(c) {
				return d, fmt.Errorf("readback.sql.fields: column %q is not returned by the query (columns: %s)", c, strings.Join(cols, ", "))
			}
		}
		d.Fields = *f
		return d, nil
	}
	pick := func(c string) string {
		if has(c) {
			return c
		}
		return ""
	}
	d.Fields = Fields{Body: pick("body"), Key: pick("key"), Profile: pick("profile"), ReceivedAt: pick("received_at"),
		RecordedAt: pick("recorded_at"), Dropped: pick("dropped"), Duplicate: pick("duplicate"), ProbableDuplicate: pick("probable_duplicate")}
	if err := d.Fields.validate(); err != nil {
		return d, fmt.Errorf("readback.sql.query: returns neither a body nor a key column (columns: %s)", strings.Join(cols, ", "))
	}
	return d, nil
}

// Records implements Source: one run of the query with the cursor as $1.
func (s *SQL) Records(ctx context.Context, profile, after string) ([]Record, string, error) {
	if err := s.prepare(ctx); err != nil {
		return nil, after, err
	}
	var arg any = after
	if s.numeric {
		n := int64(0)
		if after != "" {
			var err error
			if n, err = strconv.ParseInt(after, 10, 64); err != nil {
				return nil, after, fmt.Errorf("readback.sql: cursor %q: want a number", after)
			}
		}
		arg = n
	}
	rows, err := s.pool.Query(ctx, s.cfg.Query, arg)
	if err != nil {
		return nil, after, fmt.Errorf("readback.sql.query: %w", err)
	}
	defer rows.Close()
	var page []json.RawMessage
	names := rows.FieldDescriptions()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, after, fmt.Errorf("readback.sql.query: row %d: %w", len(page), err)
		}
		obj := make(map[string]any, len(vals))
		for i, v := range vals {
			obj[names[i].Name] = columnJSON(v)
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, after, fmt.Errorf("readback.sql.query: row %d: %w", len(page), err)
		}
		page = append(page, b)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("readback.sql.query: %w", err)
	}
	arr, _ := json.Marshal(page)
	all, err := s.dec.Decode(arr, profile, 0)
	if err != nil {
		return nil, after, fmt.Errorf("readback.sql: %w", err)
	}
	out, next := ofProfile(all, profile, after)
	return out, next, nil
}

// columnJSON is how a column value enters the record decoder: text as text
// (a body column of type text holds JSON), bytes as text, times as RFC 3339.
func columnJSON(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}
