/* test-make-random-model.c: switchyard-cli make-random-model and sy-random-model
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "sy-arch.h"
#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-random-model.h"
#include "sy-tensor-store.h"
#include "sy-test-util.h"

static char *
case_dir (const char *name)
{
  return g_build_filename (sy_test_tmp_dir (), name, NULL);
}

/* Every tensor of an OLMoE-layout model, checked against config.json. */
static void
check_olmoe_folder (const char *dir,
                    SyDType     dtype)
{
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyJson) config = sy_json_load_file (config_path, &error);
  g_autoptr (SyTensorStore) store = NULL;
  g_autofree char *model_type = NULL;
  g_auto (GStrv) unused = NULL;
  int64_t H, V, L, E, I, heads, k;
  gboolean norm_topk = TRUE, tie = TRUE;
  g_autofree char *gen_path = g_build_filename (dir, "generation_config.json", NULL);
  g_autoptr (SyJson) gen = NULL;
  SyConfig c;
  double sum = 0, sum2 = 0;
  int64_t count = 0;

  g_assert_no_error (error);
  g_assert_true (sy_json_require_string (config, "config.json", "model_type", &model_type, &error));
  g_assert_cmpstr (model_type, ==, "olmoe");
  g_assert_true (sy_json_require_int (config, "config.json", "hidden_size", &H, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "vocab_size", &V, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "num_hidden_layers", &L, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "num_experts", &E, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "intermediate_size", &I, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "num_attention_heads", &heads, &error));
  g_assert_true (sy_json_require_int (config, "config.json", "num_experts_per_tok", &k, &error));
  g_assert_true (sy_json_require_bool (config, "config.json", "norm_topk_prob", &norm_topk, &error));
  g_assert_true (sy_json_require_bool (config, "config.json", "tie_word_embeddings", &tie, &error));
  g_assert_no_error (error);
  /* as the model loader reads it */
  g_assert_true (sy_config_parse (sy_arch_lookup (model_type, NULL), config, "config.json", &c, &error));
  if (g_file_test (gen_path, G_FILE_TEST_EXISTS))
    {
      gen = sy_json_load_file (gen_path, &error);
      g_assert_nonnull (gen);
      g_assert_true (sy_config_parse_generation (&c, gen, "generation_config.json", &error));
    }
  g_assert_no_error (error);
  g_assert_false (norm_topk);
  g_assert_false (tie);
  g_assert_cmpfloat (c.rope_theta, ==, 10000.0);
  g_assert_cmpint (c.n_eos_token_ids, ==, 1);
  sy_config_clear (&c);

  store = sy_tensor_store_open (dir, &error);
  g_assert_no_error (error);

#define GET(shape_n, d0, d1, ...) \
  G_STMT_START { \
    g_autofree char *name_ = g_strdup_printf (__VA_ARGS__); \
    const int64_t shape_[2] = { d0, d1 }; \
    const SyTensor *t_ = sy_tensor_store_get (store, name_, shape_n, shape_, &error); \
    g_assert_no_error (error); \
    g_assert_cmpint (t_->dtype, ==, dtype); \
    g_assert_true (sy_tensor_check_finite (t_, &error)); \
    if (shape_n == 1) \
      for (int64_t i_ = 0; i_ < d0; i_++) \
        g_assert_cmpfloat (sy_tensor_get_f32 (t_, i_), ==, 1.0f); \
    else \
      for (int64_t i_ = 0; i_ < MIN (d0 * d1, 4096); i_++) \
        { \
          float v_ = sy_tensor_get_f32 (t_, i_); \
          sum += v_; sum2 += (double) v_ * v_; count++; \
        } \
  } G_STMT_END

  GET (2, V, H, "model.embed_tokens.weight");
  for (int l = 0; l < L; l++)
    {
      GET (2, H, H, "model.layers.%d.self_attn.q_proj.weight", l);
      GET (2, H, H, "model.layers.%d.self_attn.k_proj.weight", l);
      GET (2, H, H, "model.layers.%d.self_attn.v_proj.weight", l);
      GET (2, H, H, "model.layers.%d.self_attn.o_proj.weight", l);
      GET (1, H, 0, "model.layers.%d.self_attn.q_norm.weight", l);
      GET (1, H, 0, "model.layers.%d.self_attn.k_norm.weight", l);
      GET (1, H, 0, "model.layers.%d.input_layernorm.weight", l);
      GET (1, H, 0, "model.layers.%d.post_attention_layernorm.weight", l);
      GET (2, E, H, "model.layers.%d.mlp.gate.weight", l);
      for (int e = 0; e < E; e++)
        {
          GET (2, I, H, "model.layers.%d.mlp.experts.%d.gate_proj.weight", l, e);
          GET (2, I, H, "model.layers.%d.mlp.experts.%d.up_proj.weight", l, e);
          GET (2, H, I, "model.layers.%d.mlp.experts.%d.down_proj.weight", l, e);
        }
    }
  GET (1, H, 0, "model.norm.weight");
  GET (2, V, H, "lm_head.weight");
#undef GET

  /* nothing else in the file */
  unused = sy_tensor_store_list_unused (store);
  g_assert_cmpint (g_strv_length (unused), ==, 0);

  /* weights look like N(0, 0.02²) */
  {
    double mean = sum / (double) count;
    double std = sqrt (sum2 / (double) count - mean * mean);

    g_test_message ("%s: %" G_GINT64_FORMAT " samples, mean %g, std %g", dir, count, mean, std);
    g_assert_cmpfloat (fabs (mean), <, 0.001);
    g_assert_cmpfloat (fabs (std - 0.02), <, 0.001);
  }
}

static void
test_tiny (void)
{
  const struct { const char *dtype; SyDType d; } cases[] = {
    { "bf16", SY_DTYPE_BF16 }, { "f16", SY_DTYPE_F16 }, { "f32", SY_DTYPE_F32 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = case_dir (cases[i].dtype);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (sy_test_cli (&out, &err, "make-random-model", "--preset", "tiny", "--dtype",
                                cases[i].dtype, "--seed", "7", dir, NULL), ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_assert_nonnull (strstr (out, "tiny, 2 layers"));
      check_olmoe_folder (dir, cases[i].d);
    }
}

static void
test_deterministic (void)
{
  g_autofree char *a = case_dir ("seed-a");
  g_autofree char *b = case_dir ("seed-b");
  g_autofree char *c = case_dir ("seed-c");
  g_autofree char *fa = g_build_filename (a, "model.safetensors", NULL);
  g_autofree char *fb = g_build_filename (b, "model.safetensors", NULL);
  g_autofree char *fc = g_build_filename (c, "model.safetensors", NULL);
  g_autofree char *da = NULL, *db = NULL, *dc = NULL;
  gsize la, lb, lc;

  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--seed", "5", a, NULL), ==, 0);
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--seed", "5", b, NULL), ==, 0);
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--seed", "6", c, NULL), ==, 0);
  g_assert_true (g_file_get_contents (fa, &da, &la, NULL));
  g_assert_true (g_file_get_contents (fb, &db, &lb, NULL));
  g_assert_true (g_file_get_contents (fc, &dc, &lc, NULL));
  g_assert_cmpmem (da, la, db, lb);
  g_assert_cmpint (la, ==, lc);
  g_assert_true (memcmp (da, dc, la) != 0);
}

static void
test_layers_shards_tokenizer (void)
{
  g_autofree char *dir = case_dir ("sharded");
  g_autofree char *tok = g_build_filename (g_getenv ("SY_FIXTURES"), "tokenizers", "bytelevel", "tokenizer.json", NULL);
  g_autofree char *tok_copy = g_build_filename (dir, "tokenizer.json", NULL);
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_autofree char *single = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = NULL;

  /* a single file first: the sharded write must replace it */
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", dir, NULL), ==, 0);
  g_assert_true (g_file_test (single, G_FILE_TEST_EXISTS));
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--layers", "3",
                            "--shards", "3", "--tokenizer", tok, dir, NULL), ==, 0);
  sy_test_assert_no_file (single);
  g_assert_true (g_file_test (index, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (tok_copy, G_FILE_TEST_EXISTS));
  store = sy_tensor_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_tensor_store_get_n_files (store), ==, 3);
  g_clear_pointer (&store, sy_tensor_store_free);
  check_olmoe_folder (dir, SY_DTYPE_BF16);
}

static void
test_real_shapes (void)
{
  g_autofree char *out = NULL;
  g_autofree char *dir = case_dir ("dry");
  /* OLMoE-1B-7B in bf16, counted by hand: per layer 4·2048² attention,
   * 2·2048 q/k norm, 2·2048 layer norms, 64·2048 router, 64·3·1024·2048
   * experts; embeddings and lm_head 50304·2048 each; final norm 2048. */
  const guint64 per_layer = 4ull * 2048 * 2048 + 4 * 2048 + 64 * 2048 + 64ull * 3 * 1024 * 2048;
  const guint64 params = 16 * per_layer + 2ull * 50304 * 2048 + 2048;
  g_autofree char *expect = g_strdup_printf ("olmoe-1b-7b, 16 layers, BF16, %d tensors, %" G_GUINT64_FORMAT " bytes",
                                             1 + 16 * (9 + 64 * 3) + 2, 2 * params);
  const SyRandomModelSpec *spec = sy_random_model_find_preset ("olmoe-1b-7b");

  g_assert_cmpint (sy_test_cli (&out, NULL, "make-random-model", "--preset", "olmoe-1b-7b", "--dtype", "bf16",
                            "--dry-run", dir, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, expect));
  sy_test_assert_no_file (dir);

  g_assert_nonnull (spec);
  g_assert_cmpint (spec->hidden_size, ==, 2048);
  g_assert_cmpint (spec->n_layers, ==, 16);
  g_assert_cmpint (spec->n_experts, ==, 64);
  g_assert_cmpint (spec->top_k, ==, 8);
  g_assert_cmpint (spec->expert_size, ==, 1024);
  g_assert_cmpint (spec->vocab_size, ==, 50304);
  g_assert_false (spec->norm_topk_prob);
}

static void
test_other_presets (void)
{
  guint n = 0;
  const SyRandomModelSpec *presets = sy_random_model_get_presets (&n);

  g_assert_cmpint (n, >=, 4);
  for (guint i = 0; i < n; i++)
    {
      SyRandomModelSpec spec = presets[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *config = NULL;
      g_autoptr (SyJson) json = NULL;
      g_autoptr (SySafetensorsWriter) w = NULL;
      g_autofree char *model_type = NULL;
      int64_t layers;

      spec.n_layers = 1;
      w = sy_random_model_new_writer (&(SyRandomModel) { &spec, SY_DTYPE_BF16, 0 }, &error);
      g_assert_no_error (error);
      config = sy_random_model_config_json (&spec, SY_DTYPE_BF16);
      json = sy_json_parse (config, -1, "config.json", &error);
      g_assert_no_error (error);
      g_assert_true (sy_json_require_string (json, "config.json", "model_type", &model_type, &error));
      g_assert_true (sy_json_require_int (json, "config.json", "num_hidden_layers", &layers, &error));
      g_assert_cmpint (layers, ==, 1);
      g_test_message ("%s: %s, %u tensors in one layer", spec.name, model_type,
                      sy_safetensors_writer_get_n_tensors (w));
      /* embeddings, lm_head, final norm + per layer: 4 attention, 2 norms, router, 3 per expert
       * (+ 2 q/k norms except Mixtral) */
      g_assert_cmpint (sy_safetensors_writer_get_n_tensors (w), ==,
                       3 + 7 + 3 * spec.n_experts + (spec.layout == SY_RANDOM_LAYOUT_MIXTRAL ? 0 : 2));
    }
}

static void
test_errors (void)
{
  g_autofree char *err = NULL;
  g_autofree char *dir = case_dir ("errors");
  g_autofree char *blocker = case_dir ("blocker");

  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "nope", dir, NULL), ==, 1);
  sy_test_assert_cli_error (err, "switchyard-cli: make-random-model: unknown preset 'nope' (one of: tiny, olmoe-1b-7b");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", "--dtype", "int8", dir, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unknown dtype 'int8'");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", NULL), ==, 1);
  sy_test_assert_cli_error (err, "no output folder");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", dir, NULL), ==, 1);
  sy_test_assert_cli_error (err, "--preset is required");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", "--shards", "0", dir, NULL), ==, 1);
  sy_test_assert_cli_error (err, "--shards");
  g_clear_pointer (&err, g_free);

  /* a file where the folder should be */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", blocker, NULL), ==, 1);
  sy_test_assert_cli_error (err, "blocker");
  sy_test_assert_no_file (dir);
}

/* Both files, which must hold the same bytes */
static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *ca = NULL, *cb = NULL;
  gsize la = 0, lb = 0;

  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  g_assert_cmpuint (la, ==, lb);
  g_assert_cmpuint (la, >, 1000);
  g_assert_true (memcmp (ca, cb, la) == 0);
}

/* --gguf TYPE writes the bytes convert-gguf --type TYPE makes from the
 * folder of the same preset, seed and layers (named as the preset: that
 * is general.name), and the file loads and runs, its tokenizer too */
static void
test_gguf (void)
{
  g_autofree char *dir = case_dir ("gguf");
  g_autofree char *folder = g_build_filename (dir, "tiny", NULL);
  g_autofree char *tok = g_build_filename (g_getenv ("SY_FIXTURES"), "tokenizers", "bytelevel", "tokenizer.json", NULL);
  g_autofree char *converted = g_build_filename (dir, "converted.gguf", NULL);
  g_autofree char *direct = g_build_filename (dir, "direct.gguf", NULL);
  g_autofree char *dump = g_build_filename (dir, "dump.safetensors", NULL);
  const char *cases[][3] = { { "Q4_K_M", "2", "0" }, { "Q8_0", "3", "7" }, { "Q5_K_M", "4", "1" }, { "F16", "1", "2" } };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *forward = g_strdup_printf ("forward --model '%s' --text 'The jury said Friday' --dump '%s'",
                                                  direct, dump);
      g_autofree char *tokens = NULL;

      g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--layers", cases[i][1],
                                    "--seed", cases[i][2], "--tokenizer", tok, folder, NULL), ==, 0);
      g_assert_cmpint (sy_test_cli (NULL, NULL, "convert-gguf", "--model", folder, "--type", cases[i][0],
                                    converted, NULL), ==, 0);
      g_assert_cmpint (sy_test_cli (&out, NULL, "make-random-model", "--preset", "tiny", "--layers", cases[i][1],
                                    "--seed", cases[i][2], "--tokenizer", tok, "--gguf", cases[i][0], direct, NULL), ==, 0);
      g_assert_nonnull (strstr (out, cases[i][0]));
      assert_same_file (converted, direct);
      g_free (sy_test_cli_ok (forward));
      g_assert_true (g_file_test (dump, G_FILE_TEST_EXISTS));
      g_unlink (dump);
      tokens = g_strdup_printf ("tokenize --model '%s' --text 'The jury said Friday'", direct);
      g_free (out);
      out = sy_test_cli_ok (tokens);
      g_assert_nonnull (strstr (out, "\"decoded\":\"The jury said Friday\""));
    }

  /* a different seed is a different file */
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--seed", "9",
                                "--tokenizer", tok, "--gguf", "Q8_0", converted, NULL), ==, 0);
  g_assert_cmpint (sy_test_cli (NULL, NULL, "make-random-model", "--preset", "tiny", "--seed", "10",
                                "--tokenizer", tok, "--gguf", "Q8_0", direct, NULL), ==, 0);
  {
    g_autofree char *ca = NULL, *cb = NULL;
    gsize la = 0, lb = 0;

    g_assert_true (g_file_get_contents (converted, &ca, &la, NULL));
    g_assert_true (g_file_get_contents (direct, &cb, &lb, NULL));
    g_assert_cmpuint (la, ==, lb);
    g_assert_false (memcmp (ca, cb, la) == 0);
  }
}

static void
test_gguf_errors (void)
{
  g_autofree char *dir = case_dir ("gguf-errors");
  g_autofree char *out = g_build_filename (dir, "x.gguf", NULL);
  g_autofree char *err = NULL;

  g_mkdir_with_parents (dir, 0755);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", "--gguf", "Q9_9", out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unknown type 'Q9_9'");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "make-random-model", "--preset", "tiny", "--gguf", "Q8_0",
                                "--shards", "2", out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "--shards");
  sy_test_assert_no_file (out);
}

static const SyTestCase tests[] = {
  { "/engine/make-random-model/tiny", test_tiny },
  { "/engine/make-random-model/deterministic", test_deterministic },
  { "/engine/make-random-model/layers-shards-tokenizer", test_layers_shards_tokenizer },
  { "/engine/make-random-model/real-shapes", test_real_shapes },
  { "/engine/make-random-model/other-presets", test_other_presets },
  { "/engine/make-random-model/errors", test_errors },
  { "/engine/make-random-model/gguf", test_gguf },
  { "/engine/make-random-model/gguf-errors", test_gguf_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
