/*
 * Fuzz target for the ignore matcher on real findings (engine/report/ignore.c through
 * engine/report/report.c): LLVMFuzzerInitialize writes one image with libarchive (weak and
 * shared password hashes, a root login sshd_config, a leaked access key, a world-writable
 * file, a setuid binary) and scans it once with the shipped rules; each input is the YAML of
 * an ignore file applied to that result.  Invariants: a parse fails with a one-line message
 * naming the file, or every entry matches consistently (an entry restricted by path, account
 * or layer never covers more than the same entry unrestricted), ignoring never raises the
 * count of findings, an unrestricted unexpired entry for a failed item removes it from the
 * count, and every renderer accepts the list.  Corpus: tests/fuzz/corpus/ignore_scan/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "fuzz.h"
#include "report/ignore.h"
#include "report/report.h"
#include "rules/loader.h"
#include "scan.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define FUZZ_IGNORE_SCAN_MAX_INPUT (64u << 10)
#define FUZZ_NOW_MS 1767225600000LL /* 2026-01-01: expiry dates on both sides of it */

static imgb_ruleset *fuzz_rules;
static imgb_scan_result *fuzz_result;

/* One regular file or directory (content NULL) of a layer. */
typedef struct fuzz_file {
    const char *path;
    const char *content;
    unsigned mode;
} fuzz_file;

/* A tar of `files` in memory (libarchive, ustar), appended to `out`. */
static void fuzz_tar(imgb_buf *out, const fuzz_file *files, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    size_t cap = 1u << 20, used = 0;
    char *mem = imgb_xmalloc(cap);
    if (archive_write_open_memory(a, mem, cap, &used) != ARCHIVE_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, files[i].path);
        size_t len = files[i].content ? strlen(files[i].content) : 0;
        archive_entry_set_filetype(e, files[i].content ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(e, files[i].mode ? files[i].mode : files[i].content ? 0644 : 0755);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (len && archive_write_data(a, files[i].content, len) != (la_ssize_t)len))
            abort();
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        abort();
    archive_write_free(a);
    imgb_buf_put(out, mem, used);
    free(mem);
}

/*
 * A docker-archive with something for every kind of finding an ignore entry can name (weak
 * and shared hashes, root login, a leaked access key in a later layer, a world-writable file,
 * a setuid binary).  Read with --no-verify: digests are placeholders.
 */
static char *fuzz_build_image(void)
{
    static const fuzz_file l0[] = {
        { "etc/", NULL, 0 },
        { "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0 },
        { "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:"
                        "/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n", 0 },
        { "etc/shadow", "root:$1$salt$TwBSqMWIYsd9TuQhOGOwo/:19000:0:99999:7:::\n"
                        "alice::19000:0:99999:7:::\n"
                        "bob:$1$salt$TwBSqMWIYsd9TuQhOGOwo/:19000:0:99999:7:::\n", 0644 },
        { "etc/group", "root:x:0:\nshadow:x:42:\n", 0 },
        { "etc/ssh/", NULL, 0 },
        { "etc/ssh/sshd_config", "PermitRootLogin yes\nPermitEmptyPasswords yes\n", 0 },
        { "etc/login.defs", "PASS_MAX_DAYS 99999\n", 0 },
        { "var/", NULL, 0 },
        { "var/lib/", NULL, 0 },
        { "var/lib/dpkg/", NULL, 0 },
        { "var/lib/dpkg/status", "Package: openssh-server\nStatus: install ok installed\n"
                                 "Version: 1:9.2p1-2\n\n", 0 },
        { "usr/", NULL, 0 },
        { "usr/bin/", NULL, 0 },
        { "usr/bin/tool", "", 04755 },
        { "tmp/", NULL, 01777 },
        { "tmp/open", "x", 0666 },
    };
    static const fuzz_file l1[] = {
        { "app/", NULL, 0 },
        { "app/.env", "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tQx7Hq2Wm9RzKcD4pFv\n"
                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET=Zq8Xv2Lm4Np6Rt8Vx0Bz2Dc4Fg6Hj8\n", 0 },
    };
    imgb_buf layer0 = IMGB_BUF_INIT, layer1 = IMGB_BUF_INIT;
    fuzz_tar(&layer0, l0, sizeof l0 / sizeof *l0);
    fuzz_tar(&layer1, l1, sizeof l1 / sizeof *l1);
    static const char zero[] = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    char *config = imgb_xasprintf(
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PASSWORD=hunter2\"]},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]},"
        "\"history\":[{\"created_by\":\"ADD rootfs.tar /\"},"
        "{\"created_by\":\"RUN curl http://x | sh\"}]}", zero, zero);
    /* the config is named after its digest (the reader checks that even with --no-verify) */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(config, strlen(config), md, &mdlen, EVP_sha256(), NULL))
        abort();
    char cfg_name[2 * EVP_MAX_MD_SIZE + 8];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(cfg_name + 2 * i, 3, "%02x", md[i]);
    strcat(cfg_name, ".json");
    char *manifest = imgb_xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/team/"
                                    "app:1\"],\"Layers\":[\"l0/layer.tar\",\"l1/layer.tar\"]}]",
                                    cfg_name);
    fuzz_file outer[] = {
        { cfg_name, config, 0 },
        { "l0/", NULL, 0 },
        { "l1/", NULL, 0 },
        { "manifest.json", manifest, 0 },
    };
    /* the layers are binary: written through their own entries below */
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = imgb_xasprintf("%s/imgb-fuzz-ignore-scan-%d.tar", tmp, (int)getpid());
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        abort();
    const imgb_buf *blobs[] = { &layer0, &layer1 };
    const char *names[] = { "l0/layer.tar", "l1/layer.tar" };
    for (size_t i = 0; i < 6; i++) {
        struct archive_entry *e = archive_entry_new();
        const char *name = i < 4 ? outer[i].path : names[i - 4];
        const char *data = i < 4 ? outer[i].content : blobs[i - 4]->ptr;
        size_t len = i < 4 ? (data ? strlen(data) : 0) : blobs[i - 4]->len;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, data ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(e, data ? 0644 : 0755);
        archive_entry_set_size(e, (la_int64_t)len);
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (len && archive_write_data(a, data, len) != (la_ssize_t)len))
            abort();
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        abort();
    archive_write_free(a);
    imgb_buf_dispose(&layer0);
    imgb_buf_dispose(&layer1);
    free(manifest);
    free(config);
    return path;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *paths[] = { IMGB_FUZZ_RULES_DIR };
    if (imgb_ruleset_load(&fuzz_rules, paths, 1, NULL, NULL) < 0) {
        fprintf(stderr, "fuzz_ignore_scan: %s\n", imgb_error_last());
        abort();
    }
    char *image = fuzz_build_image();
    imgb_scan_config o = { .read = { .jobs = 1, .no_verify = true }, .weak_password_budget = 5 };
    int rc = imgb_scan_run(&fuzz_result, fuzz_rules, image, &o);
    unlink(image);
    free(image);
    if (rc < 0) {
        fprintf(stderr, "fuzz_ignore_scan: %s\n", imgb_error_last());
        abort();
    }
    /* the point is real findings: an image that fails nothing would test nothing */
    imgb_report_params p;
    imgb_report_params_init(&p);
    FUZZ_CHECK(imgb_report_count_findings(fuzz_result, &p, IMGB_SEV_LOW) >= 10);
    imgb_report_params_dispose(&p);
    return 0;
}

/* Every evidence of every item against entry `e`: a restricted entry never covers more. */
static void fuzz_match_all(const imgb_ignore_entry *e)
{
    imgb_ignore_entry bare = *e;
    bare.account = NULL;
    bare.path = NULL;
    bare.layer = NULL;
    for (size_t b = 0; b < fuzz_result->nbaselines; b++) {
        const imgb_baseline_result *br = &fuzz_result->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            for (size_t k = 0; k < r->nevidence; k++) {
                const imgb_evidence *ev = &r->evidence[k];
                bool m = imgb_ignore_entry_matches(e, r->item->id, r->item->key, ev->account,
                                                   ev->file, ev->layer, ev->layer_digest);
                bool mb = imgb_ignore_entry_matches(&bare, r->item->id, r->item->key,
                                                    ev->account, ev->file, ev->layer,
                                                    ev->layer_digest);
                FUZZ_CHECK(!m || mb);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_IGNORE_SCAN_MAX_INPUT)
        return 0;
    imgb_ignore_list *list = NULL;
    int rc = imgb_ignore_parse(&list, (const char *)data, size, "fuzz.ignore");
    if (rc < 0) {
        FUZZ_CHECK(list == NULL);
        FUZZ_CHECK(strncmp(imgb_error_last(), "fuzz.ignore", 11) == 0);
        return 0;
    }
    for (size_t i = 0; i < list->nentries; i++)
        fuzz_match_all(&list->entries[i]);

    imgb_report_params p;
    imgb_report_params_init(&p);
    p.now_ms = FUZZ_NOW_MS;
    size_t all = imgb_report_count_findings(fuzz_result, &p, IMGB_SEV_LOW);
    p.ignore = list;
    size_t left = imgb_report_count_findings(fuzz_result, &p, IMGB_SEV_LOW);
    FUZZ_CHECK(left <= all);
    size_t nwarn = 0;
    char **warn = imgb_report_ignore_lines(fuzz_result, &p, &nwarn);
    for (size_t i = 0; i < nwarn; i++)
        FUZZ_CHECK(strchr(warn[i], '\n') == NULL);
    imgb_report_free_lines(warn, nwarn);
    for (const imgb_report_format *f = imgb_report_formats(); f->name; f++) {
        if (f->api && strcmp(f->name, "aliyun-baseline-check-result") != 0 &&
            strcmp(f->name, "aliyun-build-risk-images") != 0)
            continue; /* Huawei formats need request parameters; ignore does not reach them */
        imgb_buf out = IMGB_BUF_INIT;
        rc = imgb_report_render_fmt(fuzz_result, f, &p, &out);
        FUZZ_CHECK(rc == 0);
        imgb_buf_dispose(&out);
    }
    p.ignore = NULL;
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(list);
    return 0;
}
