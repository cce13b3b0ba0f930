/* sy-inspector-view.h: the token inspector widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws with sy_inspector_render() for the selected token and layer.
 */
#pragma once

#include "sy-inspector-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_INSPECTOR_VIEW (sy_inspector_view_get_type ())

G_DECLARE_FINAL_TYPE (SyInspectorView, sy_inspector_view, SY, INSPECTOR_VIEW, SyTraceView)

GtkWidget  *sy_inspector_view_new           (void);

G_END_DECLS
