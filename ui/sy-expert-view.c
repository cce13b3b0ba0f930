/* sy-expert-view.c: the expert card widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-expert-view.h"

struct _SyExpertView
{
  SyTraceView      parent_instance;

  int              moe;
  int              expert;
  SyProfileExpert *profile;
};

G_DEFINE_FINAL_TYPE (SyExpertView, sy_expert_view, SY_TYPE_TRACE_VIEW)

static void
sy_expert_view_get_view_options (SyTraceView   *view,
                                 SyViewOptions *opts)
{
  SyExpertView *self = SY_EXPERT_VIEW (view);

  opts->expert_layer = self->moe;
  opts->expert = self->expert;
  opts->profile = self->profile;
}

static void
sy_expert_view_finalize (GObject *object)
{
  g_clear_pointer (&SY_EXPERT_VIEW (object)->profile, sy_profile_expert_free);
  G_OBJECT_CLASS (sy_expert_view_parent_class)->finalize (object);
}

static void
sy_expert_view_class_init (SyExpertViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_expert_view_finalize;
  sy_trace_view_class_set_view (SY_TRACE_VIEW_CLASS (klass), "expert", "expertcard",
                                GTK_ACCESSIBLE_ROLE_IMG, N_("Expert card"));
  SY_TRACE_VIEW_CLASS (klass)->get_options = sy_expert_view_get_view_options;
  SY_TRACE_VIEW_CLASS (klass)->min_width = 480;
  SY_TRACE_VIEW_CLASS (klass)->min_height = 400;
}

static void
sy_expert_view_init (SyExpertView *self)
{
}

GtkWidget *
sy_expert_view_new (void)
{
  return g_object_new (SY_TYPE_EXPERT_VIEW, NULL);
}

void
sy_expert_view_set_expert (SyExpertView *self,
                           int           moe,
                           int           expert)
{
  g_return_if_fail (SY_IS_EXPERT_VIEW (self));
  self->moe = moe;
  self->expert = expert;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
sy_expert_view_get_expert (SyExpertView *self)
{
  g_return_val_if_fail (SY_IS_EXPERT_VIEW (self), -1);
  return self->expert;
}

int
sy_expert_view_get_layer (SyExpertView *self)
{
  g_return_val_if_fail (SY_IS_EXPERT_VIEW (self), -1);
  return self->moe;
}

void
sy_expert_view_set_profile (SyExpertView    *self,
                            SyProfileExpert *profile)
{
  g_return_if_fail (SY_IS_EXPERT_VIEW (self));
  g_clear_pointer (&self->profile, sy_profile_expert_free);
  self->profile = profile;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const SyProfileExpert *
sy_expert_view_get_profile (SyExpertView *self)
{
  g_return_val_if_fail (SY_IS_EXPERT_VIEW (self), NULL);
  return self->profile;
}
