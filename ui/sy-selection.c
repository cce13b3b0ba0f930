/* sy-selection.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-selection.h"

struct _SySelection
{
  GObject parent_instance;

  int token;
  int layer;
};

G_DEFINE_FINAL_TYPE (SySelection, sy_selection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TOKEN,
  PROP_LAYER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sy_selection_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SySelection *self = SY_SELECTION (object);

  switch (prop_id)
    {
    case PROP_TOKEN:
      g_value_set_int (value, self->token);
      break;
    case PROP_LAYER:
      g_value_set_int (value, self->layer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_selection_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SySelection *self = SY_SELECTION (object);

  switch (prop_id)
    {
    case PROP_TOKEN:
      sy_selection_set_token (self, g_value_get_int (value));
      break;
    case PROP_LAYER:
      sy_selection_set_layer (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_selection_class_init (SySelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sy_selection_get_property;
  object_class->set_property = sy_selection_set_property;

  properties[PROP_TOKEN] =
    g_param_spec_int ("token", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAYER] =
    g_param_spec_int ("layer", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_selection_init (SySelection *self)
{
  self->token = -1;
  self->layer = -1;
}

SySelection *
sy_selection_new (void)
{
  return g_object_new (SY_TYPE_SELECTION, NULL);
}

int
sy_selection_get_token (SySelection *self)
{
  g_return_val_if_fail (SY_IS_SELECTION (self), -1);
  return self->token;
}

void
sy_selection_set_token (SySelection *self,
                        int          token)
{
  g_return_if_fail (SY_IS_SELECTION (self));
  token = MAX (token, -1);
  if (self->token == token)
    return;
  self->token = token;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

int
sy_selection_get_layer (SySelection *self)
{
  g_return_val_if_fail (SY_IS_SELECTION (self), -1);
  return self->layer;
}

void
sy_selection_set_layer (SySelection *self,
                        int          layer)
{
  g_return_if_fail (SY_IS_SELECTION (self));
  layer = MAX (layer, -1);
  if (self->layer == layer)
    return;
  self->layer = layer;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}
