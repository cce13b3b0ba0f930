/* sy-selection.h: the token and layer selected, shared by every view
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SY_TYPE_SELECTION (sy_selection_get_type ())

G_DECLARE_FINAL_TYPE (SySelection, sy_selection, SY, SELECTION, GObject)

SySelection *sy_selection_new       (void);
/* -1 = none */
int          sy_selection_get_token (SySelection *self);
void         sy_selection_set_token (SySelection *self,
                                     int          token);
int          sy_selection_get_layer (SySelection *self);
void         sy_selection_set_layer (SySelection *self,
                                     int          layer);

G_END_DECLS
