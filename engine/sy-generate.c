/* sy-generate.c: decoding with the KV cache, greedy or sampled
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sy-generate.h"

/* A candidate token and its (unnormalized) probability. */
typedef struct
{
  int     id;
  double  p;
} Candidate;

struct _SySampler
{
  SySampling  params;
  guint64     state;     /* splitmix64 */
  Candidate  *cand;      /* (cap) by descending logit */
  int         cap;
};

void
sy_sampling_init (SySampling *sampling)
{
  g_return_if_fail (sampling != NULL);
  sampling->temperature = 0;
  sampling->top_k = 0;
  sampling->seed = 0;
}

SySampler *
sy_sampler_new (const SySampling *sampling)
{
  SySampler *self = g_new0 (SySampler, 1);

  if (sampling)
    self->params = *sampling;
  else
    sy_sampling_init (&self->params);
  self->state = self->params.seed;
  return self;
}

void
sy_sampler_free (SySampler *self)
{
  if (self == NULL)
    return;
  g_free (self->cand);
  g_free (self);
}

/* splitmix64 (Steele, Lea, Flood 2014): a uniform double in [0, 1). */
static double
next_uniform (SySampler *self)
{
  guint64 z = (self->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  z = z ^ (z >> 31);
  return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

/* a before b in the candidate order: higher logit, ties to the lower id */
static inline gboolean
before (const float *logits,
        int          a,
        int          b)
{
  return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
}

int
sy_logits_argmax (const float *logits,
                  int          n)
{
  int best = 0;

  for (int i = 1; i < n; i++)
    if (logits[i] > logits[best])
      best = i;
  return best;
}

int32_t
sy_sampler_pick (SySampler   *self,
                 const float *logits,
                 int          n_vocab)
{
  double T = self->params.temperature;
  int k = self->params.top_k;
  int n = 0;
  double m, sum = 0, u, c = 0;

  g_return_val_if_fail (self != NULL && logits != NULL && n_vocab > 0, 0);

  if (!(T > 0) || k == 1)
    return sy_logits_argmax (logits, n_vocab);
  if (k <= 0 || k > n_vocab)
    k = n_vocab;

  if (self->cap < k)
    {
      self->cand = g_renew (Candidate, self->cand, k);
      self->cap = k;
    }
  /* the k best by insertion into a sorted list (k is small in practice;
   * for k = V it is a full sort, done once per token) */
  if (k == n_vocab)
    {
      for (int i = 0; i < n_vocab; i++)
        self->cand[i].id = i;
      n = n_vocab;
    }
  else
    for (int i = 0; i < n_vocab; i++)
      {
        int j;

        if (n == k && !before (logits, i, self->cand[n - 1].id))
          continue;
        j = n < k ? n++ : n - 1;
        while (j > 0 && before (logits, i, self->cand[j - 1].id))
          {
            self->cand[j].id = self->cand[j - 1].id;
            j--;
          }
        self->cand[j].id = i;
      }

  m = -INFINITY;
  for (int j = 0; j < n; j++)
    if (isfinite (logits[self->cand[j].id]))
      m = MAX (m, (double) logits[self->cand[j].id]);
  if (m == -INFINITY)
    return sy_logits_argmax (logits, n_vocab);
  for (int j = 0; j < n; j++)
    {
      double v = logits[self->cand[j].id];

      self->cand[j].p = isfinite (v) ? exp ((v - m) / T) : 0.0;
      sum += self->cand[j].p;
    }
  /* one draw: candidates in id order (all) or by rank (top k) */
  u = next_uniform (self) * sum;
  for (int j = 0; j < n; j++)
    {
      c += self->cand[j].p;
      if (u < c)
        return self->cand[j].id;
    }
  /* rounding: the last candidate with a non-zero probability */
  for (int j = n - 1; j >= 0; j--)
    if (self->cand[j].p > 0)
      return self->cand[j].id;
  return self->cand[0].id;
}

static gboolean
is_eos (const int *eos_ids,
        int        n_eos,
        int32_t    token)
{
  for (int i = 0; i < n_eos; i++)
    if (eos_ids[i] == token)
      return TRUE;
  return FALSE;
}

SyTrace *
sy_generate (SySession                *session,
             const SyGenerateRequest  *request,
             int                      *n_new,
             GError                  **error)
{
  g_autoptr (SySampler) sampler = NULL;
  g_autofree int32_t *ids = NULL;
  SyTrace *trace = NULL;
  const int32_t *prompt;
  int n_prompt, n, max_new;

  g_return_val_if_fail (session != NULL && request != NULL, NULL);
  prompt = request->prompt;
  n = n_prompt = request->n_prompt;
  max_new = MAX (request->max_new, 0);
  if (n_new)
    *n_new = 0;
  if (prompt == NULL || n_prompt < 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "generate: the prompt is empty (it needs at least one token)");
      return NULL;
    }
  sampler = sy_sampler_new (request->sampling);
  ids = g_new (int32_t, (gsize) n_prompt + max_new);
  memcpy (ids, prompt, sizeof (int32_t) * n_prompt);

  trace = sy_session_run (session, ids, n, NULL, NULL, error);
  if (trace == NULL)
    return NULL;
  while (n - n_prompt < max_new)
    {
      const float *logits;
      int T, V;
      SyTrace *next;

      logits = sy_session_get_logits (session, &T, &V);
      if (logits == NULL || T < 1)
        break;
      ids[n] = sy_sampler_pick (sampler, logits + (gsize) (T - 1) * V, V);
      n++;
      /* the new token's routing (and the next logits) */
      next = sy_session_run (session, ids, n, NULL, NULL, error);
      if (next == NULL)
        {
          sy_trace_free (trace);
          return NULL;
        }
      sy_trace_free (trace);
      trace = next;
      if (n_new)
        *n_new = n - n_prompt;
      if (request->step && !request->step (trace, n - 1, request->user_data))
        break;
      if (is_eos (request->eos_ids, request->n_eos, ids[n - 1]))
        break;
    }
  return trace;
}
