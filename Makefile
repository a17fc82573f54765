# zdm — build, test, demo.
#
#   make            build ./zdm
#   make demo       build and run zdm on the talk's Customer example
#   make test       build with AddressSanitizer/UBSan and run the whole suite
#   make fuzz       build the libFuzzer target (clang) into build/fuzz_check
#   make bench      run the benchmarks in bench/
#
# Sources are found by wildcard: adding a file under src/ needs no edit here.

CC      ?= cc
CSTD     = -std=c17 -D_DEFAULT_SOURCE -I/usr/include/postgresql
WARN     = -Wall -Wextra -Wpedantic -Werror -Wno-error=deprecated-declarations
CFLAGS  ?= -O2 -g
LDLIBS   = -lpg_query -lcjson -linih -ldl -pthread   # libpq is loaded when needed: src/db/pq.h
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  = $(sort $(wildcard src/*/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
MAIN_SRC = src/main.c
HDRS     = $(wildcard src/*.h src/*/*.h)
UNIT_SRC = $(wildcard tests/unit/test_*.c)

REL_OBJ  = $(LIB_SRC:%.c=build/rel/%.o)
SAN_OBJ  = $(LIB_SRC:%.c=build/san/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build/san/%)

.PHONY: all demo test unit fuzz bench clean
all: zdm

zdm: $(REL_OBJ) build/rel/src/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -c -o $@ $<

build/san/zdm: $(SAN_OBJ) build/san/src/main.o
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

build/san/test_%: tests/unit/test_%.c $(SAN_OBJ) $(HDRS)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -o $@ $< $(SAN_OBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# The whole suite runs against the sanitizer build of zdm.
test: zdm build/san/zdm $(UNIT_BIN)
	ZDM=build/san/zdm tests/run

demo: zdm
	./zdm plan examples/customer/django-sql --deployed 0001_initial

fuzz: $(LIB_SRC) tests/fuzz/fuzz_check.c
	@mkdir -p build
	clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -Isrc -o build/fuzz_check tests/fuzz/fuzz_check.c $(LIB_SRC) $(LDLIBS)

bench: zdm
	bench/run

clean:
	rm -rf build zdm
