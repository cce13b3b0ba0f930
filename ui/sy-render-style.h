/* sy-render-style.h: colours and fonts the renderers draw with
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain struct, copied freely.  The widgets fill it from the GNOME style
 * (dark or light, with the widget's font); export and the CLI use the
 * light preset unless asked otherwise, so that figures print well.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-colormap.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean dark;
  SyColor  foreground;   /* text, axes */
  SyColor  muted;        /* secondary text, tick labels */
  SyColor  background;
  SyColor  surface;      /* panels, bar-chart backgrounds */
  SyColor  grid;         /* grid and separator lines */
  SyColor  accent;       /* selection outline, threshold lines */
  SyColor  missing;      /* cells with no value (NaN), hatched */
  SyColor  bar;          /* neutral bars */
  char     font_family[64];
  double   font_size;    /* base size of labels, in user units (px at scale 1) */
  double   scale;        /* multiplies sizes, line widths and paddings */
} SyRenderStyle;

/* Where a renderer draws: the cairo context (NULL where only the layout
 * is wanted), the style (NULL: the light preset) and the size of the
 * picture in user units, from (0, 0). */
typedef struct
{
  cairo_t             *cr;
  const SyRenderStyle *style;
  double               width;
  double               height;
} SyRenderTarget;

void                  sy_render_style_init_light (SyRenderStyle *style);
void                  sy_render_style_init_dark  (SyRenderStyle *style);
/* Light or dark preset by name ("light", "dark"); FALSE if unknown. */
gboolean              sy_render_style_init_named (SyRenderStyle *style,
                                                  const char    *name);
/* Static presets. */
const SyRenderStyle  *sy_render_style_light      (void);
const SyRenderStyle  *sy_render_style_dark       (void);

G_END_DECLS
