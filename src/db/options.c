/*
 * options.c — the small pure pieces the database commands share: durations
 * as users write them, and the backoff between lock-timeout retries.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"

int db_parse_duration_ms(const char *s, long *ms)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double unit;
    if (*end == '\0' || strcmp(end, "ms") == 0) unit = 1;
    else if (strcmp(end, "s") == 0) unit = 1000;
    else if (strcmp(end, "min") == 0 || strcmp(end, "m") == 0) unit = 60000;
    else if (strcmp(end, "h") == 0) unit = 3600000;
    else return -1;
    double total = v * unit;
    if (total > 2147483647.0) /* PostgreSQL's timeouts are int milliseconds */
        return -1;
    *ms = (long)(total + 0.5);
    return 0;
}

const char *db_format_duration(Arena *a, long ms)
{
    if (ms == 0)
        return "0";
    /* the largest unit that divides it, as the docs write them: 5min, not 300s */
    if (ms % 3600000 == 0)
        return arena_printf(a, "%ldh", ms / 3600000);
    if (ms % 60000 == 0)
        return arena_printf(a, "%ldmin", ms / 60000);
    if (ms % 1000 == 0)
        return arena_printf(a, "%lds", ms / 1000);
    return arena_printf(a, "%ldms", ms);
}

long db_backoff_ms(int attempt, long base_ms, long cap_ms, double r)
{
    if (attempt < 0)
        attempt = 0;
    long d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    if (r < 0)
        r = 0;
    if (r >= 1)
        r = 0.999999;
    return d / 2 + (long)((double)(d - d / 2) * r);
}

void db_run_options_default(RunOptions *o)
{
    memset(o, 0, sizeof *o);
    o->schema = "public";
    o->wait_ms = 5 * 60 * 1000;
    o->lock_timeout_ms = 1000;
    o->lock_retries = 10;
    o->lock_retry_max_ms = 5 * 60 * 1000;
    o->retry_base_ms = 500;
    /* A catalog-only statement that runs long is not what the plan expected
     * (a rewrite it did not foresee) while it holds its lock: stop it. The
     * others take as long as the table is big. */
    o->statement_timeout_ms[COST_NONE] = 0;
    o->statement_timeout_ms[COST_CATALOG] = 60 * 1000;
}
