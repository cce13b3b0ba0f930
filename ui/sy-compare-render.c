/* sy-compare-render.c: the diff view (headline table, ΔK, Jaccard, ΔNLL)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-compare-render.h"
#include "sy-render-private.h"

void
sy_compare_options_init (SyCompareOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->selected_token = -1;
  opts->selected_layer = -1;
  opts->show_title = TRUE;
  opts->show_table = TRUE;
  opts->show_values = TRUE;
}

static double
dk_range (const SyCompare *cmp)
{
  return MAX (1.0, cmp->max_abs_dk);
}

void
sy_compare_dk_color (const SyCompare *cmp,
                     int              dk,
                     SyColor         *out)
{
  sy_colormap_diverging (dk / dk_range (cmp), out);
}

static void
dk_bar_map (double   t,
            SyColor *out)
{
  sy_colormap_diverging (2 * t - 1, out);
}

/* Rows of the headline table, the line under it included. */
#define TABLE_ROWS 6

static double
line_height (const SyRenderStyle *style)
{
  double w, h;

  _sy_text_size (style, "Ag", 1.0, FALSE, &w, &h);
  return h * 1.3;
}

static double
max_label_width (const SyCompare     *cmp,
                 const SyRenderStyle *style,
                 double               size)
{
  double max = 0;

  for (int t = 0; t < cmp->n_tokens; t++)
    {
      g_autofree char *s = _sy_token_label (cmp->a, t);
      double w, h;

      _sy_text_size (style, s, size, FALSE, &w, &h);
      max = MAX (max, w);
    }
  return max;
}

void
sy_compare_layout (const SyRenderTarget   *target,
                   const SyCompare        *cmp,
                   const SyCompareOptions *opts,
                   SyCompareLayout        *layout)
{
  const SyRenderStyle *style = target->style;
  double margin = _sy_px (style, 12);
  double lh = line_height (style);
  double y = margin, bottom, avail, label_w = 0, text_h, w;
  double legend_w = _sy_colorbar_width (style, &(SyScale) { -dk_range (cmp), dk_range (cmp), TRUE }, _("ΔK"));
  double gap = _sy_px (style, 6);
  int rows = MAX (cmp->n_moe_layers, 1);

  memset (layout, 0, sizeof *layout);
  layout->n_rows = cmp->n_moe_layers;
  layout->n_cols = cmp->n_tokens;

  if (opts->show_title)
    y += _sy_title_height (style);
  layout->table_y = y;
  layout->table_h = opts->show_table ? TABLE_ROWS * lh + gap : 0;
  y += layout->table_h;

  /* left: layer labels ("L12") and a panel title column */
  for (int i = 0; i < cmp->n_moe_layers; i++)
    {
      g_autofree char *s = g_strdup_printf ("L%d", cmp->layers[i].layer);
      double h;

      _sy_text_size (style, s, 0.85, FALSE, &w, &h);
      label_w = MAX (label_w, w);
    }
  _sy_text_size (style, "ΔNLL", 0.85, FALSE, &w, &text_h);
  label_w = MAX (label_w, w);
  layout->grid_x = margin + text_h + label_w + _sy_px (style, 8);
  layout->legend_w = legend_w;
  layout->legend_x = target->width - margin - legend_w;
  layout->grid_w = MAX (1, layout->legend_x - _sy_px (style, 12) - layout->grid_x);

  layout->cell_w = opts->cell_width > 0 ? opts->cell_width
                   : layout->n_cols > 0 ? layout->grid_w / layout->n_cols : layout->grid_w;
  layout->content_w = layout->n_cols * layout->cell_w;
  layout->origin_x = layout->grid_x - MAX (0, MIN (opts->x_offset, layout->content_w - layout->grid_w));

  /* token labels: upright when they fit the cells, else rotated */
  {
    double widest = max_label_width (cmp, style, 0.85);

    if (widest + _sy_px (style, 2) <= layout->cell_w)
      layout->label_h = text_h + _sy_px (style, 6);
    else
      layout->label_h = MIN (widest + _sy_px (style, 10), MAX (_sy_px (style, 40), 0.22 * target->height));
  }

  bottom = target->height - margin - layout->label_h;
  avail = bottom - y;
  /* two heatmaps of n rows, the ΔNLL bars worth ~3 rows, two panel gaps */
  layout->cell_h = CLAMP ((avail - 3 * gap - 2 * text_h) / (2 * rows + 3), _sy_px (style, 4),
                          _sy_px (style, 30));
  layout->nll_h = MAX (_sy_px (style, 24), 3 * layout->cell_h);
  layout->dk_y = y + text_h;
  layout->jac_y = layout->dk_y + rows * layout->cell_h + gap + text_h;
  layout->nll_y = layout->jac_y + rows * layout->cell_h + gap;
  layout->labels_y = layout->nll_y + layout->nll_h + _sy_px (style, 2);

  if (layout->n_cols == 0 || layout->cell_w <= 0)
    {
      layout->first_col = 0;
      layout->last_col = -1;
    }
  else
    {
      layout->first_col = MAX (0, (int) floor ((layout->grid_x - layout->origin_x) / layout->cell_w));
      layout->last_col = MIN (layout->n_cols - 1,
                              (int) ceil ((layout->grid_x + layout->grid_w - layout->origin_x)
                                          / layout->cell_w) - 1);
    }
}

SyCompareHit
sy_compare_hit (const SyCompareLayout *layout,
                double                 x,
                double                 y,
                int                   *moe_layer,
                int                   *token)
{
  int rows = MAX (layout->n_rows, 1);

  *moe_layer = -1;
  *token = -1;
  if (x < layout->grid_x || x >= layout->grid_x + layout->grid_w || layout->cell_w <= 0)
    return SY_COMPARE_HIT_NONE;
  *token = (int) floor ((x - layout->origin_x) / layout->cell_w);
  if (*token < 0 || *token >= layout->n_cols)
    {
      *token = -1;
      return SY_COMPARE_HIT_NONE;
    }
  if (y >= layout->dk_y && y < layout->dk_y + rows * layout->cell_h && layout->n_rows > 0)
    {
      *moe_layer = (int) ((y - layout->dk_y) / layout->cell_h);
      return SY_COMPARE_HIT_DK;
    }
  if (y >= layout->jac_y && y < layout->jac_y + rows * layout->cell_h && layout->n_rows > 0)
    {
      *moe_layer = (int) ((y - layout->jac_y) / layout->cell_h);
      return SY_COMPARE_HIT_JACCARD;
    }
  if (y >= layout->nll_y && y < layout->nll_y + layout->nll_h)
    return SY_COMPARE_HIT_NLL;
  if (y >= layout->labels_y && y < layout->labels_y + layout->label_h)
    return SY_COMPARE_HIT_LABEL;
  *token = -1;
  return SY_COMPARE_HIT_NONE;
}

static void
append_list (GString   *s,
             const int *v,
             int        n)
{
  if (n == 0)
    g_string_append (s, _("none"));
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", v[i]);
}

char *
sy_compare_describe (const SyCompare *cmp,
                     int              moe_layer,
                     int              token)
{
  GString *s = g_string_new (NULL);
  g_autofree char *label = NULL;

  if (token < 0 || token >= cmp->n_tokens)
    return g_string_free (s, FALSE);
  label = _sy_token_label (cmp->a, token);
  g_string_append_printf (s, _("Token %d “%s”"), token, label);
  if (moe_layer >= 0 && moe_layer < cmp->n_moe_layers)
    {
      const SyCompareLayer *cl = &cmp->layers[moe_layer];
      gsize row = (gsize) token * cmp->n_experts;

      g_string_append_printf (s, _(", layer %d\nΔK %+d (A %d, B %d)\nJaccard %.2f\nonly A: "),
                              cl->layer, cl->dk[token], cmp->a->layers[moe_layer].k[token],
                              cmp->b->layers[moe_layer].k[token], cl->jaccard[token]);
      append_list (s, cl->only_a + row, cl->n_only_a[token]);
      g_string_append (s, _("\nonly B: "));
      append_list (s, cl->only_b + row, cl->n_only_b[token]);
    }
  if (token + 1 < cmp->n_tokens && isfinite (cmp->dnll[token]))
    g_string_append_printf (s, _("\nΔNLL of the next token %+.4f"), cmp->dnll[token]);
  else if (token + 1 < cmp->n_tokens)
    g_string_append (s, _("\nΔNLL unavailable (no NLL recorded)"));
  if (cmp->kl_row)
    g_string_append_printf (s, cmp->agree[token] ? _("\nKL(A‖B) %.4g, greedy next token agrees")
                                                 : _("\nKL(A‖B) %.4g, greedy next token differs"),
                            cmp->kl_row[token]);
  return g_string_free (s, FALSE);
}

/* One drawing of the diff view: what each of its parts reads. */
typedef struct
{
  cairo_t                *cr;
  const SyCompare        *cmp;
  const SyCompareOptions *opts;
  const SyRenderStyle    *style;
  SyCompareLayout         layout;
  double                  max_nll;   /* the ΔNLL scale: the largest |ΔNLL| */
  double                  width;
  double                  height;
} Drawing;

/* ---------------------------------------------------------------- table */

static char *
fmt_num (double v,
         int    decimals)
{
  return _sy_format_value (v, decimals);
}

static void
draw_table (const Drawing *d)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double x = _sy_px (d->style, 12), width = d->width - 2 * x;
  double lh = line_height (d->style);
  double y = d->layout.table_y;
  double col[4];
  const SyTrace *a = d->cmp->a, *b = d->cmp->b;
  struct { const char *name; double va, vb; gboolean si; int dec; } rows[] = {
    { _("Average K"), a->avg_k, b->avg_k, FALSE, 3 },
    { _("Activated params / token"), a->activated_params, b->activated_params, TRUE, 0 },
    { _("FLOPs / token"), a->flops, b->flops, TRUE, 0 },
    { _("Perplexity"), a->perplexity, b->perplexity, FALSE, 3 },
  };
  double name_w = 0, w, h;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      _sy_text_size (d->style, rows[i].name, 1.0, FALSE, &w, &h);
      name_w = MAX (name_w, w);
    }
  {
    g_autofree char *ha = g_strdup_printf ("A  %s", a->router ? a->router : "");
    g_autofree char *hb = g_strdup_printf ("B  %s", b->router ? b->router : "");
    double wa, wb, room = (width - name_w - _sy_px (d->style, 24)) / 3;

    _sy_text_size (d->style, ha, 1.0, TRUE, &wa, &h);
    _sy_text_size (d->style, hb, 1.0, TRUE, &wb, &h);
    col[0] = x;
    col[1] = x + name_w + _sy_px (d->style, 24);
    col[2] = col[1] + MIN (room, MAX (_sy_px (d->style, 110), wa + _sy_px (d->style, 20)));
    col[3] = col[2] + MIN (room, MAX (_sy_px (d->style, 110), wb + _sy_px (d->style, 20)));
  }

  /* header: A and B with their routers */
  text.bold = TRUE;
  text.color = &d->style->foreground;
  text.max_width = col[2] - col[1] - _sy_px (d->style, 8);
  {
    g_autofree char *ha = g_strdup_printf ("A  %s", a->router ? a->router : "");
    g_autofree char *hb = g_strdup_printf ("B  %s", b->router ? b->router : "");

    _sy_draw_text (d->cr, d->style, ha, col[1], y, &text);
    _sy_draw_text (d->cr, d->style, hb, col[2], y, &text);
    _sy_draw_text (d->cr, d->style, _("B − A"), col[3], y, &text);
  }
  text.bold = FALSE;
  text.max_width = 0;
  cairo_set_line_width (d->cr, _sy_px (d->style, 1));
  _sy_set_color (d->cr, &d->style->grid);
  cairo_move_to (d->cr, x, y + lh - _sy_px (d->style, 2));
  cairo_line_to (d->cr, col[3] + _sy_px (d->style, 90), y + lh - _sy_px (d->style, 2));
  cairo_stroke (d->cr);
  y += lh;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *sa = rows[i].si ? _sy_format_si (rows[i].va) : fmt_num (rows[i].va, rows[i].dec);
      g_autofree char *sb = rows[i].si ? _sy_format_si (rows[i].vb) : fmt_num (rows[i].vb, rows[i].dec);
      double diff = rows[i].vb - rows[i].va;
      g_autofree char *sd = NULL;

      if (!isfinite (diff))
        sd = g_strdup ("–");
      else if (rows[i].si)
        {
          g_autofree char *m = _sy_format_si (fabs (diff));

          sd = g_strdup_printf ("%s%s (%+.1f%%)", diff < 0 ? "−" : "+", m,
                                rows[i].va != 0 ? 100 * diff / rows[i].va : 0.0);
        }
      else
        sd = g_strdup_printf ("%s%.*f", diff < 0 ? "−" : "+", rows[i].dec, fabs (diff));
      text.color = &d->style->muted;
      _sy_draw_text (d->cr, d->style, rows[i].name, col[0], y, &text);
      text.color = &d->style->foreground;
      _sy_draw_text (d->cr, d->style, sa, col[1], y, &text);
      _sy_draw_text (d->cr, d->style, sb, col[2], y, &text);
      _sy_draw_text (d->cr, d->style, sd, col[3], y, &text);
      y += lh;
    }

  {
    g_autofree char *line = NULL;

    if (isfinite (d->cmp->kl))
      line = g_strdup_printf (_("Mean KL(A‖B) of the next-token distributions %.4g nats  ·  "
                                "greedy next token agrees at %.1f%% of positions"),
                              d->cmp->kl, 100 * d->cmp->greedy_agreement);
    else
      line = g_strdup (_("KL and greedy agreement need the runs' logits"));
    text.color = &d->style->foreground;
    text.max_width = width;
    _sy_draw_text (d->cr, d->style, line, col[0], y, &text);
  }
}

/* ------------------------------------------------------------- the view */

/* A panel's title above its top @y, over the grid. */
static void
draw_panel_title (const Drawing *d,
                  const char    *title,
                  double         y)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;

  text.size = 0.85;
  text.bold = TRUE;
  text.yalign = 1;
  text.color = &d->style->foreground;
  _sy_draw_text (d->cr, d->style, title, d->layout.grid_x, y - _sy_px (d->style, 1), &text);
}

/* The layer labels of a panel whose top is @y0, the selected layer's
 * always. */
static void
draw_row_labels (const Drawing *d,
                 double         y0)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  int stride = MAX (1, (int) ceil (line_height (d->style) * 0.8 / d->layout.cell_h));
  int selected = d->opts->selected_layer;

  text.size = 0.85;
  text.xalign = 1;
  text.yalign = 0.5;
  for (int i = 0; i < d->cmp->n_moe_layers; i++)
    {
      g_autofree char *s = NULL;

      if (i % stride != 0 && i != selected)
        continue;
      s = g_strdup_printf ("L%d", d->cmp->layers[i].layer);
      text.bold = i == selected;
      text.color = i == selected ? &d->style->accent : &d->style->muted;
      _sy_draw_text (d->cr, d->style, s, d->layout.grid_x - _sy_px (d->style, 4),
                     y0 + (i + 0.5) * d->layout.cell_h, &text);
    }
}

/* @s centred in @cell (filled with @bg) where it fits. */
static void
draw_cell_value (const Drawing *d,
                 const char    *s,
                 const SyColor *bg,
                 const SyRect  *cell)
{
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  SyColor fg = sy_color_luminance (bg) > 0.4 ? (SyColor) { 0, 0, 0, 1 } : (SyColor) { 1, 1, 1, 1 };
  double tw, th;

  _sy_text_size (d->style, s, 0.75, FALSE, &tw, &th);
  if (tw + _sy_px (d->style, 2) > cell->w || th > cell->h)
    return;
  text.size = 0.75;
  text.xalign = 0.5;
  text.yalign = 0.5;
  text.color = &fg;
  _sy_draw_text (d->cr, d->style, s, cell->x + cell->w / 2, cell->y + cell->h / 2, &text);
}

static void
draw_compare_title (const Drawing *d)
{
  const SyCompare *cmp = d->cmp;
  g_autofree char *title = g_strdup_printf (_("Compare: A %s  vs  B %s"),
                                            cmp->a->router ? cmp->a->router : "?",
                                            cmp->b->router ? cmp->b->router : "?");
  g_autofree char *sub = cmp->n_shared_layers > 0
    ? g_strdup_printf (_("%s · %d tokens × %d MoE layers · B reused A's leading layers"),
                       cmp->a->model ? cmp->a->model : _("model"), cmp->n_tokens, cmp->n_moe_layers)
    : g_strdup_printf (_("%s · %d tokens × %d MoE layers"),
                       cmp->a->model ? cmp->a->model : _("model"), cmp->n_tokens, cmp->n_moe_layers);

  _sy_draw_title (d->cr, d->style, title, sub, d->width);
}

/* The ΔK and Jaccard cells, with their values where asked. */
static void
draw_compare_cells (const Drawing *d)
{
  for (int i = 0; i < d->cmp->n_moe_layers; i++)
    {
      const SyCompareLayer *cl = &d->cmp->layers[i];

      for (int t = d->layout.first_col; t <= d->layout.last_col; t++)
        {
          double x = d->layout.origin_x + t * d->layout.cell_w;
          SyRect dk = { x, d->layout.dk_y + i * d->layout.cell_h, d->layout.cell_w, d->layout.cell_h };
          SyRect jac = { x, d->layout.jac_y + i * d->layout.cell_h, d->layout.cell_w, d->layout.cell_h };
          SyColor c, cj;

          sy_compare_dk_color (d->cmp, cl->dk[t], &c);
          _sy_fill_cell (d->cr, d->style, &dk, &c, SY_PATTERN_SOLID);
          sy_colormap_sequential (cl->jaccard[t], &cj);
          _sy_fill_cell (d->cr, d->style, &jac, &cj, isnan (cl->jaccard[t]) ? SY_PATTERN_HATCH : SY_PATTERN_SOLID);
          if (d->opts->show_values)
            {
              g_autofree char *sd = cl->dk[t] == 0 ? g_strdup ("0")
                                    : g_strdup_printf ("%s%d", cl->dk[t] > 0 ? "+" : "−", ABS (cl->dk[t]));
              g_autofree char *sj = g_strdup_printf ("%.2f", cl->jaccard[t]);

              if (cl->dk[t] != 0)
                draw_cell_value (d, sd, &c, &dk);
              if (cl->jaccard[t] < 1)
                draw_cell_value (d, sj, &cj, &jac);
            }
        }
    }
}

/* ΔNLL bars around a zero line, scaled to the largest |ΔNLL|. */
static void
draw_dnll_bars (const Drawing *d)
{
  double lw = _sy_px (d->style, 1), gx = d->layout.grid_x, gw = d->layout.grid_w;
  double mid = d->layout.nll_y + d->layout.nll_h / 2, half = d->layout.nll_h / 2 - lw;

  cairo_rectangle (d->cr, gx, d->layout.nll_y, gw, d->layout.nll_h);
  _sy_set_color (d->cr, &d->style->surface);
  cairo_fill (d->cr);
  for (int t = d->layout.first_col; t <= d->layout.last_col && t + 1 < d->cmp->n_tokens; t++)
    {
      double v = d->cmp->dnll[t], x = d->layout.origin_x + t * d->layout.cell_w, bh;
      double inset = d->layout.cell_w > 6 * lw ? 1.5 * lw : 0;
      SyColor c;

      if (!isfinite (v) || d->max_nll <= 0)
        continue;
      bh = half * fabs (v) / d->max_nll;
      sy_colormap_diverging (CLAMP (v / d->max_nll, -1, 1) * 0.85, &c);
      _sy_set_color (d->cr, &c);
      cairo_rectangle (d->cr, x + inset, v > 0 ? mid - bh : mid, d->layout.cell_w - 2 * inset, bh);
      cairo_fill (d->cr);
    }
  _sy_set_color (d->cr, &d->style->grid);
  cairo_set_line_width (d->cr, lw);
  cairo_move_to (d->cr, gx, mid);
  cairo_line_to (d->cr, gx + gw, mid);
  cairo_stroke (d->cr);
}

/* Selection: the token's column across the panels, the layer's cells. */
static void
draw_compare_selection (const Drawing *d)
{
  double lw = _sy_px (d->style, 1), x = d->layout.origin_x + d->opts->selected_token * d->layout.cell_w;
  int rows = d->cmp->n_moe_layers;

  if (d->opts->selected_token < d->layout.first_col || d->opts->selected_token > d->layout.last_col)
    return;
  _sy_set_color (d->cr, &d->style->accent);
  cairo_set_line_width (d->cr, 2 * lw);
  cairo_rectangle (d->cr, x + lw, d->layout.dk_y + lw, d->layout.cell_w - 2 * lw, rows * d->layout.cell_h - 2 * lw);
  cairo_rectangle (d->cr, x + lw, d->layout.jac_y + lw, d->layout.cell_w - 2 * lw, rows * d->layout.cell_h - 2 * lw);
  cairo_rectangle (d->cr, x + lw, d->layout.nll_y + lw, d->layout.cell_w - 2 * lw, d->layout.nll_h - 2 * lw);
  cairo_stroke (d->cr);
  if (d->opts->selected_layer >= 0 && d->opts->selected_layer < rows)
    {
      double dy = d->opts->selected_layer * d->layout.cell_h;

      cairo_set_line_width (d->cr, 3 * lw);
      cairo_rectangle (d->cr, x, d->layout.dk_y + dy, d->layout.cell_w, d->layout.cell_h);
      cairo_rectangle (d->cr, x, d->layout.jac_y + dy, d->layout.cell_w, d->layout.cell_h);
      cairo_stroke (d->cr);
    }
}

/* Token labels: all when they fit, else every stride-th, rotated. */
static void
draw_compare_token_labels (const Drawing *d)
{
  gboolean rotated = d->layout.label_h > line_height (d->style) + _sy_px (d->style, 6);
  SyTextOpts text = SY_TEXT_OPTS_INIT;
  double th, tw;
  int stride;

  _sy_text_size (d->style, "Ag", 0.85, FALSE, &tw, &th);
  stride = rotated ? MAX (1, (int) ceil (th * 1.05 / d->layout.cell_w)) : 1;
  text.size = 0.85;
  text.angle = rotated ? -G_PI / 2 : 0;
  text.xalign = rotated ? 1 : 0.5;
  text.yalign = rotated ? 0.5 : 0;
  text.max_width = rotated ? d->layout.label_h - _sy_px (d->style, 6) : d->layout.cell_w - _sy_px (d->style, 2);
  _sy_draw_token_labels (d->cr, d->style, d->cmp->a,
                         &(SyTokenColumns) { d->layout.first_col, d->layout.last_col, d->layout.origin_x,
                                             d->layout.cell_w, stride, d->opts->selected_token },
                         d->layout.labels_y + _sy_px (d->style, 2), &text);
}

/* The ΔNLL axis label and its scale. */
static void
draw_dnll_axis (const Drawing *d)
{
  g_autofree char *top = g_strdup_printf ("%+.2f", d->max_nll);
  SyTextOpts text = SY_TEXT_OPTS_INIT;

  text.size = 0.85;
  text.bold = TRUE;
  text.xalign = 1;
  text.yalign = 0.5;
  text.color = &d->style->foreground;
  _sy_draw_text (d->cr, d->style, "ΔNLL", d->layout.grid_x - _sy_px (d->style, 4),
                 d->layout.nll_y + d->layout.nll_h / 2, &text);
  text.bold = FALSE;
  text.size = 0.75;
  text.xalign = 0;
  text.yalign = 0;
  text.color = &d->style->muted;
  _sy_draw_text (d->cr, d->style, top, d->layout.grid_x + d->layout.grid_w + _sy_px (d->style, 3),
                 d->layout.nll_y, &text);
}

/* Legends: ΔK (diverging) beside the ΔK panel, Jaccard beside its panel. */
static void
draw_compare_legends (const Drawing *d)
{
  double h = MAX (d->cmp->n_moe_layers * d->layout.cell_h, _sy_px (d->style, 40));
  SyRect r = { d->layout.legend_x, d->layout.dk_y, d->layout.legend_w * 0.4, h };
  SyRect rj = { d->layout.legend_x, d->layout.jac_y, d->layout.legend_w * 0.4, h };

  if (rj.y < r.y + r.h + _sy_px (d->style, 16))
    rj.y = r.y + r.h + _sy_px (d->style, 16);
  _sy_colorbar (d->cr, d->style, &r, &(SyScale) { -dk_range (d->cmp), dk_range (d->cmp), TRUE }, dk_bar_map, _("ΔK"));
  if (rj.y + rj.h <= d->height)
    _sy_colorbar (d->cr, d->style, &rj, &(SyScale) { 0, 1, FALSE }, sy_colormap_sequential, _("Jaccard"));
}

void
sy_compare_render (const SyRenderTarget   *target,
                   const SyCompare        *cmp,
                   const SyCompareOptions *opts)
{
  SyRenderTarget rt = _sy_render_begin (target);
  Drawing d = { rt.cr, cmp, opts, rt.style };
  const SyCompareLayout *layout = &d.layout;

  if (cmp == NULL)
    return;
  sy_compare_layout (&rt, cmp, opts, &d.layout);
  d.width = rt.width;
  d.height = rt.height;
  if (opts->show_title)
    draw_compare_title (&d);
  if (opts->show_table)
    draw_table (&d);

  draw_panel_title (&d, _("ΔK = K_B − K_A"), layout->dk_y);
  draw_panel_title (&d, _("Jaccard overlap of the chosen experts"), layout->jac_y);
  draw_row_labels (&d, layout->dk_y);
  draw_row_labels (&d, layout->jac_y);

  /* clipped to the visible grid */
  cairo_save (d.cr);
  cairo_rectangle (d.cr, layout->grid_x, layout->dk_y, layout->grid_w,
                   layout->labels_y + layout->label_h - layout->dk_y);
  cairo_clip (d.cr);
  draw_compare_cells (&d);
  for (int t = 0; t + 1 < cmp->n_tokens; t++)
    if (isfinite (cmp->dnll[t]))
      d.max_nll = MAX (d.max_nll, fabs (cmp->dnll[t]));
  draw_dnll_bars (&d);
  draw_compare_selection (&d);
  draw_compare_token_labels (&d);
  cairo_restore (d.cr);

  draw_dnll_axis (&d);
  draw_compare_legends (&d);
}

/* ------------------------------------------------------- side by side */

void
sy_compare_side_render (const SyRenderTarget   *target,
                        const SyCompare        *cmp,
                        const SyHeatmapOptions *opts)
{
  SyRenderTarget rt = _sy_render_begin (target);
  cairo_t *cr = rt.cr;
  const SyRenderStyle *style = rt.style;
  SyHeatmapOptions o = *opts;
  double half = rt.width / 2, height = rt.height;
  double gap = _sy_px (style, 4);
  int max_k = 0;

  if (cmp == NULL)
    return;
  for (int i = 0; i < cmp->n_moe_layers; i++)
    for (int t = 0; t < cmp->n_tokens; t++)
      max_k = MAX (max_k, MAX (cmp->a->layers[i].k[t], cmp->b->layers[i].k[t]));
  o.k_scale_max = MAX (o.k_scale_max, max_k);

  for (int side = 0; side < 2; side++)
    {
      const SyTrace *t = side == 0 ? cmp->a : cmp->b;
      g_autofree char *base = sy_heatmap_measure_title (opts);
      g_autofree char *title = g_strdup_printf ("%s: %s — %s", side == 0 ? "A" : "B",
                                                t->router ? t->router : "?", base);

      o.title = opts->title ? opts->title : title;
      cairo_save (cr);
      cairo_translate (cr, side * half, 0);
      cairo_rectangle (cr, 0, 0, half - (side == 0 ? gap : 0), height);
      cairo_clip (cr);
      sy_heatmap_render (&(SyRenderTarget) { cr, style, half - gap, height }, t, &o);
      cairo_restore (cr);
    }
  /* a divider between the halves */
  _sy_set_color (cr, &style->grid);
  cairo_set_line_width (cr, _sy_px (style, 1));
  cairo_move_to (cr, half - gap / 2, _sy_px (style, 8));
  cairo_line_to (cr, half - gap / 2, height - _sy_px (style, 8));
  cairo_stroke (cr);
}
