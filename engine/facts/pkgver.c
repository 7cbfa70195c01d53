/*
 * Component versions from the package database or the distribution table; see pkgver.h.
 */
#include "facts/pkgver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/distro.h"
#include "facts/os.h"
#include "util/error.h"
#include "util/lines.h"
#include "util/mem.h"

/* Package names per component: Debian/Ubuntu first, then rpm (EL, openEuler, SUSE). */
static const struct {
    const char *name;
    const char *deb[3];
    const char *rpm[2];
    const char *unknown;      /* assumed when nothing says: the oldest behaviour we model */
} components[IMGB_COMP_COUNT] = {
    [IMGB_COMP_LIBPWQUALITY] = {"libpwquality", {"libpwquality1", "libpwquality-common", NULL},
                                {"libpwquality", NULL}, "1.4.0"},
    [IMGB_COMP_LINUX_PAM] = {"Linux-PAM", {"libpam-modules", "libpam0g", NULL},
                             {"pam", NULL}, "1.4.0"},
    [IMGB_COMP_SHADOW] = {"shadow", {"passwd", "login", NULL}, {"shadow-utils", NULL}, "4.6"},
};

const char *imgb_component_name(imgb_component c)
{
    return c < IMGB_COMP_COUNT ? components[c].name : "?";
}

/* Upstream part of a Debian version "[epoch:]upstream[-revision]" (malloc'd). */
static char *deb_upstream(const char *v, size_t n)
{
    const char *colon = memchr(v, ':', n);
    if (colon) {
        n -= (size_t)(colon + 1 - v);
        v = colon + 1;
    }
    size_t end = n;
    for (size_t i = n; i-- > 0;)
        if (v[i] == '-') {
            end = i;
            break;
        }
    return imgb_xstrndup(v, end);
}

static bool line_is(const char *l, size_t n, const char *field, const char **value, size_t *vlen)
{
    size_t fl = strlen(field);
    if (n <= fl || strncasecmp(l, field, fl) != 0 || l[fl] != ':')
        return false;
    const char *v = l + fl + 1;
    const char *e = l + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t'))
        e--;
    *value = v;
    *vlen = (size_t)(e - v);
    return true;
}

/*
 * First installed package of `names` in dpkg status text [t, end): its full Version (malloc'd)
 * in *full and the package name in *which; NULL when none is installed.
 */
static char *dpkg_find(const char *t, const char *end, const char *const *names,
                       const char **which)
{
    while (t < end) {
        const char *pe = t;
        while (pe < end) { /* a paragraph ends at an empty line */
            const char *nl = memchr(pe, '\n', (size_t)(end - pe));
            if (!nl) {
                pe = end;
                break;
            }
            pe = nl + 1;
            if (pe < end && (*pe == '\n' || (*pe == '\r' && pe + 1 < end && pe[1] == '\n')))
                break;
        }
        const char *pkg = NULL, *status = NULL, *ver = NULL;
        size_t pkgl = 0, statusl = 0, verl = 0;
        imgb_lines it;
        const char *l;
        size_t n;
        imgb_lines_init(&it, t, (size_t)(pe - t));
        while (imgb_lines_next(&it, &l, &n)) {
            const char *v;
            size_t vl;
            if (line_is(l, n, "Package", &v, &vl)) {
                pkg = v;
                pkgl = vl;
            } else if (line_is(l, n, "Status", &v, &vl)) {
                status = v;
                statusl = vl;
            } else if (line_is(l, n, "Version", &v, &vl)) {
                ver = v;
                verl = vl;
            }
        }
        /* "install ok installed": want, flag, status (dpkg-query(1)) */
        bool installed = status && statusl >= 10 &&
                         memcmp(status + statusl - 10, " installed", 10) == 0;
        for (size_t i = 0; pkg && installed && ver && names[i]; i++)
            if (strlen(names[i]) == pkgl && memcmp(names[i], pkg, pkgl) == 0) {
                *which = names[i];
                return imgb_xstrndup(ver, verl);
            }
        t = pe;
        while (t < end && (*t == '\n' || *t == '\r'))
            t++;
    }
    return NULL;
}

typedef struct dpkg_d {
    const char *const *names;
    char *full;
    const char *which;
    char *path;
} dpkg_d;

static int dpkg_d_cb(const imgb_node_info *info, void *payload)
{
    dpkg_d *d = payload;
    if (info->type != IMGB_FT_REG || !info->content)
        return 0;
    const char *t = (const char *)info->content;
    d->full = dpkg_find(t, t + info->content_len, d->names, &d->which);
    if (!d->full)
        return 0;
    d->path = imgb_xasprintf("/%s", info->path);
    return 1;
}

static bool rpm_version_like(const unsigned char *s, size_t n)
{
    if (n == 0 || n > 32 || !isdigit(s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '~' && s[i] != '+')
            return false;
    return true;
}

/* "NAME\0VERSION\0RELEASE\0" in an rpm database blob, NAME preceded by NUL or the start. */
static char *rpm_find(const unsigned char *data, size_t len, const char *name, char **release)
{
    size_t nl = strlen(name) + 1; /* with its NUL */
    for (size_t i = 0; i + nl < len;) {
        const unsigned char *hit = memmem(data + i, len - i, name, nl);
        if (!hit)
            break;
        size_t at = (size_t)(hit - data);
        i = at + 1;
        if (at > 0 && data[at - 1] != '\0')
            continue;
        size_t vat = at + nl;
        const unsigned char *ve = memchr(data + vat, '\0', len - vat);
        if (!ve || !rpm_version_like(data + vat, (size_t)(ve - data - (ptrdiff_t)vat)))
            continue;
        size_t vlen = (size_t)(ve - data) - vat;
        size_t rat = vat + vlen + 1;
        const unsigned char *re = rat < len ? memchr(data + rat, '\0', len - rat) : NULL;
        *release = re && rpm_version_like(data + rat, (size_t)(re - data) - rat)
                       ? imgb_xstrndup((const char *)data + rat, (size_t)(re - data) - rat)
                       : NULL;
        return imgb_xstrndup((const char *)data + vat, vlen);
    }
    return NULL;
}

typedef struct comp_cache {
    imgb_component_version v[IMGB_COMP_COUNT];
    char *strings[2 * IMGB_COMP_COUNT];
} comp_cache;

static bool from_packages(const imgb_view *view, imgb_component c, char **version, char **source)
{
    const unsigned char *data;
    size_t len;
    const char *which = NULL;
    if (imgb_view_read(view, "/var/lib/dpkg/status", &data, &len) == 0) {
        char *full = dpkg_find((const char *)data, (const char *)data + len, components[c].deb,
                               &which);
        if (full) {
            *version = deb_upstream(full, strlen(full));
            *source = imgb_xasprintf("/var/lib/dpkg/status (%s %s)", which, full);
            free(full);
            return true;
        }
    }
    imgb_error_clear();
    dpkg_d d = {components[c].deb, NULL, NULL, NULL};
    imgb_view_glob(view, "/var/lib/dpkg/status.d/*", dpkg_d_cb, &d);
    imgb_error_clear();
    if (d.full) {
        *version = deb_upstream(d.full, strlen(d.full));
        *source = imgb_xasprintf("%s (%s %s)", d.path, d.which, d.full);
        free(d.full);
        free(d.path);
        return true;
    }
    static const char *const rpmdbs[] = {"/var/lib/rpm/rpmdb.sqlite",
                                         "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                                         "/var/lib/rpm/Packages"};
    for (size_t i = 0; i < sizeof rpmdbs / sizeof *rpmdbs; i++) {
        if (imgb_view_read(view, rpmdbs[i], &data, &len) != 0) {
            imgb_error_clear();
            continue;
        }
        for (size_t j = 0; components[c].rpm[j]; j++) {
            char *release = NULL;
            char *v = rpm_find(data, len, components[c].rpm[j], &release);
            if (v) {
                *version = v;
                *source = imgb_xasprintf("%s (%s %s%s%s)", rpmdbs[i], components[c].rpm[j], v,
                                         release ? "-" : "", release ? release : "");
                free(release);
                return true;
            }
        }
    }
    return false;
}

static void *comp_build(const imgb_scan_ctx *ctx, void *payload)
{
    (void)payload;
    comp_cache *cc = imgb_xcalloc(1, sizeof *cc);
    const imgb_os_info *os = ctx->os;
    for (int c = 0; c < IMGB_COMP_COUNT; c++) {
        char *version = NULL, *source = NULL;
        bool known = from_packages(ctx->view, (imgb_component)c, &version, &source);
        /* no package record: what the release ships (facts/distro.c) */
        const imgb_distro_release *r = os ? os->release : NULL;
        if (!r && os)
            r = imgb_distro_release_of(os->id, os->version_id);
        const char *shipped = !r ? NULL
                              : c == IMGB_COMP_LIBPWQUALITY ? r->libpwquality
                              : c == IMGB_COMP_LINUX_PAM ? r->linux_pam
                                                         : NULL;
        if (!known && shipped) {
            version = imgb_xstrdup(shipped);
            source = imgb_xasprintf("distro table: %s ships %s %s", r->label, components[c].name,
                                    shipped);
            known = true;
        }
        if (!known) {
            version = imgb_xstrdup(components[c].unknown);
            source = imgb_xasprintf("version unknown (no package record, no distro row): %s "
                                    "%s assumed", components[c].name, components[c].unknown);
        }
        cc->v[c].version = cc->strings[2 * c] = version;
        cc->v[c].source = cc->strings[2 * c + 1] = source;
        cc->v[c].known = known;
    }
    return cc;
}

static void comp_destroy(void *obj)
{
    comp_cache *cc = obj;
    for (size_t i = 0; i < 2 * IMGB_COMP_COUNT; i++)
        free(cc->strings[i]);
    free(cc);
}

const imgb_component_version *imgb_component_get(const imgb_scan_ctx *ctx, imgb_component c)
{
    comp_cache *cc = imgb_ctx_cache_get(ctx, "facts.pkgver", comp_build, NULL, comp_destroy);
    return &cc->v[c < IMGB_COMP_COUNT ? c : 0];
}
