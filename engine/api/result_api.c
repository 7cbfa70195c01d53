/*
 * The public result accessors (<imgbaseline/result.h>): read-only views of the scan result
 * (engine/scan.h), so programs never depend on struct layouts.
 */
#include <stdio.h>
#include <string.h>

#include <imgbaseline/result.h>

#include "facts/os.h"
#include "attribution.h"
#include "scan.h"

const char *imgb_result_attr(const imgb_scan_result *res, imgb_result_attr_id attr)
{
    if (!res)
        return NULL;
    const imgb_image *img = res->image;
    const imgb_os_info *os = res->os;
    switch (attr) {
    case IMGB_R_IMAGE_PATH: return img->path;
    case IMGB_R_IMAGE_FORMAT: return img->format;
    case IMGB_R_OUTER_COMPRESSION: return img->outer_compression;
    case IMGB_R_MANIFEST_DIGEST: return img->manifest_digest;
    case IMGB_R_CONFIG_DIGEST: return img->config_digest;
    case IMGB_R_IMAGE_ID: return img->image_id;
    case IMGB_R_PLATFORM: return res->platform;
    case IMGB_R_CREATED: return img->created;
    case IMGB_R_OS_ID: return os ? os->id : NULL;
    case IMGB_R_OS_VERSION_ID: return os ? os->version_id : NULL;
    case IMGB_R_OS_PRETTY_NAME: return os ? os->pretty_name : NULL;
    case IMGB_R_OS_FAMILY: return os ? os->family : NULL;
    case IMGB_R_OS_SOURCE: return os ? os->source : NULL;
    case IMGB_R_SSHD_VERSION: return os ? os->openssh_version : NULL;
    case IMGB_R_SSHD_PACKAGE_VERSION: return os ? os->openssh_pkg_version : NULL;
    case IMGB_R_SSHD_SOURCE: return os ? os->openssh_source : NULL;
    case IMGB_R_SSHD_DISTRO_PATCH: return os ? os->distro_patch : NULL;
    case IMGB_R_BASE_SOURCE: return res->base.source;
    case IMGB_R_BASE_NAME: return res->base.name;
    case IMGB_R_BASE_DIGEST: return res->base.digest;
    }
    return NULL;
}

int imgb_result_verified(const imgb_scan_result *res)
{
    return res && res->image->verified;
}

int imgb_result_sshd_installed(const imgb_scan_result *res)
{
    return res && res->os && res->os->has_openssh_server;
}

int imgb_result_complete(const imgb_scan_result *res)
{
    return res && imgb_scan_result_incomplete(res, NULL) == 0;
}

int imgb_result_image_complete(const imgb_scan_result *res)
{
    return res && imgb_scan_result_image_complete(res);
}

const char *imgb_result_incomplete_reason(const imgb_scan_result *res)
{
    return res ? res->incomplete_reason : NULL;
}

int64_t imgb_result_started_ms(const imgb_scan_result *res)
{
    return res ? res->started_ms : 0;
}

int64_t imgb_result_finished_ms(const imgb_scan_result *res)
{
    return res ? res->finished_ms : 0;
}

size_t imgb_result_ref_count(const imgb_scan_result *res)
{
    return res ? res->image->nrefs : 0;
}

const char *imgb_result_ref(const imgb_scan_result *res, size_t i)
{
    return res && i < res->image->nrefs ? res->image->refs[i] : NULL;
}

size_t imgb_result_warning_count(const imgb_scan_result *res)
{
    return res ? res->image->nwarnings + res->nwarnings : 0;
}

const char *imgb_result_warning(const imgb_scan_result *res, size_t i)
{
    if (!res)
        return NULL;
    if (i < res->image->nwarnings)
        return res->image->warnings[i];
    i -= res->image->nwarnings;
    return i < res->nwarnings ? res->warnings[i] : NULL;
}

size_t imgb_result_layer_count(const imgb_scan_result *res)
{
    return res ? res->image->nlayers : 0;
}

static const imgb_layer_info *api_layer(const imgb_scan_result *res, size_t i)
{
    return res && i < res->image->nlayers ? &res->image->layers[i] : NULL;
}

const char *imgb_result_layer_attr(const imgb_scan_result *res, size_t i, imgb_layer_attr_id attr)
{
    const imgb_layer_info *l = api_layer(res, i);
    if (!l)
        return NULL;
    switch (attr) {
    case IMGB_L_DIGEST: return l->digest;
    case IMGB_L_DIFF_ID: return l->diff_id;
    case IMGB_L_MEDIA_TYPE: return l->media_type;
    case IMGB_L_COMPRESSION: return l->compression;
    case IMGB_L_CREATED_BY: {
        int h = l->history_index;
        return h >= 0 && (size_t)h < res->image->nhistory ? res->image->history[h].created_by
                                                          : NULL;
    }
    }
    return NULL;
}

uint64_t imgb_result_layer_size(const imgb_scan_result *res, size_t i)
{
    const imgb_layer_info *l = api_layer(res, i);
    return l ? l->compressed_size : 0;
}

uint64_t imgb_result_layer_uncompressed_size(const imgb_scan_result *res, size_t i)
{
    const imgb_layer_info *l = api_layer(res, i);
    return l ? l->uncompressed_size : 0;
}

size_t imgb_result_layer_entries(const imgb_scan_result *res, size_t i)
{
    const imgb_layer_info *l = api_layer(res, i);
    return l ? l->entries : 0;
}

size_t imgb_result_baseline_count(const imgb_scan_result *res)
{
    return res ? res->nbaselines : 0;
}

const imgb_baseline_result *imgb_result_baseline_at(const imgb_scan_result *res, size_t i)
{
    return res && i < res->nbaselines ? &res->baselines[i] : NULL;
}

const imgb_baseline_result *imgb_result_baseline(const imgb_scan_result *res, const char *key)
{
    return res && key ? imgb_scan_result_baseline(res, key) : NULL;
}

const imgb_item_result *imgb_result_item(const imgb_scan_result *res, const char *id)
{
    return res && id ? imgb_scan_result_item(res, id) : NULL;
}

size_t imgb_result_skipped_count(const imgb_scan_result *res)
{
    return res ? res->nskipped : 0;
}

const imgb_baseline *imgb_result_skipped(const imgb_scan_result *res, size_t i,
                                         const char **reason)
{
    if (!res || i >= res->nskipped)
        return NULL;
    if (reason)
        *reason = res->skipped[i].reason;
    return res->skipped[i].baseline;
}

size_t imgb_baseline_result_count(const imgb_baseline_result *br, imgb_count_id what)
{
    if (!br)
        return 0;
    switch (what) {
    case IMGB_COUNT_ITEMS: return br->nitems;
    case IMGB_COUNT_PASSED: return br->passed;
    case IMGB_COUNT_FAILED:
        return br->failed[IMGB_SEV_HIGH] + br->failed[IMGB_SEV_MEDIUM] + br->failed[IMGB_SEV_LOW];
    case IMGB_COUNT_FAILED_HIGH: return br->failed[IMGB_SEV_HIGH];
    case IMGB_COUNT_FAILED_MEDIUM: return br->failed[IMGB_SEV_MEDIUM];
    case IMGB_COUNT_FAILED_LOW: return br->failed[IMGB_SEV_LOW];
    case IMGB_COUNT_NOT_APPLICABLE: return br->not_applicable;
    case IMGB_COUNT_ERROR: return br->errors;
    case IMGB_COUNT_INCOMPLETE: return br->incomplete;
    }
    return 0;
}

size_t imgb_result_count(const imgb_scan_result *res, imgb_count_id what)
{
    size_t n = 0;
    for (size_t i = 0; res && i < res->nbaselines; i++)
        n += imgb_baseline_result_count(&res->baselines[i], what);
    return n;
}

const imgb_baseline *imgb_baseline_result_baseline(const imgb_baseline_result *br)
{
    return br ? br->baseline : NULL;
}

const char *imgb_baseline_result_reason(const imgb_baseline_result *br)
{
    return br ? br->reason : NULL;
}

size_t imgb_baseline_result_item_count(const imgb_baseline_result *br)
{
    return br ? br->nitems : 0;
}

const imgb_item_result *imgb_baseline_result_item(const imgb_baseline_result *br, size_t i)
{
    return br && i < br->nitems ? &br->items[i] : NULL;
}

const imgb_item *imgb_item_result_item(const imgb_item_result *ir)
{
    return ir ? ir->item : NULL;
}

imgb_origin imgb_item_result_origin(const imgb_item_result *ir)
{
    return ir ? imgb_item_origin(ir) : IMGB_ORIGIN_UNKNOWN;
}

const char *imgb_origin_name(imgb_origin o)
{
    switch (o) {
    case IMGB_ORIGIN_BASE: return "base";
    case IMGB_ORIGIN_OWN: return "own";
    case IMGB_ORIGIN_UNKNOWN: break;
    }
    return "unknown";
}

int imgb_result_base_layers(const imgb_scan_result *res)
{
    return res ? res->base.layers : -1;
}

imgb_verdict imgb_item_result_verdict(const imgb_item_result *ir)
{
    return ir ? ir->verdict : IMGB_V_ERROR;
}

size_t imgb_item_result_evidence_count(const imgb_item_result *ir)
{
    return ir ? ir->nevidence : 0;
}

const imgb_evidence *imgb_item_result_evidence(const imgb_item_result *ir, size_t i)
{
    return ir && i < ir->nevidence ? &ir->evidence[i] : NULL;
}

size_t imgb_item_result_evidence_omitted(const imgb_item_result *ir)
{
    return ir ? ir->nmore : 0;
}

const char *imgb_evidence_attr(const imgb_evidence *ev, imgb_evidence_attr_id attr)
{
    if (!ev)
        return NULL;
    switch (attr) {
    case IMGB_E_FILE: return ev->file;
    case IMGB_E_VALUE: return ev->value;
    case IMGB_E_SOURCE: return ev->source;
    case IMGB_E_EXPECTED: return ev->expected;
    case IMGB_E_MESSAGE: return ev->message;
    case IMGB_E_ACCOUNT: return ev->account;
    case IMGB_E_LAYER_DIGEST: return ev->layer_digest;
    case IMGB_E_LAYER_CMD: return ev->layer_cmd;
    case IMGB_E_FIX: return ev->fix;
    }
    return NULL;
}

int64_t imgb_evidence_int(const imgb_evidence *ev, imgb_evidence_int_id attr)
{
    if (!ev)
        return -1;
    switch (attr) {
    case IMGB_E_LINE: return ev->line;
    case IMGB_E_OFFSET: return ev->offset;
    case IMGB_E_LAYER: return ev->layer;
    case IMGB_E_LAYER_REMOVED: return ev->layer_removed;
    case IMGB_E_HISTORY_INDEX: return ev->history_index;
    case IMGB_E_ORIGIN: return ev->origin;
    }
    return -1;
}

imgb_verdict imgb_evidence_verdict(const imgb_evidence *ev)
{
    return ev ? ev->verdict : IMGB_V_ERROR;
}
