/*
 * Build risks (engine/checks/build_risk.c): created_by parsing for both builders, then the
 * shipped rules/common/build_risk.yaml evaluated on real images written with imgbuild and
 * read with the image reader: one built by the classic builder with every risk, one built
 * with BuildKit that avoids most of them.  Every evidence string is searched for the
 * secrets the histories carry (they must be masked).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "checks/build_risk.h"
#include "checks/secrets.h"
#include "fs/view.h"
#include "image/image.h"
#include "imgbuild.h"
#include "rules/loader.h"
#include "util/mem.h"

/* ---- parsing --------------------------------------------------------------------------- */

typedef struct parse_case {
    const char *created_by;
    const char *instruction;
    const char *text;
    const char *arg0;         /* first build argument or NULL */
    size_t nargs;
    bool buildkit;
} parse_case;

static const parse_case parse_cases[] = {
    { "/bin/sh -c #(nop) ADD file:4d35f6c8bbbe6801cd4cbd0e8c66d1b4 in / ", "ADD",
      "file:4d35f6c8bbbe6801cd4cbd0e8c66d1b4 in /", NULL, 0, false },
    { "/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD", "[\"bash\"]", NULL, 0, false },
    { "/bin/sh -c apt-get update && apt-get install -y curl", "RUN",
      "apt-get update && apt-get install -y curl", NULL, 0, false },
    { "|2 TOKEN=abc VERSION=1.2 /bin/sh -c make install", "RUN", "make install", "TOKEN=abc", 2,
      false },
    { "|1 MSG=hello world /bin/sh -c echo $MSG", "RUN", "echo $MSG", "MSG=hello world", 1, false },
    { "/bin/bash -o pipefail -c curl -s x | sh", "RUN", "curl -s x | sh", NULL, 0, false },
    { "RUN /bin/sh -c apk add curl # buildkit", "RUN", "apk add curl", NULL, 0, true },
    { "RUN |1 NPM_TOKEN=xyz /bin/sh -c npm ci # buildkit", "RUN", "npm ci", "NPM_TOKEN=xyz", 1,
      true },
    { "ADD https://example.com/a.tgz /opt/ # buildkit", "ADD", "https://example.com/a.tgz /opt/",
      NULL, 0, true },
    { "COPY . /app # buildkit", "COPY", ". /app", NULL, 0, true },
    { "ENV PATH=/usr/local/bin:/usr/bin", "ENV", "PATH=/usr/local/bin:/usr/bin", NULL, 0, true },
    { "EXPOSE map[22/tcp:{}]", "EXPOSE", "map[22/tcp:{}]", NULL, 0, true },
    { "", "", "", NULL, 0, false },
    { "some free text", "", "some free text", NULL, 0, false },
};

START_TEST(build_cmd_parses_both_builders)
{
    const parse_case *c = &parse_cases[_i];
    imgb_build_cmd cmd;
    imgb_build_cmd_parse(c->created_by, &cmd);
    ck_assert_str_eq(cmd.instruction, c->instruction);
    ck_assert_str_eq(cmd.text, c->text);
    ck_assert_uint_eq(cmd.nargs, c->nargs);
    if (c->arg0)
        ck_assert_str_eq(cmd.args[0], c->arg0);
    ck_assert_int_eq(cmd.buildkit, c->buildkit);
    imgb_build_cmd_dispose(&cmd);
}
END_TEST

/* ---- the shipped rules on real images -------------------------------------------------- */

#define GH_TOKEN "ghp_R7x2Kq9LmZ3vT8pW4nY6bC1dF5hJ0sA2gE7u"
#define DB_PASS  "hunter2secretZ"
#define NPM_TOK  "npm_Zq8xT3mW9xK2pL7vB4nY6cF1"

static imgb_ruleset *load_rules(void)
{
    char *path = imgb_xasprintf("%s/rules/common/build_risk.yaml", getenv("IMGB_SOURCE_DIR"));
    const char *paths[] = { path };
    imgb_ruleset *rs = NULL;
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    free(path);
    return rs;
}

typedef struct scanned {
    char *dir;
    imgb_image *img;
    imgb_view *view;
    imgbuild_layer layers[8];
    size_t nlayers;
} scanned;

static void write_image(scanned *sc, const imgbuild_history *hist, size_t nhist, size_t nlayers,
                        const char *ref, const char *user, const char *const *env,
                        const char *const *ports, const char *extra)
{
    sc->dir = imgbuild_tmpdir("build_risk");
    sc->nlayers = nlayers;
    for (size_t i = 0; i < nlayers; i++) {
        char *name = imgb_xasprintf("f%zu", i);
        imgbuild_file f[] = { { .path = name, .content = "x" },
                              { .path = "usr/bin/su", .content = "ELF", .mode = 04755 } };
        imgbuild_layer_write(&sc->layers[i], sc->dir, f, i == 0 ? 2 : 1, IMGBUILD_GZIP);
        free(name);
    }
    imgbuild_image im = { .layers = sc->layers, .nlayers = nlayers, .ref = ref, .user = user,
                          .env = env, .exposed_ports = ports, .history = hist,
                          .nhistory = nhist, .config_extra = extra };
    char *out = imgbuild_path(sc->dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &im, 1, NULL);
    ck_assert_msg(imgb_image_open(&sc->img, out, NULL) == 0, "%s", imgb_error_last());
    sc->view = imgb_view_new(NULL);
    ck_assert_msg(imgb_image_read_layers(sc->img, sc->view, NULL, 0) == 0, "%s", imgb_error_last());
    free(out);
}

static void scanned_free(scanned *sc)
{
    imgb_view_free(sc->view);
    imgb_image_free(sc->img);
    for (size_t i = 0; i < sc->nlayers; i++)
        imgbuild_layer_dispose(&sc->layers[i]);
    imgbuild_rmtree(sc->dir);
    free(sc->dir);
}

/* Every output format of the CLI, both languages: no secret of `secrets` in any. */
static void cli_outputs_masked(const scanned *sc, const char *const *secrets)
{
    static const char *const formats[] = { "json", "table", "sarif", "junit",
                                           "aliyun-baseline-check-result",
                                           "aliyun-build-risk-images",
                                           "huawei-risk-configs --image-type local_image",
                                           "huawei-baseline-statistic --image-type local_image",
                                           NULL };
    const char *cli = getenv("IMGB_CLI");
    ck_assert_ptr_nonnull(cli);
    char *img = imgbuild_path(sc->dir, "img.tar");
    char *out = imgbuild_path(sc->dir, "out.txt");
    for (size_t f = 0; formats[f]; f++)
        for (int zh = 0; zh < 2; zh++) {
            int st = imgbuild_sh("'%s' scan '%s' --allow-incomplete --format %s --lang %s >'%s' 2>&1", cli, img,
                                 formats[f], zh ? "zh" : "en", out);
            ck_assert_msg(st == 0 || st == 1, "scan --format %s exited %d", formats[f], st);
            FILE *fp = fopen(out, "rb");
            ck_assert_ptr_nonnull(fp);
            imgb_buf b = IMGB_BUF_INIT;
            char chunk[65536];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
                imgb_buf_put(&b, chunk, n);
            fclose(fp);
            ck_assert_uint_gt(b.len, 0);
            for (size_t k = 0; secrets[k]; k++)
                ck_assert_msg(memmem(b.ptr, b.len, secrets[k], strlen(secrets[k])) == NULL,
                              "format %s shows an unmasked secret", formats[f]);
            imgb_buf_dispose(&b);
        }
    free(out);
    free(img);
}

static void assert_masked(const char *s, const char *const *secrets)
{
    for (size_t i = 0; s && secrets[i]; i++)
        ck_assert_msg(strstr(s, secrets[i]) == NULL, "unmasked secret in '%s'", s);
}

/* Evaluate every item of the baseline; `expect` lists "key=verdict:history,history,...". */
static void check_image(const scanned *sc, const char *const *expect, const char *const *secrets)
{
    imgb_ruleset *rs = load_rules();
    const imgb_baseline *b = imgb_ruleset_find_baseline(rs, "build_risk");
    ck_assert_ptr_nonnull(b);
    imgb_scan_ctx ctx = { .view = sc->view, .image = sc->img, .ruleset = rs, .baseline = b,
                          .jobs = 1, .cache = imgb_ctx_cache_new() };
    for (size_t i = 0; i < b->nitems; i++) {
        const imgb_item *it = b->items[i];
        imgb_item_result r = { .item = it };
        ck_assert_int_eq(it->kind->evaluate(it->compiled, &ctx, NULL, &r), 0);
        /* The expected verdict and the history indexes of the evidence, as text. */
        imgb_buf got = IMGB_BUF_INIT;
        imgb_buf_printf(&got, "%s=%s", it->key, imgb_verdict_name(r.verdict));
        const char *sep = ":";
        for (size_t e = 0; e < r.nevidence; e++) {
            const imgb_evidence *ev = &r.evidence[e];
            if (ev->history_index >= 0) {
                imgb_buf_printf(&got, "%s%d", sep, ev->history_index);
                sep = ",";
                const imgb_history *h = &sc->img->history[ev->history_index];
                if (h->empty_layer) {
                    ck_assert_ptr_null(ev->layer_digest);
                } else {
                    ck_assert_ptr_nonnull(ev->layer_digest);
                    ck_assert_str_eq(ev->layer_digest, sc->img->layers[h->layer].digest);
                }
                ck_assert_ptr_nonnull(ev->layer_cmd);
            }
            assert_masked(ev->value, secrets);
            assert_masked(ev->message, secrets);
            assert_masked(ev->layer_cmd, secrets);
            assert_masked(ev->source, secrets);
        }
        const char *want = NULL;
        char *owned = NULL;
        for (size_t k = 0; expect[k]; k++)
            if (strncmp(expect[k], it->key, strlen(it->key)) == 0 && expect[k][strlen(it->key)] == '=')
                want = expect[k];
        if (!want)
            want = owned = imgb_xasprintf("%s=pass", it->key);
        ck_assert_msg(strcmp(got.ptr, want) == 0, "got %s, want %s", got.ptr, want);
        free(owned);
        imgb_buf_dispose(&got);
        imgb_item_result_dispose(&r);
    }
    imgb_ctx_cache_free(ctx.cache);
    imgb_ruleset_free(rs);
}

START_TEST(build_risk_classic_builder_every_risk)
{
    static const imgbuild_history hist[] = {
        { "/bin/sh -c #(nop) ADD file:4d35f6c8bbbe6801cd4cbd0e8c66d1b4a8f3d5a2b7fd1b3f in / ", false, NULL },
        { "/bin/sh -c #(nop)  CMD [\"bash\"]", true, NULL },
        { "|1 GITHUB_TOKEN=" GH_TOKEN " /bin/sh -c apt-get update && apt-get install -y curl", false, NULL },
        { "/bin/sh -c curl -fsSL https://get.example.com/install.sh | sh", false, NULL },
        { "/bin/sh -c #(nop) ADD https://example.com/app.tgz /opt/", false, NULL },
        { "/bin/sh -c #(nop)  ENV DB_PASSWORD=" DB_PASS, true, NULL },
        { "/bin/sh -c #(nop)  EXPOSE 22/tcp", true, NULL },
        { "/bin/sh -c sudo chmod -R 777 /data", false, NULL },
        { "/bin/sh -c apt-get update", false, NULL },
        { "/bin/sh -c #(nop)  USER root", true, NULL },
        { "/bin/sh -c #(nop)  VOLUME [/proc]", true, NULL },
    };
    static const char *const env[] = { "PATH=/usr/bin", "DB_PASSWORD=" DB_PASS,
                                       "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
                                       "ENABLE_AUTH=true", NULL };
    static const char *const ports[] = { "22/tcp", "80/tcp", NULL };
    scanned sc;
    write_image(&sc, hist, sizeof hist / sizeof hist[0], 6, "app:latest", "root", env, ports,
                "{\"Volumes\": {\"/proc\": {}, \"/data\": {}}}");
    static const char *const expect[] = {
        "no_user=fail:9", "add=fail:4", "add_remote_url=fail:4", "secret_env=fail:5",
        "secret_build_arg=fail:2", "curl_pipe_shell=fail:3", "sudo=fail:7", "chmod_777=fail:7",
        "expose_22=fail:6", "latest_tag=fail", "no_healthcheck=fail", "apt_cache=fail:2",
        "update_alone=fail:8", "sensitive_volume=fail:10", "suid_files=fail", NULL,
    };
    static const char *const secrets[] = { GH_TOKEN, DB_PASS, NULL };
    check_image(&sc, expect, secrets);
    cli_outputs_masked(&sc, secrets);
    scanned_free(&sc);
}
END_TEST

START_TEST(build_risk_buildkit_clean_image)
{
    static const imgbuild_history hist[] = {
        { "ADD rootfs.tar.xz / # buildkit", false, NULL },
        { "RUN |1 NPM_TOKEN=" NPM_TOK " /bin/sh -c npm ci # buildkit", false, NULL },
        { "RUN /bin/sh -c apk add curl # buildkit", false, NULL },
        { "ADD app.tar.gz /srv/ # buildkit", false, NULL },
        { "COPY . /app # buildkit", false, NULL },
        { "RUN /bin/sh -c apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/* # buildkit", false, NULL },
        { "USER 10001", true, NULL },
        { "HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/\"] \"30s\" \"3s\" \"0s\" '\\x03'}", true, NULL },
        { "EXPOSE map[8080/tcp:{}]", true, NULL },
    };
    static const char *const env[] = { "PATH=/usr/bin", "NGINX_GPGKEYS=573BFD6B3D8FBC64107",
                                       "REDIS_PORT=6379", "SECRET_KEY_FILE=/run/secrets/k", NULL };
    static const char *const ports[] = { "8080/tcp", NULL };
    scanned sc;
    write_image(&sc, hist, sizeof hist / sizeof hist[0], 6, "registry.example.com/team/app:1.2.3",
                "10001", env, ports,
                "{\"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"curl -f http://localhost/\"]}}");
    static const char *const expect[] = {
        "add=fail:3", "secret_build_arg=fail:1", "apk_cache=fail:2", "suid_files=fail", NULL,
    };
    static const char *const secrets[] = { NPM_TOK, NULL };
    check_image(&sc, expect, secrets);
    cli_outputs_masked(&sc, secrets);
    scanned_free(&sc);
}
END_TEST

START_TEST(build_risk_rules_validate)
{
    /* Both shipped baselines of this module load and compile with the real loader. */
    char *dir = imgb_xasprintf("%s/rules/common", getenv("IMGB_SOURCE_DIR"));
    const char *paths[] = { dir };
    imgb_ruleset *rs = NULL;
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    ck_assert_ptr_nonnull(imgb_ruleset_find_item(rs, "ak_leak.access_key", NULL));
    ck_assert_ptr_nonnull(imgb_ruleset_find_item(rs, "build_risk.no_user", NULL));
    imgb_ruleset_free(rs);
    free(dir);
}
END_TEST

static Suite *build_risk_suite(void)
{
    Suite *s = suite_create("build_risk");
    TCase *t = tcase_create("parse");
    tcase_add_loop_test(t, build_cmd_parses_both_builders, 0,
                        sizeof parse_cases / sizeof parse_cases[0]);
    suite_add_tcase(s, t);
    t = tcase_create("images");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, build_risk_rules_validate);
    tcase_add_test(t, build_risk_classic_builder_every_risk);
    tcase_add_test(t, build_risk_buildkit_clean_image);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(build_risk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
