/*
 * version.c — the one place zdm's version, and the grammar it parses with,
 * are named: `zdm --version` prints them, the man page and SARIF's tool
 * driver take them from here.
 */
#include <pg_query.h>

#include "cli.h"

const char zdm_version[] = "0.1.0";

/* The grammar is libpg_query's: the PostgreSQL parser it was cut from,
 * whichever libpg_query the build links. */
const char zdm_grammar[] = "PostgreSQL " PG_VERSION " (libpg_query)";
