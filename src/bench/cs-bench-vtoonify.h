/* cs-bench-vtoonify.h: celshade-bench --vtoonify */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

/* Times a VToonify-D style folder's parser and generator for an output of
 * out_w x out_h, and with peers the same in PyTorch on the CPU; prints the
 * figures and ratios. Returns the exit status. */
int cs_bench_vtoonify (CsDevice   *device,
                       const char *dir,
                       int         out_w,
                       int         out_h,
                       CsPrecision precision,
                       int         runs,
                       gboolean    peers,
                       int         threads);

G_END_DECLS
