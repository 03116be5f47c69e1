#!/usr/bin/env bash
# Debezium's outbox pattern end to end with inlet: a throwaway PostgreSQL
# (wal_level=logical) on a free local port, Debezium's documented outbox
# table, and the pipeline postgres → EventRouter → records file (out.jsonl).
# Usage: ./run.sh            (from this directory; needs PostgreSQL server binaries and Go)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/postgres" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

work="$(mktemp -d /tmp/inlet-outbox-pg.XXXXXX)"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
  [ -n "${inlet_pid:-}" ] && kill "$inlet_pid" 2>/dev/null && wait "$inlet_pid" 2>/dev/null || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== PostgreSQL on 127.0.0.1:$port (data in $work)"
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
wal_level = logical
max_replication_slots = 4
max_wal_senders = 4
CONF
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null
psql() { "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql -d postgres -c "CREATE DATABASE orderdb"
# The outbox table from Debezium's Outbox Event Router documentation.
psql -d orderdb <<'SQL'
CREATE SCHEMA inventory;
CREATE TABLE inventory.outboxevent (
  id            uuid         NOT NULL PRIMARY KEY,
  aggregatetype varchar(255) NOT NULL,
  aggregateid   varchar(255) NOT NULL,
  type          varchar(255) NOT NULL,
  payload       jsonb
);
SQL

cat >"$work/worker.properties" <<CONF
offset.storage.file.filename=$work/offsets
offset.flush.interval.ms=1000
CONF
sed "s/^database.port=.*/database.port=$port/" outbox-postgres.properties >"$work/outbox-postgres.properties"
rm -f out.jsonl

echo "== inlet standalone worker.properties outbox-postgres.properties"
go build -o "$work/inlet" ../../cmd/inlet
"$work/inlet" standalone "$work/worker.properties" "$work/outbox-postgres.properties" >"$work/inlet.log" 2>&1 &
inlet_pid=$!
# wait for the slot, so the inserts below are streamed (not snapshotted)
for _ in $(seq 100); do
  [ "$(psql -d orderdb -tA -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'debezium'")" = 1 ] && break
  sleep 0.1
done

echo "== inserting two outbox events"
psql -d orderdb <<'SQL'
INSERT INTO inventory.outboxevent VALUES
  ('406c07f3-26f0-4eea-a50c-109940064b8f', 'Order', '1', 'OrderCreated',
   '{"id": 1, "customerId": 123, "orderDate": "2019-01-31T12:13:01", "lineItems": [{"id": 1, "item": "Debezium in Action", "status": "ENTERED", "quantity": 2, "totalPrice": 39.98}]}'),
  ('ab720dd3-176d-40a6-96f3-6cf961d7df6a', 'Customer', '123', 'CustomerUpdated',
   '{"id": 123, "name": "Jane"}');
-- the outbox is insert-only: deleting right after inserting keeps it small
DELETE FROM inventory.outboxevent;
SQL

for _ in $(seq 100); do
  [ -f out.jsonl ] && [ "$(wc -l <out.jsonl)" -ge 2 ] && break
  sleep 0.1
done
kill "$inlet_pid"; wait "$inlet_pid" 2>/dev/null || true; inlet_pid=
if [ ! -f out.jsonl ] || [ "$(wc -l <out.jsonl)" -lt 2 ]; then
  echo "no output; inlet log:" >&2; cat "$work/inlet.log" >&2; exit 1
fi
echo "== out.jsonl"
cat out.jsonl
