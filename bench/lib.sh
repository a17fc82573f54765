# bench/lib.sh — what the benchmark scripts share. Source it after setting
# `here` (the bench directory).
#
#   bench_need_time        GNU time at /usr/bin/time (installed with apt-get as root)
#   bench_squawk           sets $squawk to squawk's native binary, installing
#                          squawk-cli@$squawk_version with npm into bench/.squawk
#   bench_cc PROG [LIBS]   builds bench/PROG.c into bench/build/PROG when stale

squawk_version=${SQUAWK_VERSION:-2.66.0}

bench_say() { printf 'bench: %s\n' "$*" >&2; }
bench_die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

bench_need_time() {
    [[ -x /usr/bin/time ]] && return 0
    bench_say "installing GNU time"
    if [[ $(id -u) == 0 ]]; then
        apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; }
    fi
    [[ -x /usr/bin/time ]] || bench_die "needs GNU time (/usr/bin/time): apt-get install time"
}

bench_squawk() {
    command -v node >/dev/null && command -v npm >/dev/null || bench_die "needs node and npm (for squawk)"
    local prefix=$here/.squawk
    local get='process.stdout.write(require(process.argv[1]).getBinaryPath())'
    squawk=$(node -e "$get" "$prefix/node_modules/squawk-cli/js/index.js" 2>/dev/null || true)
    if [[ -z $squawk || ! -x $squawk ]] || ! "$squawk" --version 2>/dev/null | grep -qx "squawk $squawk_version"; then
        bench_say "installing squawk-cli@$squawk_version with npm into bench/.squawk"
        npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
            "squawk-cli@$squawk_version" >&2 2> >(grep -v 'Unknown user config' >&2)
        squawk=$(node -e "$get" "$prefix/node_modules/squawk-cli/js/index.js") ||
            bench_die "squawk-cli installed no binary for this platform"
    fi
}

bench_cc() {
    local prog=$1; shift
    mkdir -p "$here/build"
    if [[ ! -x $here/build/$prog || $here/$prog.c -nt $here/build/$prog ]]; then
        ${CC:-cc} -std=c17 -O2 -Wall -Wextra -o "$here/build/$prog" "$here/$prog.c" "$@"
    fi
}
