/*
 * sshd_config parser with OpenSSH's semantics (servconf.c); see facts/sshd.h for the rules
 * it reproduces and where they come from.  One keyword table, one line processor, one
 * defaults function: versions differ by the `since`/`until` columns, not by code paths.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/os.h"
#include "facts/sshd.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/lines.h"
#include "util/mem.h"

/* Versions where sshd's parser changed (servconf.c history). */
#define V_FLAG_NOCASE   "7.5"  /* parse_flag -> multistate_flag (strcasecmp); 7.4 used strcmp */
#define V_SSH1_GONE     "7.4"  /* Protocol ignored, SSH1 keywords deprecated */
#define V_PRIVSEP_GONE  "7.5"  /* UsePrivilegeSeparation deprecated */
#define V_INCLUDE       "8.2"  /* sInclude */
#define V_COUNTMAX_ZERO "8.2"  /* ClientAliveCountMax 0 disables (69334996a) */
#define V_ARGV_SPLIT    "8.7"  /* argv_split: '#' ends a line, strict integers (atoi_err) */
#define V_KBDINT_MERGED "8.7"  /* ChallengeResponseAuthentication became a KbdInteractive alias */

#define SSHD_MAX_ARGS   256    /* words on one line (beyond: config error) */
#define SSHD_MAX_VALUE  (64 * 1024) /* accumulated list value */
#define SSHD_MAX_FILES  1024   /* files read through Include */
#define SSHD_MAX_INCLUDE_MATCHES (16 * SSHD_MAX_FILES) /* glob matches, all Includes together */
#define SSHD_MAX_PROBLEMS IMGB_MAX_EVIDENCE_PER_ITEM /* kept; the rest counted */

/* ---- version compare -------------------------------------------------------------------- */

/*
 * Numeric compare of "7.4p1"-style versions: the dotted numbers, then the portable release
 * ("p1").  Local so that the parser does not depend on facts/os.c being linked (tests feed a
 * version directly); same ordering as imgb_version_cmp.
 */
static int ver_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        while (*a && !isdigit((unsigned char)*a))
            a++;
        while (*b && !isdigit((unsigned char)*b))
            b++;
        if (!*a || !*b)
            return *a ? 1 : *b ? -1 : 0;
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a = ea;
        b = eb;
    }
    return 0;
}

bool imgb_sshd_version_has_include(const char *v)
{
    return ver_cmp(v ? v : IMGB_SSHD_ASSUMED_VERSION, V_INCLUDE) >= 0;
}

bool imgb_sshd_countmax_zero_disables(const char *v)
{
    return ver_cmp(v ? v : IMGB_SSHD_ASSUMED_VERSION, V_COUNTMAX_ZERO) >= 0;
}

/* ---- keyword table ---------------------------------------------------------------------- */

typedef enum kw_kind {
    K_FLAG,        /* yes/no */
    K_MULTI,       /* multistate table, strcasecmp */
    K_INT,
    K_TIME,        /* convtime */
    K_STRING,      /* first word, first wins */
    K_REST,        /* every word of the first line, first wins (ForceCommand, IPQoS ...) */
    K_PATH,        /* derelativise_path, first wins */
    K_LIST,        /* accumulates over lines */
    K_ALGOS,       /* Ciphers/MACs/KexAlgorithms: first wins, +/-/^ on the default list */
    K_MAXSTARTUPS, /* a[:b:c], last wins */
    K_LOGLEVEL,
    K_FACILITY,
    K_USERENV,     /* PermitUserEnvironment: yes/no (strcmp) or a pattern list */
    K_TUN,         /* PermitTunnel: strcmp against tunmode names */
    K_PROTOCOL,    /* 7.2: "2", "1", "2,1", "1,2" */
    K_REKEY,       /* RekeyLimit bytes [interval]: two first-wins values */
    K_DEPRECATED,  /* accepted, logged, ignored */
    K_IGNORED,
    K_UNSUPPORTED, /* compiled out: accepted, logged, ignored */
    K_INCLUDE,
    K_MATCH,
} kw_kind;

#define F_GLOBAL 0x1
#define F_MATCH  0x2
#define F_ALL    (F_GLOBAL | F_MATCH)

typedef struct multistate {
    const char *key;
    int value;
} multistate;

static const multistate ms_flag[] = { { "yes", 1 }, { "no", 0 }, { NULL, -1 } };
static const multistate ms_rootlogin[] = {
    { "without-password", 2 }, { "prohibit-password", 2 }, { "forced-commands-only", 1 },
    { "yes", 3 }, { "no", 0 }, { NULL, -1 } };
static const multistate ms_ignore_rhosts[] = {
    { "yes", 1 }, { "no", 0 }, { "shosts-only", 2 }, { NULL, -1 } };
static const multistate ms_addressfamily[] = {
    { "inet", 1 }, { "inet6", 2 }, { "any", 0 }, { NULL, -1 } };
static const multistate ms_compression[] = {
    { "yes", 2 }, { "delayed", 2 }, { "no", 0 }, { NULL, -1 } };
static const multistate ms_gatewayports[] = {
    { "clientspecified", 2 }, { "yes", 1 }, { "no", 0 }, { NULL, -1 } };
static const multistate ms_tcpfwd[] = {
    { "yes", 3 }, { "all", 3 }, { "no", 0 }, { "remote", 2 }, { "local", 1 }, { NULL, -1 } };
static const multistate ms_privsep[] = {
    { "yes", 1 }, { "sandbox", 2 }, { "no", 0 }, { NULL, -1 } };
static const multistate ms_tunmode[] = {
    { "no", 0 }, { "point-to-point", 1 }, { "ethernet", 2 }, { "yes", 3 }, { NULL, -1 } };
static const multistate ms_loglevel[] = {
    { "QUIET", 0 }, { "FATAL", 1 }, { "ERROR", 2 }, { "INFO", 3 }, { "VERBOSE", 4 },
    { "DEBUG", 5 }, { "DEBUG1", 5 }, { "DEBUG2", 6 }, { "DEBUG3", 7 }, { NULL, -1 } };
static const multistate ms_facility[] = {
    { "DAEMON", 0 }, { "USER", 1 }, { "AUTH", 2 }, { "AUTHPRIV", 3 }, { "LOCAL0", 4 },
    { "LOCAL1", 5 }, { "LOCAL2", 6 }, { "LOCAL3", 7 }, { "LOCAL4", 8 }, { "LOCAL5", 9 },
    { "LOCAL6", 10 }, { "LOCAL7", 11 }, { NULL, -1 } };

/*
 * One row per keyword sshd knows.  `since`: first version that parses it (older versions say
 * "Bad configuration option").  `until`/`later`: from version `until` on the keyword is
 * parsed as kind `later` (deprecated, ignored or an alias).  `alias`: canonical name whose
 * slot this row fills.
 */
typedef struct kw {
    const char *name;
    kw_kind kind;
    unsigned flags;
    const multistate *ms;
    const char *since;
    const char *until;
    kw_kind later;
    const char *alias;       /* from `until` when `later` is K_ALIAS-like (see below) */
} kw;

/* A row whose `alias` is set fills the canonical keyword's slot; when `until` is also set
 * the aliasing starts at that version and before it the row is its own keyword. */
static const kw keywords[] = {
    { "usepam", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "pamauthenticationviakbdint", K_DEPRECATED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "port", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "hostkey", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "hostdsakey", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, "hostkey" },
    { "hostkeyagent", K_STRING, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "pidfile", K_PATH, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "modulifile", K_PATH, F_GLOBAL, NULL, "8.4", NULL, 0, NULL },
    { "serverkeybits", K_INT, F_GLOBAL, NULL, NULL, V_SSH1_GONE, K_DEPRECATED, NULL },
    { "logingracetime", K_TIME, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "keyregenerationinterval", K_TIME, F_GLOBAL, NULL, NULL, V_SSH1_GONE, K_DEPRECATED, NULL },
    { "permitrootlogin", K_MULTI, F_ALL, ms_rootlogin, NULL, NULL, 0, NULL },
    { "syslogfacility", K_FACILITY, F_GLOBAL, ms_facility, NULL, NULL, 0, NULL },
    { "loglevel", K_LOGLEVEL, F_ALL, ms_loglevel, NULL, NULL, 0, NULL },
    { "logverbose", K_LIST, F_ALL, NULL, "8.5", NULL, 0, NULL },
    { "rhostsauthentication", K_DEPRECATED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "rhostsrsaauthentication", K_FLAG, F_ALL, NULL, NULL, V_SSH1_GONE, K_DEPRECATED, NULL },
    { "hostbasedauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "hostbasedusesnamefrompacketonly", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "hostbasedacceptedalgorithms", K_STRING, F_ALL, NULL, "8.5", NULL, 0, NULL },
    { "hostbasedacceptedkeytypes", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "hostkeyalgorithms", K_STRING, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "rsaauthentication", K_FLAG, F_ALL, NULL, NULL, V_SSH1_GONE, K_DEPRECATED, NULL },
    { "pubkeyauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "pubkeyacceptedalgorithms", K_STRING, F_ALL, NULL, "8.5", NULL, 0, NULL },
    { "pubkeyacceptedkeytypes", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "pubkeyauthoptions", K_REST, F_ALL, NULL, "8.2", NULL, 0, NULL },
    { "dsaauthentication", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, "pubkeyauthentication" },
    { "kerberosauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "kerberosorlocalpasswd", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "kerberosticketcleanup", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "kerberosgetafstoken", K_UNSUPPORTED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "kerberostgtpassing", K_UNSUPPORTED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "afstokenpassing", K_UNSUPPORTED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "gssapiauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "gssapicleanupcredentials", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "gssapistrictacceptorcheck", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    /* GSSAPI key exchange: Debian and Red Hat patch (openssh-gsskex) */
    { "gssapikeyexchange", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "gssapistorecredentialsonrekey", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "gssapikexalgorithms", K_STRING, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "passwordauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "kbdinteractiveauthentication", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "challengeresponseauthentication", K_FLAG, F_ALL, NULL, NULL, V_KBDINT_MERGED, K_FLAG,
      "kbdinteractiveauthentication" },
    { "skeyauthentication", K_UNSUPPORTED, F_ALL, NULL, NULL, V_KBDINT_MERGED, K_FLAG,
      "kbdinteractiveauthentication" },
    { "checkmail", K_DEPRECATED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "listenaddress", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "addressfamily", K_MULTI, F_GLOBAL, ms_addressfamily, NULL, NULL, 0, NULL },
    { "printmotd", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "printlastlog", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    /* IgnoreRhosts gained "shosts-only" in 8.4; a yes/no flag before */
    { "ignorerhosts", K_FLAG, F_ALL, ms_ignore_rhosts, NULL, "8.4", K_MULTI, NULL },
    { "ignoreuserknownhosts", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "x11forwarding", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "x11displayoffset", K_INT, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "x11uselocalhost", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "xauthlocation", K_PATH, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "strictmodes", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "permitemptypasswords", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    /* a yes/no flag until 7.8 added pattern lists */
    { "permituserenvironment", K_FLAG, F_GLOBAL, NULL, NULL, "7.8", K_USERENV, NULL },
    { "uselogin", K_FLAG, F_GLOBAL, NULL, NULL, V_SSH1_GONE, K_DEPRECATED, NULL },
    { "compression", K_MULTI, F_GLOBAL, ms_compression, NULL, NULL, 0, NULL },
    { "rekeylimit", K_REKEY, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "tcpkeepalive", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "keepalive", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, "tcpkeepalive" },
    { "allowtcpforwarding", K_MULTI, F_ALL, ms_tcpfwd, NULL, NULL, 0, NULL },
    { "allowagentforwarding", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "allowusers", K_LIST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "denyusers", K_LIST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "allowgroups", K_LIST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "denygroups", K_LIST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "ciphers", K_ALGOS, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "macs", K_ALGOS, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "protocol", K_PROTOCOL, F_GLOBAL, NULL, NULL, V_SSH1_GONE, K_IGNORED, NULL },
    { "gatewayports", K_MULTI, F_ALL, ms_gatewayports, NULL, NULL, 0, NULL },
    { "subsystem", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "maxstartups", K_MAXSTARTUPS, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "persourcemaxstartups", K_STRING, F_GLOBAL, NULL, "8.5", NULL, 0, NULL },
    { "persourcenetblocksize", K_STRING, F_GLOBAL, NULL, "8.5", NULL, 0, NULL },
    { "maxauthtries", K_INT, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "maxsessions", K_INT, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "banner", K_PATH, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "usedns", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "verifyreversemapping", K_DEPRECATED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "reversemappingcheck", K_DEPRECATED, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "clientaliveinterval", K_TIME, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "clientalivecountmax", K_INT, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedkeysfile", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedkeysfile2", K_DEPRECATED, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "useprivilegeseparation", K_MULTI, F_GLOBAL, ms_privsep, NULL, V_PRIVSEP_GONE,
      K_DEPRECATED, NULL },
    { "acceptenv", K_LIST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "setenv", K_REST, F_ALL, NULL, "7.8", NULL, 0, NULL },
    { "permittunnel", K_TUN, F_ALL, ms_tunmode, NULL, NULL, 0, NULL },
    { "permittty", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "permituserrc", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "match", K_MATCH, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "permitopen", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "permitlisten", K_REST, F_ALL, NULL, "7.8", NULL, 0, NULL },
    { "forcecommand", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "chrootdirectory", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "hostcertificate", K_LIST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "revokedkeys", K_PATH, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "trustedusercakeys", K_PATH, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedprincipalsfile", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "kexalgorithms", K_ALGOS, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "casignaturealgorithms", K_STRING, F_ALL, NULL, "7.9", NULL, 0, NULL },
    { "include", K_INCLUDE, F_ALL, NULL, V_INCLUDE, NULL, 0, NULL },
    { "ipqos", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedkeyscommand", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedkeyscommanduser", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedprincipalscommand", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "authorizedprincipalscommanduser", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "versionaddendum", K_REST, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "authenticationmethods", K_REST, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "streamlocalbindmask", K_STRING, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "streamlocalbindunlink", K_FLAG, F_ALL, NULL, NULL, NULL, 0, NULL },
    { "allowstreamlocalforwarding", K_MULTI, F_ALL, ms_tcpfwd, NULL, NULL, 0, NULL },
    { "fingerprinthash", K_STRING, F_GLOBAL, NULL, NULL, NULL, 0, NULL },
    { "disableforwarding", K_FLAG, F_ALL, NULL, "7.4", NULL, 0, NULL },
    { "exposeauthinfo", K_FLAG, F_ALL, NULL, "7.6", NULL, 0, NULL },
    { "rdomain", K_STRING, F_ALL, NULL, "7.6", NULL, 0, NULL },
    { "securitykeyprovider", K_STRING, F_GLOBAL, NULL, "8.2", NULL, 0, NULL },
    { "requiredrsasize", K_INT, F_ALL, NULL, "9.1", NULL, 0, NULL },
    { "channeltimeout", K_REST, F_ALL, NULL, "9.2", NULL, 0, NULL },
    { "unusedconnectiontimeout", K_STRING, F_ALL, NULL, "9.2", NULL, 0, NULL },
    { "debianbanner", K_FLAG, F_GLOBAL, NULL, NULL, NULL, 0, NULL }, /* Debian patch */
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

/* The row for `name` (any case) as this version parses it; *slot gets the canonical row. */
static const kw *kw_lookup(const char *name, const char *version, kw_kind *kind, size_t *slot)
{
    for (size_t i = 0; i < NKEYWORDS; i++) {
        const kw *k = &keywords[i];
        if (strcasecmp(name, k->name) != 0)
            continue;
        if (k->since && ver_cmp(version, k->since) < 0)
            return NULL;
        bool later = k->until && ver_cmp(version, k->until) >= 0;
        *kind = later ? k->later : k->kind;
        *slot = i;
        /* an alias row fills the canonical slot (always, or from `until` on) */
        if (k->alias && (!k->until || later)) {
            for (size_t j = 0; j < NKEYWORDS; j++)
                if (strcmp(keywords[j].name, k->alias) == 0) {
                    *slot = j;
                    if (!later)
                        *kind = keywords[j].kind;
                    break;
                }
        }
        return &keywords[*slot];
    }
    return NULL;
}

bool imgb_sshd_keyword_is_time(const char *keyword)
{
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (strcasecmp(keyword, keywords[i].name) == 0)
            return keywords[i].kind == K_TIME;
    return false;
}

bool imgb_sshd_keyword_is_algorithms(const char *keyword)
{
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (strcasecmp(keyword, keywords[i].name) == 0)
            return keywords[i].kind == K_ALGOS;
    return false;
}

bool imgb_sshd_keyword_known(const char *keyword)
{
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (strcasecmp(keyword, keywords[i].name) == 0)
            return keywords[i].kind != K_MATCH && keywords[i].kind != K_INCLUDE;
    return false;
}

static const multistate *ms_for(const kw *k)
{
    return k->kind == K_FLAG ? ms_flag : k->ms;
}

static long long convtime(const char *s);
static const char *ms_find(const multistate *ms, const char *arg, bool nocase);

char *imgb_sshd_normalize(const char *keyword, const char *value)
{
    for (size_t i = 0; i < NKEYWORDS; i++) {
        const kw *k = &keywords[i];
        if (strcasecmp(keyword, k->name) != 0)
            continue;
        if (k->alias)
            for (size_t j = 0; j < NKEYWORDS; j++)
                if (strcmp(keywords[j].name, k->alias) == 0)
                    k = &keywords[j];
        if (k->kind == K_TIME) {
            long long t = convtime(value);
            if (t >= 0)
                return imgb_xasprintf("%lld", t);
        }
        const multistate *ms = ms_for(k);
        if (ms) {
            const char *c = ms_find(ms, value, true);
            if (c)
                return imgb_xstrdup(c);
        }
        break;
    }
    return imgb_xstrdup(value);
}

/* ---- default algorithm lists (myproposal.h) --------------------------------------------- */

static const char *default_algos(const char *name, const char *v)
{
    if (strcmp(name, "ciphers") == 0)
        return "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
               "aes128-gcm@openssh.com,aes256-gcm@openssh.com";
    if (strcmp(name, "macs") == 0)
        return "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
               "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
               "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
    /* kexalgorithms */
    if (ver_cmp(v, "7.4") < 0)
        return "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
               "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
               "diffie-hellman-group14-sha1";
    if (ver_cmp(v, "8.2") < 0)
        return "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
               "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
               "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
               "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1";
    if (ver_cmp(v, "8.9") < 0)
        return "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
               "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
               "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
               "diffie-hellman-group14-sha256";
    if (ver_cmp(v, "9.0") < 0)
        return "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
               "ecdh-sha2-nistp384,ecdh-sha2-nistp521,sntrup761x25519-sha512@openssh.com,"
               "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
               "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
    return "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
           "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
           "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
           "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
}

/*
 * Every algorithm name sshd knows (cipher_alg_list, mac_alg_list, kex_alg_list), by the
 * version that still has it: a name outside these is "Bad SSH2 cipher spec" and friends.
 */
typedef struct algo_name {
    const char *name;
    const char *since;   /* NULL: every modelled version */
    const char *until;   /* first version without it (NULL: still there) */
} algo_name;

static const algo_name cipher_names[] = {
    { "3des-cbc", NULL, NULL }, { "aes128-cbc", NULL, NULL }, { "aes192-cbc", NULL, NULL },
    { "aes256-cbc", NULL, NULL }, { "aes128-ctr", NULL, NULL }, { "aes192-ctr", NULL, NULL },
    { "aes256-ctr", NULL, NULL }, { "aes128-gcm@openssh.com", NULL, NULL },
    { "aes256-gcm@openssh.com", NULL, NULL }, { "chacha20-poly1305@openssh.com", NULL, NULL },
    { "rijndael-cbc@lysator.liu.se", NULL, "7.6" }, { "arcfour", NULL, "7.6" },
    { "arcfour128", NULL, "7.6" }, { "arcfour256", NULL, "7.6" },
    { "blowfish-cbc", NULL, "7.6" }, { "cast128-cbc", NULL, "7.6" }, { NULL, NULL, NULL },
};

static const algo_name mac_names[] = {
    { "hmac-sha1", NULL, NULL }, { "hmac-sha1-96", NULL, NULL }, { "hmac-sha2-256", NULL, NULL },
    { "hmac-sha2-512", NULL, NULL }, { "hmac-md5", NULL, NULL }, { "hmac-md5-96", NULL, NULL },
    { "umac-64@openssh.com", NULL, NULL }, { "umac-128@openssh.com", NULL, NULL },
    { "hmac-sha1-etm@openssh.com", NULL, NULL }, { "hmac-sha1-96-etm@openssh.com", NULL, NULL },
    { "hmac-sha2-256-etm@openssh.com", NULL, NULL },
    { "hmac-sha2-512-etm@openssh.com", NULL, NULL }, { "hmac-md5-etm@openssh.com", NULL, NULL },
    { "hmac-md5-96-etm@openssh.com", NULL, NULL }, { "umac-64-etm@openssh.com", NULL, NULL },
    { "umac-128-etm@openssh.com", NULL, NULL }, { "hmac-ripemd160", NULL, "7.6" },
    { "hmac-ripemd160@openssh.com", NULL, "7.6" }, { "hmac-ripemd160-etm@openssh.com", NULL, "7.6" },
    { NULL, NULL, NULL },
};

static const algo_name kex_names[] = {
    { "diffie-hellman-group1-sha1", NULL, NULL }, { "diffie-hellman-group14-sha1", NULL, NULL },
    { "diffie-hellman-group14-sha256", "7.3", NULL },
    { "diffie-hellman-group16-sha512", "7.3", NULL },
    { "diffie-hellman-group18-sha512", "7.3", NULL },
    { "diffie-hellman-group-exchange-sha1", NULL, NULL },
    { "diffie-hellman-group-exchange-sha256", NULL, NULL }, { "ecdh-sha2-nistp256", NULL, NULL },
    { "ecdh-sha2-nistp384", NULL, NULL }, { "ecdh-sha2-nistp521", NULL, NULL },
    { "curve25519-sha256@libssh.org", NULL, NULL }, { "curve25519-sha256", "7.4", NULL },
    { "sntrup4591761x25519-sha512@tinyssh.org", "8.0", "8.5" },
    { "sntrup761x25519-sha512@openssh.com", "8.5", NULL },
    { "sntrup761x25519-sha512", "9.9", NULL }, { "mlkem768x25519-sha256", "9.9", NULL },
    { NULL, NULL, NULL },
};

static int ver_cmp(const char *a, const char *b);

/* The first name of comma list `list` sshd would not know, or NULL when all are valid. */
static char *bad_algo(const char *keyword, const char *list, const char *v)
{
    const algo_name *names = strcmp(keyword, "ciphers") == 0 ? cipher_names
                             : strcmp(keyword, "macs") == 0  ? mac_names
                                                             : kex_names;
    char *copy = imgb_xstrdup(list);
    char *bad = NULL;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && !bad; t = strtok_r(NULL, ",", &save)) {
        bool ok = false;
        for (size_t i = 0; names[i].name && !ok; i++)
            ok = strcmp(names[i].name, t) == 0 &&
                 (!names[i].since || ver_cmp(v, names[i].since) >= 0) &&
                 (!names[i].until || ver_cmp(v, names[i].until) < 0);
        if (!ok)
            bad = imgb_xstrdup(t);
    }
    if (!bad && copy[0] == '\0')
        bad = imgb_xstrdup("");
    free(copy);
    return bad;
}

/* Is `name` in the comma list `list`?  `pattern` entries may carry '*' / '?' wildcards. */
static bool list_has(const char *list, const char *name, size_t namelen)
{
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == namelen && strncmp(p, name, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/*
 * kex_assemble_names(): "+list" appends to the default, "-list" removes from it, "^list"
 * (8.2+) puts in front of it; otherwise the list replaces the default.  Wildcards in "-"
 * lists are matched with fnmatch-like '*' only (match_pattern_list).
 */
static bool wild_match(const char *pat, const char *s)
{
    if (*pat == '\0')
        return *s == '\0';
    if (*pat == '*') {
        for (;; s++) {
            if (wild_match(pat + 1, s))
                return true;
            if (*s == '\0')
                return false;
        }
    }
    if (*s && (*pat == '?' || *pat == *s))
        return wild_match(pat + 1, s + 1);
    return false;
}

static bool in_pattern_list(const char *patterns, const char *name)
{
    char *copy = imgb_xstrdup(patterns);
    bool found = false;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (wild_match(t, name)) {
            found = true;
            break;
        }
    free(copy);
    return found;
}

static char *assemble_algos(const char *def, const char *spec)
{
    imgb_buf b = IMGB_BUF_INIT;
    if (!spec)
        return imgb_xstrdup(def);
    if (spec[0] != '+' && spec[0] != '-' && spec[0] != '^')
        return imgb_xstrdup(spec);
    const char *rest = spec + 1;
    char *copy = imgb_xstrdup(def);
    if (spec[0] == '^')
        imgb_buf_puts(&b, rest);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (spec[0] == '-' && in_pattern_list(rest, t))
            continue;
        if (spec[0] == '^' && list_has(rest, t, strlen(t)))
            continue;
        if (b.len)
            imgb_buf_putc(&b, ',');
        imgb_buf_puts(&b, t);
    }
    free(copy);
    if (spec[0] == '+') {
        char *add = imgb_xstrdup(rest);
        for (char *save = NULL, *t = strtok_r(add, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            if (b.ptr && list_has(b.ptr, t, strlen(t)))
                continue;
            if (b.len)
                imgb_buf_putc(&b, ',');
            imgb_buf_puts(&b, t);
        }
        free(add);
    }
    if (!b.ptr)
        return imgb_xstrdup("");
    return imgb_buf_detach(&b);
}

/* ---- compiled-in defaults (fill_default_server_options) ---------------------------------- */

typedef struct def_row {
    const char *name;
    const char *value;
} def_row;

/* Identical in 7.2p2 .. 9.x unless defaults_for() says otherwise. */
static const def_row defaults[] = {
    { "usepam", "no" }, { "port", "22" }, { "addressfamily", "any" },
    { "logingracetime", "120" }, { "permitrootlogin", "without-password" },
    { "ignorerhosts", "yes" }, { "ignoreuserknownhosts", "no" }, { "printmotd", "yes" },
    { "printlastlog", "yes" }, { "x11forwarding", "no" }, { "x11displayoffset", "10" },
    { "x11uselocalhost", "yes" }, { "xauthlocation", "/usr/bin/xauth" }, { "permittty", "yes" },
    { "permituserrc", "yes" }, { "strictmodes", "yes" }, { "tcpkeepalive", "yes" },
    { "syslogfacility", "AUTH" }, { "loglevel", "INFO" }, { "hostbasedauthentication", "no" },
    { "hostbasedusesnamefrompacketonly", "no" }, { "pubkeyauthentication", "yes" },
    { "kerberosauthentication", "no" }, { "kerberosorlocalpasswd", "yes" },
    { "kerberosticketcleanup", "yes" }, { "gssapiauthentication", "no" },
    { "gssapicleanupcredentials", "yes" }, { "gssapistrictacceptorcheck", "yes" },
    { "gssapikeyexchange", "no" }, { "passwordauthentication", "yes" },
    { "kbdinteractiveauthentication", "no" }, { "challengeresponseauthentication", "yes" },
    { "permitemptypasswords", "no" }, { "permituserenvironment", "no" },
    { "compression", "yes" }, { "rekeylimit", "0 0" }, { "allowtcpforwarding", "yes" },
    { "allowstreamlocalforwarding", "yes" }, { "allowagentforwarding", "yes" },
    { "gatewayports", "no" }, { "maxstartups", "10:30:100" }, { "maxauthtries", "6" },
    { "maxsessions", "10" }, { "usedns", "no" }, { "clientaliveinterval", "0" },
    { "clientalivecountmax", "3" }, { "authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2" },
    { "permittunnel", "no" }, { "banner", "none" }, { "chrootdirectory", "none" },
    { "forcecommand", "none" }, { "pidfile", "/run/sshd.pid" }, { "versionaddendum", "none" },
    { "streamlocalbindmask", "0177" }, { "streamlocalbindunlink", "no" },
    { "fingerprinthash", "SHA256" }, { "disableforwarding", "no" }, { "exposeauthinfo", "no" },
    { "ipqos", "af21 cs1" }, { "useprivilegeseparation", "sandbox" }, { "protocol", "2" },
    { "permitopen", "any" }, { "permitlisten", "any" }, { "authenticationmethods", "any" },
    { "authorizedkeyscommand", "none" }, { "authorizedkeyscommanduser", "none" },
    { "authorizedprincipalsfile", "none" }, { "authorizedprincipalscommand", "none" },
    { "authorizedprincipalscommanduser", "none" }, { "trustedusercakeys", "none" },
    { "revokedkeys", "none" }, { "hostkeyagent", "none" }, { "rdomain", "none" },
    { "persourcemaxstartups", "none" }, { "persourcenetblocksize", "32:128" },
    { "securitykeyprovider", "internal" }, { "requiredrsasize", "1024" },
    { "channeltimeout", "none" }, { "unusedconnectiontimeout", "none" },
    { "pubkeyauthoptions", "none" }, { "modulifile", "/etc/ssh/moduli" },
};

/* Default of canonical keyword `name`, or NULL when not modelled / empty list. */
static const char *default_for(const char *name, const char *v, const char *patch)
{
    if (strcmp(name, "permitrootlogin") == 0) {
        /* openssh-7.4p1-permit-root-login.patch: PERMIT_YES "to preserve backward
         * compatibility" (RHEL/CentOS 7). */
        if (patch && strcasecmp(patch, "el7") == 0)
            return "yes";
        if (ver_cmp(v, "7.0") < 0)
            return "yes";
    }
    if (strcmp(name, "kbdinteractiveauthentication") == 0 &&
        ver_cmp(v, V_KBDINT_MERGED) >= 0)
        return "yes";
    if (strcmp(name, "compression") == 0 && ver_cmp(v, "7.4") < 0)
        return "delayed";
    if (strcmp(name, "ipqos") == 0 && ver_cmp(v, "7.8") < 0)
        return "lowdelay throughput";
    if (strcmp(name, "usedns") == 0 && ver_cmp(v, "6.8") < 0)
        return "yes";
    if (strcmp(name, "ciphers") == 0 || strcmp(name, "macs") == 0 ||
        strcmp(name, "kexalgorithms") == 0)
        return default_algos(name, v);
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (strcmp(defaults[i].name, name) == 0)
            return defaults[i].value;
    return NULL;
}

/* ---- parsed state ----------------------------------------------------------------------- */

typedef struct slot {
    char *value;       /* normalised effective value set outside Match (or by Match all) */
    char *raw;         /* ALGOS: the spec as written */
    char *file;
    int line;
    char *source;      /* built on demand */
    imgb_sshd_override *ov;
    size_t nov, cap_ov;
    bool list_closed;  /* K_REST-like lists that only take their first line */
} slot;

struct imgb_sshd_config {
    char *version;
    char *patch;
    slot slots[NKEYWORDS];
    char *default_source;
    imgb_sshd_problem *problems;
    size_t nproblems, cap_problems;
    imgb_ptrvec files;
    size_t nbad;       /* config errors (sshd: "terminating, %d bad configuration options") */
    size_t problems_omitted; /* past SSHD_MAX_PROBLEMS: counted, not kept */
    size_t include_matches;  /* Include glob matches so far (fan-out bound) */
    bool expand_stopped;     /* a fan-out bound was hit: no further Include is followed */
    bool rekey_interval_set;
};

/* Parsing state of one file. */
typedef struct pstate {
    imgb_sshd_config *cfg;
    const imgb_view *view;
    bool active;          /* *activep */
    bool nevermatch;      /* SSHCFG_NEVERMATCH: Include inside an inactive Match */
    bool in_match;        /* a Match line has been seen in this file (or the includer's) */
    char *match_file;
    int match_line;
    char *match_criteria;
    bool match_applies;
} pstate;

static void add_problem(imgb_sshd_config *cfg, const char *file, int line, bool unreadable,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_problem(imgb_sshd_config *cfg, const char *file, int line, bool unreadable,
                        const char *fmt, ...)
{
    if (!unreadable)
        cfg->nbad++;
    if (cfg->nproblems >= SSHD_MAX_PROBLEMS) {
        /* a file of a million bad lines costs a counter, not a million messages */
        cfg->problems_omitted++;
        return;
    }
    if (cfg->nproblems == cfg->cap_problems) {
        cfg->cap_problems = cfg->cap_problems ? cfg->cap_problems * 2 : 8;
        cfg->problems = imgb_xrealloc(cfg->problems, cfg->cap_problems * sizeof(*cfg->problems));
    }
    imgb_sshd_problem *p = &cfg->problems[cfg->nproblems++];
    char msg[IMGB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p->file = imgb_xstrdup(file ? file : "");
    p->line = line;
    p->message = imgb_xstrdup(msg);
    p->unreadable = unreadable;
}

/* ---- value parsing ---------------------------------------------------------------------- */

/* convtime() of misc.c: digits with optional s/m/h/d/w suffix, concatenated; -1 on error. */
static long long convtime(const char *s)
{
    long long total = 0;
    if (!s || !*s)
        return -1;
    while (*s) {
        if (!isdigit((unsigned char)*s))
            return -1;
        errno = 0;
        char *end;
        long long secs = strtoll(s, &end, 10);
        if (errno || secs < 0)
            return -1;
        long long mult = 1;
        switch (*end) {
        case '\0': break;
        case 's': case 'S': end++; break;
        case 'm': case 'M': mult = 60; end++; break;
        case 'h': case 'H': mult = 3600; end++; break;
        case 'd': case 'D': mult = 86400; end++; break;
        case 'w': case 'W': mult = 604800; end++; break;
        default: return -1;
        }
        if (secs > INT_MAX / mult)
            return -1;
        total += secs * mult;
        if (total > INT_MAX)
            return -1;
        s = end;
    }
    return total;
}

static const char *ms_find(const multistate *ms, const char *arg, bool nocase)
{
    for (size_t i = 0; ms[i].key; i++)
        if (nocase ? strcasecmp(arg, ms[i].key) == 0 : strcmp(arg, ms[i].key) == 0) {
            /* print the first key with the same value, as dump_config's lookup does */
            for (size_t j = 0; ms[j].key; j++)
                if (ms[j].value == ms[i].value)
                    return ms[j].key;
        }
    return NULL;
}

/* Integers: atoi() before 8.7 (garbage reads as its numeric prefix or 0), atoi_err() after
 * (0..INT_MAX, anything else is fatal). */
static bool parse_int(const char *arg, const char *version, long long *out)
{
    if (ver_cmp(version, V_ARGV_SPLIT) < 0) {
        *out = atoi(arg);
        return true;
    }
    if (!*arg)
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (errno || *end || v < 0 || v > INT_MAX)
        return false;
    *out = v;
    return true;
}

/*
 * Split the argument part of a line into words.  From 8.7 (argv_split) double quotes group
 * and a word starting with '#' ends the line; before, strdelim() also honoured quotes but
 * '#' was an ordinary character.  Returns the word count or -1 on unbalanced quotes.
 */
static int split_args(char *s, bool hash_ends, char **av, int max)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (hash_ends && *s == '#')
            break;
        if (n == max)
            return -2;
        char *out = s;
        av[n++] = out;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
                    s++;
                *out++ = *s++;
            }
            if (*s != '"')
                return -1;
            s++;
        } else {
            while (*s && *s != ' ' && *s != '\t')
                *out++ = *s++;
        }
        char *next = s;
        if (*next)
            next++;
        *out = '\0';
        s = next;
    }
    return n;
}

static char *join_args(char **av, int ac)
{
    imgb_buf b = IMGB_BUF_INIT;
    for (int i = 0; i < ac; i++) {
        if (i)
            imgb_buf_putc(&b, ' ');
        imgb_buf_puts(&b, av[i]);
    }
    return b.ptr ? imgb_buf_detach(&b) : imgb_xstrdup("");
}

/* scan_scaled(): a number with an optional K/M/G/T suffix (powers of 1024). */
static bool scan_scaled(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || n < 0)
        return false;
    long long mult = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mult = 1LL << 10; end++; break;
    case 'm': case 'M': mult = 1LL << 20; end++; break;
    case 'g': case 'G': mult = 1LL << 30; end++; break;
    case 't': case 'T': mult = 1LL << 40; end++; break;
    default: return false;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end || n > LLONG_MAX / mult)
        return false;
    *out = n * mult;
    return true;
}

/* derelativise_path(): "none" stays, absolute and ~ paths stay, the rest is "<cwd>/<path>"
 * with sshd's cwd "/" (so "banner" becomes "//banner", as sshd -T prints it). */
static char *derelativise(const char *arg)
{
    if (strcasecmp(arg, "none") == 0)
        return imgb_xstrdup("none");
    if (arg[0] == '/' || arg[0] == '~')
        return imgb_xstrdup(arg);
    return imgb_xasprintf("//%s", arg);
}

static void slot_override(slot *sl, const pstate *ps, const char *file, int line,
                          const char *value)
{
    if (sl->nov == sl->cap_ov) {
        sl->cap_ov = sl->cap_ov ? sl->cap_ov * 2 : 4;
        sl->ov = imgb_xrealloc(sl->ov, sl->cap_ov * sizeof(*sl->ov));
    }
    imgb_sshd_override *o = &sl->ov[sl->nov++];
    o->file = imgb_xstrdup(file);
    o->line = line;
    o->match_file = imgb_xstrdup(ps->match_file ? ps->match_file : file);
    o->match_line = ps->match_line;
    o->criteria = imgb_xstrdup(ps->match_criteria ? ps->match_criteria : "");
    o->value = imgb_xstrdup(value ? value : "");
    o->applies = ps->active && !ps->nevermatch;
}

/* Record `value` for the keyword: first wins unless `last_wins`, lists append. */
static void slot_set(slot *sl, const pstate *ps, const char *file, int line, const char *value,
                     bool append, bool last_wins)
{
    if (ps->in_match)
        slot_override(sl, ps, file, line, value);
    if (!ps->active)
        return;
    if (append) {
        if (sl->list_closed)
            return;
        if (!sl->value) {
            sl->value = imgb_xstrdup(value);
            sl->file = imgb_xstrdup(file);
            sl->line = line;
        } else if (strlen(sl->value) + strlen(value) < SSHD_MAX_VALUE) {
            char *joined = imgb_xasprintf("%s %s", sl->value, value);
            free(sl->value);
            sl->value = joined;
        }
        return;
    }
    if (sl->value && !last_wins)
        return;
    free(sl->value);
    free(sl->file);
    sl->value = imgb_xstrdup(value);
    sl->file = imgb_xstrdup(file);
    sl->line = line;
}

/* ---- Match -------------------------------------------------------------------------------- */

/* match_cfg_line() without a connection: validates the criteria and says whether the block
 * applies (only `Match all` does).  Returns 1/0, or -1 for a bad condition. */
static int match_line(char **av, int ac, char **criteria)
{
    static const char *const attrs[] = { "user", "group", "host", "address", "localaddress",
                                         "localport", "rdomain", NULL };
    if (ac == 0)
        return -1;
    *criteria = join_args(av, ac);
    if (strcasecmp(av[0], "all") == 0)
        return ac == 1 ? 1 : -1;
    for (int i = 0; i < ac; i += 2) {
        bool known = false;
        for (size_t j = 0; attrs[j]; j++)
            if (strcasecmp(av[i], attrs[j]) == 0)
                known = true;
        if (!known || i + 1 >= ac || av[i + 1][0] == '\0')
            return -1;
    }
    return 0;
}

/* ---- files and lines ---------------------------------------------------------------------- */

static void parse_buffer(pstate *ps, const char *file, const char *data, size_t len, int depth);

/* The name the main file is reported under: its real path when reached through symlinks
 * ("/etc/ssh/sshd_config" -> "/opt/conf/sshd_config"), so evidence points at the bytes.
 * Included files keep the name their Include pattern matched (tests/test_sshd.c). */
static char *real_name(const imgb_view *view, const char *path)
{
    imgb_node_info info;
    if (imgb_view_lookup(view, path, true, &info) == 0 && info.type == IMGB_FT_REG)
        return imgb_xasprintf("/%s", info.path);
    imgb_error_clear();
    return imgb_xstrdup(path);
}

static void parse_path(pstate *ps, const char *path, int depth)
{
    imgb_sshd_config *cfg = ps->cfg;
    if (cfg->files.len >= SSHD_MAX_FILES) {
        /* once: every later Include would otherwise add the same line again */
        if (!cfg->expand_stopped)
            add_problem(cfg, path, 0, true, "more than %d configuration files through "
                        "Include: the rest is not read", SSHD_MAX_FILES);
        cfg->expand_stopped = true;
        return;
    }
    const unsigned char *data;
    size_t len;
    imgb_node_info info;
    int rc = imgb_view_lookup(ps->view, path, true, &info);
    if (rc == 0 && info.type == IMGB_FT_DIR) {
        /* sshd reads a directory as an empty file (getline fails at once) */
        imgb_ptrvec_push(&cfg->files, imgb_xstrdup(path));
        return;
    }
    rc = rc == 0 ? imgb_view_read(ps->view, path, &data, &len) : rc;
    if (rc < 0) {
        add_problem(cfg, path, 0, true, "%s: %s", path,
                    rc == IMGB_ELOOP      ? "symlink loop"
                    : rc == IMGB_ENOTFOUND ? "no such file"
                    : rc == IMGB_ELIMIT    ? imgb_error_last() /* cut at the cap: names the cap */
                                           : "content not available (not kept or not a file)");
        return;
    }
    imgb_ptrvec_push(&cfg->files, imgb_xstrdup(path));
    parse_buffer(ps, path, (const char *)data, len, depth);
}

/* glob(3) without GLOB_PERIOD: a wildcard never matches a leading '.' of a component. */
static bool dot_ok(const char *pattern, const char *path)
{
    const char *p = pattern, *s = path;
    while (*p == '/')
        p++;
    while (*s == '/')
        s++;
    while (*p && *s) {
        if (*s == '.' && *p != '.')
            return false;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        if (!pe || !se)
            break;
        p = pe + 1;
        s = se + 1;
    }
    return true;
}

typedef struct glob_acc {
    imgb_ptrvec paths;
    const char *pattern;
    const char *real_prefix;   /* directory prefix after resolving symlinks */
    const char *shown_prefix;  /* the prefix as written */
} glob_acc;

static int glob_cb(const imgb_node_info *info, void *payload)
{
    glob_acc *acc = payload;
    char *full = imgb_xasprintf("/%s", info->path);
    size_t rl = strlen(acc->real_prefix);
    char *shown = full;
    if (strcmp(acc->real_prefix, acc->shown_prefix) != 0 &&
        strncmp(full, acc->real_prefix, rl) == 0) {
        shown = imgb_xasprintf("%s%s", acc->shown_prefix, full + rl);
        free(full);
    }
    if (dot_ok(acc->pattern, shown))
        imgb_ptrvec_push(&acc->paths, shown);
    else
        free(shown);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Expand one Include argument like glob(3) on the image: relative to /etc/ssh, sorted.  The
 * literal directory part may be a symlink (glob follows it; the view's glob does not), so it
 * is resolved first and the matches are shown under the name as written.
 */
static void include_glob(pstate *ps, const char *arg, imgb_ptrvec *out)
{
    char *pattern = arg[0] == '/' ? imgb_xstrdup(arg) : imgb_xasprintf("%s/%s", IMGB_SSHD_DIR, arg);
    size_t lit = 0; /* length of the literal directory prefix (up to a '/') */
    for (size_t i = 0; pattern[i]; i++) {
        if (strchr("*?[\\", pattern[i]))
            break;
        if (pattern[i] == '/')
            lit = i;
    }
    char *shown_prefix = imgb_xstrndup(pattern, lit);
    char *real_prefix = NULL;
    imgb_node_info info;
    if (lit > 0 && imgb_view_lookup(ps->view, shown_prefix, true, &info) == 0 &&
        info.type == IMGB_FT_DIR)
        real_prefix = imgb_xasprintf("/%s", info.path);
    else
        real_prefix = imgb_xstrdup(shown_prefix);
    char *real_pattern = imgb_xasprintf("%s%s", real_prefix, pattern + lit);
    glob_acc acc = { IMGB_PTRVEC_INIT, pattern, real_prefix, shown_prefix };
    imgb_error_clear();
    (void)imgb_view_glob(ps->view, real_pattern, glob_cb, &acc);
    if (acc.paths.len > 1)
        qsort(acc.paths.items, acc.paths.len, sizeof(void *), cmp_str);
    for (size_t i = 0; i < acc.paths.len; i++)
        imgb_ptrvec_push(out, acc.paths.items[i]);
    free(acc.paths.items);
    free(real_pattern);
    free(real_prefix);
    free(shown_prefix);
    free(pattern);
}

/* ---- one handler per kind of keyword ------------------------------------------------------- */

/* What one keyword line hands its handler (servconf.c's process_server_config_line state). */
typedef struct kw_line {
    pstate *ps;
    const char *file;
    int linenum;
    int depth;
    const kw *k;
    kw_kind kind;
    const char *name;         /* the keyword as written (for messages) */
    slot *sl;
    char **av;
    int ac;
} kw_line;

/*
 * A handler validates the arguments of its kind (a value sshd rejects is a config problem,
 * reported here) and says what to record:
 *   KW_SET   *value (malloc'd) is the keyword's value: first wins, `*used` words consumed;
 *   KW_KEPT  the handler recorded it itself (lists, last-wins); `*used` words consumed;
 *   KW_STOP  nothing more to do (a problem was reported, or the keyword sets no value).
 */
typedef enum kw_result { KW_SET, KW_KEPT, KW_STOP } kw_result;
typedef kw_result (*kw_handler)(const kw_line *l, char **value, int *used);

#define KW_PROBLEM(l, ...) add_problem((l)->ps->cfg, (l)->file, (l)->linenum, false, __VA_ARGS__)

static kw_result kw_flag(const kw_line *l, char **value, int *used)
{
    (void)used;
    bool nocase = ver_cmp(l->ps->cfg->version, V_FLAG_NOCASE) >= 0;
    const char *val = ms_find(ms_flag, l->av[0], nocase);
    if (!val) {
        if (nocase)
            KW_PROBLEM(l, "%s line %d: unsupported option \"%s\".", l->file, l->linenum, l->av[0]);
        else
            KW_PROBLEM(l, "%s line %d: Bad yes/no argument: %s", l->file, l->linenum, l->av[0]);
        return KW_STOP;
    }
    *value = imgb_xstrdup(val);
    return KW_SET;
}

/* K_MULTI (strcasecmp) and K_TUN (strcmp, its own message). */
static kw_result kw_multi(const kw_line *l, char **value, int *used)
{
    (void)used;
    const char *val = ms_find(l->k->ms, l->av[0], l->kind == K_MULTI);
    if (!val) {
        if (l->kind == K_TUN)
            KW_PROBLEM(l, "%s line %d: bad %s argument %s", l->file, l->linenum, l->name,
                       l->av[0]);
        else
            KW_PROBLEM(l, "%s line %d: unsupported option \"%s\".", l->file, l->linenum, l->av[0]);
        return KW_STOP;
    }
    *value = imgb_xstrdup(val);
    return KW_SET;
}

/* K_LOGLEVEL and K_FACILITY. */
static kw_result kw_log(const kw_line *l, char **value, int *used)
{
    (void)used;
    const char *val = ms_find(l->k->ms, l->av[0], true);
    if (!val) {
        KW_PROBLEM(l, "%s line %d: unsupported log %s '%s'", l->file, l->linenum,
                   l->kind == K_LOGLEVEL ? "level" : "facility", l->av[0]);
        return KW_STOP;
    }
    *value = imgb_xstrdup(val);
    return KW_SET;
}

static kw_result kw_int(const kw_line *l, char **value, int *used)
{
    (void)used;
    long long n;
    if (!parse_int(l->av[0], l->ps->cfg->version, &n)) {
        KW_PROBLEM(l, "%s line %d: %s integer value invalid.", l->file, l->linenum, l->name);
        return KW_STOP;
    }
    *value = imgb_xasprintf("%lld", n);
    return KW_SET;
}

static kw_result kw_time(const kw_line *l, char **value, int *used)
{
    (void)used;
    long long t = convtime(l->av[0]);
    if (t < 0) {
        KW_PROBLEM(l, "%s line %d: invalid time value.", l->file, l->linenum);
        return KW_STOP;
    }
    *value = imgb_xasprintf("%lld", t);
    return KW_SET;
}

static kw_result kw_maxstartups(const kw_line *l, char **value, int *used)
{
    (void)value;
    (void)used;
    int a = -1, b = -1, c = -1, n = sscanf(l->av[0], "%d:%d:%d", &a, &b, &c);
    bool ok = n == 3 ? !(a > c || b > 100 || b < 1) : n == 1;
    if (n == 1)
        c = a;
    if (ok && (c <= 0 || a <= 0))
        ok = false;
    if (!ok) {
        KW_PROBLEM(l, "%s line %d: Invalid %s spec.", l->file, l->linenum, l->name);
        return KW_STOP;
    }
    if (n == 1) {
        /* the rate keeps an earlier line's value, else the default 30 */
        int prev = 30;
        if (l->sl->value)
            (void)sscanf(l->sl->value, "%*d:%d", &prev);
        b = prev;
    }
    char *v = imgb_xasprintf("%d:%d:%d", a, b, c);
    /* no activep check in servconf.c: the last occurrence wins, outside any Match */
    slot_set(l->sl, l->ps, l->file, l->linenum, v, false, true);
    free(v);
    return KW_KEPT;
}

static kw_result kw_path(const kw_line *l, char **value, int *used)
{
    (void)used;
    *value = derelativise(l->av[0]);
    return KW_SET;
}

/* K_STRING and K_USERENV (yes, no (strcmp) or a pattern list, printed as is). */
static kw_result kw_string(const kw_line *l, char **value, int *used)
{
    (void)used;
    *value = imgb_xstrdup(l->av[0]);
    return KW_SET;
}

static kw_result kw_rest(const kw_line *l, char **value, int *used)
{
    *used = l->ac;
    *value = join_args(l->av, l->ac);
    return KW_SET;
}

static kw_result kw_algos(const kw_line *l, char **value, int *used)
{
    (void)used;
    const char *v = l->ps->cfg->version, *arg = l->av[0];
    /* ciphers_valid / mac_valid / kex_names_valid; a "-" list is not validated */
    char *bad = arg[0] == '-' ? NULL
                : bad_algo(l->k->name, arg[0] == '+' || arg[0] == '^' ? arg + 1 : arg, v);
    if (bad) {
        KW_PROBLEM(l, "%s line %d: Bad SSH2 %s '%s'.", l->file, l->linenum,
                   strcmp(l->k->name, "ciphers") == 0 ? "cipher spec"
                   : strcmp(l->k->name, "macs") == 0  ? "mac spec"
                                                      : "KexAlgorithms",
                   arg);
        free(bad);
        return KW_STOP;
    }
    *value = assemble_algos(default_algos(l->k->name, v), arg);
    if (!l->sl->raw && l->ps->active)
        l->sl->raw = imgb_xstrdup(arg);
    return KW_SET;
}

static kw_result kw_protocol(const kw_line *l, char **value, int *used)
{
    (void)used;
    const char *a = l->av[0];
    if (strcmp(a, "2") && strcmp(a, "1") && strcmp(a, "2,1") && strcmp(a, "1,2")) {
        KW_PROBLEM(l, "%s line %d: Bad protocol spec '%s'.", l->file, l->linenum, a);
        return KW_STOP;
    }
    *value = imgb_xstrdup(a);
    return KW_SET;
}

/* `if (*activep && rekey_limit == -1)` and, separately, the interval through parse_time:
 * each half is first-wins on its own. */
static kw_result kw_rekey(const kw_line *l, char **value, int *used)
{
    imgb_sshd_config *cfg = l->ps->cfg;
    slot *sl = l->sl;
    bool active = l->ps->active;
    long long bytes = 0;
    if (strcmp(l->av[0], "default") != 0 &&
        (!scan_scaled(l->av[0], &bytes) || (bytes != 0 && bytes < 16))) {
        KW_PROBLEM(l, "%s line %d: Bad %s number '%s'", l->file, l->linenum, l->name, l->av[0]);
        return KW_STOP;
    }
    long long secs = -1;
    if (l->ac > 1 && strcmp(l->av[1], "none") != 0 && (secs = convtime(l->av[1])) < 0) {
        KW_PROBLEM(l, "%s line %d: invalid time value.", l->file, l->linenum);
        return KW_STOP;
    }
    *used = l->ac > 1 ? 2 : 1;
    long long cur_b = -1, cur_s = -1;
    if (sl->value)
        (void)sscanf(sl->value, "%lld %lld", &cur_b, &cur_s);
    if (active && sl->value && cfg->rekey_interval_set)
        secs = -1; /* the interval already has its first value */
    if (active && sl->value && secs >= 0) {
        char *nv = imgb_xasprintf("%lld %lld", cur_b, secs);
        free(sl->value);
        sl->value = nv;
        cfg->rekey_interval_set = true;
    }
    *value = imgb_xasprintf("%lld %lld", bytes, secs >= 0 ? secs : 0);
    if (active && !sl->value && secs >= 0)
        cfg->rekey_interval_set = true;
    return KW_SET;
}

static kw_result kw_list(const kw_line *l, char **value, int *used)
{
    (void)value;
    *used = l->ac;
    char *v = join_args(l->av, l->ac);
    slot_set(l->sl, l->ps, l->file, l->linenum, v, true, false);
    free(v);
    return KW_KEPT;
}

/* K_DEPRECATED, K_IGNORED, K_UNSUPPORTED: accepted (sshd logs them) and nothing set. */
static kw_result kw_ignored(const kw_line *l, char **value, int *used)
{
    (void)l;
    (void)value;
    (void)used;
    return KW_STOP;
}

static kw_result kw_match(const kw_line *l, char **value, int *used)
{
    (void)value;
    (void)used;
    pstate *ps = l->ps;
    char *criteria = NULL;
    int r = match_line(l->av, l->ac, &criteria);
    if (r < 0) {
        free(criteria);
        KW_PROBLEM(l, "%s line %d: Bad Match condition", l->file, l->linenum);
        return KW_STOP;
    }
    free(ps->match_file);
    free(ps->match_criteria);
    ps->match_file = imgb_xstrdup(l->file);
    ps->match_line = l->linenum;
    ps->match_criteria = criteria;
    ps->in_match = true;
    ps->active = ps->nevermatch ? false : r == 1;
    return KW_STOP;
}

static kw_result kw_include(const kw_line *l, char **value, int *used)
{
    (void)value;
    (void)used;
    pstate *ps = l->ps;
    imgb_sshd_config *cfg = ps->cfg;
    if (l->depth + 1 > IMGB_MAX_INCLUDE_DEPTH) {
        KW_PROBLEM(l, "%s line %d: Too many recursive configuration includes", l->file,
                   l->linenum);
        return KW_STOP;
    }
    for (int i = 0; i < l->ac && !cfg->expand_stopped; i++) {
        imgb_ptrvec paths = IMGB_PTRVEC_INIT;
        include_glob(ps, l->av[i], &paths);
        cfg->include_matches += paths.len;
        if (cfg->include_matches > SSHD_MAX_INCLUDE_MATCHES) {
            /* Include fan-out (10,000 files each including them all) stays linear */
            add_problem(cfg, l->file, l->linenum, true, "%s line %d: Include expands to more "
                        "than %d files in all: the rest is not read", l->file, l->linenum,
                        SSHD_MAX_INCLUDE_MATCHES);
            cfg->expand_stopped = true;
        }
        for (size_t j = 0; j < paths.len && !cfg->expand_stopped; j++) {
            /* the included file inherits the Match state but cannot clobber it */
            pstate sub = *ps;
            sub.nevermatch = ps->nevermatch || !ps->active;
            sub.match_file = ps->match_file ? imgb_xstrdup(ps->match_file) : NULL;
            sub.match_criteria = ps->match_criteria ? imgb_xstrdup(ps->match_criteria) : NULL;
            parse_path(&sub, paths.items[j], l->depth + 1);
            free(sub.match_file);
            free(sub.match_criteria);
        }
        imgb_ptrvec_dispose(&paths, free);
    }
    return KW_STOP;
}

/* The handler of every kind of keyword: a row per kw_kind, as servconf.c's switch arms. */
static const kw_handler kw_handlers[] = {
    [K_FLAG] = kw_flag,         [K_MULTI] = kw_multi,         [K_INT] = kw_int,
    [K_TIME] = kw_time,         [K_STRING] = kw_string,       [K_REST] = kw_rest,
    [K_PATH] = kw_path,         [K_LIST] = kw_list,           [K_ALGOS] = kw_algos,
    [K_MAXSTARTUPS] = kw_maxstartups, [K_LOGLEVEL] = kw_log,  [K_FACILITY] = kw_log,
    [K_USERENV] = kw_string,    [K_TUN] = kw_multi,           [K_PROTOCOL] = kw_protocol,
    [K_REKEY] = kw_rekey,       [K_DEPRECATED] = kw_ignored,  [K_IGNORED] = kw_ignored,
    [K_UNSUPPORTED] = kw_ignored, [K_INCLUDE] = kw_include,   [K_MATCH] = kw_match,
};
_Static_assert(sizeof kw_handlers / sizeof *kw_handlers == K_MATCH + 1,
               "every kw_kind has a handler (K_MATCH is the last kind)");

/* Split a line into its keyword (copied into kwbuf, cut to fit) and the rest (strdelim: the
 * keyword ends at whitespace or '=', one '=' may follow whitespace).  NULL: blank/comment. */
static char *split_keyword(char *line, char *kwbuf, size_t kwcap)
{
    size_t len = strlen(line);
    while (len > 0 && strchr(" \t\r\n\f", line[len - 1]))
        line[--len] = '\0';
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0' || *s == '#')
        return NULL;
    char *kwstart = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '=')
        s++;
    size_t kwlen = (size_t)(s - kwstart);
    if (kwlen >= kwcap)
        kwlen = kwcap - 1;
    memcpy(kwbuf, kwstart, kwlen);
    kwbuf[kwlen] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '=') {
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
    }
    return s;
}

/* One line of a configuration file: the checks common to every keyword, then its handler. */
static void process_line(pstate *ps, const char *file, int linenum, char *line, int depth)
{
    imgb_sshd_config *cfg = ps->cfg;
    const char *v = cfg->version;
    char kwbuf[128];
    char *s = split_keyword(line, kwbuf, sizeof kwbuf);
    if (!s)
        return;
    kw_kind kind;
    size_t si;
    const kw *k = kw_lookup(kwbuf, v, &kind, &si);
    if (!k) {
        add_problem(cfg, file, linenum, false, "%s: line %d: Bad configuration option: %s",
                    file, linenum, kwbuf);
        return;
    }
    bool modern = ver_cmp(v, V_ARGV_SPLIT) >= 0;
    char *av[SSHD_MAX_ARGS];
    int ac = split_args(s, modern, av, SSHD_MAX_ARGS);
    if (ac == -1) {
        add_problem(cfg, file, linenum, false, "%s line %d: invalid quotes", file, linenum);
        return;
    }
    if (ac < 0) {
        add_problem(cfg, file, linenum, false, "%s line %d: too many arguments", file, linenum);
        return;
    }
    bool ignored = kind == K_DEPRECATED || kind == K_IGNORED || kind == K_UNSUPPORTED;
    if (ac == 0 && !ignored) {
        add_problem(cfg, file, linenum, false, "%s line %d: no argument after keyword \"%s\"",
                    file, linenum, kwbuf);
        return;
    }
    if (!ps->active && !(k->flags & F_MATCH) && !ignored) {
        add_problem(cfg, file, linenum, false,
                    "%s line %d: Directive '%s' is not allowed within a Match block", file,
                    linenum, kwbuf);
        return;
    }
    kw_line l = { ps, file, linenum, depth, k, kind, kwbuf, &cfg->slots[si], av, ac };
    char *value = NULL;
    int used = 1; /* words the keyword consumes (the rest is "garbage") */
    kw_result r = kw_handlers[kind](&l, &value, &used);
    if (r == KW_STOP)
        return;
    if (r == KW_SET) {
        slot_set(l.sl, ps, file, linenum, value, false, false);
        free(value);
    }
    if (ac > used)
        add_problem(cfg, file, linenum, false,
                    modern ? "%s line %d: keyword %s extra arguments at end of line"
                           : "%s line %d: garbage at end of line; \"%s\".",
                    file, linenum, modern ? kwbuf : av[used]);
}

static void parse_buffer(pstate *ps, const char *file, const char *data, size_t len, int depth)
{
    imgb_lines it;
    const char *p;
    size_t n;
    imgb_lines_init(&it, data, len);
    while (imgb_lines_next(&it, &p, &n)) {
        int linenum = it.number;
        if (n >= IMGB_MAX_CONFIG_LINE) {
            add_problem(ps->cfg, file, linenum, false, "%s line %d: line too long (limit %d)",
                        file, linenum, IMGB_MAX_CONFIG_LINE);
        } else if (memchr(p, '\0', n)) {
            add_problem(ps->cfg, file, linenum, false, "%s line %d: NUL byte in line", file,
                        linenum);
        } else {
            char *line = imgb_xstrndup(p, n);
            process_line(ps, file, linenum, line, depth);
            free(line);
        }
    }
}

/* ---- public API ---------------------------------------------------------------------------- */

int imgb_sshd_parse(const imgb_view *view, const char *openssh_version, const char *distro_patch,
                    const char *path, imgb_sshd_config **out)
{
    *out = NULL;
    const char *main_path = path ? path : IMGB_SSHD_CONFIG_PATH;
    const unsigned char *data;
    size_t len;
    int rc = imgb_view_read(view, main_path, &data, &len);
    if (rc == IMGB_ELIMIT)
        return rc; /* the message names the file, its size and the cap */
    if (rc < 0)
        return imgb_error_set(rc, "%s: %s", main_path,
                              rc == IMGB_ELOOP      ? "symlink loop"
                              : rc == IMGB_ENOTFOUND ? "no such file"
                                                     : "content not available");
    imgb_sshd_config *cfg = imgb_xcalloc(1, sizeof(*cfg));
    cfg->version = imgb_xstrdup(openssh_version ? openssh_version : IMGB_SSHD_ASSUMED_VERSION);
    cfg->patch = distro_patch ? imgb_xstrdup(distro_patch) : NULL;
    if (openssh_version)
        cfg->default_source = imgb_xasprintf(
            "compiled-in default of OpenSSH %s%s", cfg->version,
            cfg->patch && strcasecmp(cfg->patch, "el7") == 0 ? " with the EL7 patch" : "");
    else
        cfg->default_source = imgb_xasprintf(
            "compiled-in default of OpenSSH (version unknown; %s assumed)", cfg->version);
    pstate ps = { cfg, view, true, false, false, NULL, 0, NULL, false };
    char *name = real_name(view, main_path);
    imgb_ptrvec_push(&cfg->files, name);
    parse_buffer(&ps, name, (const char *)data, len, 0);
    free(ps.match_file);
    free(ps.match_criteria);
    *out = cfg;
    return 0;
}

void imgb_sshd_config_free(imgb_sshd_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < NKEYWORDS; i++) {
        slot *sl = &cfg->slots[i];
        free(sl->value);
        free(sl->raw);
        free(sl->file);
        free(sl->source);
        for (size_t j = 0; j < sl->nov; j++) {
            free(sl->ov[j].file);
            free(sl->ov[j].match_file);
            free(sl->ov[j].criteria);
            free(sl->ov[j].value);
        }
        free(sl->ov);
    }
    for (size_t i = 0; i < cfg->nproblems; i++) {
        free(cfg->problems[i].file);
        free(cfg->problems[i].message);
    }
    free(cfg->problems);
    imgb_ptrvec_dispose(&cfg->files, free);
    free(cfg->default_source);
    free(cfg->version);
    free(cfg->patch);
    free(cfg);
}

int imgb_sshd_get(const imgb_sshd_config *cfg, const char *keyword, imgb_sshd_value *out)
{
    memset(out, 0, sizeof(*out));
    kw_kind kind;
    size_t si;
    const kw *k = kw_lookup(keyword, cfg->version, &kind, &si);
    if (!k || kind == K_MATCH || kind == K_INCLUDE)
        return imgb_error_set(IMGB_ENOTFOUND, "%s is not an sshd_config keyword of OpenSSH %s",
                              keyword, cfg->version);
    /* the slot is logically const: its source string is a cache built on first use */
    slot *sl = (slot *)&cfg->slots[si];
    out->keyword = k->name;
    out->overrides = sl->ov;
    out->noverrides = sl->nov;
    if (sl->value) {
        out->value = sl->value;
        out->file = sl->file;
        out->line = sl->line;
        if (!sl->source)
            sl->source = imgb_xasprintf("%s:%d", sl->file, sl->line);
        out->source = sl->source;
        return 0;
    }
    out->is_default = true;
    out->source = cfg->default_source;
    /* SSH-1 and unprivileged mode are gone: the keyword is ignored, the value is fixed */
    if (strcmp(k->name, "protocol") == 0 && kind == K_IGNORED) {
        out->value = "2";
        out->source = "fixed: OpenSSH >= 7.4 speaks only protocol 2 (Protocol is ignored)";
        return 0;
    }
    if (strcmp(k->name, "useprivilegeseparation") == 0 && kind == K_DEPRECATED) {
        out->value = "sandbox";
        out->source = "fixed: OpenSSH >= 7.5 always separates privileges (option deprecated)";
        return 0;
    }
    if (kind == K_DEPRECATED || kind == K_IGNORED || kind == K_UNSUPPORTED) {
        out->value = NULL;
        return 0;
    }
    out->value = default_for(k->name, cfg->version, cfg->patch);
    return 0;
}

size_t imgb_sshd_problem_count(const imgb_sshd_config *cfg)
{
    return cfg->nproblems;
}

const imgb_sshd_problem *imgb_sshd_problem_at(const imgb_sshd_config *cfg, size_t i)
{
    return i < cfg->nproblems ? &cfg->problems[i] : NULL;
}

size_t imgb_sshd_problems_omitted(const imgb_sshd_config *cfg)
{
    return cfg->problems_omitted;
}

bool imgb_sshd_accepted(const imgb_sshd_config *cfg)
{
    return cfg->nproblems == 0;
}

const char *imgb_sshd_version(const imgb_sshd_config *cfg)
{
    return cfg->version;
}

const char *imgb_sshd_distro_patch(const imgb_sshd_config *cfg)
{
    return cfg->patch;
}

size_t imgb_sshd_file_count(const imgb_sshd_config *cfg)
{
    return cfg->files.len;
}

const char *imgb_sshd_file_at(const imgb_sshd_config *cfg, size_t i)
{
    return i < cfg->files.len ? cfg->files.items[i] : NULL;
}

void imgb_sshd_register_keeps(imgb_view *view)
{
    /* Include may name any file; /etc is where real configurations put them (bytes of files
     * under /etc, not of every target of its symlinks), /etc/ssh is where a symlinked
     * sshd_config or drop-in would point from, and RHEL 8/9's crypto-policies back-end under
     * /etc is a symlink into /usr/share/crypto-policies, kept in the first pass. */
    imgb_view_keep_local(view, "/etc/**");
    imgb_view_keep(view, "/etc/ssh/**");
    imgb_view_keep(view, "/etc/crypto-policies/**");
    imgb_view_keep(view, "/usr/share/crypto-policies/**");
}

/* ---- per-scan memo -------------------------------------------------------------------------- */

static void *build_for_scan(const imgb_scan_ctx *ctx, void *payload)
{
    (void)payload;
    const imgb_os_info *os = ctx->os;
    imgb_sshd_config *cfg = NULL;
    if (imgb_sshd_parse(ctx->view, os ? os->openssh_version : NULL, os ? os->distro_patch : NULL,
                        NULL, &cfg) < 0)
        return NULL;
    return cfg;
}

static void destroy_for_scan(void *obj)
{
    imgb_sshd_config_free(obj);
}

const imgb_sshd_config *imgb_sshd_for_scan(const imgb_scan_ctx *ctx)
{
    return imgb_ctx_cache_get(ctx, "facts.sshd", build_for_scan, NULL, destroy_for_scan);
}
