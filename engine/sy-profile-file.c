/* sy-profile-file.c: a profile as files: profile.json (written and read
 * back), the CSV tables and the Chrome trace
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-corpus.h"
#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-profile-private.h"

/* ------------------------------------------------------------ JSON */

static json_object *
jnum (double v)
{
  return isfinite (v) ? json_object_new_double (v) : NULL;
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
    if (isfinite (json_num (t, sy_trace_op_name (op))))
      ops[op] = json_num (t, sy_trace_op_name (op));
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

/* A layer's "experts" (the corpus half of the expert cards: top tokens,
 * POS and genre counts) back into the run's tables, so that a profile read
 * from its file gives the same cards and writes them out again; what a
 * card lacks in the file goes to card_missing */
static void
read_layer_experts (json_object    *lo,
                    SyProfileRun   *r,
                    SyProfileLayer *pl)
{
  json_object *experts = NULL;
  int E = r->n_experts;

  for (int e = 0; e < E; e++)
    pl->card_missing[e] = "experts";
  if (!json_object_object_get_ex (lo, "experts", &experts) || !json_object_is_type (experts, json_type_array))
    return;
  for (int e = 0; e < E && e < (int) json_object_array_length (experts); e++)
    {
      json_object *xo = json_object_array_get_idx (experts, e), *top = NULL;
      const char *members[2] = { "pos", "genres" };
      GHashTable *tables[2] = { pl->expert_pos, pl->expert_genre };

      pl->card_missing[e] = NULL;
      if (json_object_object_get_ex (xo, "top_tokens", &top) && json_object_is_type (top, json_type_array))
        for (size_t i = 0; i < json_object_array_length (top); i++)
          {
            json_object *to = json_object_array_get_idx (top, i), *v = NULL;
            double id = json_num (to, "id"), count = json_num (to, "count");

            if (!(id >= 0 && id <= G_MAXINT && count > 0 && count <= G_MAXINT))
              continue;
            g_hash_table_insert (pl->expert_tokens[e], GINT_TO_POINTER ((int) id), GINT_TO_POINTER ((int) count));
            if (json_object_object_get_ex (to, "text", &v) && json_object_is_type (v, json_type_string) &&
                !g_hash_table_contains (r->token_text, GINT_TO_POINTER ((int) id)))
              g_hash_table_insert (r->token_text, GINT_TO_POINTER ((int) id), g_strdup (json_object_get_string (v)));
          }
      else
        pl->card_missing[e] = "top_tokens";
      for (int k = 0; k < 2; k++)
        {
          json_object *groups = NULL;

          if (!json_object_object_get_ex (xo, members[k], &groups) || !json_object_is_type (groups, json_type_object))
            {
              if (pl->card_missing[e] == NULL)
                pl->card_missing[e] = members[k];
              continue;
            }
          json_object_object_foreach (groups, name, count)
            if (json_object_is_type (count, json_type_int))
              _sy_profile_expert_row (tables[k], name, E)[e] = MAX (json_object_get_int64 (count), 0);
        }
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

/* @path's profile.json: @path itself, or the file of that name in it */
static char *
profile_json_path (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_DIR) ? g_build_filename (path, "profile.json", NULL) : g_strdup (path);
}

SyProfile *
sy_profile_read_json (const char  *path,
                      GError     **error)
{
  g_autofree char *file = profile_json_path (path);
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
  prof = _sy_profile_new ();
  prof->model = g_strdup (json_object_object_get_ex (root, "model", &o) ? json_object_get_string (o) : "?");
  prof->n_experts = E;
  prof->native_k = json_object_object_get_ex (root, "native_k", &o) ? json_object_get_int (o) : 0;
  prof->corpus_source = g_strdup (file);
  prof->chunking = g_strdup ("read from profile.json");
  if (json_object_object_get_ex (root, "corpus", &o))
    {
      json_object *v = NULL;

      prof->corpus_kind = g_strdup (sy_json_peek_string (o, "kind"));
      prof->split = g_strdup (sy_json_peek_string (o, "split"));
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
      r = _sy_profile_run_new (json_object_object_get_ex (ro, "router", &o) ? json_object_get_string (o) : "?", L, E);
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
          read_layer_experts (lo, r, pl);
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
  g_autofree char *file = profile_json_path (path);
  g_autoptr (SyProfile) prof = sy_profile_read_json (file, error);
  const SyProfileRun *r = NULL;

  if (prof == NULL)
    return NULL;
  for (guint i = 0; i < prof->runs->len && r == NULL; i++)
    if (router == NULL || g_strcmp0 (((SyProfileRun *) g_ptr_array_index (prof->runs, i))->router, router) == 0)
      r = g_ptr_array_index (prof->runs, i);
  if (r == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no run of router '%s'", file, router);
      return NULL;
    }
  if (moe < 0 || moe >= r->n_layers)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no MoE layer %d", file, moe);
      return NULL;
    }
  if (expert < 0 || expert >= r->n_experts)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: no expert %d in MoE layer %d", file, expert, moe);
      return NULL;
    }
  if (!_sy_profile_check_card (r, moe, expert, file, error))
    return NULL;
  return _sy_profile_run_expert (r, moe, expert);
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
        json_object_object_add (lt, sy_trace_op_name (op), json_object_new_double (pl->op_time_s[op]));
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
            g_autoptr (SyProfileExpert) x = _sy_profile_run_expert (r, l, e);

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
    json_object_object_add (time, sy_trace_op_name (op), json_object_new_double (r->op_time_s[op]));
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

/* Writes @text (freed) to @path. */
static gboolean
write_text (char        *text,
            const char  *path,
            GError     **error)
{
  g_autofree char *owned = text;

  return sy_engine_set_contents (path, owned, -1, error);
}

/* ------------------------------------------------------------ CSV */

/* The tables, in the order they are written. */
typedef enum
{
  CSV_RUNS,
  CSV_LAYERS,
  CSV_LOAD,
  CSV_COACTIVATION,
  CSV_ENTROPY,
  CSV_GENRE,
  CSV_POS,
  CSV_TIME,
  CSV_LAYER_TIME,
  CSV_SWEEP,
  CSV_EXPERT_TOKENS,
  N_CSV
} CsvTable;

static const struct
{
  const char *file;
  const char *header;
} csv_tables[N_CSV] = {
  [CSV_RUNS] = { "runs.csv", "router,texts,tokens,perplexity,avg_k,tagged_tokens,tagged_avg_k,flops,time_s\n" },
  [CSV_LAYERS] = { "layers.csv", "router,layer,moe,avg_k,entropy_mean,imbalance_cv,max_over_mean,time_s\n" },
  [CSV_LOAD] = { "expert_load.csv", "router,layer,moe,expert,load\n" },
  [CSV_COACTIVATION] = { "coactivation.csv", "router,layer,moe,expert_a,expert_b,tokens\n" },
  [CSV_ENTROPY] = { "entropy.csv", "router,layer,moe,bin_from,bin_to,tokens\n" },
  [CSV_GENRE] = { "by_genre.csv", "router,genre,name,tokens,avg_k,perplexity\n" },
  [CSV_POS] = { "by_pos.csv", "router,pos,tokens,avg_k\n" },
  [CSV_TIME] = { "time.csv", "router,op,time_s\n" },
  [CSV_LAYER_TIME] = { "layer_time.csv", "router,layer,moe,op,time_s\n" },
  [CSV_SWEEP] = { "sweep.csv", "p,avg_k,perplexity,pareto\n" },
  [CSV_EXPERT_TOKENS] = { "expert_tokens.csv", "router,layer,moe,expert,rank,id,text,count,share\n" },
};

static void
csv_str (GString    *s,
         const char *v)
{
  sy_csv_append_string (s, v, SY_CSV_QUOTE_AS_NEEDED);
}

/* ",v" (an empty field when not finite). */
static void
csv_num (GString *s,
         double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

/* MoE layer @l of run @r, whose rows the per-layer tables get. */
typedef struct
{
  GString              **t;    /* (N_CSV) */
  const SyProfileRun    *r;
  int                    l;
  const SyProfileLayer  *pl;
} CsvLayer;

/* Starts a row of @table with "router,layer,moe" and returns the table. */
static GString *
csv_layer_row (const CsvLayer *c,
               CsvTable        table)
{
  GString *s = c->t[table];

  csv_str (s, c->r->router);
  csv_num (s, c->pl->layer);
  csv_num (s, c->pl->moe);
  return s;
}

static void
csv_run (GString            *s,
         const SyProfileRun *r)
{
  csv_str (s, r->router);
  csv_num (s, r->texts);
  csv_num (s, (double) r->tokens);
  csv_num (s, sy_profile_run_perplexity (r));
  csv_num (s, sy_profile_run_avg_k (r));
  csv_num (s, (double) r->tagged_tokens);
  csv_num (s, sy_profile_run_tagged_avg_k (r));
  csv_num (s, r->flops);
  csv_num (s, r->total_time_s);
  g_string_append_c (s, '\n');
}

/* Expert @e of the layer: its load, its top tokens, its co-activations. */
static void
csv_expert (const CsvLayer *c,
            int             e)
{
  const SyProfileRun *r = c->r;
  g_autoptr (SyProfileExpert) x = _sy_profile_run_expert (r, c->l, e);
  GString *s = csv_layer_row (c, CSV_LOAD);

  csv_num (s, e);
  csv_num (s, (double) c->pl->expert_load[e]);
  g_string_append_c (s, '\n');
  for (guint rank = 0; rank < x->top_tokens->len; rank++)
    {
      const SyProfileExpertToken *tok = &g_array_index (x->top_tokens, SyProfileExpertToken, rank);

      s = csv_layer_row (c, CSV_EXPERT_TOKENS);
      csv_num (s, e);
      csv_num (s, rank + 1);
      csv_num (s, tok->id);
      g_string_append_c (s, ',');
      csv_str (s, tok->text);
      csv_num (s, (double) tok->count);
      csv_num (s, tok->share);
      g_string_append_c (s, '\n');
    }
  for (int f = 0; f < r->n_experts; f++)
    {
      s = csv_layer_row (c, CSV_COACTIVATION);
      csv_num (s, e);
      csv_num (s, f);
      csv_num (s, (double) c->pl->coactivation[(gsize) e * r->n_experts + f]);
      g_string_append_c (s, '\n');
    }
}

/* The layer's rows of every per-layer table; @emax: the entropy bins' top. */
static void
csv_layer (const CsvLayer *c,
           double          emax)
{
  const SyProfileRun *r = c->r;
  GString *s = csv_layer_row (c, CSV_LAYERS);

  csv_num (s, sy_profile_layer_avg_k (r, c->l));
  csv_num (s, sy_profile_layer_entropy_mean (r, c->l));
  csv_num (s, sy_profile_layer_imbalance (r, c->l));
  csv_num (s, sy_profile_layer_max_over_mean (r, c->l));
  csv_num (s, c->pl->time_s);
  g_string_append_c (s, '\n');
  for (int e = 0; e < r->n_experts; e++)
    csv_expert (c, e);
  for (int b = 0; b < SY_PROFILE_ENTROPY_BINS; b++)
    {
      s = csv_layer_row (c, CSV_ENTROPY);
      csv_num (s, emax * b / SY_PROFILE_ENTROPY_BINS);
      csv_num (s, emax * (b + 1) / SY_PROFILE_ENTROPY_BINS);
      csv_num (s, (double) c->pl->entropy_hist[b]);
      g_string_append_c (s, '\n');
    }
  for (int op = 0; op < SY_N_OPS; op++)
    {
      s = csv_layer_row (c, CSV_LAYER_TIME);
      g_string_append_printf (s, ",%s", sy_trace_op_name (op));
      csv_num (s, c->pl->op_time_s[op]);
      g_string_append_c (s, '\n');
    }
}

/* by_genre.csv, by_pos.csv and time.csv rows of one run. */
static void
csv_groups (GString            **t,
            const SyProfileRun  *r)
{
  g_autofree const char **gk = NULL, **pk = NULL;
  int ng = 0, np = 0;

  gk = sy_profile_sorted_keys (r->by_genre, TRUE, &ng);
  for (int k = 0; k < ng; k++)
    {
      const SyProfileGroup *g = g_hash_table_lookup (r->by_genre, gk[k]);
      GString *s = t[CSV_GENRE];

      csv_str (s, r->router);
      g_string_append_c (s, ',');
      csv_str (s, gk[k]);
      g_string_append_c (s, ',');
      csv_str (s, sy_brown_genre_name (gk[k]));
      csv_num (s, (double) g->tokens);
      csv_num (s, sy_profile_group_avg_k (g));
      csv_num (s, sy_profile_group_perplexity (g));
      g_string_append_c (s, '\n');
    }
  pk = sy_profile_sorted_keys (r->by_pos, FALSE, &np);
  for (int k = 0; k < np; k++)
    {
      const SyProfileGroup *g = g_hash_table_lookup (r->by_pos, pk[k]);

      csv_str (t[CSV_POS], r->router);
      g_string_append_c (t[CSV_POS], ',');
      csv_str (t[CSV_POS], pk[k]);
      csv_num (t[CSV_POS], (double) g->tokens);
      csv_num (t[CSV_POS], sy_profile_group_avg_k (g));
      g_string_append_c (t[CSV_POS], '\n');
    }
  for (int op = 0; op <= SY_N_OPS; op++)
    {
      csv_str (t[CSV_TIME], r->router);
      g_string_append_printf (t[CSV_TIME], ",%s", op < SY_N_OPS ? sy_trace_op_name (op) : "total");
      csv_num (t[CSV_TIME], op < SY_N_OPS ? r->op_time_s[op] : r->total_time_s);
      g_string_append_c (t[CSV_TIME], '\n');
    }
}

static void
csv_sweep (GString         *s,
           const SyProfile *self)
{
  for (guint i = 0; i < self->sweep->len; i++)
    {
      const SyProfileSweepPoint *p = &g_array_index (self->sweep, SyProfileSweepPoint, i);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", p->p));
      csv_num (s, p->avg_k);
      csv_num (s, p->perplexity);
      g_string_append (s, p->pareto ? ",true\n" : ",false\n");
    }
  if (self->have_native_point)
    {
      g_string_append (s, "native");
      csv_num (s, self->native_point.avg_k);
      csv_num (s, self->native_point.perplexity);
      g_string_append (s, ",\n");
    }
}

/* The CSV tables into @dir. */
static gboolean
write_csv (const SyProfile  *self,
           const char       *dir,
           GError          **error)
{
  GString *t[N_CSV];
  double emax = sy_profile_entropy_max (self);
  gboolean ok = TRUE;

  for (int i = 0; i < N_CSV; i++)
    t[i] = g_string_new (csv_tables[i].header);
  for (guint i = 0; i < self->runs->len; i++)
    {
      const SyProfileRun *r = g_ptr_array_index (self->runs, i);

      csv_run (t[CSV_RUNS], r);
      for (int l = 0; l < r->n_layers; l++)
        {
          CsvLayer c = { t, r, l, &r->layers[l] };

          csv_layer (&c, emax);
        }
      csv_groups (t, r);
    }
  csv_sweep (t[CSV_SWEEP], self);

  for (int i = 0; i < N_CSV; i++)
    {
      g_autofree char *path = g_build_filename (dir, csv_tables[i].file, NULL);

      if (ok)
        ok = sy_engine_set_contents (path, t[i]->str, (gssize) t[i]->len, error);
      g_string_free (t[i], TRUE);
    }
  return ok;
}

/* ------------------------------------------------------------ Chrome trace */

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
  sy_json_append_string (s, name ? name : "");
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

    sy_json_append_string (s, pn);
  }
  g_string_append (s, "}}");
  first = FALSE;
  for (guint i = 0; i < self->runs->len; i++)
    {
      const SyProfileRun *r = g_ptr_array_index (self->runs, i);

      g_string_append_printf (s, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                                 "\"args\":{\"name\":", i + 1);
      sy_json_append_string (s, r->router ? r->router : "");
      g_string_append (s, "}}");
      n_runs++;
    }

  for (guint i = 0; i < self->events->len; i++)
    {
      const SyProfileEvent *e = &g_array_index (self->events, SyProfileEvent, i);
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
      sy_json_append_string (a, e->genre ? e->genre : "");
      g_string_append_c (a, '}');
      args = g_string_free (a, FALSE);
      event_x (s, &first, e->name, "text", t0, tot, tid, args);

      for (int l = 0; l < self->n_layers && cur < end; l++)
        {
          gint64 ld = MIN ((gint64) llround (e->layers[l].total_s * 1e9), end - cur);
          gint64 lend = cur + ld, oc = cur;
          g_autofree char *ln = g_strdup_printf ("layer %d", l);

          if (ld <= 0)
            continue;
          event_x (s, &first, ln, "layer", cur, ld, tid, NULL);
          for (int op = 0; op < SY_N_OPS && oc < lend; op++)
            {
              gint64 od = MIN ((gint64) llround (e->layers[l].op_s[op] * 1e9), lend - oc);

              if (od <= 0)
                continue;
              event_x (s, &first, sy_trace_op_name (op), "op", oc, od, tid, NULL);
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
sy_profile_write_dir (const SyProfile  *self,
                      const char       *dir,
                      GError          **error)
{
  g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
  g_autofree char *trace = g_build_filename (dir, "trace.json", NULL);

  return sy_engine_make_folder (dir, error) &&
         write_text (sy_profile_to_json (self), json, error) &&
         write_csv (self, dir, error) &&
         write_text (sy_profile_to_chrome_trace (self), trace, error);
}
