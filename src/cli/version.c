/*
 * version.c — the one place zdm's version, and the grammar it parses with,
 * are named: `zdm --version` prints them, the man page and SARIF's tool
 * driver take them from here.
 */
#include <pg_query.h>

#include "cli.h"

const char zdm_version[] = "0.1.0";

/* The grammar is libpg_query's: the PostgreSQL parser it was cut from, and
 * libpg_query's own version (build/pg_query/VERSION, by the Makefile). */
const char zdm_grammar[] = "PostgreSQL " PG_MAJORVERSION " grammar (libpg_query " ZDM_PGQ_VERSION ")";
