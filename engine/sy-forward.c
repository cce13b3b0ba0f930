/* sy-forward.c: the forward pass of a MoE decoder
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read top to bottom: embed → per layer [RMSNorm → attention (q/k norms,
 * rope, grouped-query, causal / windowed) → residual → RMSNorm → MoE
 * (router → policy → experts grouped by expert → shared expert) or dense
 * MLP → residual] → final norm → LM head.  Every architecture difference
 * comes from the SyArchSpec / SyConfig of the model, never from its name.
 *
 * Rows are processed as a batch of T = n - p positions (prefill) or one
 * (decode); the KV cache holds every position's keys and values.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define SY_FORWARD_X86 1
#endif

#include "sy-cpu.h"
#include "sy-forward-private.h"

/* -------------------------------------------------------------- scratch */

/* Under AddressSanitizer what is not handed out stays poisoned, and each
 * piece has a red zone after it: overruns are caught as with g_new. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SY_SCRATCH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SY_SCRATCH_ASAN 1
#endif

#ifdef SY_SCRATCH_ASAN
#include <sanitizer/asan_interface.h>
#define SCRATCH_REDZONE 64
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void) (addr), (void) (size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void) (addr), (void) (size))
#define SCRATCH_REDZONE 0
#endif

#define SCRATCH_ALIGN 64
#define SCRATCH_MIN_BLOCK ((gsize) 1 << 20)

static void
scratch_add_block (SyScratch *a,
                   gsize      bytes)
{
  guint i = a->n_blocks++;

  a->mem = g_renew (gpointer, a->mem, a->n_blocks);
  a->data = g_renew (guint8 *, a->data, a->n_blocks);
  a->size = g_renew (gsize, a->size, a->n_blocks);
  a->mem[i] = g_malloc (bytes + SCRATCH_ALIGN);
  a->data[i] = (guint8 *) (((guintptr) a->mem[i] + SCRATCH_ALIGN - 1)
                           & ~(guintptr) (SCRATCH_ALIGN - 1));
  a->size[i] = bytes;
  ASAN_POISON_MEMORY_REGION (a->data[i], bytes);
}

gpointer
_sy_scratch_alloc (SyScratch *a,
                   gsize      bytes)
{
  gsize cut = MAX ((bytes + SCRATCH_ALIGN - 1) & ~(gsize) (SCRATCH_ALIGN - 1), SCRATCH_ALIGN)
              + SCRATCH_REDZONE;
  gpointer ptr;

  while (a->cur < a->n_blocks && a->off + cut > a->size[a->cur])
    {
      a->cur++;
      a->off = 0;
    }
  if (a->cur == a->n_blocks)
    scratch_add_block (a, MAX (cut, SCRATCH_MIN_BLOCK));
  ptr = a->data[a->cur] + a->off;
  a->off += cut;
  ASAN_UNPOISON_MEMORY_REGION (ptr, bytes);
  return ptr;
}

gpointer
_sy_scratch_alloc0 (SyScratch *a,
                    gsize      bytes)
{
  return memset (_sy_scratch_alloc (a, bytes), 0, bytes);
}

void
_sy_scratch_release (SyScratch     *a,
                     SyScratchMark  mark)
{
  for (guint i = mark.cur; i < a->n_blocks && i <= a->cur; i++)
    {
      gsize from = i == mark.cur ? mark.off : 0;

      ASAN_POISON_MEMORY_REGION (a->data[i] + from, a->size[i] - from);
    }
  a->cur = mark.cur;
  a->off = mark.off;
}

void
_sy_scratch_clear (SyScratch *a)
{
  for (guint i = 0; i < a->n_blocks; i++)
    {
      ASAN_UNPOISON_MEMORY_REGION (a->data[i], a->size[i]);
      g_free (a->mem[i]);
    }
  g_free (a->mem);
  g_free (a->data);
  g_free (a->size);
  memset (a, 0, sizeof *a);
}

void
_sy_scratch_reset (SyScratch *a)
{
  if (a->n_blocks > 1)
    {
      gsize total = 0;

      for (guint i = 0; i < a->n_blocks; i++)
        total += a->size[i];
      _sy_scratch_clear (a);
      scratch_add_block (a, total);
    }
  _sy_scratch_release (a, (SyScratchMark) { 0, 0 });
}

/* ------------------------------------------------------------ run state */

void
_sy_run_state_init (SyRunState *rs,
                    SyModel    *model)
{
  int L = model->config.n_layers;

  memset (rs, 0, sizeof *rs);
  rs->n_layers = L;
  rs->k_cache = g_new0 (float *, L);
  rs->v_cache = g_new0 (float *, L);
}

void
_sy_run_state_clear (SyRunState *rs,
                     SyModel    *model)
{
  int L = rs->n_layers;     /* not the model's: it may be gone already */

  for (int l = 0; l < L; l++)
    {
      g_free (rs->k_cache[l]);
      g_free (rs->v_cache[l]);
    }
  g_free (rs->k_cache);
  g_free (rs->v_cache);
  g_free (rs->logits);
  g_free (rs->lse);
  g_free (rs->has_logits);
  if (rs->hidden)
    for (int i = 0; i <= L; i++)
      g_free (rs->hidden[i]);
  g_free (rs->hidden);
  _sy_scratch_clear (&rs->scratch);
  memset (rs, 0, sizeof *rs);
}

void
_sy_run_state_reserve (SyRunState *rs,
                       SyModel    *model,
                       int         n,
                       gboolean    capture)
{
  const SyConfig *c = &model->config;
  gsize k_dim = model->k_cache_dim, v_dim = model->v_cache_dim;
  int L = c->n_layers;

  if (capture && rs->hidden == NULL)
    {
      rs->hidden = g_new0 (float *, L + 1);
      for (int i = 0; i <= L; i++)
        rs->hidden[i] = g_new0 (float, (gsize) MAX (rs->cap, 1) * c->hidden_size);
    }
  if (n <= rs->cap)
    return;

  {
    int cap = MAX (n, MAX (16, rs->cap + rs->cap / 2));

    for (int l = 0; l < L; l++)
      {
        rs->k_cache[l] = g_renew (float, rs->k_cache[l], (gsize) cap * k_dim);
        rs->v_cache[l] = g_renew (float, rs->v_cache[l], (gsize) cap * v_dim);
      }
    rs->logits = g_renew (float, rs->logits, (gsize) cap * c->vocab_size);
    rs->lse = g_renew (double, rs->lse, cap);
    rs->has_logits = g_renew (guint8, rs->has_logits, cap);
    if (rs->hidden)
      for (int i = 0; i <= L; i++)
        rs->hidden[i] = g_renew (float, rs->hidden[i], (gsize) cap * c->hidden_size);
    rs->cap = cap;
  }
}

/* ------------------------------------------------------------ attention */

typedef struct
{
  const SyConfig *c;
  const float    *q;          /* (T, n_heads * D) */
  const float    *k_cache;    /* (n, kv_dim) */
  const float    *v_cache;
  float          *out;        /* (T, n_heads * D) */
  float          *recv;       /* (n_heads, n) or NULL: attention received */
  float          *scores;     /* (n_heads, MIN (T, ATTN_BLOCK), n) scratch */
  int             p;
  int             T;
  int             n;
  int             window;
  const int      *group_windows; /* (G) gmha: window of each head group, or NULL */
  int             group_heads;   /* heads per group */
  float           scale;
  const float    *sinks;      /* (n_heads) or NULL */
} AttnJob;

/* Rows of the queries per block: the block's scores (rows x keys) are a
 * scratch of their own, so long prompts do not need T x n floats. */
#define ATTN_BLOCK 64

/* One head: S = scale Q K^T and O = softmax (S) V as BLAS products over a
 * block of query rows and the keys any row of the block can see; the
 * causal / window mask is applied to each row before its softmax.  One
 * query row (decode) takes sy_attn_scores_row / sy_attn_values_row
 * instead: BLAS packs the keys and values before it multiplies, which at
 * one row is most of the work (a decode step's heads, OLMoE shape at
 * 128-192 positions: 1.5-1.7 ms per layer -> 0.3-0.5, machine loaded). */
static void
attn_head (int      h,
           gpointer data)
{
  AttnJob *job = data;
  const SyConfig *c = job->c;
  int D = c->head_dim;
  int q_dim = c->n_heads * D, kv_dim = c->n_kv_heads * D;
  int g = h / (c->n_heads / c->n_kv_heads);
  int window = job->group_windows ? job->group_windows[h / job->group_heads] : job->window;
  const float *kh = job->k_cache + (gsize) g * D;
  const float *vh = job->v_cache + (gsize) g * D;
  float *s = job->scores + (gsize) h * MIN (job->T, ATTN_BLOCK) * job->n;

  for (int t0 = 0; t0 < job->T; t0 += ATTN_BLOCK)
    {
      int tb = MIN (ATTN_BLOCK, job->T - t0);
      int hi = job->p + t0 + tb;                     /* keys [lo0, hi) */
      int lo0 = window > 0 ? MAX (0, job->p + t0 - window + 1) : 0;
      int w = hi - lo0;
      SyRows keys = { kh + (gsize) lo0 * kv_dim, kv_dim, w, D };
      SyRows values = { vh + (gsize) lo0 * kv_dim, kv_dim, w, D };

      if (tb == 1)
        sy_attn_scores_row (s, job->q + (gsize) t0 * q_dim + (gsize) h * D, &keys, job->scale);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, tb, w, D, job->scale,
                     job->q + (gsize) t0 * q_dim + (gsize) h * D, q_dim,
                     keys.data, keys.ld, 0.0f, s, w);
      for (int r = 0; r < tb; r++)
        {
          int pos = job->p + t0 + r;
          int lo = window > 0 ? MAX (0, pos - window + 1) : 0;
          float *row = s + (gsize) r * w;
          float *seen = row + (lo - lo0);
          int m = pos - lo + 1;

          if (job->sinks)
            {
              /* the head's sink logit joins the softmax denominator */
              float max = job->sinks[h], sum;

              for (int j = 0; j < m; j++)
                max = MAX (max, seen[j]);
              sum = expf (job->sinks[h] - max);
              for (int j = 0; j < m; j++)
                {
                  seen[j] = expf (seen[j] - max);
                  sum += seen[j];
                }
              for (int j = 0; j < m; j++)
                seen[j] /= sum;
            }
          else
            sy_softmax (seen, m);
          for (int j = 0; j < lo - lo0; j++)
            row[j] = 0;
          for (int j = pos + 1 - lo0; j < w; j++)
            row[j] = 0;
          if (job->recv)
            for (int j = 0; j < m; j++)
              job->recv[(gsize) h * job->n + lo + j] += seen[j];
        }
      if (tb == 1)
        sy_attn_values_row (job->out + (gsize) t0 * q_dim + (gsize) h * D, s, &values);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, tb, D, w, 1.0f,
                     s, w, values.data, values.ld, 0.0f,
                     job->out + (gsize) t0 * q_dim + (gsize) h * D, q_dim);
    }
}

/* gmha aggregation: gamma_t = softmax (W_gate a_t) over the G head groups,
 * every head of group g scaled by G gamma_t[g] (ARCHITECTURE.md §3). */
static void
group_gate (SyPool         *pool,
            SyScratch      *scratch,
            const SyLayer  *L,
            const SyConfig *c,
            const float    *xn,    /* (T, H) attention input */
            int             T,
            float          *att)   /* (T, n_heads * D) head outputs, scaled in place */
{
  int G = L->group_gate.rows, D = c->head_dim, q_dim = c->n_heads * D;
  int per = q_dim / G;   /* (n_heads / G) heads of D values */
  float *gl = SY_SCRATCH_NEW (scratch, float, (gsize) T * G);

  sy_matmul (pool, gl, xn, T, &L->group_gate, NULL);
  for (int t = 0; t < T; t++)
    {
      float *gt = gl + (gsize) t * G;
      float *at = att + (gsize) t * q_dim;

      sy_softmax (gt, G);
      for (int g = 0; g < G; g++)
        {
          float f = (float) G * gt[g];

          for (int i = 0; i < per; i++)
            at[g * per + i] *= f;
        }
    }
}

static void
attention (SyModel    *m,
           SyPool     *pool,
           SyRunState *rs,
           int         l,
           const float *xn,       /* (T, H) normalised input */
           int          p,
           int          n,
           float       *q,        /* (T, q_dim) scratch */
           float       *k,        /* (T, kv_dim) scratch */
           float       *att,      /* (T, q_dim) out */
           float       *recv)     /* (n) attention received, or NULL */
{
  const SyConfig *c = &m->config;
  const SyLayer *L = &m->layers[l];
  int T = n - p, D = c->head_dim;
  int q_dim = c->n_heads * D, kv_dim = c->n_kv_heads * D;
  float *kc = rs->k_cache[l] + (gsize) p * kv_dim;
  float *vc = rs->v_cache[l] + (gsize) p * kv_dim;
  float *cos_t = SY_SCRATCH_NEW (&rs->scratch, float, D / 2);
  float *sin_t = SY_SCRATCH_NEW (&rs->scratch, float, D / 2);
  AttnJob job;

  if (m->arch->attn == SY_ATTN_MLA)
    {
      _sy_attention_mla (m, pool, rs, l, xn, p, n, att, recv);
      return;
    }
  {
    /* the three products of xn in one pool run (decode) */
    const SyMat *w[3] = { &L->q, &L->k, &L->v };
    float *y[3] = { q, k, vc };
    const float *b[3] = { L->q_bias, L->k_bias, L->v_bias };

    sy_matmul_n (pool, xn, T, 3, w, y, b);
  }

  for (int t = 0; t < T; t++)
    {
      float *qt = q + (gsize) t * q_dim, *kt = k + (gsize) t * kv_dim;
      float *vt = vc + (gsize) t * kv_dim;
      float pos = (float) (p + t);

      if (m->arch->qk_norm == SY_QK_NORM_FULL)
        {
          sy_rmsnorm (qt, qt, L->q_norm, q_dim, (float) c->rms_norm_eps);
          sy_rmsnorm (kt, kt, L->k_norm, kv_dim, (float) c->rms_norm_eps);
        }
      else if (m->arch->qk_norm == SY_QK_NORM_HEAD)
        {
          for (int h = 0; h < c->n_heads; h++)
            sy_rmsnorm (qt + h * D, qt + h * D, L->q_norm, D, (float) c->rms_norm_eps);
          for (int h = 0; h < c->n_kv_heads; h++)
            sy_rmsnorm (kt + h * D, kt + h * D, L->k_norm, D, (float) c->rms_norm_eps);
        }
      if (c->clip_qkv > 0)
        {
          float cl = (float) c->clip_qkv;

          for (int i = 0; i < q_dim; i++)
            qt[i] = CLAMP (qt[i], -cl, cl);
          for (int i = 0; i < kv_dim; i++)
            {
              kt[i] = CLAMP (kt[i], -cl, cl);
              vt[i] = CLAMP (vt[i], -cl, cl);
            }
        }

      /* angles in float32 as HF computes them: inv_freq * position */
      for (int i = 0; i < D / 2; i++)
        {
          double angle = m->inv_freq_f64 ? m->inv_freq_f64[i] * (double) (p + t)
                                          : (double) (m->inv_freq[i] * pos);

          cos_t[i] = (float) cos (angle) * m->rope_mscale;
          sin_t[i] = (float) sin (angle) * m->rope_mscale;
        }
      if (c->rope_interleave)
        {
          _sy_rope_deinterleave (qt, c->n_heads, D);
          _sy_rope_deinterleave (kt, c->n_kv_heads, D);
        }
      sy_rope (qt, c->n_heads, D, D, cos_t, sin_t);
      sy_rope (kt, c->n_kv_heads, D, D, cos_t, sin_t);
    }
  memcpy (kc, k, sizeof (float) * T * kv_dim);

  job.c = c;
  job.q = q;
  job.k_cache = rs->k_cache[l];
  job.v_cache = rs->v_cache[l];
  job.out = att;
  job.recv = recv ? SY_SCRATCH_NEW0 (&rs->scratch, float, (gsize) c->n_heads * n) : NULL;
  job.scores = SY_SCRATCH_NEW (&rs->scratch, float, (gsize) c->n_heads * MIN (T, ATTN_BLOCK) * n);
  job.p = p;
  job.T = T;
  job.n = n;
  job.window = L->window;
  job.group_windows = c->attn_groups > 0 ? c->group_windows : NULL;
  job.group_heads = c->attn_groups > 0 ? c->n_heads / c->attn_groups : 1;
  job.scale = m->attn_scale;
  job.sinks = L->sinks;
  sy_pool_run ((gsize) T * n * D * c->n_heads < 65536 ? NULL : pool,
               c->n_heads, attn_head, &job);
  if (recv)
    {
      for (int j = 0; j < n; j++)
        {
          double s = 0;

          for (int h = 0; h < c->n_heads; h++)
            s += job.recv[(gsize) h * n + j];
          recv[j] = (float) (s / c->n_heads);
        }
    }
  if (L->group_gate.rows > 0)
    group_gate (pool, &rs->scratch, L, c, xn, T, att);
}

/* ------------------------------------------------------------------ FFN */

/* out (T, H) = down (silu (x gate^T) * (x up^T)); @g and @u are scratch
 * of (T, f->gate.rows) */
static void
ffn_forward (SyPool      *pool,
             const SyFfn *f,
             const float *x,
             int          T,
             float       *out,
             float       *g,
             float       *u)
{
  int inner = f->gate.rows;

  sy_matmul (pool, g, x, T, &f->gate, f->gate_bias);
  sy_matmul (pool, u, x, T, &f->up, f->up_bias);
  _sy_ffn_act (f, g, g, u, T * inner);
  sy_matmul (pool, out, g, T, &f->down, f->down_bias);
}

typedef struct
{
  const SyLayer *L;
  SyPool        *pool;
  const float   *xn;        /* (T, H) */
  int            H;
  const int     *active;    /* (n_active) expert ids */
  const int     *start;     /* (E + 1) offsets into rows / out */
  const int     *rows;      /* (n_assign) batch row of each assignment */
  float         *out;       /* (n_assign, H) expert outputs */
  gboolean       side_by_side; /* one task per expert on the pool's threads */
  float         *x;         /* scratch: the gathered rows (rows, H) */
  float         *g;         /* scratch of ffn_forward (rows, inner) */
  float         *u;
  int            inner;     /* the largest expert's intermediate size */
  SyActivations  activations; /* the caller's, for the pool's threads */
} ExpertJob;

static void
expert_task (int      i,
             gpointer data)
{
  ExpertJob *job = data;
  int e = job->active[i];
  int c = job->start[e + 1] - job->start[e];
  const int *rows = job->rows + job->start[e];
  /* side by side, each expert has its rows of the scratch; else one after
   * another in the same */
  int r0 = job->side_by_side ? job->start[e] : 0;
  float *x = job->x + (gsize) r0 * job->H;
  gsize gu = (gsize) r0 * job->inner;
  SyActivations old = sy_matmul_set_activations (job->activations);

  /* gather the rows routed to e, one product per matrix */
  for (int r = 0; r < c; r++)
    memcpy (x + (gsize) r * job->H, job->xn + (gsize) rows[r] * job->H, sizeof (float) * job->H);
  ffn_forward (job->pool, &job->L->experts[e], x, c,
               job->out + (gsize) job->start[e] * job->H, job->g + gu, job->u + gu);
  sy_matmul_set_activations (old);
}

/* The chosen experts of rows [p, n) counted per expert: @start (E + 1,
 * zeroed) becomes the offsets of each expert's assignments, @active the
 * experts with any.  FALSE where the policy chose what is not there. */
static gboolean
group_by_expert (const SyTraceLayer  *tl,
                 int                  l,
                 int                  p,
                 int                  n,
                 int                  E,
                 int                 *start,
                 int                 *active,
                 int                 *n_active,
                 int                 *n_assign,
                 GError             **error)
{
  for (int t = p; t < n; t++)
    {
      int k = tl->k[t];

      if (k < 0 || k > E)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                       "routing chose %d experts at layer %d token %d", k, l, t);
          return FALSE;
        }
      for (int i = 0; i < k; i++)
        {
          int e = tl->experts[(gsize) t * E + i];

          if (e < 0 || e >= E)
            {
              g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                           "routing chose expert %d of %d at layer %d token %d", e, E, l, t);
              return FALSE;
            }
          start[e + 1]++;
        }
      *n_assign += k;
    }
  for (int e = 0; e < E; e++)
    {
      if (start[e + 1] > 0)
        active[(*n_active)++] = e;
      start[e + 1] += start[e];
    }
  return TRUE;
}

/* Side by side, the threads take the experts in the order of @active:
 * the largest batches first (ties by expert id), so that the last tasks
 * taken are the smallest and the threads finish together.  Insertion
 * sort: at most E = a few hundred experts, once per layer. */
static void
order_largest_first (const int *start,
                     int       *active,
                     int        n_active)
{
  for (int i = 1; i < n_active; i++)
    {
      int e = active[i], c = start[e + 1] - start[e], j = i;

      while (j > 0 && start[active[j - 1] + 1] - start[active[j - 1]] < c)
        {
          active[j] = active[j - 1];
          j--;
        }
      active[j] = e;
    }
}

static gboolean
moe_forward (SyModel            *m,
             SyPool             *pool,
             SyScratch          *scratch,
             const SyRouterSpec *spec,
             int                 l,
             const float        *xn,     /* (T, H) */
             int                 p,
             int                 n,
             const float        *recv,   /* (n) or NULL */
             SyTrace            *trace,
             float              *y,      /* (T, H) out */
             GError            **error)
{
  const SyConfig *c = &m->config;
  const SyLayer *L = &m->layers[l];
  SyTraceLayer *tl = &trace->layers[L->moe];
  int T = n - p, H = c->hidden_size, E = c->n_experts;
  int *start = SY_SCRATCH_NEW0 (scratch, int, E + 1);
  int *fill = SY_SCRATCH_NEW0 (scratch, int, E);
  int *active = SY_SCRATCH_NEW (scratch, int, E);
  int *rows;
  float *wts;
  int n_assign = 0, n_active = 0, scratch_rows = 1;
  ExpertJob job = { 0 };

  /* router: z = x W_r^T, written where the policy reads it */
  SY_OP_TIMED (trace, SY_OP_ROUTER)
    {
      sy_matmul (pool, tl->logits + (gsize) p * E, xn, T, &L->router, L->router_bias);
      tl->layer = l;
      tl->moe = L->moe;
      if (!sy_router_route (spec, &m->router_info, L->moe, n, p, recv, tl, error))
        return FALSE;
    }

  SY_OP_TIMED (trace, SY_OP_EXPERTS)
    {
      if (!group_by_expert (tl, l, p, n, E, start, active, &n_active, &n_assign, error))
        return FALSE;
      rows = SY_SCRATCH_NEW (scratch, int, MAX (n_assign, 1));
      wts = SY_SCRATCH_NEW (scratch, float, MAX (n_assign, 1));
      for (int t = p; t < n; t++)
        for (int i = 0; i < tl->k[t]; i++)
          {
            int e = tl->experts[(gsize) t * E + i];
            int slot = start[e] + fill[e]++;

            rows[slot] = t - p;
            wts[slot] = tl->weights[(gsize) t * E + i];
          }

      job.L = L;
      job.pool = pool;
      job.xn = xn;
      job.H = H;
      job.active = active;
      job.start = start;
      job.rows = rows;
      job.side_by_side = n_active >= 2 * sy_pool_n_threads (pool);
      job.activations = sy_matmul_get_activations ();
      for (int i = 0; i < n_active; i++)
        {
          int e = active[i];

          job.inner = MAX (job.inner, L->experts[e].gate.rows);
          scratch_rows = MAX (scratch_rows, job.side_by_side ? n_assign : start[e + 1] - start[e]);
        }
      job.out = SY_SCRATCH_NEW (scratch, float, (gsize) MAX (n_assign, 1) * H);
      job.x = SY_SCRATCH_NEW (scratch, float, (gsize) scratch_rows * H);
      job.g = SY_SCRATCH_NEW (scratch, float, (gsize) scratch_rows * job.inner);
      job.u = SY_SCRATCH_NEW (scratch, float, (gsize) scratch_rows * job.inner);
      if (job.side_by_side)
        {
          order_largest_first (start, active, n_active);
          sy_pool_run (pool, n_active, expert_task, &job);    /* experts side by side */
        }
      else
        for (int i = 0; i < n_active; i++)
          expert_task (i, &job);                              /* each product split */

      /* scatter-add with the weights, expert by expert */
      memset (y, 0, sizeof (float) * T * H);
      for (int a = 0; a < n_assign; a++)
        {
          float *yr = y + (gsize) rows[a] * H;
          const float *o = job.out + (gsize) a * H;
          float w = wts[a];

          for (int i = 0; i < H; i++)
            yr[i] += w * o[i];
        }
    }

  /* shared expert, gated by sigmoid (x . g) where the model has a gate */
  if (L->shared.gate.rows > 0)
    SY_OP_TIMED (trace, SY_OP_EXPERTS)
      {
        gsize gu = (gsize) T * L->shared.gate.rows;
        float *s = SY_SCRATCH_NEW (scratch, float, (gsize) T * H);

        ffn_forward (pool, &L->shared, xn, T, s, SY_SCRATCH_NEW (scratch, float, gu),
                     SY_SCRATCH_NEW (scratch, float, gu));
        for (int t = 0; t < T; t++)
          {
            float gate = 1.0f;

            if (L->shared_gate)
              {
                float d = 0;

                for (int i = 0; i < H; i++)
                  d += xn[(gsize) t * H + i] * L->shared_gate[i];
                gate = 1.0f / (1.0f + expf (-d));
              }
            for (int i = 0; i < H; i++)
              y[(gsize) t * H + i] += gate * s[(gsize) t * H + i];
          }
      }
  return TRUE;
}

/* --------------------------------------------------------------- driver */

typedef struct
{
  const float *logits;
  double      *lse;
  int          V;
} LseJob;

static double
lse_ref (const float *r,
         int          V)
{
  double max, s = sy_exp_sum_ref (r, V, &max);

  return max + log (s);
}

#ifdef SY_FORWARD_X86
/* lse_ref with exp in double, 4 at a time: x = k ln2 + y (|y| <= ln2 / 2,
 * k by the round-to-integer shift, ln2 in two parts), exp (y) by its
 * Taylor series to y^13 (truncation < 5e-18 relative), 2^k put into the
 * exponent bits.  Each term within a few ulp of libm's exp, summed in 8
 * partial sums: lse within ~1e-13 of lse_ref (a float nll rounds the
 * same); the V = 151936 row of Qwen3 took ~1 ms with libm's exp.
 * x below -708 counts as -708 (exp (-708) ~ 3e-308: nothing next to the
 * max's 1); NaN propagates (max_pd returns its second operand, x, when
 * x is NaN). */
__attribute__ ((target ("avx2,fma")))
static double
lse_avx2 (const float *r,
          int          V)
{
  static const double c[14] = {
    1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
    1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0,
    1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0
  };
  const __m256d log2e = _mm256_set1_pd (0x1.71547652b82fep0);
  const __m256d ln2hi = _mm256_set1_pd (0x1.62e42fee00000p-1);
  const __m256d ln2lo = _mm256_set1_pd (0x1.a39ef35793c76p-33);
  const __m256d shift = _mm256_set1_pd (0x1.8p52);
  const __m256d lowest = _mm256_set1_pd (-708.0);
  const __m256i bias = _mm256_sub_epi64 (_mm256_set1_epi64x (1023), _mm256_castpd_si256 (shift));
  __m256 m8 = _mm256_set1_ps (-INFINITY);
  __m256d acc[2] = { _mm256_setzero_pd (), _mm256_setzero_pd () }, vmax;
  float mf[8];
  double max = -INFINITY, s, parts[4];
  int i;

  for (i = 0; i + 8 <= V; i += 8)
    m8 = _mm256_max_ps (m8, _mm256_loadu_ps (r + i));
  _mm256_storeu_ps (mf, m8);
  for (int j = 0; j < 8; j++)
    max = MAX (max, mf[j]);
  for (; i < V; i++)
    max = MAX (max, r[i]);
  if (!isfinite (max))
    return lse_ref (r, V);
  vmax = _mm256_set1_pd (max);
  for (i = 0; i + 8 <= V; i += 8)
    for (int h = 0; h < 2; h++)
      {
        __m256d x = _mm256_sub_pd (_mm256_cvtps_pd (_mm_loadu_ps (r + i + 4 * h)), vmax);
        __m256d t, k, y, p;
        __m256i e;

        x = _mm256_max_pd (lowest, x);
        t = _mm256_fmadd_pd (x, log2e, shift);
        k = _mm256_sub_pd (t, shift);
        y = _mm256_fnmadd_pd (k, ln2hi, x);
        y = _mm256_fnmadd_pd (k, ln2lo, y);
        p = _mm256_set1_pd (c[0]);
        for (int j = 1; j < 14; j++)
          p = _mm256_fmadd_pd (p, y, _mm256_set1_pd (c[j]));
        e = _mm256_slli_epi64 (_mm256_add_epi64 (_mm256_castpd_si256 (t), bias), 52);
        acc[h] = _mm256_fmadd_pd (p, _mm256_castsi256_pd (e), acc[h]);
      }
  _mm256_storeu_pd (parts, _mm256_add_pd (acc[0], acc[1]));
  s = (parts[0] + parts[1]) + (parts[2] + parts[3]);
  for (; i < V; i++)
    s += exp (r[i] - max);
  return max + log (s);
}

#endif

static void
lse_row (int      t,
         gpointer data)
{
  LseJob *job = data;
  const float *r = job->logits + (gsize) t * job->V;

#ifdef SY_FORWARD_X86
  if (sy_cpu_has_avx2_fma ())
    {
      job->lse[t] = lse_avx2 (r, job->V);
      return;
    }
#endif
  job->lse[t] = lse_ref (r, job->V);
}

gboolean
_sy_forward_from (SyModel           *m,
                  SyRunState        *rs,
                  SyPool            *pool,
                  const SyPassArgs  *args,
                  GError           **error)
{
  int p = args->p, n = args->n, l0 = args->l0;
  SyTrace *trace = args->trace;
  const SyRouterSpec *spec;
  const SyConfig *c = &m->config;
  int T = n - p, H = c->hidden_size, V = c->vocab_size, NL = c->n_layers;
  int q_dim = m->q_dim, kv_dim = m->k_cache_dim;
  float res_mult = (float) c->residual_multiplier;
  SyScratch *scratch = &rs->scratch;
  float *x, *xn, *y, *q, *k, *att, *recv = NULL;

  _sy_scratch_reset (scratch);
  x = SY_SCRATCH_NEW (scratch, float, (gsize) T * H);
  xn = SY_SCRATCH_NEW (scratch, float, (gsize) T * H);
  y = SY_SCRATCH_NEW (scratch, float, (gsize) T * H);
  q = SY_SCRATCH_NEW (scratch, float, (gsize) T * q_dim);
  k = SY_SCRATCH_NEW (scratch, float, (gsize) T * kv_dim);
  att = SY_SCRATCH_NEW (scratch, float, (gsize) T * m->attn_out_dim);
  spec = sy_router_spec_resolve (args->spec, &m->router_info);
  if (spec->policy == SY_POLICY_DA || rs->recv_out != NULL)
    recv = SY_SCRATCH_NEW0 (scratch, float, n);

  SY_OP_TIMED (trace, SY_OP_OTHER)
    {
      if (args->x0 != NULL)
        {
          /* resume: x0 is the input of layer l0 (the caller filled the
           * caches and trace rows of the layers before it) */
          memcpy (x, args->x0, sizeof (float) * T * H);
        }
      else
        {
          /* embedding (times Granite's embedding multiplier) */
          l0 = 0;
          for (int t = 0; t < T; t++)
            {
              float *xt = x + (gsize) t * H;

              sy_mat_row_to_f32 (&m->embed, args->ids[p + t], 0, H, xt);
              if (c->embedding_multiplier != 1.0)
                for (int i = 0; i < H; i++)
                  xt[i] *= (float) c->embedding_multiplier;
            }
          if (args->capture)
            memcpy (rs->hidden[0] + (gsize) p * H, x, sizeof (float) * T * H);
        }
    }

  for (int l = l0; l < NL; l++)
    {
      const SyLayer *L = &m->layers[l];
      SyScratchMark mark = _sy_scratch_mark (scratch);
      double tl0 = _sy_now_s ();
      double op0[SY_N_OPS];

      memcpy (op0, trace->op_time_s, sizeof op0);

      if (args->progress && !args->progress ((double) l / (NL + 1), "layer", args->user_data))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "the run was cancelled");
          return FALSE;
        }

      /* attention block */
      SY_OP_TIMED (trace, SY_OP_OTHER)
        for (int t = 0; t < T; t++)
          sy_rmsnorm (xn + (gsize) t * H, x + (gsize) t * H, L->attn_norm, H,
                      (float) c->rms_norm_eps);
      SY_OP_TIMED (trace, SY_OP_ATTENTION)
        {
          attention (m, pool, rs, l, xn, p, n, q, k, att, recv);
          if (rs->recv_out != NULL && L->is_moe)
            memcpy (rs->recv_out + (gsize) L->moe * n, recv, sizeof (float) * n);
          sy_matmul (pool, y, att, T, &L->o, L->o_bias);
        }
      SY_OP_TIMED (trace, SY_OP_OTHER)
        {
          for (gsize i = 0; i < (gsize) T * H; i++)
            x[i] += y[i] * res_mult;

          /* feed-forward block */
          for (int t = 0; t < T; t++)
            sy_rmsnorm (xn + (gsize) t * H, x + (gsize) t * H, L->ffn_norm, H,
                        (float) c->rms_norm_eps);
        }
      if (L->is_moe)
        {
          if (!moe_forward (m, pool, scratch, spec, l, xn, p, n, recv, trace, y, error))
            return FALSE;
        }
      else
        SY_OP_TIMED (trace, SY_OP_EXPERTS)
          {
            gsize gu = (gsize) T * L->mlp.gate.rows;

            ffn_forward (pool, &L->mlp, xn, T, y, SY_SCRATCH_NEW (scratch, float, gu),
                         SY_SCRATCH_NEW (scratch, float, gu));
          }
      SY_OP_TIMED (trace, SY_OP_OTHER)
        {
          for (gsize i = 0; i < (gsize) T * H; i++)
            x[i] += y[i] * res_mult;
          if (args->capture && l < NL - 1)
            memcpy (rs->hidden[l + 1] + (gsize) p * H, x, sizeof (float) * T * H);
        }

      if (L->is_moe)
        {
          SyTraceLayer *tl = &trace->layers[L->moe];

          tl->time_s = _sy_now_s () - tl0;
          for (int o = 0; o < SY_N_OPS; o++)
            tl->op_time_s[o] = trace->op_time_s[o] - op0[o];
        }
      if (recv)
        memset (recv, 0, sizeof (float) * n);
      _sy_scratch_release (scratch, mark);
    }

  /* final norm, LM head */
  SY_OP_TIMED (trace, SY_OP_OTHER)
    {
      for (int t = 0; t < T; t++)
        sy_rmsnorm (xn + (gsize) t * H, x + (gsize) t * H, m->final_norm, H,
                    (float) c->rms_norm_eps);
      if (args->capture)
        memcpy (rs->hidden[NL] + (gsize) p * H, xn, sizeof (float) * T * H);
    }
  SY_OP_TIMED (trace, SY_OP_LM_HEAD)
    {
      /* rows [t0, T) of the pass: all, or the last one (next token only) */
      int t0 = rs->last_logits ? T - 1 : 0, nt = T - t0;
      float *lg = rs->logits + (gsize) (p + t0) * V;
      LseJob job = { lg, rs->lse + p + t0, V };

      sy_matmul (pool, lg, xn + (gsize) t0 * H, nt, &m->lm_head, NULL);
      if (c->logits_scaling != 1.0)
        for (gsize i = 0; i < (gsize) nt * V; i++)
          lg[i] /= (float) c->logits_scaling;
      sy_pool_run (nt > 1 ? pool : NULL, nt, lse_row, &job);
      for (int t = 0; t < T; t++)
        {
          rs->has_logits[p + t] = t >= t0;
          if (t < t0)
            rs->lse[p + t] = NAN;
        }
    }
  return TRUE;
}
