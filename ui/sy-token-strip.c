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

static char *
sy_token_strip_describe_selection (SyTraceView *view)
{
  const SyTrace *trace = sy_trace_view_get_trace (view);
  SySelection *selection = sy_trace_view_get_selection (view);

  if (trace == NULL || selection == NULL || sy_selection_get_token (selection) < 0)
    return NULL;
  return sy_strip_describe (trace, sy_selection_get_token (selection));
}

static int
sy_token_strip_height_for_width (SyTraceView *view,
                                 int          for_width)
{
  SyTokenStrip *self = SY_TOKEN_STRIP (view);
  const SyTrace *trace = sy_trace_view_get_trace (view);
  GtkWidget *widget = GTK_WIDGET (view);
  SyRenderStyle style;
  SyViewOptions opts;
  /* no width: the one it has (else its natural one) */
  double width = for_width > 0 ? for_width
               : gtk_widget_get_width (widget) > 0 ? gtk_widget_get_width (widget) : 600;

  if (trace == NULL)
    return 80;
  sy_trace_view_get_render_style (view, &style);
  sy_trace_view_get_options (view, &opts);
  if (!self->cached || self->cached_width != width || self->cached_measure != opts.strip.measure ||
      self->cached_style.font_size != style.font_size || self->cached_style.scale != style.scale ||
      strcmp (self->cached_style.font_family, style.font_family) != 0)
    {
      self->cached_height = (int) MAX (80, sy_strip_natural_height (&(SyRenderTarget) { NULL, &style, width, 0 },
                                                                    trace, &opts.strip));
      self->cached_width = width;
      self->cached_measure = opts.strip.measure;
      self->cached_style = style;
      self->cached = TRUE;
    }
  return self->cached_height;
}

static void
sy_token_strip_class_init (SyTokenStripClass *klass)
{
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  sy_trace_view_class_set_view (view_class, "strip", "tokenstrip", GTK_ACCESSIBLE_ROLE_LIST,
                                N_("Token strip"));
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SyTokenStrip, opts, strip);
  view_class->height_for_width = sy_token_strip_height_for_width;
  view_class->min_width = 200;
  view_class->natural_width = 600;
  view_class->describe_selection = sy_token_strip_describe_selection;
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
  g_signal_connect (self, "notify::trace", G_CALLBACK (on_trace_notify), NULL);
}

GtkWidget *
sy_token_strip_new (void)
{
  return g_object_new (SY_TYPE_TOKEN_STRIP, NULL);
}
