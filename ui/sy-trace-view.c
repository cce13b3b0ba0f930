/* sy-trace-view.c: base class of the widgets that draw a trace
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sy-render-export.h"
#include "sy-trace-view.h"

G_DEFINE_BOXED_TYPE (SyTrace, sy_trace, sy_trace_copy, sy_trace_free)

typedef struct
{
  /* Owned */
  SyTrace     *trace;
  SySelection *selection;

  gulong       token_handler;
  gulong       layer_handler;
  gulong       dark_handler;
  int          dark;          /* -1 follow the desktop */
  int          generated_from;   /* the marks (sy_view_options_set_marks()) */
  int          first_difference;
  GtkAdjustment *scroll_adjustment; /* weak: the scroller's, redraws on scrolling */
  GtkWidget   *menu;          /* the context menu (expert card), or NULL */
} SyTraceViewPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SyTraceView, sy_trace_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TRACE,
  PROP_SELECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { EXPERT_ACTIVATED, VIEWPORT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

const SyTrace *
sy_trace_view_get_trace (SyTraceView *self)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), NULL);
  return priv->trace;
}

static void
update_accessible_description (SyTraceView *self)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  g_autofree char *text = klass->describe_selection ? klass->describe_selection (self) : NULL;

  if (text)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

void
sy_trace_view_set_trace (SyTraceView   *self,
                         const SyTrace *trace)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  if (trace == priv->trace)
    return;
  g_clear_pointer (&priv->trace, sy_trace_free);
  priv->trace = sy_trace_copy (trace);
  /* Keep the selection inside the new text. */
  if (priv->trace && priv->selection)
    {
      if (sy_selection_get_token (priv->selection) >= priv->trace->n_tokens)
        sy_selection_set_token (priv->selection, priv->trace->n_tokens - 1);
      if (sy_selection_get_layer (priv->selection) >= priv->trace->n_moe_layers)
        sy_selection_set_layer (priv->selection, priv->trace->n_moe_layers - 1);
    }
  update_accessible_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE]);
}

SySelection *
sy_trace_view_get_selection (SyTraceView *self)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), NULL);
  return priv->selection;
}

static void
selection_changed (SyTraceView *self)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);

  if (klass->selection_changed)
    klass->selection_changed (self);
  update_accessible_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Lets go of the selection and its handlers. */
static void
drop_selection (SyTraceViewPrivate *priv)
{
  if (priv->selection == NULL)
    return;
  g_clear_signal_handler (&priv->token_handler, priv->selection);
  g_clear_signal_handler (&priv->layer_handler, priv->selection);
  g_clear_object (&priv->selection);
}

void
sy_trace_view_set_selection (SyTraceView *self,
                             SySelection *selection)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  g_autoptr (SySelection) fresh = NULL;

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  g_return_if_fail (selection == NULL || SY_IS_SELECTION (selection));
  if (selection == NULL)
    selection = fresh = sy_selection_new ();
  if (selection == priv->selection)
    return;
  drop_selection (priv);
  priv->selection = g_object_ref (selection);
  priv->token_handler = g_signal_connect_swapped (selection, "notify::token", G_CALLBACK (selection_changed), self);
  priv->layer_handler = g_signal_connect_swapped (selection, "notify::layer", G_CALLBACK (selection_changed), self);
  selection_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION]);
}

void
sy_trace_view_set_dark (SyTraceView *self,
                        int          dark)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  priv->dark = dark < 0 ? -1 : !!dark;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sy_trace_view_get_render_style (SyTraceView   *self,
                                SyRenderStyle *style)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  gboolean dark = priv->dark > 0;
  PangoContext *context;
  const PangoFontDescription *desc;

  if (priv->dark < 0)
    dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  if (dark)
    sy_render_style_init_dark (style);
  else
    sy_render_style_init_light (style);

  /* The desktop's interface font, a little smaller for chart labels. */
  context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  desc = context ? pango_context_get_font_description (context) : NULL;
  if (desc)
    {
      const char *family = pango_font_description_get_family (desc);
      double size = pango_font_description_get_size (desc) / (double) PANGO_SCALE;

      if (!pango_font_description_get_size_is_absolute (desc))
        size *= 96.0 / 72.0;
      if (family)
        g_strlcpy (style->font_family, family, sizeof style->font_family);
      if (size > 0)
        style->font_size = CLAMP (size * 0.85, 9, 24);
    }
}

void
sy_trace_view_get_options (SyTraceView   *self,
                           SyViewOptions *opts)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  sy_view_options_init (opts);
  if (klass->get_options)
    klass->get_options (self, opts);
  else if (klass->options_size > 0)
    memcpy ((char *) opts + klass->view_options_offset, (char *) self + klass->options_offset,
            klass->options_size);
  sy_view_options_set_marks (opts, priv->generated_from, priv->first_difference);
  if (klass->info && klass->info->select && priv->selection)
    klass->info->select (opts, sy_selection_get_token (priv->selection),
                         sy_selection_get_layer (priv->selection));
}

void
sy_trace_view_set_marks (SyTraceView *self,
                         int          generated_from,
                         int          first_difference)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  if (priv->generated_from == MAX (generated_from, 0) && priv->first_difference == MAX (first_difference, 0))
    return;
  priv->generated_from = MAX (generated_from, 0);
  priv->first_difference = MAX (first_difference, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
sy_trace_view_set_measure (SyTraceView  *self,
                           const char   *measure,
                           GError      **error)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  gpointer own = G_STRUCT_MEMBER_P (self, klass->options_offset);
  SyViewOptions opts;

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), FALSE);
  g_return_val_if_fail (klass->info && klass->info->set_measure && klass->options_size > 0, FALSE);
  memcpy ((char *) &opts + klass->view_options_offset, own, klass->options_size);
  if (!klass->info->set_measure (&opts, measure, error))
    return FALSE;
  memcpy (own, (char *) &opts + klass->view_options_offset, klass->options_size);
  /* a view whose height follows its width may need another height */
  if (klass->height_for_width)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

int
sy_trace_view_get_first_difference (SyTraceView *self)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), 0);
  return priv->first_difference;
}

void
sy_trace_view_update_flag (SyTraceView *self,
                           gboolean    *flag,
                           gboolean     value)
{
  if (*flag == !!value)
    return;
  *flag = !!value;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The frame @self is drawn in on @target: @opts gets the view's options
 * with the selection applied. */
static const SyViewFrame *
frame_init (SyTraceView          *self,
            const SyRenderTarget *target,
            SyViewOptions        *opts,
            SyViewFrame          *frame)
{
  sy_trace_view_get_options (self, opts);
  *frame = (SyViewFrame) { sy_trace_view_get_trace (self), opts, *target };
  return frame;
}

/* What the frame of the widget as it is now points at. */
typedef struct
{
  SyRenderStyle style;
  SyViewOptions opts;
  SyViewFrame   frame;
} WidgetFrame;

static const SyViewFrame *
widget_frame (SyTraceView *self,
              WidgetFrame *data)
{
  sy_trace_view_get_render_style (self, &data->style);
  SyRenderTarget target = { NULL, &data->style, gtk_widget_get_width (GTK_WIDGET (self)),
                            gtk_widget_get_height (GTK_WIDGET (self)) };

  return frame_init (self, &target, &data->opts, &data->frame);
}

/* Draws with the table's renderer. */
static void
sy_trace_view_real_draw (SyTraceView       *self,
                         const SyViewFrame *frame)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);

  if (klass->info != NULL && klass->info->render != NULL)
    klass->info->render (frame);
}

/* The (layer, token) under a point: the class's hit test, else the
 * table's. */
static gboolean
hit_cell (SyTraceView       *self,
          const SyViewFrame *frame,
          const double       point[2],
          int                cell[2])
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);

  if (klass->hit)
    return klass->hit (self, frame, point, cell);
  if (klass->info == NULL || klass->info->hit == NULL)
    return FALSE;
  return klass->info->hit (frame, point, cell);
}

/* The instance's column width and horizontal offset. */
static void
get_grid (SyTraceView  *self,
          double      **cell_width,
          double      **x_offset)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);

  *cell_width = G_STRUCT_MEMBER_P (self, klass->cell_width_offset);
  *x_offset = G_STRUCT_MEMBER_P (self, klass->x_offset_offset);
}

/* The sideways-scrolling grid's geometry now; FALSE without one. */
static gboolean
grid_now (SyTraceView *self,
          double      *cell_w,
          double      *grid_w,
          double      *content_w)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  WidgetFrame data;
  double geometry[3];

  if (klass->grid_geometry == NULL || klass->cell_width_offset == 0 || sy_trace_view_get_trace (self) == NULL)
    return FALSE;
  if (!klass->grid_geometry (self, widget_frame (self, &data), geometry))
    return FALSE;
  *cell_w = geometry[0];
  *grid_w = geometry[1];
  *content_w = geometry[2];
  return TRUE;
}

gboolean
sy_trace_view_clamp_grid (SyTraceView *self,
                          double       old_cell_width,
                          double       old_x_offset)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  double *cell_width, *x_offset, cw, gw, content_w;

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), FALSE);
  if (klass->cell_width_offset == 0)
    return FALSE;
  get_grid (self, &cell_width, &x_offset);
  if (grid_now (self, &cw, &gw, &content_w))
    *x_offset = CLAMP (*x_offset, 0, MAX (0, content_w - gw));
  if (*cell_width == old_cell_width && *x_offset == old_x_offset)
    return FALSE;
  g_signal_emit (self, signals[VIEWPORT_CHANGED], 0);
  return TRUE;
}

/* A grid zooms about the left edge of its first visible column with
 * Ctrl held, else pans. */
static gboolean
sy_trace_view_real_scroll (SyTraceView *self,
                           double       dx,
                           double       dy,
                           gboolean     zoom)
{
  double *cell_width, *x_offset, cw, gw, content_w, old_cw, old_x;

  if (!grid_now (self, &cw, &gw, &content_w))
    return FALSE;
  get_grid (self, &cell_width, &x_offset);
  old_cw = *cell_width;
  old_x = *x_offset;
  if (zoom)
    {
      double first = cw > 0 ? *x_offset / cw : 0;

      *cell_width = CLAMP (cw * pow (1.15, -dy), SY_TRACE_VIEW_MIN_CELL, SY_TRACE_VIEW_MAX_CELL);
      *x_offset = first * *cell_width;
    }
  else if (content_w <= gw + 0.5)
    return FALSE;
  else
    *x_offset += (fabs (dx) > 0 ? dx : dy) * MAX (cw, 8) * 2;
  sy_trace_view_clamp_grid (self, old_cw, old_x);
  return TRUE;
}

/* A grid scrolls the selected token's column into view. */
static void
sy_trace_view_real_selection_changed (SyTraceView *self)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  double *cell_width, *x_offset, cw, gw, content_w, old_x;
  int t = priv->selection ? sy_selection_get_token (priv->selection) : -1;

  if (t < 0 || !grid_now (self, &cw, &gw, &content_w) || cw <= 0 || gw <= 0)
    return;
  get_grid (self, &cell_width, &x_offset);
  old_x = *x_offset;
  if (t * cw < *x_offset)
    *x_offset = t * cw;
  else if ((t + 1) * cw > *x_offset + gw)
    *x_offset = (t + 1) * cw - gw;
  sy_trace_view_clamp_grid (self, *cell_width, old_x);
}

void
sy_trace_view_draw (SyTraceView          *self,
                    const SyRenderTarget *target)
{
  SyTraceViewClass *klass;
  SyViewOptions opts;
  SyViewFrame frame;

  g_return_if_fail (SY_IS_TRACE_VIEW (self));
  klass = SY_TRACE_VIEW_GET_CLASS (self);
  if (klass->draw)
    klass->draw (self, frame_init (self, target, &opts, &frame));
}

typedef struct
{
  SyTraceView         *view;
  const SyRenderStyle *style;
} ExportData;

static void
export_draw (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  ExportData *data = user_data;

  sy_trace_view_draw (data->view, &(SyRenderTarget) { cr, data->style, width, height });
}

gboolean
sy_trace_view_export (SyTraceView           *self,
                      const char            *path,
                      const SyRenderTarget  *picture,
                      GError               **error)
{
  ExportData data = { self, picture->style ? picture->style : sy_render_style_light () };

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), FALSE);
  return sy_render_to_file (path, picture->width, picture->height, 2, export_draw, &data, error);
}

static void
sy_trace_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  SyTraceView *self = SY_TRACE_VIEW (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  SyRenderStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  graphene_rect_t visible = GRAPHENE_RECT_INIT (0, 0, width, height);
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  /* In a scroller (a long text's strip) only the visible part is drawn,
   * into a surface of that size; scrolling then has to redraw. */
  if (scroller != NULL)
    {
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (scroller, widget, &bounds)
          && !graphene_rect_intersection (&visible, &bounds, &visible))
        return;
      if (adjustment != priv->scroll_adjustment)
        {
          if (priv->scroll_adjustment != NULL)
            g_signal_handlers_disconnect_by_data (priv->scroll_adjustment, self);
          g_set_weak_pointer (&priv->scroll_adjustment, adjustment);
          g_signal_connect_object (adjustment, "value-changed",
                                   G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
        }
    }
  sy_trace_view_get_render_style (self, &style);
  cr = gtk_snapshot_append_cairo (snapshot, &visible);
  sy_trace_view_draw (self, &(SyRenderTarget) { cr, &style, width, height });
  cairo_destroy (cr);
}

char *
sy_trace_view_get_tooltip_at (SyTraceView *self,
                              double       x,
                              double       y)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  WidgetFrame data;
  const SyViewFrame *frame;

  if (priv->trace == NULL)
    return NULL;
  frame = widget_frame (self, &data);
  if (klass->tooltip)
    return klass->tooltip (self, frame, (double[2]) { x, y });
  if (klass->info && klass->info->tooltip)
    return klass->info->tooltip (frame, (double[2]) { x, y });
  return NULL;
}

static gboolean expert_at (SyTraceView *self, double x, double y, int *layer, int *expert);
static gboolean selects_at (SyTraceView *self, double x, double y);

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  SyTraceView *self = SY_TRACE_VIEW (widget);
  g_autofree char *text = sy_trace_view_get_tooltip_at (self, x, y);
  int layer, expert;

  if (text == NULL)
    return FALSE;
  /* how to open the expert's card from here */
  if (!keyboard && expert_at (self, x, y, &layer, &expert))
    {
      char *hint = g_strdup_printf ("%s\n%s", text,
                                    selects_at (self, x, y)
                                    ? _("Double-click or right-click for the expert's card")
                                    : _("Click for the expert's card"));

      g_free (text);
      text = hint;
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* The (layer, token) a click at (x, y) selects in @cell (-1: keeps
 * that one); FALSE where it selects nothing. */
static gboolean
select_cell_at (SyTraceView *self,
                double       x,
                double       y,
                int          cell[2])
{
  WidgetFrame data;

  cell[0] = cell[1] = -1;
  if (sy_trace_view_get_trace (self) == NULL)
    return FALSE;
  return hit_cell (self, widget_frame (self, &data), (double[2]) { x, y }, cell);
}

gboolean
sy_trace_view_select_at (SyTraceView *self,
                         double       x,
                         double       y)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  int cell[2];

  if (!select_cell_at (self, x, y, cell))
    return FALSE;
  if (cell[1] >= 0)
    sy_selection_set_token (priv->selection, cell[1]);
  if (cell[0] >= 0)
    sy_selection_set_layer (priv->selection, cell[0]);
  return TRUE;
}

/* Whether a click at (x, y) selects something (a token, a layer). */
static gboolean
selects_at (SyTraceView *self,
            double       x,
            double       y)
{
  int cell[2];

  return select_cell_at (self, x, y, cell);
}

static gboolean
expert_at (SyTraceView *self,
           double       x,
           double       y,
           int         *layer,
           int         *expert)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  WidgetFrame data;
  int cell[2] = { -1, -1 };
  gboolean found;

  *layer = *expert = -1;
  if (klass->expert_at == NULL || sy_trace_view_get_trace (self) == NULL)
    return FALSE;
  found = klass->expert_at (self, widget_frame (self, &data), (double[2]) { x, y }, cell);
  *layer = cell[0];
  *expert = cell[1];
  return found && *layer >= 0 && *expert >= 0;
}

/* A click selects what is under it; where that is an expert and a click
 * selects nothing there (the inspector's bars), it opens the expert's
 * card, else a double click does (and the context menu). */
static void
on_click (GtkGestureClick *gesture,
          int              n_press,
          double           x,
          double           y,
          SyTraceView     *self)
{
  gboolean selects;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  selects = sy_trace_view_select_at (self, x, y);
  if (selects)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (selects ? n_press == 2 : n_press == 1)
    sy_trace_view_activate_expert_at (self, x, y);
}

gboolean
sy_trace_view_activate_expert_at (SyTraceView *self,
                                  double       x,
                                  double       y)
{
  int layer, expert;

  if (!expert_at (self, x, y, &layer, &expert))
    return FALSE;
  g_signal_emit (self, signals[EXPERT_ACTIVATED], 0, layer, expert);
  return TRUE;
}

static void
open_expert_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  int layer, expert;

  g_variant_get (parameter, "(ii)", &layer, &expert);
  g_signal_emit (widget, signals[EXPERT_ACTIVATED], 0, layer, expert);
}

/* The context menu at (x, y): the card of the expert there, if any.
 * TRUE if it opened. */
gboolean
sy_trace_view_popup_menu_at (SyTraceView *self,
                             double       x,
                             double       y)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  g_autoptr (GMenu) menu = NULL;
  g_autoptr (GMenuItem) item = NULL;
  g_autofree char *label = NULL;
  int layer, expert;

  g_return_val_if_fail (SY_IS_TRACE_VIEW (self), FALSE);
  if (!expert_at (self, x, y, &layer, &expert))
    return FALSE;
  menu = g_menu_new ();
  label = g_strdup_printf ("Open Card of Expert %d (Layer L%d)", expert,
                           priv->trace->layers[layer].layer);
  item = g_menu_item_new (label, NULL);
  g_menu_item_set_action_and_target (item, "view.open-expert", "(ii)", layer, expert);
  g_menu_append_item (menu, item);
  if (priv->menu == NULL)
    {
      priv->menu = gtk_popover_menu_new_from_model (NULL);
      gtk_popover_set_has_arrow (GTK_POPOVER (priv->menu), FALSE);
      gtk_widget_set_halign (priv->menu, GTK_ALIGN_START);
      gtk_widget_set_parent (priv->menu, GTK_WIDGET (self));
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (priv->menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (priv->menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (priv->menu));
  return TRUE;
}

static void
on_secondary_click (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    SyTraceView     *self)
{
  if (n_press == 1 && sy_trace_view_popup_menu_at (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_long_press (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               SyTraceView         *self)
{
  if (sy_trace_view_popup_menu_at (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* @i moved by @d inside [0, @n); from nothing (-1) a step forward
 * lands on the first, a step back on the last. */
static int
step_index (int i,
            int d,
            int n)
{
  if (i < 0)
    i = d > 0 ? -1 : n;
  return (int) CLAMP ((gint64) i + d, 0, n - 1);
}

void
sy_trace_view_move_selection (SyTraceView *self,
                              int          d_token,
                              int          d_layer)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  SySelection *sel = priv->selection;

  if (priv->trace == NULL)
    return;
  if (d_token != 0 && priv->trace->n_tokens > 0)
    sy_selection_set_token (sel, step_index (sy_selection_get_token (sel), d_token,
                                             priv->trace->n_tokens));
  if (d_layer != 0 && priv->trace->n_moe_layers > 0)
    sy_selection_set_layer (sel, step_index (sy_selection_get_layer (sel), d_layer,
                                             priv->trace->n_moe_layers));
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  int dt = 0, dl = 0;

  g_variant_get (parameter, "(ii)", &dt, &dl);
  sy_trace_view_move_selection (SY_TRACE_VIEW (widget), dt, dl);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SyTraceView              *self)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (self);
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (klass->scroll == NULL)
    return FALSE;
  if (klass->scroll (self, dx, dy, (state & GDK_CONTROL_MASK) != 0))
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    }
  return FALSE;
}

static void
on_dark_changed (SyTraceView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
sy_trace_view_dispose (GObject *object)
{
  SyTraceView *self = SY_TRACE_VIEW (object);
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);

  drop_selection (priv);
  g_clear_signal_handler (&priv->dark_handler, adw_style_manager_get_default ());
  g_clear_weak_pointer (&priv->scroll_adjustment);
  g_clear_pointer (&priv->menu, gtk_widget_unparent);
  G_OBJECT_CLASS (sy_trace_view_parent_class)->dispose (object);
}

static void
sy_trace_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (SY_TRACE_VIEW (widget));

  if (priv->menu != NULL)
    gtk_popover_present (GTK_POPOVER (priv->menu));
}

static void
sy_trace_view_finalize (GObject *object)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (SY_TRACE_VIEW (object));

  g_clear_pointer (&priv->trace, sy_trace_free);
  G_OBJECT_CLASS (sy_trace_view_parent_class)->finalize (object);
}

/* What the class says of every instance: its accessible label, its
 * smallest size, its own options at their defaults. */
static void
sy_trace_view_constructed (GObject *object)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (object);

  G_OBJECT_CLASS (sy_trace_view_parent_class)->constructed (object);
  if (klass->label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (object), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _(klass->label), -1);
  if (klass->min_width > 0 || klass->min_height > 0)
    gtk_widget_set_size_request (GTK_WIDGET (object), klass->min_width > 0 ? klass->min_width : -1,
                                 klass->min_height > 0 ? klass->min_height : -1);
  if (klass->options_size > 0)
    {
      SyViewOptions defaults;

      sy_view_options_init (&defaults);
      memcpy ((char *) object + klass->options_offset,
              (char *) &defaults + klass->view_options_offset, klass->options_size);
    }
}

static GtkSizeRequestMode
sy_trace_view_get_request_mode (GtkWidget *widget)
{
  if (SY_TRACE_VIEW_GET_CLASS (widget)->height_for_width != NULL)
    return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
  return GTK_WIDGET_CLASS (sy_trace_view_parent_class)->get_request_mode (widget);
}

static void
sy_trace_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  SyTraceViewClass *klass = SY_TRACE_VIEW_GET_CLASS (widget);

  if (klass->height_for_width == NULL)
    GTK_WIDGET_CLASS (sy_trace_view_parent_class)->measure (widget, orientation, for_size,
                                                           minimum, natural,
                                                           minimum_baseline, natural_baseline);
  else if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = klass->min_width;
      *natural = klass->natural_width;
    }
  else
    *minimum = *natural = klass->height_for_width (SY_TRACE_VIEW (widget), for_size);
}

static void
sy_trace_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SyTraceView *self = SY_TRACE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      g_value_set_boxed (value, sy_trace_view_get_trace (self));
      break;
    case PROP_SELECTION:
      g_value_set_object (value, sy_trace_view_get_selection (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_trace_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SyTraceView *self = SY_TRACE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      sy_trace_view_set_trace (self, g_value_get_boxed (value));
      break;
    case PROP_SELECTION:
      sy_trace_view_set_selection (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_trace_view_class_init (SyTraceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const struct { guint key; int dt, dl; } keys[] = {
    { GDK_KEY_Left, -1, 0 }, { GDK_KEY_Right, 1, 0 },
    { GDK_KEY_Up, 0, -1 }, { GDK_KEY_Down, 0, 1 },
    { GDK_KEY_KP_Left, -1, 0 }, { GDK_KEY_KP_Right, 1, 0 },
    { GDK_KEY_KP_Up, 0, -1 }, { GDK_KEY_KP_Down, 0, 1 },
    { GDK_KEY_Home, -G_MAXINT / 2, 0 }, { GDK_KEY_End, G_MAXINT / 2, 0 },
  };

  object_class->constructed = sy_trace_view_constructed;
  object_class->dispose = sy_trace_view_dispose;
  object_class->finalize = sy_trace_view_finalize;
  object_class->get_property = sy_trace_view_get_property;
  object_class->set_property = sy_trace_view_set_property;
  widget_class->snapshot = sy_trace_view_snapshot;
  widget_class->size_allocate = sy_trace_view_size_allocate;
  widget_class->get_request_mode = sy_trace_view_get_request_mode;
  widget_class->measure = sy_trace_view_measure;
  klass->draw = sy_trace_view_real_draw;
  klass->scroll = sy_trace_view_real_scroll;
  klass->selection_changed = sy_trace_view_real_selection_changed;

  properties[PROP_TRACE] =
    g_param_spec_boxed ("trace", NULL, NULL, SY_TYPE_TRACE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTION] =
    g_param_spec_object ("selection", NULL, NULL, SY_TYPE_SELECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* (MoE layer, expert): the expert's card asked for (a click, a double
   * click or the context menu; sy_trace_view_activate_expert_at) */
  signals[EXPERT_ACTIVATED] =
    g_signal_new ("expert-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  /* a sideways-scrolling grid's column width or offset changed (zoom,
   * scroll): lets compare mode keep two heatmaps on one token axis */
  signals[VIEWPORT_CHANGED] =
    g_signal_new ("viewport-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "view.move", "(ii)", move_action);
  gtk_widget_class_install_action (widget_class, "view.open-expert", "(ii)", open_expert_action);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key, 0, "view.move", "(ii)",
                                         keys[i].dt, keys[i].dl);
}

/* Adds @gesture, calling @pressed with @self on its ::pressed. */
static void
add_gesture (SyTraceView *self,
             GtkGesture  *gesture,
             GCallback    pressed)
{
  g_signal_connect (gesture, "pressed", pressed, self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

static void
sy_trace_view_init (SyTraceView *self)
{
  SyTraceViewPrivate *priv = sy_trace_view_get_instance_private (self);
  GtkGesture *click;
  GtkEventController *scroll;

  priv->dark = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);

  add_gesture (self, gtk_gesture_click_new (), G_CALLBACK (on_click));
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  add_gesture (self, click, G_CALLBACK (on_secondary_click));
  click = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (click), TRUE);
  add_gesture (self, click, G_CALLBACK (on_long_press));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  priv->dark_handler = g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                                                 G_CALLBACK (on_dark_changed), self);
  sy_trace_view_set_selection (self, NULL);
}

void
sy_trace_view_class_set_view (SyTraceViewClass  *klass,
                              const char        *view,
                              const char        *css_name,
                              GtkAccessibleRole  role,
                              const char        *label)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  if (view != NULL)
    klass->info = sy_view_lookup (view);
  klass->label = label;
  gtk_widget_class_set_css_name (widget_class, css_name);
  gtk_widget_class_set_accessible_role (widget_class, role);
}
