/*
 * pq.h — libpq, loaded the first time a command connects.
 *
 * Why not link it: linking libpq makes the dynamic loader map it and the 22
 * libraries it needs (TLS, Kerberos, LDAP...) at every start, about 3.4 ms
 * of CPU per process measured here, while `zdm plan`, `check`, `sql` and
 * `--version` never talk to a database (CI runs zdm once per job, editors on
 * every save). So zdm calls libpq through the pointers below, which
 * pq_load() fills with dlopen/dlsym; db_connect calls it, and every other
 * libpq call works on the connection that made.
 *
 * Include this instead of <libpq-fe.h>. A libpq function zdm starts to use
 * goes into PQ_FUNCTIONS; one missing shows as an undefined reference when
 * linking, since zdm does not link -lpq.
 */
#ifndef ZDM_PQ_H
#define ZDM_PQ_H

#include <libpq-fe.h>

#include "../util/util.h"

#define PQ_FUNCTIONS(X)                                                                            \
    X(PQcancel) X(PQclear) X(PQconndefaults) X(PQconnectdb) X(PQconnectdbParams) X(PQconninfoFree) \
    X(PQconninfoParse) X(PQdb) X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams) \
    X(PQexitPipelineMode) X(PQfinish) X(PQfreeCancel) X(PQfreemem) X(PQgetCancel) X(PQgetisnull)   \
    X(PQgetResult) X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQpass) X(PQpingParams)               \
    X(PQpipelineSync) X(PQreset) X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus)  \
    X(PQsendQuery) X(PQsendQueryParams) X(PQserverVersion) X(PQstatus) X(PQtransactionStatus)

typedef struct PqFunctions {
#define PQ_POINTER(f) __typeof__(f) *f;
    PQ_FUNCTIONS(PQ_POINTER)
#undef PQ_POINTER
} PqFunctions;

extern PqFunctions pq;

/* Loads libpq (libpq.so.5) once; later calls return 0 at once. A machine
 * without it gets an error saying which package to install. */
int pq_load(ZdmError *err);

#ifndef ZDM_PQ_LOADER
#define PQcancel pq.PQcancel
#define PQclear pq.PQclear
#define PQsendQueryParams pq.PQsendQueryParams
#define PQpipelineSync pq.PQpipelineSync
#define PQpingParams pq.PQpingParams
#define PQexitPipelineMode pq.PQexitPipelineMode
#define PQenterPipelineMode pq.PQenterPipelineMode
#define PQconndefaults pq.PQconndefaults
#define PQconnectdb pq.PQconnectdb
#define PQconnectdbParams pq.PQconnectdbParams
#define PQconninfoFree pq.PQconninfoFree
#define PQconninfoParse pq.PQconninfoParse
#define PQdb pq.PQdb
#define PQerrorMessage pq.PQerrorMessage
#define PQexec pq.PQexec
#define PQexecParams pq.PQexecParams
#define PQfinish pq.PQfinish
#define PQfreeCancel pq.PQfreeCancel
#define PQfreemem pq.PQfreemem
#define PQgetCancel pq.PQgetCancel
#define PQgetisnull pq.PQgetisnull
#define PQgetResult pq.PQgetResult
#define PQgetvalue pq.PQgetvalue
#define PQnfields pq.PQnfields
#define PQntuples pq.PQntuples
#define PQpass pq.PQpass
#define PQreset pq.PQreset
#define PQresultErrorField pq.PQresultErrorField
#define PQresultErrorMessage pq.PQresultErrorMessage
#define PQresultStatus pq.PQresultStatus
#define PQsendQuery pq.PQsendQuery
#define PQserverVersion pq.PQserverVersion
#define PQstatus pq.PQstatus
#define PQtransactionStatus pq.PQtransactionStatus
#endif

#endif
