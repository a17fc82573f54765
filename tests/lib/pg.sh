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
#   PG_MAJOR 17 or 18: the server is that PostgreSQL instead, run with chroot
#            inside the Debian root scripts/pg-root builds once per machine
#            (/var/cache/zdm-pg/MAJOR; built on first use, about 25 s). Its
#            data directory and socket live under the root's /tmp, and the
#            host's psql and libpq (PG_BIN) reach it there. Needs root.
#            Unset or 15: the machine's own PostgreSQL from PG_BIN.
#
# initdb refuses to run as root: as root, the server runs as the postgres user
# (inside a root, that root's postgres user).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_TMP=
pg_root=       # the Debian root of PG_MAJOR's server, empty for the machine's own
pg_server_dir= # PG_TMP as the server sees it (inside the root)
pg_server=()   # runs one of the server's tools: pg_server initdb ARGS...
pg_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pg_start() {
    local tool major=${PG_MAJOR:-15}
    if [ ! -x "$PG_BIN/psql" ]; then
        echo "pg.sh: $PG_BIN/psql not found (apt-get install -y postgresql-15, or set PG_BIN)" >&2
        return 2
    fi
    if [ "$major" = 15 ] || [ -z "${PG_MAJOR:-}" ]; then
        for tool in initdb pg_ctl; do
            if [ ! -x "$PG_BIN/$tool" ]; then
                echo "pg.sh: $PG_BIN/$tool not found (apt-get install -y postgresql-15, or set PG_BIN)" >&2
                return 2
            fi
        done
        pg_root=
        PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zdm-pg.XXXXXX")
        pg_server_dir=$PG_TMP
        pg_server=("$PG_BIN")
        if [ "$(id -u)" -eq 0 ]; then
            chown postgres: "$PG_TMP"
            pg_server=(runuser -u postgres -- "$PG_BIN")
        fi
    else
        pg_root=$("$pg_lib_dir/../../scripts/pg-root" "$major") || return 2
        PG_TMP=$(mktemp -d "$pg_root/tmp/zdm-pg.XXXXXX")
        pg_server_dir=${PG_TMP#"$pg_root"}
        chroot "$pg_root" chown postgres:postgres "$pg_server_dir"
        # No /proc inside the root: initdb and the server run without it, and
        # leaving it out means no mount to undo when a suite dies.
        pg_server=(chroot --userspec=postgres:postgres "$pg_root" "/usr/lib/postgresql/$major/bin")
    fi
    trap pg_stop EXIT
    pg_server_tool initdb -D "$pg_server_dir/data" -U postgres -A trust \
        >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
    pg_server_tool pg_ctl -D "$pg_server_dir/data" -l "$pg_server_dir/server.log" -w \
        -o "-k $pg_server_dir -c listen_addresses='' -c fsync=off -c full_page_writes=off" start \
        >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
    export PGHOST=$PG_TMP PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
    export DATABASE_URL="postgresql://postgres@/postgres?host=$PG_TMP"
}

# pg_server_tool TOOL ARGS...: one of the server's own programs, as its user.
pg_server_tool() {
    local n=${#pg_server[@]}
    "${pg_server[@]:0:n-1}" "${pg_server[n - 1]}/$1" "${@:2}"
}

pg_stop() {
    [ -n "$PG_TMP" ] || return 0
    pg_server_tool pg_ctl -D "$pg_server_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
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
