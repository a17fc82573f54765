/*
 * test_db.c — the pure pieces of the database side: SHA-256 against the
 * NIST vectors, the redaction of passwords from connection strings and
 * messages, durations, and the retry backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/sha256.h"

static void expect_sha(const char *msg, size_t n, const char *hex)
{
    char out[65];
    sha256_hex(msg, n, out);
    assert_string_equal(out, hex);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    /* FIPS 180-4 examples (NIST CSRC "SHA256.pdf") */
    expect_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_sha(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                       "klmnopqrlmnopqrsmnopqrstnopqrstu";
    expect_sha(four, strlen(four), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a_in_pieces(void **state)
{
    (void)state;
    /* one million 'a', fed in uneven pieces: block boundaries fall everywhere */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    Sha256 s;
    sha256_init(&s);
    size_t left = 1000000;
    for (size_t k = 1; left; k = k % 997 + 1) {
        size_t n = k < left ? k : left;
        sha256_update(&s, chunk, n);
        left -= n;
    }
    unsigned char d[32];
    sha256_final(&s, d);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_padding_edges(void **state)
{
    (void)state;
    /* 55, 56 and 64 bytes: the length field fits, does not fit, block-sized */
    expect_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55,
               "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    expect_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56,
               "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    expect_sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64,
               "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

static void test_redact_uri(void **state)
{
    Arena *a = *state;
    /* rebuilt from what libpq read: no spelling of the password gets through */
    assert_string_equal(db_redact(a, "postgres://app:hunter2@db:5432/app"),
                        "user=app dbname=app host=db port=5432");
    assert_string_equal(db_redact(a, "postgresql://app@db/app"), "user=app dbname=app host=db");
    assert_string_equal(db_redact(a, "postgresql:///app?host=/tmp&password=pw&sslmode=require"),
                        "dbname=app host=/tmp sslmode=require");
    assert_string_equal(db_redact(a, "postgresql://u@h/d?%70assword=x&%68ost=/s"), "user=u dbname=d host=/s");
    assert_string_equal(db_redact(a, "postgresql://u:p%40ss@h/d?password=x"), "user=u dbname=d host=h");
    assert_string_equal(db_redact(a, "postgres://h/db%zz"), "(a connection string libpq cannot read)");
}

static void test_redact_keyword_value(void **state)
{
    Arena *a = *state;
    assert_string_equal(db_redact(a, "host=db password=hunter2 dbname=app"), "dbname=app host=db");
    assert_string_equal(db_redact(a, "host=db password = 'it\\'s secret' user=x"), "user=x host=db");
    assert_string_equal(db_redact(a, "host='a b' dbname=it\\'s"), "dbname='it\\'s' host='a b'");
}

static void test_connect_messages(void **state)
{
    Arena *a = *state;
    ZdmError err = {0};
    PGconn *conn = db_connect(a, "postgresql://u:Zebra42xyz@/nodb?host=/nonexistent-dir", &err);
    assert_null(conn);
    assert_int_equal(err.kind, ERR_DATABASE);
    assert_null(strstr(err.message, "Zebra42xyz"));
    assert_non_null(strstr(err.message, "cannot connect to user=u dbname=nodb host=/nonexistent-dir"));
    /* nothing is searched and replaced: a user named like the password keeps its name */
    memset(&err, 0, sizeof err);
    assert_null(db_connect(a, "postgresql://alice:alice@/nodb?host=/nonexistent-dir", &err));
    assert_non_null(strstr(err.message, "user=alice"));
}

static void test_bad_url_is_input_error(void **state)
{
    Arena *a = *state;
    ZdmError err = {0};
    assert_null(db_connect(a, "postgres://u:Se%zzcret@h/db", &err));
    assert_int_equal(err.kind, ERR_INPUT); /* exit 2: the user's input, not the database */
    assert_non_null(strstr(err.message, "is not a connection string"));
    assert_null(strstr(err.message, "Se%zzcret"));
}

static void test_durations(void **state)
{
    Arena *a = *state;
    long ms;
    assert_int_equal(db_parse_duration_ms("1s", &ms), 0);
    assert_int_equal(ms, 1000);
    assert_int_equal(db_parse_duration_ms("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(db_parse_duration_ms("1.5s", &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(db_parse_duration_ms("2min", &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(db_parse_duration_ms("1h", &ms), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(db_parse_duration_ms("300", &ms), 0);
    assert_int_equal(ms, 300);
    assert_int_equal(db_parse_duration_ms("", &ms), -1);
    assert_int_equal(db_parse_duration_ms("1 s", &ms), -1);
    assert_int_equal(db_parse_duration_ms("-1s", &ms), -1);
    assert_int_equal(db_parse_duration_ms("1d", &ms), -1);
    assert_int_equal(db_parse_duration_ms("1000h", &ms), -1); /* past int milliseconds */
    assert_string_equal(db_format_duration(a, 1000), "1s");
    assert_string_equal(db_format_duration(a, 1500), "1500ms");
    assert_string_equal(db_format_duration(a, 0), "0");
    assert_string_equal(db_format_duration(a, 300000), "5min");
    assert_string_equal(db_format_duration(a, 90000), "90s");
    assert_string_equal(db_format_duration(a, 7200000), "2h");
}

static void test_backoff(void **state)
{
    (void)state;
    /* equal jitter: between half and all of base * 2^attempt, capped */
    assert_int_equal(db_backoff_ms(0, 500, 30000, 0.0), 250);
    assert_int_equal(db_backoff_ms(0, 500, 30000, 0.999999), 499);
    assert_int_equal(db_backoff_ms(1, 500, 30000, 0.0), 500);
    assert_int_equal(db_backoff_ms(3, 500, 30000, 0.5), 3000);
    assert_int_equal(db_backoff_ms(10, 500, 30000, 0.0), 15000);
    assert_int_equal(db_backoff_ms(60, 500, 30000, 0.999999), 29999); /* no overflow */
    long prev = 0;
    for (int k = 0; k < 8; k++) { /* never shrinks from one attempt to the next at equal draw */
        long d = db_backoff_ms(k, 100, 5000, 0.3);
        assert_true(d >= prev);
        prev = d;
    }
}

static int setup(void **state)
{
    *state = arena_new();
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_million_a_in_pieces),
        cmocka_unit_test(test_sha256_padding_edges),
        cmocka_unit_test_setup_teardown(test_redact_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redact_keyword_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_url_is_input_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durations, setup, teardown),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
