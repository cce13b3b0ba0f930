/* sy-heatmap-render.c: the layer × token heatmap
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-heatmap-render.h"
#include "sy-render-private.h"

/* Okabe-Ito orange and blue: distinct in lightness and for every common
 * colour-vision deficiency. */
#define DEPTH_SHALLOW_HEX 0xe69f00
#define DEPTH_DEEP_HEX    0x0072b2

/* What an accessor reads: the trace and the options, and for a cell its
 * layer, token and K. */
typedef struct
{
  const SyTrace          *trace;
  const SyHeatmapOptions *opts;
  const SyTraceLayer     *l;
  int                     token;
  int                     k;
} Cell;

/* What each measure is, as data: its name, title and legend label, the
 * value of a cell, the range of its scale, the colour of a value, the
 * number written in a cell and its legend (a colour bar, or swatches for
 * the categorical ones).  Indexed by SyHeatmapMeasure. */
typedef struct
{
  const char *name;
  const char *title;
  char     *(*title_for) (const SyHeatmapOptions *opts);   /* a title that names more */
  const char *legend;
  gboolean    categorical;  /* swatches rather than a colour bar */
  gboolean    integer;      /* integer ticks on the colour bar */
  double    (*value)   (const Cell *c);
  double      range[2];     /* the scale's, unless vmax () gives its top */
  double    (*vmax)    (const Cell *c);
  SyPattern (*color)   (double         v,
                        const double  *range,
                        SyColor       *out);
  char     *(*text)    (double v);
  /* the widest number a cell shows (whether values fit) */
  double    (*widest)  (const SyTrace *trace);
  void      (*entries) (const SyTrace          *trace,
                        const SyHeatmapOptions *opts,
                        GArray                 *entries);
} MeasureInfo;

static double
value_k (const Cell *c)
{
  return c->l->k ? c->l->k[c->token] : NAN;
}

static double
value_importance (const Cell *c)
{
  return c->l->importance ? c->l->importance[c->token] : NAN;
}

static double
value_expert (const Cell *c)
{
  return c->k > 0 && c->l->experts ? c->l->experts[sy_trace_index (c->trace, c->token, 0)] : NAN;
}

static double
value_entropy (const Cell *c)
{
  return c->l->entropy ? c->l->entropy[c->token] : NAN;
}

static double
value_depth (const Cell *c)
{
  if (c->l->depth == NULL || c->l->depth[c->token] == SY_DEPTH_NONE)
    return NAN;
  return c->l->depth[c->token];
}

/* The gate's weight of the chosen expert, 0 when it was not chosen. */
static double
value_gate (const Cell *c)
{
  if (c->l->experts == NULL || c->l->weights == NULL)
    return NAN;
  for (int j = 0; j < c->k; j++)
    if (c->l->experts[sy_trace_index (c->trace, c->token, j)] == c->opts->gate_expert)
      return c->l->weights[sy_trace_index (c->trace, c->token, j)];
  return 0;
}

/* Native K sits mid-scale, so that both fewer and more experts show. */
static double
vmax_k (const Cell *c)
{
  const SyTrace *trace = c->trace;
  int max_k = 1;

  for (int i = 0; i < trace->n_moe_layers; i++)
    for (int t = 0; t < trace->n_tokens; t++)
      max_k = MAX (max_k, trace->layers[i].k[t]);
  max_k = MAX (max_k, 2 * trace->native_k);
  max_k = MAX (max_k, c->opts->k_scale_max);
  max_k = MIN (max_k, MAX (trace->n_experts, 2));
  return MAX (max_k, 2);
}

static double
vmax_entropy (const Cell *c)
{
  return c->trace->n_experts > 1 ? log (c->trace->n_experts) : 1;
}

static double
vmax_expert (const Cell *c)
{
  return c->trace->n_experts - 1;
}

static SyPattern
color_sequential (double        v,
                  const double *range,
                  SyColor      *out)
{
  sy_colormap_sequential (range[1] > range[0] ? (v - range[0]) / (range[1] - range[0]) : 0.5, out);
  return SY_PATTERN_SOLID;
}

static SyPattern
color_expert (double        v,
              const double *range,
              SyColor      *out)
{
  return sy_colormap_categorical ((int) v, out);
}

static SyPattern
color_depth (double        v,
             const double *range,
             SyColor      *out)
{
  sy_color_from_hex ((int) v == SY_DEPTH_DEEP ? DEPTH_DEEP_HEX : DEPTH_SHALLOW_HEX, out);
  return SY_PATTERN_SOLID;
}

static char *
text_integer (double v)
{
  return g_strdup_printf ("%d", (int) v);
}

static char *
text_depth (double v)
{
  /* TRANSLATORS: a cell of the depth heatmap: D deep, S shallow */
  return g_strdup ((int) v == SY_DEPTH_DEEP ? C_("depth", "D") : C_("depth", "S"));
}

static char *
text_tenths (double v)
{
  return g_strdup_printf ("%.1f", v);
}

static char *
text_hundredths (double v)
{
  return g_strdup_printf ("%.2f", v);
}

static double
widest_fraction (const SyTrace *trace)
{
  return 0.88;
}

static double
widest_expert (const SyTrace *trace)
{
  return trace->n_experts - 1;
}

static double
widest_k (const SyTrace *trace)
{
  return trace->n_experts;
}

static char *
title_gate (const SyHeatmapOptions *opts)
{
  return g_strdup_printf (_("Gate weight of expert %d"), opts->gate_expert);
}

static void entries_expert (const SyTrace          *trace,
                            const SyHeatmapOptions *opts,
                            GArray                 *entries);
static void entries_depth  (const SyTrace          *trace,
                            const SyHeatmapOptions *opts,
                            GArray                 *entries);

static const MeasureInfo measures[SY_HEATMAP_N_MEASURES] = {
  [SY_HEATMAP_K] = { "k", N_("Experts per token (K)"), NULL, N_("K"), FALSE, TRUE,
                     value_k, { 1, 2 }, vmax_k, color_sequential, text_integer, widest_k, NULL },
  [SY_HEATMAP_IMPORTANCE] = { "importance", N_("Token importance"), NULL, N_("importance"), FALSE, FALSE,
                              value_importance, { 0, 1 }, NULL, color_sequential, text_hundredths,
                              widest_fraction, NULL },
  [SY_HEATMAP_EXPERT] = { "expert", N_("Top expert"), NULL, N_("top expert"), TRUE, FALSE,
                          value_expert, { 0, 1 }, vmax_expert, color_expert, text_integer, widest_expert,
                          entries_expert },
  [SY_HEATMAP_ENTROPY] = { "entropy", N_("Router entropy (nats)"), NULL, N_("H(π), nats"), FALSE, FALSE,
                           value_entropy, { 0, 1 }, vmax_entropy, color_sequential, text_tenths,
                           widest_fraction, NULL },
  [SY_HEATMAP_DEPTH] = { "depth", N_("Depth: shallow or deep"), NULL, N_("depth"), TRUE, FALSE,
                         value_depth, { SY_DEPTH_SHALLOW, SY_DEPTH_DEEP }, NULL, color_depth, text_depth,
                         widest_fraction, entries_depth },
  [SY_HEATMAP_GATE] = { "gate", NULL, title_gate, N_("weight"), FALSE, FALSE,
                        value_gate, { 0, 1 }, NULL, color_sequential, text_hundredths, widest_fraction,
                        NULL },
};

static const MeasureInfo *
measure_info (const SyHeatmapOptions *opts)
{
  return &measures[opts->measure < SY_HEATMAP_N_MEASURES ? opts->measure : SY_HEATMAP_K];
}

void
sy_heatmap_options_init (SyHeatmapOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->measure = SY_HEATMAP_K;
  opts->selected_token = -1;
  opts->selected_layer = -1;
  opts->show_title = TRUE;
  opts->show_legend = TRUE;
  opts->show_values = TRUE;
}

gboolean
sy_heatmap_measure_parse (const char        *text,
                          SyHeatmapMeasure  *measure,
                          int               *gate_expert,
                          GError           **error)
{
  if (text == NULL)
    text = "";
  for (int i = 0; i < SY_HEATMAP_N_MEASURES; i++)
    if (i != SY_HEATMAP_GATE && strcmp (text, measures[i].name) == 0)
      {
        *measure = i;
        return TRUE;
      }
  if (g_str_has_prefix (text, "gate:"))
    {
      const char *num = text + 5;
      char *end = NULL;
      gint64 e;

      e = g_ascii_strtoll (num, &end, 10);
      if (end != num && *end == '\0' && e >= 0 && e < G_MAXINT)
        {
          *measure = SY_HEATMAP_GATE;
          if (gate_expert)
            *gate_expert = (int) e;
          return TRUE;
        }
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("measure '%s': expected gate:E with E an expert index"), text);
      return FALSE;
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("unknown measure '%s' (use k, importance, expert, entropy, depth or gate:E)"), text);
  return FALSE;
}

char *
sy_heatmap_measure_title (const SyHeatmapOptions *opts)
{
  if (opts->measure >= SY_HEATMAP_N_MEASURES)
    return g_strdup ("");
  if (measures[opts->measure].title_for)
    return measures[opts->measure].title_for (opts);
  return g_strdup (_(measures[opts->measure].title));
}

double
sy_heatmap_value (const SyTrace          *trace,
                  const SyHeatmapOptions *opts,
                  int                     moe_layer,
                  int                     token)
{
  Cell c = { trace, opts, NULL, token, 0 };

  g_return_val_if_fail (trace != NULL, NAN);
  if (moe_layer < 0 || moe_layer >= trace->n_moe_layers || token < 0 || token >= trace->n_tokens
      || opts->measure >= SY_HEATMAP_N_MEASURES)
    return NAN;
  c.l = &trace->layers[moe_layer];
  c.k = c.l->k ? CLAMP (c.l->k[token], 0, trace->n_experts) : 0;
  return measures[opts->measure].value (&c);
}

void
sy_heatmap_scale (const SyTrace          *trace,
                  const SyHeatmapOptions *opts,
                  double                 *vmin,
                  double                 *vmax)
{
  const MeasureInfo *info = &measures[opts->measure < SY_HEATMAP_N_MEASURES ? opts->measure : SY_HEATMAP_IMPORTANCE];
  Cell c = { trace, opts, NULL, 0, 0 };

  *vmin = info->range[0];
  *vmax = info->vmax ? info->vmax (&c) : info->range[1];
}

static SyPattern
color_for_value (const SyHeatmapOptions *opts,
                 const SyRenderStyle    *style,
                 double                  v,
                 double                  vmin,
                 double                  vmax,
                 SyColor                *out)
{
  if (isnan (v))
    {
      if (style)
        *out = style->missing;
      else
        sy_colormap_sequential (NAN, out);
      return SY_PATTERN_HATCH;
    }
  double range[2] = { vmin, vmax };

  return measure_info (opts)->color (v, range, out);
}

SyPattern
sy_heatmap_cell_color (const SyTrace          *trace,
                       const SyHeatmapOptions *opts,
                       int                     moe_layer,
                       int                     token,
                       SyColor                *out)
{
  double vmin, vmax;

  sy_heatmap_scale (trace, opts, &vmin, &vmax);
  return color_for_value (opts, NULL, sy_heatmap_value (trace, opts, moe_layer, token), vmin, vmax, out);
}

char *
sy_heatmap_describe_cell (const SyTrace          *trace,
                          const SyHeatmapOptions *opts,
                          int                     moe_layer,
                          int                     token)
{
  const SyTraceLayer *l;
  g_autofree char *label = NULL;
  GString *s;
  int k;

  if (moe_layer < 0 || moe_layer >= trace->n_moe_layers || token < 0 || token >= trace->n_tokens)
    return NULL;
  l = &trace->layers[moe_layer];
  k = CLAMP (l->k[token], 0, trace->n_experts);
  label = _sy_token_label (trace, token);
  s = g_string_new (NULL);
  g_string_append_printf (s, _("Token %d “%s” (id %d) · layer %d (MoE layer %d)\n"),
                          token, label, trace->ids[token], l->layer, l->moe);
  g_string_append_printf (s, _("K = %d of budget %d:"), k, l->budget);
  for (int j = 0; j < k; j++)
    {
      int e = l->experts[sy_trace_index (trace, token, j)];
      double prob = e >= 0 && e < trace->n_experts ? l->probs[sy_trace_index (trace, token, e)] : NAN;

      g_string_append_printf (s, _("%s expert %d (w %.4f, π %.4f)"), j ? "," : "", e,
                              l->weights[sy_trace_index (trace, token, j)], prob);
    }
  g_string_append_printf (s, _("\nΣπ chosen = %.4f · entropy = %.4f nats"), l->cum[token], l->entropy[token]);
  if (!isnan (l->importance[token]))
    g_string_append_printf (s, _(" · importance = %.4f"), l->importance[token]);
  if (!isnan (l->complexity[token]))
    g_string_append_printf (s, _(" · complexity = %.4f"), l->complexity[token]);
  if (l->depth[token] != SY_DEPTH_NONE)
    g_string_append_printf (s, " · %s", l->depth[token] == SY_DEPTH_DEEP ? _("deep") : _("shallow"));
  if (opts && opts->measure == SY_HEATMAP_GATE)
    g_string_append_printf (s, _("\ngate weight of expert %d = %.4f"), opts->gate_expert,
                            sy_heatmap_value (trace, opts, moe_layer, token));
  if (l->flags[token] & SY_CELL_NAN_FALLBACK)
    g_string_append (s, _("\nNaN router logits: native routing used"));
  if (l->flags[token] & SY_CELL_SINK)
    g_string_append (s, _("\nattention sink"));
  return g_string_free (s, FALSE);
}

/* An entry of a categorical legend: a value and its label. */
typedef struct
{
  int   value;
  int   count;
  char *label;
} LegendEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const LegendEntry *ea = a, *eb = b;

  if (ea->count != eb->count)
    return eb->count - ea->count;
  return ea->value - eb->value;
}

static void
clear_entry (gpointer data)
{
  g_free (((LegendEntry *) data)->label);
}

static void
entries_expert (const SyTrace          *trace,
                const SyHeatmapOptions *opts,
                GArray                 *entries)
{
  g_autofree int *counts = g_new0 (int, trace->n_experts);

  for (int i = 0; i < trace->n_moe_layers; i++)
    for (int t = 0; t < trace->n_tokens; t++)
      {
        double v = sy_heatmap_value (trace, opts, i, t);

        if (!isnan (v) && v >= 0 && v < trace->n_experts)
          counts[(int) v]++;
      }
  for (int e = 0; e < trace->n_experts; e++)
    if (counts[e] > 0)
      {
        LegendEntry entry = { e, counts[e], g_strdup_printf (_("expert %d"), e) };

        g_array_append_val (entries, entry);
      }
  g_array_sort (entries, compare_entries);
}

static void
entries_depth (const SyTrace          *trace,
               const SyHeatmapOptions *opts,
               GArray                 *entries)
{
  int counts[3] = { 0, 0, 0 };
  static const char *names[3] = { N_("none"), N_("shallow"), N_("deep") };

  for (int i = 0; i < trace->n_moe_layers; i++)
    for (int t = 0; t < trace->n_tokens; t++)
      {
        int d = trace->layers[i].depth[t];

        counts[d >= 0 && d <= 2 ? d : 0]++;
      }
  for (int d = SY_DEPTH_SHALLOW; d <= SY_DEPTH_DEEP; d++)
    {
      LegendEntry entry = { d, counts[d], g_strdup (_(names[d])) };

      g_array_append_val (entries, entry);
    }
  if (counts[SY_DEPTH_NONE] > 0)
    {
      LegendEntry entry = { -1, counts[0], g_strdup (_("not computed")) };

      g_array_append_val (entries, entry);
    }
}

/* Categorical legend entries: (value, label), most frequent first. */
static GArray *
legend_entries (const SyTrace          *trace,
                const SyHeatmapOptions *opts)
{
  GArray *entries = g_array_new (FALSE, TRUE, sizeof (LegendEntry));

  g_array_set_clear_func (entries, clear_entry);
  if (measure_info (opts)->entries)
    measure_info (opts)->entries (trace, opts, entries);
  return entries;
}

static double
swatch_size (const SyRenderStyle *style)
{
  return _sy_px (style, 12);
}

static double
row_height_legend (const SyRenderStyle *style)
{
  double h;

  _sy_text_size (style, "Ag", 0.85, FALSE, NULL, &h);
  return MAX (h, swatch_size (style)) + _sy_px (style, 4);
}

static double
legend_width (const SyTrace          *trace,
              const SyHeatmapOptions *opts,
              const SyRenderStyle    *style,
              const char             *legend_label)
{
  if (measure_info (opts)->categorical)
    {
      g_autoptr (GArray) entries = legend_entries (trace, opts);
      g_autofree char *more = g_strdup_printf (_("+ %u more"), 999);
      double w = 0, tw;

      for (guint i = 0; i < entries->len; i++)
        {
          _sy_text_size (style, g_array_index (entries, LegendEntry, i).label, 0.85, FALSE, &tw, NULL);
          w = MAX (w, tw);
        }
      _sy_text_size (style, more, 0.85, FALSE, &tw, NULL);
      w = MAX (w, tw);
      w += swatch_size (style) + _sy_px (style, 6);
      _sy_text_size (style, legend_label, 0.85, FALSE, &tw, NULL);
      return MAX (w, tw);
    }
  else
    {
      double vmin, vmax;

      sy_heatmap_scale (trace, opts, &vmin, &vmax);
      return _sy_colorbar_width (style, &(SyScale) { vmin, vmax, measure_info (opts)->integer }, legend_label);
    }
}

/* Room kept for the legend, drawn by a heatmap beside (see legend_shared) */
static gboolean
legend_blank (const SyHeatmapOptions *opts)
{
  return opts->legend_shared && !measure_info (opts)->categorical;
}

static const char *
legend_label (const SyHeatmapOptions *opts)
{
  return opts->measure < SY_HEATMAP_N_MEASURES ? _(measures[opts->measure].legend) : "";
}

static char *
row_label (const SyTrace *trace,
           int            i)
{
  return g_strdup_printf ("L%d", trace->layers[i].layer);
}

static char *
cell_text (const SyHeatmapOptions *opts,
           double                  v)
{
  if (isnan (v))
    return NULL;
  return measure_info (opts)->text (v);
}

/* Width of the widest token label.  Long texts: measure only the labels
 * with the most characters (a hover recomputes the layout), with room
 * for wide glyphs among the rest. */
static double
widest_token_label (const SyTrace       *trace,
                    const SyRenderStyle *style)
{
  enum { CANDIDATES = 32 };
  double widest = 0, w;

  if (trace->n_tokens <= CANDIDATES * 2)
    {
      for (int t = 0; t < trace->n_tokens; t++)
        {
          g_autofree char *s = _sy_token_label (trace, t);

          _sy_text_size (style, s, 0.85, FALSE, &w, NULL);
          widest = MAX (widest, w);
        }
      return widest;
    }
  else
    {
      g_autofree long *len = g_new (long, trace->n_tokens);
      long threshold;
      int measured = 0;

      for (int t = 0; t < trace->n_tokens; t++)
        {
          const char *s = trace->token_text ? trace->token_text[t] : NULL;

          len[t] = s ? (long) g_utf8_strlen (s, -1) : 8;
        }
      /* the CANDIDATES-th longest length, by a counting pass */
      {
        long hist[65] = { 0 };
        int acc = 0;

        for (int t = 0; t < trace->n_tokens; t++)
          hist[MIN (len[t], 64)]++;
        threshold = 64;
        while (threshold > 0 && acc + hist[threshold] < CANDIDATES)
          acc += hist[threshold--];
      }
      for (int t = 0; t < trace->n_tokens && measured < 4 * CANDIDATES; t++)
        if (len[t] >= threshold)
          {
            g_autofree char *s = _sy_token_label (trace, t);

            _sy_text_size (style, s, 0.85, FALSE, &w, NULL);
            widest = MAX (widest, w);
            measured++;
          }
      return widest * 1.1;
    }
}

void
sy_heatmap_layout (const SyRenderTarget   *target,
                   const SyTrace          *trace,
                   const SyHeatmapOptions *opts,
                   SyHeatmapLayout        *layout)
{
  const SyRenderStyle *style = target->style;
  double margin = _sy_px (style, 12), gap = _sy_px (style, 16);
  double left, top, right, bottom, label_text_h, avail_w, avail_h, max_label = 0, axis_h, w;

  memset (layout, 0, sizeof *layout);
  layout->n_rows = trace->n_moe_layers;
  layout->n_cols = trace->n_tokens;
  layout->last_col = -1;

  /* Left: the "Layer" axis title (rotated) and the row labels. */
  _sy_text_size (style, "Ag", 0.85, FALSE, NULL, &label_text_h);
  left = margin + label_text_h + _sy_px (style, 4);
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      g_autofree char *s = row_label (trace, i);

      _sy_text_size (style, s, 0.85, TRUE, &w, NULL);
      max_label = MAX (max_label, w);
    }
  left += max_label + _sy_px (style, 6);

  top = margin;
  if (opts->show_title)
    top += _sy_title_height (style);

  right = target->width - margin;
  if (opts->show_legend)
    {
      layout->legend_w = legend_width (trace, opts, style, legend_label (opts));
      right -= layout->legend_w + gap;
    }

  avail_w = MAX (right - left, 1);
  if (opts->cell_width > 0)
    layout->cell_w = opts->cell_width;
  else
    layout->cell_w = trace->n_tokens > 0 ? MIN (avail_w / trace->n_tokens, _sy_px (style, 72)) : 0;
  layout->content_w = layout->cell_w * trace->n_tokens;
  layout->grid_x = left;
  layout->grid_y = top;
  layout->grid_w = MIN (layout->content_w, avail_w);

  /* Bottom: token labels, horizontal when they fit in a column, else
   * rotated and ellipsized; then the "Token" axis title. */
  max_label = widest_token_label (trace, style);
  axis_h = opts->hide_token_axis ? 0 : label_text_h + _sy_px (style, 2);
  if (trace->n_tokens == 0 || opts->hide_token_axis)
    layout->label_h = 0;
  else if (max_label + _sy_px (style, 4) <= layout->cell_w)
    layout->label_h = label_text_h + _sy_px (style, 6);
  else
    layout->label_h = MIN (max_label, MAX (_sy_px (style, 40), MIN (0.3 * target->height, _sy_px (style, 110))))
                      + _sy_px (style, 8);

  bottom = target->height - margin - axis_h - layout->label_h;
  avail_h = MAX (bottom - top, 1);
  layout->cell_h = trace->n_moe_layers > 0 ? MIN (avail_h / trace->n_moe_layers, _sy_px (style, 56)) : 0;
  layout->grid_h = layout->cell_h * trace->n_moe_layers;

  if (opts->show_legend)
    {
      layout->legend_x = layout->grid_x + layout->grid_w + gap;
      layout->legend_y = top;
      layout->legend_h = measure_info (opts)->categorical
                         ? target->height - margin - top
                         : MIN (MAX (layout->grid_h, _sy_px (style, 140)), target->height - margin - top);
    }

  /* Scrolling */
  layout->origin_x = layout->grid_x - CLAMP (opts->x_offset, 0, MAX (0, layout->content_w - layout->grid_w));
  if (layout->cell_w > 0 && trace->n_tokens > 0)
    {
      double x0 = layout->grid_x - layout->origin_x;

      layout->first_col = CLAMP ((int) floor (x0 / layout->cell_w), 0, trace->n_tokens - 1);
      layout->last_col = CLAMP ((int) ceil ((x0 + layout->grid_w) / layout->cell_w) - 1, 0, trace->n_tokens - 1);
    }

  /* Values fit when the widest number fits with a little air. */
  {
    g_autofree char *sample = cell_text (opts, measure_info (opts)->widest (trace));
    double tw = 0, th = 0;

    if (sample)
      _sy_text_size (style, sample, 0.75, FALSE, &tw, &th);
    layout->values_fit = opts->show_values && sample != NULL
                         && layout->cell_w >= tw + _sy_px (style, 6)
                         && layout->cell_h >= th + _sy_px (style, 2);
  }
}

double
sy_heatmap_natural_height (const SyRenderTarget   *target,
                           const SyTrace          *trace,
                           const SyHeatmapOptions *opts)
{
  const SyRenderStyle *style = target->style;
  SyHeatmapLayout layout;
  double margin = _sy_px (style, 12), axis_h, h;

  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, target->width, 1e5 }, trace, opts, &layout);
  _sy_text_size (style, "Ag", 0.85, FALSE, NULL, &axis_h);
  h = layout.grid_y + layout.grid_h + layout.label_h + axis_h + _sy_px (style, 2) + margin;
  if (opts->show_legend && !legend_blank (opts))
    h = MAX (h, layout.grid_y + _sy_px (style, 140) + margin);
  return ceil (h);
}

gboolean
sy_heatmap_cell_rect (const SyHeatmapLayout *layout,
                      int                    moe_layer,
                      int                    token,
                      double                *x,
                      double                *y,
                      double                *w,
                      double                *h)
{
  double cx;

  if (moe_layer < 0 || moe_layer >= layout->n_rows || token < 0 || token >= layout->n_cols)
    return FALSE;
  cx = layout->origin_x + token * layout->cell_w;
  if (x)
    *x = cx;
  if (y)
    *y = layout->grid_y + moe_layer * layout->cell_h;
  if (w)
    *w = layout->cell_w;
  if (h)
    *h = layout->cell_h;
  return cx + layout->cell_w > layout->grid_x && cx < layout->grid_x + layout->grid_w;
}

gboolean
sy_heatmap_hit (const SyHeatmapLayout *layout,
                double                 x,
                double                 y,
                int                   *moe_layer,
                int                   *token)
{
  int t, l;

  if (layout->cell_w <= 0 || layout->cell_h <= 0)
    return FALSE;
  if (x < layout->grid_x || x >= layout->grid_x + layout->grid_w)
    return FALSE;
  t = (int) floor ((x - layout->origin_x) / layout->cell_w);
  if (t < 0 || t >= layout->n_cols)
    return FALSE;
  if (y >= layout->grid_y && y < layout->grid_y + layout->grid_h)
    l = (int) floor ((y - layout->grid_y) / layout->cell_h);
  else if (y >= layout->grid_y + layout->grid_h && y < layout->grid_y + layout->grid_h + layout->label_h)
    l = -1;
  else
    return FALSE;
  if (l >= layout->n_rows)
    return FALSE;
  if (moe_layer)
    *moe_layer = l;
  if (token)
    *token = t;
  return TRUE;
}

/* One drawing of the heatmap: what each of its parts reads. */
typedef struct
{
  cairo_t                *cr;
  const SyTrace          *trace;
  const SyHeatmapOptions *opts;
  const SyRenderStyle    *style;
  SyHeatmapLayout         layout;
  double                  vmin;          /* the colour scale */
  double                  vmax;
  double                  label_text_h;  /* the height of a label */
} Drawing;

static void
draw_categorical_legend (const Drawing *d)
{
  g_autoptr (GArray) entries = legend_entries (d->trace, d->opts);
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double y = d->layout.legend_y, row_h = row_height_legend (d->style), sw = swatch_size (d->style), lh;
  guint fit;

  text.size = 0.85;
  text.color = &d->style->muted;
  _sy_text_size (d->style, legend_label (d->opts), 0.85, FALSE, NULL, &lh);
  _sy_draw_text (d->cr, d->style, legend_label (d->opts), d->layout.legend_x, y, &text);
  y += lh + _sy_px (d->style, 4);

  fit = (guint) MAX (0, floor ((d->layout.legend_y + d->layout.legend_h - y) / row_h));
  if (fit < entries->len && fit > 0)
    fit--;   /* room for "+ n more" */
  text.color = &d->style->foreground;
  text.yalign = 0.5;
  for (guint i = 0; i < entries->len && i < fit; i++)
    {
      const LegendEntry *e = &g_array_index (entries, LegendEntry, i);
      SyColor c;
      SyPattern pattern = color_for_value (d->opts, d->style, e->value < 0 ? NAN : e->value, 0, 1, &c);

      _sy_fill_cell (d->cr, d->style, &(SyRect) { d->layout.legend_x, y + (row_h - sw) / 2, sw, sw }, &c, pattern);
      _sy_draw_text (d->cr, d->style, e->label, d->layout.legend_x + sw + _sy_px (d->style, 6), y + row_h / 2, &text);
      y += row_h;
    }
  if (fit < entries->len)
    {
      g_autofree char *more = g_strdup_printf (_("+ %u more"), entries->len - fit);

      text.color = &d->style->muted;
      _sy_draw_text (d->cr, d->style, more, d->layout.legend_x, y + row_h / 2, &text);
    }
}

static void
draw_title (const SyRenderTarget   *t,
            const SyTrace          *trace,
            const SyHeatmapOptions *opts)
{
  g_autofree char *auto_title = sy_heatmap_measure_title (opts);

  _sy_draw_trace_title (t->cr, t->style, trace, opts->title ? opts->title : auto_title, t->width);
}

/* The "Layer" axis title and the row labels (every stride-th when the
 * rows are low, always the selected one). */
static void
draw_row_labels (const Drawing *d)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  int stride = MAX (1, (int) ceil (d->label_text_h * 0.9 / d->layout.cell_h));

  text.size = 0.85;
  text.color = &d->style->muted;
  text.xalign = 0.5;
  text.yalign = 0;
  text.angle = -G_PI / 2;
  _sy_draw_text (d->cr, d->style, _("Layer"), _sy_px (d->style, 12), d->layout.grid_y + d->layout.grid_h / 2, &text);
  text.angle = 0;
  text.xalign = 1;
  text.yalign = 0.5;
  for (int i = 0; i < d->layout.n_rows; i++)
    {
      g_autofree char *s = NULL;
      gboolean sel = i == d->opts->selected_layer;

      if (i % stride != 0 && !sel)
        continue;
      s = row_label (d->trace, i);
      text.bold = sel;
      text.color = sel ? &d->style->accent : &d->style->foreground;
      _sy_draw_text (d->cr, d->style, s, d->layout.grid_x - _sy_px (d->style, 6),
                     d->layout.grid_y + (i + 0.5) * d->layout.cell_h, &text);
    }
}

/* The cells with their numbers where they fit, hairlines between them. */
static void
draw_cells (const Drawing *d)
{
  double gx = d->layout.grid_x, gy = d->layout.grid_y, gw = d->layout.grid_w, gh = d->layout.grid_h;
  SyTextCache values;

  _sy_text_cache_init (&values, d->cr, d->style, 0.75, FALSE);
  cairo_save (d->cr);
  cairo_rectangle (d->cr, gx, gy, gw, gh);
  cairo_clip (d->cr);
  for (int t = d->layout.first_col; t <= d->layout.last_col; t++)
    for (int i = 0; i < d->layout.n_rows; i++)
      {
        double x, y, w, h, v = sy_heatmap_value (d->trace, d->opts, i, t);
        SyColor c;
        SyPattern pattern = color_for_value (d->opts, d->style, v, d->vmin, d->vmax, &c);
        g_autofree char *s = NULL;

        sy_heatmap_cell_rect (&d->layout, i, t, &x, &y, &w, &h);
        _sy_fill_cell (d->cr, d->style, &(SyRect) { x, y, w, h }, &c, pattern);
        if (d->layout.values_fit && (s = cell_text (d->opts, v)) != NULL)
          {
            SyColor fg;

            sy_color_text_on (&c, &fg);
            _sy_text_cache_draw (&values, s, x + w / 2, y + h / 2, 0.5, 0.5, &fg);
          }
      }
  /* Hairline separators between cells, in the background colour */
  if (d->layout.cell_w >= _sy_px (d->style, 8) && d->layout.cell_h >= _sy_px (d->style, 8))
    {
      _sy_set_color (d->cr, &d->style->background);
      cairo_set_line_width (d->cr, _sy_px (d->style, 1));
      for (int t = d->layout.first_col; t <= d->layout.last_col + 1; t++)
        {
          double x = d->layout.origin_x + t * d->layout.cell_w;

          cairo_move_to (d->cr, x, gy);
          cairo_line_to (d->cr, x, gy + gh);
        }
      for (int i = 0; i <= d->layout.n_rows; i++)
        {
          cairo_move_to (d->cr, gx, gy + i * d->layout.cell_h);
          cairo_line_to (d->cr, gx + gw, gy + i * d->layout.cell_h);
        }
      cairo_stroke (d->cr);
    }
  cairo_restore (d->cr);
  _sy_text_cache_clear (&values);
}

/* Typed | generated: a line before the first generated token; the first
 * token where two continuations differ: a triangle above it. */
static void
draw_marks (const Drawing *d)
{
  double gx = d->layout.grid_x, gy = d->layout.grid_y, gw = d->layout.grid_w, gh = d->layout.grid_h;

  if (d->opts->generated_from > 0 && d->opts->generated_from < d->layout.n_cols)
    {
      double x = d->layout.origin_x + d->opts->generated_from * d->layout.cell_w;
      static const double dash[] = { 4, 3 };

      if (x >= gx - 0.5 && x <= gx + gw + 0.5)
        {
          cairo_save (d->cr);
          cairo_set_line_width (d->cr, _sy_px (d->style, 2));
          cairo_set_dash (d->cr, dash, 2, 0);
          _sy_set_color (d->cr, &d->style->foreground);
          cairo_move_to (d->cr, x, gy - _sy_px (d->style, 4));
          cairo_line_to (d->cr, x, gy + gh + _sy_px (d->style, 4));
          cairo_stroke (d->cr);
          cairo_restore (d->cr);
          if (x + _sy_px (d->style, 70) < gx + gw)
            {
              SyTextOpts note = SY_TEXT_OPTS_INIT;

              note.size = 0.8;
              note.yalign = 1;
              note.color = &d->style->muted;
              _sy_draw_text (d->cr, d->style, _("generated →"), x + _sy_px (d->style, 3),
                             gy - _sy_px (d->style, 1), &note);
            }
        }
    }
  if (d->opts->first_difference > 0 && d->opts->first_difference < d->layout.n_cols)
    {
      double cx = d->layout.origin_x + (d->opts->first_difference + 0.5) * d->layout.cell_w;
      double s = _sy_px (d->style, 5);

      if (cx >= gx && cx <= gx + gw)
        {
          cairo_save (d->cr);
          _sy_set_color (d->cr, &d->style->foreground);
          cairo_move_to (d->cr, cx - s, gy - s - _sy_px (d->style, 2));
          cairo_line_to (d->cr, cx + s, gy - s - _sy_px (d->style, 2));
          cairo_line_to (d->cr, cx, gy - _sy_px (d->style, 1));
          cairo_close_path (d->cr);
          cairo_fill (d->cr);
          cairo_restore (d->cr);
        }
    }
}

/* Selection: the column, and the cell when a layer is selected too. */
static void
draw_selection (const Drawing *d)
{
  double gx = d->layout.grid_x, gy = d->layout.grid_y, gw = d->layout.grid_w, gh = d->layout.grid_h;
  double x = d->layout.origin_x + d->opts->selected_token * d->layout.cell_w;
  double lw = _sy_px (d->style, 2.5);

  if (d->opts->selected_token < 0 || d->opts->selected_token >= d->layout.n_cols)
    return;
  cairo_save (d->cr);
  cairo_rectangle (d->cr, gx - lw, gy - lw, gw + 2 * lw, gh + 2 * lw);
  cairo_clip (d->cr);
  cairo_set_line_width (d->cr, lw);
  _sy_set_color (d->cr, &d->style->background);
  cairo_rectangle (d->cr, x - lw / 2, gy - lw / 2, d->layout.cell_w + lw, gh + lw);
  cairo_stroke (d->cr);
  _sy_set_color (d->cr, &d->style->accent);
  cairo_rectangle (d->cr, x - lw / 2, gy - lw / 2, d->layout.cell_w + lw, gh + lw);
  cairo_set_line_width (d->cr, lw * 0.8);
  cairo_stroke (d->cr);
  if (d->opts->selected_layer >= 0 && d->opts->selected_layer < d->layout.n_rows)
    {
      cairo_set_line_width (d->cr, lw * 1.2);
      cairo_rectangle (d->cr, x + lw * 0.6, gy + d->opts->selected_layer * d->layout.cell_h + lw * 0.6,
                       d->layout.cell_w - 1.2 * lw, d->layout.cell_h - 1.2 * lw);
      _sy_set_color (d->cr, &d->style->accent);
      cairo_stroke (d->cr);
    }
  cairo_restore (d->cr);
}

/* Token labels: all of them when they fit, else every stride-th (and
 * always the selected one); under them the axis title, with the visible
 * range when scrolled. */
static void
draw_token_axis (const Drawing *d)
{
  double gx = d->layout.grid_x, gy = d->layout.grid_y, gw = d->layout.grid_w, gh = d->layout.grid_h;
  gboolean rotated = d->layout.label_h > d->label_text_h + _sy_px (d->style, 6) + 0.01;
  double y0 = gy + gh + _sy_px (d->style, 4);
  int stride = rotated ? MAX (1, (int) ceil (d->label_text_h * 1.05 / d->layout.cell_w)) : 1;
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  g_autofree char *axis = NULL;

  cairo_save (d->cr);
  cairo_rectangle (d->cr, gx - d->label_text_h, y0 - _sy_px (d->style, 2), gw + 2 * d->label_text_h,
                   d->layout.label_h + _sy_px (d->style, 2));
  cairo_clip (d->cr);
  text.size = 0.85;
  text.angle = rotated ? -G_PI / 2 : 0;
  text.xalign = rotated ? 1 : 0.5;
  text.yalign = rotated ? 0.5 : 0;
  text.max_width = rotated ? d->layout.label_h - _sy_px (d->style, 8) : d->layout.cell_w - _sy_px (d->style, 2);
  _sy_draw_token_labels (d->cr, d->style, d->trace,
                         &(SyTokenColumns) { d->layout.first_col, d->layout.last_col, d->layout.origin_x,
                                             d->layout.cell_w, stride, d->opts->selected_token },
                         y0, &text);
  cairo_restore (d->cr);

  if (d->layout.first_col > 0 || d->layout.last_col < d->layout.n_cols - 1)
    axis = g_strdup_printf (_("Tokens %d–%d of %d"), d->layout.first_col, d->layout.last_col, d->layout.n_cols);
  else
    axis = g_strdup (_("Token"));
  text.angle = 0;
  text.bold = FALSE;
  text.max_width = 0;
  text.xalign = 0.5;
  text.yalign = 0;
  text.color = &d->style->muted;
  _sy_draw_text (d->cr, d->style, axis, gx + gw / 2, gy + gh + d->layout.label_h + _sy_px (d->style, 2), &text);
}

static void
draw_legend (const Drawing *d)
{
  if (measure_info (d->opts)->categorical)
    draw_categorical_legend (d);
  else
    {
      SyRect r = { d->layout.legend_x, d->layout.legend_y, d->layout.legend_w, d->layout.legend_h };

      _sy_colorbar (d->cr, d->style, &r, &(SyScale) { d->vmin, d->vmax, measure_info (d->opts)->integer },
                    sy_colormap_sequential, legend_label (d->opts));
    }
}

void
sy_heatmap_render (const SyRenderTarget   *target,
                   const SyTrace          *trace,
                   const SyHeatmapOptions *opts)
{
  SyHeatmapOptions defaults;
  SyRenderTarget t;
  Drawing d;

  g_return_if_fail (target->cr != NULL);
  if (opts == NULL)
    {
      sy_heatmap_options_init (&defaults);
      opts = &defaults;
    }

  t = _sy_render_begin (target);
  if (trace == NULL)
    return;
  if (opts->show_title)
    draw_title (&t, trace, opts);

  d = (Drawing) { t.cr, trace, opts, t.style };
  sy_heatmap_layout (&t, trace, opts, &d.layout);
  if (trace->n_tokens == 0 || trace->n_moe_layers == 0)
    {
      _sy_draw_message (t.cr, t.style, trace->n_tokens == 0 ? _("No tokens") : _("This model has no MoE layers"),
                        t.width / 2, t.height / 2, 0);
      return;
    }

  sy_heatmap_scale (trace, opts, &d.vmin, &d.vmax);
  _sy_text_size (t.style, "Ag", 0.85, FALSE, NULL, &d.label_text_h);
  draw_row_labels (&d);
  draw_cells (&d);
  draw_marks (&d);
  draw_selection (&d);
  if (!opts->hide_token_axis)
    draw_token_axis (&d);
  if (opts->show_legend && !legend_blank (opts))
    draw_legend (&d);
}
