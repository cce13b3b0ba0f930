/* sy-profile-private.h: what sy-profile.c shares with sy-profile-file.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-profile.h"

G_BEGIN_DECLS

/* An empty profile: no runs, sweep points or events. */
SyProfile       *_sy_profile_new              (void);
/* An empty run of @n_layers MoE layers of @n_experts experts. */
SyProfileRun    *_sy_profile_run_new          (const char         *router,
                                               int                 n_layers,
                                               int                 n_experts);
/* An empty expert (its arrays allocated). */
SyProfileExpert *_sy_profile_expert_new       (void);
/* The gint64[n_experts] row of @key in @table (name -> counts per expert),
 * made on first use. */
gint64          *_sy_profile_expert_row       (GHashTable         *table,
                                               const char         *key,
                                               int                 n_experts);
/* Expert @expert of MoE layer @moe of @r, its top tokens and groups sorted. */
SyProfileExpert *_sy_profile_run_expert       (const SyProfileRun *r,
                                               int                 moe,
                                               int                 expert);
/* FALSE where @r was read from a profile.json that lacks expert @expert's
 * card of MoE layer @moe, or part of it (card_missing): the error is
 * "@where: layer MOE has no 'experts' (a profile from before expert
 * cards: run it again)" or "@where: expert EXPERT has no 'MEMBER'". */
gboolean         _sy_profile_check_card       (const SyProfileRun *r,
                                               int                 moe,
                                               int                 expert,
                                               const char         *where,
                                               GError            **error);
/* SyProfileExpertGroup by descending layer count, then by name. */
int              _sy_profile_cmp_expert_group (gconstpointer       a,
                                               gconstpointer       b);

G_END_DECLS
