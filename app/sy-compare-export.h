/* sy-compare-export.h: a comparison drawn to a file, for `compare --out`
 * and the Compare pane's export
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-compare-render.h"
#include "sy-heatmap-render.h"

G_BEGIN_DECLS

/* What the picture shows: the diff view (@diff's options) or A's and B's
 * heatmaps side by side (@heatmap's). */
typedef struct
{
  const SyCompare     *cmp;
  gboolean             side;
  SyCompareOptions     diff;
  SyHeatmapOptions     heatmap;
  const SyRenderStyle *style;
} SyCompareExport;

/* Draws @job to @path (SVG, PNG or PDF by its extension) at @width ×
 * @height, PNG pixels at @scale per unit; FALSE with @error. */
gboolean sy_compare_export (const SyCompareExport  *job,
                            const char             *path,
                            double                  width,
                            double                  height,
                            double                  scale,
                            GError                **error);

G_END_DECLS
