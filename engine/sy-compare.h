/* sy-compare.h: the difference between two runs of the same text
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Configuration A and configuration B (two routing policies on one model,
 * or two models of one tokenizer with the same MoE layout) run over the
 * same token ids; SyCompare holds what changes (docs/cli.md
 * "compare"): per MoE layer and token ΔK = K_B − K_A, the Jaccard overlap
 * of the chosen expert sets and the experts only A or only B chose; per
 * token ΔNLL (B's NLL minus A's for the token after t); the mean KL(A‖B)
 * of the next-token distributions and the share of positions whose greedy
 * next token agrees.  The headline numbers of each side (average K,
 * activated parameters and FLOPs per token, perplexity) are those of its
 * trace.
 */
#pragma once

#include <glib.h>

#include "sy-engine-error.h"
#include "sy-session.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct
{
  int      layer;        /* decoder-layer index */
  int      moe;          /* MoE-layer index */
  int     *dk;           /* (n_tokens) K_B − K_A */
  float   *jaccard;      /* (n_tokens) |A ∩ B| / |A ∪ B| of the chosen experts */
  int     *n_only_a;     /* (n_tokens) */
  int     *only_a;       /* (n_tokens, n_experts) first n_only_a[t] valid, ascending */
  int     *n_only_b;     /* (n_tokens) */
  int     *only_b;       /* (n_tokens, n_experts) first n_only_b[t] valid, ascending */
  double   avg_dk;       /* mean of dk over tokens */
  double   mean_jaccard; /* mean of jaccard over tokens */
} SyCompareLayer;

typedef struct
{
  SyTrace        *a;             /* owned copies of the two traces */
  SyTrace        *b;
  int             n_tokens;
  int             n_experts;
  int             n_moe_layers;
  SyCompareLayer *layers;        /* (n_moe_layers) */
  float          *dnll;          /* (n_tokens - 1) B's NLL − A's of token t+1 */
  float          *kl_row;        /* (n_tokens) KL(A‖B) at each position, or NULL without logits */
  guint8         *agree;         /* (n_tokens) 1 where the argmaxes agree, or NULL without logits */
  double          kl;            /* mean KL(A‖B); NaN without logits */
  double          greedy_agreement; /* NaN without logits */
  double          max_abs_dk;    /* largest |ΔK| of any cell */
  int             n_shared_layers; /* decoder layers B's run took from A's (0 unless set) */
  int            *layer_ints;    /* the layers' int arrays, one block */
  float          *layer_jaccard; /* the layers' jaccard, one block */
} SyCompare;

/* Compares @a and @b, which must hold the same token ids and the same MoE
 * layout.  @logits_a and @logits_b are the runs' next-token logits
 * (n_tokens, @n_vocab), or both NULL (then kl and agreement are NaN). */
SyCompare *sy_compare_new        (const SyTrace  *a,
                                  const float    *logits_a,
                                  const SyTrace  *b,
                                  const float    *logits_b,
                                  int             n_vocab,
                                  GError        **error);
void       sy_compare_free       (SyCompare      *self);

/* What sy_compare_new_cached() keeps between comparisons: per position,
 * the stamps of the two logits rows (sy_session_get_logits_stamps()) and
 * the KL and agreement computed from them. */
typedef struct _SyKlCache SyKlCache;

SyKlCache *sy_kl_cache_new       (void);
void       sy_kl_cache_free      (SyKlCache      *cache);
/* Positions the last comparison took from the cache (for tests). */
int        sy_kl_cache_get_n_reused (const SyKlCache *cache);

/* One side of a comparison: its trace, its next-token logits (n_tokens,
 * n_vocab) or NULL, and the stamps of those rows (n_tokens;
 * sy_session_get_logits_stamps()) or NULL. */
typedef struct
{
  const SyTrace  *trace;
  const float    *logits;
  const guint64  *stamps;
} SyCompareSide;

/* sy_compare_new(), where the KL and agreement of a position whose two
 * logits rows have the stamps that @cache holds for it are taken from
 * @cache instead of computed over the vocabulary again (the values are
 * those sy_compare_new() computes, bit for bit); @cache then holds this
 * comparison's.  Nothing is taken from the cache where a side has no
 * stamps. */
SyCompare *sy_compare_new_cached (const SyCompareSide *a,
                                  const SyCompareSide *b,
                                  int                  n_vocab,
                                  SyKlCache           *cache,
                                  GError             **error);

/* Runs @text in @a, then in @b with @a as its share source (the layers
 * whose routing agrees are computed once), and compares the two runs.
 * Leaves @b sharing from @a. */
SyCompare *sy_compare_run_text   (SySession      *a,
                                  SySession      *b,
                                  const char     *text,
                                  GError        **error);
/* Same on token ids. */
SyCompare *sy_compare_run        (SySession      *a,
                                  SySession      *b,
                                  const int32_t  *ids,
                                  int             n,
                                  GError        **error);

/* cli.md "compare --json", plus: per side "avg_k", "perplexity",
 * "activated_params", "flops" next to "metrics"; per layer "avg_dk" and
 * "mean_jaccard"; per token "kl" and "agree" (with logits); top level
 * "n_tokens", "n_moe_layers", "shared_layers". */
char      *sy_compare_to_json    (const SyCompare *self,
                                  gboolean         pretty);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCompare, sy_compare_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyKlCache, sy_kl_cache_free)

G_END_DECLS
