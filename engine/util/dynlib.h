/*
 * Libraries loaded on first use.  The store's backends (SQLite, libpq) and the registry
 * client (libcurl) are needed only by scans that use a store or a docker:// reference, yet
 * linking them costs every process their whole dependency closure (libpq and libcurl pull in
 * krb5, LDAP, SASL, GnuTLS, ...: about 4 MB of resident memory and thousands of relocations
 * at start).  So libimgbaseline does not link them: the code that needs one describes the
 * functions it calls in a table (name, offset of a typed function pointer) and loads the
 * library when it is first asked for, once per process, from any thread.
 *
 * Tests: tests/lazy_libs.sh (nothing of them is mapped by a plain scan; a missing libpq is a
 * one-line error only when a postgres:// store is used).
 */
#ifndef IMGB_UTIL_DYNLIB_H
#define IMGB_UTIL_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One function: its name in the library and where its pointer goes in the table. */
typedef struct imgb_dynsym {
    const char *name;
    size_t offset;
} imgb_dynsym;

typedef struct imgb_dynlib {
    const char *soname;         /* "libpq.so.5": the ABI the headers we compile with describe */
    const char *package;        /* Debian package that ships it, for the message */
    const char *what;           /* what needs it: "a postgres:// store" */
    const imgb_dynsym *syms;
    size_t nsyms;
    void *table;                /* struct of function pointers, filled by imgb_dynlib_load */
    /* state (zero-initialised) */
    bool tried;
    int rc;
    char err[512];
} imgb_dynlib;

/**
 * Load `lib` and fill its table, once per process (later calls return the first result).
 * @return 0, or IMGB_EUNSUPPORTED with a one-line message naming the library, the package
 * and what needs it ("libpq.so.5 (Debian package libpq5) is needed for a postgres:// store
 * and cannot be loaded: ...").  The library stays loaded until the process exits.
 */
int imgb_dynlib_load(imgb_dynlib *lib);

#endif
