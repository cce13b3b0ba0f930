/* sy-inspector-render.c: the token inspector
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-inspector-render.h"
#include "sy-render-private.h"

void
sy_inspector_options_init (SyInspectorOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->token = 0;
  opts->layer = 0;
  opts->p = NAN;
  opts->show_title = TRUE;
}

void
sy_inspector_sorted (const SyTrace *trace,
                     int            moe_layer,
                     int            token,
                     int           *order)
{
  const float *pi = trace->layers[moe_layer].probs + (gsize) token * trace->n_experts;
  int n = trace->n_experts;

  for (int e = 0; e < n; e++)
    order[e] = e;
  /* insertion sort: stable, so ties keep the lower index first */
  for (int a = 1; a < n; a++)
    {
      int v = order[a], b = a;

      while (b > 0 && pi[order[b - 1]] < pi[v])
        {
          order[b] = order[b - 1];
          b--;
        }
      order[b] = v;
    }
}

gboolean
sy_inspector_is_chosen (const SyTrace *trace,
                        int            moe_layer,
                        int            token,
                        int            expert)
{
  const SyTraceLayer *l = &trace->layers[moe_layer];
  int k = CLAMP (l->k[token], 0, trace->n_experts);

  for (int j = 0; j < k; j++)
    if (l->experts[sy_trace_index (trace, token, j)] == expert)
      return TRUE;
  return FALSE;
}

static double
panel_title_h (const SyRenderStyle *style)
{
  return _sy_text_height (style, 0.95) + _sy_px (style, 8);
}

void
sy_inspector_layout (const SyRenderTarget     *target,
                     const SyTrace            *trace,
                     const SyInspectorOptions *opts,
                     SyInspectorLayout        *layout)
{
  const SyRenderStyle *style = target->style;
  double margin = _sy_px (style, 12), gap = _sy_px (style, 28), small_h = _sy_text_height (style, 0.8);
  double top, gx0, gy0, gw, gh, bx0, by0, bw, bh, label_w = 0, w, vmax = 0;
  gboolean wide = target->width >= 1.4 * target->height && target->width >= 640;

  memset (layout, 0, sizeof *layout);
  layout->n_rows = trace->n_moe_layers;
  layout->n_cols = trace->n_experts;
  layout->token = trace->n_tokens > 0 ? CLAMP (opts->token, 0, trace->n_tokens - 1) : -1;
  layout->layer = trace->n_moe_layers > 0 ? CLAMP (opts->layer, 0, trace->n_moe_layers - 1) : -1;
  layout->p = NAN;
  if (opts->p >= 0)
    layout->p = opts->p;
  else if (isnan (opts->p))
    {
      double p;

      if (_sy_router_topp_p (trace->router, &p))
        layout->p = p;
    }
  if (layout->token < 0 || layout->layer < 0)
    return;

  top = margin + (opts->show_title ? _sy_title_height (style) : 0);
  if (wide)
    {
      gx0 = margin;
      gy0 = top;
      gw = (target->width - 2 * margin - gap) * 0.5;
      gh = target->height - margin - top;
      bx0 = gx0 + gw + gap;
      by0 = top;
      bw = target->width - margin - bx0;
      bh = gh;
    }
  else
    {
      gx0 = margin;
      gy0 = top;
      gw = target->width - 2 * margin;
      gh = (target->height - margin - top - gap) * 0.5;
      /* few layers: give the bar chart the room the grid does not need */
      gh = MIN (gh, panel_title_h (style) + trace->n_moe_layers * _sy_px (style, 32)
                    + 2 * (small_h + _sy_px (style, 4)) + _sy_px (style, 4));
      gh = MAX (gh, _sy_px (style, 100));
      bx0 = margin;
      by0 = gy0 + gh + gap;
      bw = gw;
      bh = target->height - margin - by0;
    }

  /* Grid panel: title, row labels, cells, colour bar, expert ids, caption */
  for (int i = 0; i < trace->n_moe_layers; i++)
    for (int e = 0; e < trace->n_experts; e++)
      vmax = MAX (vmax, trace->layers[i].probs[sy_trace_index (trace, layout->token, e)]);
  layout->vmax = MAX (0.1, ceil (vmax * 10 - 1e-6) / 10);
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      g_autofree char *s = g_strdup_printf ("L%d", trace->layers[i].layer);

      _sy_text_size (style, s, 0.8, TRUE, &w, NULL);
      label_w = MAX (label_w, w);
    }
  layout->legend_w = _sy_colorbar_width (style, &(SyScale) { 0, layout->vmax, FALSE }, "π");
  layout->grid_x = gx0 + label_w + _sy_px (style, 6);
  layout->grid_y = gy0 + panel_title_h (style);
  {
    double avail_w = gx0 + gw - layout->legend_w - _sy_px (style, 12) - layout->grid_x;
    double avail_h = gy0 + gh - 2 * (small_h + _sy_px (style, 4)) - layout->grid_y;

    layout->cell_w = MAX (0.5, MIN (avail_w / trace->n_experts, _sy_px (style, 40)));
    layout->cell_h = MAX (0.5, MIN (avail_h / MAX (trace->n_moe_layers, 1), _sy_px (style, 32)));
  }
  layout->legend_x = layout->grid_x + layout->cell_w * trace->n_experts + _sy_px (style, 12);
  layout->legend_y = layout->grid_y;
  layout->legend_h = MIN (MAX (layout->cell_h * trace->n_moe_layers, _sy_px (style, 100)),
                          gy0 + gh - layout->grid_y);

  /* Bar panel: title, key, y ticks, bars, expert ids, caption */
  {
    const SyTraceLayer *l = &trace->layers[layout->layer];
    int k = CLAMP (l->k[layout->token], 0, trace->n_experts);
    double tick_w, plot_w;

    _sy_text_size (style, "0.0", 0.8, FALSE, &tick_w, NULL);
    layout->bars_x = bx0 + tick_w + _sy_px (style, 8);
    layout->bars_y = by0 + panel_title_h (style) + small_h + _sy_px (style, 10);
    layout->bars_w = MAX (bx0 + bw - layout->bars_x - _sy_px (style, 4), 1);
    layout->bars_h = MAX (by0 + bh - 2 * (small_h + _sy_px (style, 4)) - layout->bars_y, 1);
    plot_w = layout->bars_w;
    if (opts->max_bars > 0)
      layout->n_bars = MIN (opts->max_bars, trace->n_experts);
    else if (trace->n_experts <= 32)
      layout->n_bars = trace->n_experts;
    else
      layout->n_bars = MIN (trace->n_experts, MAX (k + 8, 24));
    layout->n_bars = MAX (1, MIN (layout->n_bars, (int) (plot_w / _sy_px (style, 6))));
    layout->n_bars = MAX (layout->n_bars, MIN (k, trace->n_experts));
    layout->bar_w = plot_w / layout->n_bars;
  }
}

gboolean
sy_inspector_hit_grid (const SyInspectorLayout *layout,
                       double                   x,
                       double                   y,
                       int                     *moe_layer,
                       int                     *expert)
{
  int i, e;

  if (layout->token < 0 || x < layout->grid_x || y < layout->grid_y)
    return FALSE;
  e = (int) floor ((x - layout->grid_x) / layout->cell_w);
  i = (int) floor ((y - layout->grid_y) / layout->cell_h);
  if (e < 0 || e >= layout->n_cols || i < 0 || i >= layout->n_rows)
    return FALSE;
  if (moe_layer)
    *moe_layer = i;
  if (expert)
    *expert = e;
  return TRUE;
}

int
sy_inspector_hit_bar (const SyInspectorLayout *layout,
                      double                   x,
                      double                   y)
{
  int r;

  if (layout->token < 0 || y < layout->bars_y || y > layout->bars_y + layout->bars_h || x < layout->bars_x)
    return -1;
  r = (int) floor ((x - layout->bars_x) / layout->bar_w);
  return r >= 0 && r < layout->n_bars ? r : -1;
}

/* One drawing of the inspector: what each of its parts reads; the bar
 * chart's also the experts by rank and the colour of unchosen bars. */
typedef struct
{
  cairo_t                 *cr;
  const SyTrace           *trace;
  const SyRenderStyle     *style;
  const SyInspectorLayout *lay;
  const int               *order;
  SyColor                  unchosen;
} Drawing;

static void
draw_grid_panel (const Drawing *d)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double gw = d->lay->cell_w * d->lay->n_cols, gh = d->lay->cell_h * d->lay->n_rows;
  double small_h = _sy_text_height (d->style, 0.8);
  int stride;

  text.size = 0.95;
  text.bold = TRUE;
  _sy_draw_text (d->cr, d->style, "Router probabilities π by layer", d->lay->grid_x,
                 d->lay->grid_y - panel_title_h (d->style), &text);

  for (int i = 0; i < d->lay->n_rows; i++)
    for (int e = 0; e < d->lay->n_cols; e++)
      {
        double x = d->lay->grid_x + e * d->lay->cell_w, y = d->lay->grid_y + i * d->lay->cell_h;
        double v = d->trace->layers[i].probs[sy_trace_index (d->trace, d->lay->token, e)];
        SyColor c;

        sy_colormap_sequential (v / d->lay->vmax, &c);
        _sy_fill_cell (d->cr, d->style, &(SyRect) { x, y, d->lay->cell_w, d->lay->cell_h }, &c, SY_PATTERN_SOLID);
      }
  /* chosen experts: a dot in the contrasting colour */
  for (int i = 0; i < d->lay->n_rows; i++)
    {
      const SyTraceLayer *l = &d->trace->layers[i];
      int k = CLAMP (l->k[d->lay->token], 0, d->trace->n_experts);

      for (int j = 0; j < k; j++)
        {
          int e = l->experts[sy_trace_index (d->trace, d->lay->token, j)];
          double v, r;
          SyColor c, fg;

          if (e < 0 || e >= d->lay->n_cols)
            continue;
          v = l->probs[sy_trace_index (d->trace, d->lay->token, e)];
          sy_colormap_sequential (v / d->lay->vmax, &c);
          sy_color_text_on (&c, &fg);
          r = MAX (1.0, MIN (d->lay->cell_w, d->lay->cell_h) * 0.22);
          _sy_set_color (d->cr, &fg);
          cairo_arc (d->cr, d->lay->grid_x + (e + 0.5) * d->lay->cell_w, d->lay->grid_y + (i + 0.5) * d->lay->cell_h,
                     r, 0, 2 * G_PI);
          cairo_fill (d->cr);
        }
    }
  if (d->lay->cell_w >= _sy_px (d->style, 6) && d->lay->cell_h >= _sy_px (d->style, 6))
    {
      _sy_set_color (d->cr, &d->style->background);
      cairo_set_line_width (d->cr, _sy_px (d->style, 1));
      for (int e = 0; e <= d->lay->n_cols; e++)
        {
          cairo_move_to (d->cr, d->lay->grid_x + e * d->lay->cell_w, d->lay->grid_y);
          cairo_line_to (d->cr, d->lay->grid_x + e * d->lay->cell_w, d->lay->grid_y + gh);
        }
      for (int i = 0; i <= d->lay->n_rows; i++)
        {
          cairo_move_to (d->cr, d->lay->grid_x, d->lay->grid_y + i * d->lay->cell_h);
          cairo_line_to (d->cr, d->lay->grid_x + gw, d->lay->grid_y + i * d->lay->cell_h);
        }
      cairo_stroke (d->cr);
    }
  /* the layer of the bar chart */
  cairo_set_line_width (d->cr, _sy_px (d->style, 2));
  _sy_set_color (d->cr, &d->style->accent);
  cairo_rectangle (d->cr, d->lay->grid_x - _sy_px (d->style, 1),
                   d->lay->grid_y + d->lay->layer * d->lay->cell_h - _sy_px (d->style, 1),
                   gw + _sy_px (d->style, 2), d->lay->cell_h + _sy_px (d->style, 2));
  cairo_stroke (d->cr);

  /* row labels */
  text.size = 0.8;
  text.xalign = 1;
  text.yalign = 0.5;
  stride = MAX (1, (int) ceil (small_h * 0.9 / d->lay->cell_h));
  for (int i = 0; i < d->lay->n_rows; i++)
    {
      g_autofree char *s = NULL;

      if (i % stride && i != d->lay->layer)
        continue;
      s = g_strdup_printf ("L%d", d->trace->layers[i].layer);
      text.bold = i == d->lay->layer;
      text.color = i == d->lay->layer ? &d->style->accent : &d->style->foreground;
      _sy_draw_text (d->cr, d->style, s, d->lay->grid_x - _sy_px (d->style, 6),
                     d->lay->grid_y + (i + 0.5) * d->lay->cell_h, &text);
    }
  /* expert ids */
  {
    double w;

    _sy_text_size (d->style, "00", 0.8, FALSE, &w, NULL);
    stride = 1;
    while (stride * d->lay->cell_w < w + _sy_px (d->style, 4))
      stride = stride < 2 ? 2 : stride < 4 ? 4 : stride < 8 ? 8 : stride * 2;
  }
  text.bold = FALSE;
  text.color = &d->style->foreground;
  text.xalign = 0.5;
  text.yalign = 0;
  for (int e = 0; e < d->lay->n_cols; e += stride)
    {
      g_autofree char *s = g_strdup_printf ("%d", e);

      _sy_draw_text (d->cr, d->style, s, d->lay->grid_x + (e + 0.5) * d->lay->cell_w,
                     d->lay->grid_y + gh + _sy_px (d->style, 3), &text);
    }
  text.color = &d->style->muted;
  _sy_draw_text (d->cr, d->style, "Expert (● chosen)", d->lay->grid_x + gw / 2,
                 d->lay->grid_y + gh + small_h + _sy_px (d->style, 6), &text);

  {
    SyRect r = { d->lay->legend_x, d->lay->legend_y, d->lay->legend_w, d->lay->legend_h };

    _sy_colorbar (d->cr, d->style, &r, &(SyScale) { 0, d->lay->vmax, FALSE }, sy_colormap_sequential, "π");
  }
}

/* The panel's title and the key of its marks. */
static void
draw_bar_key (const Drawing *d)
{
  const SyTraceLayer *l = &d->trace->layers[d->lay->layer];
  g_autofree char *title = NULL;
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double small_h = _sy_text_height (d->style, 0.8), x0 = d->lay->bars_x, y0 = d->lay->bars_y, w = d->lay->bars_w;
  double tick_w, px, kx = x0, ky = y0 - small_h - _sy_px (d->style, 6), sw = _sy_px (d->style, 10);
  struct { const char *label; int kind; } keys[] = {
    { N_("chosen"), 0 }, { N_("not chosen"), 1 }, { N_("cumulative"), 2 }, { N_("p"), 3 },
  };

  title = isnan (d->lay->p) ? g_strdup_printf (_("Layer L%d: π sorted, cumulative sum"), l->layer)
                         : g_strdup_printf (_("Layer L%d: π sorted, cumulative sum and p"), l->layer);
  text.size = 0.95;
  text.bold = TRUE;
  _sy_text_size (d->style, "0.0", 0.8, FALSE, &tick_w, NULL);
  px = x0 - tick_w - _sy_px (d->style, 8);
  text.max_width = x0 + w - px;
  _sy_draw_text (d->cr, d->style, title, px, y0 - panel_title_h (d->style) - small_h - _sy_px (d->style, 10), &text);

  text = (SyTextOpts) SY_TEXT_OPTS_INIT;
  text.size = 0.8;
  text.yalign = 0.5;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      double cy = ky + small_h / 2;

      if (keys[i].kind == 3 && isnan (d->lay->p))
        continue;
      if (keys[i].kind <= 1)
        {
          _sy_set_color (d->cr, keys[i].kind == 0 ? &d->style->bar : &d->unchosen);
          cairo_rectangle (d->cr, kx, cy - sw / 2, sw, sw);
          cairo_fill (d->cr);
        }
      else
        {
          cairo_save (d->cr);
          _sy_set_color (d->cr, keys[i].kind == 2 ? &d->style->foreground : &d->style->accent);
          cairo_set_line_width (d->cr, _sy_px (d->style, 1.5));
          if (keys[i].kind == 3)
            {
              double dash = _sy_px (d->style, 4);

              cairo_set_dash (d->cr, &dash, 1, 0);
            }
          cairo_move_to (d->cr, kx, cy);
          cairo_line_to (d->cr, kx + sw, cy);
          cairo_stroke (d->cr);
          cairo_restore (d->cr);
        }
      kx += sw + _sy_px (d->style, 4);
      kx += _sy_draw_text (d->cr, d->style, _(keys[i].label), kx, cy, &text) + _sy_px (d->style, 12);
    }
}

/* The y grid with its ticks, the bars by rank, the expert ids under
 * them and the axis caption. */
static void
draw_bars (const Drawing *d)
{
  const SyTraceLayer *l = &d->trace->layers[d->lay->layer];
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double small_h = _sy_text_height (d->style, 0.8), tw;
  double x0 = d->lay->bars_x, y0 = d->lay->bars_y, w = d->lay->bars_w, h = d->lay->bars_h;
  int stride = 1;
  g_autofree char *cap = NULL;

  _sy_draw_y_grid (d->cr, d->style, &(SyRect) { x0, y0, w, h }, &(SyScale) { 0, 1, FALSE },
                   MAX (3, MIN (6, (int) (h / _sy_px (d->style, 28)))), NULL);

  for (int r = 0; r < d->lay->n_bars; r++)
    {
      int e = d->order[r];
      double v = l->probs[sy_trace_index (d->trace, d->lay->token, e)];
      double bx = x0 + r * d->lay->bar_w + d->lay->bar_w * 0.12, bw = d->lay->bar_w * 0.76;

      _sy_set_color (d->cr, sy_inspector_is_chosen (d->trace, d->lay->layer, d->lay->token, e)
                            ? &d->style->bar : &d->unchosen);
      cairo_rectangle (d->cr, bx, y0 + h - CLAMP (v, 0, 1) * h, bw, CLAMP (v, 0, 1) * h);
      cairo_fill (d->cr);
    }

  _sy_text_size (d->style, "00", 0.8, FALSE, &tw, NULL);
  while (stride * d->lay->bar_w < tw + _sy_px (d->style, 3))
    stride++;
  text.size = 0.8;
  text.xalign = 0.5;
  text.yalign = 0;
  text.color = &d->style->foreground;
  for (int r = 0; r < d->lay->n_bars; r += stride)
    {
      g_autofree char *s = g_strdup_printf ("%d", d->order[r]);

      _sy_draw_text (d->cr, d->style, s, x0 + (r + 0.5) * d->lay->bar_w, y0 + h + _sy_px (d->style, 3), &text);
    }
  text.color = &d->style->muted;
  cap = d->lay->n_bars < d->trace->n_experts
    ? g_strdup_printf (_("Expert, by rank (top %d of %d)"), d->lay->n_bars, d->trace->n_experts)
    : g_strdup (_("Expert, by rank"));
  _sy_draw_text (d->cr, d->style, cap, x0 + w / 2, y0 + h + small_h + _sy_px (d->style, 6), &text);
}

/* The cumulative sum of π over the ranks: a line with dots. */
static void
draw_cumulative (const Drawing *d)
{
  const SyTraceLayer *l = &d->trace->layers[d->lay->layer];
  double x0 = d->lay->bars_x, y0 = d->lay->bars_y, h = d->lay->bars_h, cum = 0;

  cairo_save (d->cr);
  _sy_set_color (d->cr, &d->style->foreground);
  cairo_set_line_width (d->cr, _sy_px (d->style, 1.5));
  cairo_set_line_join (d->cr, CAIRO_LINE_JOIN_ROUND);
  for (int r = 0; r < d->lay->n_bars; r++)
    {
      double x = x0 + (r + 0.5) * d->lay->bar_w, y;

      cum += l->probs[sy_trace_index (d->trace, d->lay->token, d->order[r])];
      y = y0 + h - CLAMP (cum, 0, 1) * h;
      if (r == 0)
        cairo_move_to (d->cr, x, y);
      else
        cairo_line_to (d->cr, x, y);
    }
  cairo_stroke (d->cr);
  cum = 0;
  for (int r = 0; r < d->lay->n_bars; r++)
    {
      cum += l->probs[sy_trace_index (d->trace, d->lay->token, d->order[r])];
      cairo_arc (d->cr, x0 + (r + 0.5) * d->lay->bar_w, y0 + h - CLAMP (cum, 0, 1) * h,
                 MIN (_sy_px (d->style, 2.5), d->lay->bar_w * 0.3), 0, 2 * G_PI);
      cairo_fill (d->cr);
    }
  cairo_restore (d->cr);
}

/* The threshold p of a top-p router: a dashed line. */
static void
draw_threshold (const Drawing *d)
{
  g_autofree char *s = g_strdup_printf ("p = %.2f", d->lay->p);
  double x0 = d->lay->bars_x, y0 = d->lay->bars_y, w = d->lay->bars_w, h = d->lay->bars_h;
  double y = y0 + h - CLAMP (d->lay->p, 0, 1) * h;
  SyTextOpts text = SY_TEXT_OPTS_INIT;

  _sy_dashed_line (d->cr, &d->style->accent, _sy_px (d->style, 1.5), _sy_px (d->style, 5),
                   (SyPoint) { x0, y }, (SyPoint) { x0 + w, y });
  text.size = 0.8;
  text.xalign = 1;
  text.yalign = 1;
  text.color = &d->style->accent;
  text.bold = TRUE;
  _sy_draw_text (d->cr, d->style, s, x0 + w - _sy_px (d->style, 2), y - _sy_px (d->style, 2), &text);
}

/* K: a line after the K-th bar, annotated with K and Σπ on a plate that
 * keeps it legible over the curve (right of the line when it fits). */
static void
draw_k_line (const Drawing *d,
             int            k)
{
  const SyTraceLayer *l = &d->trace->layers[d->lay->layer];
  g_autofree char *s = g_strdup_printf ("K = %d  (Σπ = %.2f)", k, l->cum[d->lay->token]);
  double x0 = d->lay->bars_x, y0 = d->lay->bars_y, w = d->lay->bars_w, h = d->lay->bars_h;
  double small_h = _sy_text_height (d->style, 0.8);
  double x = x0 + k * d->lay->bar_w, pad = _sy_px (d->style, 2), tw, tx, ty;
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  SyColor plate = d->style->background;

  _sy_dashed_line (d->cr, &d->style->foreground, _sy_px (d->style, 1), _sy_px (d->style, 2),
                   (SyPoint) { x, y0 }, (SyPoint) { x, y0 + h });
  _sy_text_size (d->style, s, 0.8, TRUE, &tw, NULL);
  tx = x + _sy_px (d->style, 4) + tw <= x0 + w ? x + _sy_px (d->style, 4) : x - _sy_px (d->style, 4) - tw;
  ty = y0 + _sy_px (d->style, 2) + (isnan (d->lay->p) || d->lay->p < 0.85 ? 0 : small_h * 1.6);
  plate.a = 0.85;
  _sy_set_color (d->cr, &plate);
  cairo_rectangle (d->cr, tx - pad, ty - pad, tw + 2 * pad, small_h + 2 * pad);
  cairo_fill (d->cr);
  text.size = 0.8;
  text.bold = TRUE;
  text.color = &d->style->foreground;
  _sy_draw_text (d->cr, d->style, s, tx, ty, &text);
}

static void
draw_bar_panel (const Drawing *d)
{
  g_autofree int *order = g_new (int, d->trace->n_experts);
  Drawing bars = *d;
  int k = CLAMP (d->trace->layers[d->lay->layer].k[d->lay->token], 0, d->trace->n_experts);

  sy_inspector_sorted (d->trace, d->lay->layer, d->lay->token, order);
  bars.order = order;
  sy_color_mix (&d->style->grid, &d->style->background, 0.15, &bars.unchosen);
  draw_bar_key (&bars);
  draw_bars (&bars);
  draw_cumulative (&bars);
  if (!isnan (d->lay->p))
    draw_threshold (&bars);
  if (k > 0 && k <= d->lay->n_bars)
    draw_k_line (&bars, k);
}

void
sy_inspector_render (const SyRenderTarget     *target,
                     const SyTrace            *trace,
                     const SyInspectorOptions *opts)
{
  SyInspectorOptions defaults;
  SyInspectorLayout layout;
  SyRenderTarget rt;

  g_return_if_fail (target->cr != NULL);
  if (opts == NULL)
    {
      sy_inspector_options_init (&defaults);
      opts = &defaults;
    }
  rt = _sy_render_begin (target);
  if (trace == NULL)
    return;
  sy_inspector_layout (&rt, trace, opts, &layout);
  if (opts->show_title)
    {
      g_autofree char *title = NULL;

      if (layout.token >= 0)
        {
          g_autofree char *label = _sy_token_label (trace, layout.token);

          title = g_strdup_printf ("Token %d “%s” (id %d)", layout.token, label, trace->ids[layout.token]);
        }
      _sy_draw_trace_title (rt.cr, rt.style, trace, opts->title ? opts->title : title ? title : "Token inspector",
                            rt.width);
    }
  if (layout.token < 0 || layout.layer < 0)
    {
      _sy_draw_message (rt.cr, rt.style, trace->n_tokens == 0 ? _("No tokens") : _("This model has no MoE layers"),
                        rt.width / 2, rt.height / 2, 0);
      return;
    }
  draw_grid_panel (&(Drawing) { rt.cr, trace, rt.style, &layout });
  draw_bar_panel (&(Drawing) { rt.cr, trace, rt.style, &layout });
}
