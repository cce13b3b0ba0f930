/* sy-expert-view.h: the expert card widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws sy_expert_render() for one (MoE layer, expert) of its trace, with
 * a corpus profile's half when one is set.
 */
#pragma once

#include "sy-expert-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_EXPERT_VIEW (sy_expert_view_get_type ())

G_DECLARE_FINAL_TYPE (SyExpertView, sy_expert_view, SY, EXPERT_VIEW, SyTraceView)

GtkWidget  *sy_expert_view_new         (void);
void        sy_expert_view_set_expert  (SyExpertView          *self,
                                        int                    moe,
                                        int                    expert);
int         sy_expert_view_get_expert  (SyExpertView          *self);
int         sy_expert_view_get_layer   (SyExpertView          *self);
/* Takes @profile (NULL: none). */
void        sy_expert_view_set_profile (SyExpertView          *self,
                                        SyProfileExpert       *profile);
const SyProfileExpert *sy_expert_view_get_profile (SyExpertView *self);

G_END_DECLS
