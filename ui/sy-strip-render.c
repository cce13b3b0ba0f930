/* sy-strip-render.c: the token strip
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-render-private.h"
#include "sy-strip-render.h"

#define TOKEN_SIZE 1.1

/* Each measure's name, title and legend label. */
static const struct
{
  const char *name;
  const char *title;
  const char *legend;
} measures[SY_STRIP_N_MEASURES] = {
  [SY_STRIP_K] = { "k", N_("Experts per token, averaged over layers"), N_("mean K") },
  [SY_STRIP_IMPORTANCE] = { "importance", N_("Token importance, averaged over layers"), N_("importance") },
  [SY_STRIP_DEPTH] = { "depth", N_("Share of layers routed deep"), N_("deep share") },
  [SY_STRIP_SURPRISAL] = { "surprisal", N_("Surprisal: NLL of each token given its prefix"), N_("NLL, nats") },
};

void
sy_strip_options_init (SyStripOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->measure = SY_STRIP_K;
  opts->selected_token = -1;
  opts->show_title = TRUE;
  opts->show_legend = TRUE;
}

gboolean
sy_strip_measure_parse (const char      *text,
                        SyStripMeasure  *measure,
                        GError         **error)
{
  for (int i = 0; i < SY_STRIP_N_MEASURES; i++)
    if (g_strcmp0 (text, measures[i].name) == 0)
      {
        *measure = i;
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("unknown strip measure '%s' (use k, importance, depth or surprisal)"), text ? text : "");
  return FALSE;
}

static const char *
measure_title (SyStripMeasure measure)
{
  return measure < SY_STRIP_N_MEASURES ? _(measures[measure].title) : "";
}

static const char *
legend_label (SyStripMeasure measure)
{
  return measure < SY_STRIP_N_MEASURES ? _(measures[measure].legend) : "";
}

static double
mean_k (const SyTrace *trace,
        int            t)
{
  double sum = 0;

  if (trace->n_moe_layers == 0)
    return NAN;
  for (int i = 0; i < trace->n_moe_layers; i++)
    sum += trace->layers[i].k[t];
  return sum / trace->n_moe_layers;
}

static double
mean_importance (const SyTrace *trace,
                 int            t)
{
  double sum = 0;
  int n = 0;

  for (int i = 0; i < trace->n_moe_layers; i++)
    if (!isnan (trace->layers[i].importance[t]))
      {
        sum += trace->layers[i].importance[t];
        n++;
      }
  return n > 0 ? sum / n : NAN;
}

static double
deep_share (const SyTrace *trace,
            int            t)
{
  int deep = 0, n = 0;

  for (int i = 0; i < trace->n_moe_layers; i++)
    if (trace->layers[i].depth[t] != SY_DEPTH_NONE)
      {
        n++;
        deep += trace->layers[i].depth[t] == SY_DEPTH_DEEP;
      }
  return n > 0 ? (double) deep / n : NAN;
}

static double
surprisal (const SyTrace *trace,
           int            t)
{
  if (t < 1 || trace->nll == NULL || t - 1 >= trace->n_tokens - 1)
    return NAN;
  return trace->nll[t - 1];
}

double
sy_strip_value (const SyTrace        *trace,
                const SyStripOptions *opts,
                int                   t)
{
  g_return_val_if_fail (trace != NULL, NAN);
  if (t < 0 || t >= trace->n_tokens)
    return NAN;
  switch (opts->measure)
    {
    case SY_STRIP_K:
      return mean_k (trace, t);
    case SY_STRIP_IMPORTANCE:
      return mean_importance (trace, t);
    case SY_STRIP_DEPTH:
      return deep_share (trace, t);
    case SY_STRIP_SURPRISAL:
      return surprisal (trace, t);
    case SY_STRIP_N_MEASURES:
    default:
      return NAN;
    }
}

void
sy_strip_scale (const SyTrace        *trace,
                const SyStripOptions *opts,
                double               *vmin,
                double               *vmax)
{
  double hi = 0;

  *vmin = 0;
  *vmax = 1;
  if (opts->measure == SY_STRIP_K)
    {
      for (int t = 0; t < trace->n_tokens; t++)
        for (int i = 0; i < trace->n_moe_layers; i++)
          hi = MAX (hi, trace->layers[i].k[t]);
      hi = MAX (hi, 2 * trace->native_k);
      hi = MIN (hi, MAX (trace->n_experts, 2));
      *vmin = 1;
      *vmax = MAX (hi, 2);
    }
  else if (opts->measure == SY_STRIP_SURPRISAL)
    {
      for (int t = 1; t < trace->n_tokens; t++)
        {
          double v = surprisal (trace, t);

          if (isfinite (v))
            hi = MAX (hi, v);
        }
      /* A round top, so that the legend's ticks land on the ends. */
      *vmax = hi > 0 ? ceil (hi) : 1;
    }
}

static SyPattern token_color (const SyTrace *trace, const SyStripOptions *opts, int t,
                              double vmin, double vmax, SyColor *out);

SyPattern
sy_strip_token_color (const SyTrace        *trace,
                      const SyStripOptions *opts,
                      int                   t,
                      SyColor              *out)
{
  double vmin, vmax;

  sy_strip_scale (trace, opts, &vmin, &vmax);
  return token_color (trace, opts, t, vmin, vmax, out);
}

/* sy_strip_token_color() on a scale found once for all the tokens */
static SyPattern
token_color (const SyTrace        *trace,
             const SyStripOptions *opts,
             int                   t,
             double                vmin,
             double                vmax,
             SyColor              *out)
{
  double v = sy_strip_value (trace, opts, t);

  if (isnan (v))
    {
      sy_colormap_sequential (NAN, out);
      return SY_PATTERN_HATCH;
    }
  sy_colormap_sequential (vmax > vmin ? (v - vmin) / (vmax - vmin) : 0.5, out);
  return SY_PATTERN_SOLID;
}

char *
sy_strip_describe (const SyTrace *trace,
                   int            t)
{
  g_autofree char *label = NULL;
  g_autofree char *imp = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *nll = NULL;

  if (t < 0 || t >= trace->n_tokens)
    return NULL;
  label = _sy_token_label (trace, t);
  imp = _sy_format_value (mean_importance (trace, t), 4);
  deep = _sy_format_value (deep_share (trace, t), 4);
  nll = _sy_format_value (surprisal (trace, t), 4);
  return g_strdup_printf (_("Token %d “%s” (id %d)\nmean K = %.4f · importance = %s · deep share = %s\nNLL = %s nats"),
                          t, label, trace->ids[t], mean_k (trace, t), imp, deep, nll);
}

static gboolean
starts_with_space (const SyTrace *trace,
                   int            t)
{
  const char *s = trace->token_text ? trace->token_text[t] : NULL;

  return s && (s[0] == ' ' || s[0] == '\t');
}

static gboolean
ends_line (const SyTrace *trace,
           int            t)
{
  const char *s = trace->token_text ? trace->token_text[t] : NULL;

  return s && strchr (s, '\n') != NULL;
}

SyStripLayout *
sy_strip_layout_new (const SyRenderTarget *target,
                     const SyTrace        *trace,
                     const SyStripOptions *opts)
{
  const SyRenderStyle *style = target->style;
  SyStripLayout *layout = g_new0 (SyStripLayout, 1);
  double margin = _sy_px (style, 12), pad_x = _sy_px (style, 4), pad_y = _sy_px (style, 3);
  double line_gap = _sy_px (style, 6), space = _sy_px (style, 6), tight = _sy_px (style, 2);
  double th, x, y, right, bottom, box_h;
  int line = 0;

  layout->n_boxes = trace->n_tokens;
  layout->boxes = g_new0 (SyStripBox, MAX (trace->n_tokens, 1));
  layout->text_x = margin;
  layout->text_y = margin + (opts->show_title ? _sy_title_height (style) : 0);
  right = target->width - margin;
  if (opts->show_legend)
    {
      double vmin, vmax;

      sy_strip_scale (trace, opts, &vmin, &vmax);
      layout->legend_w = _sy_colorbar_width (style, &(SyScale) { vmin, vmax, FALSE }, legend_label (opts->measure));
      layout->legend_x = right - layout->legend_w;
      layout->legend_y = layout->text_y;
      layout->legend_h = MIN (_sy_px (style, 160), target->height - margin - layout->text_y);
      layout->legend_h = MAX (layout->legend_h, 0);
      right = layout->legend_x - _sy_px (style, 16);
    }
  layout->text_w = MAX (right - layout->text_x, 1);
  bottom = target->height - margin;

  _sy_text_size (style, "Ag", TOKEN_SIZE, FALSE, NULL, &th);
  box_h = th + 2 * pad_y;
  x = layout->text_x;
  y = layout->text_y;
  for (int t = 0; t < trace->n_tokens; t++)
    {
      g_autofree char *s = _sy_token_label (trace, t);
      double w;

      _sy_text_size (style, s, TOKEN_SIZE, FALSE, &w, NULL);
      w = MIN (w + 2 * pad_x, layout->text_w);
      if (t > 0)
        x += starts_with_space (trace, t) ? space : tight;
      if (x + w > layout->text_x + layout->text_w && x > layout->text_x + space + 0.5)
        {
          x = layout->text_x;
          y += box_h + line_gap;
          line++;
        }
      if (y + box_h <= bottom + 0.5)
        {
          layout->boxes[t] = (SyStripBox) { x, y, w, box_h };
          layout->n_placed = t + 1;
        }
      x += w;
      if (ends_line (trace, t))
        {
          x = layout->text_x - space;
          y += box_h + line_gap;
          line++;
        }
    }
  layout->n_lines = trace->n_tokens > 0 ? line + 1 : 0;
  layout->content_h = trace->n_tokens > 0 ? layout->n_lines * box_h + (layout->n_lines - 1) * line_gap : 0;
  return layout;
}

double
sy_strip_natural_height (const SyRenderTarget *target,
                         const SyTrace        *trace,
                         const SyStripOptions *opts)
{
  const SyRenderStyle *style = target->style;
  g_autoptr (SyStripLayout) layout = sy_strip_layout_new (&(SyRenderTarget) { NULL, style, target->width, 1e6 },
                                                          trace, opts);
  double h = layout->text_y + layout->content_h;

  if (opts->show_legend)
    h = MAX (h, layout->legend_y + _sy_px (style, 120));
  return ceil (h + _sy_px (style, 12));
}

void
sy_strip_layout_free (SyStripLayout *layout)
{
  if (layout == NULL)
    return;
  g_free (layout->boxes);
  g_free (layout);
}

int
sy_strip_hit (const SyStripLayout *layout,
              double               x,
              double               y)
{
  for (int t = 0; t < layout->n_boxes; t++)
    {
      const SyStripBox *b = &layout->boxes[t];

      if (b->w > 0 && x >= b->x && x < b->x + b->w && y >= b->y && y < b->y + b->h)
        return t;
    }
  return -1;
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
sy_strip_render (const SyRenderTarget *target,
                 const SyTrace        *trace,
                 const SyStripOptions *opts)
{
  SyStripOptions defaults;
  g_autoptr (SyStripLayout) layout = NULL;
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  SyRenderTarget rt;
  cairo_t *cr = target->cr;
  const SyRenderStyle *style;
  double radius, vmin, vmax, cx0, cy0, cx1, cy1;

  g_return_if_fail (cr != NULL);
  if (opts == NULL)
    {
      sy_strip_options_init (&defaults);
      opts = &defaults;
    }
  rt = _sy_render_begin (target);
  style = rt.style;
  if (trace == NULL)
    return;
  if (opts->show_title)
    _sy_draw_trace_title (cr, style, trace, opts->title ? opts->title : measure_title (opts->measure), rt.width);
  if (trace->n_tokens == 0)
    {
      _sy_draw_message (cr, style, _("No tokens"), rt.width / 2, rt.height / 2, 0);
      return;
    }

  layout = sy_strip_layout_new (&rt, trace, opts);
  sy_strip_scale (trace, opts, &vmin, &vmax);
  /* only the tokens inside the clip: a long text's strip is scrolled */
  cairo_clip_extents (cr, &cx0, &cy0, &cx1, &cy1);
  radius = _sy_px (style, 3);
  text.size = TOKEN_SIZE;
  text.xalign = 0.5;
  text.yalign = 0.5;
  for (int t = 0; t < layout->n_boxes; t++)
    {
      const SyStripBox *b = &layout->boxes[t];
      g_autofree char *s = NULL;
      SyColor c, fg;
      SyPattern pattern;

      if (b->w <= 0 || b->y > cy1 + 8 || b->y + b->h < cy0 - 8)
        continue;
      pattern = token_color (trace, opts, t, vmin, vmax, &c);
      if (pattern == SY_PATTERN_HATCH)
        c = style->missing;
      cairo_save (cr);
      rounded_rect (cr, b->x, b->y, b->w, b->h, radius);
      cairo_clip (cr);
      _sy_fill_cell (cr, style, &(SyRect) { b->x, b->y, b->w, b->h }, &c, pattern);
      cairo_restore (cr);
      sy_color_text_on (&c, &fg);
      s = _sy_token_label (trace, t);
      text.color = &fg;
      text.max_width = b->w - _sy_px (style, 4);
      _sy_draw_text (cr, style, s, b->x + b->w / 2, b->y + b->h / 2, &text);
      if (opts->generated_from > 0 && t >= opts->generated_from)
        {
          /* generated, not typed: a line under the token */
          cairo_save (cr);
          _sy_set_color (cr, &style->foreground);
          cairo_rectangle (cr, b->x + radius, b->y + b->h + _sy_px (style, 1.5),
                           MAX (0, b->w - 2 * radius), _sy_px (style, 2));
          cairo_fill (cr);
          cairo_restore (cr);
        }
      if (opts->first_difference > 0 && t == opts->first_difference)
        {
          double lw = _sy_px (style, 1.5);
          static const double dash[] = { 3, 2 };

          cairo_save (cr);
          cairo_set_line_width (cr, lw);
          cairo_set_dash (cr, dash, 2, 0);
          _sy_set_color (cr, &style->foreground);
          rounded_rect (cr, b->x - 2 * lw, b->y - 2 * lw, b->w + 4 * lw, b->h + 4 * lw, radius + 2 * lw);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
      if (t == opts->selected_token)
        {
          double lw = _sy_px (style, 2.5);

          cairo_save (cr);
          cairo_set_line_width (cr, lw);
          _sy_set_color (cr, &style->accent);
          rounded_rect (cr, b->x - lw, b->y - lw, b->w + 2 * lw, b->h + 2 * lw, radius + lw);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }
  if (layout->n_placed < layout->n_boxes)
    {
      g_autofree char *more = g_strdup_printf (_("… %d more tokens"), layout->n_boxes - layout->n_placed);

      text.size = 0.85;
      text.xalign = 1;
      text.yalign = 1;
      text.max_width = 0;
      text.color = &style->muted;
      _sy_draw_text (cr, style, more, layout->text_x + layout->text_w, rt.height - _sy_px (style, 4), &text);
    }
  if (opts->show_legend)
    {
      SyRect r = { layout->legend_x, layout->legend_y, layout->legend_w, layout->legend_h };

      _sy_colorbar (cr, style, &r, &(SyScale) { vmin, vmax, FALSE }, sy_colormap_sequential,
                    legend_label (opts->measure));
    }
}
