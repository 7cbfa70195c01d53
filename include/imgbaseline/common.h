/*
 * imgbaseline — declarations shared by every public header: the export macro and the C++
 * guards.  Everything the library does not mark IMGB_API is hidden (-fvisibility=hidden), so
 * the headers in this directory are the whole contract.
 */
#ifndef IMGBASELINE_COMMON_H
#define IMGBASELINE_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#define IMGB_API __attribute__((visibility("default")))
#else
#define IMGB_API
#endif

#ifdef __cplusplus
#define IMGB_BEGIN_DECLS extern "C" {
#define IMGB_END_DECLS }
#else
#define IMGB_BEGIN_DECLS
#define IMGB_END_DECLS
#endif

#endif
