/*
 * engine/util/dynlib.h: dlopen on first use, every symbol resolved at once (RTLD_NOW), so a
 * library of the wrong version fails here with the missing function's name rather than at
 * a call deep in a scan.  One mutex serialises the loads of every library: they are rare and
 * each runs once.  Libraries are never closed: libcurl and libpq keep thread-local and
 * at-exit state that must outlive any handle we free.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/dynlib.h"
#include "util/error.h"

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

static int load_locked(imgb_dynlib *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(lib->err, sizeof lib->err, "%s (Debian package %s) is needed for %s and "
                 "cannot be loaded: %s", lib->soname, lib->package, lib->what, dlerror());
        return IMGB_EUNSUPPORTED;
    }
    for (size_t i = 0; i < lib->nsyms; i++) {
        void *sym = dlsym(h, lib->syms[i].name);
        if (!sym) {
            snprintf(lib->err, sizeof lib->err, "%s (Debian package %s) is needed for %s but "
                     "has no %s(): a different version of the library", lib->soname,
                     lib->package, lib->what, lib->syms[i].name);
            dlclose(h);
            return IMGB_EUNSUPPORTED;
        }
        /* POSIX guarantees that a function pointer and void * have the same representation */
        memcpy((char *)lib->table + lib->syms[i].offset, &sym, sizeof sym);
    }
    return 0;
}

int imgb_dynlib_load(imgb_dynlib *lib)
{
    pthread_mutex_lock(&load_mu);
    if (!lib->tried) {
        lib->rc = load_locked(lib);
        lib->tried = true;
    }
    int rc = lib->rc;
    pthread_mutex_unlock(&load_mu);
    if (rc)
        return imgb_error_set(rc, "%s", lib->err);
    return 0;
}
