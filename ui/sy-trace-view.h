/* sy-trace-view.h: base class of the widgets that draw a trace
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SyTraceView holds a copy of a trace and a shared SySelection, draws
 * through its class's renderer (the same function export and the CLI
 * use) from its snapshot, follows the GNOME dark style, shows tooltips
 * with exact numbers, selects on click and moves the selection with the
 * arrow keys (Left/Right: token, Up/Down: layer, Home/End).
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-render-style.h"
#include "sy-selection.h"
#include "sy-trace.h"
#include "sy-views.h"

G_BEGIN_DECLS

#define SY_TYPE_TRACE (sy_trace_get_type ())
GType sy_trace_get_type (void) G_GNUC_CONST;

#define SY_TYPE_TRACE_VIEW (sy_trace_view_get_type ())

/* Column widths a sideways-scrolling grid zooms between. */
#define SY_TRACE_VIEW_MIN_CELL 3.0
#define SY_TRACE_VIEW_MAX_CELL 120.0

G_DECLARE_DERIVABLE_TYPE (SyTraceView, sy_trace_view, SY, TRACE_VIEW, GtkWidget)

struct _SyTraceViewClass
{
  GtkWidgetClass parent_class;

  /* Draws the view with its renderer.  The vfuncs that draw or look at
   * a point get the frame the view is drawn in: its trace, the options
   * the base class gives (get_options() or the instance's, with the
   * selection applied), the style and the size. */
  void      (*draw)        (SyTraceView         *self,
                            const SyViewFrame   *frame);
  /* The (layer, token) under @point in @cell; layer -1 keeps the
   * selected layer, token -1 keeps the selected token. */
  gboolean  (*hit)         (SyTraceView         *self,
                            const SyViewFrame   *frame,
                            const double         point[2],
                            int                  cell[2]);
  /* Tooltip text for a point, or NULL (unset: the table's tooltip). */
  char     *(*tooltip)     (SyTraceView         *self,
                            const SyViewFrame   *frame,
                            const double         point[2]);
  /* Scroll (dx, dy in steps); @zoom with Ctrl held.  TRUE if handled. */
  gboolean  (*scroll)      (SyTraceView         *self,
                            double               dx,
                            double               dy,
                            gboolean             zoom);
  /* The selection changed: e.g. scroll the token into view. */
  void      (*selection_changed) (SyTraceView   *self);
  /* Accessible description of the selection, or NULL. */
  char     *(*describe_selection) (SyTraceView  *self);
  /* The (MoE layer, expert) under a point in @cell, for
   * ::expert-activated (a click opens its card where it selects nothing,
   * else a double click or the context menu); FALSE where there is none. */
  gboolean  (*expert_at)   (SyTraceView         *self,
                            const SyViewFrame   *frame,
                            const double         point[2],
                            int                  cell[2]);

  /* The view's entry in the table (sy-views.h).  Where it is set, the
   * base class draws with its renderer and hit-tests with its hit test,
   * on the options get_options() gives with the selection applied. */
  const SyViewInfo *info;
  /* The view's own options (the selection is applied after). */
  void      (*get_options) (SyTraceView         *self,
                            SyViewOptions       *opts);
  /* Or, where the instance keeps them as one struct: its place in the
   * instance, its place in SyViewOptions and its size (set them with
   * SY_TRACE_VIEW_CLASS_SET_OPTIONS). */
  gsize     options_offset;
  gsize     view_options_offset;
  gsize     options_size;
  /* A grid of token columns that scrolls sideways: its column width,
   * visible width and whole width now, in @geometry.  With it the base class zooms
   * (Ctrl+scroll), pans and scrolls the selected token into view,
   * moving the instance's column width and offset (the doubles at
   * these G_STRUCT_OFFSETs in the instance). */
  gboolean  (*grid_geometry) (SyTraceView         *self,
                              const SyViewFrame   *frame,
                              double               geometry[3]);
  gsize     cell_width_offset;
  gsize     x_offset_offset;
  /* The smallest size of every instance (its size request; 0: none). */
  int       min_width;
  int       min_height;
  /* A view whose height follows its width: its height at @width (-1
   * where GTK measures it for no width), between min_width and
   * natural_width wide. */
  int       (*height_for_width) (SyTraceView       *self,
                                 int                width);
  int       natural_width;
  /* The accessible label of every instance, untranslated (N_()); set by
   * sy_trace_view_class_set_view(). */
  const char *label;

  gpointer padding[3];
};

/* In class_init: the view's entry in the table (@view; NULL for one
 * that draws itself), its CSS name, accessible role and label (marked
 * with N_(), translated for each instance). */
void           sy_trace_view_class_set_view   (SyTraceViewClass  *klass,
                                               const char        *view,
                                               const char        *css_name,
                                               GtkAccessibleRole  role,
                                               const char        *label);

const SyTrace *sy_trace_view_get_trace        (SyTraceView    *self);
/* Emits ::expert-activated for the expert at (x, y), if any (what a
 * click does where it selects nothing, else a double click). */
gboolean       sy_trace_view_activate_expert_at (SyTraceView  *self,
                                                 double        x,
                                                 double        y);
/* The context menu at (x, y) (a right click, a long press): "Open Card
 * of Expert E" for the expert there (action view.open-expert, which
 * emits ::expert-activated).  FALSE, and no menu, where there is none. */
gboolean       sy_trace_view_popup_menu_at    (SyTraceView    *self,
                                               double          x,
                                               double          y);
/* Copies @trace (NULL clears). */
void           sy_trace_view_set_trace        (SyTraceView    *self,
                                               const SyTrace  *trace);
SySelection   *sy_trace_view_get_selection    (SyTraceView    *self);
void           sy_trace_view_set_selection    (SyTraceView    *self,
                                               SySelection    *selection);
/* Force light or dark (-1: follow the desktop, the default). */
void           sy_trace_view_set_dark         (SyTraceView    *self,
                                               int             dark);
/* The style the widget draws with now. */
void           sy_trace_view_get_render_style (SyTraceView    *self,
                                               SyRenderStyle  *style);
/* Draws what the widget shows into any cairo_t (export, tests). */
void           sy_trace_view_draw             (SyTraceView          *self,
                                               const SyRenderTarget *target);
/* Writes the view to an SVG, PNG or PDF file of @picture's size and style
 * (NULL: light; its cr is not used). */
gboolean       sy_trace_view_export           (SyTraceView          *self,
                                               const char           *path,
                                               const SyRenderTarget *picture,
                                               GError              **error);
/* The tooltip text at (x, y) in widget coordinates, or NULL. */
char          *sy_trace_view_get_tooltip_at   (SyTraceView    *self,
                                               double          x,
                                               double          y);
/* Selects what is under (x, y), as a click does; FALSE when nothing. */
gboolean       sy_trace_view_select_at        (SyTraceView    *self,
                                               double          x,
                                               double          y);
/* The options the view draws with now: its own, the marks and the
 * selection. */
void           sy_trace_view_get_options      (SyTraceView    *self,
                                               SyViewOptions  *opts);

/* Marks the tokens generated from @generated_from on and the first token
 * where two continuations differ (0: none; sy_view_options_set_marks()),
 * in the views that show them (heatmap, strip); redraws where they change. */
void           sy_trace_view_set_marks        (SyTraceView    *self,
                                               int             generated_from,
                                               int             first_difference);
int            sy_trace_view_get_first_difference (SyTraceView *self);
/* Colours a view with a measure (heatmap, strip: SyViewInfo.set_measure
 * names them); FALSE with @error where the view has no such measure. */
gboolean       sy_trace_view_set_measure      (SyTraceView    *self,
                                               const char     *measure,
                                               GError        **error);
/* Sets a view's option @flag (a field of its options) to @value and
 * redraws where it changes. */
void           sy_trace_view_update_flag      (SyTraceView    *self,
                                               gboolean       *flag,
                                               gboolean        value);

/* In class_init: the instance of @Type keeps its options in @field, a
 * struct like SyViewOptions' @view_field (the base class sets them to
 * their defaults when an instance is made). */
#define SY_TRACE_VIEW_CLASS_SET_OPTIONS(view_class, Type, field, view_field) \
  G_STMT_START { \
    G_STATIC_ASSERT (sizeof (((Type *) 0)->field) == sizeof (((SyViewOptions *) 0)->view_field)); \
    (view_class)->options_offset = G_STRUCT_OFFSET (Type, field); \
    (view_class)->view_options_offset = G_STRUCT_OFFSET (SyViewOptions, view_field); \
    (view_class)->options_size = sizeof (((SyViewOptions *) 0)->view_field); \
  } G_STMT_END

/* Keeps a sideways-scrolling grid's offset inside its content; when the
 * column width or the offset differ from @old_cell_width and
 * @old_x_offset, emits ::viewport-changed and returns TRUE. */
gboolean       sy_trace_view_clamp_grid       (SyTraceView    *self,
                                               double          old_cell_width,
                                               double          old_x_offset);
/* Moves the selection as the arrow keys do. */
void           sy_trace_view_move_selection   (SyTraceView    *self,
                                               int             d_token,
                                               int             d_layer);

G_END_DECLS
