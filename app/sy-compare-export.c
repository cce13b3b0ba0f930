/* sy-compare-export.c: a comparison drawn to a file, for `compare --out`
 * and the Compare pane's export
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sy-compare-export.h"
#include "sy-render-export.h"

static void
draw (cairo_t  *cr,
      double    width,
      double    height,
      gpointer  user_data)
{
  const SyCompareExport *job = user_data;
  SyRenderTarget target = { cr, job->style, width, height };

  if (job->side)
    sy_compare_side_render (&target, job->cmp, &job->heatmap);
  else
    sy_compare_render (&target, job->cmp, &job->diff);
}

gboolean
sy_compare_export (const SyCompareExport  *job,
                   const char             *path,
                   double                  width,
                   double                  height,
                   double                  scale,
                   GError                **error)
{
  return sy_render_to_file (path, width, height, scale, draw, (gpointer) job, error);
}
