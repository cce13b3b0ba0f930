/* sy-token-strip.c: the token strip widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sy-token-strip.h"

struct _SyTokenStrip
{
  SyTraceView    parent_instance;

  SyStripOptions opts;

  /* The height of the last trace at one width: a new trace is measured
   * with no width first, then at the width it gets, both the same
   * (laying 2,000 tokens out is the strip's cost). */
  gboolean       cached;
  double         cached_width;
  int            cached_height;
  SyStripMeasure cached_measure;
  SyRenderStyle  cached_style;
};

G_DEFINE_FINAL_TYPE (SyTokenStrip, sy_token_strip, SY_TYPE_TRACE_VIEW)

void
sy_token_strip_get_options (SyTokenStrip   *self,
                            SyStripOptions *opts)
{
  sy_trace_view_get_own_options (SY_TRACE_VIEW (self), opts);
}

static char *
sy_token_strip_tooltip (SyTraceView       *view,
                        const SyViewFrame *frame,
                        const double       point[2])
{
  int cell[2];

  if (!SY_TRACE_VIEW_GET_CLASS (view)->info->hit (frame, point, cell))
    return NULL;
  return sy_strip_describe (frame->trace, cell[1]);
}

static char *
sy_token_strip_describe_selection (SyTraceView *view)
{
  const SyTrace *trace = sy_trace_view_get_trace (view);
  SySelection *selection = sy_trace_view_get_selection (view);

  if (trace == NULL || selection == NULL || sy_selection_get_token (selection) < 0)
    return NULL;
  return sy_strip_describe (trace, sy_selection_get_token (selection));
}

static GtkSizeRequestMode
sy_token_strip_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
sy_token_strip_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  SyTokenStrip *self = SY_TOKEN_STRIP (widget);
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (self));

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 600;
    }
  else
    {
      SyRenderStyle style;
      SyStripOptions opts;
      /* no width: the one it has (else its natural one) */
      double width = for_size > 0 ? for_size
                   : gtk_widget_get_width (widget) > 0 ? gtk_widget_get_width (widget) : 600;

      *minimum = *natural = 80;
      if (trace != NULL)
        {
          sy_trace_view_get_render_style (SY_TRACE_VIEW (self), &style);
          sy_token_strip_get_options (self, &opts);
          if (!self->cached || self->cached_width != width || self->cached_measure != opts.measure ||
              self->cached_style.font_size != style.font_size || self->cached_style.scale != style.scale ||
              strcmp (self->cached_style.font_family, style.font_family) != 0)
            {
              self->cached_height = (int) MAX (80, sy_strip_natural_height (trace, &opts, &style, width));
              self->cached_width = width;
              self->cached_measure = opts.measure;
              self->cached_style = style;
              self->cached = TRUE;
            }
          *minimum = *natural = self->cached_height;
        }
    }
}

static void
sy_token_strip_class_init (SyTokenStripClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  widget_class->get_request_mode = sy_token_strip_get_request_mode;
  widget_class->measure = sy_token_strip_measure;
  view_class->info = sy_view_lookup ("strip");
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SyTokenStrip, opts, strip);
  view_class->tooltip = sy_token_strip_tooltip;
  view_class->describe_selection = sy_token_strip_describe_selection;
  gtk_widget_class_set_css_name (widget_class, "tokenstrip");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST);
}

static void
on_trace_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  SyTokenStrip *self = SY_TOKEN_STRIP (object);

  self->cached = FALSE;
}

static void
sy_token_strip_init (SyTokenStrip *self)
{
  sy_strip_options_init (&self->opts);
  g_signal_connect (self, "notify::trace", G_CALLBACK (on_trace_notify), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Token strip"), -1);
}

GtkWidget *
sy_token_strip_new (void)
{
  return g_object_new (SY_TYPE_TOKEN_STRIP, NULL);
}

void
sy_token_strip_set_marks (SyTokenStrip *self,
                          int           generated_from,
                          int           first_difference)
{
  g_return_if_fail (SY_IS_TOKEN_STRIP (self));
  sy_trace_view_update_marks (SY_TRACE_VIEW (self), &self->opts.generated_from, &self->opts.first_difference,
                              generated_from, first_difference);
}

gboolean
sy_token_strip_set_measure (SyTokenStrip  *self,
                            const char    *measure,
                            GError       **error)
{
  g_return_val_if_fail (SY_IS_TOKEN_STRIP (self), FALSE);
  if (!sy_strip_measure_parse (measure, &self->opts.measure, error))
    return FALSE;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  return TRUE;
}
