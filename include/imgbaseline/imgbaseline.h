/*
 * imgbaseline — container-image security baseline scanner, as a library.
 *
 * Data flows one way: image archive -> layers -> merged filesystem view -> facts -> rule
 * verdicts -> per-baseline aggregates -> renderers.  This header includes the whole public
 * API, one header per concern:
 *   errors.h   codes, the per-thread last error, imgb_free(), imgb_version()
 *   ruleset.h  loading rules and the dictionary, listing baselines and items
 *   scan.h     scanning a path or a file descriptor, progress and cancel callbacks
 *   result.h   image identity, OS, baselines, items, evidence, counts
 *   report.h   output formats, API request parameters, ignore files, the gate's count
 * Ownership: an object returned through `**out` belongs to the caller and is released with
 * the matching _free() (NULL-safe); every other returned pointer is borrowed from its parent.
 * Link with `pkg-config --cflags --libs imgbaseline`.
 */
#ifndef IMGBASELINE_IMGBASELINE_H
#define IMGBASELINE_IMGBASELINE_H

#include "common.h"
#include "errors.h"
#include "report.h"
#include "result.h"
#include "ruleset.h"
#include "scan.h"

#endif
