/* sy-expert-render.c: the expert card
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-colormap.h"
#include "sy-expert-render.h"
#include "sy-render-private.h"

double
sy_expert_gate (const SyTrace *trace,
                int            moe,
                int            expert,
                int            token)
{
  const SyTraceLayer *l = &trace->layers[moe];

  for (int j = 0; j < l->k[token]; j++)
    if (l->experts[sy_trace_index (trace, token, j)] == expert)
      return l->weights ? l->weights[sy_trace_index (trace, token, j)] : 1.0;
  return 0;
}

gboolean
sy_expert_text_stats (const SyTrace     *trace,
                      int                moe,
                      int                expert,
                      SyExpertTextStats *stats)
{
  g_autofree int *shared = NULL;
  const SyTraceLayer *l;
  int E;

  memset (stats, 0, sizeof *stats);
  stats->moe = moe;
  stats->expert = expert;
  if (trace == NULL || moe < 0 || moe >= trace->n_moe_layers || expert < 0 || expert >= trace->n_experts)
    return FALSE;
  E = trace->n_experts;
  l = &trace->layers[moe];
  shared = g_new0 (int, E);
  stats->n_tokens = trace->n_tokens;
  for (int t = 0; t < trace->n_tokens; t++)
    {
      double w = sy_expert_gate (trace, moe, expert, t);
      gboolean chosen = FALSE;

      for (int j = 0; j < l->k[t]; j++)
        chosen |= l->experts[sy_trace_index (trace, t, j)] == expert;
      if (!chosen)
        continue;
      stats->n_routed++;
      stats->mean_weight += w;
      for (int j = 0; j < l->k[t]; j++)
        {
          int f = l->experts[sy_trace_index (trace, t, j)];

          if (f != expert && f >= 0 && f < E)
            shared[f]++;
        }
    }
  if (stats->n_routed > 0)
    stats->mean_weight /= stats->n_routed;
  /* the partners, by shared tokens then index */
  for (int n = 0; n < SY_EXPERT_MAX_PARTNERS; n++)
    {
      int best = -1;

      for (int f = 0; f < E; f++)
        if (shared[f] > 0 && (best < 0 || shared[f] > shared[best]))
          best = f;
      if (best < 0)
        break;
      stats->partners[n] = best;
      stats->partner_tokens[n] = shared[best];
      stats->n_partners++;
      shared[best] = 0;
    }
  return TRUE;
}

/* A column of the card, drawn top to bottom: the helpers below draw at
 * (x, y) across width w and move y under what they drew. */
typedef struct
{
  cairo_t             *cr;
  const SyRenderStyle *style;
  double               x;
  double               y;
  double               w;
} Column;

/* A section heading. */
static void
heading (Column     *col,
         const char *text)
{
  SyTextOpts opts = SY_TEXT_OPTS_INIT;
  double h;

  opts.bold = TRUE;
  opts.size = 0.95;
  opts.max_width = col->w;
  opts.color = &col->style->foreground;
  _sy_text_size (col->style, text, opts.size, TRUE, NULL, &h);
  _sy_draw_text (col->cr, col->style, text, col->x, col->y, &opts);
  col->y += h + _sy_px (col->style, 6);
}

static void
note (Column     *col,
      const char *text)
{
  SyTextOpts opts = SY_TEXT_OPTS_INIT;

  opts.size = 0.85;
  opts.max_width = col->w;
  opts.color = &col->style->muted;
  col->y += _sy_draw_paragraph (col->cr, col->style, text, col->x, col->y, &opts);
  col->y += _sy_px (col->style, 6);
}

/* One labelled horizontal bar of height @h: its length @value in [0, 1]
 * of the row, an optional reference tick (the layer's average; NaN for
 * none) and a number on the right. */
typedef struct
{
  const char    *label;
  const char    *number;
  double         value;
  double         reference;
  const SyColor *color;
  double         h;
} BarRow;

static void
bar_row (Column       *col,
         const BarRow *row)
{
  cairo_t *cr = col->cr;
  const SyRenderStyle *style = col->style;
  double x = col->x, y = col->y, w = col->w, h = row->h, value = row->value, reference = row->reference;
  SyTextOpts opts = SY_TEXT_OPTS_INIT;
  double label_w = MIN (_sy_px (style, 110), 0.35 * w), num_w = _sy_px (style, 78);
  double bx = x + label_w + _sy_px (style, 6), bw = MAX (w - label_w - num_w - _sy_px (style, 12), 4);

  opts.size = 0.8;
  opts.yalign = 0.5;
  opts.max_width = label_w;
  opts.color = &style->foreground;
  _sy_draw_text (cr, style, row->label, x, y + h / 2, &opts);
  _sy_set_color (cr, &style->surface);
  cairo_rectangle (cr, bx, y + 1, bw, h - 2);
  cairo_fill (cr);
  _sy_set_color (cr, row->color);
  cairo_rectangle (cr, bx, y + 1, bw * CLAMP (value, 0, 1), h - 2);
  cairo_fill (cr);
  if (isfinite (reference))
    {
      _sy_set_color (cr, &style->foreground);
      cairo_set_line_width (cr, _sy_px (style, 1.5));
      cairo_move_to (cr, bx + bw * CLAMP (reference, 0, 1), y - 1);
      cairo_line_to (cr, bx + bw * CLAMP (reference, 0, 1), y + h + 1);
      cairo_stroke (cr);
    }
  opts.xalign = 1;
  opts.color = &style->muted;
  opts.max_width = num_w;
  _sy_draw_text (cr, style, row->number, x + w, y + h / 2, &opts);
  col->y += h + _sy_px (style, 3);
}

static SyColor
category_color (int index)
{
  SyColor c;

  sy_colormap_categorical (index, &c);
  return c;
}

/* The current text in @col, @h high: gate chart, routed tokens,
 * partners. */
static void
draw_text_half (Column        *col,
                const SyTrace *trace,
                int            moe,
                int            expert,
                double         h)
{
  cairo_t *cr = col->cr;
  const SyRenderStyle *style = col->style;
  SyExpertTextStats stats;
  SyColor accent = category_color (0);
  double chart_h = MIN (_sy_px (style, 90), 0.3 * h), row_h = _sy_px (style, 14);
  g_autofree char *head = NULL;
  g_autoptr (GString) routed = g_string_new (NULL);

  if (!sy_expert_text_stats (trace, moe, expert, &stats))
    {
      note (col, _("No text routed yet: type a text to see this expert at work."));
      return;
    }
  head = g_strdup_printf (_("On this text: %d of %d tokens, mean gate weight %.3f"),
                          stats.n_routed, stats.n_tokens, stats.mean_weight);
  heading (col, head);

  /* gate weight per token: weight where chosen (accent), router
   * probability faint behind it */
  {
    const SyTraceLayer *l = &trace->layers[moe];
    double x = col->x, y = col->y, bw = col->w / MAX (trace->n_tokens, 1);

    _sy_set_color (cr, &style->surface);
    cairo_rectangle (cr, x, y, col->w, chart_h);
    cairo_fill (cr);
    for (int t = 0; t < trace->n_tokens; t++)
      {
        double g = sy_expert_gate (trace, moe, expert, t);
        double p = l->probs ? l->probs[sy_trace_index (trace, t, expert)] : NAN;

        if (isfinite (p) && p > 0)
          {
            _sy_set_color (cr, &style->grid);
            cairo_rectangle (cr, x + t * bw, y + chart_h * (1 - CLAMP (p, 0, 1)), MAX (bw - 0.5, 0.5),
                             chart_h * CLAMP (p, 0, 1));
            cairo_fill (cr);
          }
        if (g > 0)
          {
            _sy_set_color (cr, &accent);
            cairo_rectangle (cr, x + t * bw, y + chart_h * (1 - CLAMP (g, 0, 1)), MAX (bw - 0.5, 0.5),
                             chart_h * CLAMP (g, 0, 1));
            cairo_fill (cr);
          }
      }
    col->y += chart_h + _sy_px (style, 2);
    note (col, _("Gate weight at each token (0 to 1; grey: router probability)"));
  }

  /* tokens routed here */
  col->y += _sy_px (style, 4);
  heading (col, _("Tokens of this text routed to it"));
  for (int t = 0, n = 0; t < trace->n_tokens && n < 60; t++)
    if (sy_expert_gate (trace, moe, expert, t) > 0)
      {
        g_autofree char *label = _sy_token_label (trace, t);

        g_string_append_printf (routed, "%s%s", n ? " · " : "", label);
        n++;
      }
  note (col, routed->len ? routed->str : _("none"));

  /* partners */
  col->y += _sy_px (style, 4);
  heading (col, _("Co-activation partners in this layer (shared tokens)"));
  if (stats.n_partners == 0)
    note (col, _("none"));
  for (int i = 0; i < stats.n_partners && col->y + row_h < h + _sy_px (style, 400); i++)
    {
      g_autofree char *label = g_strdup_printf (_("expert %d"), stats.partners[i]);
      g_autofree char *num = g_strdup_printf ("%d", stats.partner_tokens[i]);
      SyColor c = category_color (1);

      bar_row (col, &(BarRow) { label, num, (double) stats.partner_tokens[i] / MAX (stats.n_routed, 1), NAN, &c,
                                row_h });
    }
}

/* Under @title, the first @max_rows groups: the expert's share of them
 * against the layer's. */
static void
draw_groups (Column       *col,
             const char   *title,
             const GArray *groups,
             int           max_rows)
{
  double row_h = _sy_px (col->style, 13);
  SyColor c = category_color (2);
  double top = 0;
  gint64 expert_total = 0, layer_total = 0;

  if (groups->len == 0)
    return;
  for (guint i = 0; i < groups->len; i++)
    {
      expert_total += g_array_index (groups, SyProfileExpertGroup, i).count;
      layer_total += g_array_index (groups, SyProfileExpertGroup, i).layer_count;
    }
  col->y += _sy_px (col->style, 6);
  heading (col, title);
  /* the scale: the largest share shown */
  for (guint i = 0; i < MIN (groups->len, (guint) max_rows); i++)
    {
      const SyProfileExpertGroup *g = &g_array_index (groups, SyProfileExpertGroup, i);

      top = MAX (top, expert_total ? (double) g->count / expert_total : 0);
      top = MAX (top, layer_total ? (double) g->layer_count / layer_total : 0);
    }
  for (guint i = 0; i < MIN (groups->len, (guint) max_rows); i++)
    {
      const SyProfileExpertGroup *g = &g_array_index (groups, SyProfileExpertGroup, i);
      double mine = expert_total ? (double) g->count / expert_total : 0;
      double avg = layer_total ? (double) g->layer_count / layer_total : 0;
      g_autofree char *num = g_strdup_printf ("%.0f%% (%.0f%%)", 100 * mine, 100 * avg);

      bar_row (col, &(BarRow) { g->name, num, top > 0 ? mine / top : 0, top > 0 ? avg / top : NAN, &c, row_h });
    }
}

/* The corpus profile in @col: top tokens, POS and genres against the
 * layer. */
static void
draw_profile_half (Column                *col,
                   const SyProfileExpert *profile)
{
  g_autofree char *head = NULL;
  double row_h = _sy_px (col->style, 13), top_share = 0;
  SyColor c = category_color (0);

  if (profile == NULL)
    {
      heading (col, _("Over a corpus"));
      note (col, _("Load a corpus profile (run one in the Profiler, or open a profile.json) to see "
                   "this expert's top tokens, parts of speech and genres against its layer."));
      return;
    }
  head = g_strdup_printf (_("Over the corpus: %lld assignments (%.1f%% of the layer's)"),
                          (long long) profile->assignments,
                          profile->layer_assignments ? 100.0 * profile->assignments / profile->layer_assignments : 0);
  heading (col, head);
  heading (col, _("Top tokens (share of its assignments)"));
  for (guint i = 0; i < profile->top_tokens->len; i++)
    top_share = MAX (top_share, g_array_index (profile->top_tokens, SyProfileExpertToken, i).share);
  for (guint i = 0; i < profile->top_tokens->len; i++)
    {
      const SyProfileExpertToken *t = &g_array_index (profile->top_tokens, SyProfileExpertToken, i);
      g_autofree char *label = g_strdup_printf ("\u201c%s\u201d", t->text);
      g_autofree char *num = g_strdup_printf ("%" G_GINT64_FORMAT " · %.1f%%", t->count, 100 * t->share);

      g_strdelimit (label, "\n\r\t", ' ');
      bar_row (col, &(BarRow) { label, num, top_share > 0 ? t->share / top_share : 0, NAN, &c, row_h });
    }
  draw_groups (col, _("Parts of speech: its share (layer's | and in brackets)"), profile->pos, 8);
  draw_groups (col, _("Genres: its share (layer's | and in brackets)"), profile->genres, 8);
}

void
sy_expert_render (const SyRenderTarget  *target,
                  const SyTrace         *trace,
                  int                    moe,
                  int                    expert,
                  const SyProfileExpert *profile)
{
  SyRenderTarget rt = _sy_render_begin (target);
  cairo_t *cr = rt.cr;
  const SyRenderStyle *style = rt.style;
  double width = rt.width, height = rt.height;
  double margin = _sy_px (style, 14), gap = _sy_px (style, 24), top;
  g_autofree char *title = NULL, *subtitle = NULL;
  int layer = profile ? profile->layer : -1;

  if (trace && moe >= 0 && moe < trace->n_moe_layers)
    layer = trace->layers[moe].layer;
  title = g_strdup_printf (_("Expert %d of layer L%d"), expert, layer);
  if (trace)
    subtitle = _sy_trace_subtitle (trace);
  else if (profile)
    subtitle = g_strdup_printf (_("profile · %s"), profile->router ? profile->router : "");
  _sy_draw_title (cr, style, title, subtitle, width);
  top = _sy_px (style, 12) + _sy_title_height (style);
  if (width >= 760)
    {
      double cw = (width - 2 * margin - gap) / 2;
      Column text = { cr, style, margin, top, cw };
      Column corpus = { cr, style, margin + cw + gap, top, cw };

      draw_text_half (&text, trace, moe, expert, height - top - margin);
      draw_profile_half (&corpus, profile);
    }
  else
    {
      double hh = (height - top - margin - gap) / 2;
      Column text = { cr, style, margin, top, width - 2 * margin };
      Column corpus = { cr, style, margin, top + hh + gap, width - 2 * margin };

      draw_text_half (&text, trace, moe, expert, hh);
      draw_profile_half (&corpus, profile);
    }
}
