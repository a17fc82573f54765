/*
 * fuzz_py.c — libFuzzer target for the Python reader (src/django/py.c and
 * pyeval.c): the fuzzer's bytes read as a Django migration module, then as a
 * settings module, as django_load reads every file of a project. The reader
 * faces whatever a repository holds, so any input must end in a value or an
 * error with a position: never a crash, a hang or a leak.
 *
 * Build: make fuzz. Run: tests/fuzz/run [seconds] py.
 */
#include <stdint.h>
#include <string.h>

#include "django/py.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *a = arena_new();
    char *text = arena_alloc(a, size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    PyMigration pm;
    ZdmError err = {0};
    if (py_read_migration(a, "0001_fuzz.py", text, size, NULL, &pm, &err) == 0)
        (void)py_render(a, pm.operations);
    PyEnv *env = py_env_new(a, NULL);
    (void)py_read_settings(a, "settings.py", text, size, env, &err);
    arena_free(a);
    return 0;
}
