/* sy-expert-render.h: the expert card (what one expert of one layer does)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On the current text (a trace): the expert's gate weight at every token
 * (its mixing weight where it was chosen, 0 elsewhere; the router
 * probability as a faint bar), the tokens routed to it, and its
 * co-activation partners in this layer (experts chosen together with it,
 * by tokens).  With a corpus profile (SyProfileExpert): its top tokens
 * over the corpus with counts and shares, and its parts of speech and
 * genres against the layer's average (shares of assignments).
 */
#pragma once

#include <cairo.h>

#include "sy-profile.h"
#include "sy-render-style.h"
#include "sy-trace.h"

G_BEGIN_DECLS

#define SY_EXPERT_MAX_PARTNERS 8

/* What the card shows of the current text. */
typedef struct
{
  int     moe;
  int     expert;
  int     n_tokens;
  int     n_routed;                  /* tokens that chose the expert */
  double  mean_weight;               /* mean gate weight over the routed tokens */
  int     n_partners;
  int     partners[SY_EXPERT_MAX_PARTNERS];        /* by descending shared tokens */
  int     partner_tokens[SY_EXPERT_MAX_PARTNERS];
} SyExpertTextStats;

/* FALSE when @moe or @expert is not in @trace. */
gboolean  sy_expert_text_stats (const SyTrace          *trace,
                                int                     moe,
                                int                     expert,
                                SyExpertTextStats      *stats);
/* Gate weight of @expert at @token (0 when not chosen). */
double    sy_expert_gate       (const SyTrace          *trace,
                                int                     moe,
                                int                     expert,
                                int                     token);

/* Draws the card; @trace or @profile may be NULL (that half says what
 * would be there). */
void      sy_expert_render     (const SyRenderTarget   *target,
                                const SyTrace          *trace,
                                int                     moe,
                                int                     expert,
                                const SyProfileExpert  *profile);

G_END_DECLS
