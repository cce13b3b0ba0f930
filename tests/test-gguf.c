/* test-gguf.c: GGUF files, written by our writer, read back and run
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - metadata of every value type (arrays, nested arrays) round trips;
 * - all seven fixtures converted to F32 GGUF give the HF reference within
 *   1e-4 (logits, router logits, hidden states), the same experts and
 *   greedy continuation; F16, BF16, Q8_0, Q4_0 and MXFP4 files stay within their
 *   precision of it (max |delta| reported);
 * - the tokenizer stored in the file encodes and decodes as tokenizer.json
 *   (gpt2 kinds, and mixtral's SentencePiece BPE on the spm cases too);
 *   a SentencePiece file without merges derives them from the scores; an
 *   unsupported tokenizer kind loads with a warning and --text says so;
 * - switchyard-cli convert-gguf, and generate from the result;
 * - Q4_K and Q6_K (256-value blocks, wider than the fixtures' rows) on a
 *   random qwen3_moe of hidden size 256, against its F32 safetensors;
 * - broken files: bad magic, versions 1 and 4, an unsupported tensor
 *   type, a truncated data section, truncated metadata, a bad alignment,
 *   an unknown architecture, each a clear error.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-gguf.h"
#include "sy-gguf-writer.h"
#include "sy-model.h"
#include "sy-random-model.h"
#include "sy-safetensors-writer.h"
#include "sy-test-util.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-tokenizer.h"

static char *
tmp_path (const char *name)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-gguf-XXXXXX");

  return g_build_filename (dir, name, NULL);
}

static void
remove_path (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------------ metadata */

static void
test_metadata (void)
{
  g_autofree char *path = tmp_path ("meta.gguf");
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (2);
  g_autoptr (SyGguf) g = NULL;
  g_autoptr (GError) error = NULL;
  const char *strs[] = { "a", "", "ü b" };
  int32_t ints[] = { -5, 0, 7 };
  float vals[64];
  int64_t shape[2] = { 2, 32 };
  int64_t iv;
  double fv;
  gboolean bv;
  g_auto (GStrv) got = NULL;
  g_autofree int32_t *gi = NULL;
  guint64 n;
  SyGgufType et;
  guint8 i8 = 0xFE, nested[64];
  gsize nn = 0;

  for (int i = 0; i < 64; i++)
    vals[i] = i * 0.5f;
  sy_gguf_writer_set_alignment (w, 64);
  sy_gguf_writer_add_u32 (w, "k.u32", 4000000000u);
  sy_gguf_writer_add_i32 (w, "k.i32", -12);
  sy_gguf_writer_add_f32 (w, "k.f32", 0.25f);
  sy_gguf_writer_add_bool (w, "k.bool", TRUE);
  sy_gguf_writer_add_string (w, "k.str", "héllo");
  sy_gguf_writer_add_string_array (w, "k.strs", strs, 3);
  sy_gguf_writer_add_i32_array (w, "k.ints", ints, 3);
  sy_gguf_writer_add_raw_kv (w, "k.i8", SY_GGUF_INT8, &i8, 1);
  {
    /* array of 2 arrays of u8: [[1, 2], [3]] */
    guint32 t = SY_GGUF_UINT8, ta = SY_GGUF_ARRAY;
    guint64 two = 2, one = 1;

    memcpy (nested + nn, &t, 4); nn += 4;
    memcpy (nested + nn, &two, 8); nn += 8;
    nested[nn++] = 1;
    nested[nn++] = 2;
    memcpy (nested + nn, &t, 4); nn += 4;
    memcpy (nested + nn, &one, 8); nn += 8;
    nested[nn++] = 3;
    /* the outer header: element type array, count 2 */
    {
      guint8 full[64];
      gsize m = 0;

      memcpy (full, &ta, 4); m += 4;
      memcpy (full + m, &two, 8); m += 8;
      memcpy (full + m, nested, nn); m += nn;
      sy_gguf_writer_add_raw_kv (w, "k.nested", SY_GGUF_ARRAY, full, m);
    }
  }
  g_assert_true (sy_gguf_writer_add_tensor (w, &(SyTensorDesc) { "t", SY_DTYPE_F32, 2, shape }, vals, &error));
  g_assert_true (sy_gguf_writer_write (w, path, &error));
  g_assert_no_error (error);

  g_assert_true (sy_gguf_is_gguf (path));
  g = sy_gguf_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sy_gguf_get_version (g), ==, 2);
  g_assert_true (sy_gguf_get_int (g, "k.u32", &iv));
  g_assert_cmpint (iv, ==, 4000000000);
  g_assert_true (sy_gguf_get_int (g, "k.i32", &iv));
  g_assert_cmpint (iv, ==, -12);
  g_assert_true (sy_gguf_get_int (g, "k.i8", &iv));
  g_assert_cmpint (iv, ==, -2);
  g_assert_true (sy_gguf_get_float (g, "k.f32", &fv));
  g_assert_cmpfloat (fv, ==, 0.25);
  g_assert_false (sy_gguf_get_float (g, "k.i32", &fv));
  g_assert_true (sy_gguf_get_bool (g, "k.bool", &bv));
  g_assert_true (bv);
  g_assert_cmpstr (sy_gguf_get_string (g, "k.str"), ==, "héllo");
  g_assert_null (sy_gguf_get_string (g, "k.missing"));
  got = sy_gguf_get_string_array (g, "k.strs");
  g_assert_cmpuint (g_strv_length (got), ==, 3);
  g_assert_cmpstr (got[2], ==, "ü b");
  g_assert_cmpstr (got[1], ==, "");
  gi = sy_gguf_get_int_array (g, "k.ints", &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (gi[0], ==, -5);
  g_assert_true (sy_gguf_get_array_info (g, "k.nested", &et, &n));
  g_assert_cmpint (et, ==, SY_GGUF_ARRAY);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (sy_gguf_get_int (g, "general.alignment", &iv));
  g_assert_cmpint (iv, ==, 64);
  {
    const SyTensor *t = sy_gguf_find_tensor (g, "t");
    float back[64];

    g_assert_nonnull (t);
    g_assert_cmpint (t->n_dims, ==, 2);
    g_assert_cmpint (t->shape[0], ==, 2);
    g_assert_cmpint (t->shape[1], ==, 32);
    g_assert_cmpint ((guintptr) t->data % 64, ==, (guintptr) sy_gguf_get_tensor (g, 0)->data % 64);
    sy_tensor_to_f32 (t, 0, 64, back);
    g_assert_cmpmem (back, sizeof back, vals, sizeof vals);
  }
  g_clear_pointer (&g, sy_gguf_free);
  remove_path (path);
}

/* ------------------------------------------------------------- models */

static SyModel *
convert_and_load (const char *src,
                  SyDType     dtype,
                  char      **out_path)
{
  g_autoptr (GError) error = NULL;
  char *path = tmp_path ("model.gguf");
  SyModel *model;

  g_assert_true (sy_gguf_convert (src, path, dtype, &error));
  g_assert_no_error (error);
  model = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  *out_path = path;
  return model;
}

static void
test_fixture (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *src = sy_test_model_path (arch, "");
  g_autoptr (SyModel) folder = sy_test_load_model (arch);
  g_autoptr (GError) error = NULL;
  /* F32: the fixture tolerance on everything.  The other formats are
   * judged on the router logits of the first MoE layer, which no routing
   * decision has touched yet (downstream, a near tie that flips an expert
   * changes a logit by whole units, whatever the format): about twice
   * the worst seen over the five fixtures (F16 0.0091, BF16 0.078, Q8_0
   * 0.245, Q4_0 3.52, MXFP4 4.35, all DeepSeek-V3's, whose first MoE
   * layer comes after a dense one), in line with their rounding steps
   * (F16 2^-11 and BF16 2^-8 of each weight, Q8_0 1/254 and Q4_0 1/16 of
   * each block's largest, MXFP4 up to 1/6 of it).  Logits, hidden states and flips are reported. */
  static const struct { SyDType dtype; double tol; } formats[] = {
    { SY_DTYPE_F32, 1e-4 }, { SY_DTYPE_F16, 0.02 }, { SY_DTYPE_BF16, 0.15 },
    { SY_DTYPE_Q8_0, 0.5 }, { SY_DTYPE_Q4_0, 7.0 }, { SY_DTYPE_MXFP4, 9.0 },
  };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *path = NULL;
      g_autoptr (SyModel) model = convert_and_load (src, formats[f].dtype, &path);
      const SyModelInfo *info = sy_model_get_info (model);
      SyTestRefDeltas d;

      g_assert_cmpstr (info->model_type, ==, arch);
      g_assert_cmpint (sy_model_get_unused_tensors (model)[0] == NULL, ==, TRUE);
      sy_test_compare_reference (model, folder, arch, &d);
      g_test_message ("%s %s: max |delta| logits %.3g, router logits %.3g (first MoE layer %.3g), "
                      "hidden %.3g; %d expert choices and %d greedy continuations differ",
                      arch, sy_dtype_name (formats[f].dtype), d.logits, d.router, d.router0, d.hidden,
                      d.expert_mismatch, d.greedy_mismatch);
      g_assert_cmpfloat (d.router0, <=, formats[f].tol);
      if (formats[f].dtype != SY_DTYPE_F32)
        {
          /* resident (weights copied out of the mapping, quantized blocks
           * included): the same numbers */
          g_autoptr (SyModel) res = sy_model_load_full (path, SY_MODEL_LOAD_RESIDENT, NULL, NULL, &error);
          SyTestRefDeltas dr;

          g_assert_no_error (error);
          sy_test_compare_reference (res, folder, arch, &dr);
          g_assert_cmpfloat (dr.logits, ==, d.logits);
          g_assert_cmpfloat (dr.router0, ==, d.router0);
        }
      if (formats[f].dtype == SY_DTYPE_F32)
        {
          g_assert_cmpstr (info->dtype, ==, "F32");
          g_assert_cmpfloat (d.router, <=, 1e-4);
          g_assert_cmpfloat (d.hidden, <=, 1e-4);
          g_assert_cmpint (d.expert_mismatch, ==, 0);
          g_assert_cmpint (d.k_mismatch, ==, 0);
          g_assert_cmpint (d.greedy_mismatch, ==, 0);
        }
      else if (sy_dtype_is_quantized (formats[f].dtype))
        g_assert_cmpstr (info->dtype, ==, sy_dtype_name (formats[f].dtype));
      else
        g_assert_cmpstr (info->dtype, ==, "mixed");   /* norms stay F32 */
      g_clear_pointer (&model, sy_model_unref);
      remove_path (path);
    }
}

/* The tokenizer stored in the file encodes and decodes as the model
 * folder's tokenizer.json does. */
static void
test_tokenizer (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *src = sy_test_model_path (arch, "");
  g_autofree char *path = tmp_path ("tok.gguf");
  g_autofree char *ref_json = g_build_filename (src, "reference.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SyTokenizer) want = sy_tokenizer_load (src, &error);
  SyTokenizer *got;
  json_object *root, *cases, *spm_root = NULL;
  GPtrArray *texts;
  const char *extra[] = { "Hello,  world!\n\n  12345 it's <|endoftext|> done", "ünïcödé — 日本語", "" };
  /* The GGUF tokenizer adds BOS / EOS as llama.cpp does with the file's
   * metadata.  qwen3_moe's tokenizer.json adds no BOS (its
   * tokenizer_config.json says add_bos_token, which the fast tokenizer
   * ignores); its GGUF (pre-tokenizer llama-bpe, whose default is to add
   * BOS) gets one, as llama.cpp's own tokenize.json shows for the file
   * llama.cpp converted. */
  gboolean llamacpp_bos = strcmp (arch, "qwen3_moe") == 0;

  g_assert_no_error (error);
  g_assert_true (sy_gguf_convert (src, path, SY_DTYPE_F32, &error));
  g_assert_no_error (error);
  model = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  got = sy_model_get_tokenizer (model);
  g_assert_nonnull (got);
  g_assert_cmpint (sy_tokenizer_vocab_size (got), ==, sy_tokenizer_vocab_size (want));
  g_assert_cmpint (sy_tokenizer_eos_id (got), ==, sy_model_get_info (model)->eos_token_id);

  /* the model's reference texts; for the SentencePiece family (mixtral)
   * also every text of the spm tokenizer cases */
  texts = g_ptr_array_new ();
  root = json_object_from_file (ref_json);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  for (size_t i = 0; i < json_object_array_length (cases); i++)
    {
      json_object *v;

      g_assert_true (json_object_object_get_ex (json_object_array_get_idx (cases, i), "text", &v));
      g_ptr_array_add (texts, (gpointer) json_object_get_string (v));
    }
  if (strcmp (arch, "mixtral") == 0)
    {
      g_autofree char *spm = g_build_filename (g_getenv ("SY_FIXTURES"), "tokenizers", "spm",
                                               "cases.json", NULL);

      spm_root = json_object_from_file (spm);
      g_assert_nonnull (spm_root);
      g_assert_true (json_object_object_get_ex (spm_root, "cases", &cases));
      for (size_t i = 0; i < json_object_array_length (cases); i++)
        {
          json_object *v;

          g_assert_true (json_object_object_get_ex (json_object_array_get_idx (cases, i), "text", &v));
          g_ptr_array_add (texts, (gpointer) json_object_get_string (v));
        }
      g_test_message ("mixtral (SentencePiece BPE) from GGUF: %u texts", texts->len);
    }
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (texts, (gpointer) extra[i]);
  for (guint i = 0; i < texts->len * 2; i++)
    {
      const char *text = texts->pdata[i / 2];
      gboolean special = i % 2;   /* with and without BOS / post-processing */
      g_autoptr (SyEncoding) a = NULL;
      g_autoptr (SyEncoding) b = NULL;
      g_autofree char *da = NULL;
      g_autofree char *db = NULL;

      a = sy_tokenizer_encode (got, text, -1, special, &error);
      g_assert_no_error (error);
      b = sy_tokenizer_encode (want, text, -1, special, &error);
      g_assert_no_error (error);
      if (special && llamacpp_bos)
        {
          /* BOS, then the text's own ids */
          g_assert_cmpint (a->n, ==, b->n + 1);
          g_assert_cmpint (a->ids[0], ==, sy_tokenizer_bos_id (got));
          g_assert_cmpmem (a->ids + 1, sizeof (int32_t) * (a->n - 1), b->ids, sizeof (int32_t) * b->n);
        }
      else
        {
          g_assert_cmpint (a->n, ==, b->n);
          g_assert_cmpmem (a->ids, sizeof (int32_t) * a->n, b->ids, sizeof (int32_t) * b->n);
        }
      da = sy_tokenizer_decode (got, a->ids, a->n, TRUE);
      db = sy_tokenizer_decode (want, b->ids, b->n, TRUE);
      g_assert_cmpstr (da, ==, db);
    }
  g_ptr_array_unref (texts);
  json_object_put (root);
  json_object_put (spm_root);
  g_clear_pointer (&model, sy_model_unref);
  remove_path (path);
}

/* K-quants need rows of 256: a random Qwen3-MoE of hidden size 256. */
static void
test_k_quants (void)
{
  SyRandomModelSpec spec = {
    .name = "k-test", .description = "", .layout = SY_RANDOM_LAYOUT_QWEN3_MOE,
    .vocab_size = 512, .hidden_size = 256, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
    .head_dim = 64, .n_experts = 8, .top_k = 2, .expert_size = 256,
    .max_position_embeddings = 512, .rms_norm_eps = 1e-6, .rope_theta = 1e6,
    .norm_topk_prob = TRUE, .bos_token_id = -1, .eos_token_id = 1, .pad_token_id = -1,
  };
  static const struct { SyDType dtype; double tol; } formats[] = {
    /* max |delta| of the first MoE layer's router logits over their
     * largest: F32 is the same computation (exactly 0); the others twice
     * what was seen (F16 4.3e-4, Q8_0 0.008, Q6_K 0.035, Q4_K 0.14: our
     * quantizers round to nearest, without llama.cpp's scale search) */
    { SY_DTYPE_F32, 0 }, { SY_DTYPE_F16, 1e-3 }, { SY_DTYPE_Q8_0, 0.02 },
    { SY_DTYPE_Q6_K, 0.07 }, { SY_DTYPE_Q4_K, 0.28 },
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-gguf-k-XXXXXX");
  g_autoptr (SyModel) ref_model = NULL;
  g_autoptr (SySession) ref_s = NULL;
  g_autoptr (SyTrace) ref_t = NULL;
  g_autofree float *ref_logits = NULL;
  double router_scale = 0;
  int32_t ids[16];
  const float *l;
  int T, V;
  double scale = 0;

  g_assert_no_error (error);
  g_assert_true (sy_random_model_write (&(SyRandomModel) { &spec, SY_DTYPE_F32, 7 }, dir, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  {
    /* random routers score every expert about the same, so the least
     * rounding flips choices: make them decisive (x 50) so that the
     * comparison measures the formats, not routing ties */
    g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
    g_autoptr (SyTensorStore) store = sy_tensor_store_open (st, &error);
    g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
    g_auto (GStrv) names = NULL;

    g_assert_no_error (error);
    names = sy_tensor_store_list (store);
    for (int i = 0; names[i]; i++)
      {
        const SyTensor *t = sy_tensor_store_lookup (store, names[i]);
        int64_t n = sy_tensor_n_elements (t);
        g_autofree float *v = g_new (float, n);

        sy_tensor_to_f32 (t, 0, n, v);
        if (g_str_has_suffix (names[i], "mlp.gate.weight"))
          for (int64_t j = 0; j < n; j++)
            v[j] *= 50;
        g_assert_true (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { names[i], SY_DTYPE_F32, t->n_dims, t->shape },
                                                      v, &error));
      }
    g_clear_pointer (&store, sy_tensor_store_free);
    g_assert_true (sy_safetensors_writer_write (w, st, &error));
    g_assert_no_error (error);
  }
  ref_model = sy_model_load (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 16; i++)
    ids[i] = (i * 37 + 11) % 512;
  ref_s = sy_session_new (ref_model);
  ref_t = sy_session_run (ref_s, ids, 16, NULL, NULL, &error);
  g_assert_no_error (error);
  l = sy_session_get_logits (ref_s, &T, &V);
  ref_logits = g_memdup2 (l, sizeof (float) * T * V);
  for (int i = 0; i < T * V; i++)
    scale = MAX (scale, fabs (ref_logits[i]));
  for (int i = 0; i < 16 * ref_t->n_experts; i++)
    router_scale = MAX (router_scale, fabs (ref_t->layers[0].logits[i]));

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *path = NULL;
      g_autoptr (SyModel) model = convert_and_load (dir, formats[f].dtype, &path);
      g_autoptr (SySession) s = sy_session_new (model);
      g_autoptr (SyTrace) t = sy_session_run (s, ids, 16, NULL, NULL, &error);
      double dl, dr;

      g_assert_no_error (error);
      l = sy_session_get_logits (s, &T, &V);
      dl = sy_test_max_abs_diff (l, ref_logits, (gsize) T * V);
      {
        int flips = 0, E = t->n_experts;

        for (int i = 0; i < t->n_moe_layers; i++)
          for (int tk = 0; tk < 16; tk++)
            for (int j = 0; j < t->layers[i].k[tk]; j++)
              {
                gboolean found = FALSE;

                for (int o = 0; o < ref_t->layers[i].k[tk]; o++)
                  found |= ref_t->layers[i].experts[tk * E + o] == t->layers[i].experts[tk * E + j];
                flips += !found;
              }
        dr = sy_test_max_abs_diff (t->layers[0].logits, ref_t->layers[0].logits, (gsize) 16 * E);
        g_test_message ("random qwen3_moe H=256 %s: max |delta| router logits of the first MoE "
                        "layer %.3g (up to %.3g), logits %.3g (up to %.3g), %d expert choices differ",
                        sy_dtype_name (formats[f].dtype), dr, router_scale, dl, scale, flips);
      }
      g_assert_cmpfloat (dr, <=, formats[f].tol * router_scale);
      if (formats[f].dtype == SY_DTYPE_F32)
        g_assert_cmpfloat (dl, ==, 0);
      g_clear_pointer (&s, sy_session_free);
      g_clear_pointer (&model, sy_model_unref);
      remove_path (path);
    }
  {
    g_autofree char *c = g_build_filename (dir, "config.json", NULL);
    g_autofree char *gc = g_build_filename (dir, "generation_config.json", NULL);
    g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);

    g_unlink (c);
    g_unlink (gc);
    g_unlink (st);
    g_rmdir (dir);
  }
}

/* switchyard-cli convert-gguf (F32), then the GGUF file generates what
 * the folder generates, text through its own tokenizer included; an
 * unknown type is an error. */
static char *
run_cli (const char *const *argv,
         int               *status)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               NULL, status, &error));
  g_assert_no_error (error);
  return out;
}

static void
test_cli (void)
{
  const char *cli = g_getenv ("SY_CLI");
  g_autofree char *src = sy_test_model_path ("qwen2_moe", "");
  g_autofree char *path = tmp_path ("cli.gguf");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  int status;

  g_assert_nonnull (cli);
  {
    const char *argv[] = { cli, "convert-gguf", "--model", src, "--type", "f32", path, NULL };

    g_free (run_cli (argv, &status));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const char *argv[] = { cli, "generate", "--model", path, "--text", "The service is pretty good.",
                           "--max-tokens", "4", "--json", NULL };

    a = run_cli (argv, &status);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const char *argv[] = { cli, "generate", "--model", src, "--text", "The service is pretty good.",
                           "--max-tokens", "4", "--json", NULL };

    b = run_cli (argv, &status);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  /* the same continuation (the traces differ in the model's name and timings) */
  g_assert_true (g_str_has_prefix (a, "{\"ids\":["));
  {
    json_object *ja = json_tokener_parse (a), *jb = json_tokener_parse (b);

    g_assert_nonnull (ja);
    g_assert_nonnull (jb);
    for (guint i = 0; i < 2; i++)
      {
        const char *key = i == 0 ? "ids" : "text";

        g_test_message ("GGUF %s: %s", key, json_object_to_json_string (sy_test_json_get (ja, key)));
        g_assert_cmpstr (json_object_to_json_string (sy_test_json_get (ja, key)), ==,
                         json_object_to_json_string (sy_test_json_get (jb, key)));
      }
    json_object_put (ja);
    json_object_put (jb);
  }
  {
    const char *argv[] = { cli, "convert-gguf", "--model", src, "--type", "iq2_xs", path, NULL };

    c = run_cli (argv, &status);
    g_assert_false (g_spawn_check_wait_status (status, NULL));
  }
  remove_path (path);
}

static char *
find_bytes (char       *hay,
            gsize       len,
            const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

/* @path with the first @from (after the key @key) replaced by @to, same
 * length: metadata edits in place */
static void
patch_file (const char *path,
            const char *key,
            const char *from,
            const char *to)
{
  g_autofree char *bytes = NULL;
  gsize len;
  char *k, *v;

  g_assert_cmpuint (strlen (from), ==, strlen (to));
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  k = find_bytes (bytes, len, key);
  g_assert_nonnull (k);
  v = find_bytes (k, len - (k - bytes), from);
  g_assert_nonnull (v);
  memcpy (v, to, strlen (to));
  g_assert_true (g_file_set_contents (path, bytes, len, NULL));
}

/* A SentencePiece GGUF without merges (as llama.cpp writes them): the
 * merges follow from the scores, and text round trips through them.  A
 * tokenizer kind we cannot build: the model loads with a warning naming
 * it, without a tokenizer, and the CLI's --text says so. */
static void
test_tokenizer_kinds (void)
{
  g_autofree char *src = sy_test_model_path ("mixtral", "");
  g_autofree char *path = tmp_path ("kind.gguf");
  g_autoptr (GError) error = NULL;
  const char *cli = g_getenv ("SY_CLI");
  const char *texts[] = { "The quick brown fox jumps over the lazy dog.", "ünïcödé — 日本語 \t 12345" };

  g_assert_true (sy_gguf_convert (src, path, SY_DTYPE_F32, &error));
  g_assert_no_error (error);
  patch_file (path, "tokenizer.ggml.merges", "merges", "mergez");
  {
    g_autoptr (SyModel) model = sy_model_load (path, NULL, NULL, &error);
    SyTokenizer *tok;

    g_assert_no_error (error);
    tok = sy_model_get_tokenizer (model);
    g_assert_nonnull (tok);
    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, texts[i], -1, TRUE, &error);
        g_autoptr (SyEncoding) plain = NULL;
        g_autofree char *back = NULL;

        g_assert_no_error (error);
        g_assert_cmpint (enc->n, >, 1);
        g_assert_cmpint (enc->ids[0], ==, 1);   /* BOS: add_bos_token */
        /* (this fixture's byte pieces are special tokens: kept in decoding) */
        plain = sy_tokenizer_encode (tok, texts[i], -1, FALSE, &error);
        g_assert_no_error (error);
        g_assert_cmpint (plain->n, ==, enc->n - 1);
        back = sy_tokenizer_decode (tok, plain->ids, plain->n, FALSE);
        g_assert_cmpstr (back, ==, texts[i]);
        g_test_message ("merges from scores: '%s' -> %d tokens", texts[i], enc->n);
      }
  }
  patch_file (path, "tokenizer.ggml.model", "llama", "bertx");
  {
    g_autoptr (SyModel) model = NULL;

    g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*tokenizer kind 'bertx'*not supported*");
    model = sy_model_load (path, NULL, NULL, &error);
    g_test_assert_expected_messages ();
    g_assert_no_error (error);
    g_assert_null (sy_model_get_tokenizer (model));
  }
  g_assert_nonnull (cli);
  {
    const char *argv[] = { cli, "generate", "--model", path, "--text", "Hello", "--max-tokens", "1", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "bertx"));
    g_assert_nonnull (strstr (err, "--text"));
  }
  remove_path (path);
}

/* ---------------------------------------------------------- bad input */

static void
assert_open_fails (const char *path,
                   int         code,
                   const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) g = sy_gguf_open (path, &error);

  g_assert_null (g);
  g_assert_error (error, SY_ENGINE_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("error '%s' does not mention '%s'", error->message, needle);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);
}

/* @w written to a new temporary file @name, which does not open: with
 * @code and @needle in the message (assert_open_fails); removed */
static void
assert_written_fails (SyGgufWriter *w,
                      const char   *name,
                      int           code,
                      const char   *needle)
{
  g_autofree char *path = tmp_path (name);

  g_assert_true (sy_gguf_writer_write (w, path, NULL));
  assert_open_fails (path, code, needle);
  remove_path (path);
}

static void
write_small (const char *path,
             guint32     version)
{
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (version);
  g_autoptr (GError) error = NULL;
  float v[256] = { 0 };
  int64_t shape[2] = { 8, 32 };

  sy_gguf_writer_add_string (w, "general.architecture", "qwen3moe");
  g_assert_true (sy_gguf_writer_add_tensor (w, &(SyTensorDesc) { "a", SY_DTYPE_F32, 2, shape }, v, &error));
  g_assert_true (sy_gguf_writer_add_tensor (w, &(SyTensorDesc) { "b", SY_DTYPE_Q8_0, 2, shape }, v, &error));
  g_assert_true (sy_gguf_writer_write (w, path, &error));
  g_assert_no_error (error);
}

static void
test_bad_magic (void)
{
  g_autofree char *path = tmp_path ("bad.gguf");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;

  g_assert_true (g_file_set_contents (path, "GGUX\3\0\0\0", 8, NULL));
  assert_open_fails (path, SY_ENGINE_ERROR_BAD_MAGIC, "not a GGUF file");
  g_assert_false (sy_gguf_is_gguf (path));
  model = sy_model_load (path, NULL, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
  remove_path (path);
}

static void
test_bad_version (void)
{
  g_autofree char *path = tmp_path ("v.gguf");

  write_small (path, 1);
  assert_open_fails (path, SY_ENGINE_ERROR_UNSUPPORTED, "version 1");
  write_small (path, 4);
  assert_open_fails (path, SY_ENGINE_ERROR_UNSUPPORTED, "version 4");
  write_small (path, 2);
  {
    g_autoptr (SyGguf) g = sy_gguf_open (path, NULL);

    g_assert_nonnull (g);
  }
  remove_path (path);
}

static void
test_unsupported_type (void)
{
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
  guint8 bytes[74] = { 0 };
  SyTensor t = { .name = "blk.0.ffn_up_exps.weight", .n_dims = 1, .shape = { 256 },
                 .data = bytes, .n_bytes = sizeof bytes };

  /* IQ2_XS: 256 values in 74 bytes, a type we do not decode */
  sy_gguf_writer_add_raw_tensor (w, &t, 17 /* IQ2_XS */);
  assert_written_fails (w, "t.gguf", SY_ENGINE_ERROR_UNSUPPORTED,
                        "tensor 'blk.0.ffn_up_exps.weight' has type IQ2_XS (17)");
}

static void
test_truncated (void)
{
  g_autofree char *path = tmp_path ("tr.gguf");
  g_autofree char *bytes = NULL;
  gsize len;

  write_small (path, 3);
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  /* the data section cut short: the last tensor runs past the end */
  g_assert_true (g_file_set_contents (path, bytes, len - 40, NULL));
  assert_open_fails (path, SY_ENGINE_ERROR_TRUNCATED, "'b'");
  /* cut inside the metadata */
  g_assert_true (g_file_set_contents (path, bytes, 40, NULL));
  assert_open_fails (path, SY_ENGINE_ERROR_TRUNCATED, "ends inside");
  /* cut inside the header */
  g_assert_true (g_file_set_contents (path, bytes, 10, NULL));
  assert_open_fails (path, SY_ENGINE_ERROR_TRUNCATED, "the header");
  remove_path (path);
}

static void
test_bad_alignment (void)
{
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);

  sy_gguf_writer_add_u32 (w, "general.alignment", 24);
  assert_written_fails (w, "al.gguf", SY_ENGINE_ERROR_CORRUPT, "general.alignment");
}

static void
test_unknown_arch (void)
{
  g_autofree char *path = tmp_path ("arch.gguf");
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
  const char *const needles[] = { "mamba", "qwen3moe", NULL };

  sy_gguf_writer_add_string (w, "general.architecture", "mamba");
  g_assert_true (sy_gguf_writer_write (w, path, NULL));
  sy_test_assert_load_fails (path, SY_ENGINE_ERROR_UNSUPPORTED_ARCH, needles);
  remove_path (path);
}

static const char *const fixture_archs[] = {
  "qwen3_moe", "olmoe", "qwen2_moe", "mixtral", "deepseek_v3", "gpt_oss", "granitemoe", NULL
};
static const char *const tokenizer_archs[] = { "qwen3_moe", "olmoe", "qwen2_moe", "mixtral", NULL };

static const SyTestCase tests[] = {
  { "/engine/gguf/metadata", test_metadata },
  { "/engine/gguf/fixture", NULL, test_fixture, fixture_archs },
  { "/engine/gguf/k-quants", test_k_quants },
  { "/engine/gguf/tokenizer", NULL, test_tokenizer, tokenizer_archs },
  { "/engine/gguf/tokenizer-kinds", test_tokenizer_kinds },
  { "/engine/gguf/cli", test_cli },
  { "/engine/gguf/bad-magic", test_bad_magic },
  { "/engine/gguf/bad-version", test_bad_version },
  { "/engine/gguf/unsupported-type", test_unsupported_type },
  { "/engine/gguf/truncated", test_truncated },
  { "/engine/gguf/bad-alignment", test_bad_alignment },
  { "/engine/gguf/unknown-arch", test_unknown_arch },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
