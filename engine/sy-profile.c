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
#include "sy-profile-private.h"
#include "sy-session.h"
#include "sy-trace-file.h"

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
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "sweep '%s': expected p=FROM:TO:STEP, e.g. p=0.1:0.9:0.1", text);
  if (!(a > 0 && a <= b && b <= 1 && c > 0))
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "sweep '%s': need 0 < FROM <= TO <= 1 and STEP > 0", text);
  if ((b - a) / c > 1000)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "sweep '%s': more than 1000 points", text);
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

SyProfileRun *
_sy_profile_run_new (const char *router,
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
      r->layers[l].card_missing = g_new0 (const char *, MAX (n_experts, 1));
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
      g_free (r->layers[l].card_missing);
    }
  g_hash_table_unref (r->token_text);
  g_free (r->layers);
  g_hash_table_unref (r->by_genre);
  g_hash_table_unref (r->by_pos);
  g_free (r->router);
  g_free (r);
}

static void
event_clear (gpointer p)
{
  SyProfileEvent *e = p;

  g_free (e->name);
  g_free (e->genre);
  g_free (e->layers);
}

SyProfile *
_sy_profile_new (void)
{
  SyProfile *prof = g_new0 (SyProfile, 1);

  prof->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  prof->sweep = g_array_new (FALSE, FALSE, sizeof (SyProfileSweepPoint));
  prof->events = g_array_new (FALSE, TRUE, sizeof (SyProfileEvent));
  g_array_set_clear_func (prof->events, event_clear);
  return prof;
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
  g_array_unref (self->events);
  g_free (self);
}

/* The gint64[E] row of @key in @table, made on first use. */
gint64 *
_sy_profile_expert_row (GHashTable *table,
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

/* @trace's routing of @chunk into @r; @word_of maps its tokens to the
 * chunk's words (or NULL). */
static void
accumulate (SyProfileRun       *r,
            const SyTrace      *trace,
            const SyCorpusText *chunk,
            const int          *word_of)
{
  int T = trace->n_tokens, E = r->n_experts, L = MIN (r->n_layers, trace->n_moe_layers);
  double ln_e = log (MAX (E, 2));   /* the largest entropy */
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
      gint64 *genre_row = _sy_profile_expert_row (pl->expert_genre, chunk->genre ? chunk->genre : "unknown", E);

      for (int t = 0; t < T; t++)
        {
          const int *ex = tl->experts + (gsize) t * E;
          int k = tl->k[t];
          gint64 *pos_row = chunk->pos && word_of && word_of[t] >= 0
                            ? _sy_profile_expert_row (pl->expert_pos, chunk->pos[word_of[t]], E) : NULL;
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

  if (!sy_session_set_router (session, spec, error))
    return NULL;
  name = sy_router_spec_to_string (sy_session_get_router (session));
  r = _sy_profile_run_new (name, prof->n_layers, prof->n_experts);
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
      accumulate (r, trace, chunk, word_of);

      if (record)
        {
          SyProfileEvent *e;
          int L = MIN (prof->n_layers, trace->n_moe_layers);

          g_array_set_size (prof->events, prof->events->len + 1);
          e = &g_array_index (prof->events, SyProfileEvent, prof->events->len - 1);
          e->run = run_index;
          e->name = g_strdup (chunk->name);
          e->genre = g_strdup (chunk->genre);
          e->tokens = view.n;
          e->start_s = start;
          e->total_s = trace->total_time_s;
          e->lm_head_s = trace->op_time_s[SY_OP_LM_HEAD];
          e->layers = g_new0 (SyProfileLayerTime, MAX (prof->n_layers, 1));
          for (int l = 0; l < L; l++)
            {
              e->layers[l].total_s = trace->layers[l].time_s;
              memcpy (e->layers[l].op_s, trace->layers[l].op_time_s, sizeof e->layers[l].op_s);
            }
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

  prof = _sy_profile_new ();
  prof->model = g_strdup (info->name);
  prof->n_experts = info->n_experts;
  prof->native_k = info->native_k;
  prof->n_layers = info->n_moe_layers;
  prof->corpus_kind = g_strdup (corpus->kind);
  prof->corpus_source = g_strdup (corpus->source);
  prof->split = g_strdup (sy_corpus_split_name (corpus->split));
  prof->max_tokens = options->max_tokens > 0 ? options->max_tokens : 256;
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
                   "%s: the corpus gives no text to profile", corpus->source);
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
  pr.func = options->progress;
  pr.user_data = options->user_data;
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

/* The mean over experts of @moe's expert_load; the largest in @max. */
static double
layer_load_mean (const SyProfileRun *run,
                 int                 moe,
                 double             *max)
{
  const gint64 *load = run->layers[moe].expert_load;
  int E = run->n_experts;
  double mean = 0;

  *max = 0;
  for (int e = 0; e < E; e++)
    {
      mean += load[e];
      *max = MAX (*max, (double) load[e]);
    }
  return mean / MAX (E, 1);
}

double
sy_profile_layer_imbalance (const SyProfileRun *run,
                            int                 moe)
{
  const gint64 *load = run->layers[moe].expert_load;
  int E = run->n_experts;
  double max, mean = layer_load_mean (run, moe, &max), var = 0;

  if (mean <= 0)
    return NAN;
  for (int e = 0; e < E; e++)
    var += (load[e] - mean) * (load[e] - mean);
  return sqrt (var / E) / mean;
}

double
sy_profile_layer_max_over_mean (const SyProfileRun *run,
                                int                 moe)
{
  double max, mean = layer_load_mean (run, moe, &max);

  return mean > 0 ? max / mean : NAN;
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

SyProfileExpert *
_sy_profile_expert_new (void)
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

int
_sy_profile_cmp_expert_group (gconstpointer a,
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
  g_array_sort (out, _sy_profile_cmp_expert_group);
}

SyProfileExpert *
_sy_profile_run_expert (const SyProfileRun *r,
                        int                 moe,
                        int                 expert)
{
  const SyProfileLayer *pl = &r->layers[moe];
  SyProfileExpert *x = _sy_profile_expert_new ();
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

gboolean
_sy_profile_check_card (const SyProfileRun *r,
                        int                 moe,
                        int                 expert,
                        const char         *where,
                        GError            **error)
{
  const char *missing = r->layers[moe].card_missing[expert];

  if (g_strcmp0 (missing, "experts") == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: layer %d has no 'experts' (a profile from before expert cards: run it again)", where, moe);
      return FALSE;
    }
  if (missing != NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: expert %d has no '%s'",
                   where, expert, missing);
      return FALSE;
    }
  return TRUE;
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
  if (!_sy_profile_check_card (r, moe, expert, "profile", error))
    return NULL;
  return _sy_profile_run_expert (r, moe, expert);
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

  prof = _sy_profile_new ();
  prof->model = g_strdup (first->model ? first->model : "?");
  prof->n_experts = first->n_experts;
  prof->native_k = first->native_k;
  prof->n_layers = first->n_moe_layers;
  prof->corpus_kind = g_strdup ("traces");
  prof->corpus_source = g_strdup (dir);
  prof->split = g_strdup ("all");
  prof->max_tokens = max_t;
  prof->n_texts = (int) files->len;
  prof->chunking = g_strdup_printf ("%u recorded trace files, one text each; policies re-applied "
                                    "to the recorded router output of every layer (later layers "
                                    "not re-run)", files->len);

  for (int s = 0; s < n_specs; s++)
    {
      g_autofree char *rname = specs[s] ? sy_router_spec_to_string (specs[s])
                                        : g_strdup ("recorded");
      SyProfileRun *r = _sy_profile_run_new (rname, prof->n_layers, prof->n_experts);

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
          accumulate (r, trace, &chunk, NULL);
        }
    }
  return g_steal_pointer (&prof);
}
