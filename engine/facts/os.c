/*
 * OS identity and openssh-server version of an image (see os.h).
 *
 * os-release(5) (systemd): KEY=value lines, values optionally in double or single quotes with
 * backslash escapes inside double quotes; /etc/os-release first, then /usr/lib/os-release.
 * Fallbacks for images without it: the *-release files of the RHEL family ("CentOS Linux
 * release 7.9.2009 (Core)"), /etc/lsb-release (DISTRIB_ID/DISTRIB_RELEASE),
 * /etc/debian_version, /etc/alpine-release.
 * Packages: dpkg's status file (deb-control(5) paragraphs; "Status: install ok installed";
 * Version [epoch:]upstream[-revision], policy 5.6.12) and distroless /var/lib/dpkg/status.d/ files.
 * rpm: the Berkeley DB (/var/lib/rpm/Packages) and SQLite (rpmdb.sqlite) databases store each
 * header's strings NUL-separated in tag order, NAME then VERSION then RELEASE; with no rpm
 * library at hand we scan for "openssh-server\0<version>\0<release>\0".  When that fails,
 * the distro table of ../shared/reference/baselines.md section 2 gives the shipped version.
 */
#include "facts/os.h"

#include "facts/distro.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/limits.h"
#include "util/lines.h"
#include "util/mem.h"

#define OS_RELEASE_MAX_VALUE 256

static const char *const keep_paths[] = {
    "/etc/os-release",        "/usr/lib/os-release",   "/etc/redhat-release",
    "/etc/centos-release",    "/etc/euleros-release",  "/etc/openEuler-release",
    "/etc/debian_version",    "/etc/lsb-release",      "/etc/alpine-release",
    "/var/lib/dpkg/status",   "/var/lib/dpkg/status.d/*", "/var/lib/rpm/Packages",
    "/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite",
};

void imgb_os_register_keeps(imgb_view *view)
{
    for (size_t i = 0; i < sizeof keep_paths / sizeof *keep_paths; i++)
        imgb_view_keep(view, keep_paths[i]);
}

/* A kept file as a NUL-terminated copy (NULL if absent or not kept). */
static char *read_text(const imgb_view *v, const char *path)
{
    const unsigned char *data;
    size_t len;
    if (imgb_view_read(v, path, &data, &len) != 0) {
        imgb_error_clear();
        return NULL;
    }
    return imgb_xstrndup((const char *)data, len);
}

static char *lower(char *s)
{
    for (char *p = s; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

/* Value of KEY in os-release/lsb-release text (malloc'd, unquoted), NULL if absent. */
static char *kv_get(const char *text, const char *key)
{
    size_t klen = strlen(key);
    const char *line = text;
    char *found = NULL;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *p = line;
        while (p < line + n && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(line + n - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1, *ve = line + n;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
                ve--;
            imgb_buf b = IMGB_BUF_INIT;
            char q = (*v == '"' || *v == '\'') ? *v++ : 0;
            for (; v < ve && b.len < OS_RELEASE_MAX_VALUE; v++) {
                if (q && *v == q)
                    break;
                if (q == '"' && *v == '\\' && v + 1 < ve)
                    v++;
                imgb_buf_putc(&b, *v);
            }
            free(found); /* the last assignment wins, as in a shell */
            found = b.ptr ? imgb_buf_detach(&b) : imgb_xstrdup("");
        }
        line = end ? end + 1 : NULL;
    }
    return found;
}

static void set_id_like(imgb_os_info *os, const char *words)
{
    char *copy = imgb_xstrdup(words);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        os->id_like = imgb_xrealloc(os->id_like, (os->nid_like + 1) * sizeof *os->id_like);
        os->id_like[os->nid_like++] = lower(imgb_xstrdup(w));
    }
    free(copy);
}

static bool from_os_release(imgb_os_info *os, const imgb_view *v)
{
    static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
    for (size_t i = 0; i < 2; i++) {
        char *t = read_text(v, files[i]);
        if (!t)
            continue;
        os->id = lower(kv_get(t, "ID"));
        os->version_id = kv_get(t, "VERSION_ID");
        os->pretty_name = kv_get(t, "PRETTY_NAME");
        char *like = kv_get(t, "ID_LIKE");
        if (like)
            set_id_like(os, like);
        free(like);
        free(t);
        if (os->id) {
            os->source = imgb_xstrdup(files[i]);
            return true;
        }
    }
    return false;
}

/* "CentOS Linux release 7.9.2009 (Core)" -> the first dotted number after "release". */
static char *release_version(const char *text, bool major_only)
{
    const char *p = strstr(text, "release ");
    p = p ? p + 8 : text;
    while (*p && !isdigit((unsigned char)*p))
        p++;
    size_t n = 0;
    while (isdigit((unsigned char)p[n]) || p[n] == '.')
        n++;
    if (!n)
        return NULL;
    if (major_only) {
        size_t m = 0;
        while (isdigit((unsigned char)p[m]))
            m++;
        n = m;
    }
    return imgb_xstrndup(p, n);
}

static char *first_line(const char *t)
{
    size_t n = strcspn(t, "\r\n");
    return imgb_xstrndup(t, n < OS_RELEASE_MAX_VALUE ? n : OS_RELEASE_MAX_VALUE);
}

static bool from_fallbacks(imgb_os_info *os, const imgb_view *v)
{
    static const struct {
        const char *file, *id;
        bool major_only;
    } rel[] = {
        { "/etc/openEuler-release", "openeuler", false },
        { "/etc/euleros-release", "euleros", false },
        { "/etc/centos-release", "centos", true },
        { "/etc/redhat-release", "rhel", true },
    };
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char *t = read_text(v, rel[i].file);
        if (!t)
            continue;
        const char *id = rel[i].id;
        if (strcmp(id, "rhel") == 0 && strstr(t, "CentOS"))
            id = "centos";
        os->id = imgb_xstrdup(id);
        os->version_id = release_version(t, rel[i].major_only);
        os->pretty_name = first_line(t);
        os->source = imgb_xstrdup(rel[i].file);
        free(t);
        return true;
    }
    char *t = read_text(v, "/etc/lsb-release");
    if (t) {
        char *id = kv_get(t, "DISTRIB_ID");
        if (id) {
            os->id = lower(id);
            os->version_id = kv_get(t, "DISTRIB_RELEASE");
            os->pretty_name = kv_get(t, "DISTRIB_DESCRIPTION");
            os->source = imgb_xstrdup("/etc/lsb-release");
            free(t);
            return true;
        }
        free(t);
    }
    if ((t = read_text(v, "/etc/debian_version"))) {
        os->id = imgb_xstrdup("debian");
        if (isdigit((unsigned char)t[0]))
            os->version_id = release_version(t, true);
        os->pretty_name = first_line(t);
        os->source = imgb_xstrdup("/etc/debian_version");
        free(t);
        return true;
    }
    if ((t = read_text(v, "/etc/alpine-release"))) {
        os->id = imgb_xstrdup("alpine");
        os->version_id = first_line(t);
        os->source = imgb_xstrdup("/etc/alpine-release");
        free(t);
        return true;
    }
    return false;
}

/* The package names that install sshd on this image's distribution. */
static const char *const *sshd_packages(const imgb_os_info *os)
{
    static const char *const upstream[] = { "openssh-server", NULL };
    return os->distro ? os->distro->sshd_packages : upstream;
}

static bool is_sshd_package(const imgb_os_info *os, const char *name)
{
    for (const char *const *p = sshd_packages(os); *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

/* ---- packages ---------------------------------------------------------------------------- */

/* Debian version "[epoch:]upstream[-revision]" -> upstream (malloc'd). */
static char *deb_upstream(const char *v)
{
    const char *colon = strchr(v, ':');
    const char *start = colon ? colon + 1 : v;
    const char *dash = strrchr(start, '-');
    return imgb_xstrndup(start, dash ? (size_t)(dash - start) : strlen(start));
}

/* Field value of one deb-control paragraph [p, end) (malloc'd), NULL if absent. */
static char *para_field(const char *p, const char *end, const char *field)
{
    size_t fl = strlen(field), n;
    imgb_lines it;
    imgb_lines_init(&it, p, (size_t)(end - p));
    while (imgb_lines_next(&it, &p, &n)) {
        const char *le = p + n;
        if (n > fl && strncasecmp(p, field, fl) == 0 && p[fl] == ':') {
            const char *v = p + fl + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\r'))
                ve--;
            return imgb_xstrndup(v, (size_t)(ve - v));
        }
    }
    return NULL;
}

/* Find openssh-server in dpkg status text; true if the package paragraph was found. */
static bool dpkg_scan(imgb_os_info *os, const char *text, const char *source)
{
    const char *p = text;
    bool found = false;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        end = end ? end + 1 : p + strlen(p);
        char *pkg = para_field(p, end, "Package");
        if (pkg && is_sshd_package(os, pkg)) {
            char *status = para_field(p, end, "Status");
            char *ver = para_field(p, end, "Version");
            /* "install ok installed": want, flag, status (dpkg-query(1)) */
            bool installed = status && strlen(status) >= 9 &&
                             strcmp(status + strlen(status) - 9, "installed") == 0 &&
                             strstr(status, "not-installed") == NULL;
            if (installed && ver) {
                os->has_openssh_server = true;
                os->openssh_pkg_version = ver;
                os->openssh_version = deb_upstream(ver);
                os->openssh_source = imgb_xstrdup(source);
                ver = NULL;
                found = true;
            }
            free(status);
            free(ver);
        }
        free(pkg);
        if (found)
            break;
        p = end;
        while (*p == '\n')
            p++;
    }
    return found;
}

typedef struct dpkg_glob {
    imgb_os_info *os;
    const imgb_view *view;
    bool found;
    char *any;              /* the first status.d file with a package record */
} dpkg_glob;

static int dpkg_d_cb(const imgb_node_info *info, void *payload)
{
    dpkg_glob *g = payload;
    if (info->type != IMGB_FT_REG || !info->content)
        return 0;
    char *t = imgb_xstrndup((const char *)info->content, info->content_len);
    char *src = imgb_xasprintf("/%s", info->path);
    g->found = dpkg_scan(g->os, t, src);
    if (!g->any && strstr(t, "Package:"))
        g->any = imgb_xstrdup(src);
    free(src);
    free(t);
    return g->found ? 1 : 0;
}

static bool rpm_version_like(const char *s, size_t n)
{
    if (n == 0 || n > 32 || !isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '~')
            return false;
    return true;
}

static bool rpm_scan_one(imgb_os_info *os, const unsigned char *data, size_t len,
                         const char *src, const char *needle);

/* Scan an rpm database for "PACKAGE\0VERSION\0RELEASE\0" of an sshd package. */
static bool rpm_scan(imgb_os_info *os, const unsigned char *data, size_t len, const char *src)
{
    for (const char *const *p = sshd_packages(os); *p; p++)
        if (rpm_scan_one(os, data, len, src, *p))
            return true;
    return false;
}

static bool rpm_scan_one(imgb_os_info *os, const unsigned char *data, size_t len,
                         const char *src, const char *needle)
{
    const size_t nl = strlen(needle) + 1; /* including the NUL */
    for (size_t i = 0; i + nl < len;) {
        const unsigned char *hit = memmem(data + i, len - i, needle, nl);
        if (!hit)
            break;
        size_t at = (size_t)(hit - data) + nl;
        const unsigned char *ve = memchr(data + at, '\0', len - at);
        if (ve && rpm_version_like((const char *)data + at, (size_t)(ve - data - at))) {
            size_t vlen = (size_t)(ve - data - at);
            size_t rat = at + vlen + 1;
            const unsigned char *re = rat < len ? memchr(data + rat, '\0', len - rat) : NULL;
            size_t rlen = re ? (size_t)(re - data - rat) : 0;
            os->has_openssh_server = true;
            os->openssh_version = imgb_xstrndup((const char *)data + at, vlen);
            os->openssh_pkg_version = rlen && rpm_version_like((const char *)data + rat, rlen)
                ? imgb_xasprintf("%s-%.*s", os->openssh_version, (int)rlen, data + rat)
                : imgb_xstrdup(os->openssh_version);
            os->openssh_source = imgb_xstrdup(src);
            return true;
        }
        i = at;
    }
    return false;
}

/* The node at `path` (following symlinks) into *ni; false when there is none. */
static bool node_at(const imgb_view *v, const char *path, imgb_node_info *ni)
{
    int rc = imgb_view_lookup(v, path, true, ni);
    imgb_error_clear();
    return rc == 0;
}

static bool node_exists(const imgb_view *v, const char *path)
{
    imgb_node_info ni;
    return node_at(v, path, &ni);
}

/* rpm's databases, newest layout first (read for openssh-server, and as the package db). */
static const char *const rpmdbs[] = { "/var/lib/rpm/rpmdb.sqlite",
                                      "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                                      "/var/lib/rpm/Packages" };
#define NRPMDBS (sizeof rpmdbs / sizeof *rpmdbs)

/* No package record: the OpenSSH the release ships (facts/distro.c). */
static void from_distro_table(imgb_os_info *os)
{
    if (os->release && os->release->openssh) {
        os->openssh_version = imgb_xstrdup(os->release->openssh);
        os->openssh_source = imgb_xasprintf("distro table: %s", os->release->label);
    }
}

/* A non-empty file at `path` (the rpm and apk databases are not parsed beyond that). */
static bool nonempty(const imgb_view *v, const char *path)
{
    imgb_node_info ni;
    return node_at(v, path, &ni) && ni.type == IMGB_FT_REG && ni.size > 0;
}

/* Which package database lists the image's packages: without one, the versions that decide
 * PAM, pwquality and OpenSSH semantics are guesses from the release table, and the scan
 * says the image could not be identified in full (scan.c). */
static void detect_pkgdb(imgb_os_info *os, const imgb_view *v, const char *dpkg_status,
                         char *dpkg_d)
{
    if (dpkg_status && strstr(dpkg_status, "Package:")) {
        os->pkgdb_source = imgb_xstrdup("/var/lib/dpkg/status");
    } else if (dpkg_d) {
        os->pkgdb_source = dpkg_d;
        dpkg_d = NULL;
    }
    for (size_t i = 0; i < NRPMDBS && !os->pkgdb_source; i++)
        if (nonempty(v, rpmdbs[i]))
            os->pkgdb_source = imgb_xstrdup(rpmdbs[i]);
    if (!os->pkgdb_source && nonempty(v, "/lib/apk/db/installed"))
        os->pkgdb_source = imgb_xstrdup("/lib/apk/db/installed");
    free(dpkg_d);
}

static void detect_openssh(imgb_os_info *os, const imgb_view *v)
{
    char *t = read_text(v, "/var/lib/dpkg/status");
    bool done = t && dpkg_scan(os, t, "/var/lib/dpkg/status");
    dpkg_glob g = { .os = os, .view = v };
    if (!done) {
        /* distroless: no status file, one file per package */
        imgb_view_glob(v, "/var/lib/dpkg/status.d/*", dpkg_d_cb, &g);
        imgb_error_clear();
        done = g.found;
    }
    detect_pkgdb(os, v, t, g.any);
    free(t);
    for (size_t i = 0; i < NRPMDBS && !done; i++) {
        const unsigned char *data;
        size_t len;
        bool cut; /* a package found in a cut database is still installed */
        if (imgb_view_read_prefix(v, rpmdbs[i], &data, &len, &cut) == 0)
            done = rpm_scan(os, data, len, rpmdbs[i]);
        imgb_error_clear();
    }
    if (done)
        return;
    /* No package record: an sshd binary with its config still means an installed server. */
    if (node_exists(v, "/usr/sbin/sshd") && node_exists(v, "/etc/ssh/sshd_config")) {
        os->has_openssh_server = true;
        from_distro_table(os);
    }
}

int imgb_os_detect(const imgb_view *view, imgb_os_info **out)
{
    imgb_os_info *os = imgb_xcalloc(1, sizeof *os);
    if (!from_os_release(os, view))
        from_fallbacks(os, view);
    os->distro = imgb_distro_family_of(os->id, os->id_like, os->nid_like);
    os->release = imgb_distro_release_of(os->id, os->version_id);
    os->family = os->distro ? os->distro->name : "other";
    detect_openssh(os, view);
    /* The vendor's patch set: the release's, or an EL7 package on another ID (a rebuild). */
    bool el7 = os->openssh_pkg_version && strstr(os->openssh_pkg_version, ".el7");
    if (os->has_openssh_server && os->release && os->release->openssh_patch)
        os->distro_patch = imgb_xstrdup(os->release->openssh_patch);
    else if (el7)
        os->distro_patch = imgb_xstrdup("el7");
    *out = os;
    return 0;
}

void imgb_os_info_free(imgb_os_info *os)
{
    if (!os)
        return;
    free(os->id);
    free(os->version_id);
    for (size_t i = 0; i < os->nid_like; i++)
        free(os->id_like[i]);
    free(os->id_like);
    free(os->pretty_name);
    free(os->source);
    free(os->openssh_version);
    free(os->openssh_pkg_version);
    free(os->openssh_source);
    free(os->pkgdb_source);
    free(os->distro_patch);
    free(os);
}

/* Segments of digits compare numerically, letters lexically; other characters separate
 * ("7.4p1" < "7.9p1" < "8.2p1"; "16.04" < "18"); a longer version with equal prefix wins. */
int imgb_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        while (*a && !isalnum((unsigned char)*a))
            a++;
        while (*b && !isalnum((unsigned char)*b))
            b++;
        if (!*a || !*b)
            return *a ? 1 : *b ? -1 : 0;
        bool da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);
        if (da != db)
            return da ? 1 : -1;
        const char *sa = a, *sb = b;
        if (da) {
            while (*sa == '0')
                sa++;
            while (*sb == '0')
                sb++;
            a = sa;
            b = sb;
            while (isdigit((unsigned char)*a))
                a++;
            while (isdigit((unsigned char)*b))
                b++;
            size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(sa, sb, la);
            if (c)
                return c < 0 ? -1 : 1;
        } else {
            while (isalpha((unsigned char)*a))
                a++;
            while (isalpha((unsigned char)*b))
                b++;
            size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
            int c = strncmp(sa, sb, la < lb ? la : lb);
            if (c)
                return c < 0 ? -1 : 1;
            if (la != lb)
                return la < lb ? -1 : 1;
        }
    }
    return 0;
}

bool imgb_os_package_installed(const imgb_os_info *os, const char *package, bool *known)
{
    /* The logical name "openssh-server" and the distribution's own names for it. */
    *known = strcmp(package, "openssh-server") == 0 || is_sshd_package(os, package);
    return *known ? os->has_openssh_server : true;
}
