package postgres

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// connConfig builds the pgx config. Every connection renders dates, times
// and intervals in the fixed forms types.go parses.
func (s *settings) connConfig(replication bool) (*pgx.ConnConfig, error) {
	u := url.URL{Scheme: "postgres", Host: s.host + ":" + strconv.Itoa(s.port), Path: "/" + s.dbname}
	if s.password != "" {
		u.User = url.UserPassword(s.user, s.password)
	} else {
		u.User = url.User(s.user)
	}
	q := url.Values{}
	q.Set("sslmode", s.sslmode)
	for k, v := range map[string]string{"sslrootcert": s.sslrootcert, "sslcert": s.sslcert, "sslkey": s.sslkey, "sslpassword": s.sslpassword} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("connect_timeout", "10")
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: connection settings: %w", err)
	}
	cfg.RuntimeParams["DateStyle"] = "ISO, MDY"
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfg.RuntimeParams["IntervalStyle"] = "iso_8601"
	cfg.RuntimeParams["extra_float_digits"] = "3"
	cfg.RuntimeParams["application_name"] = "inlet"
	if replication {
		cfg.RuntimeParams["replication"] = "database"
	}
	return cfg, nil
}

func (s *settings) dial(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := s.connConfig(false)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s:%d database %q as %q: %w", s.host, s.port, s.dbname, s.user, err)
	}
	return conn, nil
}

func (s *settings) dialReplication(ctx context.Context) (*pgconn.PgConn, error) {
	cfg, err := s.connConfig(true)
	if err != nil {
		return nil, err
	}
	// Read the stream in large chunks: pgproto3 alone reads 8 KiB per
	// system call, which costs more than the WAL it carries.
	cfg.Config.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(bufio.NewReaderSize(r, 256<<10), w)
	}
	conn, err := pgconn.ConnectConfig(ctx, &cfg.Config)
	if err != nil {
		return nil, fmt.Errorf("postgres: open replication connection to %s:%d database %q as %q: %w", s.host, s.port, s.dbname, s.user, err)
	}
	return conn, nil
}

// preflight checks what logical replication needs and returns a clear
// error naming the fix when something is missing.
func (s *settings) preflight(ctx context.Context, conn *pgx.Conn) error {
	var level string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&level); err != nil {
		return sqlError("read wal_level", err)
	}
	if level != "logical" {
		return fmt.Errorf("%w: the server runs with wal_level=%s; set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL", ErrWalLevel, level)
	}
	var canReplicate bool
	if err := conn.QueryRow(ctx, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&canReplicate); err != nil {
		return sqlError("read the role's attributes", err)
	}
	if !canReplicate {
		return fmt.Errorf("%w: user %q may not stream changes; run ALTER ROLE %s WITH REPLICATION (as a superuser)", ErrNoReplication, s.user, pgx.Identifier{s.user}.Sanitize())
	}
	return nil
}

// capturedTable is a table the connector captures, from the catalog.
type capturedTable struct {
	oid          uint32
	schema, name string
	identity     byte
	estimate     int64
}

// capturedTables lists the permanent ordinary tables the filters capture.
// Partitioned parents are left out: pgoutput streams their partitions'
// changes under the partitions' names, so the snapshot reads those.
func (s *settings) capturedTables(ctx context.Context, conn *pgx.Conn) ([]capturedTable, error) {
	rows, err := conn.Query(ctx, `SELECT c.oid, n.nspname, c.relname, c.relreplident::text, c.reltuples::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
		ORDER BY n.nspname, c.relname`)
	if err != nil {
		return nil, sqlError("list tables", err)
	}
	var out []capturedTable
	for rows.Next() {
		var t capturedTable
		var ident string
		if err := rows.Scan(&t.oid, &t.schema, &t.name, &ident, &t.estimate); err != nil {
			return nil, sqlError("list tables", err)
		}
		if ident != "" {
			t.identity = ident[0]
		}
		if t.estimate < 0 {
			t.estimate = 0
		}
		if s.captured(t.schema, t.name) {
			out = append(out, t)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("list tables", err)
	}
	return out, nil
}

// ensurePublication creates the publication per publication.autocreate.mode.
func (s *settings) ensurePublication(ctx context.Context, conn *pgx.Conn) error {
	var allTables bool
	err := conn.QueryRow(ctx, "SELECT puballtables FROM pg_publication WHERE pubname = $1", s.publication).Scan(&allTables)
	exists := err == nil
	if err != nil && err != pgx.ErrNoRows {
		return sqlError("look up publication "+s.publication, err)
	}
	name := pgx.Identifier{s.publication}.Sanitize()
	with := ""
	if s.skippedOperationsExplicitlySet {
		var ops []string
		for _, op := range []struct {
			c    byte
			name string
		}{{'c', "insert"}, {'u', "update"}, {'d', "delete"}, {'t', "truncate"}} {
			if !s.skip[op.c] {
				ops = append(ops, op.name)
			}
		}
		with = fmt.Sprintf(" WITH (publish = '%s')", strings.Join(ops, ", "))
	}
	switch s.autocreate {
	case autocreateDisabled:
		if !exists {
			return fmt.Errorf("%w (publication %q does not exist in database %q; create it, e.g. CREATE PUBLICATION %s FOR ALL TABLES, or set publication.autocreate.mode)", ErrNoPublication, s.publication, s.dbname, name)
		}
		return nil
	case autocreateAll:
		if exists {
			return nil
		}
		_, err = conn.Exec(ctx, "CREATE PUBLICATION "+name+" FOR ALL TABLES"+with)
	case autocreateNoTables:
		if exists {
			return nil
		}
		_, err = conn.Exec(ctx, "CREATE PUBLICATION "+name+with)
	case autocreateFiltered:
		tables, terr := s.capturedTables(ctx, conn)
		if terr != nil {
			return terr
		}
		if len(tables) == 0 {
			return fmt.Errorf("postgres: publication.autocreate.mode=filtered but no table matches the include/exclude lists")
		}
		if exists && allTables {
			return fmt.Errorf("postgres: publication %q is FOR ALL TABLES; publication.autocreate.mode=filtered needs a publication for the captured tables only (drop it or use all_tables)", s.publication)
		}
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = pgx.Identifier{t.schema, t.name}.Sanitize()
		}
		if exists {
			_, err = conn.Exec(ctx, "ALTER PUBLICATION "+name+" SET TABLE "+strings.Join(names, ", "))
		} else {
			_, err = conn.Exec(ctx, "CREATE PUBLICATION "+name+" FOR TABLE "+strings.Join(names, ", ")+with)
		}
	}
	if err != nil {
		return sqlError("create publication "+s.publication+" (publication.autocreate.mode="+s.autocreate+"; FOR ALL TABLES needs superuser)", err)
	}
	return nil
}

// slotState is the slot as pg_replication_slots shows it.
type slotState struct {
	exists   bool
	active   bool
	plugin   string
	database string
}

func (s *settings) slotState(ctx context.Context, conn *pgx.Conn) (slotState, error) {
	var st slotState
	var plugin, db *string
	err := conn.QueryRow(ctx, "SELECT plugin, database, active FROM pg_replication_slots WHERE slot_name = $1", s.slot).Scan(&plugin, &db, &st.active)
	if err == pgx.ErrNoRows {
		return st, nil
	}
	if err != nil {
		return st, sqlError("look up replication slot "+s.slot, err)
	}
	st.exists = true
	if plugin != nil {
		st.plugin = *plugin
	}
	if db != nil {
		st.database = *db
	}
	if st.plugin != "pgoutput" || st.database != s.dbname {
		return st, fmt.Errorf("postgres: replication slot %q exists for plugin %q in database %q, not pgoutput in %q: choose another slot.name", s.slot, st.plugin, st.database, s.dbname)
	}
	return st, nil
}

// catalog resolves relations from the system catalog (a Resolver).
type catalog struct {
	conn  *pgx.Conn
	types map[uint32]TypeInfo
}

func (c *catalog) Table(ctx context.Context, rel RelationInfo) (TableMeta, error) {
	meta := TableMeta{NotNull: map[string]bool{}, Types: map[uint32]TypeInfo{}}
	rows, err := c.conn.Query(ctx, `SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped`, rel.OID)
	if err != nil {
		return meta, sqlError("read columns of "+rel.Schema+"."+rel.Name, err)
	}
	for rows.Next() {
		var n string
		var nn bool
		if err := rows.Scan(&n, &nn); err != nil {
			return meta, sqlError("read columns", err)
		}
		meta.NotNull[n] = nn
	}
	if err := rows.Err(); err != nil {
		return meta, sqlError("read columns", err)
	}
	rows, err = c.conn.Query(ctx, `SELECT a.attname, i.indexrelid FROM pg_index i
		JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = $1 AND (i.indisprimary OR i.indisreplident)
		ORDER BY i.indisprimary DESC, i.indexrelid, k.ord`, rel.OID)
	if err != nil {
		return meta, sqlError("read the primary key of "+rel.Schema+"."+rel.Name, err)
	}
	// the primary key, or else the REPLICA IDENTITY USING INDEX columns (as Debezium)
	var firstIndex uint32
	for rows.Next() {
		var n string
		var idx uint32
		if err := rows.Scan(&n, &idx); err != nil {
			return meta, sqlError("read the primary key", err)
		}
		if firstIndex == 0 {
			firstIndex = idx
		}
		if idx == firstIndex {
			meta.PrimaryKey = append(meta.PrimaryKey, n)
		}
	}
	if err := rows.Err(); err != nil {
		return meta, sqlError("read the primary key", err)
	}
	rows, err = c.conn.Query(ctx, `SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
		JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1`, rel.OID)
	if err != nil {
		return meta, sqlError("read column defaults of "+rel.Schema+"."+rel.Name, err)
	}
	for rows.Next() {
		var n, expr string
		if err := rows.Scan(&n, &expr); err != nil {
			return meta, sqlError("read column defaults", err)
		}
		if lit, ok := defaultLiteral(expr); ok {
			if meta.Defaults == nil {
				meta.Defaults = map[string]string{}
			}
			meta.Defaults[n] = lit
		}
	}
	if err := rows.Err(); err != nil {
		return meta, sqlError("read column defaults", err)
	}
	var want []uint32
	for _, col := range rel.Columns {
		want = append(want, col.typOID)
	}
	if err := c.resolveTypes(ctx, want); err != nil {
		return meta, err
	}
	meta.Types = c.types
	return meta, nil
}

func builtin(oid uint32) bool {
	if textLike[oid] {
		return true
	}
	if _, ok := arrayElem[oid]; ok {
		return true
	}
	return oid < 10000 && oid != 0 && knownScalar(oid)
}

func knownScalar(oid uint32) bool {
	switch oid {
	case oidBool, oidBytea, oidInt8, oidInt2, oidInt4, oidOID, oidJSON, oidXML, oidFloat4, oidFloat8, oidMoney,
		oidDate, oidTime, oidTimestamp, oidTimestamptz, oidInterval, oidTimetz, oidNumeric, oidUUID, oidJSONB:
		return true
	}
	return false
}

// resolveTypes loads pg_type rows for non-built-in types, following array
// elements and domain bases.
func (c *catalog) resolveTypes(ctx context.Context, oids []uint32) error {
	if c.types == nil {
		c.types = map[uint32]TypeInfo{}
	}
	for depth := 0; depth < 4; depth++ {
		var need []uint32
		for _, o := range oids {
			if _, ok := c.types[o]; !ok && !builtin(o) {
				need = append(need, o)
			}
		}
		if len(need) == 0 {
			return nil
		}
		rows, err := c.conn.Query(ctx, `SELECT t.oid, CASE WHEN n.nspname = 'pg_catalog' THEN t.typname ELSE n.nspname || '.' || t.typname END,
			t.typtype::text, t.typcategory::text, t.typelem, t.typbasetype,
			COALESCE((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '{}')
			FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ANY($1)`, need)
		if err != nil {
			return sqlError("read column types", err)
		}
		oids = oids[:0]
		for rows.Next() {
			var ti TypeInfo
			var kind, category string
			if err := rows.Scan(&ti.OID, &ti.Name, &kind, &category, &ti.Elem, &ti.Base, &ti.Labels); err != nil {
				return sqlError("read column types", err)
			}
			if kind != "" {
				ti.Kind = kind[0]
			}
			if category != "A" { // typelem of non-array types (point, name) is not an array element
				ti.Elem = 0
			}
			c.types[ti.OID] = ti
			oids = append(oids, ti.Elem, ti.Base)
		}
		if err := rows.Err(); err != nil {
			return sqlError("read column types", err)
		}
		for _, o := range need {
			if _, ok := c.types[o]; !ok {
				c.types[o] = TypeInfo{OID: o, Name: "oid " + strconv.FormatUint(uint64(o), 10)}
			}
		}
	}
	return nil
}
