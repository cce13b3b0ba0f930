/* sy-profile.h: routing and cost over a corpus (the Profiler)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs every text of a corpus through a session under one or more router
 * specs and accumulates, per spec (a "run"): tokens, perplexity, average
 * K, per MoE layer the expert load, average K, router entropy (mean and
 * histogram), expert co-activation and load imbalance, K and perplexity
 * by genre, K by part of speech, time per operation and per layer, FLOPs.
 * Optionally a p-sweep: top-p at each p of a range plus the native policy,
 * as (average K, perplexity) points with their Pareto front.
 *
 * Texts are first cut into chunks of at most max_tokens model tokens
 * (sy_corpus_text_chunk: at sentence boundaries, special tokens
 * included), so memory and the KV cache stay bounded; a chunk that still
 * encodes to more tokens is truncated.  With a limit, chunks are taken
 * round-robin over the files (chunk 0 of every file, then chunk 1, ...)
 * so that a short profile still sees every genre.  Each chunk runs from
 * an empty cache (timings cover the whole chunk).
 *
 * Definitions (all counts over the tokens of every chunk, BOS included):
 * - a run's avg_k is the mean over tokens and MoE layers of K;
 * - layer expert_load[e] counts the tokens routed to e, so its sum is
 *   tokens × the layer's avg_k;
 * - coactivation[a][b] counts the tokens routed to both a and b (the
 *   diagonal is expert_load);
 * - a token's POS is the tag of the Brown word its span overlaps most;
 *   tokens of no word (BOS, spaces) have none; by_pos[tag].avg_k is the
 *   mean over its tokens of K averaged over layers, so the by_pos average
 *   weighted by tokens is tagged_avg_k, the avg_k of the tagged tokens;
 * - perplexity is exp of the mean NLL over every predicted token (token
 *   t + 1 of a chunk given its prefix); by genre, the NLL of token t + 1
 *   counts for the chunk's genre.
 *
 * The model is only read: runs on two sessions of one model may go on in
 * two threads at once (each session has its own run state and thread
 * pool; the tokenizer guards its cache).
 */
#pragma once

#include <glib.h>

#include "sy-corpus.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

#define SY_PROFILE_ENTROPY_BINS 20

typedef struct
{
  const char *router;          /* the spec running now */
  int         run;             /* 0-based, counting sweep runs */
  int         n_runs;
  int         texts_done;      /* over all runs */
  int         texts_total;
  gint64      tokens_done;
  double      elapsed_s;
  double      tokens_per_s;
  double      eta_s;           /* NaN before the first text */
} SyProfileProgress;

/* Return FALSE to cancel. */
typedef gboolean (*SyProfileProgressFunc) (const SyProfileProgress *progress,
                                           gpointer                 user_data);

typedef struct
{
  int                    max_tokens;     /* chunk bound (default 256 when 0) */
  int                    limit;          /* at most this many chunks; 0 = all */
  gboolean               sweep;          /* add the p-sweep */
  double                 sweep_from;     /* p range, inclusive */
  double                 sweep_to;
  double                 sweep_step;
  gboolean               record_events;  /* keep per-chunk timings for the Chrome trace */
  SyProfileProgressFunc  progress;       /* told after each text, or NULL */
  gpointer               user_data;      /* @progress's */
} SyProfileOptions;

void      sy_profile_options_init        (SyProfileOptions *options);
/* "p=0.1:0.9:0.1" (or "0.1:0.9:0.1"); 0 < from <= to <= 1, step > 0. */
gboolean  sy_profile_parse_sweep         (const char       *text,
                                          SyProfileOptions *options,
                                          GError          **error);

typedef struct
{
  gint64   tokens;
  double   k_sum;             /* sum over tokens of K averaged over layers */
  double   nll_sum;
  gint64   nll_count;
} SyProfileGroup;

typedef struct
{
  int      layer;             /* decoder layer */
  int      moe;
  gint64  *expert_load;       /* (E) */
  gint64  *coactivation;      /* (E, E) */
  gint64   entropy_hist[SY_PROFILE_ENTROPY_BINS];  /* over [0, ln E] */
  double   k_sum;
  double   entropy_sum;
  gint64   entropy_count;
  double   time_s;
  double   op_time_s[SY_N_OPS];
  GHashTable **expert_tokens; /* (E) token id -> assignments to the expert (GINT_TO_POINTER) */
  GHashTable  *expert_pos;    /* POS tag -> gint64[E]: the expert's tagged assignments */
  GHashTable  *expert_genre;  /* genre -> gint64[E]: the expert's assignments by genre */
  const char **card_missing;  /* (E) read back from a profile.json: the member of the
                               * expert's card the file lacks ("experts" where the layer
                               * has none, "top_tokens", "pos", "genres"); NULL: none */
} SyProfileLayer;

typedef struct
{
  char            *router;        /* canonical spec */
  int              texts;
  gint64           tokens;
  double           k_sum;         /* sum over tokens and layers of K */
  double           nll_sum;
  gint64           nll_count;
  gint64           tagged_tokens;
  double           tagged_k_sum;  /* sum over tagged tokens of their layer-mean K */
  double           flops;         /* total */
  double           activated_params_sum; /* sum over tokens */
  double           op_time_s[SY_N_OPS];
  double           total_time_s;
  int              n_layers;      /* MoE layers */
  int              n_experts;
  SyProfileLayer  *layers;
  GHashTable      *by_genre;      /* char * -> SyProfileGroup * */
  GHashTable      *by_pos;        /* char * -> SyProfileGroup * */
  GHashTable      *token_text;    /* token id (GINT_TO_POINTER) -> its text */
} SyProfileRun;

typedef struct
{
  double   p;                     /* NaN for the native point */
  double   avg_k;
  double   perplexity;
  gboolean pareto;
} SyProfileSweepPoint;

/* One MoE layer's time in one chunk: in all, and per operation. */
typedef struct
{
  double   total_s;
  double   op_s[SY_N_OPS];
} SyProfileLayerTime;

/* One chunk's timings, for the Chrome trace. */
typedef struct
{
  int                  run;
  char                *name;
  char                *genre;
  int                  tokens;
  double               start_s;   /* since the profile began */
  double               total_s;
  double               lm_head_s;
  SyProfileLayerTime  *layers;    /* (n_layers) */
} SyProfileEvent;

typedef struct
{
  char                *model;
  int                  n_experts;
  int                  native_k;
  int                  n_layers;      /* MoE layers */
  char                *corpus_kind;
  char                *corpus_source;
  char                *split;
  int                  max_tokens;
  int                  n_texts;       /* chunks profiled */
  int                  n_truncated;   /* chunks truncated to max_tokens */
  char                *chunking;      /* how texts were cut, in words */
  GPtrArray           *runs;          /* SyProfileRun (the specs asked for) */
  GArray              *sweep;         /* SyProfileSweepPoint, by p; empty without sweep */
  gboolean             have_native_point;
  SyProfileSweepPoint  native_point;
  GArray              *events;        /* SyProfileEvent, when recorded */
} SyProfile;

/* @specs: @n_specs router specs (NULL entries = native).  Fails with
 * SY_ENGINE_ERROR_CANCELLED when @options' progress returns FALSE. */
SyProfile  *sy_profile_run               (SyModel                 *model,
                                          SyCorpus                *corpus,
                                          const SyRouterSpec * const *specs,
                                          int                      n_specs,
                                          const SyProfileOptions  *options,
                                          GError                 **error);
void        sy_profile_free              (SyProfile               *self);

/* The same tables over every trace file (*.json, docs/trace-format.md) in
 * @dir, one run per spec re-applied to the recorded router output (NULL
 * entries, or none at all: the recorded routing).  "by_genre" groups by
 * the traces' source.  All traces must have the same layers and experts. */
SyProfile  *sy_profile_from_traces       (const char              *dir,
                                          const SyRouterSpec * const *specs,
                                          int                      n_specs,
                                          GError                 **error);

/* Derived numbers */
double      sy_profile_run_avg_k         (const SyProfileRun      *run);
double      sy_profile_run_perplexity    (const SyProfileRun      *run);
double      sy_profile_run_tagged_avg_k  (const SyProfileRun      *run);
double      sy_profile_layer_avg_k       (const SyProfileRun      *run,
                                          int                      moe);
double      sy_profile_layer_entropy_mean (const SyProfileRun     *run,
                                          int                      moe);
/* Coefficient of variation (std / mean) of expert_load; and max / mean. */
double      sy_profile_layer_imbalance   (const SyProfileRun      *run,
                                          int                      moe);
double      sy_profile_layer_max_over_mean (const SyProfileRun    *run,
                                          int                      moe);
double      sy_profile_group_avg_k       (const SyProfileGroup    *group);
double      sy_profile_group_perplexity  (const SyProfileGroup    *group);
/* Keys of a by_genre / by_pos table, sorted (genres in Brown letter order,
 * then by name; tags by descending tokens).  Free with g_free (not the
 * strings). */
const char **sy_profile_sorted_keys      (GHashTable              *table,
                                          gboolean                 genres,
                                          int                     *n_keys);
/* The upper bound of the entropy histogram: ln E. */
double      sy_profile_entropy_max       (const SyProfile         *self);

/* What one expert of one layer does over the corpus (the expert card).
 * Assignments are (token, expert) pairs of the top-k: an expert's add up
 * to its expert_load.  POS and genre counts are the expert's and its
 * layer's (all experts), to set against each other as shares. */
#define SY_PROFILE_TOP_TOKENS 20

typedef struct
{
  int      id;
  char    *text;
  gint64   count;
  double   share;                 /* count / the expert's assignments */
} SyProfileExpertToken;

typedef struct
{
  char    *name;                  /* tag, or genre letter/name */
  gint64   count;                 /* the expert's assignments in it */
  gint64   layer_count;           /* the layer's (every expert) */
} SyProfileExpertGroup;

typedef struct
{
  char     *router;
  int       layer;                /* decoder layer */
  int       moe;
  int       expert;
  int       n_experts;
  gint64    assignments;          /* expert_load[expert] */
  gint64    layer_assignments;    /* sum of the layer's expert_load */
  GArray   *top_tokens;           /* SyProfileExpertToken, at most SY_PROFILE_TOP_TOKENS, by count */
  GArray   *pos;                  /* SyProfileExpertGroup, by layer_count */
  GArray   *genres;               /* SyProfileExpertGroup, by layer_count */
} SyProfileExpert;

/* From a profile in memory (run index, MoE layer index, expert); one
 * read from a profile.json without that card fails (a profile from
 * before expert cards). */
SyProfileExpert *sy_profile_get_expert   (const SyProfile         *self,
                                          int                      run,
                                          int                      moe,
                                          int                      expert,
                                          GError                 **error);
/* From a profile.json (or the folder holding it); @router NULL: the
 * first run. */
SyProfileExpert *sy_profile_read_expert  (const char              *path,
                                          const char              *router,
                                          int                      moe,
                                          int                      expert,
                                          GError                 **error);
/* A profile.json (or its folder) back into memory, in part: the model,
 * experts, runs, the sweep, per run its derived numbers, genre and POS
 * groups and times, per layer the expert load, co-activation, entropy
 * histogram, mean K and entropy and times: every chart's data.  The sums
 * come back from the means written (K times tokens, log perplexity times
 * tokens; a mean the file lacks gives a NaN sum), so the derived numbers
 * are the file's, and the expert cards' corpus half (top tokens, POS and
 * genre counts) where the file has it.  Not in the file: per-chunk events
 * and the tokens routed to each expert beyond its top tokens. */
SyProfile  *sy_profile_read_json         (const char              *path,
                                          GError                 **error);
void        sy_profile_expert_free       (SyProfileExpert         *expert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyProfileExpert, sy_profile_expert_free)

/* Output (cli.md "profile") */
char       *sy_profile_to_json           (const SyProfile         *self);
/* Chrome trace event format: complete events text > layer > op per run
 * (tid = run + 1), times in microseconds. */
char       *sy_profile_to_chrome_trace   (const SyProfile         *self);
/* profile.json, the CSVs (runs.csv, layers.csv, expert_load.csv,
 * coactivation.csv, entropy.csv, by_genre.csv, by_pos.csv, time.csv,
 * layer_time.csv, sweep.csv, expert_tokens.csv) and trace.json (the
 * Chrome trace) into @dir (created). */
gboolean    sy_profile_write_dir         (const SyProfile         *self,
                                          const char              *dir,
                                          GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyProfile, sy_profile_free)

G_END_DECLS
