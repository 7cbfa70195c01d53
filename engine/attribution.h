/*
 * Where each finding came from: the layer and history entry that wrote (or removed) the file
 * behind a piece of evidence, whether that layer belongs to the base image or to the image's
 * own layers, and the Dockerfile line that fixes it.
 *
 * One place for every kind: a kind names the file (and line) its evidence comes from, and
 * the scan asks the merged view which layer wrote that path (imgb_attribute_item) after the
 * kind has evaluated.  Compiled-in defaults (no line set the value) are attributed to the
 * layer that installed the program (the sshd binary) or else the package database.
 *
 * The base boundary (imgb_base_resolve): --base-layers N, --base-image FILE (its diff_ids
 * must be a prefix of the image's), or the org.opencontainers.image.base.{name,digest}
 * label/annotation resolved to an image in the same archive; otherwise unknown, and every
 * finding's origin is "unknown" (never a guess).
 *
 * Tests: tests/test_attribution.c (base and child images built with umoci).
 */
#ifndef IMGB_ATTRIBUTION_H
#define IMGB_ATTRIBUTION_H

#include "scan.h"

/** Find the base boundary of `res->image` from `opts`, the image's labels and annotations.
 *  Fills res->base.  <0 only for a boundary that was asked for and is wrong (a --base-image
 *  that is not a prefix, --base-layers past the last layer): the gate must not run on it. */
int imgb_base_resolve(imgb_scan_result *res, const imgb_scan_config *opts);
void imgb_base_dispose(imgb_base_info *b);

/** Fill layer, layer digest, history entry, masked created_by, origin and fix of every
 *  stored evidence of `r` (before imgb_item_result_finish). */
void imgb_attribute_item(const imgb_scan_result *res, const imgb_scan_ctx *ctx,
                         imgb_item_result *r);

/** The origin of an item (see imgb_item_result_origin in <imgbaseline/result.h>). */
imgb_origin imgb_item_origin(const imgb_item_result *r);

#endif
