/* test-gguf-mix.c: convert-gguf's llama-quantize presets (Q4_K_M, Q5_K_M,
 * Q6_K, Q8_0) and its tensor-by-tensor writing
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Random OLMoE-layout models are converted with each preset; the file is
 * read back and must hold, per tensor, the type llama-quantize's rules
 * give it (written out below by hand for each model), values that are
 * exactly the source quantized to that type, and a forward pass equal to
 * the same weights dequantized (and near the F32 model's).
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-gguf.h"
#include "sy-gguf-writer.h"
#include "sy-model.h"
#include "sy-quant.h"
#include "sy-random-model.h"
#include "sy-safetensors-writer.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

/* 8 layers of 256-wide rows, 4 experts: every K-quant fits, so the types
 * are the mixes' own; use_more_bits (i, 8) holds for layers 0, 3, 6, 7 */
static const SyRandomModelSpec wide = {
  .name = "wide", .layout = SY_RANDOM_LAYOUT_OLMOE,
  .vocab_size = 512, .hidden_size = 256, .n_layers = 8, .n_heads = 4, .n_kv_heads = 4,
  .n_experts = 4, .top_k = 2, .expert_size = 256, .max_position_embeddings = 256,
  .rms_norm_eps = 1e-5, .rope_theta = 10000.0, .bos_token_id = -1, .eos_token_id = 0, .pad_token_id = 1,
};

/* The same with 8 experts (Mixtral's count: attn_v and attn_k go to Q8_0,
 * attn_output of Q4_K_M to Q5_K); 2 layers: use_more_bits (i, 2) holds
 * for layer 1 */
static const SyRandomModelSpec eight = {
  .name = "eight", .layout = SY_RANDOM_LAYOUT_OLMOE,
  .vocab_size = 512, .hidden_size = 256, .n_layers = 2, .n_heads = 4, .n_kv_heads = 4,
  .n_experts = 8, .top_k = 2, .expert_size = 256, .max_position_embeddings = 256,
  .rms_norm_eps = 1e-5, .rope_theta = 10000.0, .bos_token_id = -1, .eos_token_id = 0, .pad_token_id = 1,
};

/* Rows of 64 (hidden) and 32 (expert): no K-quant fits, the fallbacks do */
static const SyRandomModelSpec narrow = {
  .name = "narrow", .layout = SY_RANDOM_LAYOUT_OLMOE,
  .vocab_size = 300, .hidden_size = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 4,
  .n_experts = 8, .top_k = 2, .expert_size = 32, .max_position_embeddings = 256,
  .rms_norm_eps = 1e-5, .rope_theta = 10000.0, .bos_token_id = -1, .eos_token_id = 0, .pad_token_id = 1,
};

typedef const char *(*ExpectFunc) (const char *mix,
                                   const char *name,
                                   int         layer);

static gboolean
is_more_bits_8 (int layer)
{
  return layer == 0 || layer == 3 || layer == 6 || layer == 7;
}

static gboolean
has (const char *name,
     const char *part)
{
  return strstr (name, part) != NULL;
}

static gboolean
is_f32 (const char *name)
{
  return !g_str_has_suffix (name, ".weight") || has (name, "_norm.weight") || has (name, "ffn_gate_inp");
}

/* The type mix @mix gives tensor @name: F32 tensors and output.weight as
 * in every mix, @more_bits for the tensors that get more bits (NULL for
 * the others), the mix's base type for the rest. */
static const char *
expect_mix (const char *mix,
            const char *name,
            int         layer,
            ExpectFunc  more_bits)
{
  const char *more;

  if (is_f32 (name))
    return "F32";
  if (strcmp (name, "output.weight") == 0)
    return strcmp (mix, "Q8_0") == 0 ? "Q8_0" : "Q6_K";
  more = more_bits (mix, name, layer);
  if (more != NULL)
    return more;
  return strcmp (mix, "Q4_K_M") == 0 ? "Q4_K" : strcmp (mix, "Q5_K_M") == 0 ? "Q5_K" : mix;
}

static const char *
more_bits_wide (const char *mix,
                const char *name,
                int         layer)
{
  gboolean more = g_str_has_suffix (mix, "_K_M") && is_more_bits_8 (layer)
                  && (has (name, "attn_v.") || has (name, "ffn_down_exps."));

  return more ? "Q6_K" : NULL;
}

static const char *
more_bits_eight (const char *mix,
                 const char *name,
                 int         layer)
{
  if (has (name, "attn_v.") || has (name, "attn_k."))
    return "Q8_0";
  if (strcmp (mix, "Q4_K_M") == 0 && has (name, "attn_output."))
    return "Q5_K";
  if (g_str_has_suffix (mix, "_K_M") && has (name, "ffn_down_exps.") && layer == 1)
    return "Q6_K";
  return NULL;
}

static const char *
expect_wide (const char *mix,
             const char *name,
             int         layer)
{
  return expect_mix (mix, name, layer, more_bits_wide);
}

static const char *
expect_eight (const char *mix,
              const char *name,
              int         layer)
{
  return expect_mix (mix, name, layer, more_bits_eight);
}

/* K-quant -> fallback: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0 */
static const char *
expect_narrow (const char *mix,
               const char *name,
               int         layer)
{
  const char *t = expect_eight (mix, name, layer);

  if (strcmp (name, "output.weight") == 0)
    return "Q8_0";   /* rows not whole blocks of the base type: Q8_0 */
  if (strcmp (t, "Q4_K") == 0)
    return "Q5_0";
  if (strcmp (t, "Q5_K") == 0)
    return "Q5_1";
  if (strcmp (t, "Q6_K") == 0)
    return "Q8_0";
  return t;
}

static gboolean
build_has_type (const char *name)
{
  for (int d = 0; d < SY_N_DTYPES; d++)
    if (strcmp (sy_dtype_name (d), name) == 0)
      return sy_gguf_writer_can_store (d);
  return FALSE;
}

static char *
make_model (const SyRandomModelSpec *spec)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_build_filename (sy_test_tmp_dir (), spec->name, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_assert_true (sy_random_model_write (&(SyRandomModel) { spec, SY_DTYPE_F32, 7 }, dir, 1, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  return dir;
}

/* Logits of @model on a fixed 12-token text */
static float *
run_logits (SyModel *model,
            int     *n_out)
{
  g_autoptr (SySession) session = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = NULL;
  static const int32_t ids[12] = { 3, 17, 250, 9, 41, 100, 7, 299, 33, 12, 5, 64 };
  const float *logits;
  int T, V;

  trace = sy_session_run (session, ids, G_N_ELEMENTS (ids), NULL, NULL, &error);
  g_assert_no_error (error);
  logits = sy_session_get_logits (session, &T, &V);
  *n_out = T * V;
  return g_memdup2 (logits, sizeof (float) * T * V);
}

/* The olmoe tensors of the GGUF at @path under HF names (*@gguf holds
 * them) */
static SyTensorStore *
gguf_store (const char  *path,
            SyGguf     **gguf)
{
  g_autoptr (GError) error = NULL;
  SyTensorStore *store;

  *gguf = sy_gguf_open (path, &error);
  g_assert_no_error (error);
  store = sy_gguf_model_store (*gguf, sy_gguf_arch_lookup ("olmoe"), &error);
  g_assert_no_error (error);
  return store;
}

/* The GGUF's tensors under HF names, dequantized, as a safetensors
 * folder beside config.json: the weights the quantized file holds */
static char *
write_dequantized (const char *src,
                   const char *gguf_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) gguf = NULL;
  g_autoptr (SyTensorStore) store = gguf_store (gguf_path, &gguf);
  g_autoptr (SySafetensorsWriter) sw = sy_safetensors_writer_new ();
  g_autofree char *dir = g_strconcat (gguf_path, ".dequantized", NULL);
  g_autofree char *config_src = g_build_filename (src, "config.json", NULL);
  g_autofree char *config_dst = g_build_filename (dir, "config.json", NULL);
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = NULL;
  g_auto (GStrv) names = NULL;

  names = sy_tensor_store_list (store);
  for (char **n = names; *n; n++)
    {
      const SyTensor *t = sy_tensor_store_lookup (store, *n);
      int64_t ne = sy_tensor_n_elements (t);
      g_autofree float *v = g_new (float, ne);

      sy_tensor_to_f32 (t, 0, ne, v);
      g_assert_true (sy_safetensors_writer_add_f32 (sw, &(SyTensorDesc) { *n, SY_DTYPE_F32, t->n_dims, t->shape }, v, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (sy_safetensors_writer_write (sw, st, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_src, &config, NULL, NULL));
  g_assert_true (g_file_set_contents (config_dst, config, -1, NULL));
  return g_steal_pointer (&dir);
}

/* Every source tensor, quantized to the type its GGUF twin has and
 * dequantized, equals that twin's values exactly */
static void
check_values (const char *src,
              const char *gguf_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) gguf = NULL;
  g_autoptr (SyTensorStore) store = gguf_store (gguf_path, &gguf);
  g_autoptr (SyTensorStore) ref = sy_tensor_store_open (src, &error);
  g_auto (GStrv) names = NULL;
  int n_checked = 0;

  g_assert_no_error (error);
  names = sy_tensor_store_list (ref);
  for (char **n = names; *n; n++)
    {
      const SyTensor *r = sy_tensor_store_lookup (ref, *n);
      const SyTensor *t = sy_tensor_store_lookup (store, *n);
      int64_t ne = sy_tensor_n_elements (r);
      g_autofree float *want = g_new (float, ne);
      g_autofree float *got = g_new (float, ne);

      g_assert_nonnull (t);
      g_assert_cmpint (sy_tensor_n_elements (t), ==, ne);
      sy_tensor_to_f32 (r, 0, ne, want);
      sy_tensor_to_f32 (t, 0, ne, got);
      if (sy_dtype_is_quantized (t->dtype))
        {
          g_autofree guint8 *q = g_malloc (sy_dtype_n_bytes (t->dtype, ne));

          sy_quantize (t->dtype, want, ne, q);
          sy_quant_to_f32 (t->dtype, q, 0, ne, want);
        }
      else if (t->dtype == SY_DTYPE_F16)
        for (int64_t i = 0; i < ne; i++)
          want[i] = sy_f16_to_f32 (sy_f32_to_f16 (want[i]));
      else
        g_assert_cmpint (t->dtype, ==, SY_DTYPE_F32);
      g_assert_cmpint (memcmp (want, got, sizeof (float) * ne), ==, 0);
      n_checked++;
    }
  g_assert_cmpint (n_checked, >, 0);
}

/* Converts @spec's model with @mix; checks the type of every tensor
 * against @expect, the values against the source, and the forward pass
 * against the dequantized weights (<= 1e-4) and the F32 model (@bound:
 * max |delta| logits over max |logit|).  Returns FALSE (after checking the
 * error) when the mix needs a type this build does not write. */
static gboolean
check_mix (const SyRandomModelSpec *spec,
           const char              *mix_name,
           ExpectFunc               expect,
           double                   bound)
{
  g_autofree char *src = make_model (spec);
  g_autofree char *name = g_strdup_printf ("%s-%s.gguf", spec->name, mix_name);
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), name, NULL);
  g_autofree char *deq = NULL;
  g_autofree float *l_gguf = NULL, *l_f32 = NULL, *l_deq = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) gguf = NULL;
  g_autoptr (SyModel) m_gguf = NULL;
  g_autoptr (SyModel) m_f32 = NULL;
  g_autoptr (SyModel) m_deq = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean buildable = TRUE;
  SyGgufMix mix;
  int64_t file_type = 0;
  int n, n2, n_q = 0;
  double d_deq, d_f32, scale = 0;

  g_assert_true (sy_gguf_mix_from_name (mix_name, &mix));
  g_assert_cmpstr (sy_gguf_mix_name (mix), ==, mix_name);
  /* which types the expectations need */
  {
    const char *types[] = { "Q5_0", "Q5_1", "Q5_K" };
    g_autoptr (SyGguf) f32 = NULL;
    g_autofree char *f32_path = g_build_filename (sy_test_tmp_dir (), "names.gguf", NULL);

    g_assert_true (sy_gguf_convert (src, f32_path, SY_DTYPE_F32, &error));
    g_assert_no_error (error);
    f32 = sy_gguf_open (f32_path, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < sy_gguf_get_n_tensors (f32); i++)
      {
        const SyTensor *t = sy_gguf_get_tensor (f32, i);
        const char *want = expect (mix_name, t->name, g_str_has_prefix (t->name, "blk.") ? atoi (t->name + 4) : -1);

        for (gsize k = 0; k < G_N_ELEMENTS (types); k++)
          if (strcmp (want, types[k]) == 0 && !build_has_type (want))
            buildable = FALSE;
      }
  }
  if (!buildable)
    {
      g_assert_false (sy_gguf_convert_full (src, path, &(SyGgufConvertOptions) { SY_DTYPE_F32, mix }, &error));
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "a type this build cannot write yet"));
      sy_test_assert_no_file (path);
      g_test_message ("%s %s: needs a type this build does not write (%s)", spec->name, mix_name,
                      error->message);
      return FALSE;
    }
  g_assert_true (sy_gguf_convert_full (src, path, &(SyGgufConvertOptions) { SY_DTYPE_F32, mix }, &error));
  g_assert_no_error (error);

  gguf = sy_gguf_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < sy_gguf_get_n_tensors (gguf); i++)
    {
      const SyTensor *t = sy_gguf_get_tensor (gguf, i);
      int layer = g_str_has_prefix (t->name, "blk.") ? atoi (t->name + 4) : -1;
      const char *want = expect (mix_name, t->name, layer);

      if (strcmp (sy_dtype_name (t->dtype), want) != 0)
        g_error ("%s %s: tensor %s is %s, expected %s", spec->name, mix_name, t->name,
                 sy_dtype_name (t->dtype), want);
      n_q += sy_dtype_is_quantized (t->dtype);
      g_hash_table_add (seen, (gpointer) sy_dtype_name (t->dtype));
    }
  g_assert_cmpint (n_q, >, 0);
  g_assert_true (sy_gguf_get_int (gguf, "general.file_type", &file_type));
  g_assert_cmpint (file_type, ==, strcmp (mix_name, "Q4_K_M") == 0 ? 15 : strcmp (mix_name, "Q5_K_M") == 0 ? 17
                                  : strcmp (mix_name, "Q6_K") == 0 ? 18 : 7);
  g_clear_pointer (&gguf, sy_gguf_free);

  check_values (src, path);

  m_gguf = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  m_f32 = sy_model_load (src, NULL, NULL, &error);
  g_assert_no_error (error);
  deq = write_dequantized (src, path);
  m_deq = sy_model_load (deq, NULL, NULL, &error);
  g_assert_no_error (error);
  l_gguf = run_logits (m_gguf, &n);
  l_f32 = run_logits (m_f32, &n2);
  g_assert_cmpint (n, ==, n2);
  l_deq = run_logits (m_deq, &n2);
  g_assert_cmpint (n, ==, n2);
  for (int i = 0; i < n; i++)
    scale = MAX (scale, fabs (l_f32[i]));
  d_deq = sy_test_max_abs_diff (l_gguf, l_deq, n);
  d_f32 = sy_test_max_abs_diff (l_gguf, l_f32, n);
  g_test_message ("%s %s: %u types; max |delta| logits vs dequantized %.3g, vs F32 %.3g (max |logit| %.3g)",
                  spec->name, mix_name, g_hash_table_size (seen), d_deq, d_f32, scale);
  g_assert_cmpfloat (d_deq, <=, 1e-4);
  g_assert_cmpfloat (d_f32, <=, bound * scale);
  sy_test_remove_tree (deq);
  g_unlink (path);
  return TRUE;
}

/* Bounds on max |delta| logits / max |logit| against the F32 model */
#define BOUND_Q8 0.03
#define BOUND_Q6 0.12
#define BOUND_Q4 0.35

/* The four mixes of @spec's model, Q6_K within @q6_bound */
static void
check_mixes (const SyRandomModelSpec *spec,
             ExpectFunc               expect,
             double                   q6_bound)
{
  check_mix (spec, "Q6_K", expect, q6_bound);
  check_mix (spec, "Q8_0", expect, BOUND_Q8);
  check_mix (spec, "Q4_K_M", expect, BOUND_Q4);
  check_mix (spec, "Q5_K_M", expect, BOUND_Q4);
}

static void
test_wide (void)
{
  check_mixes (&wide, expect_wide, BOUND_Q6);
}

static void
test_eight_experts (void)
{
  check_mixes (&eight, expect_eight, BOUND_Q6);
}

static void
test_fallbacks (void)
{
  check_mixes (&narrow, expect_narrow, BOUND_Q8);
}

/* The CLI: presets, --pure, unknown types; a failed conversion leaves no file */
static void
test_cli (void)
{
  g_autofree char *src = make_model (&wide);
  g_autofree char *out = g_build_filename (sy_test_tmp_dir (), "cli.gguf", NULL);
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) gguf = NULL;

  g_assert_cmpint (sy_test_cli (NULL, &err, "convert-gguf", "--model", src, "--type", "q6_k", out, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  gguf = sy_gguf_open (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_gguf_find_tensor (gguf, "token_embd.weight")->dtype, ==, SY_DTYPE_Q6_K);
  g_assert_cmpint (sy_gguf_find_tensor (gguf, "blk.0.attn_norm.weight")->dtype, ==, SY_DTYPE_F32);
  g_clear_pointer (&gguf, sy_gguf_free);
  g_clear_pointer (&err, g_free);
  /* --pure: one type; the old file is replaced */
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert-gguf", "--model", src, "--type", "Q8_0", "--pure", out, NULL), ==, 0);
  gguf = sy_gguf_open (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_gguf_find_tensor (gguf, "output.weight")->dtype, ==, SY_DTYPE_Q8_0);
  g_assert_false (sy_gguf_has_key (gguf, "general.file_type"));
  g_clear_pointer (&gguf, sy_gguf_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert-gguf", "--model", src, "--type", "q3_k_m", out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unknown type 'q3_k_m'");
  g_clear_pointer (&err, g_free);
  g_unlink (out);
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert-gguf", "--model", sy_test_tmp_dir (), "--type", "Q4_K_M", out, NULL), ==, 1);
  sy_test_assert_no_file (out);
}

/* Deferred tensors: made when written, in order; an error from one stops
 * the writing and leaves no file */
static gboolean
fill_ramp (float    *v,
           int64_t   n,
           gpointer  user_data,
           GError  **error)
{
  int *calls = user_data;

  if (++*calls > 2)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED, "third fill refused");
      return FALSE;
    }
  for (int64_t i = 0; i < n; i++)
    v[i] = (float) i * 0.25f;
  return TRUE;
}

static void
test_deferred (void)
{
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), "deferred.gguf", NULL);
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 2, 64 };
  int calls = 0;

  {
    g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
    g_autoptr (SyGguf) gguf = NULL;
    float got[128];

    sy_gguf_writer_add_string (w, "general.architecture", "olmoe");
    g_assert_true (sy_gguf_writer_add_tensor_deferred (w, &(SyTensorDesc) { "a", SY_DTYPE_F32, 2, shape }, fill_ramp, &calls, NULL, &error));
    g_assert_true (sy_gguf_writer_add_tensor_deferred (w, &(SyTensorDesc) { "b", SY_DTYPE_Q8_0, 2, shape }, fill_ramp, &calls, NULL, &error));
    g_assert_false (sy_gguf_writer_add_tensor_deferred (w, &(SyTensorDesc) { "c", SY_DTYPE_Q4_K, 2, shape }, fill_ramp, &calls, NULL, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
    g_clear_error (&error);
    g_assert_cmpint (calls, ==, 0);
    g_assert_true (sy_gguf_writer_write (w, path, &error));
    g_assert_no_error (error);
    g_assert_cmpint (calls, ==, 2);
    gguf = sy_gguf_open (path, &error);
    g_assert_no_error (error);
    sy_tensor_to_f32 (sy_gguf_find_tensor (gguf, "a"), 0, 128, got);
    g_assert_cmpfloat (got[127], ==, 127 * 0.25f);
    g_assert_cmpint (sy_gguf_find_tensor (gguf, "b")->dtype, ==, SY_DTYPE_Q8_0);
  }
  {
    g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);

    g_unlink (path);
    calls = 2;
    g_assert_true (sy_gguf_writer_add_tensor_deferred (w, &(SyTensorDesc) { "a", SY_DTYPE_F32, 2, shape }, fill_ramp, &calls, NULL, &error));
    g_assert_false (sy_gguf_writer_write (w, path, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED);
    sy_test_assert_no_file (path);
  }
}

/* value i of the ranged test tensor; refuses a range that starts at
 * *(int64_t *) user_data when that is >= 0 */
static float
ranged_value (int64_t i)
{
  return (float) ((i * 2654435761u) % 1000) * 0.001f - 0.5f;
}

static gboolean
fill_ranged (float    *v,
             int64_t   offset,
             int64_t   n,
             gpointer  user_data,
             GError  **error)
{
  if (*(const int64_t *) user_data >= 0 && offset <= *(const int64_t *) user_data
      && *(const int64_t *) user_data < offset + n)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED, "range refused");
      return FALSE;
    }
  for (int64_t i = 0; i < n; i++)
    v[i] = ranged_value (offset + i);
  return TRUE;
}

static gboolean
fill_whole (float    *v,
            int64_t   n,
            gpointer  user_data,
            GError  **error)
{
  for (int64_t i = 0; i < n; i++)
    v[i] = ranged_value (i);
  return TRUE;
}

/* A tensor made by ranges (several steps of rows, on 1 or 3 threads)
 * is stored as the same bytes as made whole on one; a refused range
 * stops the writing */
static void
test_ranged (void)
{
  /* 4.5 steps of 4 Mi values, rows of 1536 */
  int64_t shape[2] = { 12288, 1536 }, never = -1, refused = (int64_t) 3 << 22;
  const SyDType types[] = { SY_DTYPE_Q8_0, SY_DTYPE_F32 };
  g_autofree char *whole = g_build_filename (sy_test_tmp_dir (), "whole.gguf", NULL);
  g_autofree char *ranged = g_build_filename (sy_test_tmp_dir (), "ranged.gguf", NULL);
  g_autoptr (GError) error = NULL;

  for (gsize d = 0; d < G_N_ELEMENTS (types); d++)
    for (int threads = 1; threads <= 3; threads += 2)
      {
        g_autoptr (SyGgufWriter) a = sy_gguf_writer_new (3);
        g_autoptr (SyGgufWriter) b = sy_gguf_writer_new (3);
        g_autofree char *ca = NULL, *cb = NULL;
        gsize la = 0, lb = 0;

        sy_gguf_writer_set_threads (a, 1);
        sy_gguf_writer_set_threads (b, threads);
        g_assert_true (sy_gguf_writer_add_tensor_deferred (a, &(SyTensorDesc) { "t", types[d], 2, shape }, fill_whole, NULL, NULL, &error));
        g_assert_true (sy_gguf_writer_add_tensor_ranged (b, &(SyTensorDesc) { "t", types[d], 2, shape }, fill_ranged, &never, NULL, &error));
        g_assert_true (sy_gguf_writer_write (a, whole, &error));
        g_assert_true (sy_gguf_writer_write (b, ranged, &error));
        g_assert_no_error (error);
        g_assert_true (g_file_get_contents (whole, &ca, &la, NULL));
        g_assert_true (g_file_get_contents (ranged, &cb, &lb, NULL));
        g_assert_cmpuint (la, ==, lb);
        g_assert_cmpuint (la, >, sy_dtype_n_bytes (types[d], shape[0] * shape[1]));
        g_assert_true (memcmp (ca, cb, la) == 0);
      }
  {
    g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);

    g_unlink (ranged);
    g_assert_true (sy_gguf_writer_add_tensor_ranged (w, &(SyTensorDesc) { "t", SY_DTYPE_Q8_0, 2, shape }, fill_ranged, &refused, NULL, &error));
    g_assert_false (sy_gguf_writer_write (w, ranged, &error));
    sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_FAILED, "range refused");
    sy_test_assert_no_file (ranged);
  }
}

static const SyTestCase tests[] = {
  { "/engine/gguf-mix/ranged", test_ranged },
  { "/engine/gguf-mix/deferred", test_deferred },
  { "/engine/gguf-mix/wide", test_wide },
  { "/engine/gguf-mix/eight-experts", test_eight_experts },
  { "/engine/gguf-mix/fallbacks", test_fallbacks },
  { "/engine/gguf-mix/cli", test_cli },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
