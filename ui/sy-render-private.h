/* sy-render-private.h: drawing helpers shared by the renderers
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "sy-render-style.h"
#include "sy-trace.h"

G_BEGIN_DECLS

#define SY_MAX_TICKS 16

typedef struct
{
  double x, y, w, h;
} SyRect;

typedef struct
{
  double x, y;
} SyPoint;

/* A range of values [lo, hi], integers only where @integer: what an
 * axis or a colour bar shows. */
typedef struct
{
  double   lo;
  double   hi;
  gboolean integer;
} SyScale;

/* The token columns of a grid that get a label: @first to @last (the
 * visible ones), token t centred on @origin_x + (t + 0.5) @cell_w, every
 * @stride-th and always @selected. */
typedef struct
{
  int    first;
  int    last;
  double origin_x;
  double cell_w;
  int    stride;
  int    selected;
} SyTokenColumns;

/* A label: text drawn with the style's font at @size times its base size,
 * anchored at (x, y) by (xalign, yalign) (0 = left/top, 1 = right/bottom)
 * in a frame rotated by @angle (radians, counter-clockwise negative as in
 * cairo), ellipsized past @max_width when > 0.  All text goes through
 * pango_cairo_create_layout() on the target cairo_t. */
typedef struct
{
  double         size;
  gboolean       bold;
  double         xalign;
  double         yalign;
  double         angle;
  double         max_width;
  const SyColor *color;
} SyTextOpts;

#define SY_TEXT_OPTS_INIT { 1.0, FALSE, 0, 0, 0, 0, NULL }

double       _sy_px            (const SyRenderStyle *style,
                                double               v);
void         _sy_set_color     (cairo_t             *cr,
                                const SyColor       *color);
/* How every renderer starts: @target with the light style where it has
 * none, its background painted. */
SyRenderTarget _sy_render_begin (const SyRenderTarget *target);

/* Size of a label, measured with the same font options the drawing uses
 * (metric hinting off) so that layout is identical on every surface. */
void         _sy_text_size     (const SyRenderStyle *style,
                                const char          *text,
                                double               size,
                                gboolean             bold,
                                double              *width,
                                double              *height);
/* The height of a line of text at @size (that of "Ag"). */
double       _sy_text_height   (const SyRenderStyle *style,
                                double               size);
/* Draws @text; returns its (unrotated, possibly ellipsized) width. */
double       _sy_draw_text     (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const char          *text,
                                double               x,
                                double               y,
                                const SyTextOpts    *opts);
/* Like _sy_draw_text but wraps inside @max_width (the opts' max_width is
 * the wrap width); returns the height used. */
double       _sy_draw_paragraph (cairo_t            *cr,
                                const SyRenderStyle *style,
                                const char          *text,
                                double               x,
                                double               y,
                                const SyTextOpts    *opts);

/* Many short labels of one font (cell values): each distinct text is laid
 * out once per drawing and then only shown.  It lives on the stack of the
 * function that draws them: _sy_text_cache_init(), then
 * _sy_text_cache_clear() for the layouts. */
typedef struct
{
  cairo_t             *cr;
  const SyRenderStyle *style;
  SyTextOpts           opts;
  GHashTable          *layouts;   /* text -> PangoLayout; NULL until the first */
} SyTextCache;

void         _sy_text_cache_init  (SyTextCache         *cache,
                                   cairo_t             *cr,
                                   const SyRenderStyle *style,
                                   double               size,
                                   gboolean             bold);
void         _sy_text_cache_draw  (SyTextCache         *cache,
                                   const char          *text,
                                   double               x,
                                   double               y,
                                   double               xalign,
                                   double               yalign,
                                   const SyColor       *color);
void         _sy_text_cache_clear (SyTextCache         *cache);

/* @text centred on (x, y) in the muted colour, ellipsized past @max_width
 * when > 0: what a view draws where it has nothing to show. */
void         _sy_draw_message  (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const char          *text,
                                double               x,
                                double               y,
                                double               max_width);

/* A line @from @to in @color, @width wide, in dashes and gaps of @dash. */
void         _sy_dashed_line   (cairo_t             *cr,
                                const SyColor       *color,
                                double               width,
                                double               dash,
                                SyPoint              from,
                                SyPoint              to);
/* Fills a cell the way every view draws a value: solid or hatched. */
void         _sy_fill_cell     (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const SyRect        *cell,
                                const SyColor       *color,
                                SyPattern            pattern);

/* At most @max_ticks "nice" values (1, 2, 2.5, 5 × 10^n steps) covering
 * @scale (integer steps only for an integer scale).  Returns the count. */
int          _sy_nice_ticks    (const SyScale       *scale,
                                int                  max_ticks,
                                double              *ticks,
                                double              *step);
/* Grid lines across @plot (bottom = @scale's lo) at its nice ticks (at
 * most @max_ticks), each labelled left of the plot, and @label (or NULL)
 * above its left edge. */
void         _sy_draw_y_grid   (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const SyRect        *plot,
                                const SyScale       *scale,
                                int                  max_ticks,
                                const char          *label);
/* The width of the widest label of the nice ticks of @scale (as
 * _sy_nice_ticks() picks them) at @size: what _sy_draw_y_grid() (0.8)
 * and _sy_colorbar() (0.85) write. */
double       _sy_ticks_width   (const SyRenderStyle *style,
                                const SyScale       *scale,
                                int                  max_ticks,
                                double               size);
/* A value printed with as many decimals as @step needs. */
char        *_sy_format_tick   (double               value,
                                double               step);
/* 1234567 -> "1.23 M", with SI suffixes k, M, G, T. */
char        *_sy_format_si     (double               value);
/* A value for a tooltip or a cell: "nan" -> "–". */
char        *_sy_format_value  (double               value,
                                int                  decimals);

/* The text of token @t for a label: newlines and tabs made visible, outer
 * spaces trimmed (a token of only spaces becomes "␣"), NULL text -> "#id". */
char        *_sy_token_label   (const SyTrace       *trace,
                                int                  t);

/* A vertical colour bar of @scale with ticks and a label above; @map
 * maps t in [0, 1] to a colour.  An integer scale of at most 17 values is
 * drawn as one block per value; others as a vector gradient.
 * _sy_colorbar_width() is the width it needs. */
typedef void (*SyColorMapFunc) (double t, SyColor *out);

double       _sy_colorbar_width (const SyRenderStyle *style,
                                const SyScale       *scale,
                                const char          *label);
void         _sy_colorbar      (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const SyRect        *rect,
                                const SyScale       *scale,
                                SyColorMapFunc       map,
                                const char          *label);

/* Title (bold) and subtitle (muted) at the top left; the height they take
 * (including the gap below) is _sy_title_height(). */
double       _sy_title_height  (const SyRenderStyle *style);
void         _sy_draw_title    (cairo_t             *cr,
                                const SyRenderStyle *style,
                                const char          *title,
                                const char          *subtitle,
                                double               width);
/* "model · router · T tokens × L MoE layers" */
char        *_sy_trace_subtitle (const SyTrace      *trace);
/* The labels of @trace's tokens in @cols at @y, the selected one bold
 * in the accent colour. */
void         _sy_draw_token_labels (cairo_t              *cr,
                                    const SyRenderStyle  *style,
                                    const SyTrace        *trace,
                                    const SyTokenColumns *cols,
                                    double                y,
                                    SyTextOpts           *text);
/* _sy_draw_title() with @trace's subtitle. */
void         _sy_draw_trace_title (cairo_t             *cr,
                                   const SyRenderStyle *style,
                                   const SyTrace       *trace,
                                   const char          *title,
                                   double               width);

/* p of a top-p router SPEC that sets it ("topp:p=P..."); FALSE for any
 * other SPEC or one sy_router_spec_parse() rejects. */
gboolean     _sy_router_topp_p (const char          *spec,
                                double              *p);

G_END_DECLS
