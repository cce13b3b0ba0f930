/* sy-compare-pane.c: compare mode (B's controls, side by side, difference)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sy-compare-export.h"
#include "sy-compare-pane.h"
#include "sy-compare-view.h"
#include "sy-heatmap-view.h"
#include "sy-router-controls.h"

struct _SyComparePane
{
  GtkWidget         parent_instance;

  /* Children */
  GtkWidget        *paned;
  SyRouterControls *controls;
  GtkStack         *stack;
  GtkWidget        *heat[SY_N_SLOTS];
  GtkWidget        *diff;
  GtkWidget        *status;
  GtkWidget        *sides;            /* SyCompareSides */

  /* Owned */
  SyWorker         *worker;
  SyKlCache        *kl_cache;         /* KL and agreement of unchanged positions */
  gboolean          active;
  gboolean          syncing;
};

G_DEFINE_FINAL_TYPE (SyComparePane, sy_compare_pane, GTK_TYPE_WIDGET)

/* SyCompareSides: A's and B's heatmaps, side by side when the pane is wide
 * enough for both at a readable column width, else (two heatmaps wider
 * than tall) A above B sharing B's token axis.  The views keep one zoom,
 * scroll and selection either way. */
#define SY_TYPE_COMPARE_SIDES (sy_compare_sides_get_type ())
G_DECLARE_FINAL_TYPE (SyCompareSides, sy_compare_sides, SY, COMPARE_SIDES, GtkWidget)

#define SIDES_GAP 6
#define SIDES_MIN_COLUMN 14    /* px per token that side by side must leave */
#define SIDES_OVERHEAD 170     /* row labels, legend and margins of one heatmap */
#define SIDES_MIN_ROW 10       /* px per layer row that stacked heatmaps keep ... */
#define SIDES_MIN_GRID 30      /* ... and px of grid at least, at most SIDES_MAX_GRID */
#define SIDES_MAX_GRID 80

struct _SyCompareSides
{
  GtkWidget  parent_instance;
  GtkWidget *child[SY_N_SLOTS];  /* frames */
  GtkWidget *heat[SY_N_SLOTS];
  gboolean   stacked;
  int        width;              /* of the last allocation */
};

G_DEFINE_FINAL_TYPE (SyCompareSides, sy_compare_sides, GTK_TYPE_WIDGET)

/* The height a stacked heatmap @view (in @frame) needs at @width to keep
 * a readable grid: its title and margins, SIDES_MIN_ROW px per layer
 * (within SIDES_MIN_GRID..SIDES_MAX_GRID) and, @with_axis, the token
 * labels under it (their height at a grid of that size). */
static int
stacked_min_height (GtkWidget *frame,
                    GtkWidget *view,
                    int        width,
                    gboolean   with_axis)
{
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (view));
  SyRenderStyle style;
  SyViewOptions opts;
  SyHeatmapLayout layout;
  int frame_min, view_min, grid, h;

  gtk_widget_measure (frame, GTK_ORIENTATION_VERTICAL, -1, &frame_min, NULL, NULL, NULL);
  if (trace == NULL || width <= 0)
    return frame_min;
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, -1, &view_min, NULL, NULL, NULL);
  sy_trace_view_get_render_style (SY_TRACE_VIEW (view), &style);
  sy_trace_view_get_options (SY_TRACE_VIEW (view), &opts);
  /* the grid's top, its largest height (rows have a maximum) and the
   * margin under it, as the renderer lays them out */
  opts.heatmap.hide_token_axis = TRUE;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, &style, width, 2000 }, trace, &opts.heatmap, &layout);
  grid = MIN (CLAMP (trace->n_moe_layers * SIDES_MIN_ROW, SIDES_MIN_GRID, SIDES_MAX_GRID), layout.grid_h);
  h = (int) ceil (layout.grid_y + grid + 40);
  sy_heatmap_layout (&(SyRenderTarget) { NULL, &style, width, h }, trace, &opts.heatmap, &layout);
  h = (int) ceil (h - (layout.grid_h - grid));
  if (with_axis)
    h += (int) ceil (sy_heatmap_view_get_token_axis_height (SY_HEATMAP_VIEW (view), width, h + 60));
  return MAX (frame_min, frame_min - view_min + h);
}

static void
sy_compare_sides_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  SyCompareSides *self = SY_COMPARE_SIDES (widget);
  int min[SY_N_SLOTS], nat[SY_N_SLOTS];

  for (int s = 0; s < SY_N_SLOTS; s++)
    gtk_widget_measure (self->child[s], orientation, -1, &min[s], &nat[s], NULL, NULL);
  /* wide: one column at least (stacked); high: two rows (stacked always fits) */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (min[0], min[1]);
      *natural = nat[0] + nat[1] + SIDES_GAP;
    }
  else
    {
      *minimum = min[0] + min[1] + SIDES_GAP;
      /* stacked, each keeps a readable grid: where the views are short
       * (the default window size), this moves the split above them */
      if (self->stacked)
        *minimum = MAX (*minimum, stacked_min_height (self->child[SY_SLOT_A], self->heat[SY_SLOT_A],
                                                      self->width, FALSE)
                                  + stacked_min_height (self->child[SY_SLOT_B], self->heat[SY_SLOT_B],
                                                        self->width, TRUE)
                                  + SIDES_GAP);
      *natural = MAX (*minimum, MAX (nat[0], nat[1]));
    }
}

/* Side by side when each half leaves SIDES_MIN_COLUMN px per token, or the
 * heatmaps are taller than wide (fewer tokens than layers); else stacked. */
gboolean
sy_compare_sides_choose_stacked (int width,
                                 int height,
                                 int n_tokens,
                                 int n_layers)
{
  double half = (width - SIDES_GAP) / 2.0 - SIDES_OVERHEAD;

  if (n_tokens <= 0)
    return FALSE;
  if (half >= (double) n_tokens * SIDES_MIN_COLUMN)
    return FALSE;
  if (n_tokens <= n_layers && width >= height)
    return FALSE;
  return TRUE;
}

static void
sy_compare_sides_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  SyCompareSides *self = SY_COMPARE_SIDES (widget);
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (self->heat[SY_SLOT_A]));
  int min_w[SY_N_SLOTS], min_h[SY_N_SLOTS];
  gboolean stacked;

  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      gtk_widget_measure (self->child[s], GTK_ORIENTATION_HORIZONTAL, -1, &min_w[s], NULL, NULL, NULL);
      gtk_widget_measure (self->child[s], GTK_ORIENTATION_VERTICAL, -1, &min_h[s], NULL, NULL, NULL);
    }
  stacked = trace == NULL
            ? width < 2 * 480
            : sy_compare_sides_choose_stacked (width, height, trace->n_tokens, trace->n_moe_layers);
  /* what fits wins over what reads better */
  if (!stacked && (width - SIDES_GAP) / 2 < MAX (min_w[0], min_w[1]))
    stacked = TRUE;
  if (stacked)
    {
      /* B carries the token axis: the grids get the same height */
      int axis = (int) sy_heatmap_view_get_token_axis_height (SY_HEATMAP_VIEW (self->heat[SY_SLOT_B]),
                                                               width, height / 2.0);
      int top = (height - SIDES_GAP - axis) / 2;

      min_h[SY_SLOT_A] = stacked_min_height (self->child[SY_SLOT_A], self->heat[SY_SLOT_A], width, FALSE);
      min_h[SY_SLOT_B] = stacked_min_height (self->child[SY_SLOT_B], self->heat[SY_SLOT_B], width, TRUE);
      top = CLAMP (top, min_h[0], MAX (min_h[0], height - SIDES_GAP - min_h[1]));
      gtk_widget_allocate (self->child[SY_SLOT_A], width, top, -1, NULL);
      gtk_widget_allocate (self->child[SY_SLOT_B], width, MAX (height - top - SIDES_GAP, min_h[1]), -1,
                           gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (0, top + SIDES_GAP)));
    }
  else
    {
      int left = (width - SIDES_GAP) / 2;

      gtk_widget_allocate (self->child[SY_SLOT_A], left, height, -1, NULL);
      gtk_widget_allocate (self->child[SY_SLOT_B], MAX (width - left - SIDES_GAP, min_w[1]), height, -1,
                           gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (left + SIDES_GAP, 0)));
    }
  if (stacked != self->stacked || (stacked && width != self->width))
    {
      /* the minimum height follows (see measure) */
      self->stacked = stacked;
      self->width = width;
      sy_heatmap_view_set_hide_token_axis (SY_HEATMAP_VIEW (self->heat[SY_SLOT_A]), stacked);
      /* one colour scale (update sets both to one K range): B's legend, beside A's grid too */
      sy_heatmap_view_set_legend_shared (SY_HEATMAP_VIEW (self->heat[SY_SLOT_A]), stacked);
      gtk_widget_queue_resize (widget);
    }
}

static void
sy_compare_sides_dispose (GObject *object)
{
  SyCompareSides *self = SY_COMPARE_SIDES (object);

  for (int s = 0; s < SY_N_SLOTS; s++)
    g_clear_pointer (&self->child[s], gtk_widget_unparent);
  G_OBJECT_CLASS (sy_compare_sides_parent_class)->dispose (object);
}

static void
sy_compare_sides_class_init (SyCompareSidesClass *klass)
{
  GTK_WIDGET_CLASS (klass)->measure = sy_compare_sides_measure;
  GTK_WIDGET_CLASS (klass)->size_allocate = sy_compare_sides_size_allocate;
  G_OBJECT_CLASS (klass)->dispose = sy_compare_sides_dispose;
}

static void
sy_compare_sides_init (SyCompareSides *self)
{
}

static void
update (SyComparePane *self)
{
  const SyTrace *a = sy_worker_get_trace (self->worker, SY_SLOT_A);
  const SyTrace *b = sy_worker_get_trace (self->worker, SY_SLOT_B);
  g_autoptr (GError) error = NULL;
  g_autofree char *status = NULL;
  SyCompare *cmp = NULL;
  int max_k = 0;

  sy_trace_view_set_trace (SY_TRACE_VIEW (self->heat[SY_SLOT_A]), a);
  sy_trace_view_set_trace (SY_TRACE_VIEW (self->heat[SY_SLOT_B]), self->active ? b : NULL);
  /* two continuations: the generated tokens, and the first where they part */
  {
    int ga = sy_worker_get_generated_from (self->worker, SY_SLOT_A);
    int gb = sy_worker_get_generated_from (self->worker, SY_SLOT_B);
    int diff = 0;

    if (a != NULL && b != NULL && ga > 0 && gb > 0)
      for (int t = MIN (ga, gb); t < MIN (a->n_tokens, b->n_tokens); t++)
        if (a->ids[t] != b->ids[t])
          {
            diff = t;
            break;
          }
    sy_trace_view_set_marks (SY_TRACE_VIEW (self->heat[SY_SLOT_A]), ga, diff);
    sy_trace_view_set_marks (SY_TRACE_VIEW (self->heat[SY_SLOT_B]), gb, diff);
  }
  if (a != NULL && b != NULL && self->active)
    {
      int Ta = 0, Tb = 0, Va = 0, Vb = 0;
      const float *la = sy_worker_get_logits (self->worker, SY_SLOT_A, &Ta, &Va);
      const float *lb = sy_worker_get_logits (self->worker, SY_SLOT_B, &Tb, &Vb);

      if (la == NULL || lb == NULL || Ta != a->n_tokens || Tb != b->n_tokens || Va != Vb)
        la = lb = NULL;
      /* A and B arrive one after the other: compare only matching runs
       * (two continuations are different texts: the marks tell them) */
      if (sy_worker_get_generated_from (self->worker, SY_SLOT_B) > 0)
        {
          int diff = sy_trace_view_get_first_difference (SY_TRACE_VIEW (self->heat[SY_SLOT_A]));

          status = diff > 0
            ? g_strdup_printf (_("Two continuations: A %d tokens, B %d tokens; they part at token %d (▼)"),
                               a->n_tokens, b->n_tokens, diff)
            : g_strdup_printf (_("Two continuations: A %d tokens, B %d tokens, the same so far"),
                               a->n_tokens, b->n_tokens);
        }
      else if (a->n_tokens == b->n_tokens)
        {
          SyCompareSide side_a = { a, la, sy_worker_get_logits_stamps (self->worker, SY_SLOT_A) };
          SyCompareSide side_b = { b, lb, sy_worker_get_logits_stamps (self->worker, SY_SLOT_B) };

          cmp = sy_compare_new_cached (&side_a, &side_b, Va, self->kl_cache, &error);
        }
    }
  if (cmp != NULL)
    {
      for (int i = 0; i < cmp->n_moe_layers; i++)
        for (int t = 0; t < cmp->n_tokens; t++)
          max_k = MAX (max_k, MAX (cmp->a->layers[i].k[t], cmp->b->layers[i].k[t]));
      /* TRANSLATORS: average experts of A and B, KL divergence, greedy agreement */
      status = g_strdup_printf (_("K: A %.2f · B %.2f (ΔK %+.2f) · KL(A‖B) %.4f · greedy agreement %.0f%%"),
                                cmp->a->avg_k, cmp->b->avg_k, cmp->b->avg_k - cmp->a->avg_k,
                                cmp->kl, 100 * cmp->greedy_agreement);
    }
  else if (error != NULL)
    status = g_strdup (error->message);
  else if (self->active && status == NULL)
    status = g_strdup (_("Running configuration B…"));
  for (int s = 0; s < SY_N_SLOTS; s++)
    sy_heatmap_view_set_k_scale_max (SY_HEATMAP_VIEW (self->heat[s]), max_k);
  /* no comparison of these traces (two continuations, runs of different
   * texts): the view shows none rather than keep an older text's */
  sy_compare_view_set_compare (SY_COMPARE_VIEW (self->diff), cmp);
  gtk_label_set_text (GTK_LABEL (self->status), status ? status : "");
  /* all of it where a narrow pane cuts it short */
  gtk_widget_set_tooltip_text (self->status, status);
}

static void
on_trace_ready (SyWorker      *worker,
                int            slot,
                SyComparePane *self)
{
  /* the worker emits A then B for one run: compare when B's is in */
  if (slot == SY_SLOT_B || !self->active)
    update (self);
}

static void
on_model_changed (SyWorker      *worker,
                  SyComparePane *self)
{
  sy_router_controls_change_model (self->controls,
                                   sy_model_get_router_info (sy_worker_get_model (worker)));
  update (self);
}




/* One token axis: zoom and scroll of either heatmap move the other. */
static void
on_viewport_changed (SyHeatmapView *view,
                     SyComparePane *self)
{
  SyHeatmapView *other = SY_HEATMAP_VIEW (self->heat[view == SY_HEATMAP_VIEW (self->heat[SY_SLOT_A])]);

  if (self->syncing)
    return;
  self->syncing = TRUE;
  sy_heatmap_view_set_cell_width (other, sy_heatmap_view_get_cell_width (view));
  sy_heatmap_view_set_x_offset (other, sy_heatmap_view_get_x_offset (view));
  self->syncing = FALSE;
}

void
sy_compare_pane_set_active (SyComparePane *self,
                            gboolean       active)
{
  g_return_if_fail (SY_IS_COMPARE_PANE (self));

  active = !!active;
  if (self->active == active)
    return;
  self->active = active;
  if (active)
    {
      /* B's spec as the controls show it */
      sy_router_controls_apply (self->controls);
    }
  sy_worker_set_compare (self->worker, active);
  update (self);
}

gboolean
sy_compare_pane_get_active (SyComparePane *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), FALSE);
  return self->active;
}

void
sy_compare_pane_set_page (SyComparePane *self,
                          const char    *page)
{
  g_return_if_fail (SY_IS_COMPARE_PANE (self));
  if (page && gtk_stack_get_child_by_name (self->stack, page))
    gtk_stack_set_visible_child_name (self->stack, page);
}

gboolean
sy_compare_pane_set_router_b (SyComparePane  *self,
                              const char     *spec,
                              GError        **error)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), FALSE);
  return sy_router_controls_set_spec_string (self->controls, spec, error);
}

char *
sy_compare_pane_get_router_b (SyComparePane *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), NULL);
  return sy_router_controls_get_spec_string (self->controls);
}

const SyCompare *
sy_compare_pane_get_compare (SyComparePane *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), NULL);
  return sy_compare_view_get_compare (SY_COMPARE_VIEW (self->diff));
}

GtkWidget *
sy_compare_pane_get_diff_view (SyComparePane *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), NULL);
  return self->diff;
}

gboolean
sy_compare_pane_get_stacked (SyComparePane *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), FALSE);
  return SY_COMPARE_SIDES (self->sides)->stacked;
}

GtkWidget *
sy_compare_pane_get_heatmap (SyComparePane *self,
                             SySlot         slot)
{
  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);
  return self->heat[slot];
}

gboolean
sy_compare_pane_export (SyComparePane        *self,
                        const char           *path,
                        const SyRenderStyle  *style,
                        GError              **error)
{
  SyCompareExport job = { 0, };
  SyViewOptions heat_a;
  SySelection *selection;
  double width, height;

  g_return_val_if_fail (SY_IS_COMPARE_PANE (self), FALSE);

  job.cmp = sy_compare_pane_get_compare (self);
  if (job.cmp == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   _("There is nothing to compare yet: wait for configuration B's run"));
      return FALSE;
    }
  job.style = style;
  job.side = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "side") == 0;
  selection = sy_trace_view_get_selection (SY_TRACE_VIEW (self->diff));
  sy_trace_view_get_options (SY_TRACE_VIEW (self->heat[SY_SLOT_A]), &heat_a);
  job.heatmap = heat_a.heatmap;
  job.heatmap.x_offset = 0;
  job.heatmap.cell_width = 0;
  sy_compare_options_init (&job.diff);
  job.diff.selected_token = selection ? sy_selection_get_token (selection) : -1;
  job.diff.selected_layer = selection ? sy_selection_get_layer (selection) : -1;
  width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), job.side ? 2 * 480 : 480);
  height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 200);
  return sy_compare_export (&job, path, width, height, 1.0, error);
}

static GtkWidget *
framed (GtkWidget *child)
{
  GtkWidget *frame = gtk_frame_new (NULL);

  gtk_frame_set_child (GTK_FRAME (frame), child);
  return frame;
}

static void
sy_compare_pane_dispose (GObject *object)
{
  SyComparePane *self = SY_COMPARE_PANE (object);

  if (self->worker)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_clear_pointer (&self->paned, gtk_widget_unparent);
  G_OBJECT_CLASS (sy_compare_pane_parent_class)->dispose (object);
}

static void
sy_compare_pane_finalize (GObject *object)
{
  g_clear_object (&SY_COMPARE_PANE (object)->worker);
  g_clear_pointer (&SY_COMPARE_PANE (object)->kl_cache, sy_kl_cache_free);
  G_OBJECT_CLASS (sy_compare_pane_parent_class)->finalize (object);
}

static void
sy_compare_pane_class_init (SyComparePaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_compare_pane_dispose;
  object_class->finalize = sy_compare_pane_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "comparepane");
}

static void
sy_compare_pane_init (SyComparePane *self)
{
  self->kl_cache = sy_kl_cache_new ();
}

GtkWidget *
sy_compare_pane_new (SyWorker    *worker,
                     SySelection *selection,
                     const char  *default_b)
{
  SyComparePane *self;
  GtkWidget *left, *title, *scroller, *right, *switcher, *side;
  SyModel *model;

  g_return_val_if_fail (SY_IS_WORKER (worker), NULL);

  self = g_object_new (SY_TYPE_COMPARE_PANE, NULL);
  self->worker = g_object_ref (worker);

  self->paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_parent (self->paned, GTK_WIDGET (self));

  /* left: configuration B */
  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  title = gtk_label_new (_("Configuration B"));
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_margin_start (title, 12);
  gtk_widget_set_margin_top (title, 8);
  gtk_box_append (GTK_BOX (left), title);
  self->controls = SY_ROUTER_CONTROLS (sy_router_controls_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->controls), 240, -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->controls));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (left), scroller);
  gtk_paned_set_start_child (GTK_PANED (self->paned), left);
  gtk_paned_set_resize_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->paned), FALSE);

  /* right: side by side | difference */
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (right, 6);
  gtk_widget_set_margin_top (right, 6);
  gtk_widget_set_margin_end (right, 6);
  gtk_widget_set_margin_bottom (right, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  switcher = gtk_stack_switcher_new ();
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->stack);
  gtk_widget_set_halign (switcher, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (right), switcher);

  side = g_object_new (SY_TYPE_COMPARE_SIDES, NULL);
  self->sides = side;
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      self->heat[s] = sy_heatmap_view_new ();
      /* two rows of them fit under the text at the default size */
      gtk_widget_set_size_request (self->heat[s], 200, 60);
      sy_trace_view_set_selection (SY_TRACE_VIEW (self->heat[s]), selection);
      gtk_widget_set_hexpand (self->heat[s], TRUE);
      g_signal_connect (self->heat[s], "viewport-changed", G_CALLBACK (on_viewport_changed), self);
      SY_COMPARE_SIDES (side)->heat[s] = self->heat[s];
      SY_COMPARE_SIDES (side)->child[s] = framed (self->heat[s]);
      gtk_widget_set_parent (SY_COMPARE_SIDES (side)->child[s], side);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heat[SY_SLOT_A]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Configuration A heatmap"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heat[SY_SLOT_B]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Configuration B heatmap"), -1);
  gtk_stack_add_titled (self->stack, side, "side", _("Side by Side"));
  self->diff = sy_compare_view_new ();
  sy_trace_view_set_selection (SY_TRACE_VIEW (self->diff), selection);
  gtk_stack_add_titled (self->stack, framed (self->diff), "diff", _("Difference"));
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->stack));

  self->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->status, "dim-label");
  gtk_box_append (GTK_BOX (right), self->status);
  gtk_paned_set_end_child (GTK_PANED (self->paned), right);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);

  model = sy_worker_get_model (worker);
  if (model != NULL)
    sy_router_controls_set_model_info (self->controls, sy_model_get_router_info (model));
  sy_router_controls_set_spec_string (self->controls, default_b ? default_b : "topp:p=0.4", NULL);
  sy_router_controls_bind_worker (self->controls, self->worker, SY_SLOT_B);
  g_signal_connect (worker, "trace-ready", G_CALLBACK (on_trace_ready), self);
  g_signal_connect (worker, "model-changed", G_CALLBACK (on_model_changed), self);
  return GTK_WIDGET (self);
}
