/*
 * sql.h — the libpg_query front end.
 *
 * zdm parses with libpg_query (PostgreSQL 15's own grammar) to JSON, reads
 * that into cJSON nodes (tree.c: one copy of the text, no allocation per
 * string) and walks the tree with cJSON's getters. Why JSON and not the
 * protobuf API: measured here, pg_query_parse emits JSON about 3x faster
 * than pg_query_parse_protobuf emits protobuf, and reading the JSON costs
 * less than producing it, so JSON is the faster path end to end; the tree
 * is read in one place
 * (catalog/replay.c) through the small helpers below, so the loss of static
 * types is contained.
 */
#ifndef ZDM_SQL_H
#define ZDM_SQL_H

#include <cjson/cJSON.h>

#include "../source/source.h"

/* The PostgreSQL majors whose locks and costs zdm models: the oldest still
 * deployed, up to the grammar's own (SQL_PG_NEWEST), which is the default
 * of --pg-version. A server outside the range is read as the nearest. */
#define SQL_PG_OLDEST 13
#define SQL_PG_NEWEST 18
/* The value of --pg-version: SQL_PG_OLDEST..SQL_PG_NEWEST, else -1 with err. */
int sql_pg_version_arg(const char *val, ZdmError *err);

/*
 * Parses m->text into m->stmts, with each statement's offset, line and
 * column, and reads the "-- zdm:" directives in comments:
 *   -- zdm:allow <rule-id> <reason>    on a statement (the comment lines just
 *                                      before it, inside it, or after it on
 *                                      its last line) or, before the first
 *                                      statement, for the whole file
 *   -- zdm:phase before-deploy|after-deploy
 *   -- zdm:requires-backfill <job>     zdm migrate waits for that backfill job
 * A syntax error or a bad directive fills err with file:line:column.
 */
int sql_parse_migration(Arena *a, Migration *m, ZdmError *err);
/* Every migration of h (but those that came parsed), on as many threads as
 * the machine has cores (up to 8): parsing is most of what zdm spends on a
 * long history. The error is the one sql_parse_migration would give first,
 * going in order. */
int sql_parse_history(Arena *a, History *h, ZdmError *err);

/* The same, in the background: sql_parse_start returns at once;
 * sql_parse_wait(p, i) returns 0 when migration i is parsed (the caller's
 * thread parses others meanwhile), or -1 with the first error in order when
 * any failed; sql_parse_finish waits for all and must end every run (it
 * joins the threads). Between start and finish, only the caller's thread may
 * use a, and only between waits. */
typedef struct ParseRun ParseRun;
ParseRun *sql_parse_start(Arena *a, History *h);
int sql_parse_wait(ParseRun *p, int i, ZdmError *err);
int sql_parse_finish(ParseRun *p, ZdmError *err);
/* Frees the parse tree of a migration parsed by sql_parse_start that nothing
 * will read again (its statements' nodes become NULL); a no-op after
 * sql_parse_finish. A long history's deployed part then costs no memory. */
void sql_drop_tree(Migration *m);
/* JSON text (libpg_query's parse tree) as cJSON nodes in the arena, or NULL
 * when it is not valid JSON. tree.c says why not cJSON_Parse. */
cJSON *sql_read_tree(Arena *a, const char *json, size_t len);

/* {"AlterTableStmt": {...}} → "AlterTableStmt", and *body = the inner object. */
const char *node_type(const cJSON *node, const cJSON **body);
/* The object under key in body, or NULL. */
const cJSON *node_get(const cJSON *body, const char *key);
/* A string field ("relname"), or NULL. */
const char *node_str(const cJSON *body, const char *key);
int node_int(const cJSON *body, const char *key, int dflt);
bool node_bool(const cJSON *body, const char *key);
/* {"String": {"sval": "x"}} → "x", else NULL. */
const char *node_sval(const cJSON *node);
/* The last String of a name list (["pg_catalog","int4"] → "int4"), and the
 * one before it as *qualifier (or NULL). */
const char *node_name_list(const cJSON *list, const char **qualifier);
/* The body of node if it is of the given type, else NULL. */
const cJSON *node_as(const cJSON *node, const char *type);
/* An integer constant (an A_Const's body). libpg_query's JSON leaves out the
 * value of a negative one ("ival": {}), as it does 0: then the text its
 * location points into (len bytes; NULL if unknown) says which. */
int node_const_int(const cJSON *aconst, const char *text, size_t len);
/* A short rendering of a simple expression, as zdm compares and reports
 * defaults: constants as written, f(...) for calls, "(expression)" else.
 * text: as for node_const_int. The replay and zdm diff both render with it. */
const char *sql_expr_text(Arena *a, const cJSON *node, const char *text, size_t len);

/* Raw-text scanning (scan.c). t[i] is a byte of text whose end is t[end]. */
bool sql_is_ident_char(unsigned char ch);
/* The end of the string, quoted identifier, dollar quote or comment starting
 * at t[i], or i when none starts there. */
int sql_skip_quoted(const char *t, int i, int end);
/* The first token at or after i: whitespace and comments skipped. */
int sql_skip_noise(const char *t, int i, int end);

#endif
