/*
 * test_source.c — source_load and source_deployed_since against real files:
 * every directory layout zdm recognises, built in a fresh temporary
 * directory, and a real git repository for --since.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"

typedef struct Fixture {
    Arena *a;
    char dir[64]; /* a fresh directory under /tmp, removed afterwards */
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/zdm_test_source_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->a = arena_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    arena_free(f->a);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* dir/rel, creating rel's parent folders. */
static char *path_in(Fixture *f, const char *rel)
{
    char *path = arena_printf(f->a, "%s/%s", f->dir, rel);
    for (char *p = path + strlen(f->dir) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", path, strerror(errno));
        *p = '/';
    }
    return path;
}

static char *write_bytes(Fixture *f, const char *rel, const char *data, size_t n)
{
    char *path = path_in(f, rel);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static char *write_file(Fixture *f, const char *rel, const char *text)
{
    return write_bytes(f, rel, text, strlen(text));
}

static char *make_dir(Fixture *f, const char *rel)
{
    char *path = path_in(f, rel);
    assert_int_equal(mkdir(path, 0755), 0);
    return path;
}

static int load_one(Fixture *f, const char *path, History *h, ZdmError *err)
{
    char *paths[] = {(char *)path};
    memset(err, 0, sizeof *err);
    memset(h, 0, sizeof *h);
    return source_load(f->a, paths, 1, h, err);
}

static void assert_names(const History *h, const char *const *names, int n)
{
    for (int i = 0; i < h->n && i < n; i++)
        assert_string_equal(h->items[i]->name, names[i]);
    assert_int_equal(h->n, n);
    for (int i = 0; i < h->n; i++) {
        assert_int_equal(h->items[i]->index, i);
        assert_int_equal(h->items[i]->phase, PHASE_NONE);
        assert_int_equal(h->items[i]->nstmts, 0);
        assert_null(h->items[i]->stmts);
    }
}

#define NAMES(...) (const char *const[]){__VA_ARGS__}, \
    (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Plain NNNN_name.sql, natural order, other files ignored. */
static void test_plain_dir(void **state)
{
    Fixture *f = *state;
    write_file(f, "10_c.sql", "SELECT 10;\n");
    write_file(f, "2_b.sql", "SELECT 2;\n");
    write_file(f, "1_a.sql", "CREATE TABLE a (id int);\n");
    write_file(f, "0003_d.sql", "SELECT 3;\n");
    write_file(f, "README.md", "not a migration\n");
    write_file(f, "notes.txt", "SELECT 0;\n");
    write_file(f, ".hidden.sql", "SELECT 'hidden';\n");
    write_file(f, "2_b.sql~", "editor backup\n");

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("1_a", "2_b", "0003_d", "10_c"));
    assert_false(h.explicit_files);
    assert_string_equal(h.items[0]->file, arena_printf(f->a, "%s/1_a.sql", f->dir));
    assert_string_equal(h.items[0]->text, "CREATE TABLE a (id int);\n");
    assert_int_equal(h.items[0]->len, strlen("CREATE TABLE a (id int);\n"));
    assert_string_equal(h.items[3]->text, "SELECT 10;\n");
    assert_false(h.items[0]->no_transaction);
}

/* The directory as typed, with one slash before the entry. */
static void test_dir_trailing_slashes(void **state)
{
    Fixture *f = *state;
    write_file(f, "m/1_a.sql", "SELECT 1;\n");
    const char *forms[] = {"m", "m/", "m//"};
    for (int i = 0; i < 3; i++) {
        History h;
        ZdmError err;
        char *dir = arena_printf(f->a, "%s/%s", f->dir, forms[i]);
        assert_int_equal(load_one(f, dir, &h, &err), 0);
        assert_int_equal(h.n, 1);
        assert_string_equal(h.items[0]->file,
                            arena_printf(f->a, "%s/m/1_a.sql", f->dir));
    }
}

static void test_golang_migrate(void **state)
{
    Fixture *f = *state;
    write_file(f, "1_init.up.sql", "CREATE TABLE t (id int);\n");
    write_file(f, "1_init.down.sql", "DROP TABLE t;\n");
    write_file(f, "2_add.up.sql", "ALTER TABLE t ADD x int;\n");
    write_file(f, "2_add.down.sql", "ALTER TABLE t DROP x;\n");
    write_file(f, "10_more.up.sql", "ALTER TABLE t ADD y int;\n");
    write_file(f, "10_more.down.sql", "ALTER TABLE t DROP y;\n");

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("1_init", "2_add", "10_more"));
    assert_string_equal(h.items[1]->file,
                        arena_printf(f->a, "%s/2_add.up.sql", f->dir));
    assert_string_equal(h.items[1]->text, "ALTER TABLE t ADD x int;\n");
}

/*
 * Flyway: versions part by part (V1_2 < V1.5 < V1_10), repeatables last,
 * undo files and callbacks left out.
 */
static void test_flyway(void **state)
{
    Fixture *f = *state;
    write_file(f, "V1_10__c.sql", "SELECT 110;\n");
    write_file(f, "V2__d.sql", "SELECT 2;\n");
    write_file(f, "V1__init.sql", "SELECT 1;\n");
    write_file(f, "V1_2__b.sql", "SELECT 12;\n");
    write_file(f, "V1.5__e.sql", "SELECT 15;\n");
    write_file(f, "U2__undo_d.sql", "SELECT 'undo';\n");
    write_file(f, "R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
    write_file(f, "R__a_func.sql", "SELECT 'r';\n");
    write_file(f, "afterMigrate.sql", "ANALYZE;\n");
    write_file(f, "flyway.conf", "flyway.url=x\n");

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("V1__init", "V1_2__b", "V1.5__e", "V1_10__c", "V2__d",
                           "R__a_func", "R__views"));
    assert_string_equal(h.items[3]->text, "SELECT 110;\n");
    assert_string_equal(h.items[6]->file,
                        arena_printf(f->a, "%s/R__views.sql", f->dir));
}

/* dbmate: the down section is cut, what precedes it is kept byte for byte. */
static void test_dbmate(void **state)
{
    Fixture *f = *state;
    const char *a_text = "-- migrate:up\nCREATE TABLE a (id int);\n\n"
                         "-- migrate:down\nDROP TABLE a;\n";
    const char *b_text = "-- migrate:up transaction:false\n"
                         "CREATE INDEX CONCURRENTLY i ON a (id);\r\n"
                         "-- migrate:down\nDROP INDEX i;\n";
    const char *c_text = "--migrate:up\nALTER TABLE a ADD b int;\n";
    const char *d_text = "-- migrate:up xtransaction:false transaction:falsey\n"
                         "SELECT 1;\n"
                         "  -- migrate:down is not a marker when indented\n"
                         "-- migrate:downward neither\nSELECT 2;\n";
    write_file(f, "20240101000000_a.sql", a_text);
    write_file(f, "20240102000000_b.sql", b_text);
    write_file(f, "20240103000000_c.sql", c_text);
    write_file(f, "20240104000000_d.sql", d_text);

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("20240101000000_a", "20240102000000_b",
                           "20240103000000_c", "20240104000000_d"));

    Migration *a = h.items[0], *b = h.items[1], *c = h.items[2], *d = h.items[3];
    assert_string_equal(a->text, "-- migrate:up\nCREATE TABLE a (id int);\n\n");
    assert_int_equal(a->len, strlen(a->text));
    assert_memory_equal(a->text, a_text, a->len);
    assert_false(a->no_transaction);

    assert_string_equal(b->text, "-- migrate:up transaction:false\n"
                                 "CREATE INDEX CONCURRENTLY i ON a (id);\r\n");
    assert_int_equal(b->len, strlen(b->text));
    assert_true(b->no_transaction);

    assert_string_equal(c->text, c_text); /* no down section: all of it */
    assert_false(c->no_transaction);

    assert_string_equal(d->text, d_text); /* neither line is a down marker */
    assert_false(d->no_transaction); /* neither option is "transaction:false" */
}

static void test_dbmate_down_before_up(void **state)
{
    Fixture *f = *state;
    char *path = write_file(f, "20240101000000_a.sql",
                            "SELECT 1;\n-- migrate:down\nDROP TABLE a;\n"
                            "-- migrate:up\nCREATE TABLE a ();\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "comes before"));
}

/* diesel/refinery: one folder per migration holding up.sql. */
static void test_folders(void **state)
{
    Fixture *f = *state;
    write_file(f, "20240101_add_x/up.sql", "ALTER TABLE t ADD x int;\n");
    write_file(f, "20240101_add_x/down.sql", "ALTER TABLE t DROP x;\n");
    write_file(f, "20240102_b/up.sql", "SELECT 'b';\n");
    write_file(f, "20231201_first/up.sql", "CREATE TABLE t (id int);\n");
    write_file(f, "notes/README.md", "no up.sql here\n");
    make_dir(f, "empty");
    write_file(f, ".git/up.sql", "hidden folder\n");

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("20231201_first", "20240101_add_x", "20240102_b"));
    assert_string_equal(h.items[1]->file,
                        arena_printf(f->a, "%s/20240101_add_x/up.sql", f->dir));
    assert_string_equal(h.items[1]->text, "ALTER TABLE t ADD x int;\n");
}

static void test_empty_dir(void **state)
{
    Fixture *f = *state;
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_int_equal(err.kind, ERR_INPUT);
    assert_string_equal(err.message,
                        arena_printf(f->a,
                                     "no migrations found in %s (expected "
                                     "NNNN_name.sql, N_name.up.sql, V1__name.sql, "
                                     "dbmate or goose files, or folders holding up.sql "
                                     "or migration.sql; or, for Django, a folder named "
                                     "migrations holding migration modules, at any depth "
                                     "below)",
                                     f->dir));
    assert_int_equal(h.n, 0);
}

/* zdm check on a new repository: no migrations yet is no error when asked. */
static void test_empty_dir_allowed(void **state)
{
    Fixture *f = *state;
    char *seed = write_file(f, "seed.sql", "INSERT INTO t VALUES (1);\n");
    char *paths[] = {f->dir};
    History h = {.allow_empty = true};
    ZdmError err = {0};
    assert_int_equal(source_load(f->a, paths, 1, &h, &err), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(h.notices.len, 2);
    assert_non_null(strstr(LIST_GET(&h.notices, 0), seed));
    assert_non_null(strstr(LIST_GET(&h.notices, 0), "fits no migration layout"));
    assert_string_equal(LIST_GET(&h.notices, 1),
                        arena_printf(f->a, "no migrations in %s yet", f->dir));
}

/* A .sql file no layout names is named in a notice, not taken as a migration. */
static void test_unlayout_files_skipped(void **state)
{
    Fixture *f = *state;
    write_file(f, "0001_a.sql", "CREATE TABLE a (id int);\n");
    char *seed = write_file(f, "seed.sql", "INSERT INTO a VALUES (1);\n");
    char *schema = write_file(f, "schema.sql", "CREATE TABLE a (id int);\n");
    write_file(f, "V0002.Second.up.sql", "SELECT 2;\n"); /* Authelia */
    write_file(f, "V0002.Second.down.sql", "SELECT 0;\n");
    write_file(f, "V0010.Tenth.up.sql", "SELECT 10;\n");
    write_file(f, "migration_lock.toml", "provider = \"postgresql\"\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("0001_a", "V0002.Second", "V0010.Tenth"));
    assert_int_equal(h.notices.len, 2);
    const char *n0 = LIST_GET(&h.notices, 0), *n1 = LIST_GET(&h.notices, 1);
    assert_true((strstr(n0, seed) && strstr(n1, schema)) || (strstr(n0, schema) && strstr(n1, seed)));
}

static void test_dir_without_migrations(void **state)
{
    Fixture *f = *state;
    write_file(f, "README.md", "# migrations\n");
    write_file(f, "1_a.down.sql", "DROP TABLE a;\n");
    write_file(f, "U1__undo.sql", "DROP TABLE a;\n");
    make_dir(f, "folder_without_up");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_non_null(strstr(err.message, "no migrations found in"));
    assert_string_equal(err.file, f->dir);
}

static void test_missing_path(void **state)
{
    Fixture *f = *state;
    char *path = arena_printf(f->a, "%s/nope", f->dir);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, path, &h, &err), -1);
    assert_int_equal(err.kind, ERR_INPUT);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message,
                        "no such file or directory");
}

static void test_duplicate_names(void **state)
{
    Fixture *f = *state;
    char *plain = write_file(f, "1_x.sql", "SELECT 1;\n");
    char *up = write_file(f, "1_x.up.sql", "SELECT 1;\n");
    write_file(f, "2_y.sql", "SELECT 2;\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_non_null(strstr(err.message, "'1_x'"));
    assert_non_null(strstr(err.message, plain));
    assert_non_null(strstr(err.message, up));
    assert_int_equal(h.n, 0);
}

static void test_duplicate_folder_and_file(void **state)
{
    Fixture *f = *state;
    char *folder = write_file(f, "0001_x/up.sql", "SELECT 1;\n");
    char *file = write_file(f, "0001_x.sql", "SELECT 1;\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_non_null(strstr(err.message, folder));
    assert_non_null(strstr(err.message, file));
}

static void test_nul_byte(void **state)
{
    Fixture *f = *state;
    write_file(f, "1_a.sql", "SELECT 1;\n");
    char *bad = write_bytes(f, "2_b.sql", "SELECT\0 2;\n", 11);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_string_equal(err.file, bad);
    assert_non_null(strstr(err.message, "NUL"));
}

/* A dangling link named like a migration is an error, not a silent skip. */
static void test_unreadable_file(void **state)
{
    Fixture *f = *state;
    write_file(f, "1_a.sql", "SELECT 1;\n");
    char *link = path_in(f, "2_b.sql");
    assert_int_equal(symlink("/nonexistent/zdm/target.sql", link), 0);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_string_equal(err.file, link);
    assert_non_null(strstr(err.message, link));
}

/*
 * Single files: in the order given; from several folders, named by their
 * path below the folders' common root.
 */
static void test_explicit_files(void **state)
{
    Fixture *f = *state;
    char *b = write_file(f, "x/0002_b.sql", "SELECT 2;\n");
    char *a = write_file(f, "y/0001_a.sql", "SELECT 1;\n");
    char *g = write_file(f, "5_go.up.sql", "SELECT 5;\n");
    char *up = write_file(f, "m/20240101_fold/up.sql", "SELECT 'f';\n");
    char *db = write_file(f, "7_dbmate.sql",
                          "-- migrate:up\nSELECT 7;\n-- migrate:down\nSELECT 0;\n");
    char *paths[] = {b, a, g, up, db};
    History h = {0};
    ZdmError err;
    assert_int_equal(source_load(f->a, paths, 5, &h, &err), 0);
    assert_names(&h, NAMES("x/0002_b", "y/0001_a", "5_go", "m/20240101_fold", "7_dbmate"));
    assert_true(h.explicit_files);
    for (int i = 0; i < 5; i++)
        assert_string_equal(h.items[i]->file, paths[i]);
    assert_string_equal(h.items[1]->text, "SELECT 1;\n");
    assert_string_equal(h.items[4]->text, "-- migrate:up\nSELECT 7;\n");
}

/* From one folder, single files keep their own names. */
static void test_explicit_one_folder(void **state)
{
    Fixture *f = *state;
    char *paths[] = {write_file(f, "db/2_b.sql", "SELECT 2;\n"),
                     write_file(f, "db/1_a.up.sql", "SELECT 1;\n")};
    History h = {0};
    ZdmError err;
    assert_int_equal(source_load(f->a, paths, 2, &h, &err), 0);
    assert_names(&h, NAMES("2_b", "1_a"));
}

/*
 * temporal's two databases (the same file names in both), given as relative
 * paths the way `zdm check $(cat ORDER)` does, with "./" and doubled slashes.
 */
static void test_explicit_same_names_in_two_folders(void **state)
{
    Fixture *f = *state;
    write_file(f, "schema/main/delta/93/01_x.sql", "SELECT 1;\n");
    write_file(f, "schema/state/delta/93/01_x.sql", "SELECT 2;\n");
    write_file(f, "schema/main/delta/94/01_x.sql", "SELECT 3;\n");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    char *paths[] = {"./schema/main/delta/93/01_x.sql", "schema//state/delta/93/01_x.sql",
                     "schema/main/delta/94/01_x.sql"};
    History h = {0};
    ZdmError err;
    int rc = source_load(f->a, paths, 3, &h, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_names(&h, NAMES("main/delta/93/01_x", "state/delta/93/01_x", "main/delta/94/01_x"));
    assert_string_equal(h.items[1]->file, paths[1]);
}

/* The same file twice, or two files of one folder that name one migration. */
static void test_explicit_duplicate(void **state)
{
    Fixture *f = *state;
    char *one = write_file(f, "x/0001_a.sql", "SELECT 1;\n");
    char *paths[] = {one, one};
    History h = {0};
    ZdmError err;
    assert_int_equal(source_load(f->a, paths, 2, &h, &err), -1);
    assert_non_null(strstr(err.message, "two migrations are named '0001_a'"));

    char *paths2[] = {one, write_file(f, "x/0001_a.up.sql", "SELECT 2;\n")};
    assert_int_equal(source_load(f->a, paths2, 2, &h, &err), -1);
    assert_non_null(strstr(err.message, paths2[0]));
    assert_non_null(strstr(err.message, paths2[1]));
}

/* Prisma: one folder per migration holding migration.sql; the folder names it. */
static void test_prisma(void **state)
{
    Fixture *f = *state;
    write_file(f, "migrations/20231106120154_embeds/migration.sql", "ALTER TABLE a ADD e int;\n");
    char *init = write_file(f, "migrations/20230406064219_init/migration.sql",
                            "CREATE TABLE a (id int);\n");
    write_file(f, "migrations/migration_lock.toml", "provider = \"postgresql\"\n");
    char *dir = arena_printf(f->a, "%s/migrations", f->dir);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, dir, &h, &err), 0);
    assert_names(&h, NAMES("20230406064219_init", "20231106120154_embeds"));
    assert_string_equal(h.items[0]->file, init);
    assert_int_equal(h.notices.len, 0);
    assert_int_equal(h.items[0]->tx_mode, TX_AS_WRITTEN);

    /* The same files named one by one, as the corpus's ORDER lists them. */
    char *paths[] = {init, arena_printf(f->a, "%s/20231106120154_embeds/migration.sql", dir)};
    memset(&h, 0, sizeof h);
    assert_int_equal(source_load(f->a, paths, 2, &h, &err), 0);
    assert_names(&h, NAMES("20230406064219_init", "20231106120154_embeds"));
}

/*
 * temporal-sql-tool: version folders in version order, each folder's files
 * in its manifest.json's order; unlisted .sql files are skipped and named.
 */
static void test_temporal_manifest(void **state)
{
    Fixture *f = *state;
    write_file(f, "v1.10/manifest.json", "{\"SchemaUpdateCqlFiles\": [], \"AllowNoCqlFiles\": true}\n");
    char *old = write_file(f, "v1.10/superseded.sql", "SELECT 0;\n");
    write_file(f, "v1.9/manifest.json", "{\"SchemaUpdateCqlFiles\": [\"b.sql\", \"a.sql\"]}\n");
    write_file(f, "v1.9/a.sql", "SELECT 'a';\n");
    write_file(f, "v1.9/b.sql", "SELECT 'b';\n");
    write_file(f, "v1.11/manifest.json", "{\"SchemaUpdateCqlFiles\": [\"q.sql\"]}\n");
    char *q = write_file(f, "v1.11/q.sql", "SELECT 'q';\n");
    write_file(f, "v1.0/manifest.json", "{\"SchemaUpdateCqlFiles\": [\"schema.sql\"]}\n");
    write_file(f, "v1.0/schema.sql", "SELECT 1;\n");
    make_dir(f, "notes");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("v1.0/schema", "v1.9/b", "v1.9/a", "v1.11/q"));
    assert_string_equal(h.items[3]->file, q);
    assert_int_equal(h.notices.len, 1);
    assert_non_null(strstr(LIST_GET(&h.notices, 0), old));

    write_file(f, "v1.12/manifest.json", "{\"SchemaUpdateCqlFiles\": [\"../v1.0/schema.sql\"]}\n");
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_non_null(strstr(err.message, "file names of the folder, not '../v1.0/schema.sql'"));
    write_file(f, "v1.12/manifest.json", "{\"Files\": []}\n");
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_non_null(strstr(err.message, "no \"SchemaUpdateCqlFiles\""));
    char *bad = write_file(f, "v1.12/manifest.json", "{\n  \"SchemaUpdateCqlFiles\": [\n  }\n");
    assert_int_equal(load_one(f, f->dir, &h, &err), -1);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.message, "not valid JSON");
}

/* goose: only the Up section runs forward; NO TRANSACTION; annotations in any case. */
static void test_goose(void **state)
{
    Fixture *f = *state;
    const char *a_text = "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n";
    const char *b_text = "-- +goose NO TRANSACTION\n"
                         "-- +goose up\n"
                         "CREATE INDEX CONCURRENTLY i ON a (id);\n"
                         "-- +goose StatementBegin\n"
                         "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
                         "-- +goose StatementEnd\n"
                         "--+goose DOWN\n"
                         "DROP INDEX CONCURRENTLY i;\n";
    const char *c_text = "-- +goose Up\n"
                         "  -- +goose Down is SQL's comment when indented\n"
                         "-- +goose ENVSUB ON\n"
                         "SELECT 1;\n";
    write_file(f, "00001_a.sql", a_text);
    write_file(f, "00002_b.sql", b_text);
    write_file(f, "00003_c.sql", c_text);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("00001_a", "00002_b", "00003_c"));
    Migration *a = h.items[0], *b = h.items[1], *c = h.items[2];
    assert_string_equal(a->text, "-- +goose Up\nCREATE TABLE a (id int);\n\n");
    assert_int_equal(a->len, strlen(a->text));
    assert_int_equal(a->tx_mode, TX_WRAPPED);
    assert_false(a->no_transaction);
    assert_string_equal(a->tx_runner, "goose");
    assert_non_null(strstr(a->tx_optout, "-- +goose NO TRANSACTION"));

    assert_memory_equal(b->text, b_text, b->len);
    assert_null(strstr(b->text, "DROP INDEX"));
    assert_int_equal(b->tx_mode, TX_NONE);
    assert_true(b->no_transaction);

    assert_string_equal(c->text, c_text);
    assert_int_equal(c->tx_mode, TX_WRAPPED);
}

static void expect_goose_error(Fixture *f, const char *text, int line, const char *words)
{
    char *path = write_file(f, "g/00001_x.sql", text);
    History h = {0};
    ZdmError err = {0};
    char *paths[] = {path};
    assert_int_equal(source_load(f->a, paths, 1, &h, &err), -1);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, line);
    if (!strstr(err.message, words))
        fail_msg("'%s' lacks '%s'", err.message, words);
}

/* goose refuses these files, so zdm does too, at the line. */
static void test_goose_errors(void **state)
{
    Fixture *f = *state;
    expect_goose_error(f, "-- +goose Down\nDROP TABLE a;\n-- +goose Up\nSELECT 1;\n", 1,
                       "\"-- +goose Down\" comes before \"-- +goose Up\"");
    expect_goose_error(f, "-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n", 3,
                       "a second \"-- +goose Up\" (the first is at line 1)");
    expect_goose_error(f, "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", 2,
                       "has no \"-- +goose StatementEnd\"");
    expect_goose_error(f, "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n", 2,
                       "before \"-- +goose Down\" at line 4");
    expect_goose_error(f, "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n", 3,
                       "without a \"-- +goose StatementBegin\"");
    expect_goose_error(f, "SELECT 1;\n-- +goose NO TRANSACTION\n", 2,
                       "without \"-- +goose Up\"");
    expect_goose_error(f, "-- +goose StatementBegin\nSELECT 1;\n", 1,
                       "before \"-- +goose Up\"");
}

/* Each runner's transaction mode, read from the file, its name or its folder. */
static void test_tx_modes(void **state)
{
    Fixture *f = *state;
    char *paths[] = {
        write_file(f, "dbmate/20240101_a.sql", "-- migrate:up\nSELECT 1;\n"),
        write_file(f, "dbmate/20240102_b.sql", "-- migrate:up transaction:false\nSELECT 1;\n"),
        write_file(f, "popx/20240101000000000000_a.postgres.up.sql", "SELECT 1;\n"),
        write_file(f, "popx/20240102000000000000_b.autocommit.up.sql", "SELECT 1;\n"),
        write_file(f, "popx/20240103000000000000_c.postgres.autocommit.up.sql", "SELECT 1;\n"),
        write_file(f, "atlas/20240101_a.sql", "CREATE TABLE a (id int);\n"),
        write_file(f, "atlas/20240102_b.sql", "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON a (id);\n"),
        write_file(f, "flyway/V1__a.sql", "SELECT 1;\n"),
        write_file(f, "flyway/V2__b.sql", "SELECT 1;\n"),
        write_file(f, "flyway/V3__c.sql", "SELECT 1;\n"),
        write_file(f, "flyway/R__d.sql", "SELECT 1;\n"),
        write_file(f, "plain/1_a.sql", "SELECT 1;\n"),
        write_file(f, "plain/2_b.up.sql", "SELECT 1;\n-- atlas:txmode none (only in the header)\n"),
    };
    write_file(f, "atlas/atlas.sum", "h1:x=\n");
    write_file(f, "flyway/V2__b.sql.conf", "# script config\nexecuteInTransaction=false\n");
    write_file(f, "flyway/V3__c.sql.conf", "executeInTransaction = true\n");
    static const struct {
        TxMode mode;
        const char *runner;
    } want[] = {{TX_WRAPPED, "dbmate"}, {TX_NONE, "dbmate"}, {TX_WRAPPED, "popx"},
                {TX_NONE, "popx"},      {TX_NONE, "popx"},   {TX_WRAPPED, "Atlas"},
                {TX_NONE, "Atlas"},     {TX_DETECT, "Flyway"}, {TX_NONE, "Flyway"},
                {TX_WRAPPED, "Flyway"}, {TX_DETECT, "Flyway"}, {TX_AS_WRITTEN, NULL},
                {TX_AS_WRITTEN, NULL}};
    int n = (int)(sizeof paths / sizeof paths[0]);
    History h = {0};
    ZdmError err;
    if (source_load(f->a, paths, n, &h, &err) != 0)
        fail_msg("%s: %s", err.file, err.message);
    assert_int_equal(h.n, n);
    for (int i = 0; i < n; i++) {
        Migration *m = h.items[i];
        if (m->tx_mode != want[i].mode)
            fail_msg("%s: tx_mode %d, want %d", m->file, m->tx_mode, want[i].mode);
        assert_int_equal(m->no_transaction, want[i].mode == TX_NONE);
        if (want[i].runner) {
            assert_string_equal(m->tx_runner, want[i].runner);
            assert_non_null(m->tx_optout);
        } else {
            assert_null(m->tx_runner);
        }
    }
    assert_non_null(strstr(h.items[8]->tx_optout, "V2__b.sql.conf"));
}

static void test_tx_mode_errors(void **state)
{
    Fixture *f = *state;
    char *bad = write_file(f, "a/20240101_a.sql", "-- atlas:txmode sometimes\nSELECT 1;\n");
    char *paths[] = {bad};
    History h = {0};
    ZdmError err = {0};
    assert_int_equal(source_load(f->a, paths, 1, &h, &err), -1);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.message, "atlas:txmode takes none, file or all, not 'sometimes'");

    paths[0] = write_file(f, "f/V1__a.sql", "SELECT 1;\n");
    char *conf = write_file(f, "f/V1__a.sql.conf", "encoding=UTF-8\nexecuteInTransaction=no\n");
    memset(&err, 0, sizeof err);
    assert_int_equal(source_load(f->a, paths, 1, &h, &err), -1);
    assert_string_equal(err.file, conf);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 22);
    assert_string_equal(err.message, "executeInTransaction takes true or false, not 'no'");
}

/* popx: per version the .postgres. file, else the neutral one; other dialects never. */
static void test_popx_dir(void **state)
{
    Fixture *f = *state;
    write_file(f, "20201110175414000000_rt.up.sql", "SELECT 'neutral, superseded';\n");
    write_file(f, "20201110175414000000_rt.postgres.up.sql", "SELECT 'pg';\n");
    write_file(f, "20201110175414000000_rt.mysql.up.sql", "SELECT 'mysql';\n");
    write_file(f, "20201110175414000000_rt.sqlite3.up.sql", "SELECT 'sqlite';\n");
    write_file(f, "20201110175414000000_rt.cockroach.up.sql", "SELECT 'crdb';\n");
    write_file(f, "20201110175414000000_rt.postgres.down.sql", "SELECT 'down';\n");
    write_file(f, "20210623162417000000_rt.up.sql", "SELECT 'neutral';\n");
    write_file(f, "20210623162417000001_idx.autocommit.up.sql", "SELECT 'ac';\n");
    write_file(f, "20210623162417000001_idx.mysql.autocommit.up.sql", "SELECT 'ac mysql';\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    assert_names(&h, NAMES("20201110175414000000_rt.postgres", "20210623162417000000_rt",
                           "20210623162417000001_idx.autocommit"));
    assert_int_equal(h.items[0]->tx_mode, TX_WRAPPED);
    assert_int_equal(h.items[1]->tx_mode, TX_AS_WRITTEN); /* neutral: popx's or golang-migrate's */
    assert_int_equal(h.items[2]->tx_mode, TX_NONE);
}

static void test_mixed_dir_and_file(void **state)
{
    Fixture *f = *state;
    write_file(f, "m/1_a.sql", "SELECT 1;\n");
    char *paths[] = {arena_printf(f->a, "%s/m", f->dir),
                     write_file(f, "2_b.sql", "SELECT 2;\n")};
    History h;
    ZdmError err;
    assert_int_equal(source_load(f->a, paths, 2, &h, &err), -1);
    assert_string_equal(err.file, paths[1]);
    assert_non_null(strstr(err.message, "cannot mix"));
}

/* Several directories: each in its own order, one after the other. */
static void test_two_dirs(void **state)
{
    Fixture *f = *state;
    write_file(f, "app/10_b.sql", "SELECT 1;\n");
    write_file(f, "app/2_a.sql", "SELECT 1;\n");
    write_file(f, "lib/1_z.sql", "SELECT 1;\n");
    char *paths[] = {arena_printf(f->a, "%s/app", f->dir),
                     arena_printf(f->a, "%s/lib", f->dir)};
    History h;
    ZdmError err;
    assert_int_equal(source_load(f->a, paths, 2, &h, &err), 0);
    assert_names(&h, NAMES("2_a", "10_b", "1_z"));
    assert_false(h.explicit_files);
}

static void test_stdin(void **state)
{
    Fixture *f = *state;
    char *path = write_file(f, "in.sql", "ALTER TABLE t ADD c int;\n");
    assert_non_null(freopen(path, "r", stdin));
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, "-", &h, &err), 0);
    assert_names(&h, NAMES("stdin"));
    assert_string_equal(h.items[0]->file, "-");
    assert_string_equal(h.items[0]->text, "ALTER TABLE t ADD c int;\n");
    assert_true(h.explicit_files);

    /* --since cannot know what stdin was at a revision. */
    assert_int_equal(source_deployed_since(f->a, &h, "HEAD", &err), -1);
    assert_string_equal(err.message,
                        "--since needs migration files in a git repository");
}

/* ---- --since against a real repository ---- */

/*
 * Runs git in dir with an identity of its own: CI runs as root with no
 * global configuration, and a developer's signing or hooks must not matter.
 */
static void git(Fixture *f, const char *dir, const char *args)
{
    char *cmd = arena_printf(f->a,
                             "git -c user.name=zdm -c user.email=zdm@example.com "
                             "-c commit.gpgsign=false -c tag.gpgsign=false "
                             "-c core.hooksPath=/dev/null "
                             "-c init.defaultBranch=main "
                             "-C '%s' %s >/dev/null 2>&1",
                             dir, args);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("failed (%d): %s", rc, cmd);
}

static Phase phase_of(const History *h, const char *name)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->items[i]->name, name) == 0)
            return h->items[i]->phase;
    fail_msg("no migration %s", name);
    return PHASE_NONE;
}

/* A repository: db/migrations 1_a, 2_b tagged v1; 3_c committed; 4_d untracked. */
static void make_repo(Fixture *f)
{
    git(f, f->dir, "init -q");
    write_file(f, "README.md", "app\n");
    write_file(f, "db/migrations/1_a.sql", "CREATE TABLE a (id int);\n");
    write_file(f, "db/migrations/2_b.sql", "ALTER TABLE a ADD b int;\n");
    git(f, f->dir, "add -A");
    git(f, f->dir, "commit -q -m one");
    git(f, f->dir, "tag v1");
    write_file(f, "db/migrations/3_c.sql", "ALTER TABLE a ADD c int;\n");
    git(f, f->dir, "add -A");
    git(f, f->dir, "commit -q -m two");
    write_file(f, "db/migrations/4_d.sql", "ALTER TABLE a ADD d int;\n");
}

static void test_since(void **state)
{
    Fixture *f = *state;
    make_repo(f);
    History h;
    ZdmError err;
    /* A subdirectory of the repository, written with a trailing slash. */
    char *dir = arena_printf(f->a, "%s/db/migrations/", f->dir);
    assert_int_equal(load_one(f, dir, &h, &err), 0);
    assert_int_equal(h.n, 4);
    /*
     * A branch named like the tag makes git warn "refname 'v1' is ambiguous"
     * (and pick the tag): the warning must not spoil the file list.
     */
    git(f, f->dir, "branch v1");

    assert_int_equal(source_deployed_since(f->a, &h, "v1", &err), 0);
    assert_int_equal(phase_of(&h, "1_a"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "2_b"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "3_c"), PHASE_NONE);
    assert_int_equal(phase_of(&h, "4_d"), PHASE_NONE);

    /* A fresh load, so nothing is left from the first call. */
    assert_int_equal(load_one(f, dir, &h, &err), 0);
    assert_int_equal(source_deployed_since(f->a, &h, "HEAD", &err), 0);
    assert_int_equal(phase_of(&h, "1_a"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "2_b"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "3_c"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "4_d"), PHASE_NONE); /* untracked */
}

/* Explicit files given relative to the working directory. */
static void test_since_relative_files(void **state)
{
    Fixture *f = *state;
    make_repo(f);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(arena_printf(f->a, "%s/db", f->dir)), 0);

    char *paths[] = {"migrations/2_b.sql", "migrations/3_c.sql"};
    History h;
    ZdmError err;
    int load = source_load(f->a, paths, 2, &h, &err);
    int since = load == 0 ? source_deployed_since(f->a, &h, "HEAD~1", &err) : -1;
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(load, 0);
    assert_int_equal(since, 0);
    assert_int_equal(phase_of(&h, "2_b"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "3_c"), PHASE_NONE);
}

/*
 * Puts a "git" first on PATH that logs each call to log and runs the real
 * one, so a test can count the git processes zdm starts.
 */
static void count_git_calls(Fixture *f, const char *log)
{
    const char *path = getenv("PATH");
    assert_non_null(path);
    char *real = NULL;
    for (const char *p = path; *p && !real;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *cand = arena_printf(f->a, "%.*s/git", (int)n, p);
        if (n && access(cand, X_OK) == 0)
            real = cand;
        p = end ? end + 1 : p + n;
    }
    assert_non_null(real);
    char *wrapper = write_file(f, "bin/git",
                               arena_printf(f->a,
                                            "#!/bin/sh\necho \"$*\" >> '%s'\n"
                                            "exec '%s' \"$@\"\n",
                                            log, real));
    assert_int_equal(chmod(wrapper, 0755), 0);
    setenv("PATH", arena_printf(f->a, "%s/bin:%s", f->dir, path), 1);
}

static int count_lines(const char *file)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        return 0;
    int n = 0, c;
    while ((c = fgetc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

/*
 * Folder migrations: a file below the directory, seen at the revision, all
 * of them with one git call for the whole directory.
 */
static void test_since_folders(void **state)
{
    Fixture *f = *state;
    git(f, f->dir, "init -q");
    write_file(f, "m/20240101_a/up.sql", "SELECT 1;\n");
    write_file(f, "m/20240102_b/up.sql", "SELECT 2;\n");
    git(f, f->dir, "add m/20240101_a/up.sql");
    git(f, f->dir, "commit -q -m one");
    write_file(f, "m/20240103_c/up.sql", "SELECT 3;\n");
    git(f, f->dir, "add -A");
    git(f, f->dir, "commit -q -m two");

    History h;
    ZdmError err;
    assert_int_equal(load_one(f, arena_printf(f->a, "%s/m", f->dir), &h, &err), 0);
    assert_int_equal(h.n, 3);

    char *log = arena_printf(f->a, "%s/git.log", f->dir);
    char *saved_path = arena_strdup(f->a, getenv("PATH"));
    count_git_calls(f, log);
    int rc = source_deployed_since(f->a, &h, "HEAD~1", &err);
    setenv("PATH", saved_path, 1);
    assert_int_equal(rc, 0);
    assert_int_equal(count_lines(log), 1);
    assert_int_equal(phase_of(&h, "20240101_a"), PHASE_DEPLOYED);
    assert_int_equal(phase_of(&h, "20240102_b"), PHASE_NONE);
    assert_int_equal(phase_of(&h, "20240103_c"), PHASE_NONE);
}

static void test_since_unknown_ref(void **state)
{
    Fixture *f = *state;
    make_repo(f);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, arena_printf(f->a, "%s/db/migrations", f->dir),
                              &h, &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(source_deployed_since(f->a, &h, "no-such-tag", &err), -1);
    assert_int_equal(err.kind, ERR_INPUT);
    assert_string_equal(err.message, "unknown git revision 'no-such-tag'");

    /* A revision that would be an option to git. */
    assert_int_equal(source_deployed_since(f->a, &h, "--all", &err), -1);
    assert_string_equal(err.message, "unknown git revision '--all'");
    for (int i = 0; i < h.n; i++)
        assert_int_equal(h.items[i]->phase, PHASE_NONE);
}

/*
 * The revision reaches git as one word, whatever it holds: unquoted, the
 * first ";" would run a command; quoted without escaping "'", the second.
 */
static void test_since_ref_is_quoted(void **state)
{
    Fixture *f = *state;
    make_repo(f);
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, arena_printf(f->a, "%s/db/migrations", f->dir),
                              &h, &err), 0);
    char *m1 = arena_printf(f->a, "%s/pwned1", f->dir);
    char *m2 = arena_printf(f->a, "%s/pwned2", f->dir);
    char *ref = arena_printf(f->a, "v1;touch %s;'; touch %s; echo '", m1, m2);
    assert_int_equal(source_deployed_since(f->a, &h, ref, &err), -1);
    assert_string_equal(err.message,
                        arena_printf(f->a, "unknown git revision '%s'", ref));
    assert_int_not_equal(access(m1, F_OK), 0);
    assert_int_not_equal(access(m2, F_OK), 0);
}

static void test_since_not_a_repo(void **state)
{
    Fixture *f = *state;
    write_file(f, "1_a.sql", "SELECT 1;\n");
    History h;
    ZdmError err;
    assert_int_equal(load_one(f, f->dir, &h, &err), 0);
    /* Should /tmp itself sit in a repository, git must not climb into it. */
    setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
    int rc = source_deployed_since(f->a, &h, "HEAD", &err);
    unsetenv("GIT_CEILING_DIRECTORIES");
    assert_int_equal(rc, -1);
    assert_int_equal(err.kind, ERR_INPUT);
    assert_string_equal(err.file, h.items[0]->file);
    assert_non_null(strstr(err.message, "not in one"));
    assert_non_null(strstr(err.message, f->dir));
}

int main(void)
{
    /* Run from a git hook, these would aim the test's git at another repository. */
    unsetenv("GIT_DIR");
    unsetenv("GIT_WORK_TREE");
    unsetenv("GIT_INDEX_FILE");

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_plain_dir),
        TEST(test_dir_trailing_slashes),
        TEST(test_golang_migrate),
        TEST(test_flyway),
        TEST(test_dbmate),
        TEST(test_dbmate_down_before_up),
        TEST(test_folders),
        TEST(test_empty_dir),
        TEST(test_empty_dir_allowed),
        TEST(test_unlayout_files_skipped),
        TEST(test_dir_without_migrations),
        TEST(test_missing_path),
        TEST(test_duplicate_names),
        TEST(test_duplicate_folder_and_file),
        TEST(test_nul_byte),
        TEST(test_unreadable_file),
        TEST(test_explicit_files),
        TEST(test_explicit_one_folder),
        TEST(test_explicit_same_names_in_two_folders),
        TEST(test_explicit_duplicate),
        TEST(test_prisma),
        TEST(test_temporal_manifest),
        TEST(test_goose),
        TEST(test_goose_errors),
        TEST(test_tx_modes),
        TEST(test_tx_mode_errors),
        TEST(test_popx_dir),
        TEST(test_mixed_dir_and_file),
        TEST(test_two_dirs),
        TEST(test_stdin),
        TEST(test_since),
        TEST(test_since_relative_files),
        TEST(test_since_folders),
        TEST(test_since_unknown_ref),
        TEST(test_since_ref_is_quoted),
        TEST(test_since_not_a_repo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
