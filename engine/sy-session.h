/* sy-session.h: a model, a routing policy and the text run so far
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The single door through which everything above the engine runs a model.
 * A session keeps the KV cache of its last run: a new run whose ids share
 * a prefix with the previous ones (under the same causal policy) computes
 * only the rest, so decoding is "run with one more id" and editing text
 * recomputes from the first changed token.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-model.h"
#include "sy-progress.h"
#include "sy-quant-q8.h"
#include "sy-router.h"
#include "sy-tokenizer.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct _SySession SySession;

/* The session borrows @model, which must outlive it. */
SySession   *sy_session_new               (SyModel             *model);
void         sy_session_free              (SySession           *self);
SyModel     *sy_session_get_model         (SySession           *self);

/* @spec NULL = native.  Checks the spec against the model.  Changing the
 * policy drops the cache. */
gboolean     sy_session_set_router        (SySession           *self,
                                           const SyRouterSpec  *spec,
                                           GError             **error);
/* The spec in use (never NULL). */
const SyRouterSpec *sy_session_get_router (SySession           *self);

/* Keep hidden states hidden.0 .. hidden.L (fixtures/README.md) of every
 * position, for sy_session_get_hidden().  Off by default. */
void         sy_session_set_capture_hidden (SySession          *self,
                                           gboolean             capture);

/* The activations of the products with block-quantized weights:
 * SY_ACTIVATIONS_F32 (exact, the default) or SY_ACTIVATIONS_Q8 (rounded
 * to 8 bits per block, integer kernels: sy-quant-q8.h).  Changing it
 * drops the cache. */
void          sy_session_set_activations  (SySession           *self,
                                           SyActivations        mode);
SyActivations sy_session_get_activations  (SySession           *self);

/* Compute the LM head for the last position of each run only (the next
 * token's logits, as llama-bench's prefill does), not for every position:
 * for callers that only pick the next token (generate without the
 * per-token figures).  The other positions of such a run get no logits:
 * their rows of sy_session_get_logits() are not written, their nll in the
 * trace is NaN and so is the run's perplexity (a run that includes any
 * position without logits).  Off by default; turning it off again makes
 * later runs recompute from the first cached position without logits. */
void         sy_session_set_last_logits   (SySession           *self,
                                           gboolean             last_only);
gboolean     sy_session_get_last_logits   (SySession           *self);

/* For a non-causal policy (da, quantile): a run whose ids extend the
 * previous run's keeps that run's routing and cache and routes only the
 * new tokens with the model's native policy (routing.md: generate under
 * da uses native k for newly generated tokens).  Off by default: every
 * run of a non-causal policy starts from scratch. */
void         sy_session_set_extend_native (SySession           *self,
                                           gboolean             extend_native);

/* Record, in every run, the attention each token receives at every MoE
 * layer (recv_j of routing.md "da": summed over the queries that see it,
 * averaged over heads), for trace files (DA-MoE re-applied to a
 * recording).  It costs a sum over the attention probabilities the
 * forward pass computes anyway, but a recording run computes every
 * position: the cache is not reused.  Off by default. */
void         sy_session_set_record_attention (SySession        *self,
                                              gboolean          record);
/* (n_moe_layers, n_tokens) of the last run when it recorded attention,
 * else NULL. */
const float *sy_session_get_attention_received (SySession      *self,
                                                int            *n_tokens);

/* Runs the model over @ids and returns a new trace of all @n tokens.
 * Reuses the cache for the common prefix with the previous run when the
 * policy is causal. */
SyTrace     *sy_session_run               (SySession           *self,
                                           const int32_t       *ids,
                                           int                  n,
                                           SyProgressFunc       progress,
                                           gpointer             user_data,
                                           GError             **error);

/* Next-token logits (T, V) of the last run (after any logit scaling). */
const float *sy_session_get_logits        (SySession           *self,
                                           int                 *n_tokens,
                                           int                 *n_vocab);
/* An identity of each row of sy_session_get_logits() (T of them): a row
 * keeps its stamp while a run leaves its values as they are (the cached
 * prefix); a row that a run writes, or may have written, gets a stamp
 * that no row of any session had before.  The same stamp at the same
 * position means the same values, so what is computed from a row can be
 * kept by its stamp (the window's Compare KL).  Never 0. */
const guint64 *sy_session_get_logits_stamps (SySession         *self,
                                             int               *n_tokens);
/* hidden.@index (T, H), 0 <= index <= n_layers, of the last run; NULL
 * unless capturing. */
const float *sy_session_get_hidden        (SySession           *self,
                                           int                  index,
                                           int                 *n_tokens,
                                           int                 *hidden_size);
/* How many leading tokens the last run took from the cache. */
int          sy_session_get_n_reused      (SySession           *self);
/* Compare mode: @source (borrowed; another session on the same model, or
 * NULL to stop) runs the same ids just before each run of @self under
 * another policy.  A run of @self then takes from @source's last run the
 * outputs of the leading decoder layers whose routing is identical under
 * both policies for every token (the embedding, dense layers, and MoE
 * layers while @self's policy picks the same experts and weights from the
 * same router logits) and computes only the layers after them.  The result
 * is bitwise that of a run without a source.  Turns on hidden capture in
 * @source (its hidden states are the resume points). */
void         sy_session_set_share_source  (SySession           *self,
                                           SySession           *source);
/* Decoder layers the last run took from the share source (0: none). */
int          sy_session_get_n_shared_layers (SySession         *self);
/* Forgets the cache. */
void         sy_session_reset             (SySession           *self);

/* Defined in sy-session-text.c. */

/* Tokenizes @text with the model's tokenizer (with its special tokens),
 * runs it like sy_session_run() and names the tokens in the trace. */
SyTrace     *sy_session_run_text          (SySession           *self,
                                           const char          *text,
                                           SyProgressFunc       progress,
                                           gpointer             user_data,
                                           GError             **error);

/* Names the tokens of @trace: their decoded pieces (through @tokenizer) and
 * their code-point offsets (from @encoding, when it matches the trace). */
void         sy_trace_set_tokens          (SyTrace             *trace,
                                           SyTokenizer         *tokenizer,
                                           const SyEncoding    *encoding);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySession, sy_session_free)

G_END_DECLS
