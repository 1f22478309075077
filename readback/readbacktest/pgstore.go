package readbacktest

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PGTable is the table a PG store keeps its rows in.
const PGTable = "vendor_events"

// PGQuery is a SQL read-back query over PGTable, in the column names of
// readback's default fields.
const PGQuery = `select id, api as profile, payload as body, received as received_at, booked_at as recorded_at, discarded as dropped
from ` + PGTable + ` where id > $1 order by id`

// PG is a Store in a PostgreSQL table (payload as jsonb, times as timestamptz).
type PG struct{ pool *pgxpool.Pool }

// NewPG connects to dsn and creates PGTable afresh.
func NewPG(ctx context.Context, dsn string) (*PG, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	_, err = pool.Exec(ctx, `drop table if exists `+PGTable+`;
create table `+PGTable+` (id bigserial primary key, api text not null, payload jsonb not null,
  received timestamptz not null, booked_at timestamptz, discarded boolean not null default false)`)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("create %s: %w", PGTable, err)
	}
	return &PG{pool: pool}, nil
}

// Close closes the connections.
func (s *PG) Close() { s.pool.Close() }

// Add implements Store.
func (s *PG) Add(ctx context.Context, r Row) error {
	_, err := s.pool.Exec(ctx, `insert into `+PGTable+` (api, payload, received, booked_at, discarded) values ($1, $2, $3, $4, $5)`,
		r.API, string(r.Payload), r.Received, r.BookedAt, r.Discarded)
	return err
}

// After implements Store.
func (s *PG) After(ctx context.Context, api string, after int64) ([]Row, error) {
	rows, err := s.pool.Query(ctx, `select id, api, payload::text, received, booked_at, discarded from `+PGTable+`
where id > $1 and ($2 = '' or api = $2) order by id`, after, api)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var payload string
		if err := rows.Scan(&r.ID, &r.API, &payload, &r.Received, &r.BookedAt, &r.Discarded); err != nil {
			return nil, err
		}
		r.Payload = []byte(payload)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Reset implements Store.
func (s *PG) Reset(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `delete from `+PGTable)
	return err
}
