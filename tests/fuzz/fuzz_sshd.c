/*
 * Fuzz target for the sshd_config model (engine/facts/sshd.c).  Input:
 *
 *   <version>\n             OpenSSH version to model ("9.2p1", "7.4p1", ...; empty: unknown)
 *   <sshd_config bytes>     /etc/ssh/sshd_config, up to the first "@@ " line
 *   @@ <path>\n<bytes>      more files (drop-ins, Include targets); "@@ <path> -> <t>" makes a
 *                           symlink, "@@ <path>/" a directory
 *
 * The files become one layer of a merged view (keeps registered as the scan does), the model
 * parses it, and every effective value and problem is read back.  Invariants: accepted iff
 * no problem; every problem has a message; every keyword lookup of the common set succeeds
 * with a normalised value or none; override records are complete.  Corpus:
 * tests/fuzz/corpus/sshd/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/sshd.h"
#include "fs/view.h"
#include "fuzz.h"
#include "util/mem.h"

#define FUZZ_SSHD_MAX_INPUT (64u << 10)
#define FUZZ_SSHD_MAX_FILES 64

static const char *const fuzz_keywords[] = {
    "PermitRootLogin", "PermitEmptyPasswords", "MaxAuthTries", "MaxSessions", "MaxStartups",
    "LoginGraceTime", "ClientAliveInterval", "ClientAliveCountMax", "LogLevel", "X11Forwarding",
    "IgnoreRhosts", "HostbasedAuthentication", "PermitUserEnvironment", "UsePAM",
    "AllowTcpForwarding", "Banner", "Ciphers", "MACs", "KexAlgorithms", "AllowUsers",
    "DenyGroups", "GSSAPIAuthentication", "StrictModes", "IgnoreUserKnownHosts", "Protocol",
    "RekeyLimit", "AcceptEnv", "HostKey", "Compression", "SyslogFacility",
    "ChallengeResponseAuthentication", "KbdInteractiveAuthentication", "UsePrivilegeSeparation",
};

static void add_entry(imgb_view *v, const char *path, const char *content, size_t len,
                      const char *link, bool dir)
{
    char *norm = imgb_path_normalize(path);
    if (!norm)
        return;
    imgb_entry e = { 0 };
    e.path = norm;
    e.mode = 0644;
    if (link) {
        e.type = IMGB_FT_SYMLINK;
        e.link_target = link;
    } else if (dir) {
        e.type = IMGB_FT_DIR;
        e.mode = 0755;
    } else {
        e.type = IMGB_FT_REG;
        e.size = len;
        if (imgb_view_wants(v, norm)) {
            e.content = (const unsigned char *)content;
            e.content_len = len;
        }
    }
    (void)imgb_view_apply(v, 0, &e);
    free(norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_SSHD_MAX_INPUT)
        return 0;
    char *buf = imgb_xstrndup((const char *)data, size);
    size = strlen(buf); /* stop at an embedded NUL */
    char *nl = strchr(buf, '\n');
    char *version = buf;
    char *rest = nl ? nl + 1 : buf + size;
    if (nl)
        *nl = '\0';
    else
        version = (char *)"";
    imgb_view *v = imgb_view_new(NULL);
    imgb_sshd_register_keeps(v);
    add_entry(v, "etc", NULL, 0, NULL, true);
    add_entry(v, "etc/ssh", NULL, 0, NULL, true);
    /* split on "@@ " lines */
    char *path = (char *)"etc/ssh/sshd_config";
    char *start = rest;
    int nfiles = 0;
    for (;;) {
        char *sep = strstr(start, "\n@@ ");
        if (start == rest && strncmp(start, "@@ ", 3) == 0)
            sep = start - 1;
        size_t len = sep ? (size_t)(sep + 1 - start) : strlen(start);
        if (nfiles < FUZZ_SSHD_MAX_FILES) {
            size_t pl = strlen(path);
            if (pl && path[pl - 1] == '/') {
                add_entry(v, path, NULL, 0, NULL, true);
            } else {
                char *arrow = strstr(path, " -> ");
                if (arrow) {
                    *arrow = '\0';
                    add_entry(v, path, NULL, 0, arrow + 4, false);
                } else if (sep != start - 1) {
                    add_entry(v, path, start, len, NULL, false);
                }
            }
            nfiles++;
        }
        if (!sep)
            break;
        char *hdr = sep + 4;
        char *eol = strchr(hdr, '\n');
        if (eol)
            *eol = '\0';
        path = hdr;
        start = eol ? eol + 1 : hdr + strlen(hdr);
    }
    imgb_sshd_config *cfg = NULL;
    int rc = imgb_sshd_parse(v, version[0] ? version : NULL, NULL, NULL, &cfg);
    if (rc == 0) {
        FUZZ_CHECK(cfg != NULL);
        size_t np = imgb_sshd_problem_count(cfg);
        FUZZ_CHECK(imgb_sshd_accepted(cfg) == (np == 0));
        for (size_t i = 0; i < np; i++) {
            const imgb_sshd_problem *p = imgb_sshd_problem_at(cfg, i);
            FUZZ_CHECK(p && p->message && p->message[0] && p->file);
        }
        FUZZ_CHECK(imgb_sshd_file_count(cfg) >= 1);
        for (size_t i = 0; i < sizeof(fuzz_keywords) / sizeof(fuzz_keywords[0]); i++) {
            imgb_sshd_value val;
            if (imgb_sshd_get(cfg, fuzz_keywords[i], &val) < 0)
                continue; /* keyword newer than the modelled version */
            FUZZ_CHECK(val.keyword && val.source);
            FUZZ_CHECK(val.is_default == (val.file == NULL));
            for (size_t j = 0; j < val.noverrides; j++)
                FUZZ_CHECK(val.overrides[j].file && val.overrides[j].criteria &&
                           val.overrides[j].value && val.overrides[j].line > 0);
        }
        imgb_sshd_config_free(cfg);
    } else {
        FUZZ_CHECK(cfg == NULL);
    }
    imgb_view_free(v);
    free(buf);
    return 0;
}
