/* sy-summary-render.c: the summary of a run
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-render-private.h"
#include "sy-summary-render.h"

void
sy_summary_options_init (SySummaryOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->show_title = TRUE;
}

void
sy_summary_expert_load (const SyTrace *trace,
                        double        *load)
{
  memset (load, 0, sizeof (double) * trace->n_experts);
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      const SyTraceLayer *l = &trace->layers[i];

      for (int t = 0; t < trace->n_tokens; t++)
        {
          int k = CLAMP (l->k[t], 0, trace->n_experts);

          for (int j = 0; j < k; j++)
            {
              int e = l->experts[sy_trace_index (trace, t, j)];

              if (e >= 0 && e < trace->n_experts)
                load[e] += 1;
            }
        }
    }
}

/* Whether layer budgets are worth drawing: only when some layer is capped. */
static gboolean
has_budgets (const SyTrace *trace)
{
  for (int i = 0; i < trace->n_moe_layers; i++)
    if (trace->layers[i].budget > 0 && trace->layers[i].budget < trace->n_experts)
      return TRUE;
  return FALSE;
}

/* Values of a chart, newly allocated; *n their count. */
static double *
chart_values (const SyTrace    *trace,
              SySummaryChartId  id,
              int              *n)
{
  double *v;

  switch (id)
    {
    case SY_SUMMARY_CHART_AVG_K:
      *n = trace->n_moe_layers;
      v = g_new0 (double, MAX (*n, 1));
      for (int i = 0; i < *n; i++)
        v[i] = trace->layers[i].avg_k;
      return v;
    case SY_SUMMARY_CHART_LOAD:
      *n = trace->n_experts;
      v = g_new0 (double, MAX (*n, 1));
      sy_summary_expert_load (trace, v);
      return v;
    case SY_SUMMARY_CHART_TIME:
    case SY_SUMMARY_N_CHARTS:
    default:
      *n = trace->n_moe_layers;
      v = g_new0 (double, MAX (*n, 1));
      for (int i = 0; i < *n; i++)
        v[i] = trace->layers[i].time_s * 1000;
      return v;
    }
}

static double
chart_ymax (const SyTrace    *trace,
            SySummaryChartId  id)
{
  int n;
  g_autofree double *v = chart_values (trace, id, &n);
  double hi = 0;

  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      hi = MAX (hi, v[i]);
  if (id == SY_SUMMARY_CHART_AVG_K)
    {
      hi = MAX (hi, trace->native_k);
      if (has_budgets (trace))
        for (int i = 0; i < trace->n_moe_layers; i++)
          hi = MAX (hi, trace->layers[i].budget);
    }
  if (hi <= 0)
    hi = 1;
  {
    double ticks[SY_MAX_TICKS], step;
    int nt = _sy_nice_ticks (&(SyScale) { 0, hi, id == SY_SUMMARY_CHART_LOAD }, 5, ticks, &step);

    /* round up to the next tick */
    if (nt > 0 && ticks[nt - 1] < hi - 1e-9)
      hi = ticks[nt - 1] + step;
  }
  return hi;
}

static const char *chart_titles[SY_SUMMARY_N_CHARTS] = {
  N_("Average K per layer"),
  N_("Expert load (tokens, all layers)"),
  N_("Time per layer (ms)"),
};

/* Outer rectangles of the three charts. */
static void
chart_outer (const SyRenderStyle *style,
             double               width,
             double               top,
             double               height,
             SyRect              *outer)
{
  double margin = _sy_px (style, 12), gap = _sy_px (style, 24);
  double w = width - 2 * margin, h = height - margin - top;

  if (width >= 900)
    {
      double cw = (w - 2 * gap) / 3;

      for (int i = 0; i < 3; i++)
        outer[i] = (SyRect) { margin + i * (cw + gap), top, cw, h };
    }
  else
    {
      double cw = (w - gap) / 2, ch = (h - gap) / 2;

      outer[SY_SUMMARY_CHART_AVG_K] = (SyRect) { margin, top, cw, ch };
      outer[SY_SUMMARY_CHART_TIME] = (SyRect) { margin + cw + gap, top, cw, ch };
      outer[SY_SUMMARY_CHART_LOAD] = (SyRect) { margin, top + ch + gap, w, ch };
    }
}

static void
plot_rect (const SyRenderStyle *style,
           const SyRect        *outer,
           double               ymax,
           gboolean             integer,
           SySummaryChart      *plot)
{
  double tick_w = _sy_ticks_width (style, &(SyScale) { 0, ymax, integer }, 6, 0.8);
  double small_h = _sy_text_height (style, 0.8);

  plot->ox = outer->x;
  plot->oy = outer->y;
  plot->ow = outer->w;
  plot->oh = outer->h;
  plot->x = outer->x + tick_w + _sy_px (style, 8);
  plot->y = outer->y + _sy_text_height (style, 0.95) + small_h + _sy_px (style, 14);
  plot->w = MAX (outer->x + outer->w - plot->x, 1);
  plot->h = MAX (outer->y + outer->h - 2 * small_h - _sy_px (style, 8) - plot->y, 1);
}

static double
headline_height (const SyRenderStyle *style)
{
  return _sy_text_height (style, 0.8) + _sy_text_height (style, 1.6) + _sy_px (style, 8);
}

void
sy_summary_layout (const SyRenderTarget   *target,
                   const SyTrace          *trace,
                   const SySummaryOptions *opts,
                   SySummaryLayout        *layout)
{
  const SyRenderStyle *style = target->style;
  double margin = _sy_px (style, 12);
  SyRect outer[SY_SUMMARY_N_CHARTS];

  memset (layout, 0, sizeof *layout);
  layout->headline_y = margin + (opts->show_title ? _sy_title_height (style) : 0);
  layout->headline_h = headline_height (style);
  chart_outer (style, target->width, layout->headline_y + layout->headline_h + _sy_px (style, 18), target->height,
               outer);
  for (int c = 0; c < SY_SUMMARY_N_CHARTS; c++)
    {
      int n;

      g_free (chart_values (trace, c, &n));
      plot_rect (style, &outer[c], chart_ymax (trace, c), c == SY_SUMMARY_CHART_LOAD, &layout->charts[c]);
      layout->charts[c].n = n;
    }
}

gboolean
sy_summary_hit (const SySummaryLayout *layout,
                double                 x,
                double                 y,
                SySummaryChartId      *chart,
                int                   *index)
{
  for (int c = 0; c < SY_SUMMARY_N_CHARTS; c++)
    {
      const SySummaryChart *p = &layout->charts[c];
      int i;

      if (p->n <= 0 || x < p->x || x >= p->x + p->w || y < p->y || y > p->y + p->h)
        continue;
      i = (int) floor ((x - p->x) / (p->w / p->n));
      if (i < 0 || i >= p->n)
        return FALSE;
      if (chart)
        *chart = c;
      if (index)
        *index = i;
      return TRUE;
    }
  return FALSE;
}

/* The run's numbers in a row at @y. */
static void
draw_headline (const SyRenderTarget *t,
               const SyTrace        *trace,
               double                y)
{
  cairo_t *cr = t->cr;
  const SyRenderStyle *style = t->style;
  double margin = _sy_px (style, 12), small_h = _sy_text_height (style, 0.8);
  g_autofree char *ppl = isfinite (trace->perplexity) ? g_strdup_printf ("%.2f", trace->perplexity) : g_strdup ("–");
  g_autofree char *avg_k = g_strdup_printf ("%.2f", trace->avg_k);
  g_autofree char *params = _sy_format_si (trace->activated_params);
  g_autofree char *flops = _sy_format_si (trace->flops);
  g_autofree char *time = trace->total_time_s > 0 ? g_strdup_printf ("%.1f ms", trace->total_time_s * 1000) : g_strdup ("–");
  g_autofree char *k_label = trace->native_k > 0 ? g_strdup_printf (_("avg K (native %d)"), trace->native_k)
                                                 : g_strdup (_("avg K"));
  const char *labels[] = { _("perplexity"), k_label, _("active params / token"), _("FLOPs / token"),
                           _("time of last run") };
  const char *values[] = { ppl, avg_k, params, flops, time };
  double cw = (t->width - 2 * margin) / G_N_ELEMENTS (labels);
  SyTextOpts text = SY_TEXT_OPTS_INIT;

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      double x = margin + i * cw;

      text.size = 0.8;
      text.bold = FALSE;
      text.color = &style->muted;
      text.max_width = cw - _sy_px (style, 10);
      _sy_draw_text (cr, style, labels[i], x, y, &text);
      text.size = 1.6;
      text.bold = TRUE;
      text.color = &style->foreground;
      _sy_draw_text (cr, style, values[i], x, y + small_h + _sy_px (style, 2), &text);
    }
}

/* One chart being drawn: where, its values and their scale, and the
 * reference line (NaN: none). */
typedef struct
{
  cairo_t              *cr;
  const SyTrace        *trace;
  const SyRenderStyle  *style;
  SySummaryChartId      id;
  const SySummaryChart *p;
  const double         *v;
  int                   n;
  double                ymax;
  double                ref;
  const char           *ref_label;
} ChartDrawing;

/* The bars, the layer budgets as marks and the reference as a dashed
 * line. */
static void
draw_chart_bars (const ChartDrawing *ch)
{
  double slot = ch->p->w / ch->n;

  _sy_set_color (ch->cr, &ch->style->bar);
  for (int i = 0; i < ch->n; i++)
    {
      double h = CLAMP (ch->v[i] / ch->ymax, 0, 1) * ch->p->h;

      cairo_rectangle (ch->cr, ch->p->x + i * slot + slot * 0.12, ch->p->y + ch->p->h - h, MAX (slot * 0.76, 0.5), h);
    }
  cairo_fill (ch->cr);
  if (ch->id == SY_SUMMARY_CHART_AVG_K && has_budgets (ch->trace))
    {
      _sy_set_color (ch->cr, &ch->style->accent);
      cairo_set_line_width (ch->cr, _sy_px (ch->style, 2.5));
      for (int i = 0; i < ch->n; i++)
        {
          double y = ch->p->y + ch->p->h - CLAMP (ch->trace->layers[i].budget / ch->ymax, 0, 1) * ch->p->h;

          cairo_move_to (ch->cr, ch->p->x + i * slot + slot * 0.05, y);
          cairo_line_to (ch->cr, ch->p->x + (i + 0.95) * slot, y);
        }
      cairo_stroke (ch->cr);
    }
  if (!isnan (ch->ref))
    {
      double y = ch->p->y + ch->p->h - CLAMP (ch->ref / ch->ymax, 0, 1) * ch->p->h;

      _sy_dashed_line (ch->cr, &ch->style->foreground, _sy_px (ch->style, 1.2), _sy_px (ch->style, 4),
                       (SyPoint) { ch->p->x, y }, (SyPoint) { ch->p->x + ch->p->w, y });
    }
}

/* The key under the title: bars, budgets, the reference line. */
static void
draw_chart_key (const ChartDrawing *ch)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double small_h = _sy_text_height (ch->style, 0.8);
  double ky = ch->p->y - small_h - _sy_px (ch->style, 8), sw = _sy_px (ch->style, 10), x = ch->p->ox;

  text.size = 0.8;
  text.yalign = 0.5;
  text.color = &ch->style->muted;
  _sy_set_color (ch->cr, &ch->style->bar);
  cairo_rectangle (ch->cr, x, ky + small_h / 2 - sw / 2, sw, sw);
  cairo_fill (ch->cr);
  x += sw + _sy_px (ch->style, 4);
  x += _sy_draw_text (ch->cr, ch->style, ch->id == SY_SUMMARY_CHART_AVG_K ? _("mean K") :
                                 ch->id == SY_SUMMARY_CHART_LOAD ? _("tokens") : _("ms"),
                      x, ky + small_h / 2, &text) + _sy_px (ch->style, 12);
  if (ch->id == SY_SUMMARY_CHART_AVG_K && has_budgets (ch->trace))
    {
      _sy_set_color (ch->cr, &ch->style->accent);
      cairo_set_line_width (ch->cr, _sy_px (ch->style, 2.5));
      cairo_move_to (ch->cr, x, ky + small_h / 2);
      cairo_line_to (ch->cr, x + sw, ky + small_h / 2);
      cairo_stroke (ch->cr);
      x += sw + _sy_px (ch->style, 4);
      x += _sy_draw_text (ch->cr, ch->style, _("budget"), x, ky + small_h / 2, &text) + _sy_px (ch->style, 12);
    }
  if (ch->ref_label)
    {
      g_autofree char *s = ch->id == SY_SUMMARY_CHART_LOAD ? g_strdup_printf ("%s (%.1f)", ch->ref_label, ch->ref)
                                                       : g_strdup (ch->ref_label);

      _sy_dashed_line (ch->cr, &ch->style->foreground, _sy_px (ch->style, 1.2), _sy_px (ch->style, 4),
                       (SyPoint) { x, ky + small_h / 2 }, (SyPoint) { x + sw * 1.5, ky + small_h / 2 });
      x += sw * 1.5 + _sy_px (ch->style, 4);
      _sy_draw_text (ch->cr, ch->style, s, x, ky + small_h / 2, &text);
    }
}

/* Labels under the bars (every stride-th where they are narrow) and the
 * axis title. */
static void
draw_chart_x_labels (const ChartDrawing *ch)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double slot = ch->p->w / ch->n, small_h = _sy_text_height (ch->style, 0.8), tw;
  int stride = 1;

  _sy_text_size (ch->style, ch->id == SY_SUMMARY_CHART_LOAD ? "000" : "L00", 0.8, FALSE, &tw, NULL);
  while (stride * slot < tw + _sy_px (ch->style, 4))
    stride = stride < 2 ? 2 : stride < 4 ? 4 : stride < 5 ? 5 : stride < 8 ? 8 : stride * 2;
  text.size = 0.8;
  text.xalign = 0.5;
  text.yalign = 0;
  text.color = &ch->style->foreground;
  for (int i = 0; i < ch->n; i += stride)
    {
      g_autofree char *s = ch->id == SY_SUMMARY_CHART_LOAD ? g_strdup_printf ("%d", i)
                                                       : g_strdup_printf ("L%d", ch->trace->layers[i].layer);

      _sy_draw_text (ch->cr, ch->style, s, ch->p->x + (i + 0.5) * slot, ch->p->y + ch->p->h + _sy_px (ch->style, 3),
                     &text);
    }
  text.color = &ch->style->muted;
  _sy_draw_text (ch->cr, ch->style, ch->id == SY_SUMMARY_CHART_LOAD ? _("Expert") : _("Layer"),
                 ch->p->x + ch->p->w / 2, ch->p->y + ch->p->h + small_h + _sy_px (ch->style, 6), &text);
}

static void
draw_chart (cairo_t              *cr,
            const SyTrace        *trace,
            const SyRenderStyle  *style,
            SySummaryChartId      id,
            const SySummaryChart *p)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double ymax = chart_ymax (trace, id), ref = NAN;
  int n;
  g_autofree double *v = chart_values (trace, id, &n);
  gboolean any = FALSE;
  const char *ref_label = NULL;
  SyRect plot = { p->x, p->y, p->w, p->h };

  /* title */
  text.size = 0.95;
  text.bold = TRUE;
  text.max_width = p->ow;
  _sy_draw_text (cr, style, _(chart_titles[id]), p->ox, p->oy, &text);
  text.bold = FALSE;
  text.max_width = 0;

  /* the reference line: native k, or a uniform load */
  if (id == SY_SUMMARY_CHART_AVG_K && trace->native_k > 0)
    {
      ref = trace->native_k;
      ref_label = _("native k");
    }
  else if (id == SY_SUMMARY_CHART_LOAD && trace->n_experts > 0)
    {
      double total = 0;

      for (int i = 0; i < n; i++)
        total += v[i];
      ref = total / trace->n_experts;
      ref_label = _("uniform");
    }

  for (int i = 0; i < n; i++)
    any = any || v[i] > 0;
  if (n == 0 || !any)
    {
      text.xalign = text.yalign = 0.5;
      text.color = &style->muted;
      _sy_draw_text (cr, style, id == SY_SUMMARY_CHART_TIME ? _("No timings recorded") : _("No data"),
                     p->x + p->w / 2, p->y + p->h / 2, &text);
      return;
    }
  _sy_draw_y_grid (cr, style, &plot, &(SyScale) { 0, ymax, id == SY_SUMMARY_CHART_LOAD },
                   MAX (2, MIN (6, (int) (p->h / _sy_px (style, 18)))), NULL);
  {
    ChartDrawing ch = { cr, trace, style, id, p, v, n, ymax, ref, ref_label };

    draw_chart_bars (&ch);
    draw_chart_key (&ch);
    draw_chart_x_labels (&ch);
  }
}

void
sy_summary_render (const SyRenderTarget   *target,
                   const SyTrace          *trace,
                   const SySummaryOptions *opts)
{
  SySummaryOptions defaults;
  SySummaryLayout layout;
  SyRenderTarget rt;

  g_return_if_fail (target->cr != NULL);
  if (opts == NULL)
    {
      sy_summary_options_init (&defaults);
      opts = &defaults;
    }
  rt = _sy_render_begin (target);
  if (trace == NULL)
    return;
  if (opts->show_title)
    _sy_draw_trace_title (rt.cr, rt.style, trace, opts->title ? opts->title : _("Run summary"), rt.width);
  sy_summary_layout (&rt, trace, opts, &layout);
  draw_headline (&rt, trace, layout.headline_y);
  for (int c = 0; c < SY_SUMMARY_N_CHARTS; c++)
    draw_chart (rt.cr, trace, rt.style, c, &layout.charts[c]);
}
