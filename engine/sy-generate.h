/* sy-generate.h: decoding with the KV cache, greedy or sampled
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One loop for `switchyard-cli generate`, `render --generate` and the
 * window's Continue: run the prompt, pick the next token from the last
 * position's logits, run again with it appended (a decode step: the
 * session's cache holds the rest), and so on.  Every step's trace covers
 * the prompt and every token generated so far, the newest one included,
 * so each generated token's routing is recorded like a typed one's.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-session.h"
#include "sy-trace.h"

G_BEGIN_DECLS

/* How the next token is picked.  temperature <= 0 (the default) or
 * top_k == 1 is greedy: the highest logit, ties to the lower id.
 * Otherwise the top_k highest logits (all when 0), softmax at the
 * temperature, one draw from a generator seeded with @seed (splitmix64:
 * the same seed gives the same tokens on every machine). */
typedef struct
{
  double   temperature;
  int      top_k;
  guint64  seed;
} SySampling;

void        sy_sampling_init      (SySampling        *sampling);

typedef struct _SySampler SySampler;

SySampler  *sy_sampler_new        (const SySampling  *sampling);
void        sy_sampler_free       (SySampler         *self);
/* The next token from one row of @n_vocab logits. */
int32_t     sy_sampler_pick       (SySampler         *self,
                                   const float       *logits,
                                   int                n_vocab);
/* The greedy pick: the index of the largest of @n logits, the lowest
 * index among equals. */
int         sy_logits_argmax      (const float       *logits,
                                   int                n);

/* Called after each generated token with the trace of all tokens so far
 * (borrowed: copy what you keep) and the index of the new token in it.
 * Return FALSE to stop. */
typedef gboolean (*SyGenerateFunc) (const SyTrace *trace,
                                    int            index,
                                    gpointer       user_data);

/* What sy_generate() does: up to @max_new tokens after @prompt
 * (n_prompt >= 1), picked as @sampling says (NULL: greedy), stopping
 * after any of the @n_eos ids of @eos_ids (the model's:
 * SyModelInfo.eos_token_ids; none: never) or when @step (may be NULL)
 * returns FALSE. */
typedef struct
{
  const int32_t     *prompt;
  int                n_prompt;
  int                max_new;
  const SySampling  *sampling;
  const int         *eos_ids;
  int                n_eos;
  SyGenerateFunc     step;
  gpointer           user_data;
} SyGenerateRequest;

/* Generates with @session (its router as set) what @request asks for.
 * Returns the trace of prompt + generated tokens (every token routed;
 * *n_new of them generated), or NULL with @error. */
SyTrace    *sy_generate           (SySession                *session,
                                   const SyGenerateRequest  *request,
                                   int                      *n_new,
                                   GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySampler, sy_sampler_free)

G_END_DECLS
