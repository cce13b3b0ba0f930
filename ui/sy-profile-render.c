/* sy-profile-render.c: the profiler's charts
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-colormap.h"
#include "sy-profile-render.h"
#include "sy-render-private.h"

static const struct
{
  const char *name;
  const char *title;
} charts[SY_PROFILE_N_CHARTS] = {
  { "load", N_("Expert load per layer") },
  { "coactivation", N_("Expert co-activation") },
  { "k-layer", N_("Average K by layer") },
  { "k-genre", N_("Average K by genre") },
  { "k-pos", N_("Average K by part of speech") },
  { "entropy", N_("Router entropy") },
  { "ppl-genre", N_("Perplexity by genre") },
  { "sweep", N_("Top-p sweep: experts vs perplexity") },
  { "time", N_("Time per layer and operation") },
};

static const char *op_labels[SY_N_OPS] = { N_("attention"), N_("router"), N_("experts"), N_("LM head"), N_("other") };

/* Where a chart is drawn: the profile, the options, the style and size,
 * and which chart it is (its translated title). */
typedef struct
{
  SyRenderTarget                target;
  const SyProfile              *prof;
  const SyProfileRenderOptions *opts;
  SyProfileChart                chart;
  const char                   *title;
} ChartFrame;

void
sy_profile_render_options_init (SyProfileRenderOptions *opts)
{
  opts->run = 0;
  opts->layer = 0;
  opts->max_pos = 16;
}

const char *
sy_profile_chart_name (SyProfileChart chart)
{
  g_return_val_if_fail (chart < SY_PROFILE_N_CHARTS, NULL);
  return charts[chart].name;
}

const char *
sy_profile_chart_title (SyProfileChart chart)
{
  g_return_val_if_fail (chart < SY_PROFILE_N_CHARTS, NULL);
  return _(_(charts[chart].title));
}

gboolean
sy_profile_chart_from_name (const char     *name,
                            SyProfileChart *chart)
{
  for (int i = 0; i < SY_PROFILE_N_CHARTS; i++)
    if (g_strcmp0 (name, charts[i].name) == 0)
      {
        *chart = i;
        return TRUE;
      }
  return FALSE;
}

/* ------------------------------------------------------------ helpers */

static void
message (cairo_t             *cr,
         const SyRenderStyle *style,
         const SyRect        *r,
         const char          *text)
{
  _sy_draw_message (cr, style, text, r->x + r->w / 2, r->y + r->h / 2, r->w);
}

/* @text in the middle of the chart's area below the title. */
static void
message_below_title (const ChartFrame *f,
                     double            margin,
                     const char       *text)
{
  SyRect r = { margin, _sy_title_height (f->target.style) + margin, f->target.width - 2 * margin,
               f->target.height - _sy_title_height (f->target.style) - 2 * margin };

  message (f->target.cr, f->target.style, &r, text);
}

/* The background and the title, @sub under it. */
static void
chart_begin (const ChartFrame *f,
             const char       *sub)
{
  _sy_render_begin (&f->target);
  _sy_draw_title (f->target.cr, f->target.style, f->title, sub, f->target.width);
}

static void
series_color (int      i,
              SyColor *c)
{
  sy_colormap_categorical (i, c);
}

/* The plot area on @target below the title and @legend_h, with room for
 * the ticks of @y (left) and @bottom label rows. */
static SyRect
plot_area (const SyRenderTarget *target,
           const SyScale        *y,
           double                bottom,
           double                legend_h)
{
  const SyRenderStyle *style = target->style;
  double width = target->width, height = target->height;
  double tw = _sy_ticks_width (style, y, 5, 0.8);
  double margin = _sy_px (style, 12), top = _sy_title_height (style) + margin + legend_h;
  SyRect r;

  r.x = margin + tw + _sy_px (style, 6);
  r.y = top;
  r.w = MAX (width - margin - r.x, 1);
  r.h = MAX (height - margin - bottom - r.y, 1);
  return r;
}

/* A legend row of coloured squares and labels from (x, y); returns its height. */
static double
legend (cairo_t             *cr,
        const SyRenderStyle *style,
        double               x,
        double               y,
        double               max_w,
        int                  n,
        const char * const  *labels,
        const SyColor       *colors)
{
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  double sh = _sy_text_height (style, 0.8), sw = _sy_px (style, 10), x0 = x, rows = 1;

  t.size = 0.8;
  t.yalign = 0.5;
  t.color = &style->foreground;
  for (int i = 0; i < n; i++)
    {
      double w;

      _sy_text_size (style, labels[i], 0.8, FALSE, &w, NULL);
      if (x > x0 && x + sw + w + _sy_px (style, 4) > x0 + max_w)
        {
          x = x0;
          y += sh + _sy_px (style, 2);
          rows++;
        }
      _sy_set_color (cr, &colors[i]);
      cairo_rectangle (cr, x, y + sh / 2 - sw / 2, sw, sw);
      cairo_fill (cr);
      x += sw + _sy_px (style, 4);
      x += _sy_draw_text (cr, style, labels[i], x, y + sh / 2, &t) + _sy_px (style, 12);
    }
  return rows * (sh + _sy_px (style, 2));
}

static double
legend_height (const SyRenderStyle *style,
               double               max_w,
               int                  n,
               const char * const  *labels)
{
  double sh = _sy_text_height (style, 0.8), sw = _sy_px (style, 10), x = 0, rows = 1;

  for (int i = 0; i < n; i++)
    {
      double w;

      _sy_text_size (style, labels[i], 0.8, FALSE, &w, NULL);
      if (x > 0 && x + sw + w + _sy_px (style, 4) > max_w)
        {
          x = 0;
          rows++;
        }
      x += sw + _sy_px (style, 4) + w + _sy_px (style, 12);
    }
  return rows * (sh + _sy_px (style, 2));
}

static char *
subtitle (const SyProfile *p,
          const char      *extra)
{
  return g_strdup_printf ("%s · %s%s%s · %d chunks%s%s", p->model, p->corpus_kind,
                          g_strcmp0 (p->split, "all") != 0 ? " " : "",
                          g_strcmp0 (p->split, "all") != 0 ? p->split : "",
                          p->n_texts, extra ? " · " : "", extra ? extra : "");
}

/* Grouped bars: @n_groups groups (x labels), @n_series bars each (legend);
 * values[s * n_groups + g], NaN = no bar. */
static void
grouped_bars (const ChartFrame    *f,
              const char          *sub,
              const char          *ylabel,
              int                  n_groups,
              const char * const  *groups,
              int                  n_series,
              const char * const  *series,
              const double        *values,
              double               ref,
              const char          *ref_label)
{
  cairo_t *cr = f->target.cr;
  const SyRenderStyle *style = f->target.style;
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  g_autofree SyColor *colors = g_new (SyColor, MAX (n_series, 1));
  double ymax = 0, lw = 0, lh = 0, slot, bw, margin = _sy_px (style, 12), label_w = 0;
  gboolean rotate = FALSE;
  SyRect p;

  chart_begin (f, sub);
  for (int i = 0; i < n_groups * n_series; i++)
    if (isfinite (values[i]))
      ymax = MAX (ymax, values[i]);
  if (isfinite (ref))
    ymax = MAX (ymax, ref);
  if (n_groups == 0 || ymax <= 0)
    {
      message_below_title (f, margin, _("No data"));
      return;
    }
  ymax *= 1.08;
  for (int s = 0; s < n_series; s++)
    series_color (s, &colors[s]);
  if (n_series > 1)
    lh = legend_height (style, f->target.width - 2 * margin, n_series, series) + _sy_px (style, 4);
  for (int g = 0; g < n_groups; g++)
    {
      _sy_text_size (style, groups[g], 0.8, FALSE, &lw, NULL);
      label_w = MAX (label_w, lw);
    }
  p = plot_area (&f->target, &(SyScale) { 0, ymax, FALSE }, _sy_text_height (style, 0.8) + _sy_px (style, 6),
                 lh + _sy_text_height (style, 0.8));
  slot = p.w / n_groups;
  if (label_w + _sy_px (style, 4) > slot)
    {
      double reach = MIN (label_w, f->target.height * 0.3) * 0.72, need = margin + reach - slot * 0.5;

      rotate = TRUE;
      p.h = MAX (p.h - reach, 1);
      /* the first label runs down to the left: keep it inside */
      if (p.x < need)
        {
          p.w = MAX (p.w - (need - p.x), 1);
          p.x = need;
          slot = p.w / n_groups;
        }
    }
  if (n_series > 1)
    legend (cr, style, margin, _sy_title_height (style) + margin - _sy_px (style, 4),
            f->target.width - 2 * margin, n_series, series, colors);
  _sy_draw_y_grid (cr, style, &p, &(SyScale) { 0, ymax, FALSE }, 5, ylabel);

  bw = slot * 0.8 / MAX (n_series, 1);
  for (int s = 0; s < n_series; s++)
    {
      _sy_set_color (cr, n_series > 1 ? &colors[s] : &style->bar);
      for (int g = 0; g < n_groups; g++)
        {
          double v = values[s * n_groups + g], h;

          if (!isfinite (v))
            continue;
          h = CLAMP (v / ymax, 0, 1) * p.h;
          cairo_rectangle (cr, p.x + g * slot + slot * 0.1 + s * bw, p.y + p.h - h, MAX (bw * 0.92, 0.5), h);
        }
      cairo_fill (cr);
    }
  if (isfinite (ref))
    {
      double y = p.y + p.h - CLAMP (ref / ymax, 0, 1) * p.h;

      _sy_dashed_line (cr, &style->foreground, _sy_px (style, 1.2), _sy_px (style, 4),
                       (SyPoint) { p.x, y }, (SyPoint) { p.x + p.w, y });
      if (ref_label)
        {
          t.size = 0.75;
          t.xalign = 1;
          t.yalign = 1;
          t.color = &style->foreground;
          _sy_draw_text (cr, style, ref_label, p.x + p.w, y - _sy_px (style, 2), &t);
        }
    }

  /* group labels */
  t = (SyTextOpts) SY_TEXT_OPTS_INIT;
  t.size = 0.8;
  t.color = &style->foreground;
  {
    int stride = 1;

    if (rotate)
      while (stride * slot < _sy_text_height (style, 0.8))
        stride++;
    for (int g = 0; g < n_groups; g += stride)
      {
        double x = p.x + (g + 0.5) * slot, y = p.y + p.h + _sy_px (style, 3);

        if (rotate)
          {
            t.angle = -G_PI / 4;
            t.xalign = 1;
            t.yalign = 0.5;
            t.max_width = MIN (label_w, f->target.height * 0.3);
            _sy_draw_text (cr, style, groups[g], x, y + _sy_px (style, 2), &t);
          }
        else
          {
            t.xalign = 0.5;
            t.yalign = 0;
            _sy_draw_text (cr, style, groups[g], x, y, &t);
          }
      }
  }
}

static const SyProfileRun *
get_run (const SyProfile              *prof,
         const SyProfileRenderOptions *opts)
{
  int i;

  if (prof->runs->len == 0)
    return NULL;
  i = CLAMP (opts->run, 0, (int) prof->runs->len - 1);
  return g_ptr_array_index (prof->runs, i);
}

/* A heatmap of rows × cols in [0, vmax] with a colour bar; optional
 * right-hand column of per-row text. */
/* Where heatmap() put its cells, recorded for sy_profile_render_expert_at()
 * while it draws on a scratch surface. */
typedef struct
{
  double x0, y0, cw, ch;
  int    rows, cols;
  gboolean set;
} HeatGrid;

static _Thread_local HeatGrid *heat_grid;

static void
heatmap (const ChartFrame    *f,
         const char          *sub,
         int                  rows,
         int                  cols,
         const double        *v,
         const char * const  *row_labels,
         const char          *row_axis,
         const char          *col_axis,
         const char * const  *row_extra,
         const char          *extra_title,
         const char          *bar_label)
{
  cairo_t *cr = f->target.cr;
  const SyRenderStyle *style = f->target.style;
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  double margin = _sy_px (style, 12), top = _sy_title_height (style) + margin + _sy_text_height (style, 0.8);
  double vmax = 0, rl = 0, ew = 0, w, cbw, cw, ch, x0, y0, gw, gh;
  SyRect bar;

  chart_begin (f, sub);
  for (int i = 0; i < rows * cols; i++)
    if (isfinite (v[i]))
      vmax = MAX (vmax, v[i]);
  if (rows == 0 || cols == 0 || vmax <= 0)
    {
      SyRect r = { margin, top, f->target.width - 2 * margin, f->target.height - top - margin };

      message (cr, style, &r, _("No data"));
      return;
    }
  for (int r = 0; r < rows; r++)
    {
      _sy_text_size (style, row_labels[r], 0.8, FALSE, &w, NULL);
      rl = MAX (rl, w);
      if (row_extra)
        {
          _sy_text_size (style, row_extra[r], 0.8, FALSE, &w, NULL);
          ew = MAX (ew, w);
        }
    }
  if (row_extra && extra_title)
    {
      _sy_text_size (style, extra_title, 0.8, FALSE, &w, NULL);
      ew = MAX (ew, w);
    }
  cbw = _sy_colorbar_width (style, &(SyScale) { 0, vmax, FALSE }, bar_label);
  x0 = margin + rl + _sy_px (style, 6);
  y0 = top + _sy_px (style, 2);
  gw = MAX (f->target.width - x0 - margin - cbw - _sy_px (style, 10) - (row_extra ? ew + _sy_px (style, 10) : 0), 1);
  gh = MAX (f->target.height - y0 - margin - 2 * _sy_text_height (style, 0.8) - _sy_px (style, 8), 1);
  cw = gw / cols;
  ch = gh / rows;
  /* square-ish cells when there is room */
  if (cw > ch * 1.6)
    {
      cw = ch * 1.6;
      gw = cw * cols;
    }
  else if (ch > cw * 1.6)
    {
      ch = cw * 1.6;
      gh = ch * rows;
    }

  if (heat_grid)
    *heat_grid = (HeatGrid) { x0, y0, cw, ch, rows, cols, TRUE };
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        double x = v[r * cols + c];
        SyColor col;

        if (!isfinite (x))
          {
            _sy_fill_cell (cr, style, &(SyRect) { x0 + c * cw, y0 + r * ch, cw, ch }, &style->missing,
                           SY_PATTERN_HATCH);
            continue;
          }
        sy_colormap_sequential (x / vmax, &col);
        _sy_set_color (cr, &col);
        cairo_rectangle (cr, x0 + c * cw, y0 + r * ch, cw + 0.3, ch + 0.3);
        cairo_fill (cr);
      }

  t.size = 0.8;
  t.color = &style->foreground;
  t.xalign = 1;
  t.yalign = 0.5;
  {
    int stride = 1;

    while (stride * ch < _sy_text_height (style, 0.8))
      stride++;
    for (int r = 0; r < rows; r += stride)
      {
        _sy_draw_text (cr, style, row_labels[r], x0 - _sy_px (style, 4), y0 + (r + 0.5) * ch, &t);
        if (row_extra)
          {
            SyTextOpts e = t;

            e.xalign = 0;
            _sy_draw_text (cr, style, row_extra[r], x0 + gw + _sy_px (style, 8), y0 + (r + 0.5) * ch, &e);
          }
      }
  }
  if (row_extra && extra_title)
    {
      SyTextOpts e = t;

      e.xalign = 0;
      e.yalign = 1;
      e.color = &style->muted;
      _sy_draw_text (cr, style, extra_title, x0 + gw + _sy_px (style, 8), y0 - _sy_px (style, 2), &e);
    }
  if (row_axis)
    {
      SyTextOpts e = t;

      e.xalign = 0;
      e.yalign = 1;
      e.color = &style->muted;
      _sy_draw_text (cr, style, row_axis, margin, y0 - _sy_px (style, 2), &e);
    }
  /* column labels */
  {
    double lw;
    int stride = 1;

    _sy_text_size (style, "000", 0.8, FALSE, &lw, NULL);
    while (stride * cw < lw)
      stride = stride < 2 ? 2 : stride < 4 ? 4 : stride < 8 ? 8 : stride * 2;
    t.xalign = 0.5;
    t.yalign = 0;
    for (int c = 0; c < cols; c += stride)
      {
        g_autofree char *s = g_strdup_printf ("%d", c);

        _sy_draw_text (cr, style, s, x0 + (c + 0.5) * cw, y0 + gh + _sy_px (style, 3), &t);
      }
    t.color = &style->muted;
    _sy_draw_text (cr, style, col_axis, x0 + gw / 2, y0 + gh + _sy_text_height (style, 0.8) + _sy_px (style, 5), &t);
  }
  bar = (SyRect) { f->target.width - margin - cbw, y0, cbw, MIN (gh, f->target.height - y0 - margin) };
  _sy_colorbar (cr, style, &bar, &(SyScale) { 0, vmax, FALSE }, sy_colormap_sequential, bar_label);
}

/* ------------------------------------------------------------ charts */

static void
draw_load (const ChartFrame *f)
{
  const SyProfileRun *r = get_run (f->prof, f->opts);
  int L = r ? r->n_layers : 0, E = f->prof->n_experts;
  g_autofree double *v = g_new0 (double, MAX (L * E, 1));
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *extra_sub = g_strdup_printf (_("%s · imbalance CV = std / mean of the load"), r ? r->router : "");
  g_autofree char *sub = subtitle (f->prof, extra_sub);

  for (int l = 0; l < L; l++)
    {
      double total = 0;

      for (int e = 0; e < E; e++)
        total += r->layers[l].expert_load[e];
      for (int e = 0; e < E; e++)
        v[l * E + e] = total > 0 ? 100.0 * r->layers[l].expert_load[e] / total : NAN;
      g_ptr_array_add (labels, g_strdup_printf ("L%d", r->layers[l].layer));
      g_ptr_array_add (extra, g_strdup_printf ("%.2f", sy_profile_layer_imbalance (r, l)));
    }
  heatmap (f, sub, L, E, v,
           (const char * const *) labels->pdata, _("Layer"), _("Expert"),
           /* xgettext:no-c-format */
           (const char * const *) extra->pdata, _("CV"), _("% of routed"));
}

static void
draw_coactivation (const ChartFrame *f)
{
  const SyProfileRun *r = get_run (f->prof, f->opts);
  int E = f->prof->n_experts, l = r ? CLAMP (f->opts->layer, 0, MAX (r->n_layers - 1, 0)) : 0;
  g_autofree double *v = g_new0 (double, MAX (E * E, 1));
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *extra = NULL, *sub = NULL;
  int rows = 0;

  if (r && r->n_layers > 0)
    {
      rows = E;
      for (int a = 0; a < E; a++)
        {
          g_ptr_array_add (labels, g_strdup_printf ("%d", a));
          for (int b = 0; b < E; b++)
            v[a * E + b] = a == b ? NAN : (double) r->layers[l].coactivation[(gsize) a * E + b];
        }
    }
  extra = g_strdup_printf (_("%s · layer %d (diagonal hatched)"), r ? r->router : "", r && r->n_layers ? r->layers[l].layer : 0);
  sub = subtitle (f->prof, extra);
  heatmap (f, sub, rows, E, v,
           (const char * const *) labels->pdata, _("Expert"), _("Expert"), NULL, NULL, _("tokens"));
}

static void
draw_k_by_layer (const ChartFrame *f)
{
  int S = (int) f->prof->runs->len, L = f->prof->n_layers;
  g_autofree double *v = g_new0 (double, MAX (S * L, 1));
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **series = g_new0 (const char *, MAX (S, 1));
  g_autofree char *sub = subtitle (f->prof, NULL);

  for (int l = 0; l < L; l++)
    g_ptr_array_add (groups, g_strdup_printf ("L%d", S > 0 ? ((SyProfileRun *) g_ptr_array_index (f->prof->runs, 0))->layers[l].layer : l));
  for (int s = 0; s < S; s++)
    {
      const SyProfileRun *r = g_ptr_array_index (f->prof->runs, s);

      series[s] = r->router;
      for (int l = 0; l < L; l++)
        v[s * L + l] = sy_profile_layer_avg_k (r, l);
    }
  grouped_bars (f, sub, _("mean K"),
                L, (const char * const *) groups->pdata, S, series, v, f->prof->native_k, _("native k"));
}

/* by_genre / by_pos: the union of keys over runs */
static void
draw_groups (const ChartFrame *f)
{
  gboolean genre = f->chart != SY_PROFILE_CHART_K_BY_POS;
  gboolean ppl = f->chart == SY_PROFILE_CHART_PPL_BY_GENRE;
  int S = (int) f->prof->runs->len, n = 0;
  g_autofree const char **keys = NULL;
  g_autofree const char **labels = NULL;
  g_autofree const char **series = g_new0 (const char *, MAX (S, 1));
  g_autofree double *v = NULL;
  g_autofree char *sub = subtitle (f->prof, genre ? NULL : _("most frequent tags"));
  double ref = NAN;

  if (S > 0)
    {
      const SyProfileRun *r0 = g_ptr_array_index (f->prof->runs, 0);

      keys = sy_profile_sorted_keys (genre ? r0->by_genre : r0->by_pos, genre, &n);
      if (!genre)
        n = MIN (n, f->opts->max_pos > 0 ? f->opts->max_pos : 16);
    }
  labels = g_new0 (const char *, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      const char *name = genre && g_strcmp0 (f->prof->corpus_kind, "brown") == 0 ? sy_brown_genre_name (keys[i]) : NULL;

      labels[i] = name ? name : keys[i];
    }
  v = g_new0 (double, MAX (S * n, 1));
  for (int s = 0; s < S; s++)
    {
      const SyProfileRun *r = g_ptr_array_index (f->prof->runs, s);

      series[s] = r->router;
      for (int i = 0; i < n; i++)
        {
          const SyProfileGroup *g = g_hash_table_lookup (genre ? r->by_genre : r->by_pos, keys[i]);

          v[s * n + i] = g == NULL ? NAN : ppl ? sy_profile_group_perplexity (g) : sy_profile_group_avg_k (g);
        }
    }
  if (!ppl)
    ref = f->prof->native_k;
  grouped_bars (f, sub, ppl ? _("perplexity") : _("mean K"),
                n, labels, S, series, v, ref, ppl ? NULL : _("native k"));
}

static void
draw_entropy (const ChartFrame *f)
{
  const SyProfileRun *r = get_run (f->prof, f->opts);
  int B = SY_PROFILE_ENTROPY_BINS;
  double v[SY_PROFILE_ENTROPY_BINS] = { 0, }, emax = sy_profile_entropy_max (f->prof), total = 0, mean = 0;
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *extra = NULL, *sub = NULL;
  const char *series[1];

  for (int b = 0; b < B; b++)
    {
      g_ptr_array_add (groups, g_strdup_printf ("%.2f", emax * (b + 0.5) / B));
      for (int l = 0; r && l < r->n_layers; l++)
        v[b] += r->layers[l].entropy_hist[b];
      total += v[b];
    }
  for (int l = 0; r && l < r->n_layers; l++)
    mean += r->layers[l].entropy_sum;
  if (total > 0)
    for (int b = 0; b < B; b++)
      v[b] = 100.0 * v[b] / total;
  extra = g_strdup_printf (_("%s · all layers · mean %.3f nats of ln E = %.2f"), r ? r->router : "",
                           total > 0 ? mean / total : NAN, emax);
  sub = subtitle (f->prof, extra);
  series[0] = r ? r->router : "";
  grouped_bars (f, sub,
                /* xgettext:no-c-format */
                _("% of token-layers (bins of H in nats)"), B, (const char * const *) groups->pdata,
                1, series, v, NAN, NULL);
}

static void
draw_sweep (const ChartFrame *f)
{
  cairo_t *cr = f->target.cr;
  const SyRenderStyle *style = f->target.style;
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  int n = (int) f->prof->sweep->len;
  double kmin = INFINITY, kmax = -INFINITY, pmin = INFINITY, pmax = -INFINITY, margin = _sy_px (style, 12);
  double xt[SY_MAX_TICKS], xstep, rad = _sy_px (style, 4);
  g_autofree char *sub = subtitle (f->prof, _("top-p at each p; ◆ native"));
  SyRect p;
  int nxt;
  SyColor pareto_c, point_c;

  chart_begin (f, sub);
  for (int i = 0; i < n; i++)
    {
      const SyProfileSweepPoint *s = &g_array_index (f->prof->sweep, SyProfileSweepPoint, i);

      if (!isfinite (s->avg_k) || !isfinite (s->perplexity))
        continue;
      kmin = MIN (kmin, s->avg_k);
      kmax = MAX (kmax, s->avg_k);
      pmin = MIN (pmin, s->perplexity);
      pmax = MAX (pmax, s->perplexity);
    }
  if (f->prof->have_native_point && isfinite (f->prof->native_point.perplexity))
    {
      kmin = MIN (kmin, f->prof->native_point.avg_k);
      kmax = MAX (kmax, f->prof->native_point.avg_k);
      pmin = MIN (pmin, f->prof->native_point.perplexity);
      pmax = MAX (pmax, f->prof->native_point.perplexity);
    }
  if (!isfinite (kmin) || n == 0)
    {
      message_below_title (f, margin, _("No sweep (run the profile with a p-sweep)"));
      return;
    }
  {
    double pad = MAX ((pmax - pmin) * 0.1, pmax * 0.002 + 1e-9);

    pmin -= pad;
    pmax += pad;
    pad = MAX ((kmax - kmin) * 0.08, 0.1);
    kmin = MAX (kmin - pad, 0);
    kmax += pad;
  }
  p = plot_area (&f->target, &(SyScale) { pmin, pmax, FALSE }, 2 * _sy_text_height (style, 0.8) + _sy_px (style, 8),
                 2 * _sy_text_height (style, 0.8) + _sy_px (style, 4));
  _sy_draw_y_grid (cr, style, &p, &(SyScale) { pmin, pmax, FALSE }, 5, _("perplexity"));

  /* x ticks */
  nxt = _sy_nice_ticks (&(SyScale) { kmin, kmax, FALSE }, 6, xt, &xstep);
  t.size = 0.8;
  t.xalign = 0.5;
  t.color = &style->muted;
  cairo_set_line_width (cr, _sy_px (style, 1));
  for (int i = 0; i < nxt; i++)
    {
      double x = p.x + (xt[i] - kmin) / (kmax - kmin) * p.w;
      g_autofree char *s = _sy_format_tick (xt[i], xstep);

      if (x < p.x - 0.5 || x > p.x + p.w + 0.5)
        continue;
      _sy_set_color (cr, &style->grid);
      cairo_move_to (cr, x, p.y);
      cairo_line_to (cr, x, p.y + p.h);
      cairo_stroke (cr);
      _sy_draw_text (cr, style, s, x, p.y + p.h + _sy_px (style, 3), &t);
    }
  _sy_draw_text (cr, style, _("average experts per token (K)"), p.x + p.w / 2,
                 p.y + p.h + _sy_text_height (style, 0.8) + _sy_px (style, 5), &t);

#define PX(k) (p.x + ((k) - kmin) / (kmax - kmin) * p.w)
#define PY(v) (p.y + p.h - ((v) - pmin) / (pmax - pmin) * p.h)
  /* the Pareto front, by K */
  sy_colormap_categorical (0, &point_c);
  sy_colormap_categorical (1, &pareto_c);
  {
    g_autoptr (GArray) front = g_array_new (FALSE, FALSE, sizeof (SyProfileSweepPoint));

    for (int i = 0; i < n; i++)
      {
        const SyProfileSweepPoint *s = &g_array_index (f->prof->sweep, SyProfileSweepPoint, i);

        if (s->pareto)
          g_array_append_val (front, *s);
      }
    for (guint i = 1; i < front->len; i++)
      for (guint j = i; j > 0 && g_array_index (front, SyProfileSweepPoint, j).avg_k <
                                 g_array_index (front, SyProfileSweepPoint, j - 1).avg_k; j--)
        {
          SyProfileSweepPoint tmp = g_array_index (front, SyProfileSweepPoint, j);

          g_array_index (front, SyProfileSweepPoint, j) = g_array_index (front, SyProfileSweepPoint, j - 1);
          g_array_index (front, SyProfileSweepPoint, j - 1) = tmp;
        }
    _sy_set_color (cr, &pareto_c);
    cairo_set_line_width (cr, _sy_px (style, 2));
    for (guint i = 0; i < front->len; i++)
      {
        const SyProfileSweepPoint *s = &g_array_index (front, SyProfileSweepPoint, i);

        if (i == 0)
          cairo_move_to (cr, PX (s->avg_k), PY (s->perplexity));
        else
          cairo_line_to (cr, PX (s->avg_k), PY (s->perplexity));
      }
    cairo_stroke (cr);
  }
  t.size = 0.75;
  t.xalign = 0;
  t.yalign = 1;
  t.color = &style->foreground;
  for (int i = 0; i < n; i++)
    {
      const SyProfileSweepPoint *s = &g_array_index (f->prof->sweep, SyProfileSweepPoint, i);
      g_autofree char *lbl = g_strdup_printf ("%.2g", s->p);

      if (!isfinite (s->avg_k) || !isfinite (s->perplexity))
        continue;
      _sy_set_color (cr, s->pareto ? &pareto_c : &point_c);
      cairo_arc (cr, PX (s->avg_k), PY (s->perplexity), rad, 0, 2 * G_PI);
      cairo_fill (cr);
      _sy_draw_text (cr, style, lbl, PX (s->avg_k) + rad, PY (s->perplexity) - rad * 0.5, &t);
    }
  if (f->prof->have_native_point && isfinite (f->prof->native_point.perplexity))
    {
      double x = PX (f->prof->native_point.avg_k), y = PY (f->prof->native_point.perplexity), d = rad * 1.5;

      _sy_set_color (cr, &style->foreground);
      cairo_move_to (cr, x, y - d);
      cairo_line_to (cr, x + d, y);
      cairo_line_to (cr, x, y + d);
      cairo_line_to (cr, x - d, y);
      cairo_close_path (cr);
      cairo_fill (cr);
      t.xalign = 1;
      _sy_draw_text (cr, style, _("native"), x - d - _sy_px (style, 2), y - _sy_px (style, 2), &t);
    }
#undef PX
#undef PY
  {
    const char *names[2] = { _("p (dominated)"), _("Pareto front") };
    SyColor cols[2] = { point_c, pareto_c };

    legend (cr, style, p.x, _sy_title_height (style) + margin - _sy_px (style, 4), p.w, 2, names, cols);
  }
}

static void
draw_time (const ChartFrame *f)
{
  cairo_t *cr = f->target.cr;
  const SyRenderStyle *style = f->target.style;
  const SyProfileRun *r = get_run (f->prof, f->opts);
  int L = r ? r->n_layers : 0, n = L + 1;   /* the layers, then the LM head */
  double ymax = 0, margin = _sy_px (style, 12), slot, lh;
  SyColor cols[SY_N_OPS];
  const char *ops[SY_N_OPS];
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  g_autofree char *extra = NULL, *sub = NULL;
  SyRect p;

  if (r)
    extra = g_strdup_printf (_("%s · total %.2f s (attention %.2f, router %.2f, experts %.2f, LM head %.2f)"),
                             r->router, r->total_time_s, r->op_time_s[SY_OP_ATTENTION],
                             r->op_time_s[SY_OP_ROUTER], r->op_time_s[SY_OP_EXPERTS],
                             r->op_time_s[SY_OP_LM_HEAD]);
  sub = subtitle (f->prof, extra);
  chart_begin (f, sub);
  for (int l = 0; l < L; l++)
    ymax = MAX (ymax, r->layers[l].time_s * 1e3);
  if (r)
    ymax = MAX (ymax, r->op_time_s[SY_OP_LM_HEAD] * 1e3);
  if (ymax <= 0)
    {
      message_below_title (f, margin, _("No timings recorded"));
      return;
    }
  ymax *= 1.08;
  for (int o = 0; o < SY_N_OPS; o++)
    sy_colormap_categorical (o, &cols[o]);
  for (int o = 0; o < SY_N_OPS; o++)
    ops[o] = _(op_labels[o]);
  lh = legend_height (style, f->target.width - 2 * margin, SY_N_OPS, ops) + _sy_text_height (style, 0.8);
  p = plot_area (&f->target, &(SyScale) { 0, ymax, FALSE }, _sy_text_height (style, 0.8) + _sy_px (style, 6), lh);
  legend (cr, style, margin, _sy_title_height (style) + margin - _sy_px (style, 4), f->target.width - 2 * margin,
          SY_N_OPS, ops, cols);
  _sy_draw_y_grid (cr, style, &p, &(SyScale) { 0, ymax, FALSE }, 5, _("ms (summed over chunks)"));
  slot = p.w / n;
  for (int i = 0; i < n; i++)
    {
      double y = p.y + p.h, x = p.x + i * slot + slot * 0.15, w = MAX (slot * 0.7, 0.5);

      for (int o = 0; o < SY_N_OPS; o++)
        {
          double v = i < L ? r->layers[i].op_time_s[o] : (o == SY_OP_LM_HEAD ? r->op_time_s[o] : 0);
          double h = CLAMP (v * 1e3 / ymax, 0, 1) * p.h;

          if (h <= 0)
            continue;
          _sy_set_color (cr, &cols[o]);
          cairo_rectangle (cr, x, y - h, w, h);
          cairo_fill (cr);
          y -= h;
        }
      /* the part of the layer no operation accounts for */
      if (i < L)
        {
          double top = p.y + p.h - CLAMP (r->layers[i].time_s * 1e3 / ymax, 0, 1) * p.h;

          if (top < y - 0.5)
            {
              _sy_set_color (cr, &style->muted);
              cairo_set_line_width (cr, _sy_px (style, 1));
              cairo_rectangle (cr, x + 0.5, top + 0.5, w - 1, y - top - 1);
              cairo_stroke (cr);
            }
        }
    }
  t.size = 0.8;
  t.xalign = 0.5;
  t.color = &style->foreground;
  {
    double lw;
    int stride = 1;

    _sy_text_size (style, "L00", 0.8, FALSE, &lw, NULL);
    while (stride * slot < lw + _sy_px (style, 4))
      stride++;
    for (int i = 0; i < n; i += (i + stride < n || i == n - 1) ? stride : n - 1 - i)
      {
        g_autofree char *s = i < L ? g_strdup_printf ("L%d", r->layers[i].layer) : g_strdup (_("head"));

        _sy_draw_text (cr, style, s, p.x + (i + 0.5) * slot, p.y + p.h + _sy_px (style, 3), &t);
        if (i == n - 1)
          break;
      }
  }
}

/* Each chart's drawing, by SyProfileChart. */
static void (* const chart_draw[SY_PROFILE_N_CHARTS]) (const ChartFrame *f) = {
  draw_load, draw_coactivation, draw_k_by_layer, draw_groups, draw_groups, draw_entropy, draw_groups,
  draw_sweep, draw_time,
};

/* The dashboard's grid of charts: 3 columns when wide enough, else 2;
 * @tile is where a chart is drawn, translated to its tile. */
typedef struct
{
  int            cols, rows;
  double         gap;   /* between tiles */
  SyRenderTarget tile;
} Tiles;

static Tiles
dashboard_tiles (const SyRenderTarget *target)
{
  Tiles tiles;

  tiles.cols = target->width >= 1100 ? 3 : 2;
  tiles.rows = (SY_PROFILE_N_CHARTS + tiles.cols - 1) / tiles.cols;
  tiles.gap = _sy_px (target->style, 8);
  tiles.tile = *target;
  tiles.tile.width = (target->width - (tiles.cols - 1) * tiles.gap) / tiles.cols;
  tiles.tile.height = (target->height - (tiles.rows - 1) * tiles.gap) / tiles.rows;
  return tiles;
}

/* Every chart in a grid on @target (whose style is set). */
static void
draw_dashboard (const SyRenderTarget         *target,
                const SyProfile              *profile,
                const SyProfileRenderOptions *opts)
{
  cairo_t *cr = target->cr;
  Tiles tiles = dashboard_tiles (target);
  double w, h;

  w = tiles.tile.width;
  h = tiles.tile.height;
  cairo_save (cr);
  _sy_set_color (cr, &tiles.tile.style->grid);
  cairo_paint (cr);
  cairo_restore (cr);
  for (int i = 0; i < SY_PROFILE_N_CHARTS; i++)
    {
      double x = (i % tiles.cols) * (w + tiles.gap), y = (i / tiles.cols) * (h + tiles.gap);

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rectangle (cr, 0, 0, w, h);
      cairo_clip (cr);
      sy_profile_render_chart (&tiles.tile, profile, i, opts);
      cairo_restore (cr);
    }
}

void
sy_profile_render_chart (const SyRenderTarget         *target,
                         const SyProfile              *profile,
                         int                           chart,
                         const SyProfileRenderOptions *opts)
{
  SyProfileRenderOptions defaults;
  const SyRenderStyle *style = target->style ? target->style : sy_render_style_light ();
  cairo_t *cr = target->cr;

  g_return_if_fail (cr != NULL && profile != NULL);
  g_return_if_fail (chart < SY_PROFILE_N_CHARTS);
  if (chart < 0)
    {
      draw_dashboard (&(SyRenderTarget) { cr, style, target->width, target->height }, profile, opts);
      return;
    }
  if (opts == NULL)
    {
      sy_profile_render_options_init (&defaults);
      opts = &defaults;
    }
  cairo_save (cr);
  chart_draw[chart] (&(ChartFrame) { { cr, style, target->width, target->height }, profile, opts, chart,
                                     _(charts[chart].title) });
  cairo_restore (cr);
}

gboolean
sy_profile_render_expert_at (const SyRenderTarget         *target,
                             const SyProfile              *profile,
                             int                           chart,
                             const SyProfileRenderOptions *opts,
                             const double                  point[2],
                             int                           cell[2])
{
  SyProfileRenderOptions defaults;
  SyRenderTarget probe = *target;
  const SyProfileRun *r;
  HeatGrid grid = { 0, };
  cairo_surface_t *surface;
  double x = point[0], y = point[1];
  int row, col;

  g_return_val_if_fail (profile != NULL && cell != NULL, FALSE);
  if (opts == NULL)
    {
      sy_profile_render_options_init (&defaults);
      opts = &defaults;
    }
  if (probe.style == NULL)
    probe.style = sy_render_style_light ();
  if (chart < 0)
    {
      /* the dashboard's tile under the point */
      Tiles tiles = dashboard_tiles (&probe);
      double pw = tiles.tile.width + tiles.gap, ph = tiles.tile.height + tiles.gap;
      int tc = (int) floor (x / pw), tr = (int) floor (y / ph), i;

      if (tc < 0 || tc >= tiles.cols || tr < 0 || tr >= tiles.rows)
        return FALSE;
      i = tr * tiles.cols + tc;
      if (i >= SY_PROFILE_N_CHARTS)
        return FALSE;
      return sy_profile_render_expert_at (&tiles.tile, profile, i, opts,
                                          (const double[2]) { x - tc * pw, y - tr * ph }, cell);
    }
  if (chart != SY_PROFILE_CHART_LOAD && chart != SY_PROFILE_CHART_COACTIVATION)
    return FALSE;
  r = get_run (profile, opts);
  if (r == NULL || r->n_layers == 0)
    return FALSE;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  probe.cr = cairo_create (surface);
  heat_grid = &grid;
  sy_profile_render_chart (&probe, profile, chart, opts);
  heat_grid = NULL;
  cairo_destroy (probe.cr);
  cairo_surface_destroy (surface);
  if (!grid.set || grid.cw <= 0 || grid.ch <= 0 || x < grid.x0 || y < grid.y0)
    return FALSE;
  col = (int) floor ((x - grid.x0) / grid.cw);
  row = (int) floor ((y - grid.y0) / grid.ch);
  if (row < 0 || row >= grid.rows || col < 0 || col >= grid.cols)
    return FALSE;
  if (chart == SY_PROFILE_CHART_LOAD)
    {
      cell[0] = row;
      cell[1] = col;
    }
  else
    {
      cell[0] = CLAMP (opts->layer, 0, r->n_layers - 1);
      cell[1] = row;
    }
  return TRUE;
}
