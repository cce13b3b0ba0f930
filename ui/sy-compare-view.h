/* sy-compare-view.h: the diff view widget (compare mode)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws a SyCompare with sy_compare_render(): the same picture as the
 * export.  Its trace (SyTraceView) is A's, so selection, keys, tooltips
 * and export work as in every view; Ctrl+scroll zooms the token axis.
 */
#pragma once

#include "sy-compare-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_COMPARE_VIEW (sy_compare_view_get_type ())

G_DECLARE_FINAL_TYPE (SyCompareView, sy_compare_view, SY, COMPARE_VIEW, SyTraceView)

GtkWidget       *sy_compare_view_new          (void);
/* Takes @cmp (NULL clears the view). */
void             sy_compare_view_set_compare  (SyCompareView *self,
                                               SyCompare     *cmp);
const SyCompare *sy_compare_view_get_compare  (SyCompareView *self);

G_END_DECLS
