/* sy-profile.c: runs a corpus under router specs and accumulates the tables
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-profile.h"
#include "sy-session.h"
#include "sy-trace-file.h"

static const char *op_names[SY_N_OPS] = { "attention", "router", "experts", "lm_head", "other" };

void
sy_profile_options_init (SyProfileOptions *options)
{
  memset (options, 0, sizeof *options);
  options->max_tokens = 256;
  options->sweep_from = 0.1;
  options->sweep_to = 0.9;
  options->sweep_step = 0.1;
  options->record_events = TRUE;
}

static gboolean
parse_double (const char *s,
              double     *v)
{
  char *end = NULL;

  errno = 0;
  *v = g_ascii_strtod (s, &end);
  return *s != '\0' && end != NULL && *end == '\0' && errno == 0 && isfinite (*v);
}

gboolean
sy_profile_parse_sweep (const char       *text,
                        SyProfileOptions *options,
                        GError          **error)
{
  const char *s = text;
  g_auto (GStrv) parts = NULL;
  double a, b, c;

  if (g_str_has_prefix (s, "p="))
    s += 2;
  parts = g_strsplit (s, ":", -1);
  if (g_strv_length (parts) != 3 || !parse_double (parts[0], &a) ||
      !parse_double (parts[1], &b) || !parse_double (parts[2], &c))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "sweep '%s': expected p=FROM:TO:STEP, e.g. p=0.1:0.9:0.1", text);
      return FALSE;
    }
  if (!(a > 0 && a <= b && b <= 1 && c > 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "sweep '%s': need 0 < FROM <= TO <= 1 and STEP > 0", text);
      return FALSE;
    }
  if ((b - a) / c > 1000)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "sweep '%s': more than 1000 points", text);
      return FALSE;
    }
  options->sweep = TRUE;
  options->sweep_from = a;
  options->sweep_to = b;
  options->sweep_step = c;
  return TRUE;
}

/* ------------------------------------------------------------ runs */

static SyProfileGroup *
group_get (GHashTable *table,
           const char *key)
{
  SyProfileGroup *g = g_hash_table_lookup (table, key);

  if (g == NULL)
    {
      g = g_new0 (SyProfileGroup, 1);
      g_hash_table_insert (table, g_strdup (key), g);
    }
  return g;
}

static SyProfileRun *
run_new (const char *router,
         int         n_layers,
         int         n_experts)
{
  SyProfileRun *r = g_new0 (SyProfileRun, 1);

  r->router = g_strdup (router);
  r->n_layers = n_layers;
  r->n_experts = n_experts;
  r->layers = g_new0 (SyProfileLayer, MAX (n_layers, 1));
  for (int l = 0; l < n_layers; l++)
    {
      r->layers[l].moe = l;
      r->layers[l].expert_load = g_new0 (gint64, n_experts);
      r->layers[l].coactivation = g_new0 (gint64, (gsize) n_experts * n_experts);
      r->layers[l].expert_tokens = g_new0 (GHashTable *, MAX (n_experts, 1));
      for (int e = 0; e < n_experts; e++)
        r->layers[l].expert_tokens[e] = g_hash_table_new (g_direct_hash, g_direct_equal);
      r->layers[l].expert_pos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      r->layers[l].expert_genre = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  r->token_text = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  r->by_genre = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->by_pos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return r;
}

static void
run_free (SyProfileRun *r)
{
  if (r == NULL)
    return;
  for (int l = 0; l < r->n_layers; l++)
    {
      g_free (r->layers[l].expert_load);
      g_free (r->layers[l].coactivation);
      for (int e = 0; e < r->n_experts; e++)
        g_hash_table_unref (r->layers[l].expert_tokens[e]);
      g_free (r->layers[l].expert_tokens);
      g_hash_table_unref (r->layers[l].expert_pos);
      g_hash_table_unref (r->layers[l].expert_genre);
    }
  g_hash_table_unref (r->token_text);
  g_free (r->layers);
  g_hash_table_unref (r->by_genre);
  g_hash_table_unref (r->by_pos);
  g_free (r->router);
  g_free (r);
}

static void
event_free (SyProfileEvent *e)
{
  g_free (e->name);
  g_free (e->genre);
  g_free (e->layer_s);
  g_free (e->layer_op_s);
  g_free (e);
}

void
sy_profile_free (SyProfile *self)
{
  if (self == NULL)
    return;
  g_free (self->model);
  g_free (self->corpus_kind);
  g_free (self->corpus_source);
  g_free (self->split);
  g_free (self->chunking);
  g_ptr_array_unref (self->runs);
  g_array_unref (self->sweep);
  g_ptr_array_unref (self->events);
  g_free (self);
}

/* The gint64[E] row of @key in @table, made on first use. */
static gint64 *
expert_row (GHashTable *table,
            const char *key,
            int         n_experts)
{
  gint64 *row = g_hash_table_lookup (table, key);

  if (row == NULL)
    {
      row = g_new0 (gint64, MAX (n_experts, 1));
      g_hash_table_insert (table, g_strdup (key), row);
    }
  return row;
}

static void
accumulate (SyProfileRun       *r,
            const SyTrace      *trace,
            const SyCorpusText *chunk,
            const int          *word_of,
            double              ln_e)
{
  int T = trace->n_tokens, E = r->n_experts, L = MIN (r->n_layers, trace->n_moe_layers);
  SyProfileGroup *genre = group_get (r->by_genre, chunk->genre ? chunk->genre : "unknown");

  r->texts++;
  r->tokens += T;
  r->flops += trace->flops * T;
  r->activated_params_sum += trace->activated_params * T;
  for (int o = 0; o < SY_N_OPS; o++)
    r->op_time_s[o] += trace->op_time_s[o];
  r->total_time_s += trace->total_time_s;

  for (int l = 0; l < L; l++)
    {
      const SyTraceLayer *tl = &trace->layers[l];
      SyProfileLayer *pl = &r->layers[l];

      pl->layer = tl->layer;
      pl->time_s += tl->time_s;
      for (int o = 0; o < SY_N_OPS; o++)
        pl->op_time_s[o] += tl->op_time_s[o];
      gint64 *genre_row = expert_row (pl->expert_genre, chunk->genre ? chunk->genre : "unknown", E);

      for (int t = 0; t < T; t++)
        {
          const int *ex = tl->experts + (gsize) t * E;
          int k = tl->k[t];
          gint64 *pos_row = chunk->pos && word_of && word_of[t] >= 0
                            ? expert_row (pl->expert_pos, chunk->pos[word_of[t]], E) : NULL;
          gpointer id_key = GINT_TO_POINTER (trace->ids[t]);

          pl->k_sum += k;
          r->k_sum += k;
          for (int i = 0; i < k; i++)
            {
              if (ex[i] < 0 || ex[i] >= E)
                continue;
              pl->expert_load[ex[i]]++;
              genre_row[ex[i]]++;
              if (pos_row)
                pos_row[ex[i]]++;
              g_hash_table_insert (pl->expert_tokens[ex[i]], id_key,
                                   GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (pl->expert_tokens[ex[i]], id_key)) + 1));
              for (int j = 0; j < k; j++)
                if (ex[j] >= 0 && ex[j] < E)
                  pl->coactivation[(gsize) ex[i] * E + ex[j]]++;
            }
          if (isfinite (tl->entropy[t]))
            {
              int bin = ln_e > 0 ? (int) floor (tl->entropy[t] / ln_e * SY_PROFILE_ENTROPY_BINS) : 0;

              pl->entropy_sum += tl->entropy[t];
              pl->entropy_count++;
              pl->entropy_hist[CLAMP (bin, 0, SY_PROFILE_ENTROPY_BINS - 1)]++;
            }
        }
    }

  for (int t = 0; t < T; t++)
    if (trace->token_text && trace->token_text[t] &&
        !g_hash_table_contains (r->token_text, GINT_TO_POINTER (trace->ids[t])))
      g_hash_table_insert (r->token_text, GINT_TO_POINTER (trace->ids[t]), g_strdup (trace->token_text[t]));

  for (int t = 0; t < T; t++)
    {
      double kt = 0;

      for (int l = 0; l < L; l++)
        kt += trace->layers[l].k[t];
      kt = L > 0 ? kt / L : 0;
      genre->tokens++;
      genre->k_sum += kt;
      if (t + 1 < T && isfinite (trace->nll[t]))
        {
          genre->nll_sum += trace->nll[t];
          genre->nll_count++;
          r->nll_sum += trace->nll[t];
          r->nll_count++;
        }
      if (chunk->pos && word_of && word_of[t] >= 0)
        {
          SyProfileGroup *pos = group_get (r->by_pos, chunk->pos[word_of[t]]);

          pos->tokens++;
          pos->k_sum += kt;
          r->tagged_tokens++;
          r->tagged_k_sum += kt;
        }
    }
}

static void
chunks_free (gpointer p)
{
  if (p)
    g_ptr_array_unref (p);
}

/* The order texts are visited in: the first text of every genre (in
 * corpus order), then the second of every genre, ... */
static int *
genre_order (SyCorpus *corpus)
{
  int n = sy_corpus_get_n_texts (corpus);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree int *rank = g_new0 (int, MAX (n, 1));
  g_autofree int *group = g_new0 (int, MAX (n, 1));
  int *order = g_new (int, MAX (n, 1));
  int k = 0, max_rank = 0;

  for (int i = 0; i < n; i++)
    {
      const char *g = sy_corpus_get_text (corpus, i)->genre;
      gpointer v;

      if (g == NULL)
        g = "";
      v = g_hash_table_lookup (seen, g);
      if (v == NULL)
        {
          group[i] = (int) g_hash_table_size (seen);
          g_hash_table_insert (seen, (gpointer) g, GINT_TO_POINTER ((group[i] + 1) << 16 | 1));
          rank[i] = 0;
        }
      else
        {
          int packed = GPOINTER_TO_INT (v);

          group[i] = (packed >> 16) - 1;
          rank[i] = packed & 0xffff;
          g_hash_table_insert (seen, (gpointer) g, GINT_TO_POINTER ((packed & ~0xffff) | (rank[i] + 1)));
        }
      max_rank = MAX (max_rank, rank[i]);
    }
  for (int r = 0; r <= max_rank; r++)
    for (guint gi = 0; gi < g_hash_table_size (seen); gi++)
      for (int i = 0; i < n; i++)
        if (rank[i] == r && group[i] == (int) gi)
          order[k++] = i;
  return order;
}

/* Chunks in the order they are profiled: round-robin over the texts. */
static GPtrArray *
make_chunks (SyCorpus     *corpus,
             SyTokenizer  *tokenizer,
             int           max_tokens,
             int           limit,
             GError      **error)
{
  int n = sy_corpus_get_n_texts (corpus);
  g_autoptr (GPtrArray) per_text = g_ptr_array_new_with_free_func (chunks_free);
  g_autofree int *order = genre_order (corpus);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_corpus_text_free);
  gboolean any = TRUE;

  g_ptr_array_set_size (per_text, n);
  for (int round = 0; any; round++)
    {
      any = FALSE;
      for (int oi = 0; oi < n; oi++)
        {
          int i = order[oi];
          GPtrArray *chunks = g_ptr_array_index (per_text, i);

          if (limit > 0 && (int) out->len >= limit)
            return out;
          if (chunks == NULL)
            {
              chunks = sy_corpus_text_chunk (sy_corpus_get_text (corpus, i), tokenizer,
                                             max_tokens, error);
              if (chunks == NULL)
                {
                  g_ptr_array_unref (out);
                  return NULL;
                }
              g_ptr_array_index (per_text, i) = chunks;
            }
          if (round < (int) chunks->len)
            {
              g_ptr_array_add (out, g_ptr_array_index (chunks, round));
              g_ptr_array_index (chunks, round) = NULL;
              any = TRUE;
            }
        }
    }
  return out;
}

typedef struct
{
  SyProfileProgressFunc  func;
  gpointer               user_data;
  SyProfileProgress      p;
  gint64                 t0;
  gboolean               cancelled;
  gint64                 last_us;     /* when the callback was last called */
  char                   router[512];
} Progress;

static gboolean
report (Progress *pr)
{
  pr->p.elapsed_s = (g_get_monotonic_time () - pr->t0) / 1e6;
  pr->p.tokens_per_s = pr->p.elapsed_s > 0 ? pr->p.tokens_done / pr->p.elapsed_s : 0;
  pr->p.eta_s = pr->p.texts_done > 0
                  ? pr->p.elapsed_s / pr->p.texts_done * (pr->p.texts_total - pr->p.texts_done)
                  : NAN;
  pr->last_us = g_get_monotonic_time ();
  if (pr->func && !pr->func (&pr->p, pr->user_data))
    pr->cancelled = TRUE;
  return !pr->cancelled;
}

/* Between layers of a long chunk: the callback again (at most every
 * 100 ms), so that a cancel takes effect within a layer. */
static gboolean
session_progress (double      fraction,
                  const char *what,
                  gpointer    user_data)
{
  Progress *pr = user_data;

  (void) fraction;
  (void) what;
  if (pr->func == NULL || pr->cancelled)
    return !pr->cancelled;
  if (g_get_monotonic_time () - pr->last_us >= 100000)
    return report (pr);
  return TRUE;
}

static SyProfileRun *
profile_one (SySession           *session,
             SyTokenizer         *tokenizer,
             const SyRouterSpec  *spec,
             GPtrArray           *chunks,
             SyProfile           *prof,
             int                  run_index,
             gboolean             record,
             Progress            *pr,
             GError             **error)
{
  SyProfileRun *r;
  g_autofree char *name = NULL;
  double ln_e = log (MAX (prof->n_experts, 2));

  if (!sy_session_set_router (session, spec, error))
    return NULL;
  name = sy_router_spec_to_string (sy_session_get_router (session));
  r = run_new (name, prof->n_layers, prof->n_experts);
  g_strlcpy (pr->router, r->router, sizeof pr->router);
  pr->p.router = pr->router;
  pr->p.run = run_index;

  for (guint c = 0; c < chunks->len; c++)
    {
      const SyCorpusText *chunk = g_ptr_array_index (chunks, c);
      g_autoptr (SyEncoding) enc = NULL;
      g_autoptr (SyTrace) trace = NULL;
      g_autofree int *word_of = NULL;
      SyEncoding view;
      double start;

      if (!report (pr))
        goto cancelled;
      enc = sy_tokenizer_encode (tokenizer, chunk->text, -1, TRUE, error);
      if (enc == NULL)
        goto fail;
      if (enc->n == 0)
        {
          pr->p.texts_done++;
          continue;
        }
      view = *enc;
      if (view.n > prof->max_tokens)
        {
          view.n = prof->max_tokens;
          if (run_index == 0)
            prof->n_truncated++;
        }
      sy_session_reset (session);
      start = (g_get_monotonic_time () - pr->t0) / 1e6;
      trace = sy_session_run (session, view.ids, view.n, session_progress, pr, error);
      if (trace == NULL)
        {
          if (pr->cancelled)
            goto cancelled;
          g_prefix_error (error, "%s: ", chunk->name);
          goto fail;
        }
      sy_trace_set_tokens (trace, NULL, &view);
      word_of = g_new (int, view.n);
      if (trace->offsets)
        sy_corpus_text_map_tokens (chunk, trace->offsets, view.n, word_of);
      else
        for (int t = 0; t < view.n; t++)
          word_of[t] = -1;
      accumulate (r, trace, chunk, word_of, ln_e);

      if (record)
        {
          SyProfileEvent *e = g_new0 (SyProfileEvent, 1);
          int L = MIN (prof->n_layers, trace->n_moe_layers);

          e->run = run_index;
          e->name = g_strdup (chunk->name);
          e->genre = g_strdup (chunk->genre);
          e->tokens = view.n;
          e->start_s = start;
          e->total_s = trace->total_time_s;
          e->lm_head_s = trace->op_time_s[SY_OP_LM_HEAD];
          e->layer_s = g_new0 (double, MAX (prof->n_layers, 1));
          e->layer_op_s = g_new0 (double, (gsize) MAX (prof->n_layers, 1) * SY_N_OPS);
          for (int l = 0; l < L; l++)
            {
              e->layer_s[l] = trace->layers[l].time_s;
              memcpy (e->layer_op_s + (gsize) l * SY_N_OPS, trace->layers[l].op_time_s,
                      sizeof (double) * SY_N_OPS);
            }
          g_ptr_array_add (prof->events, e);
        }
      pr->p.texts_done++;
      pr->p.tokens_done += view.n;
    }
  return r;

cancelled:
  g_clear_error (error);
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "the profile was cancelled");
fail:
  run_free (r);
  return NULL;
}

static void
mark_pareto (GArray *points)
{
  for (guint i = 0; i < points->len; i++)
    {
      SyProfileSweepPoint *a = &g_array_index (points, SyProfileSweepPoint, i);

      a->pareto = isfinite (a->avg_k) && isfinite (a->perplexity);
      for (guint j = 0; j < points->len && a->pareto; j++)
        {
          const SyProfileSweepPoint *b = &g_array_index (points, SyProfileSweepPoint, j);

          if (j != i && b->avg_k <= a->avg_k && b->perplexity <= a->perplexity &&
              (b->avg_k < a->avg_k || b->perplexity < a->perplexity))
            a->pareto = FALSE;
        }
    }
}

SyProfile *
sy_profile_run (SyModel                    *model,
                SyCorpus                   *corpus,
                const SyRouterSpec * const *specs,
                int                         n_specs,
                const SyProfileOptions     *options,
                SyProfileProgressFunc       progress,
                gpointer                    user_data,
                GError                    **error)
{
  SyProfileOptions defaults;
  const SyModelInfo *info;
  SyTokenizer *tokenizer;
  g_autoptr (SyProfile) prof = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (GPtrArray) chunks = NULL;
  g_autoptr (GArray) ps = g_array_new (FALSE, FALSE, sizeof (double));
  Progress pr = { 0, };
  int n_runs, run_index = 0;
  gboolean native_asked = FALSE;

  g_return_val_if_fail (model != NULL && corpus != NULL, NULL);
  if (options == NULL)
    {
      sy_profile_options_init (&defaults);
      options = &defaults;
    }
  if (n_specs < 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "profile: no router spec given");
      return NULL;
    }
  info = sy_model_get_info (model);
  tokenizer = sy_model_get_tokenizer (model);
  if (tokenizer == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: the model has no tokenizer.json, so it cannot read a corpus", info->name);
      return NULL;
    }

  prof = g_new0 (SyProfile, 1);
  prof->model = g_strdup (info->name);
  prof->n_experts = info->n_experts;
  prof->native_k = info->native_k;
  prof->n_layers = info->n_moe_layers;
  prof->corpus_kind = g_strdup (sy_corpus_get_kind (corpus));
  prof->corpus_source = g_strdup (sy_corpus_get_source (corpus));
  prof->split = g_strdup (sy_corpus_split_name (sy_corpus_get_split (corpus)));
  prof->max_tokens = options->max_tokens > 0 ? options->max_tokens : 256;
  prof->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  prof->sweep = g_array_new (FALSE, FALSE, sizeof (SyProfileSweepPoint));
  prof->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  prof->chunking = g_strdup_printf (
    "texts cut into chunks of at most %d model tokens (special tokens included) at sentence "
    "boundaries, a longer sentence at word boundaries; chunks taken round-robin over the %d "
    "texts (chunk 0 of each first)%s; every chunk runs from an empty KV cache",
    prof->max_tokens, sy_corpus_get_n_texts (corpus),
    options->limit > 0 ? ", up to the limit" : "");

  chunks = make_chunks (corpus, tokenizer, prof->max_tokens, options->limit, error);
  if (chunks == NULL)
    return NULL;
  if (chunks->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "%s: the corpus gives no text to profile", sy_corpus_get_source (corpus));
      return NULL;
    }
  prof->n_texts = (int) chunks->len;

  if (options->sweep)
    {
      for (int i = 0;; i++)
        {
          double p = options->sweep_from + i * options->sweep_step;

          if (p > options->sweep_to + 1e-9)
            break;
          p = round (p * 1e6) / 1e6;
          g_array_append_val (ps, p);
        }
      for (int i = 0; i < n_specs; i++)
        if (specs[i] == NULL || specs[i]->policy == SY_POLICY_NATIVE)
          native_asked = TRUE;
    }

  n_runs = n_specs + (int) ps->len + (options->sweep && !native_asked ? 1 : 0);
  pr.func = progress;
  pr.user_data = user_data;
  pr.t0 = g_get_monotonic_time ();
  pr.p.n_runs = n_runs;
  pr.p.texts_total = n_runs * (int) chunks->len;
  pr.p.eta_s = NAN;

  session = sy_session_new (model);
  for (int i = 0; i < n_specs; i++)
    {
      SyProfileRun *r = profile_one (session, tokenizer, specs[i], chunks, prof, run_index++,
                                     options->record_events, &pr, error);

      if (r == NULL)
        return NULL;
      g_ptr_array_add (prof->runs, r);
      if (options->sweep && (specs[i] == NULL || specs[i]->policy == SY_POLICY_NATIVE) &&
          !prof->have_native_point)
        {
          prof->have_native_point = TRUE;
          prof->native_point.p = NAN;
          prof->native_point.avg_k = sy_profile_run_avg_k (r);
          prof->native_point.perplexity = sy_profile_run_perplexity (r);
        }
    }
  if (options->sweep && !prof->have_native_point)
    {
      SyProfileRun *r = profile_one (session, tokenizer, NULL, chunks, prof, run_index++,
                                     FALSE, &pr, error);

      if (r == NULL)
        return NULL;
      prof->have_native_point = TRUE;
      prof->native_point.p = NAN;
      prof->native_point.avg_k = sy_profile_run_avg_k (r);
      prof->native_point.perplexity = sy_profile_run_perplexity (r);
      run_free (r);
    }
  for (guint i = 0; i < ps->len; i++)
    {
      double p = g_array_index (ps, double, i);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *text = g_strdup_printf ("topp:p=%s", g_ascii_formatd (buf, sizeof buf, "%.6g", p));
      g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (text, error);
      SyProfileRun *r;
      SyProfileSweepPoint pt;

      if (spec == NULL)
        return NULL;
      r = profile_one (session, tokenizer, spec, chunks, prof, run_index++, FALSE, &pr, error);
      if (r == NULL)
        return NULL;
      pt.p = p;
      pt.avg_k = sy_profile_run_avg_k (r);
      pt.perplexity = sy_profile_run_perplexity (r);
      pt.pareto = FALSE;
      g_array_append_val (prof->sweep, pt);
      run_free (r);
    }
  mark_pareto (prof->sweep);
  report (&pr);
  return g_steal_pointer (&prof);
}

/* ------------------------------------------------------------ numbers */

double
sy_profile_run_avg_k (const SyProfileRun *run)
{
  return run->tokens > 0 && run->n_layers > 0 ? run->k_sum / ((double) run->tokens * run->n_layers)
                                              : NAN;
}

double
sy_profile_run_perplexity (const SyProfileRun *run)
{
  return run->nll_count > 0 ? exp (run->nll_sum / run->nll_count) : NAN;
}

double
sy_profile_run_tagged_avg_k (const SyProfileRun *run)
{
  return run->tagged_tokens > 0 ? run->tagged_k_sum / run->tagged_tokens : NAN;
}

double
sy_profile_layer_avg_k (const SyProfileRun *run,
                        int                 moe)
{
  return run->tokens > 0 ? run->layers[moe].k_sum / run->tokens : NAN;
}

double
sy_profile_layer_entropy_mean (const SyProfileRun *run,
                               int                 moe)
{
  const SyProfileLayer *l = &run->layers[moe];

  return l->entropy_count > 0 ? l->entropy_sum / l->entropy_count : NAN;
}

double
sy_profile_layer_imbalance (const SyProfileRun *run,
                            int                 moe)
{
  const SyProfileLayer *l = &run->layers[moe];
  int E = run->n_experts;
  double mean = 0, var = 0;

  for (int e = 0; e < E; e++)
    mean += l->expert_load[e];
  mean /= MAX (E, 1);
  if (mean <= 0)
    return NAN;
  for (int e = 0; e < E; e++)
    var += (l->expert_load[e] - mean) * (l->expert_load[e] - mean);
  return sqrt (var / E) / mean;
}

double
sy_profile_layer_max_over_mean (const SyProfileRun *run,
                                int                 moe)
{
  const SyProfileLayer *l = &run->layers[moe];
  int E = run->n_experts;
  double mean = 0, mx = 0;

  for (int e = 0; e < E; e++)
    {
      mean += l->expert_load[e];
      mx = MAX (mx, (double) l->expert_load[e]);
    }
  mean /= MAX (E, 1);
  return mean > 0 ? mx / mean : NAN;
}

double
sy_profile_group_avg_k (const SyProfileGroup *group)
{
  return group->tokens > 0 ? group->k_sum / group->tokens : NAN;
}

double
sy_profile_group_perplexity (const SyProfileGroup *group)
{
  return group->nll_count > 0 ? exp (group->nll_sum / group->nll_count) : NAN;
}

double
sy_profile_entropy_max (const SyProfile *self)
{
  return log (MAX (self->n_experts, 2));
}

static int
genre_rank (const char *id)
{
  const char * const *ids = sy_brown_genre_ids ();

  for (int i = 0; ids[i]; i++)
    if (strcmp (ids[i], id) == 0)
      return i;
  return 1000;
}

static GHashTable *sort_table;

static int
compare_genres (gconstpointer a,
                gconstpointer b)
{
  const char *x = *(const char * const *) a, *y = *(const char * const *) b;
  int rx = genre_rank (x), ry = genre_rank (y);

  return rx != ry ? rx - ry : strcmp (x, y);
}

static int
compare_pos (gconstpointer a,
             gconstpointer b)
{
  const char *x = *(const char * const *) a, *y = *(const char * const *) b;
  const SyProfileGroup *gx = g_hash_table_lookup (sort_table, x);
  const SyProfileGroup *gy = g_hash_table_lookup (sort_table, y);

  if (gx->tokens != gy->tokens)
    return gx->tokens > gy->tokens ? -1 : 1;
  return strcmp (x, y);
}

const char **
sy_profile_sorted_keys (GHashTable *table,
                        gboolean    genres,
                        int        *n_keys)
{
  guint n = 0;
  const char **keys = (const char **) g_hash_table_get_keys_as_array (table, &n);

  if (genres)
    qsort (keys, n, sizeof *keys, compare_genres);
  else
    {
      /* g_qsort_with_data would avoid the static, but needs glib 2.82 */
      static GMutex lock;

      g_mutex_lock (&lock);
      sort_table = table;
      qsort (keys, n, sizeof *keys, compare_pos);
      sort_table = NULL;
      g_mutex_unlock (&lock);
    }
  if (n_keys)
    *n_keys = (int) n;
  return keys;
}

/* ------------------------------------------------------------ JSON */

static json_object *
jnum (double v)
{
  return isfinite (v) ? json_object_new_double (v) : NULL;
}

/* ------------------------------------------------------------ experts */

static void
expert_token_clear (gpointer p)
{
  g_free (((SyProfileExpertToken *) p)->text);
}

static void
expert_group_clear (gpointer p)
{
  g_free (((SyProfileExpertGroup *) p)->name);
}

static SyProfileExpert *
expert_new (void)
{
  SyProfileExpert *x = g_new0 (SyProfileExpert, 1);

  x->top_tokens = g_array_new (FALSE, TRUE, sizeof (SyProfileExpertToken));
  g_array_set_clear_func (x->top_tokens, expert_token_clear);
  x->pos = g_array_new (FALSE, TRUE, sizeof (SyProfileExpertGroup));
  g_array_set_clear_func (x->pos, expert_group_clear);
  x->genres = g_array_new (FALSE, TRUE, sizeof (SyProfileExpertGroup));
  g_array_set_clear_func (x->genres, expert_group_clear);
  return x;
}

void
sy_profile_expert_free (SyProfileExpert *x)
{
  if (x == NULL)
    return;
  g_free (x->router);
  g_array_unref (x->top_tokens);
  g_array_unref (x->pos);
  g_array_unref (x->genres);
  g_free (x);
}

static int
cmp_expert_token (gconstpointer a,
                  gconstpointer b)
{
  const SyProfileExpertToken *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_expert_group (gconstpointer a,
                  gconstpointer b)
{
  const SyProfileExpertGroup *x = a, *y = b;

  if (x->layer_count != y->layer_count)
    return x->layer_count > y->layer_count ? -1 : 1;
  return g_strcmp0 (x->name, y->name);
}

static void
expert_groups (GHashTable *table,
               int         expert,
               int         n_experts,
               GArray     *out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const gint64 *row = value;
      SyProfileExpertGroup g = { g_strdup (key), row[expert], 0 };

      for (int e = 0; e < n_experts; e++)
        g.layer_count += row[e];
      g_array_append_val (out, g);
    }
  g_array_sort (out, cmp_expert_group);
}

static SyProfileExpert *
run_expert (const SyProfileRun *r,
            int                 moe,
            int                 expert)
{
  const SyProfileLayer *pl = &r->layers[moe];
  SyProfileExpert *x = expert_new ();
  g_autoptr (GArray) all = g_array_new (FALSE, TRUE, sizeof (SyProfileExpertToken));
  GHashTableIter iter;
  gpointer key, value;

  x->router = g_strdup (r->router);
  x->layer = pl->layer;
  x->moe = moe;
  x->expert = expert;
  x->n_experts = r->n_experts;
  x->assignments = pl->expert_load[expert];
  for (int e = 0; e < r->n_experts; e++)
    x->layer_assignments += pl->expert_load[e];
  g_hash_table_iter_init (&iter, pl->expert_tokens[expert]);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SyProfileExpertToken t = { GPOINTER_TO_INT (key), NULL, GPOINTER_TO_INT (value), 0 };

      g_array_append_val (all, t);
    }
  g_array_sort (all, cmp_expert_token);
  for (guint i = 0; i < MIN (all->len, SY_PROFILE_TOP_TOKENS); i++)
    {
      SyProfileExpertToken t = g_array_index (all, SyProfileExpertToken, i);
      const char *text = g_hash_table_lookup (r->token_text, GINT_TO_POINTER (t.id));

      t.text = g_strdup (text ? text : "");
      t.share = x->assignments > 0 ? (double) t.count / (double) x->assignments : 0;
      g_array_append_val (x->top_tokens, t);
    }
  expert_groups (pl->expert_pos, expert, r->n_experts, x->pos);
  expert_groups (pl->expert_genre, expert, r->n_experts, x->genres);
  return x;
}

SyProfileExpert *
sy_profile_get_expert (const SyProfile  *self,
                       int               run,
                       int               moe,
                       int               expert,
                       GError          **error)
{
  const SyProfileRun *r;

  g_return_val_if_fail (self != NULL, NULL);
  if (run < 0 || run >= (int) self->runs->len)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "profile: no run %d (it has %u)", run, self->runs->len);
      return NULL;
    }
  r = g_ptr_array_index (self->runs, run);
  if (moe < 0 || moe >= r->n_layers || expert < 0 || expert >= r->n_experts)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "profile: no expert %d in MoE layer %d (%d layers of %d experts)",
                   expert, moe, r->n_layers, r->n_experts);
      return NULL;
    }
  return run_expert (r, moe, expert);
}

static json_object *
expert_to_json (const SyProfileExpert *x)
{
  json_object *o = json_object_new_object ();
  json_object *top = json_object_new_array ();
  json_object *pos = json_object_new_object ();
  json_object *genres = json_object_new_object ();

  for (guint i = 0; i < x->top_tokens->len; i++)
    {
      const SyProfileExpertToken *t = &g_array_index (x->top_tokens, SyProfileExpertToken, i);
      json_object *to = json_object_new_object ();

      json_object_object_add (to, "text", json_object_new_string (t->text));
      json_object_object_add (to, "id", json_object_new_int (t->id));
      json_object_object_add (to, "count", json_object_new_int64 (t->count));
      json_object_object_add (to, "share", json_object_new_double (t->share));
      json_object_array_add (top, to);
    }
  for (guint i = 0; i < x->pos->len; i++)
    {
      const SyProfileExpertGroup *g = &g_array_index (x->pos, SyProfileExpertGroup, i);

      json_object_object_add (pos, g->name, json_object_new_int64 (g->count));
    }
  for (guint i = 0; i < x->genres->len; i++)
    {
      const SyProfileExpertGroup *g = &g_array_index (x->genres, SyProfileExpertGroup, i);

      json_object_object_add (genres, g->name, json_object_new_int64 (g->count));
    }
  json_object_object_add (o, "expert", json_object_new_int (x->expert));
  json_object_object_add (o, "assignments", json_object_new_int64 (x->assignments));
  json_object_object_add (o, "top_tokens", top);
  json_object_object_add (o, "pos", pos);
  json_object_object_add (o, "genres", genres);
  return o;
}

/* Reads the counts of an object of name -> count into groups; the layer's
 * counts are the sums over every expert's object. */
static gboolean
read_groups (json_object  *experts,
             const char   *member,
             int           expert,
             GArray       *out,
             GError      **error)
{
  g_autoptr (GHashTable) layer = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  json_object *mine = NULL;
  GHashTableIter iter;
  gpointer key, value;

  for (size_t e = 0; e < json_object_array_length (experts); e++)
    {
      json_object *xo = json_object_array_get_idx (experts, e), *groups = NULL;

      if (!json_object_object_get_ex (xo, member, &groups) || !json_object_is_type (groups, json_type_object))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "profile.json: expert %zu has no '%s' object", e, member);
          return FALSE;
        }
      if ((int) e == expert)
        mine = groups;
      json_object_object_foreach (groups, name, count)
        {
          gint64 *sum = g_hash_table_lookup (layer, name);

          if (sum == NULL)
            {
              sum = g_new0 (gint64, 1);
              g_hash_table_insert (layer, g_strdup (name), sum);
            }
          *sum += json_object_get_int64 (count);
        }
    }
  g_hash_table_iter_init (&iter, layer);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_object *count = NULL;
      SyProfileExpertGroup g = { g_strdup (key), 0, *(gint64 *) value };

      if (mine && json_object_object_get_ex (mine, key, &count))
        g.count = json_object_get_int64 (count);
      g_array_append_val (out, g);
    }
  g_array_sort (out, cmp_expert_group);
  return TRUE;
}

static gint64
json_int64_at (json_object *array,
               size_t       i)
{
  return json_object_get_int64 (json_object_array_get_idx (array, i));
}

/* @key of @o as a number; NaN where it is missing or null (jnum wrote a
 * number that was not finite) */
static double
json_num (json_object *o,
          const char  *key)
{
  json_object *v = NULL;

  if (o == NULL || !json_object_object_get_ex (o, key, &v) ||
      !(json_object_is_type (v, json_type_double) || json_object_is_type (v, json_type_int)))
    return NAN;
  return json_object_get_double (v);
}

/* A "time" object (op_names and "total") into @ops and @total. */
static void
read_times (json_object *o,
            double      *ops,
            double      *total)
{
  json_object *t = NULL;

  if (!json_object_object_get_ex (o, "time", &t) || !json_object_is_type (t, json_type_object))
    return;
  for (int op = 0; op < SY_N_OPS; op++)
    if (isfinite (json_num (t, op_names[op])))
      ops[op] = json_num (t, op_names[op]);
  if (isfinite (json_num (t, "total")))
    *total = json_num (t, "total");
}

/* "by_genre" or "by_pos" of a run: the groups back from their tokens,
 * mean K and (genres) perplexity, as sums over their tokens */
static void
read_run_groups (json_object *ro,
                 const char  *key,
                 GHashTable  *groups)
{
  json_object *o = NULL;

  if (!json_object_object_get_ex (ro, key, &o) || !json_object_is_type (o, json_type_object))
    return;
  json_object_object_foreach (o, name, go)
    {
      SyProfileGroup *g = g_new0 (SyProfileGroup, 1);
      double k = json_num (go, "avg_k"), ppl = json_num (go, "perplexity");

      g->tokens = (gint64) MAX (json_num (go, "tokens"), 0);
      g->k_sum = k * g->tokens;     /* NaN when not in the file */
      if (isfinite (ppl) && ppl > 0)
        {
          g->nll_count = g->tokens;
          g->nll_sum = log (ppl) * g->tokens;
        }
      g_hash_table_replace (groups, g_strdup (name), g);
    }
}

static void
read_sweep_point (json_object         *o,
                  SyProfileSweepPoint *p)
{
  json_object *v = NULL;

  p->p = json_num (o, "p");
  p->avg_k = json_num (o, "avg_k");
  p->perplexity = json_num (o, "perplexity");
  p->pareto = json_object_object_get_ex (o, "pareto", &v) && json_object_get_boolean (v);
}

SyProfile *
sy_profile_read_json (const char  *path,
                      GError     **error)
{
  g_autofree char *file = g_file_test (path, G_FILE_TEST_IS_DIR)
                          ? g_build_filename (path, "profile.json", NULL) : g_strdup (path);
  json_object *root = sy_json_load_file (file, error), *runs = NULL, *o = NULL;
  SyProfile *prof;
  int E;

  if (root == NULL)
    return NULL;
  if (!json_object_object_get_ex (root, "runs", &runs) || !json_object_is_type (runs, json_type_array) ||
      json_object_array_length (runs) == 0 || !json_object_object_get_ex (root, "n_experts", &o) ||
      (E = json_object_get_int (o)) <= 0 || E > 4096)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no runs or experts (not a profile.json)", file);
      json_object_put (root);
      return NULL;
    }
  prof = g_new0 (SyProfile, 1);
  prof->model = g_strdup (json_object_object_get_ex (root, "model", &o) ? json_object_get_string (o) : "?");
  prof->n_experts = E;
  prof->native_k = json_object_object_get_ex (root, "native_k", &o) ? json_object_get_int (o) : 0;
  prof->corpus_source = g_strdup (file);
  prof->chunking = g_strdup ("read from profile.json");
  prof->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  prof->sweep = g_array_new (FALSE, FALSE, sizeof (SyProfileSweepPoint));
  prof->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  if (json_object_object_get_ex (root, "corpus", &o))
    {
      json_object *v = NULL;

      if (json_object_object_get_ex (o, "kind", &v) && json_object_is_type (v, json_type_string))
        prof->corpus_kind = g_strdup (json_object_get_string (v));
      if (json_object_object_get_ex (o, "split", &v) && json_object_is_type (v, json_type_string))
        prof->split = g_strdup (json_object_get_string (v));
      if (json_object_object_get_ex (o, "max_tokens", &v))
        prof->max_tokens = json_object_get_int (v);
      if (json_object_object_get_ex (o, "truncated", &v))
        prof->n_truncated = json_object_get_int (v);
      if (json_object_object_get_ex (o, "texts", &v))
        prof->n_texts = json_object_get_int (v);
    }
  if (prof->corpus_kind == NULL)
    prof->corpus_kind = g_strdup ("profile.json");
  if (prof->split == NULL)
    prof->split = g_strdup ("all");
  if (json_object_object_get_ex (root, "sweep", &o) && json_object_is_type (o, json_type_array))
    for (size_t i = 0; i < json_object_array_length (o); i++)
      {
        SyProfileSweepPoint pt;

        read_sweep_point (json_object_array_get_idx (o, i), &pt);
        g_array_append_val (prof->sweep, pt);
      }
  if (json_object_object_get_ex (root, "sweep_native", &o) && json_object_is_type (o, json_type_object))
    {
      read_sweep_point (o, &prof->native_point);
      prof->native_point.p = NAN;
      prof->have_native_point = TRUE;
    }
  for (size_t i = 0; i < json_object_array_length (runs); i++)
    {
      json_object *ro = json_object_array_get_idx (runs, i), *layers = NULL;
      SyProfileRun *r;
      int L;

      if (!json_object_object_get_ex (ro, "layers", &layers) || !json_object_is_type (layers, json_type_array))
        continue;
      L = (int) json_object_array_length (layers);
      if (prof->runs->len > 0 && L != prof->n_layers)
        continue;
      prof->n_layers = L;
      r = run_new (json_object_object_get_ex (ro, "router", &o) ? json_object_get_string (o) : "?", L, E);
      if (json_object_object_get_ex (ro, "texts", &o))
        r->texts = json_object_get_int (o);
      if (json_object_object_get_ex (ro, "tokens", &o))
        r->tokens = json_object_get_int64 (o);
      /* the sums the derived numbers come from, back from them */
      {
        double k = json_num (ro, "avg_k"), ppl = json_num (ro, "perplexity");
        double tagged_k = json_num (ro, "tagged_avg_k"), params = json_num (ro, "activated_params_per_token");

        r->k_sum = k * r->tokens * L;    /* NaN when not in the file */
        if (isfinite (ppl) && ppl > 0)
          {
            r->nll_count = r->tokens;
            r->nll_sum = log (ppl) * r->tokens;
          }
        r->tagged_tokens = (gint64) MAX (json_num (ro, "tagged_tokens"), 0);
        r->tagged_k_sum = tagged_k * r->tagged_tokens;
        if (isfinite (json_num (ro, "flops")))
          r->flops = json_num (ro, "flops");
        if (isfinite (params))
          r->activated_params_sum = params * r->tokens;
        read_times (ro, r->op_time_s, &r->total_time_s);
        read_run_groups (ro, "by_genre", r->by_genre);
        read_run_groups (ro, "by_pos", r->by_pos);
      }
      for (int l = 0; l < L; l++)
        {
          json_object *lo = json_object_array_get_idx (layers, l), *a = NULL;
          SyProfileLayer *pl = &r->layers[l];

          pl->layer = json_object_object_get_ex (lo, "layer", &o) ? json_object_get_int (o) : l;
          pl->moe = l;
          if (json_object_object_get_ex (lo, "expert_load", &a) && json_object_is_type (a, json_type_array))
            for (int e = 0; e < E && e < (int) json_object_array_length (a); e++)
              pl->expert_load[e] = json_int64_at (a, e);
          if (json_object_object_get_ex (lo, "coactivation", &a) && json_object_is_type (a, json_type_array))
            for (int e = 0; e < E && e < (int) json_object_array_length (a); e++)
              {
                json_object *row = json_object_array_get_idx (a, e);

                if (json_object_is_type (row, json_type_array))
                  for (int f = 0; f < E && f < (int) json_object_array_length (row); f++)
                    pl->coactivation[(gsize) e * E + f] = json_int64_at (row, f);
              }
          if (json_object_object_get_ex (lo, "entropy_hist", &a) && json_object_is_type (a, json_type_array))
            for (int b = 0; b < SY_PROFILE_ENTROPY_BINS && b < (int) json_object_array_length (a); b++)
              {
                pl->entropy_hist[b] = json_int64_at (a, b);
                pl->entropy_count += pl->entropy_hist[b];
              }
          pl->k_sum = json_num (lo, "avg_k") * r->tokens;
          pl->entropy_sum = json_num (lo, "entropy_mean") * pl->entropy_count;
          read_times (lo, pl->op_time_s, &pl->time_s);
        }
      g_ptr_array_add (prof->runs, r);
    }
  json_object_put (root);
  if (prof->runs->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no run has layers", file);
      sy_profile_free (prof);
      return NULL;
    }
  return prof;
}

SyProfileExpert *
sy_profile_read_expert (const char  *path,
                        const char  *router,
                        int          moe,
                        int          expert,
                        GError     **error)
{
  g_autofree char *file = g_file_test (path, G_FILE_TEST_IS_DIR)
                          ? g_build_filename (path, "profile.json", NULL) : g_strdup (path);
  json_object *root = sy_json_load_file (file, error), *runs = NULL, *run = NULL;
  json_object *layers = NULL, *lo = NULL, *experts = NULL, *xo = NULL, *load = NULL, *top = NULL;
  g_autoptr (SyProfileExpert) x = NULL;

  if (root == NULL)
    return NULL;
  if (!json_object_object_get_ex (root, "runs", &runs) || !json_object_is_type (runs, json_type_array) ||
      json_object_array_length (runs) == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no runs (not a profile.json)", file);
      goto fail;
    }
  for (size_t i = 0; i < json_object_array_length (runs) && run == NULL; i++)
    {
      json_object *ro = json_object_array_get_idx (runs, i), *name = NULL;

      if (router == NULL ||
          (json_object_object_get_ex (ro, "router", &name) && g_strcmp0 (json_object_get_string (name), router) == 0))
        run = ro;
    }
  if (run == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no run of router '%s'", file, router);
      goto fail;
    }
  if (!json_object_object_get_ex (run, "layers", &layers) || !json_object_is_type (layers, json_type_array) ||
      moe < 0 || moe >= (int) json_object_array_length (layers))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no MoE layer %d", file, moe);
      goto fail;
    }
  lo = json_object_array_get_idx (layers, moe);
  if (!json_object_object_get_ex (lo, "experts", &experts) || !json_object_is_type (experts, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: layer %d has no 'experts' (a profile from before expert cards: run it again)", file, moe);
      goto fail;
    }
  if (expert < 0 || expert >= (int) json_object_array_length (experts) ||
      !json_object_object_get_ex (lo, "expert_load", &load) || !json_object_is_type (load, json_type_array) ||
      json_object_array_length (load) != json_object_array_length (experts))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no expert %d in MoE layer %d", file, expert, moe);
      goto fail;
    }
  x = expert_new ();
  x->router = g_strdup (json_object_get_string (json_object_object_get (run, "router")));
  x->layer = json_object_get_int (json_object_object_get (lo, "layer"));
  x->moe = moe;
  x->expert = expert;
  x->n_experts = (int) json_object_array_length (experts);
  for (int e = 0; e < x->n_experts; e++)
    x->layer_assignments += json_object_get_int64 (json_object_array_get_idx (load, e));
  x->assignments = json_object_get_int64 (json_object_array_get_idx (load, expert));
  xo = json_object_array_get_idx (experts, expert);
  if (!json_object_object_get_ex (xo, "top_tokens", &top) || !json_object_is_type (top, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: expert %d has no 'top_tokens'", file, expert);
      goto fail;
    }
  for (size_t i = 0; i < json_object_array_length (top); i++)
    {
      json_object *to = json_object_array_get_idx (top, i);
      SyProfileExpertToken t = { 0, };

      t.id = json_object_get_int (json_object_object_get (to, "id"));
      t.text = g_strdup (json_object_get_string (json_object_object_get (to, "text")));
      t.count = json_object_get_int64 (json_object_object_get (to, "count"));
      t.share = json_object_get_double (json_object_object_get (to, "share"));
      if (t.text == NULL)
        t.text = g_strdup ("");
      g_array_append_val (x->top_tokens, t);
    }
  if (!read_groups (experts, "pos", expert, x->pos, error) ||
      !read_groups (experts, "genres", expert, x->genres, error))
    goto fail;
  json_object_put (root);
  return g_steal_pointer (&x);

fail:
  json_object_put (root);
  return NULL;
}

static json_object *
run_to_json (const SyProfile    *self,
             const SyProfileRun *r)
{
  json_object *o = json_object_new_object ();
  json_object *layers = json_object_new_array ();
  json_object *genres = json_object_new_object ();
  json_object *pos = json_object_new_object ();
  json_object *time = json_object_new_object ();
  json_object *range = json_object_new_array ();
  g_autofree const char **gk = NULL, **pk = NULL;
  int ng = 0, np = 0, E = r->n_experts;

  json_object_object_add (o, "router", json_object_new_string (r->router));
  json_object_object_add (o, "texts", json_object_new_int (r->texts));
  json_object_object_add (o, "tokens", json_object_new_int64 (r->tokens));
  json_object_object_add (o, "perplexity", jnum (sy_profile_run_perplexity (r)));
  json_object_object_add (o, "avg_k", jnum (sy_profile_run_avg_k (r)));
  json_object_object_add (o, "tagged_tokens", json_object_new_int64 (r->tagged_tokens));
  json_object_object_add (o, "tagged_avg_k", jnum (sy_profile_run_tagged_avg_k (r)));
  json_object_object_add (o, "flops", jnum (r->flops));
  json_object_object_add (o, "flops_per_token", jnum (r->tokens ? r->flops / r->tokens : NAN));
  json_object_object_add (o, "activated_params_per_token",
                          jnum (r->tokens ? r->activated_params_sum / r->tokens : NAN));
  json_object_array_add (range, json_object_new_double (0));
  json_object_array_add (range, json_object_new_double (sy_profile_entropy_max (self)));
  json_object_object_add (o, "entropy_hist_range", range);

  for (int l = 0; l < r->n_layers; l++)
    {
      const SyProfileLayer *pl = &r->layers[l];
      json_object *lo = json_object_new_object ();
      json_object *load = json_object_new_array ();
      json_object *co = json_object_new_array ();
      json_object *hist = json_object_new_array ();
      json_object *lt = json_object_new_object ();

      for (int e = 0; e < E; e++)
        {
          json_object *row = json_object_new_array ();

          json_object_array_add (load, json_object_new_int64 (pl->expert_load[e]));
          for (int f = 0; f < E; f++)
            json_object_array_add (row, json_object_new_int64 (pl->coactivation[(gsize) e * E + f]));
          json_object_array_add (co, row);
        }
      for (int b = 0; b < SY_PROFILE_ENTROPY_BINS; b++)
        json_object_array_add (hist, json_object_new_int64 (pl->entropy_hist[b]));
      for (int op = 0; op < SY_N_OPS; op++)
        json_object_object_add (lt, op_names[op], json_object_new_double (pl->op_time_s[op]));
      json_object_object_add (lt, "total", json_object_new_double (pl->time_s));
      json_object_object_add (lo, "layer", json_object_new_int (pl->layer));
      json_object_object_add (lo, "moe", json_object_new_int (pl->moe));
      json_object_object_add (lo, "expert_load", load);
      json_object_object_add (lo, "avg_k", jnum (sy_profile_layer_avg_k (r, l)));
      json_object_object_add (lo, "entropy_mean", jnum (sy_profile_layer_entropy_mean (r, l)));
      json_object_object_add (lo, "entropy_hist", hist);
      json_object_object_add (lo, "imbalance_cv", jnum (sy_profile_layer_imbalance (r, l)));
      json_object_object_add (lo, "max_over_mean", jnum (sy_profile_layer_max_over_mean (r, l)));
      json_object_object_add (lo, "coactivation", co);
      json_object_object_add (lo, "time", lt);
      {
        json_object *experts = json_object_new_array ();

        for (int e = 0; e < E; e++)
          {
            g_autoptr (SyProfileExpert) x = run_expert (r, l, e);

            json_object_array_add (experts, expert_to_json (x));
          }
        json_object_object_add (lo, "experts", experts);
      }
      json_object_array_add (layers, lo);
    }
  json_object_object_add (o, "layers", layers);

  gk = sy_profile_sorted_keys (r->by_genre, TRUE, &ng);
  for (int i = 0; i < ng; i++)
    {
      const SyProfileGroup *g = g_hash_table_lookup (r->by_genre, gk[i]);
      json_object *go = json_object_new_object ();
      const char *name = sy_brown_genre_name (gk[i]);

      json_object_object_add (go, "tokens", json_object_new_int64 (g->tokens));
      json_object_object_add (go, "avg_k", jnum (sy_profile_group_avg_k (g)));
      json_object_object_add (go, "perplexity", jnum (sy_profile_group_perplexity (g)));
      if (name && g_strcmp0 (self->corpus_kind, "brown") == 0)
        json_object_object_add (go, "name", json_object_new_string (name));
      json_object_object_add (genres, gk[i], go);
    }
  json_object_object_add (o, "by_genre", genres);

  pk = sy_profile_sorted_keys (r->by_pos, FALSE, &np);
  for (int i = 0; i < np; i++)
    {
      const SyProfileGroup *g = g_hash_table_lookup (r->by_pos, pk[i]);
      json_object *po = json_object_new_object ();

      json_object_object_add (po, "tokens", json_object_new_int64 (g->tokens));
      json_object_object_add (po, "avg_k", jnum (sy_profile_group_avg_k (g)));
      json_object_object_add (pos, pk[i], po);
    }
  json_object_object_add (o, "by_pos", pos);

  for (int op = 0; op < SY_N_OPS; op++)
    json_object_object_add (time, op_names[op], json_object_new_double (r->op_time_s[op]));
  json_object_object_add (time, "total", json_object_new_double (r->total_time_s));
  json_object_object_add (o, "time", time);
  return o;
}

static json_object *
point_to_json (const SyProfileSweepPoint *p,
               gboolean                   with_pareto)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "p", jnum (p->p));
  json_object_object_add (o, "avg_k", jnum (p->avg_k));
  json_object_object_add (o, "perplexity", jnum (p->perplexity));
  if (with_pareto)
    json_object_object_add (o, "pareto", json_object_new_boolean (p->pareto));
  return o;
}

char *
sy_profile_to_json (const SyProfile *self)
{
  json_object *root = json_object_new_object ();
  json_object *runs = json_object_new_array ();
  json_object *sweep = json_object_new_array ();
  json_object *corpus = json_object_new_object ();
  char *out;

  json_object_object_add (root, "model", json_object_new_string (self->model));
  json_object_object_add (corpus, "kind", json_object_new_string (self->corpus_kind));
  json_object_object_add (corpus, "source", json_object_new_string (self->corpus_source));
  json_object_object_add (corpus, "split", json_object_new_string (self->split));
  json_object_object_add (corpus, "texts", json_object_new_int (self->n_texts));
  json_object_object_add (corpus, "max_tokens", json_object_new_int (self->max_tokens));
  json_object_object_add (corpus, "truncated", json_object_new_int (self->n_truncated));
  json_object_object_add (corpus, "chunking", json_object_new_string (self->chunking));
  json_object_object_add (root, "corpus", corpus);
  json_object_object_add (root, "n_experts", json_object_new_int (self->n_experts));
  json_object_object_add (root, "native_k", json_object_new_int (self->native_k));
  for (guint i = 0; i < self->runs->len; i++)
    json_object_array_add (runs, run_to_json (self, g_ptr_array_index (self->runs, i)));
  json_object_object_add (root, "runs", runs);
  for (guint i = 0; i < self->sweep->len; i++)
    json_object_array_add (sweep, point_to_json (&g_array_index (self->sweep, SyProfileSweepPoint, i), TRUE));
  json_object_object_add (root, "sweep", sweep);
  if (self->have_native_point)
    {
      json_object *n = point_to_json (&self->native_point, FALSE);

      json_object_object_del (n, "p");
      json_object_object_add (n, "router", json_object_new_string ("native"));
      json_object_object_add (root, "sweep_native", n);
    }
  out = g_strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return out;
}

static gboolean
write_file (const char  *path,
            const char  *contents,
            gssize       len,
            GError     **error)
{
  GError *local = NULL;

  if (!g_file_set_contents (path, contents, len, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_profile_write_json (const SyProfile  *self,
                       const char       *path,
                       GError          **error)
{
  g_autofree char *s = sy_profile_to_json (self);

  return write_file (path, s, -1, error);
}

/* ------------------------------------------------------------ CSV */

static void
csv_str (GString    *s,
         const char *v)
{
  if (v == NULL)
    return;
  if (strpbrk (v, ",\"\n\r") == NULL)
    {
      g_string_append (s, v);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = v; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static void
csv_num (GString *s,
         double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

static gboolean
csv_write (const char  *dir,
           const char  *name,
           GString     *s,
           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gboolean ok = write_file (path, s->str, (gssize) s->len, error);

  g_string_free (s, TRUE);
  return ok;
}

gboolean
sy_profile_write_csv (const SyProfile  *self,
                      const char       *dir,
                      GError          **error)
{
  GString *runs = g_string_new ("router,texts,tokens,perplexity,avg_k,tagged_tokens,tagged_avg_k,flops,time_s\n");
  GString *layers = g_string_new ("router,layer,moe,avg_k,entropy_mean,imbalance_cv,max_over_mean,time_s\n");
  GString *load = g_string_new ("router,layer,moe,expert,load\n");
  GString *xtok = g_string_new ("router,layer,moe,expert,rank,id,text,count,share\n");
  GString *co = g_string_new ("router,layer,moe,expert_a,expert_b,tokens\n");
  GString *ent = g_string_new ("router,layer,moe,bin_from,bin_to,tokens\n");
  GString *genre = g_string_new ("router,genre,name,tokens,avg_k,perplexity\n");
  GString *pos = g_string_new ("router,pos,tokens,avg_k\n");
  GString *time = g_string_new ("router,op,time_s\n");
  GString *ltime = g_string_new ("router,layer,moe,op,time_s\n");
  GString *sweep = g_string_new ("p,avg_k,perplexity,pareto\n");
  double emax = sy_profile_entropy_max (self);
  gboolean ok;

  for (guint i = 0; i < self->runs->len; i++)
    {
      const SyProfileRun *r = g_ptr_array_index (self->runs, i);
      g_autofree const char **gk = NULL, **pk = NULL;
      int ng = 0, np = 0;

      csv_str (runs, r->router);
      csv_num (runs, r->texts);
      csv_num (runs, (double) r->tokens);
      csv_num (runs, sy_profile_run_perplexity (r));
      csv_num (runs, sy_profile_run_avg_k (r));
      csv_num (runs, (double) r->tagged_tokens);
      csv_num (runs, sy_profile_run_tagged_avg_k (r));
      csv_num (runs, r->flops);
      csv_num (runs, r->total_time_s);
      g_string_append_c (runs, '\n');

      for (int l = 0; l < r->n_layers; l++)
        {
          const SyProfileLayer *pl = &r->layers[l];

          csv_str (layers, r->router);
          csv_num (layers, pl->layer);
          csv_num (layers, pl->moe);
          csv_num (layers, sy_profile_layer_avg_k (r, l));
          csv_num (layers, sy_profile_layer_entropy_mean (r, l));
          csv_num (layers, sy_profile_layer_imbalance (r, l));
          csv_num (layers, sy_profile_layer_max_over_mean (r, l));
          csv_num (layers, pl->time_s);
          g_string_append_c (layers, '\n');
          for (int e = 0; e < r->n_experts; e++)
            {
              csv_str (load, r->router);
              csv_num (load, pl->layer);
              csv_num (load, pl->moe);
              csv_num (load, e);
              csv_num (load, (double) pl->expert_load[e]);
              g_string_append_c (load, '\n');
              {
                g_autoptr (SyProfileExpert) x = run_expert (r, l, e);

                for (guint rank = 0; rank < x->top_tokens->len; rank++)
                  {
                    const SyProfileExpertToken *t = &g_array_index (x->top_tokens, SyProfileExpertToken, rank);

                    csv_str (xtok, r->router);
                    csv_num (xtok, pl->layer);
                    csv_num (xtok, pl->moe);
                    csv_num (xtok, e);
                    csv_num (xtok, rank + 1);
                    csv_num (xtok, t->id);
                    g_string_append_c (xtok, ',');
                    csv_str (xtok, t->text);
                    csv_num (xtok, (double) t->count);
                    csv_num (xtok, t->share);
                    g_string_append_c (xtok, '\n');
                  }
              }
              for (int f = 0; f < r->n_experts; f++)
                {
                  csv_str (co, r->router);
                  csv_num (co, pl->layer);
                  csv_num (co, pl->moe);
                  csv_num (co, e);
                  csv_num (co, f);
                  csv_num (co, (double) pl->coactivation[(gsize) e * r->n_experts + f]);
                  g_string_append_c (co, '\n');
                }
            }
          for (int b = 0; b < SY_PROFILE_ENTROPY_BINS; b++)
            {
              csv_str (ent, r->router);
              csv_num (ent, pl->layer);
              csv_num (ent, pl->moe);
              csv_num (ent, emax * b / SY_PROFILE_ENTROPY_BINS);
              csv_num (ent, emax * (b + 1) / SY_PROFILE_ENTROPY_BINS);
              csv_num (ent, (double) pl->entropy_hist[b]);
              g_string_append_c (ent, '\n');
            }
          for (int op = 0; op < SY_N_OPS; op++)
            {
              csv_str (ltime, r->router);
              csv_num (ltime, pl->layer);
              csv_num (ltime, pl->moe);
              g_string_append_printf (ltime, ",%s", op_names[op]);
              csv_num (ltime, pl->op_time_s[op]);
              g_string_append_c (ltime, '\n');
            }
        }

      gk = sy_profile_sorted_keys (r->by_genre, TRUE, &ng);
      for (int k = 0; k < ng; k++)
        {
          const SyProfileGroup *g = g_hash_table_lookup (r->by_genre, gk[k]);

          csv_str (genre, r->router);
          g_string_append_c (genre, ',');
          csv_str (genre, gk[k]);
          g_string_append_c (genre, ',');
          csv_str (genre, sy_brown_genre_name (gk[k]));
          csv_num (genre, (double) g->tokens);
          csv_num (genre, sy_profile_group_avg_k (g));
          csv_num (genre, sy_profile_group_perplexity (g));
          g_string_append_c (genre, '\n');
        }
      pk = sy_profile_sorted_keys (r->by_pos, FALSE, &np);
      for (int k = 0; k < np; k++)
        {
          const SyProfileGroup *g = g_hash_table_lookup (r->by_pos, pk[k]);

          csv_str (pos, r->router);
          g_string_append_c (pos, ',');
          csv_str (pos, pk[k]);
          csv_num (pos, (double) g->tokens);
          csv_num (pos, sy_profile_group_avg_k (g));
          g_string_append_c (pos, '\n');
        }
      for (int op = 0; op < SY_N_OPS; op++)
        {
          csv_str (time, r->router);
          g_string_append_printf (time, ",%s", op_names[op]);
          csv_num (time, r->op_time_s[op]);
          g_string_append_c (time, '\n');
        }
      csv_str (time, r->router);
      g_string_append (time, ",total");
      csv_num (time, r->total_time_s);
      g_string_append_c (time, '\n');
    }
  for (guint i = 0; i < self->sweep->len; i++)
    {
      const SyProfileSweepPoint *p = &g_array_index (self->sweep, SyProfileSweepPoint, i);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (sweep, g_ascii_formatd (buf, sizeof buf, "%.6g", p->p));
      csv_num (sweep, p->avg_k);
      csv_num (sweep, p->perplexity);
      g_string_append (sweep, p->pareto ? ",true\n" : ",false\n");
    }
  if (self->have_native_point)
    {
      g_string_append (sweep, "native");
      csv_num (sweep, self->native_point.avg_k);
      csv_num (sweep, self->native_point.perplexity);
      g_string_append (sweep, ",\n");
    }

  {
    const char *names[] = { "runs.csv", "layers.csv", "expert_load.csv", "coactivation.csv",
                            "entropy.csv", "by_genre.csv", "by_pos.csv", "time.csv",
                            "layer_time.csv", "sweep.csv", "expert_tokens.csv" };
    GString *all[] = { runs, layers, load, co, ent, genre, pos, time, ltime, sweep, xtok };

    ok = TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
      {
        if (ok)
          ok = csv_write (dir, names[i], all[i], error);
        else
          g_string_free (all[i], TRUE);
      }
  }
  return ok;
}

/* ------------------------------------------------------------ Chrome trace */

static void
json_escape (GString    *s,
             const char *v)
{
  g_string_append_c (s, '"');
  for (const char *p = v ? v : ""; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (s, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (s, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

/* One complete event; times in integer nanoseconds, written in µs. */
static void
event_x (GString    *s,
         gboolean   *first,
         const char *name,
         const char *cat,
         gint64      ts_ns,
         gint64      dur_ns,
         int         tid,
         const char *args)
{
  if (!*first)
    g_string_append (s, ",\n");
  *first = FALSE;
  g_string_append (s, "{\"name\":");
  json_escape (s, name);
  g_string_append_printf (s, ",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%" G_GINT64_FORMAT ".%03d,"
                          "\"dur\":%" G_GINT64_FORMAT ".%03d,\"pid\":1,\"tid\":%d",
                          cat, ts_ns / 1000, (int) (ts_ns % 1000), dur_ns / 1000,
                          (int) (dur_ns % 1000), tid);
  if (args)
    g_string_append_printf (s, ",\"args\":%s", args);
  g_string_append_c (s, '}');
}

char *
sy_profile_to_chrome_trace (const SyProfile *self)
{
  GString *s = g_string_new ("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
  gboolean first = TRUE;
  int n_runs = 0;

  g_string_append (s, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
                      "\"args\":{\"name\":");
  {
    g_autofree char *pn = g_strdup_printf ("switchyard profile: %s", self->model);

    json_escape (s, pn);
  }
  g_string_append (s, "}}");
  first = FALSE;
  for (guint i = 0; i < self->runs->len; i++)
    {
      const SyProfileRun *r = g_ptr_array_index (self->runs, i);

      g_string_append_printf (s, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                                 "\"args\":{\"name\":", i + 1);
      json_escape (s, r->router);
      g_string_append (s, "}}");
      n_runs++;
    }

  for (guint i = 0; i < self->events->len; i++)
    {
      const SyProfileEvent *e = g_ptr_array_index (self->events, i);
      int tid = e->run + 1;
      gint64 t0 = (gint64) llround (e->start_s * 1e9);
      gint64 tot = MAX ((gint64) llround (e->total_s * 1e9), 1);
      gint64 end = t0 + tot, cur = t0;
      g_autofree char *args = NULL;
      GString *a = g_string_new ("{\"tokens\":");

      if (e->run >= n_runs)
        {
          g_string_free (a, TRUE);
          continue;
        }
      g_string_append_printf (a, "%d,\"genre\":", e->tokens);
      json_escape (a, e->genre ? e->genre : "");
      g_string_append_c (a, '}');
      args = g_string_free (a, FALSE);
      event_x (s, &first, e->name, "text", t0, tot, tid, args);

      for (int l = 0; l < self->n_layers && cur < end; l++)
        {
          gint64 ld = MIN ((gint64) llround (e->layer_s[l] * 1e9), end - cur);
          gint64 lend = cur + ld, oc = cur;
          g_autofree char *ln = g_strdup_printf ("layer %d", l);

          if (ld <= 0)
            continue;
          event_x (s, &first, ln, "layer", cur, ld, tid, NULL);
          for (int op = 0; op < SY_N_OPS && oc < lend; op++)
            {
              gint64 od = MIN ((gint64) llround (e->layer_op_s[(gsize) l * SY_N_OPS + op] * 1e9),
                               lend - oc);

              if (od <= 0)
                continue;
              event_x (s, &first, op_names[op], "op", oc, od, tid, NULL);
              oc += od;
            }
          cur = lend;
        }
      {
        gint64 hd = MIN ((gint64) llround (e->lm_head_s * 1e9), end - cur);

        if (hd > 0)
          event_x (s, &first, "lm_head", "op", cur, hd, tid, NULL);
      }
    }
  g_string_append (s, "\n]}\n");
  return g_string_free (s, FALSE);
}

gboolean
sy_profile_write_chrome_trace (const SyProfile  *self,
                               const char       *path,
                               GError          **error)
{
  g_autofree char *s = sy_profile_to_chrome_trace (self);

  return write_file (path, s, -1, error);
}

gboolean
sy_profile_write_dir (const SyProfile  *self,
                      const char       *dir,
                      GError          **error)
{
  g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
  g_autofree char *trace = g_build_filename (dir, "trace.json", NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot create the folder: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  return sy_profile_write_json (self, json, error) &&
         sy_profile_write_csv (self, dir, error) &&
         sy_profile_write_chrome_trace (self, trace, error);
}

/* ---- profiles of recorded traces (sy_profile_from_traces) ---- */

static int
cmp_str (gconstpointer a,
         gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

SyProfile *
sy_profile_from_traces (const char                 *dir,
                        const SyRouterSpec * const *specs,
                        int                         n_specs,
                        GError                    **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_trace_file_free);
  g_autoptr (SyProfile) prof = NULL;
  g_autoptr (GError) local = NULL;
  const SyRouterSpec *recorded[1] = { NULL };
  const SyTrace *first;
  const char *name;
  int max_t = 0;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", dir, local->message);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, cmp_str);
  for (guint i = 0; i < names->len; i++)
    {
      SyTraceFile *tf = sy_trace_file_load (g_ptr_array_index (names, i), error);

      if (tf == NULL)
        return NULL;
      g_ptr_array_add (files, tf);
    }
  if (files->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: no trace files (*.json) in the folder", dir);
      return NULL;
    }
  first = ((SyTraceFile *) g_ptr_array_index (files, 0))->trace;
  for (guint i = 0; i < files->len; i++)
    {
      const SyTrace *t = ((SyTraceFile *) g_ptr_array_index (files, i))->trace;
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (names, i));

      if (t->n_experts != first->n_experts || t->n_moe_layers != first->n_moe_layers)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                       "%s: %d MoE layers of %d experts, unlike the first trace (%d of %d): "
                       "profile traces of one model", base, t->n_moe_layers, t->n_experts,
                       first->n_moe_layers, first->n_experts);
          return NULL;
        }
      max_t = MAX (max_t, t->n_tokens);
    }
  if (n_specs < 1)
    {
      specs = recorded;
      n_specs = 1;
    }

  prof = g_new0 (SyProfile, 1);
  prof->model = g_strdup (first->model ? first->model : "?");
  prof->n_experts = first->n_experts;
  prof->native_k = first->native_k;
  prof->n_layers = first->n_moe_layers;
  prof->corpus_kind = g_strdup ("traces");
  prof->corpus_source = g_strdup (dir);
  prof->split = g_strdup ("all");
  prof->max_tokens = max_t;
  prof->n_texts = (int) files->len;
  prof->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  prof->sweep = g_array_new (FALSE, FALSE, sizeof (SyProfileSweepPoint));
  prof->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  prof->chunking = g_strdup_printf ("%u recorded trace files, one text each; policies re-applied "
                                    "to the recorded router output of every layer (later layers "
                                    "not re-run)", files->len);

  for (int s = 0; s < n_specs; s++)
    {
      g_autofree char *rname = specs[s] ? sy_router_spec_to_string (specs[s])
                                        : g_strdup ("recorded");
      SyProfileRun *r = run_new (rname, prof->n_layers, prof->n_experts);

      g_ptr_array_add (prof->runs, r);
      for (guint i = 0; i < files->len; i++)
        {
          const SyTraceFile *tf = g_ptr_array_index (files, i);
          g_autoptr (SyTrace) trace = sy_trace_file_apply (tf, specs[s], error);
          SyCorpusText chunk = { 0, };

          if (trace == NULL)
            {
              g_autofree char *base = g_path_get_basename (g_ptr_array_index (names, i));

              g_prefix_error (error, "%s: ", base);
              return NULL;
            }
          /* unknown costs count as none */
          if (!isfinite (trace->flops))
            trace->flops = 0;
          if (!isfinite (trace->activated_params))
            trace->activated_params = 0;
          chunk.name = g_ptr_array_index (names, i);
          chunk.genre = tf->source;
          accumulate (r, trace, &chunk, NULL, log (MAX (prof->n_experts, 2)));
        }
    }
  return g_steal_pointer (&prof);
}
