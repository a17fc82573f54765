/*
 * pgq_kinds — the statement kinds of SQL, as zdm's replay dispatches on them
 * (tests/integration/locks.py uses it to measure which kinds its differential
 * test ran). Reads SQL on standard input and prints one line per statement:
 * its node name ("CreateStmt"), and for ALTER TABLE one line per sub-command,
 * "AlterTableStmt OBJTYPE SUBTYPE" ("AlterTableStmt OBJECT_TABLE AT_AddColumn").
 * The names come from libpg_query's JSON parse tree (PostgreSQL's own parser),
 * whose keys are the node names and whose enums are spelled as in the source.
 * A parse error is printed with its position and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(FILE *f)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *more = realloc(buf, cap *= 2);
            if (!more) {
                free(buf);
                return NULL;
            }
            buf = more;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* An enum field; libpg_query leaves out a field holding its enum's first
 * value, so a missing one is that value (AT_AddColumn, OBJECT_ACCESS_METHOD). */
static const char *enum_of(const cJSON *node, const char *field, const char *first)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, field);
    return cJSON_IsString(v) ? v->valuestring : first;
}

int main(void)
{
    char *sql = read_all(stdin);
    if (!sql) {
        fprintf(stderr, "pgq_kinds: out of memory\n");
        return 1;
    }
    PgQueryParseResult r = pg_query_parse(sql);
    if (r.error) {
        fprintf(stderr, "pgq_kinds: <stdin>: %s at offset %d\n", r.error->message, r.error->cursorpos);
        return 1;
    }
    cJSON *tree = cJSON_Parse(r.parse_tree);
    if (!tree) {
        fprintf(stderr, "pgq_kinds: libpg_query's JSON does not parse\n");
        return 1;
    }
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(tree, "stmts");
    const cJSON *raw;
    cJSON_ArrayForEach(raw, stmts) {
        const cJSON *stmt = cJSON_GetObjectItemCaseSensitive(raw, "stmt");
        const cJSON *node = stmt ? stmt->child : NULL; /* {"CreateStmt": {...}} */
        if (!node || !node->string)
            continue;
        if (strcmp(node->string, "AlterTableStmt") != 0) {
            printf("%s\n", node->string);
            continue;
        }
        const char *objtype = enum_of(node, "objtype", "OBJECT_ACCESS_METHOD");
        const cJSON *cmd;
        cJSON_ArrayForEach(cmd, cJSON_GetObjectItemCaseSensitive(node, "cmds")) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(cmd, "AlterTableCmd");
            if (c)
                printf("AlterTableStmt %s %s\n", objtype, enum_of(c, "subtype", "AT_AddColumn"));
        }
    }
    cJSON_Delete(tree);
    pg_query_free_parse_result(r);
    free(sql);
    return 0;
}
