# zdm — build, test, demo.
#
#   make            build ./zdm
#   make demo       build and run zdm on the talk's Customer example
#   make test       build with AddressSanitizer/UBSan and run the whole suite
#   make fuzz       build the libFuzzer targets (clang): build/fuzz_check, build/fuzz_py
#   make bench      run the benchmarks in bench/
#   make install    zdm and its man page under $(DESTDIR)$(PREFIX) (default /usr/local);
#                   CC, CFLAGS, CPPFLAGS and LDFLAGS reach the build (dpkg-buildflags)
#
# Sources are found by wildcard: adding a file under src/ needs no edit here.

# libpg_query 18 (PostgreSQL 18's parser) is linked statically from
# build/pg_query, which scripts/install-deps fetches (from a newer Debian
# suite) when it is missing: zdm has no run-time dependency on it.
PGQ      = build/pg_query/usr
PGQ_LIB  = $(PGQ)/lib/x86_64-linux-gnu/libpg_query.a
PGQ_DONE = build/pg_query/nodetags.inc

CC      ?= cc
# (read when a recipe runs, after the fetch: zdm --version names it)
PGQ_VERSION = $(strip $(file < build/pg_query/VERSION))
# PostgreSQL's node headers (src/sql/pg.h) are system headers here: their
# warnings are theirs.
CSTD     = -std=c17 -D_DEFAULT_SOURCE -I/usr/include/postgresql -Ibuild/pg_query \
           -isystem $(PGQ)/include -isystem $(PGQ)/include/pg_query \
           -isystem $(PGQ)/include/pg_query/postgres -DZDM_PGQ_VERSION='"$(PGQ_VERSION)"'
WARN     = -Wall -Wextra -Wpedantic -Werror -Wno-error=deprecated-declarations
CFLAGS  ?= -O2 -g
LDLIBS   = $(PGQ_LIB) -lcjson -linih -ldl -pthread   # libpq is loaded when needed: src/db/pq.h
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  = $(sort $(wildcard src/*/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
MAIN_SRC = src/main.c
HDRS     = $(wildcard src/*.h src/*/*.h)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
# Each rule's page, compiled in (scripts/embed-rules): zdm rules ID and SARIF need no checkout.
RULE_MD  = $(filter-out docs/rules/README.md,$(sort $(wildcard docs/rules/*.md)))
GEN_SRC  = build/gen/rule_pages.c

REL_OBJ  = $(LIB_SRC:%.c=build/rel/%.o) $(GEN_SRC:%.c=build/rel/%.o)
SAN_OBJ  = $(LIB_SRC:%.c=build/san/%.o) $(GEN_SRC:%.c=build/san/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build/san/%)

.PHONY: all demo test unit fuzz bench clean install uninstall
all: zdm build/man/zdm.1

$(PGQ_DONE):
	scripts/install-deps pg_query

zdm: $(REL_OBJ) build/rel/src/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/rel/%.o: %.c $(HDRS) | $(PGQ_DONE)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(GEN_SRC): scripts/embed-rules $(RULE_MD)
	@mkdir -p $(dir $@)
	scripts/embed-rules $(RULE_MD) >$@.tmp && mv $@.tmp $@

# The man page is the binary's own help (scripts/mkman), so it cannot drift from --help.
build/man/zdm.1: zdm scripts/mkman
	@mkdir -p $(dir $@)
	scripts/mkman ./zdm >$@.tmp && mv $@.tmp $@

install: zdm build/man/zdm.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 zdm $(DESTDIR)$(BINDIR)/zdm
	install -m 644 build/man/zdm.1 $(DESTDIR)$(MANDIR)/man1/zdm.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/zdm $(DESTDIR)$(MANDIR)/man1/zdm.1

build/san/%.o: %.c $(HDRS) | $(PGQ_DONE)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -c -o $@ $<

build/san/zdm: $(SAN_OBJ) build/san/src/main.o
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

build/san/test_%: tests/unit/test_%.c $(SAN_OBJ) $(HDRS)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -o $@ $< $(SAN_OBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# The whole suite runs against the sanitizer build of zdm.
test: zdm build/san/zdm $(UNIT_BIN) build/pgq_kinds
	ZDM=build/san/zdm tests/run

demo: zdm
	./zdm plan examples/customer/django-sql --deployed 0001_initial

# One libFuzzer target per parser: the whole check path over SQL, and the Python
# reader; zdm's objects are compiled once for both.
FUZZ     = -fsanitize=address,undefined
FUZZ_OBJ = $(LIB_SRC:%.c=build/fuzz/%.o) $(GEN_SRC:%.c=build/fuzz/%.o)
fuzz: build/fuzz_check build/fuzz_py
build/fuzz/%.o: %.c $(HDRS) | $(PGQ_DONE)
	@mkdir -p $(dir $@)
	clang $(CSTD) -O1 -g $(FUZZ) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	clang $(CSTD) -O1 -g $(FUZZ) -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

# bench/run counts the generated history's statements with the same parser.
build/pgq_count: bench/pgq_count.c src/sql/glibc_compat.c | $(PGQ_DONE)
	$(CC) $(CSTD) $(WARN) -O2 -o $@ $^ $(PGQ_LIB) -pthread

# tests/integration/locks names the statement kinds its differential test ran with it.
build/pgq_kinds: tests/integration/pgq_kinds.c src/sql/glibc_compat.c | $(PGQ_DONE)
	$(CC) $(CSTD) $(WARN) -O2 -o $@ $^ $(PGQ_LIB) -lcjson -pthread

bench: zdm build/pgq_count
	bench/run

# build/pg_query stays: it is fetched, not built.
clean:
	rm -rf zdm $(filter-out build/pg_query,$(wildcard build/*))
