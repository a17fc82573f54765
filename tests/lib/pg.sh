# tests/lib/pg.sh — a throwaway PostgreSQL for the test suites that need one.
#
# Source it, then call pg_start: it runs initdb into a temporary directory and
# starts a server there on a Unix socket only (no TCP), with fsync off, and
# exports PGHOST, PGPORT, PGUSER, PGDATABASE and DATABASE_URL for it. The
# server is stopped and the directory removed when the shell exits (pg_start
# sets an EXIT trap that calls pg_stop; a suite with its own EXIT trap calls
# pg_stop from it). Each suite gets its own server, so suites may run at once.
#
#   PG_BIN   directory holding initdb, pg_ctl, psql
#            (default: /usr/lib/postgresql/15/bin, from apt-get install postgresql-15)
#
# initdb refuses to run as root: as root, the server runs as the postgres user.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_TMP=
pg_as_server_user=()
[ "$(id -u)" -eq 0 ] && pg_as_server_user=(runuser -u postgres --)

pg_start() {
    local tool
    for tool in initdb pg_ctl psql; do
        if [ ! -x "$PG_BIN/$tool" ]; then
            echo "pg.sh: $PG_BIN/$tool not found (apt-get install -y postgresql-15, or set PG_BIN)" >&2
            return 2
        fi
    done
    PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zdm-pg.XXXXXX")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_TMP"
    trap pg_stop EXIT
    "${pg_as_server_user[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust \
        >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
    "${pg_as_server_user[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w \
        -o "-k $PG_TMP -c listen_addresses='' -c fsync=off -c full_page_writes=off" start \
        >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
    export PGHOST=$PG_TMP PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
    export DATABASE_URL="postgresql://postgres@/postgres?host=$PG_TMP"
}

pg_stop() {
    [ -n "$PG_TMP" ] || return 0
    "${pg_as_server_user[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
    PG_TMP=
}

# pg_psql ARGS...: psql on the throwaway server, stopping at the first error.
pg_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse "$@"
}

# pg_fresh_db NAME: drops NAME if it exists and creates it empty.
pg_fresh_db() {
    pg_psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}
