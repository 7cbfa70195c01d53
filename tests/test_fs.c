/*
 * Tests for engine/fs/: path normalisation and the merged filesystem view (OCI whiteouts and
 * opaque directories, duplicates, hardlinks, the removed-file record, keep patterns and caps,
 * symlink resolution inside the root, glob, walk, scale).
 */
#include <check.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/view.h"
#include "util/limits.h"
#include "util/mem.h"

/* ---- helpers ----------------------------------------------------------------------- */

static int apply(imgb_view *v, int layer, const char *path, imgb_ftype type, const char *data)
{
    imgb_entry e = { .path = path, .type = type, .mode = 0644, .uid = 0, .gid = 0 };
    if (type == IMGB_FT_DIR)
        e.mode = 0755;
    if (type == IMGB_FT_SYMLINK || type == IMGB_FT_HARDLINK) {
        e.link_target = data;
    } else if (type == IMGB_FT_REG && data) {
        e.content = (const unsigned char *)data;
        e.content_len = strlen(data);
        e.size = strlen(data);
    }
    return imgb_view_apply(v, layer, &e);
}

static void add_file(imgb_view *v, int layer, const char *path, const char *content)
{
    ck_assert_int_eq(apply(v, layer, path, IMGB_FT_REG, content), 0);
}

static void add_dir(imgb_view *v, int layer, const char *path)
{
    ck_assert_int_eq(apply(v, layer, path, IMGB_FT_DIR, NULL), 0);
}

static void add_link(imgb_view *v, int layer, const char *path, const char *target)
{
    ck_assert_int_eq(apply(v, layer, path, IMGB_FT_SYMLINK, target), 0);
}

static void add_hardlink(imgb_view *v, int layer, const char *path, const char *target)
{
    ck_assert_int_eq(apply(v, layer, path, IMGB_FT_HARDLINK, target), 0);
}

/* A whiteout entry is an empty regular file in the tar stream. */
static void add_whiteout(imgb_view *v, int layer, const char *path)
{
    ck_assert_int_eq(apply(v, layer, path, IMGB_FT_REG, NULL), 0);
}

static bool exists(const imgb_view *v, const char *path)
{
    imgb_node_info info;
    return imgb_view_lookup(v, path, false, &info) == 0;
}

static int layer_of(const imgb_view *v, const char *path)
{
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, path, false, &info), 0);
    return info.layer;
}

/* Content of a kept file as a malloc'd string. */
static char *read_str(const imgb_view *v, const char *path)
{
    const unsigned char *d;
    size_t n;
    int rc = imgb_view_read(v, path, &d, &n);
    ck_assert_msg(rc == 0, "read %s: %s", path, imgb_error_last());
    return imgb_xstrndup((const char *)d, n);
}

static imgb_view *view_keeping_all(void)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_view_keep(v, "/**");
    return v;
}

/* Paths reported by walk/glob, "\n"-joined. */
static int collect_path(const imgb_node_info *info, void *payload)
{
    imgb_buf *b = payload;
    imgb_buf_puts(b, info->path);
    imgb_buf_putc(b, '\n');
    return 0;
}

static char *glob_str(const imgb_view *v, const char *pattern)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    ck_assert_int_eq(imgb_view_glob(v, pattern, collect_path, &b), 0);
    return imgb_buf_detach(&b);
}

static char *walk_str(const imgb_view *v)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    ck_assert_int_eq(imgb_view_walk(v, collect_path, &b), 0);
    return imgb_buf_detach(&b);
}

/* ---- path normalisation ------------------------------------------------------------ */

static const struct {
    const char *in;
    const char *out; /* NULL: rejected */
} norm_cases[] = {
    { "etc/passwd", "etc/passwd" },
    { "/etc/passwd", "etc/passwd" },
    { "./etc/passwd", "etc/passwd" },
    { "././etc/passwd", "etc/passwd" },
    { "//etc//passwd", "etc/passwd" },
    { "etc/./ssh/./sshd_config", "etc/ssh/sshd_config" },
    { "etc/ssh/", "etc/ssh" },
    { "/etc///ssh//", "etc/ssh" },
    { "...", "..." },
    { "..a/b..", "..a/b.." },
    { "etc/.wh.passwd", "etc/.wh.passwd" },
    { "../etc/passwd", NULL },
    { "etc/../../passwd", NULL },
    { "etc/..", NULL },
    { "/..", NULL },
    { "./../x", NULL },
    { "/", NULL },
    { "./", NULL },
    { ".", NULL },
    { "", NULL },
};

START_TEST(path_normalize_table)
{
    char *got = imgb_path_normalize(norm_cases[_i].in);
    if (norm_cases[_i].out) {
        ck_assert_msg(got != NULL, "'%s' rejected", norm_cases[_i].in);
        ck_assert_str_eq(got, norm_cases[_i].out);
    } else {
        ck_assert_msg(got == NULL, "'%s' accepted as '%s'", norm_cases[_i].in, got);
    }
    free(got);
}
END_TEST

START_TEST(path_normalize_rejects_overlong)
{
    char *name = imgb_xmalloc(IMGB_MAX_PATH + 3);
    memset(name, 'a', IMGB_MAX_PATH);
    name[IMGB_MAX_PATH] = '\0';
    char *ok = imgb_path_normalize(name);
    ck_assert_ptr_nonnull(ok);
    ck_assert_uint_eq(strlen(ok), IMGB_MAX_PATH);
    name[IMGB_MAX_PATH] = 'a';
    name[IMGB_MAX_PATH + 1] = '\0';
    ck_assert_ptr_null(imgb_path_normalize(name));
    /* The leading "/" does not count. */
    name[0] = '/';
    char *ok2 = imgb_path_normalize(name);
    ck_assert_ptr_nonnull(ok2);
    free(ok);
    free(ok2);
    free(name);
}
END_TEST

/* ---- whiteouts and opaque directories ---------------------------------------------- */

START_TEST(whiteout_removes_lower_file)
{
    imgb_view *v = imgb_view_new(NULL);
    add_dir(v, 0, "etc");
    add_file(v, 0, "etc/secret", "x");
    add_file(v, 0, "etc/keep", "x");
    add_whiteout(v, 1, "etc/.wh.secret");
    ck_assert(!exists(v, "/etc/secret"));
    ck_assert(exists(v, "/etc/keep"));
    ck_assert(!exists(v, "/etc/.wh.secret"));
    ck_assert_uint_eq(imgb_view_whiteouts(v), 1);
    ck_assert_uint_eq(imgb_view_count(v), 2);
    imgb_view_free(v);
}
END_TEST

START_TEST(whiteout_removes_directory_subtree)
{
    imgb_view *v = imgb_view_new(NULL);
    add_dir(v, 0, "opt/app");
    add_file(v, 0, "opt/app/bin/run", "x");
    add_file(v, 0, "opt/app/lib/a.so", "x");
    add_link(v, 0, "opt/app/current", "bin");
    add_file(v, 0, "opt/other", "x");
    add_whiteout(v, 1, "opt/.wh.app");
    ck_assert(!exists(v, "opt/app"));
    ck_assert(!exists(v, "opt/app/bin/run"));
    ck_assert(!exists(v, "opt/app/lib"));
    ck_assert(exists(v, "opt/other"));
    ck_assert_uint_eq(imgb_view_count(v), 2);
    imgb_view_free(v);
}
END_TEST

START_TEST(whiteout_does_not_remove_same_layer_entries)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "a", "lower");
    /* Same layer, entry before its whiteout ... */
    add_file(v, 1, "a", "upper");
    add_whiteout(v, 1, ".wh.a");
    /* ... and after it. */
    add_whiteout(v, 1, ".wh.b");
    add_file(v, 1, "b", "upper");
    ck_assert(exists(v, "a"));
    ck_assert_int_eq(layer_of(v, "a"), 1);
    ck_assert(exists(v, "b"));
    ck_assert_uint_eq(imgb_view_whiteouts(v), 2);
    imgb_view_free(v);
}
END_TEST

START_TEST(whiteout_then_same_layer_dir_replaces_lower_dir)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "d/old", "x");
    add_dir(v, 1, "d");
    add_file(v, 1, "d/new", "x");
    add_whiteout(v, 1, ".wh.d");
    ck_assert(exists(v, "d/new"));
    ck_assert(!exists(v, "d/old"));
    ck_assert_int_eq(layer_of(v, "d"), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(whiteout_of_missing_path_counts_and_changes_nothing)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "a", "x");
    add_whiteout(v, 1, "nodir/.wh.x");
    add_whiteout(v, 1, ".wh.zzz");
    ck_assert_uint_eq(imgb_view_whiteouts(v), 2);
    ck_assert_uint_eq(imgb_view_count(v), 1);
    ck_assert(!exists(v, "nodir"));
    imgb_view_free(v);
}
END_TEST

START_TEST(aufs_metadata_is_ignored)
{
    imgb_view *v = imgb_view_new(NULL);
    add_dir(v, 0, ".wh..wh.plnk");
    add_file(v, 0, ".wh..wh.plnk/123.456", "x");
    add_file(v, 0, ".wh..wh.aufs", NULL);
    ck_assert_uint_eq(imgb_view_count(v), 0);
    ck_assert_uint_eq(imgb_view_whiteouts(v), 0);
    ck_assert_uint_eq(imgb_view_warning_count(v), 0);
    imgb_view_free(v);
}
END_TEST

START_TEST(entry_below_a_whiteout_name_is_skipped)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 1, "etc/.wh.x/y", "x");
    ck_assert_uint_eq(imgb_view_count(v), 0);
    ck_assert_uint_eq(imgb_view_warning_count(v), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(opaque_dir_hides_lower_children_recursively)
{
    imgb_view *v = imgb_view_new(NULL);
    add_dir(v, 0, "var/cache");
    add_file(v, 0, "var/cache/a/b/c", "x");
    add_file(v, 0, "var/cache/top", "x");
    add_file(v, 0, "var/log", "x");
    add_whiteout(v, 1, "var/cache/.wh..wh..opq");
    ck_assert(exists(v, "var/cache"));
    ck_assert(!exists(v, "var/cache/a"));
    ck_assert(!exists(v, "var/cache/top"));
    ck_assert(exists(v, "var/log"));
    ck_assert(!exists(v, "var/cache/.wh..wh..opq"));
    ck_assert_uint_eq(imgb_view_whiteouts(v), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(opaque_dir_keeps_same_layer_children_before_and_after_marker)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "d/lower", "x");
    add_file(v, 0, "d/sub/lower", "x");
    add_dir(v, 1, "d");
    add_file(v, 1, "d/before", "x");
    add_file(v, 1, "d/sub/before", "x");
    add_whiteout(v, 1, "d/.wh..wh..opq");
    add_file(v, 1, "d/after", "x");
    ck_assert(exists(v, "d/before"));
    ck_assert(exists(v, "d/after"));
    ck_assert(exists(v, "d/sub/before"));
    ck_assert(!exists(v, "d/lower"));
    ck_assert(!exists(v, "d/sub/lower"));
    /* The lower "d/sub" survives only as the parent of a layer-1 entry. */
    ck_assert_int_eq(layer_of(v, "d/sub"), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(opaque_marker_at_root_hides_lower_layers)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "bin/sh", "x");
    add_file(v, 1, "etc/new", "x");
    add_whiteout(v, 1, ".wh..wh..opq");
    ck_assert(!exists(v, "bin"));
    ck_assert(exists(v, "etc/new"));
    imgb_view_free(v);
}
END_TEST

/* ---- duplicates, replacement, implicit parents ------------------------------------- */

START_TEST(duplicate_entries_last_wins)
{
    imgb_view *v = view_keeping_all();
    add_file(v, 0, "etc/motd", "first");
    add_file(v, 0, "./etc/motd", "second");
    add_file(v, 0, "/etc/motd", "third");
    char *s = read_str(v, "etc/motd");
    ck_assert_str_eq(s, "third");
    free(s);
    ck_assert_uint_eq(imgb_view_count(v), 2);
    /* Same-layer duplicates are not "removed by a later layer". */
    ck_assert_uint_eq(imgb_view_removed_count(v), 0);
    imgb_view_free(v);
}
END_TEST

START_TEST(file_replaces_directory_and_its_subtree)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "x/a", "x");
    add_file(v, 0, "x/b/c", "x");
    add_file(v, 1, "x", "now a file");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "x", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_REG);
    ck_assert(!exists(v, "x/a"));
    ck_assert(!exists(v, "x/b/c"));
    ck_assert_uint_eq(imgb_view_count(v), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(directory_replaces_file)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "x", "x");
    add_dir(v, 1, "x");
    add_file(v, 1, "x/y", "x");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "x", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_DIR);
    ck_assert(exists(v, "x/y"));
    ck_assert_uint_eq(imgb_view_removed_count(v), 1);
    imgb_view_free(v);
}
END_TEST

START_TEST(directories_merge_across_layers)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "etc/a", "x");
    imgb_entry e = { .path = "etc/", .type = IMGB_FT_DIR, .mode = 0700, .uid = 5 };
    ck_assert_int_eq(imgb_view_apply(v, 1, &e), 0);
    add_file(v, 1, "etc/b", "x");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "etc", false, &info), 0);
    ck_assert_uint_eq(info.mode, 0700);
    ck_assert_uint_eq(info.uid, 5);
    ck_assert_int_eq(info.layer, 1);
    ck_assert(exists(v, "etc/a"));
    ck_assert(exists(v, "etc/b"));
    imgb_view_free(v);
}
END_TEST

START_TEST(implicit_parents_belong_to_the_entry_layer)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 3, "usr/local/bin/tool", "x");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "/usr/local", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_DIR);
    ck_assert_uint_eq(info.mode, 0755);
    ck_assert_int_eq(info.layer, 3);
    ck_assert_uint_eq(imgb_view_count(v), 4);
    imgb_view_free(v);
}
END_TEST

START_TEST(root_entry_updates_root_metadata)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "/", false, &info), 0);
    ck_assert_int_eq(info.layer, -1);
    ck_assert_str_eq(info.path, "");
    imgb_entry e = { .path = "./", .type = IMGB_FT_DIR, .mode = 01777 };
    ck_assert_int_eq(imgb_view_apply(v, 0, &e), 0);
    ck_assert_int_eq(imgb_view_lookup(v, "/", false, &info), 0);
    ck_assert_uint_eq(info.mode, 01777);
    ck_assert_int_eq(info.layer, 0);
    ck_assert_uint_eq(imgb_view_count(v), 0);
    imgb_view_free(v);
}
END_TEST

START_TEST(escaping_entry_never_reaches_the_view)
{
    imgb_view *v = imgb_view_new(NULL);
    ck_assert_int_eq(apply(v, 2, "../../etc/cron.d/x", IMGB_FT_REG, "evil"), 0);
    ck_assert_uint_eq(imgb_view_count(v), 0);
    ck_assert_uint_eq(imgb_view_warning_count(v), 1);
    ck_assert_ptr_nonnull(strstr(imgb_view_warning_at(v, 0), "layer 2"));
    ck_assert_ptr_nonnull(strstr(imgb_view_warning_at(v, 0), "../../etc/cron.d/x"));
    imgb_view_free(v);
}
END_TEST

START_TEST(entry_below_a_file_is_skipped_with_warning)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "f", "x");
    add_file(v, 1, "f/g", "x");
    ck_assert(!exists(v, "f/g"));
    ck_assert_uint_eq(imgb_view_warning_count(v), 1);
    ck_assert_ptr_nonnull(strstr(imgb_view_warning_at(v, 0), "not a directory"));
    imgb_view_free(v);
}
END_TEST

START_TEST(entry_below_symlinked_dir_lands_in_target)
{
    imgb_view *v = imgb_view_new(NULL);
    add_dir(v, 0, "usr/lib");
    add_link(v, 0, "lib", "usr/lib");
    add_file(v, 1, "lib/libfoo.so", "x");
    ck_assert(exists(v, "usr/lib/libfoo.so"));
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "lib", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_SYMLINK);
    ck_assert_int_eq(imgb_view_lookup(v, "/lib/libfoo.so", true, &info), 0);
    ck_assert_str_eq(info.path, "usr/lib/libfoo.so");
    imgb_view_free(v);
}
END_TEST

START_TEST(layers_out_of_order_are_rejected)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 2, "a", "x");
    ck_assert_int_eq(apply(v, 1, "b", IMGB_FT_REG, "x"), IMGB_EINVAL);
    imgb_view_free(v);
}
END_TEST

/* ---- hardlinks ----------------------------------------------------------------------- */

START_TEST(hardlinks_share_metadata_and_content)
{
    imgb_view *v = view_keeping_all();
    imgb_entry e = { .path = "usr/bin/perl5.36", .type = IMGB_FT_REG, .mode = 04755,
                     .uid = 7, .gid = 8, .size = 4, .mtime = 99,
                     .content = (const unsigned char *)"perl", .content_len = 4 };
    ck_assert_int_eq(imgb_view_apply(v, 0, &e), 0);
    add_hardlink(v, 0, "usr/bin/perl", "usr/bin/perl5.36");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "usr/bin/perl", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_REG);
    ck_assert_uint_eq(info.mode, 04755);
    ck_assert_uint_eq(info.uid, 7);
    ck_assert_uint_eq(info.gid, 8);
    ck_assert_uint_eq(info.size, 4);
    ck_assert_int_eq(info.mtime, 99);
    char *s = read_str(v, "usr/bin/perl");
    ck_assert_str_eq(s, "perl");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(hardlink_keeps_content_after_target_is_replaced)
{
    imgb_view *v = view_keeping_all();
    add_file(v, 0, "etc/shadow", "old");
    add_hardlink(v, 0, "etc/shadow-", "etc/shadow");
    add_file(v, 1, "etc/shadow", "new");
    char *a = read_str(v, "etc/shadow");
    char *b = read_str(v, "etc/shadow-");
    ck_assert_str_eq(a, "new");
    ck_assert_str_eq(b, "old");
    free(a);
    free(b);
    imgb_view_free(v);
}
END_TEST

START_TEST(hardlink_to_missing_target_is_skipped_with_warning)
{
    imgb_view *v = imgb_view_new(NULL);
    add_hardlink(v, 4, "bin/x", "bin/nothing");
    ck_assert(!exists(v, "bin/x"));
    ck_assert_uint_eq(imgb_view_warning_count(v), 1);
    ck_assert_ptr_nonnull(strstr(imgb_view_warning_at(v, 0), "layer 4"));
    ck_assert_ptr_nonnull(strstr(imgb_view_warning_at(v, 0), "target not found"));
    imgb_view_free(v);
}
END_TEST

START_TEST(hardlink_replacing_its_targets_parent_is_safe)
{
    imgb_view *v = view_keeping_all();
    add_file(v, 0, "d/f", "data");
    add_hardlink(v, 1, "d", "d/f");
    char *s = read_str(v, "d");
    ck_assert_str_eq(s, "data");
    free(s);
    ck_assert(!exists(v, "d/f"));
    imgb_view_free(v);
}
END_TEST

/* ---- removed record ---------------------------------------------------------------- */

START_TEST(removed_records_whiteouts_and_overwrites_with_both_layers)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_entry e = { .path = "root/.aws/credentials", .type = IMGB_FT_REG, .size = 120 };
    ck_assert_int_eq(imgb_view_apply(v, 0, &e), 0);
    add_file(v, 0, "app/config", "12345");
    add_dir(v, 0, "app/empty");
    add_link(v, 0, "app/link", "config");
    add_whiteout(v, 2, "root/.aws/.wh.credentials");
    add_file(v, 3, "app", "file now");

    ck_assert_uint_eq(imgb_view_removed_count(v), 2);
    const imgb_removed *r = imgb_view_removed_at(v, 0);
    ck_assert_str_eq(r->path, "root/.aws/credentials");
    ck_assert_uint_eq(r->size, 120);
    ck_assert_int_eq(r->layer_added, 0);
    ck_assert_int_eq(r->layer_removed, 2);
    ck_assert(!r->overwritten);
    r = imgb_view_removed_at(v, 1);
    ck_assert_str_eq(r->path, "app/config");
    ck_assert_uint_eq(r->size, 5);
    ck_assert_int_eq(r->layer_added, 0);
    ck_assert_int_eq(r->layer_removed, 3);
    ck_assert(r->overwritten);
    ck_assert_ptr_null(imgb_view_removed_at(v, 2));
    imgb_view_free(v);
}
END_TEST

START_TEST(removed_lists_one_deletion_sorted_by_path)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "d/s/b", "x");
    add_file(v, 0, "d/a", "x");
    add_file(v, 1, "d/s/c", "x");
    add_whiteout(v, 2, ".wh.d");
    ck_assert_uint_eq(imgb_view_removed_count(v), 3);
    ck_assert_str_eq(imgb_view_removed_at(v, 0)->path, "d/a");
    ck_assert_str_eq(imgb_view_removed_at(v, 1)->path, "d/s/b");
    ck_assert_str_eq(imgb_view_removed_at(v, 2)->path, "d/s/c");
    ck_assert_int_eq(imgb_view_removed_at(v, 2)->layer_added, 1);
    ck_assert_int_eq(imgb_view_removed_at(v, 2)->layer_removed, 2);
    imgb_view_free(v);
}
END_TEST

/* ---- keep patterns and caps -------------------------------------------------------- */

/* imgb_view_unkept_targets as "path\n" lines (caller frees). */
static char *unkept_paths(const imgb_view *v)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    ck_assert_int_eq(imgb_view_unkept_targets(v, collect_path, &b), 0);
    return imgb_buf_detach(&b);
}

START_TEST(keep_patterns_match_like_fnmatch_pathname)
{
    imgb_view *v = imgb_view_new(NULL);
    ck_assert(!imgb_view_wants(v, "etc/shadow"));
    imgb_view_keep(v, "/etc/shadow");
    imgb_view_keep(v, "/etc/pam.d/*");
    imgb_view_keep(v, "/etc/ssh/**");
    imgb_view_keep(v, "etc/login.defs");
    ck_assert(imgb_view_wants(v, "etc/shadow"));
    ck_assert(imgb_view_wants(v, "/etc/shadow"));
    ck_assert(!imgb_view_wants(v, "etc/shadow-"));
    ck_assert(imgb_view_wants(v, "etc/pam.d/sshd"));
    ck_assert(!imgb_view_wants(v, "etc/pam.d/sub/x"));
    ck_assert(imgb_view_wants(v, "etc/ssh/sshd_config"));
    ck_assert(imgb_view_wants(v, "etc/ssh/sshd_config.d/10.conf"));
    ck_assert(!imgb_view_wants(v, "etc/sshx/a"));
    ck_assert(imgb_view_wants(v, "etc/login.defs"));
    ck_assert(!imgb_view_wants(v, "usr/bin/ls"));
    imgb_view_free(v);
}
END_TEST

/* The compiled matcher (fs/keep.c) against fnmatch(3) tried pattern by pattern, the
 * definition in view.h, over every pair of a table of patterns and paths. */
static bool keep_reference(const char *const *pats, size_t npats, const char *abs)
{
    for (size_t i = 0; i < npats; i++) {
        size_t n = strlen(pats[i]);
        if (n >= 3 && strcmp(pats[i] + n - 3, "/**") == 0) {
            char *base = imgb_xstrndup(pats[i], n - 3);
            for (size_t k = 1; abs[k]; k++) {
                if (abs[k] != '/')
                    continue;
                char *anc = imgb_xstrndup(abs, k);
                bool m = !base[0] || fnmatch(base, anc, FNM_PATHNAME) == 0;
                free(anc);
                if (m) {
                    free(base);
                    return true;
                }
            }
            free(base);
        } else if (fnmatch(pats[i], abs, FNM_PATHNAME) == 0) {
            return true;
        }
    }
    return false;
}

START_TEST(keep_matcher_agrees_with_fnmatch)
{
    static const char *const pats[] = {
        "/etc/shadow", "/etc/shadow", "/etc/pam.d/*", "/etc/ssh/**", "/etc/security/**",
        "/var/lib/dpkg/status.d/*", "/etc/ssh/ssh_host_*_key", "/root/.[rs]hosts",
        "/usr/lib/os-release", "/usr/share/crypto-policies/**", "/e?c/x/**", "/opt/a\\*b",
    };
    static const char *const paths[] = {
        "/etc/shadow", "/etc/shadow-", "/etc", "/etc/pam.d", "/etc/pam.d/sshd",
        "/etc/pam.d/a/b", "/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/1.conf",
        "/etc/sshx/a", "/etc/security/limits.conf", "/var/lib/dpkg/status.d/base",
        "/var/lib/dpkg/status.d/x/y", "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_rsa_key.pub",
        "/root/.rhosts", "/root/.shosts", "/root/.xhosts", "/usr/lib/os-release",
        "/usr/lib/os-release/x", "/usr/share/crypto-policies/DEFAULT/opensshserver.txt",
        "/usr/share/crypto-policies", "/etc/x/y", "/eXc/x/y/z", "/eXc/x", "/opt/a*b", "/opt/aXb",
        "/usr/bin/ls", "/e",
    };
    size_t np = sizeof pats / sizeof *pats, nq = sizeof paths / sizeof *paths;
    for (size_t upto = 0; upto <= np; upto++) {
        imgb_view *v = imgb_view_new(NULL);
        for (size_t i = 0; i < upto; i++)
            imgb_view_keep(v, pats[i]);
        for (size_t q = 0; q < nq; q++)
            ck_assert_msg(imgb_view_wants(v, paths[q]) == keep_reference(pats, upto, paths[q]),
                          "%s with the first %zu patterns", paths[q], upto);
        imgb_view_free(v);
    }
    imgb_view *v = imgb_view_new(NULL);
    imgb_view_keep(v, "/**");
    ck_assert(imgb_view_wants(v, "usr/bin/ls"));
    imgb_view_free(v);
}
END_TEST

/* A local pattern keeps the bytes of files under it, but its symlinks do not ask for their
 * targets' bytes; the same path registered by imgb_view_keep too does. */
START_TEST(local_keep_does_not_follow_symlinks)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_view_keep_local(v, "/etc/**");
    imgb_view_keep(v, "/etc/ssh/**");
    add_file(v, 0, "etc/hostname", "box\n");
    add_file(v, 0, "usr/bin/mawk", NULL);
    add_link(v, 0, "etc/alternatives/awk", "/usr/bin/mawk");
    add_file(v, 0, "usr/share/zoneinfo/Etc/UTC", NULL);
    add_link(v, 0, "etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
    add_file(v, 0, "opt/sshd_config", NULL);
    add_link(v, 0, "etc/ssh/sshd_config", "/opt/sshd_config");
    ck_assert(imgb_view_wants(v, "etc/alternatives/awk"));
    ck_assert(imgb_view_wants(v, "etc/hostname"));
    char *s = unkept_paths(v);
    ck_assert_str_eq(s, "opt/sshd_config\n");
    free(s);
    imgb_view_keep(v, "/etc/**"); /* now also a follow pattern */
    s = unkept_paths(v);
    ck_assert_str_eq(s, "opt/sshd_config\nusr/bin/mawk\nusr/share/zoneinfo/Etc/UTC\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(keep_per_file_cap_truncates_content)
{
    imgb_view_limits lim = { .keep_file_max = 4, .keep_total_max = 0 };
    imgb_view *v = imgb_view_new(&lim);
    add_file(v, 0, "big", "0123456789");
    add_file(v, 0, "small", "abc");
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "big", false, &info), 0);
    ck_assert_uint_eq(info.content_len, 4);
    ck_assert(info.content_truncated);
    ck_assert_uint_eq(info.size, 10);
    ck_assert_int_eq(memcmp(info.content, "0123", 4), 0);
    ck_assert_int_eq(imgb_view_lookup(v, "small", false, &info), 0);
    ck_assert(!info.content_truncated);
    /* a cut file is never handed out as whole; the prefix only on request, flagged */
    const unsigned char *d;
    size_t n;
    bool cut = false;
    ck_assert_int_eq(imgb_view_read(v, "big", &d, &n), IMGB_ELIMIT);
    ck_assert_str_eq(imgb_error_last(), "/big: 10 bytes, larger than the per-file content cap "
                                        "(4 bytes kept); not judged on a part");
    ck_assert_int_eq(imgb_view_read_prefix(v, "big", &d, &n, &cut), 0);
    ck_assert(cut);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(imgb_view_read_prefix(v, "small", &d, &n, &cut), 0);
    ck_assert(!cut);
    ck_assert_int_eq(imgb_view_read(v, "small", &d, &n), 0);
    imgb_view_free(v);
}
END_TEST

START_TEST(keep_total_cap_keeps_file_without_content)
{
    imgb_view_limits lim = { .keep_file_max = 0, .keep_total_max = 10 };
    imgb_view *v = imgb_view_new(&lim);
    add_file(v, 0, "a", "123456");
    ck_assert_int_eq(apply(v, 0, "b", IMGB_FT_REG, "123456"), IMGB_ELIMIT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "'/b'"));
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "b", false, &info), 0);
    ck_assert_ptr_null(info.content);
    ck_assert_uint_eq(info.size, 6);
    ck_assert_uint_eq(imgb_view_warning_count(v), 1);
    const unsigned char *d;
    size_t n;
    ck_assert_int_eq(imgb_view_read(v, "b", &d, &n), IMGB_ERROR);
    /* Freed content makes room again. */
    add_whiteout(v, 1, ".wh.a");
    add_file(v, 1, "c", "123456");
    ck_assert_int_eq(imgb_view_lookup(v, "c", false, &info), 0);
    ck_assert_ptr_nonnull(info.content);
    imgb_view_free(v);
}
END_TEST

START_TEST(unkept_targets_lists_files_wanted_through_symlinks)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_view_keep(v, "/etc/ssh/**");
    imgb_view_keep(v, "/etc/os-release");
    add_file(v, 0, "usr/lib/os-release", NULL);
    add_link(v, 0, "etc/os-release", "../usr/lib/os-release");
    add_file(v, 0, "opt/ssh/sshd_config", NULL);
    add_file(v, 0, "opt/ssh/moduli", NULL);
    add_link(v, 0, "etc/ssh", "/opt/ssh");
    add_file(v, 0, "lib/other", NULL);
    add_link(v, 0, "etc/motd", "/lib/other");
    char *s = unkept_paths(v);
    ck_assert_str_eq(s, "opt/ssh/moduli\nopt/ssh/sshd_config\nusr/lib/os-release\n");
    free(s);

    /* A second pass hands the bytes over; the file is then readable under both names. */
    const unsigned char *d;
    size_t n;
    ck_assert_int_eq(imgb_view_set_content(v, "/usr/lib/os-release",
                                           (const unsigned char *)"ID=debian\n", 10, false), 0);
    ck_assert_int_eq(imgb_view_read(v, "/etc/os-release", &d, &n), 0);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(imgb_view_set_content(v, "/etc/ssh", (const unsigned char *)"x", 1, false),
                     IMGB_ERROR);
    ck_assert_int_eq(imgb_view_set_content(v, "/nope", (const unsigned char *)"x", 1, false),
                     IMGB_ENOTFOUND);
    s = unkept_paths(v);
    ck_assert_str_eq(s, "opt/ssh/moduli\nopt/ssh/sshd_config\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(set_content_respects_the_caps)
{
    imgb_view_limits lim = { .keep_file_max = 4, .keep_total_max = 6 };
    imgb_view *v = imgb_view_new(&lim);
    add_file(v, 0, "a", NULL);
    add_file(v, 0, "b", NULL);
    ck_assert_int_eq(imgb_view_set_content(v, "a", (const unsigned char *)"123456", 6, false),
                     0);
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "a", false, &info), 0);
    ck_assert_uint_eq(info.content_len, 4);
    ck_assert(info.content_truncated);
    ck_assert_int_eq(imgb_view_set_content(v, "b", (const unsigned char *)"123", 3, false),
                     IMGB_ELIMIT);
    ck_assert_int_eq(imgb_view_lookup(v, "b", false, &info), 0);
    ck_assert_ptr_null(info.content);
    imgb_view_free(v);
}
END_TEST

START_TEST(read_of_a_directory_is_an_error)
{
    imgb_view *v = view_keeping_all();
    add_dir(v, 0, "etc");
    const unsigned char *d;
    size_t n;
    ck_assert_int_eq(imgb_view_read(v, "/etc", &d, &n), IMGB_ERROR);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "not a regular file"));
    ck_assert_int_eq(imgb_view_read(v, "/nope", &d, &n), IMGB_ENOTFOUND);
    imgb_view_free(v);
}
END_TEST

START_TEST(empty_kept_file_reads_as_empty)
{
    imgb_view *v = view_keeping_all();
    add_file(v, 0, "etc/securetty", "");
    const unsigned char *d = NULL;
    size_t n = 99;
    ck_assert_int_eq(imgb_view_read(v, "/etc/securetty", &d, &n), 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 0);
    imgb_view_free(v);
}
END_TEST

/* ---- symlinks ---------------------------------------------------------------------- */

static imgb_view *symlink_fixture(void)
{
    imgb_view *v = view_keeping_all();
    add_file(v, 0, "etc/real", "real");
    add_file(v, 0, "usr/share/zoneinfo/UTC", "utc");
    add_link(v, 0, "etc/rel", "real");
    add_link(v, 0, "etc/abs", "/etc/real");
    add_link(v, 0, "etc/localtime", "../usr/share/zoneinfo/UTC");
    add_link(v, 0, "etc/escape", "../../../../etc/real");
    add_link(v, 0, "etc/hostescape", "/../../etc/real");
    add_link(v, 0, "etc/chain1", "chain2");
    add_link(v, 0, "etc/chain2", "/etc/chain3");
    add_link(v, 0, "etc/chain3", "real");
    add_link(v, 0, "etc/loop1", "loop2");
    add_link(v, 0, "etc/loop2", "loop1");
    add_link(v, 0, "etc/self", "self");
    add_link(v, 0, "etc/dangling", "/nowhere");
    add_dir(v, 0, "opt/ssh");
    add_file(v, 0, "opt/ssh/sshd_config", "Port 22");
    add_link(v, 0, "etc/ssh", "/opt/ssh");
    add_link(v, 0, "cfg", "etc/ssh");
    return v;
}

static void assert_resolves(const imgb_view *v, const char *path, const char *real)
{
    imgb_node_info info;
    int rc = imgb_view_lookup(v, path, true, &info);
    ck_assert_msg(rc == 0, "%s: %s", path, imgb_error_last());
    ck_assert_str_eq(info.path, real);
}

START_TEST(symlink_relative_target_resolves_from_its_directory)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "/etc/rel", "etc/real");
    assert_resolves(v, "/etc/localtime", "usr/share/zoneinfo/UTC");
    imgb_view_free(v);
}
END_TEST

START_TEST(symlink_absolute_target_is_relative_to_image_root)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "etc/abs", "etc/real");
    imgb_view_free(v);
}
END_TEST

START_TEST(symlink_escaping_with_dotdot_stays_inside_root)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "/etc/escape", "etc/real");
    assert_resolves(v, "/etc/hostescape", "etc/real");
    assert_resolves(v, "/../../../etc/real", "etc/real");
    imgb_view_free(v);
}
END_TEST

START_TEST(symlink_chains_resolve)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "/etc/chain1", "etc/real");
    char *s = read_str(v, "/etc/chain1");
    ck_assert_str_eq(s, "real");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(symlink_loop_is_eloop_naming_the_path)
{
    imgb_view *v = symlink_fixture();
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/loop1", true, &info), IMGB_ELOOP);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "/etc/loop1"));
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/self", true, &info), IMGB_ELOOP);
    const unsigned char *d;
    size_t n;
    ck_assert_int_eq(imgb_view_read(v, "/etc/loop2", &d, &n), IMGB_ELOOP);
    /* Not following the last component is no loop. */
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/loop1", false, &info), 0);
    ck_assert_int_eq(info.type, IMGB_FT_SYMLINK);
    ck_assert_str_eq(info.link_target, "loop2");
    imgb_view_free(v);
}
END_TEST

START_TEST(symlink_chain_of_forty_hops_resolves_and_forty_one_loops)
{
    imgb_view *v = imgb_view_new(NULL);
    char name[32], target[32];
    add_file(v, 0, "end", "x");
    for (int i = 0; i < IMGB_MAX_SYMLINK_HOPS + 1; i++) {
        snprintf(name, sizeof name, "l%d", i);
        if (i == 0)
            snprintf(target, sizeof target, "end");
        else
            snprintf(target, sizeof target, "l%d", i - 1);
        add_link(v, 0, name, target);
    }
    imgb_node_info info;
    snprintf(name, sizeof name, "l%d", IMGB_MAX_SYMLINK_HOPS - 1);
    ck_assert_int_eq(imgb_view_lookup(v, name, true, &info), 0);
    snprintf(name, sizeof name, "l%d", IMGB_MAX_SYMLINK_HOPS);
    ck_assert_int_eq(imgb_view_lookup(v, name, true, &info), IMGB_ELOOP);
    imgb_view_free(v);
}
END_TEST

START_TEST(symlinked_intermediate_directories_resolve)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "/etc/ssh/sshd_config", "opt/ssh/sshd_config");
    assert_resolves(v, "/cfg/sshd_config", "opt/ssh/sshd_config");
    /* lstat semantics: intermediate links followed, the last one not. */
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "/cfg/sshd_config", false, &info), 0);
    ck_assert_str_eq(info.path, "opt/ssh/sshd_config");
    char *s = read_str(v, "/cfg/sshd_config");
    ck_assert_str_eq(s, "Port 22");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(lookup_ignores_dot_and_trailing_slash_and_climbs_real_parents)
{
    imgb_view *v = symlink_fixture();
    assert_resolves(v, "/etc/real/.", "etc/real");
    assert_resolves(v, "etc//./real/", "etc/real");
    /* ".." after a symlinked directory climbs from where the link led (/opt/ssh). */
    assert_resolves(v, "/etc/ssh/../ssh/sshd_config", "opt/ssh/sshd_config");
    assert_resolves(v, "/etc/ssh/..", "opt");
    imgb_view_free(v);
}
END_TEST

START_TEST(dangling_symlink_is_not_found)
{
    imgb_view *v = symlink_fixture();
    imgb_node_info info;
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/dangling", true, &info), IMGB_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "/etc/dangling"));
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/real/x", true, &info), IMGB_ENOTFOUND);
    imgb_view_free(v);
}
END_TEST

/* ---- glob and walk ----------------------------------------------------------------- */

static imgb_view *tree_fixture(void)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "etc/ssh/sshd_config.d/b.conf", "x");
    add_file(v, 0, "etc/ssh/sshd_config.d/a.conf", "x");
    add_file(v, 0, "etc/ssh/sshd_config.d/a-b.conf", "x");
    add_file(v, 0, "etc/ssh/sshd_config.d/.hidden.conf", "x");
    add_file(v, 0, "etc/ssh/sshd_config.d/sub/c.conf", "x");
    add_file(v, 0, "etc/ssh/sshd_config.d/notes.txt", "x");
    add_file(v, 0, "etc/ssh/sshd_config", "x");
    add_file(v, 0, "etc/a/b", "x");
    add_file(v, 0, "etc/a-b", "x");
    return v;
}

START_TEST(glob_is_byte_sorted_and_star_does_not_cross_slash)
{
    imgb_view *v = tree_fixture();
    char *s = glob_str(v, "/etc/ssh/sshd_config.d/*.conf");
    ck_assert_str_eq(s, "etc/ssh/sshd_config.d/.hidden.conf\n"
                        "etc/ssh/sshd_config.d/a-b.conf\n"
                        "etc/ssh/sshd_config.d/a.conf\n"
                        "etc/ssh/sshd_config.d/b.conf\n");
    free(s);
    s = glob_str(v, "/etc/*/b");
    ck_assert_str_eq(s, "etc/a/b\n");
    free(s);
    s = glob_str(v, "/etc/ssh/*/*.conf");
    ck_assert_str_eq(s, "etc/ssh/sshd_config.d/.hidden.conf\n"
                        "etc/ssh/sshd_config.d/a-b.conf\n"
                        "etc/ssh/sshd_config.d/a.conf\n"
                        "etc/ssh/sshd_config.d/b.conf\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(glob_without_wildcards_names_one_path)
{
    imgb_view *v = tree_fixture();
    char *s = glob_str(v, "/etc/ssh/sshd_config");
    ck_assert_str_eq(s, "etc/ssh/sshd_config\n");
    free(s);
    s = glob_str(v, "/etc/ssh/missing");
    ck_assert_str_eq(s, "");
    free(s);
    s = glob_str(v, "/nodir/*.conf");
    ck_assert_str_eq(s, "");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(glob_follows_symlinked_literal_directory)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "opt/ssh/conf.d/10.conf", "x");
    add_file(v, 0, "opt/ssh/conf.d/20.conf", "x");
    add_link(v, 0, "etc/ssh", "/opt/ssh");
    char *s = glob_str(v, "/etc/ssh/conf.d/*.conf");
    ck_assert_str_eq(s, "opt/ssh/conf.d/10.conf\nopt/ssh/conf.d/20.conf\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

START_TEST(glob_double_star_matches_subtree)
{
    imgb_view *v = tree_fixture();
    char *s = glob_str(v, "/etc/ssh/sshd_config.d/**");
    ck_assert_str_eq(s, "etc/ssh/sshd_config.d/.hidden.conf\n"
                        "etc/ssh/sshd_config.d/a-b.conf\n"
                        "etc/ssh/sshd_config.d/a.conf\n"
                        "etc/ssh/sshd_config.d/b.conf\n"
                        "etc/ssh/sshd_config.d/notes.txt\n"
                        "etc/ssh/sshd_config.d/sub\n"
                        "etc/ssh/sshd_config.d/sub/c.conf\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

static int stop_at_second(const imgb_node_info *info, void *payload)
{
    int *calls = payload;
    (void)info;
    return ++*calls == 2 ? 42 : 0;
}

START_TEST(glob_and_walk_stop_when_callback_returns_nonzero)
{
    imgb_view *v = tree_fixture();
    int calls = 0;
    ck_assert_int_eq(imgb_view_glob(v, "/etc/ssh/sshd_config.d/*", stop_at_second, &calls), 42);
    ck_assert_int_eq(calls, 2);
    calls = 0;
    ck_assert_int_eq(imgb_view_walk(v, stop_at_second, &calls), 42);
    ck_assert_int_eq(calls, 2);
    imgb_view_free(v);
}
END_TEST

START_TEST(walk_is_preorder_with_sorted_children)
{
    imgb_view *v = imgb_view_new(NULL);
    add_file(v, 0, "etc/a-b", "x");
    add_file(v, 0, "etc/a/b", "x");
    add_file(v, 0, "bin/sh", "x");
    add_file(v, 0, "Z", "x");
    char *s = walk_str(v);
    ck_assert_str_eq(s, "Z\nbin\nbin/sh\netc\netc/a\netc/a/b\netc/a-b\n");
    free(s);
    imgb_view_free(v);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------- */

typedef struct reader_job {
    const imgb_view *view;
    char *walk;      /* walk output of this thread */
    int failures;
} reader_job;

static void *reader_thread(void *arg)
{
    reader_job *j = arg;
    imgb_node_info info;
    for (int i = 0; i < 200; i++) {
        if (imgb_view_lookup(j->view, "/cfg/sshd_config", true, &info) != 0 ||
            strcmp(info.path, "opt/ssh/sshd_config") != 0)
            j->failures++;
        if (imgb_view_lookup(j->view, "/etc/loop1", true, &info) != IMGB_ELOOP)
            j->failures++;
        if (!imgb_view_wants(j->view, "etc/ssh/x"))
            j->failures++;
    }
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    for (int i = 0; i < 20; i++) {
        imgb_buf_clear(&b);
        if (imgb_view_walk(j->view, collect_path, &b) != 0 ||
            imgb_view_glob(j->view, "/etc/*", collect_path, &b) != 0)
            j->failures++;
    }
    j->walk = imgb_buf_detach(&b);
    return NULL;
}

START_TEST(const_functions_are_safe_from_many_threads)
{
    imgb_view *v = symlink_fixture();
    imgb_view_keep(v, "/etc/ssh/**");
    reader_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (reader_job){ v, NULL, 0 };
        ck_assert_int_eq(pthread_create(&th[i], NULL, reader_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(jobs[i].failures, 0);
        ck_assert_str_eq(jobs[i].walk, jobs[0].walk);
    }
    for (int i = 0; i < 4; i++)
        free(jobs[i].walk);
    imgb_view_free(v);
}
END_TEST

/* ---- scale ------------------------------------------------------------------------- */

/*
 * 300k entries over 3 layers: layer 0 writes 1000 dirs x 100 files, layer 1 whites out 100
 * of those dirs and adds 100k files, layer 2 makes 100 of layer 1's dirs opaque and adds 100k
 * more.  The result is counted exactly; memory per node is bounded (not time).
 */
START_TEST(scale_300k_entries_over_three_layers)
{
    imgb_view *v = imgb_view_new(NULL);
    char p[64];
    for (int d = 0; d < 1000; d++) {
        for (int f = 0; f < 100; f++) {
            snprintf(p, sizeof p, "usr/share/d%04d/file%03d", d, f);
            add_file(v, 0, p, NULL);
        }
    }
    for (int d = 0; d < 100; d++) {
        snprintf(p, sizeof p, "usr/share/.wh.d%04d", d * 10);
        add_whiteout(v, 1, p);
    }
    for (int d = 0; d < 1000; d++) {
        for (int f = 0; f < 100; f++) {
            snprintf(p, sizeof p, "opt/e%04d/file%03d", d, f);
            add_file(v, 1, p, NULL);
        }
    }
    for (int d = 0; d < 100; d++) {
        snprintf(p, sizeof p, "opt/e%04d/.wh..wh..opq", d);
        add_whiteout(v, 2, p);
    }
    for (int d = 0; d < 1000; d++) {
        for (int f = 0; f < 100; f++) {
            snprintf(p, sizeof p, "srv/f%04d/file%03d", d, f);
            add_file(v, 2, p, NULL);
        }
    }
    /* usr, usr/share, 900 dirs + 90k files; opt, 1000 dirs, 90k files; srv, 1000 + 100k. */
    size_t want = 2 + 900 + 90000 + 1 + 1000 + 90000 + 1 + 1000 + 100000;
    ck_assert_uint_eq(imgb_view_count(v), want);
    ck_assert_uint_eq(imgb_view_whiteouts(v), 200);
    ck_assert_uint_eq(imgb_view_removed_count(v), 20000);
    ck_assert(!exists(v, "usr/share/d0010/file000"));
    ck_assert(exists(v, "usr/share/d0011/file099"));
    ck_assert(!exists(v, "opt/e0099/file000"));
    ck_assert(exists(v, "opt/e0100/file000"));
    size_t per_node = imgb_view_memory(v) / imgb_view_count(v);
    ck_assert_msg(per_node < 200, "%zu bytes per node", per_node);

    int calls = 0;
    ck_assert_int_eq(imgb_view_glob(v, "/srv/f0500/*", stop_at_second, &calls), 42);
    imgb_view_free(v);
}
END_TEST

static Suite *fs_suite(void)
{
    Suite *s = suite_create("fs");
    TCase *tc = tcase_create("path");
    tcase_add_loop_test(tc, path_normalize_table, 0, sizeof norm_cases / sizeof norm_cases[0]);
    tcase_add_test(tc, path_normalize_rejects_overlong);
    suite_add_tcase(s, tc);

    tc = tcase_create("whiteout");
    tcase_add_test(tc, whiteout_removes_lower_file);
    tcase_add_test(tc, whiteout_removes_directory_subtree);
    tcase_add_test(tc, whiteout_does_not_remove_same_layer_entries);
    tcase_add_test(tc, whiteout_then_same_layer_dir_replaces_lower_dir);
    tcase_add_test(tc, whiteout_of_missing_path_counts_and_changes_nothing);
    tcase_add_test(tc, aufs_metadata_is_ignored);
    tcase_add_test(tc, entry_below_a_whiteout_name_is_skipped);
    tcase_add_test(tc, opaque_dir_hides_lower_children_recursively);
    tcase_add_test(tc, opaque_dir_keeps_same_layer_children_before_and_after_marker);
    tcase_add_test(tc, opaque_marker_at_root_hides_lower_layers);
    suite_add_tcase(s, tc);

    tc = tcase_create("apply");
    tcase_add_test(tc, duplicate_entries_last_wins);
    tcase_add_test(tc, file_replaces_directory_and_its_subtree);
    tcase_add_test(tc, directory_replaces_file);
    tcase_add_test(tc, directories_merge_across_layers);
    tcase_add_test(tc, implicit_parents_belong_to_the_entry_layer);
    tcase_add_test(tc, root_entry_updates_root_metadata);
    tcase_add_test(tc, escaping_entry_never_reaches_the_view);
    tcase_add_test(tc, entry_below_a_file_is_skipped_with_warning);
    tcase_add_test(tc, entry_below_symlinked_dir_lands_in_target);
    tcase_add_test(tc, layers_out_of_order_are_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("hardlink");
    tcase_add_test(tc, hardlinks_share_metadata_and_content);
    tcase_add_test(tc, hardlink_keeps_content_after_target_is_replaced);
    tcase_add_test(tc, hardlink_to_missing_target_is_skipped_with_warning);
    tcase_add_test(tc, hardlink_replacing_its_targets_parent_is_safe);
    suite_add_tcase(s, tc);

    tc = tcase_create("removed");
    tcase_add_test(tc, removed_records_whiteouts_and_overwrites_with_both_layers);
    tcase_add_test(tc, removed_lists_one_deletion_sorted_by_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("keep");
    tcase_add_test(tc, keep_patterns_match_like_fnmatch_pathname);
    tcase_add_test(tc, keep_matcher_agrees_with_fnmatch);
    tcase_add_test(tc, local_keep_does_not_follow_symlinks);
    tcase_add_test(tc, keep_per_file_cap_truncates_content);
    tcase_add_test(tc, keep_total_cap_keeps_file_without_content);
    tcase_add_test(tc, unkept_targets_lists_files_wanted_through_symlinks);
    tcase_add_test(tc, set_content_respects_the_caps);
    tcase_add_test(tc, read_of_a_directory_is_an_error);
    tcase_add_test(tc, empty_kept_file_reads_as_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("symlink");
    tcase_add_test(tc, symlink_relative_target_resolves_from_its_directory);
    tcase_add_test(tc, symlink_absolute_target_is_relative_to_image_root);
    tcase_add_test(tc, symlink_escaping_with_dotdot_stays_inside_root);
    tcase_add_test(tc, symlink_chains_resolve);
    tcase_add_test(tc, symlink_loop_is_eloop_naming_the_path);
    tcase_add_test(tc, symlink_chain_of_forty_hops_resolves_and_forty_one_loops);
    tcase_add_test(tc, symlinked_intermediate_directories_resolve);
    tcase_add_test(tc, lookup_ignores_dot_and_trailing_slash_and_climbs_real_parents);
    tcase_add_test(tc, dangling_symlink_is_not_found);
    suite_add_tcase(s, tc);

    tc = tcase_create("glob_walk");
    tcase_add_test(tc, glob_is_byte_sorted_and_star_does_not_cross_slash);
    tcase_add_test(tc, glob_without_wildcards_names_one_path);
    tcase_add_test(tc, glob_follows_symlinked_literal_directory);
    tcase_add_test(tc, glob_double_star_matches_subtree);
    tcase_add_test(tc, glob_and_walk_stop_when_callback_returns_nonzero);
    tcase_add_test(tc, walk_is_preorder_with_sorted_children);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, const_functions_are_safe_from_many_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("scale");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, scale_300k_entries_over_three_layers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
