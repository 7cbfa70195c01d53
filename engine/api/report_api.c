/*
 * The public rendering calls (<imgbaseline/report.h>): the format table by index and name,
 * request handles (the internal imgb_report_params), rendering into a caller-owned buffer.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <imgbaseline/report.h>

#include "report/report.h"
#include "util/error.h"
#include "util/mem.h"

size_t imgb_report_format_count(void)
{
    size_t n = 0;
    for (const imgb_report_format *f = imgb_report_formats(); f->name; f++)
        n++;
    return n;
}

static const imgb_report_format *api_format(size_t i)
{
    return i < imgb_report_format_count() ? &imgb_report_formats()[i] : NULL;
}

const char *imgb_report_format_name(size_t i)
{
    const imgb_report_format *f = api_format(i);
    return f ? f->name : NULL;
}

const char *imgb_report_format_summary(size_t i)
{
    const imgb_report_format *f = api_format(i);
    return f ? f->summary : NULL;
}

int imgb_report_format_is_api(size_t i)
{
    const imgb_report_format *f = api_format(i);
    return f && f->api;
}

int imgb_report_format_find(const char *name)
{
    const imgb_report_format *f = name ? imgb_report_format_lookup(name) : NULL;
    if (!f)
        return imgb_error_set(IMGB_ENOTFOUND, "unknown format '%.64s'", name ? name : "");
    return (int)(f - imgb_report_formats());
}

int imgb_report_request_new(imgb_report_request **out)
{
    imgb_report_params *p = imgb_xcalloc(1, sizeof *p);
    imgb_report_params_init(p);
    *out = p;
    return 0;
}

void imgb_report_request_free(imgb_report_request *req)
{
    if (!req)
        return;
    imgb_report_params_dispose(req);
    free(req);
}

int imgb_report_request_set(imgb_report_request *req, const char *name, const char *value)
{
    if (!req || !name || !value)
        return imgb_error_set(IMGB_EINVAL, "report request: NULL argument");
    return imgb_report_param_set(req, name, value);
}

int imgb_report_request_check(const imgb_report_request *req, const char *format)
{
    const imgb_report_format *f = format ? imgb_report_format_lookup(format) : NULL;
    if (!f)
        return imgb_error_set(IMGB_ENOTFOUND, "unknown format '%.64s'", format ? format : "");
    return imgb_report_params_check(req, f, NULL);
}

int imgb_report_request_set_severities(imgb_report_request *req, const char *list)
{
    static const struct { const char *name; unsigned bits; } words[] = {
        { "low", 1u << IMGB_SEV_LOW }, { "medium", 1u << IMGB_SEV_MEDIUM },
        { "high", 1u << IMGB_SEV_HIGH }, { "critical", 0 }, { "unknown", 0 },
    };
    unsigned mask = 0;
    const char *s = list ? list : "";
    do {
        size_t n = strcspn(s, ",");
        while (n && (*s == ' ')) {
            s++;
            n--;
        }
        size_t k = 0;
        while (k < sizeof words / sizeof words[0] &&
               !(strlen(words[k].name) == n && strncasecmp(s, words[k].name, n) == 0))
            k++;
        if (k == sizeof words / sizeof words[0])
            return imgb_error_set(IMGB_EINVAL, "severity '%.*s' is not one of LOW, MEDIUM, "
                                  "HIGH (UNKNOWN and CRITICAL are accepted and match nothing)",
                                  (int)(n > 32 ? 32 : n), s);
        mask |= words[k].bits;
        s += n;
    } while (*s++ == ',');
    /* only UNKNOWN/CRITICAL: nothing of ours is shown, which is what was asked */
    req->severity_mask = mask ? mask : 1u << 8;
    return 0;
}

void imgb_report_request_set_table(imgb_report_request *req, int columns, int show_passed,
                                   int evidence_all)
{
    req->width = columns;
    req->show_passed = show_passed != 0;
    req->evidence_all = evidence_all != 0;
}

void imgb_report_request_set_color(imgb_report_request *req, int color)
{
    req->color = color != 0;
}

void imgb_report_request_set_only_own(imgb_report_request *req, int only_own)
{
    req->only_own = only_own != 0;
}

void imgb_report_request_set_diff(imgb_report_request *req, const imgb_scan_result *old)
{
    req->diff_old = old;
}

void imgb_report_request_set_now(imgb_report_request *req, int64_t now_ms)
{
    req->now_ms = now_ms;
}

void imgb_report_request_set_ignore(imgb_report_request *req, const imgb_ignore_list *list)
{
    req->ignore = list;
}

/* Render one result or several (`many`: imgb_report_render_many) into a malloc'd string,
 * with the documented defaults when there is no request. */
static int render_out(const imgb_scan_result *const *res, size_t n, bool many,
                      const imgb_report_format *f, const imgb_report_request *req, char **out,
                      size_t *len)
{
    imgb_report_params defaults;
    if (!req) {
        imgb_report_params_init(&defaults);
        req = &defaults;
    }
    imgb_buf b = IMGB_BUF_INIT;
    int rc = many ? imgb_report_render_many_fmt(res, n, f, req, &b)
                  : imgb_report_render_fmt(res[0], f, req, &b);
    if (req == &defaults)
        imgb_report_params_dispose(&defaults);
    return imgb_buf_hand_out(&b, rc, out, len);
}

int imgb_report_render(const imgb_scan_result *res, const char *format,
                       const imgb_report_request *req, char **out, size_t *len)
{
    if (!out)
        return imgb_error_set(IMGB_EINVAL, "render: no output pointer");
    *out = NULL;
    if (len)
        *len = 0;
    if (!res)
        return imgb_error_set(IMGB_EINVAL, "render: no scan result");
    const imgb_report_format *f = format ? imgb_report_format_lookup(format) : NULL;
    if (!f)
        return imgb_error_set(IMGB_ENOTFOUND, "unknown format '%.64s'", format ? format : "");
    return render_out(&res, 1, false, f, req, out, len);
}

int imgb_report_render_many(const imgb_scan_result *const *res, size_t n, const char *format,
                            const imgb_report_request *req, char **out, size_t *len)
{
    if (!out)
        return imgb_error_set(IMGB_EINVAL, "render: no output pointer");
    *out = NULL;
    if (len)
        *len = 0;
    if (!res || n == 0)
        return imgb_error_set(IMGB_EINVAL, "render: no scan results");
    for (size_t i = 0; i < n; i++)
        if (!res[i])
            return imgb_error_set(IMGB_EINVAL, "render: scan result %zu is NULL", i);
    const imgb_report_format *f = format ? imgb_report_format_lookup(format) : NULL;
    if (!f || !strncmp(f->name, "inspect", 7))
        return imgb_error_set(IMGB_ENOTFOUND, "unknown format '%.64s' for several images",
                              format ? format : "");
    return render_out(res, n, true, f, req, out, len);
}

size_t imgb_report_ignore_warnings(const imgb_scan_result *res, const imgb_report_request *req,
                                   imgb_line_fn fn, void *payload)
{
    size_t n = 0;
    char **lines = imgb_report_ignore_lines(res, req, &n);
    for (size_t i = 0; fn && i < n; i++)
        fn(lines[i], payload);
    imgb_report_free_lines(lines, n);
    return n;
}
