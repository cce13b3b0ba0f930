/* sy-render-util.c: drawing helpers shared by the renderers
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-render-private.h"
#include "sy-router.h"

double
_sy_px (const SyRenderStyle *style,
        double               v)
{
  return v * (style->scale > 0 ? style->scale : 1);
}

void
_sy_set_color (cairo_t       *cr,
               const SyColor *color)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, color->a);
}

SyRenderTarget
_sy_render_begin (const SyRenderTarget *target)
{
  SyRenderTarget t = *target;

  if (t.style == NULL)
    t.style = sy_render_style_light ();
  cairo_save (t.cr);
  _sy_set_color (t.cr, &t.style->background);
  cairo_rectangle (t.cr, 0, 0, t.width, t.height);
  cairo_fill (t.cr);
  cairo_restore (t.cr);
  return t;
}

static void
set_font_options (PangoContext *context)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Same advance widths on screen, in PNG, SVG and PDF. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
}

static void
layout_setup (PangoLayout         *layout,
              const SyRenderStyle *style,
              const char          *text,
              double               size,
              gboolean             bold)
{
  PangoFontDescription *desc = pango_font_description_new ();

  pango_font_description_set_family (desc, style->font_family[0] ? style->font_family : "Sans");
  pango_font_description_set_absolute_size (desc, _sy_px (style, style->font_size * size) * PANGO_SCALE);
  pango_font_description_set_weight (desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text ? text : "", -1);
}

static void
free_context (gpointer data)
{
  g_object_unref (data);
}

static GPrivate measure_context = G_PRIVATE_INIT (free_context);

static PangoContext *
get_measure_context (void)
{
  PangoContext *context = g_private_get (&measure_context);

  if (context == NULL)
    {
      context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      set_font_options (context);
      g_private_set (&measure_context, context);
    }
  return context;
}

/* Text sizes measured in this thread, by font, size and text: a long
 * text's strip is wrapped again at every width and every keystroke, and
 * measuring its 2,000 tokens through Pango each time is what made it slow. */
#define TEXT_SIZE_CACHE_MAX 50000

static GPrivate text_size_cache = G_PRIVATE_INIT ((GDestroyNotify) g_hash_table_unref);

void
_sy_text_size (const SyRenderStyle *style,
               const char          *text,
               double               size,
               gboolean             bold,
               double              *width,
               double              *height)
{
  GHashTable *cache = g_private_get (&text_size_cache);
  g_autofree char *key = NULL;
  double *wh;

  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_private_set (&text_size_cache, cache);
    }
  /* the size by its bits: exact, and no float formatting (a 2,000-token
   * strip asks for thousands of sizes per layout) */
  {
    double px = _sy_px (style, style->font_size * size);
    guint64 bits;

    memcpy (&bits, &px, sizeof bits);
    key = g_strdup_printf ("%s\x1f%" G_GINT64_MODIFIER "x\x1f%d\x1f%s", style->font_family,
                           bits, bold, text ? text : "");
  }
  wh = g_hash_table_lookup (cache, key);
  if (wh == NULL)
    {
      PangoLayout *layout = pango_layout_new (get_measure_context ());
      int w, h;

      layout_setup (layout, style, text, size, bold);
      pango_layout_get_size (layout, &w, &h);
      g_object_unref (layout);
      if (g_hash_table_size (cache) >= TEXT_SIZE_CACHE_MAX)
        g_hash_table_remove_all (cache);
      wh = g_new (double, 2);
      wh[0] = (double) w / PANGO_SCALE;
      wh[1] = (double) h / PANGO_SCALE;
      g_hash_table_insert (cache, g_steal_pointer (&key), wh);
    }
  if (width)
    *width = wh[0];
  if (height)
    *height = wh[1];
}

static PangoLayout *
create_layout (cairo_t             *cr,
               const SyRenderStyle *style,
               const char          *text,
               const SyTextOpts    *opts)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);

  set_font_options (pango_layout_get_context (layout));
  pango_layout_context_changed (layout);
  layout_setup (layout, style, text, opts->size > 0 ? opts->size : 1, opts->bold);
  return layout;
}

static double
draw_layout (cairo_t             *cr,
             const SyRenderStyle *style,
             PangoLayout         *layout,
             double               x,
             double               y,
             const SyTextOpts    *opts)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  if (opts->angle != 0)
    cairo_rotate (cr, opts->angle);
  cairo_move_to (cr, -opts->xalign * w / PANGO_SCALE, -opts->yalign * h / PANGO_SCALE);
  _sy_set_color (cr, opts->color ? opts->color : &style->foreground);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  return (double) w / PANGO_SCALE;
}

double
_sy_text_height (const SyRenderStyle *style,
                 double               size)
{
  double h;

  _sy_text_size (style, "Ag", size, FALSE, NULL, &h);
  return h;
}

/* Keeps @layout within @max_width (if > 0): cut with an ellipsis, or
 * (@wrap) wrapped over lines. */
static void
fit_width (PangoLayout *layout,
           double       max_width,
           gboolean     wrap)
{
  PangoRectangle logical;

  if (max_width <= 0)
    return;
  pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
  if (wrap)
    {
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      return;
    }
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  /* A layout with a width reports that width; use the ink width. */
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (logical.width < max_width)
    pango_layout_set_width (layout, -1);
}

double
_sy_draw_text (cairo_t             *cr,
               const SyRenderStyle *style,
               const char          *text,
               double               x,
               double               y,
               const SyTextOpts    *opts)
{
  g_autoptr (PangoLayout) layout = NULL;

  if (text == NULL || *text == '\0')
    return 0;
  layout = create_layout (cr, style, text, opts);
  fit_width (layout, opts->max_width, FALSE);
  return draw_layout (cr, style, layout, x, y, opts);
}

double
_sy_draw_paragraph (cairo_t             *cr,
                    const SyRenderStyle *style,
                    const char          *text,
                    double               x,
                    double               y,
                    const SyTextOpts    *opts)
{
  g_autoptr (PangoLayout) layout = NULL;
  int w, h;

  if (text == NULL || *text == '\0')
    return 0;
  layout = create_layout (cr, style, text, opts);
  fit_width (layout, opts->max_width, TRUE);
  pango_layout_get_size (layout, &w, &h);
  draw_layout (cr, style, layout, x, y, opts);
  return (double) h / PANGO_SCALE;
}

void
_sy_text_cache_init (SyTextCache         *cache,
                     cairo_t             *cr,
                     const SyRenderStyle *style,
                     double               size,
                     gboolean             bold)
{
  *cache = (SyTextCache) { cr, style, { size, bold, 0, 0, 0, 0, NULL }, NULL };
}

void
_sy_text_cache_draw (SyTextCache   *cache,
                     const char    *text,
                     double         x,
                     double         y,
                     double         xalign,
                     double         yalign,
                     const SyColor *color)
{
  PangoLayout *layout;
  SyTextOpts opts = cache->opts;

  if (text == NULL || *text == '\0')
    return;
  if (cache->layouts == NULL)
    cache->layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  layout = g_hash_table_lookup (cache->layouts, text);
  if (layout == NULL)
    {
      layout = create_layout (cache->cr, cache->style, text, &cache->opts);
      g_hash_table_insert (cache->layouts, g_strdup (text), layout);
    }
  opts.xalign = xalign;
  opts.yalign = yalign;
  opts.color = color;
  draw_layout (cache->cr, cache->style, layout, x, y, &opts);
}

void
_sy_text_cache_clear (SyTextCache *cache)
{
  g_clear_pointer (&cache->layouts, g_hash_table_unref);
}

void
_sy_draw_message (cairo_t             *cr,
                  const SyRenderStyle *style,
                  const char          *text,
                  double               x,
                  double               y,
                  double               max_width)
{
  SyTextOpts opts = SY_TEXT_OPTS_INIT;

  opts.xalign = opts.yalign = 0.5;
  opts.color = &style->muted;
  opts.max_width = max_width;
  _sy_draw_text (cr, style, text, x, y, &opts);
}

void
_sy_dashed_line (cairo_t       *cr,
                 const SyColor *color,
                 double         width,
                 double         dash,
                 SyPoint        from,
                 SyPoint        to)
{
  cairo_save (cr);
  _sy_set_color (cr, color);
  cairo_set_line_width (cr, width);
  cairo_set_dash (cr, &dash, 1, 0);
  cairo_move_to (cr, from.x, from.y);
  cairo_line_to (cr, to.x, to.y);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Diagonal hatch lines inside @r. */
static void
hatch (cairo_t       *cr,
       const SyRect  *r,
       const SyColor *color,
       double         spacing,
       double         line_width)
{
  double x = r->x, y = r->y, w = r->w, h = r->h;

  if (w <= 0 || h <= 0 || spacing <= 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  _sy_set_color (cr, color);
  cairo_set_line_width (cr, line_width);
  for (double d = -h; d < w; d += spacing)
    {
      cairo_move_to (cr, x + d, y + h);
      cairo_line_to (cr, x + d + h, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_sy_fill_cell (cairo_t             *cr,
               const SyRenderStyle *style,
               const SyRect        *cell,
               const SyColor       *color,
               SyPattern            pattern)
{
  _sy_set_color (cr, color);
  cairo_rectangle (cr, cell->x, cell->y, cell->w, cell->h);
  cairo_fill (cr);
  if (pattern == SY_PATTERN_HATCH)
    {
      SyColor line;

      sy_color_text_on (color, &line);
      line.a = 0.45;
      hatch (cr, cell, &line, MAX (_sy_px (style, 5), 3), MAX (_sy_px (style, 1), 0.5));
    }
}

int
_sy_nice_ticks (const SyScale *scale,
                int            max_ticks,
                double        *ticks,
                double        *step_out)
{
  static const double steps[] = { 1, 2, 2.5, 5 };
  double lo = scale->lo, hi = scale->hi, range, magnitude, step = 1;
  gboolean integer = scale->integer;
  int n = 0;

  max_ticks = CLAMP (max_ticks, 2, SY_MAX_TICKS);
  if (!isfinite (lo) || !isfinite (hi))
    {
      if (step_out)
        *step_out = 1;
      return 0;
    }
  if (hi < lo)
    {
      double tmp = lo;

      lo = hi;
      hi = tmp;
    }
  range = hi - lo;
  if (range <= 0)
    {
      ticks[0] = lo;
      if (step_out)
        *step_out = fabs (lo) > 0 ? pow (10, floor (log10 (fabs (lo)))) : 1;
      return 1;
    }
  magnitude = pow (10, floor (log10 (range / (max_ticks - 1))));
  for (int m = 0; m < 3; m++, magnitude *= 10)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          step = steps[i] * magnitude;
          if (integer && (step < 1 || fabs (step - round (step)) > 1e-9))
            continue;
          if (floor (hi / step + 1e-9) - ceil (lo / step - 1e-9) + 1 <= max_ticks)
            {
              found = TRUE;
              break;
            }
        }
      if (found)
        break;
    }
  for (double v = ceil (lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < SY_MAX_TICKS; v += step)
    ticks[n++] = fabs (v) < step * 1e-9 ? 0 : v;
  if (step_out)
    *step_out = step;
  return n;
}

double
_sy_ticks_width (const SyRenderStyle *style,
                 const SyScale       *scale,
                 int                  max_ticks,
                 double               size)
{
  double ticks[SY_MAX_TICKS], step, widest = 0, w;
  int n = _sy_nice_ticks (scale, max_ticks, ticks, &step);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *s = _sy_format_tick (ticks[i], step);

      _sy_text_size (style, s, size, FALSE, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

void
_sy_draw_y_grid (cairo_t             *cr,
                 const SyRenderStyle *style,
                 const SyRect        *p,
                 const SyScale       *scale,
                 int                  max_ticks,
                 const char          *label)
{
  SyTextOpts t = SY_TEXT_OPTS_INIT;
  double ticks[SY_MAX_TICKS], step, ymin = scale->lo, ymax = scale->hi;
  int n = _sy_nice_ticks (scale, max_ticks, ticks, &step);

  t.size = 0.8;
  t.xalign = 1;
  t.yalign = 0.5;
  t.color = &style->muted;
  cairo_set_line_width (cr, _sy_px (style, 1));
  for (int i = 0; i < n; i++)
    {
      g_autofree char *s = _sy_format_tick (ticks[i], step);
      double y = p->y + p->h - (ticks[i] - ymin) / (ymax - ymin) * p->h;

      if (y < p->y - 0.5 || y > p->y + p->h + 0.5)
        continue;
      _sy_set_color (cr, &style->grid);
      cairo_move_to (cr, p->x, y);
      cairo_line_to (cr, p->x + p->w, y);
      cairo_stroke (cr);
      _sy_draw_text (cr, style, s, p->x - _sy_px (style, 4), y, &t);
    }
  if (label)
    {
      t.xalign = 0;
      t.yalign = 1;
      _sy_draw_text (cr, style, label, p->x, p->y - _sy_px (style, 3), &t);
    }
}

char *
_sy_format_tick (double value,
                 double step)
{
  int decimals = 0;

  if (step > 0 && step < 1)
    decimals = (int) ceil (-log10 (step) - 1e-9);
  /* 2.5 × 10^n needs one more digit */
  if (step > 0 && fabs (step / pow (10, floor (log10 (step))) - 2.5) < 1e-6)
    decimals++;
  decimals = CLAMP (decimals, 0, 6);
  return g_strdup_printf ("%.*f", decimals, value);
}

char *
_sy_format_si (double value)
{
  static const char *suffix[] = { "", " k", " M", " G", " T", " P" };
  double a = fabs (value);
  guint i = 0;

  if (isnan (value))
    return g_strdup ("–");
  while (a >= 1000 && i + 1 < G_N_ELEMENTS (suffix))
    {
      a /= 1000;
      value /= 1000;
      i++;
    }
  if (i == 0)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf (a >= 100 ? "%.0f%s" : a >= 10 ? "%.1f%s" : "%.2f%s", value, suffix[i]);
}

char *
_sy_format_value (double value,
                  int    decimals)
{
  if (isnan (value))
    return g_strdup ("–");
  return g_strdup_printf ("%.*f", decimals, value);
}

char *
_sy_token_label (const SyTrace *trace,
                 int            t)
{
  const char *text = trace->token_text ? trace->token_text[t] : NULL;
  GString *s;
  const char *p;
  gboolean had_space = FALSE;

  if (text == NULL)
    return g_strdup_printf ("#%d", trace->ids ? trace->ids[t] : t);
  if (!g_utf8_validate (text, -1, NULL))
    return g_utf8_make_valid (text, -1);

  s = g_string_new (NULL);
  for (p = text; *p; p++)
    {
      if (*p == '\n')
        g_string_append (s, "↵");
      else if (*p == '\t')
        g_string_append (s, "⇥");
      else if (*p == '\r')
        continue;
      else
        {
          if (*p == ' ')
            had_space = TRUE;
          g_string_append_c (s, *p);
        }
    }
  g_strstrip (s->str);
  s->len = strlen (s->str);
  if (s->len == 0 && had_space)
    g_string_append (s, "␣");
  return g_string_free (s, FALSE);
}

static double
bar_width (const SyRenderStyle *style)
{
  return _sy_px (style, 14);
}

double
_sy_colorbar_width (const SyRenderStyle *style,
                    const SyScale       *scale,
                    const char          *label)
{
  double w = bar_width (style) + _sy_px (style, 6) + _sy_ticks_width (style, scale, 6, 0.85);

  if (label)
    {
      double lw;

      _sy_text_size (style, label, 0.85, FALSE, &lw, NULL);
      w = MAX (w, lw);
    }
  return w;
}

void
_sy_colorbar (cairo_t             *cr,
              const SyRenderStyle *style,
              const SyRect        *rect,
              const SyScale       *scale,
              SyColorMapFunc       map,
              const char          *label)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double vmin = scale->lo, vmax = scale->hi;
  double ticks[SY_MAX_TICKS], step, y0 = rect->y, h = rect->h, bw = bar_width (style);
  gboolean stepped;
  int n;

  text.size = 0.85;
  text.color = &style->muted;
  if (label)
    {
      double lh;

      _sy_text_size (style, label, 0.85, FALSE, NULL, &lh);
      _sy_draw_text (cr, style, label, rect->x, y0, &text);
      y0 += lh + _sy_px (style, 4);
      h -= lh + _sy_px (style, 4);
    }
  if (h <= 4)
    return;

  stepped = scale->integer && vmax > vmin && vmax - vmin <= 16;
  if (stepped)
    {
      /* Few integer values (K): one block per value, labelled at its centre. */
      int n_steps = (int) (vmax - vmin) + 1;
      double bh = h / n_steps;

      for (int k = 0; k < n_steps; k++)
        {
          SyColor c;

          map (k / (vmax - vmin), &c);
          _sy_set_color (cr, &c);
          cairo_rectangle (cr, rect->x, y0 + h - (k + 1) * bh, bw, bh);
          cairo_fill (cr);
        }
    }
  else
    {
      /* Bottom = vmin, top = vmax; a vector gradient with 32 stops. */
      cairo_pattern_t *gradient = cairo_pattern_create_linear (0, y0 + h, 0, y0);

      for (int i = 0; i <= 32; i++)
        {
          SyColor c;

          map (i / 32.0, &c);
          cairo_pattern_add_color_stop_rgb (gradient, i / 32.0, c.r, c.g, c.b);
        }
      cairo_save (cr);
      cairo_set_source (cr, gradient);
      cairo_rectangle (cr, rect->x, y0, bw, h);
      cairo_fill (cr);
      cairo_restore (cr);
      cairo_pattern_destroy (gradient);
    }

  cairo_save (cr);
  _sy_set_color (cr, &style->grid);
  cairo_set_line_width (cr, _sy_px (style, 1));
  cairo_rectangle (cr, rect->x + 0.5, y0 + 0.5, bw - 1, h - 1);
  cairo_stroke (cr);
  cairo_restore (cr);

  n = _sy_nice_ticks (scale, MAX (2, MIN (stepped ? 17 : 6, (int) (h / _sy_px (style, stepped ? 16 : 24)))),
                      ticks, &step);
  text.yalign = 0.5;
  text.color = &style->foreground;
  for (int i = 0; i < n; i++)
    {
      g_autofree char *s = _sy_format_tick (ticks[i], step);
      double y;

      if (stepped)
        y = y0 + h - (ticks[i] - vmin + 0.5) * h / (vmax - vmin + 1);
      else
        y = y0 + h - (vmax > vmin ? (ticks[i] - vmin) / (vmax - vmin) : 0.5) * h;
      cairo_save (cr);
      _sy_set_color (cr, &style->foreground);
      cairo_set_line_width (cr, _sy_px (style, 1));
      cairo_move_to (cr, rect->x + bw, y);
      cairo_line_to (cr, rect->x + bw + _sy_px (style, 3), y);
      cairo_stroke (cr);
      cairo_restore (cr);
      _sy_draw_text (cr, style, s, rect->x + bw + _sy_px (style, 5), y, &text);
    }
}

gboolean
_sy_router_topp_p (const char *spec,
                   double     *p)
{
  g_autoptr (SyRouterSpec) parsed = spec != NULL ? sy_router_spec_parse (spec, NULL) : NULL;

  if (parsed == NULL || parsed->policy != SY_POLICY_TOPP || !isfinite (parsed->p))
    return FALSE;
  *p = parsed->p;
  return TRUE;
}

double
_sy_title_height (const SyRenderStyle *style)
{
  double th, sh;

  _sy_text_size (style, "Ag", 1.2, TRUE, NULL, &th);
  _sy_text_size (style, "Ag", 0.85, FALSE, NULL, &sh);
  return th + sh + _sy_px (style, 12);
}

void
_sy_draw_title (cairo_t             *cr,
                const SyRenderStyle *style,
                const char          *title,
                const char          *subtitle,
                double               width)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double margin = _sy_px (style, 12), th;

  text.size = 1.2;
  text.bold = TRUE;
  text.max_width = width - 2 * margin;
  _sy_text_size (style, "Ag", 1.2, TRUE, NULL, &th);
  _sy_draw_text (cr, style, title, margin, margin, &text);
  text.size = 0.85;
  text.bold = FALSE;
  text.color = &style->muted;
  _sy_draw_text (cr, style, subtitle, margin, margin + th + _sy_px (style, 2), &text);
}

char *
_sy_trace_subtitle (const SyTrace *trace)
{
  return g_strdup_printf (_("%s · %s · %d tokens × %d MoE layers"),
                          trace->model ? trace->model : _("model"),
                          trace->router ? trace->router : "native",
                          trace->n_tokens, trace->n_moe_layers);
}

void
_sy_draw_token_labels (cairo_t              *cr,
                       const SyRenderStyle  *style,
                       const SyTrace        *trace,
                       const SyTokenColumns *cols,
                       double                y,
                       SyTextOpts           *text)
{
  for (int t = cols->first; t <= cols->last; t++)
    {
      g_autofree char *s = NULL;
      gboolean sel = t == cols->selected;

      if (t % cols->stride != 0 && !sel)
        continue;
      s = _sy_token_label (trace, t);
      text->bold = sel;
      text->color = sel ? &style->accent : &style->foreground;
      _sy_draw_text (cr, style, s, cols->origin_x + (t + 0.5) * cols->cell_w, y, text);
    }
}

void
_sy_draw_trace_title (cairo_t             *cr,
                      const SyRenderStyle *style,
                      const SyTrace       *trace,
                      const char          *title,
                      double               width)
{
  g_autofree char *sub = _sy_trace_subtitle (trace);

  _sy_draw_title (cr, style, title, sub, width);
}
