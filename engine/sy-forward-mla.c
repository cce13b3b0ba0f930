/* sy-forward-mla.c: DeepSeek multi-head latent attention
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per position, as DeepseekV3Attention computes it:
 *
 *   q      = q_b (RMSNorm (q_a x))            (or q_proj x without a q LoRA)
 *            per head [q_nope (qk_nope) | q_pe (R)]
 *   ckv    = kv_a x = [c (kv_lora_rank) | k_pe (R)]
 *   kv     = kv_b (RMSNorm (c)), per head [k_nope (qk_nope) | v (v_head_dim)]
 *   q_pe, k_pe rotated (k_pe once, shared by every head); with
 *   rope_interleave the pairs (2i, 2i + 1) are first gathered into the
 *   halves (x0 x2 x4 .. | x1 x3 x5 ..) and then rotated half by half, the
 *   result staying in that order (it is only ever dotted with keys
 *   permuted the same way);
 *   k      = per head [k_nope | k_pe], scores q . k * scale, softmax, . v.
 *
 * The cache holds the expanded per-head keys and values (exact, simple;
 * the compressed cache of the paper would save memory, not change
 * results).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-forward-private.h"

/* ------------------------------------------------------ attention core */

static void
core_head (int      h,
           gpointer data)
{
  SyAttnCore *job = data;
  int g = h / job->group;
  float *s = job->scores + (gsize) h * job->n;

  for (int t = 0; t < job->T; t++)
    {
      int pos = job->p + t;
      int lo = job->window > 0 ? MAX (0, pos - job->window + 1) : 0;
      const float *q = job->q + (gsize) t * job->q_stride + (gsize) h * job->dk;
      float *o = job->out + (gsize) t * job->out_stride + (gsize) h * job->dv;
      float max = job->sinks ? job->sinks[h] : -INFINITY, sum = 0;

      for (int j = lo; j <= pos; j++)
        {
          const float *k = job->k_cache + (gsize) j * job->k_stride + (gsize) g * job->dk;
          float dot = 0;

          for (int i = 0; i < job->dk; i++)
            dot += q[i] * k[i];
          s[j - lo] = dot * job->scale;
          max = MAX (max, s[j - lo]);
        }
      /* softmax over the scores and, with sinks, the head's sink logit
       * (in the denominator only) */
      for (int j = 0; j <= pos - lo; j++)
        {
          s[j] = expf (s[j] - max);
          sum += s[j];
        }
      if (job->sinks)
        sum += expf (job->sinks[h] - max);
      for (int j = 0; j <= pos - lo; j++)
        s[j] /= sum;

      memset (o, 0, sizeof (float) * job->dv);
      for (int j = lo; j <= pos; j++)
        {
          const float *v = job->v_cache + (gsize) j * job->v_stride + (gsize) g * job->dv;
          float a = s[j - lo];

          for (int i = 0; i < job->dv; i++)
            o[i] += a * v[i];
          if (job->recv)
            job->recv[(gsize) h * job->n + j] += a;
        }
    }
}

void
_sy_attention_core (SyPool     *pool,
                    SyScratch  *scratch,
                    SyAttnCore *job,
                    float      *recv)
{
  job->scores = SY_SCRATCH_NEW (scratch, float, (gsize) job->n_heads * job->n);
  job->recv = recv ? SY_SCRATCH_NEW0 (scratch, float, (gsize) job->n_heads * job->n) : NULL;
  sy_pool_run ((gsize) job->T * job->n * job->dk * job->n_heads < 65536 ? NULL : pool,
               job->n_heads, core_head, job);
  if (recv)
    {
      for (int j = 0; j < job->n; j++)
        {
          double s = 0;

          for (int h = 0; h < job->n_heads; h++)
            s += job->recv[(gsize) h * job->n + j];
          recv[j] = (float) (s / job->n_heads);
        }
    }
  job->recv = NULL;
  job->scores = NULL;
}

/* ----------------------------------------------------------------- MLA */

void
_sy_rope_deinterleave (float *x,
                       int    n_heads,
                       int    head_dim)
{
  float tmp[512];
  int half = head_dim / 2;

  g_return_if_fail (head_dim <= 512);
  for (int h = 0; h < n_heads; h++)
    {
      float *v = x + (gsize) h * head_dim;

      for (int i = 0; i < half; i++)
        {
          tmp[i] = v[2 * i];
          tmp[half + i] = v[2 * i + 1];
        }
      memcpy (v, tmp, sizeof (float) * head_dim);
    }
}

/* Rotates @x (R dims) at this position; interleaved pairs are gathered
 * into halves first (HF apply_rotary_pos_emb_interleave). */
static void
rope_part (float       *x,
           int          R,
           gboolean     interleave,
           const float *cos_t,
           const float *sin_t,
           float       *tmp)
{
  if (interleave)
    {
      for (int i = 0; i < R / 2; i++)
        {
          tmp[i] = x[2 * i];
          tmp[R / 2 + i] = x[2 * i + 1];
        }
      memcpy (x, tmp, sizeof (float) * R);
    }
  sy_rope (x, 1, R, R, cos_t, sin_t);
}

void
_sy_attention_mla (SyModel     *m,
                   SyPool      *pool,
                   SyRunState  *rs,
                   int          l,
                   const float *xn,
                   int          p,
                   int          n,
                   float       *att,
                   float       *recv)
{
  const SyConfig *c = &m->config;
  const SyLayer *L = &m->layers[l];
  int T = n - p, H = c->hidden_size, R = c->head_dim, NH = c->n_heads;
  int nope = c->qk_nope_head_dim, dv = c->v_head_dim, qk = nope + R;
  int rank = c->kv_lora_rank, kv_b_dim = NH * (nope + dv);
  /* DeepseekV3Attention builds q_a_layernorm and kv_a_layernorm with the
   * RMSNorm's default eps, 1e-6, not the config's rms_norm_eps */
  float eps = 1e-6f;
  float *kc = rs->k_cache[l] + (gsize) p * m->k_cache_dim;
  float *vc = rs->v_cache[l] + (gsize) p * m->v_cache_dim;
  SyScratch *scratch = &rs->scratch;
  float *q = SY_SCRATCH_NEW (scratch, float, (gsize) T * m->q_dim);
  float *ckv = SY_SCRATCH_NEW (scratch, float, (gsize) T * (rank + R));
  float *cn = SY_SCRATCH_NEW (scratch, float, (gsize) T * rank);
  float *kv = SY_SCRATCH_NEW (scratch, float, (gsize) T * kv_b_dim);
  float *cos_t = SY_SCRATCH_NEW (scratch, float, R / 2);
  float *sin_t = SY_SCRATCH_NEW (scratch, float, R / 2);
  float *tmp = SY_SCRATCH_NEW (scratch, float, R);
  SyAttnCore job = { 0 };

  (void) H;
  if (c->q_lora_rank > 0)
    {
      float *qa = SY_SCRATCH_NEW (scratch, float, (gsize) T * c->q_lora_rank);

      sy_matmul (pool, qa, xn, T, &L->q_a, L->q_a_bias);
      for (int t = 0; t < T; t++)
        sy_rmsnorm (qa + (gsize) t * c->q_lora_rank, qa + (gsize) t * c->q_lora_rank,
                    L->q_a_norm, c->q_lora_rank, eps);
      sy_matmul (pool, q, qa, T, &L->q_b, NULL);
    }
  else
    sy_matmul (pool, q, xn, T, &L->q, NULL);

  sy_matmul (pool, ckv, xn, T, &L->kv_a, L->kv_a_bias);
  for (int t = 0; t < T; t++)
    sy_rmsnorm (cn + (gsize) t * rank, ckv + (gsize) t * (rank + R), L->kv_a_norm, rank, eps);
  sy_matmul (pool, kv, cn, T, &L->kv_b, NULL);

  for (int t = 0; t < T; t++)
    {
      float pos = (float) (p + t);
      float *k_pe = ckv + (gsize) t * (rank + R) + rank;
      float *kt = kc + (gsize) t * m->k_cache_dim;
      float *vt = vc + (gsize) t * m->v_cache_dim;
      const float *kvt = kv + (gsize) t * kv_b_dim;

      for (int i = 0; i < R / 2; i++)
        {
          float angle = m->inv_freq[i] * pos;

          cos_t[i] = (float) cos ((double) angle) * m->rope_mscale;
          sin_t[i] = (float) sin ((double) angle) * m->rope_mscale;
        }
      rope_part (k_pe, R, c->rope_interleave, cos_t, sin_t, tmp);
      for (int h = 0; h < NH; h++)
        {
          rope_part (q + (gsize) t * m->q_dim + (gsize) h * qk + nope, R,
                     c->rope_interleave, cos_t, sin_t, tmp);
          memcpy (kt + (gsize) h * qk, kvt + (gsize) h * (nope + dv), sizeof (float) * nope);
          memcpy (kt + (gsize) h * qk + nope, k_pe, sizeof (float) * R);
          memcpy (vt + (gsize) h * dv, kvt + (gsize) h * (nope + dv) + nope, sizeof (float) * dv);
        }
    }

  job.q = q;
  job.q_stride = m->q_dim;
  job.k_cache = rs->k_cache[l];
  job.k_stride = m->k_cache_dim;
  job.v_cache = rs->v_cache[l];
  job.v_stride = m->v_cache_dim;
  job.out = att;
  job.out_stride = m->attn_out_dim;
  job.n_heads = NH;
  job.group = 1;
  job.dk = qk;
  job.dv = dv;
  job.sinks = L->sinks;
  job.scale = m->attn_scale;
  job.p = p;
  job.T = T;
  job.n = n;
  job.window = L->window;
  _sy_attention_core (pool, scratch, &job, recv);
}
