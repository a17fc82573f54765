/*
 * node.c — reading libpg_query's JSON parse tree.
 *
 * The tree omits fields at their default (false, 0, empty), so every getter
 * takes absence as the default rather than as an error.
 */
#include <stdlib.h>
#include <string.h>

#include "sql.h"

const char *node_type(const cJSON *node, const cJSON **body)
{
    if (!node || !cJSON_IsObject(node) || !node->child) {
        if (body)
            *body = NULL;
        return "";
    }
    if (body)
        *body = node->child;
    return node->child->string;
}

const cJSON *node_as(const cJSON *node, const char *type)
{
    const cJSON *body;
    const char *t = node_type(node, &body);
    return strcmp(t, type) == 0 ? body : NULL;
}

/* cJSON_GetObjectItemCaseSensitive, with the first byte checked inline: the
 * replay looks up a few fields of every node it visits. */
const cJSON *node_get(const cJSON *body, const char *key)
{
    for (const cJSON *c = body ? body->child : NULL; c; c = c->next)
        if (c->string && c->string[0] == key[0] && strcmp(c->string, key) == 0)
            return c;
    return NULL;
}

const char *node_str(const cJSON *body, const char *key)
{
    const cJSON *v = node_get(body, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int node_int(const cJSON *body, const char *key, int dflt)
{
    const cJSON *v = node_get(body, key);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

bool node_bool(const cJSON *body, const char *key)
{
    return cJSON_IsTrue(node_get(body, key));
}

const char *node_sval(const cJSON *node)
{
    const cJSON *s = node_as(node, "String");
    return s ? node_str(s, "sval") : NULL;
}

const char *node_name_list(const cJSON *list, const char **qualifier)
{
    int n = cJSON_GetArraySize(list);
    if (qualifier)
        *qualifier = n >= 2 ? node_sval(cJSON_GetArrayItem(list, n - 2)) : NULL;
    return n ? node_sval(cJSON_GetArrayItem(list, n - 1)) : NULL;
}

int node_const_int(const cJSON *k, const char *text, size_t len)
{
    const cJSON *v = node_get(k, "ival");
    if (node_get(v, "ival"))
        return node_int(v, "ival", 0);
    int loc = node_int(k, "location", -1);
    return text && loc >= 0 && (size_t)loc < len ? (int)strtol(text + loc, NULL, 10) : 0;
}

const char *sql_expr_text(Arena *a, const cJSON *node, const char *text, size_t len)
{
    const cJSON *k = node_as(node, "A_Const");
    if (k) {
        if (node_bool(k, "isnull"))
            return "NULL";
        const cJSON *v;
        if ((v = node_get(k, "sval")))
            return arena_printf(a, "'%s'", node_str(v, "sval") ? node_str(v, "sval") : "");
        if (node_get(k, "ival"))
            return arena_printf(a, "%d", node_const_int(k, text, len));
        if ((v = node_get(k, "fval")))
            return arena_strdup(a, node_str(v, "fval") ? node_str(v, "fval") : "0");
        if ((v = node_get(k, "boolval")))
            return node_bool(v, "boolval") ? "true" : "false";
    }
    const cJSON *tc = node_as(node, "TypeCast");
    if (tc)
        return sql_expr_text(a, node_get(tc, "arg"), text, len);
    const cJSON *fc = node_as(node, "FuncCall");
    if (fc) {
        const char *fn = node_name_list(node_get(fc, "funcname"), NULL);
        return arena_printf(a, "%s(...)", fn ? fn : "f");
    }
    if (node_as(node, "SQLValueFunction"))
        return "CURRENT_TIMESTAMP";
    return "(expression)";
}
