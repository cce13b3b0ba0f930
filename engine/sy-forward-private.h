/* sy-forward-private.h: the forward pass over a range of positions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-model-private.h"
#include "sy-progress.h"
#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

/* Scratch memory of the forward pass: blocks handed out in order and
 * taken back all at once (to a mark, or at the start of the next pass).
 * A pass that needs more than the scratch holds gets another block; the next
 * reset makes them one, so that passes of the same size allocate nothing.
 * Pieces are 64-byte aligned and not cleared (under AddressSanitizer what
 * is not handed out is poisoned, with a red zone after each piece).  Used
 * by one thread at a time: the pool's tasks get slices cut before the
 * pool runs. */
typedef struct
{
  gpointer *mem;         /* (n_blocks) as g_malloc gave them */
  guint8  **data;        /* (n_blocks) aligned starts */
  gsize    *size;        /* (n_blocks) usable bytes */
  guint     n_blocks;
  guint     cur;         /* block being cut */
  gsize     off;         /* bytes cut from it */
} SyScratch;

typedef struct
{
  guint cur;
  gsize off;
} SyScratchMark;

gpointer _sy_scratch_alloc     (SyScratch          *scratch,
                                gsize               bytes);
gpointer _sy_scratch_alloc0    (SyScratch          *scratch,
                                gsize               bytes);
void     _sy_scratch_reset     (SyScratch          *scratch);
void     _sy_scratch_clear     (SyScratch          *scratch);

static inline SyScratchMark
_sy_scratch_mark (const SyScratch *scratch)
{
  return (SyScratchMark) { scratch->cur, scratch->off };
}

/* Takes back everything cut since @mark. */
void     _sy_scratch_release   (SyScratch          *scratch,
                                SyScratchMark       mark);

#define SY_SCRATCH_NEW(scratch, type, n) \
  ((type *) _sy_scratch_alloc ((scratch), sizeof (type) * (gsize) (n)))
#define SY_SCRATCH_NEW0(scratch, type, n) \
  ((type *) _sy_scratch_alloc0 ((scratch), sizeof (type) * (gsize) (n)))

/* The time a block takes, added to trace->op_time_s[op]:
 *
 *   SY_OP_TIMED (trace, SY_OP_ATTENTION)
 *     {
 *       ...
 *     }
 *
 * A return out of the block drops its time (the run fails then). */
typedef struct
{
  double *acc;
  double  t0;
} SyOpTimer;

static inline double
_sy_now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static inline SyOpTimer
_sy_op_timer_start (double *acc)
{
  return (SyOpTimer) { acc, _sy_now_s () };
}

static inline void
_sy_op_timer_stop (SyOpTimer *timer)
{
  *timer->acc += _sy_now_s () - timer->t0;
  timer->acc = NULL;
}

#define SY_OP_TIMED(trace, op) \
  for (SyOpTimer sy_op_timer_ = _sy_op_timer_start (&(trace)->op_time_s[(op)]); \
       sy_op_timer_.acc != NULL; _sy_op_timer_stop (&sy_op_timer_))

/* What a run keeps between calls: the KV cache and the outputs of every
 * position computed so far, and the forward pass's scratch. */
typedef struct
{
  int      n_layers;
  int      cap;          /* positions allocated */
  float  **k_cache;      /* (n_layers) x (cap, model->k_cache_dim), after rope */
  float  **v_cache;      /* (n_layers) x (cap, model->v_cache_dim) */
  float   *logits;       /* (cap, V) */
  double  *lse;          /* (cap) log-sum-exp of each logits row */
  float  **hidden;       /* (n_layers + 1) x (cap, H), or NULL */
  float   *recv_out;     /* borrowed: (n_moe_layers, n) attention received per
                          * MoE layer from the queries of the run, or NULL */
  gboolean last_logits;  /* a pass computes the LM head of its last position
                          * only (set by the caller, as recv_out) */
  guint8  *has_logits;   /* (cap) whether logits / lse of a position were
                          * computed (lse is NaN where not) */
  SyScratch  scratch;      /* activations of the pass running now */
} SyRunState;

void     _sy_run_state_init    (SyRunState         *rs,
                                SyModel            *model);
void     _sy_run_state_clear   (SyRunState         *rs,
                                SyModel            *model);
void     _sy_run_state_reserve (SyRunState         *rs,
                                SyModel            *model,
                                int                 n,
                                gboolean            capture);

/* What one pass computes: positions [p, n) of @ids, given the cache of
 * [0, p), from decoder layer @l0 on.  @x0 (n - p, H) is the input of
 * layer @l0 at positions [p, n) (the caller has filled the caches, hidden
 * rows and trace rows of layers < l0); @x0 NULL starts from the embedding
 * (and @l0 is 0 then).  Rows [0, p) of @trace must already hold the
 * previous run's. */
typedef struct
{
  const int32_t      *ids;
  int                 p;
  int                 n;
  int                 l0;
  const float        *x0;
  const SyRouterSpec *spec;
  gboolean            capture;    /* fill the hidden rows */
  SyTrace            *trace;
  SyProgressFunc      progress;
  gpointer            user_data;
} SyPassArgs;

/* Runs the pass @args: fills the caches, logits, lse (only row n - 1
 * under rs->last_logits, has_logits saying which), hidden rows [p, n)
 * and the trace rows [p, n) of every MoE layer. */
gboolean _sy_forward_from      (SyModel            *model,
                                SyRunState         *rs,
                                SyPool             *pool,
                                const SyPassArgs   *args,
                                GError            **error);

/* One attention computation over the cache (sy-forward-mla.c): queries
 * (T, q_stride) of n_heads heads of dk, keys / values cached per position
 * with strides, group = query heads per cached head; an optional sink
 * logit per head joins the softmax denominator; a window > 0 limits the
 * keys to the last `window` positions. */
typedef struct
{
  const float *q;
  int          q_stride;
  const float *k_cache;
  int          k_stride;
  const float *v_cache;
  int          v_stride;
  float       *out;        /* (T, out_stride), head h at h * dv */
  int          out_stride;
  int          n_heads;
  int          group;
  int          dk;
  int          dv;
  const float *sinks;      /* (n_heads) or NULL */
  float        scale;
  int          p;
  int          T;
  int          n;
  int          window;
  float       *scores;     /* scratch, set by _sy_attention_core */
  float       *recv;
} SyAttnCore;

/* Runs @job over its heads; fills @recv (n) with the attention each key
 * received (summed over queries, averaged over heads) when non-NULL.
 * Its scratch comes from @scratch. */
void     _sy_attention_core    (SyPool             *pool,
                                SyScratch          *scratch,
                                SyAttnCore         *job,
                                float              *recv);

/* DeepSeek latent attention of layer @l for positions [p, n): fills the
 * caches' rows and @att (T, attn_out_dim). */
void     _sy_attention_mla     (SyModel            *model,
                                SyPool             *pool,
                                SyRunState         *rs,
                                int                 l,
                                const float        *xn,
                                int                 p,
                                int                 n,
                                float              *att,
                                float              *recv);

/* Gathers each head's pairs (2i, 2i + 1) into halves (x0 x2 .. | x1 x3 ..),
 * so that the half-rotation rope rotates the pairs: for weights laid out
 * for pairwise rope (DeepSeek rope_interleave, llama.cpp's permuted q / k
 * rows).  Queries and keys end up permuted alike; their dot products do
 * not change. */
void     _sy_rope_deinterleave (float              *x,
                                int                 n_heads,
                                int                 head_dim);

/* out = the FFN's gated activation of (gate, up), @n elements; @out may
 * alias @gate (sy-forward-act.c). */
void     _sy_ffn_act           (const SyFfn        *f,
                                float              *out,
                                const float        *gate,
                                const float        *up,
                                int                 n);

G_END_DECLS
