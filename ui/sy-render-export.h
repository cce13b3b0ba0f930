/* sy-render-export.h: draw any renderer into an SVG, PNG or PDF file
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_EXPORT_SVG,
  SY_EXPORT_PNG,
  SY_EXPORT_PDF,
} SyExportFormat;

/* A renderer: draws into @cr a picture of @width x @height user units. */
typedef void (*SyDrawFunc) (cairo_t  *cr,
                            double    width,
                            double    height,
                            gpointer  user_data);

/* Picks the format from the file name's extension (.svg, .png, .pdf). */
gboolean sy_export_format_from_path (const char      *path,
                                     SyExportFormat  *format,
                                     GError         **error);

/* Draws through @draw into @path.  PNG is rendered at @scale (2 = HiDPI). */
gboolean sy_render_to_file          (const char      *path,
                                     double           width,
                                     double           height,
                                     double           scale,
                                     SyDrawFunc       draw,
                                     gpointer         user_data,
                                     GError         **error);

G_END_DECLS
