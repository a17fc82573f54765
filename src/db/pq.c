/*
 * pq.c — loads libpq on first use (pq.h says why zdm does not link it).
 */
#define ZDM_PQ_LOADER
#include "pq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

PqFunctions pq;

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static const char *pq_failure = "not loaded"; /* NULL once loaded */

static void pq_open(void)
{
    void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        pq_failure = dlerror();
        return;
    }
    /* dlsym returns void *; POSIX guarantees it converts to a function
     * pointer, which ISO C does not say, hence the memcpy */
#define PQ_RESOLVE(f)                                                                              \
    {                                                                                              \
        void *sym = dlsym(lib, #f);                                                                \
        if (!sym) {                                                                                \
            pq_failure = "libpq.so.5 lacks " #f;                                                  \
            return;                                                                                \
        }                                                                                          \
        memcpy(&pq.f, &sym, sizeof sym);                                                           \
    }
    PQ_FUNCTIONS(PQ_RESOLVE)
#undef PQ_RESOLVE
    pq_failure = NULL;
}

int pq_load(ZdmError *err)
{
    pthread_once(&pq_once, pq_open);
    if (!pq_failure)
        return 0;
    zdm_error(err, NULL, 0, 0, "cannot load libpq, which talking to PostgreSQL needs (%s): "
              "install it (apt-get install libpq5)", pq_failure);
    err->kind = ERR_DATABASE;
    return -1;
}
