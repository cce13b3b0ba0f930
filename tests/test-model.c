/* test-model.c: loading models, and refusing broken ones clearly
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each broken model is a copy of a fixture with one thing wrong: a config
 * without a required key, an unknown model_type, a missing tensor, a
 * tensor of the wrong shape, a NaN weight.  The error must say what and
 * where.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-arch.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

/* A temporary copy of fixture @arch: config.json rewritten by @edit_config,
 * model.safetensors with its header rewritten by @edit_header and then
 * @patch applied to the data (offset from the data start, 4 bytes). */
static char *
make_model (const char     *arch,
            SyTestEditFunc  edit_config,
            SyTestEditFunc  edit_header,
            gpointer        data,
            gssize          patch_offset,
            float           patch_value)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src_st = sy_test_model_path (arch, "model.safetensors");
  g_autofree char *tmp = sy_test_model_copy_config (arch, "sy-model-XXXXXX", edit_config, data);
  g_autofree char *dst_st = g_build_filename (tmp, "model.safetensors", NULL);
  g_autofree char *bytes = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src_st, &bytes, &len, &error));
  {
    uint64_t hlen;
    json_object *header;
    const char *text;
    g_autoptr (GByteArray) out = g_byte_array_new ();
    uint64_t new_len;

    memcpy (&hlen, bytes, 8);
    {
      g_autofree char *htext = g_strndup (bytes + 8, hlen);

      header = json_tokener_parse (htext);
    }
    g_assert_nonnull (header);
    if (edit_header)
      edit_header (header, data);
    text = json_object_to_json_string_ext (header, JSON_C_TO_STRING_PLAIN);
    new_len = strlen (text);
    g_byte_array_append (out, (const guint8 *) &new_len, 8);
    g_byte_array_append (out, (const guint8 *) text, new_len);
    g_byte_array_append (out, (const guint8 *) bytes + 8 + hlen, len - 8 - hlen);
    json_object_put (header);
    if (patch_offset >= 0)
      memcpy (out->data + 8 + new_len + patch_offset, &patch_value, 4);
    g_assert_true (g_file_set_contents (dst_st, (const char *) out->data, out->len, &error));
  }
  return g_steal_pointer (&tmp);
}

static void
delete_key (json_object *obj,
            gpointer     data)
{
  json_object_object_del (obj, data);
}

static void
set_model_type (json_object *obj,
                gpointer     data)
{
  json_object_object_add (obj, "model_type", json_object_new_string (data));
}

static void
test_missing_key (void)
{
  const char *keys[] = { "hidden_size", "num_experts_per_tok", "num_local_experts", NULL };

  for (int i = 0; keys[i]; i++)
    {
      g_autofree char *dir = make_model ("mixtral", delete_key, NULL, (gpointer) keys[i], -1, 0);
      const char *needles[] = { "config.json", keys[i], "missing", NULL };

      sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_MISSING, needles);
      sy_test_remove_tree (dir);
    }
  {
    g_autofree char *dir = make_model ("olmoe", delete_key, NULL, "model_type", -1, 0);
    const char *needles[] = { "config.json", "model_type", NULL };

    sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_MISSING, needles);
    sy_test_remove_tree (dir);
  }
}

static void
test_unknown_arch (void)
{
  g_autofree char *dir = make_model ("mixtral", set_model_type, NULL, "llama4_moe", -1, 0);
  const char *needles[] = { "llama4_moe", "mixtral", "olmoe", "qwen2_moe", "qwen3_moe",
                            "granitemoe", NULL };

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_UNSUPPORTED_ARCH, needles);
  sy_test_remove_tree (dir);
}

static void
bad_value (json_object *obj,
           gpointer     data)
{
  json_object_object_add (obj, "num_experts_per_tok", json_object_new_string ("two"));
}

static void
test_bad_value (void)
{
  g_autofree char *dir = make_model ("granitemoe", bad_value, NULL, NULL, -1, 0);
  const char *needles[] = { "config.json", "num_experts_per_tok", "two", NULL };

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_INVALID_VALUE, needles);
  sy_test_remove_tree (dir);
}

/* renames the tensor: the model misses it (and has a leftover) */
static void
rename_tensor (json_object *header,
               gpointer     data)
{
  json_object *t = NULL;

  g_assert_true (json_object_object_get_ex (header, data, &t));
  json_object_get (t);
  json_object_object_del (header, data);
  json_object_object_add (header, "model.layers.1.self_attn.renamed", t);
}

static void
test_missing_tensor (void)
{
  const char *name = "model.layers.1.mlp.experts.3.up_proj.weight";
  g_autofree char *dir = make_model ("qwen3_moe", NULL, rename_tensor, (gpointer) name, -1, 0);
  const char *needles[] = { name, NULL };

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_MISSING, needles);
  sy_test_remove_tree (dir);
}

/* (64, 64) -> (32, 128): the same bytes, the wrong shape */
static void
reshape_tensor (json_object *header,
                gpointer     data)
{
  json_object *t = NULL, *shape;

  g_assert_true (json_object_object_get_ex (header, data, &t));
  shape = json_object_new_array ();
  json_object_array_add (shape, json_object_new_int (32));
  json_object_array_add (shape, json_object_new_int (128));
  json_object_object_add (t, "shape", shape);
}

static void
test_wrong_shape (void)
{
  const char *name = "model.layers.2.self_attn.q_proj.weight";
  g_autofree char *dir = make_model ("olmoe", NULL, reshape_tensor, (gpointer) name, -1, 0);
  const char *needles[] = { "model.safetensors", name, "64", "128", NULL };

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_SHAPE_MISMATCH, needles);
  sy_test_remove_tree (dir);
}

static gssize
tensor_offset (const char *arch,
               const char *name)
{
  g_autofree char *src = sy_test_model_path (arch, "");
  g_autofree char *st = g_build_filename (src, "model.safetensors", NULL);
  g_autofree char *bytes = NULL;
  g_autofree char *htext = NULL;
  uint64_t hlen;
  gsize len;
  json_object *header, *t, *off;
  gssize result;

  g_assert_true (g_file_get_contents (st, &bytes, &len, NULL));
  memcpy (&hlen, bytes, 8);
  htext = g_strndup (bytes + 8, hlen);
  header = json_tokener_parse (htext);
  g_assert_true (json_object_object_get_ex (header, name, &t));
  g_assert_true (json_object_object_get_ex (t, "data_offsets", &off));
  result = json_object_get_int64 (json_object_array_get_idx (off, 0));
  json_object_put (header);
  return result;
}

static void
test_nan_weight (void)
{
  const char *name = "model.layers.0.mlp.shared_expert.down_proj.weight";
  gssize off = tensor_offset ("qwen2_moe", name);
  g_autofree char *dir = make_model ("qwen2_moe", NULL, NULL, NULL, off + 4 * 17, NAN);
  const char *needles[] = { name, "NaN at element 17", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) mapped = NULL;

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_NAN, needles);
  /* the same error when the weights are checked in place */
  mapped = sy_model_load_full (dir, SY_MODEL_LOAD_MAPPED, NULL, NULL, &error);
  g_assert_null (mapped);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_NAN, "NaN at element 17");
  sy_test_remove_tree (dir);
}

static void
test_not_a_folder (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load ("/nonexistent/model", NULL, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model"));
}

static void
test_info (void)
{
  g_autofree char *dir = sy_test_model_path ("qwen2_moe", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  const SyModelInfo *info;
  const SyRouterModelInfo *ri;

  g_assert_no_error (error);
  info = sy_model_get_info (model);
  g_assert_cmpstr (info->model_type, ==, "qwen2_moe");
  g_assert_cmpstr (info->hf_class, ==, "Qwen2MoeForCausalLM");
  g_assert_cmpstr (info->dtype, ==, "F32");
  g_assert_cmpint (info->n_layers, ==, 3);
  g_assert_cmpint (info->n_moe_layers, ==, 3);
  g_assert_cmpint (info->n_experts, ==, 8);
  g_assert_cmpint (info->native_k, ==, 2);
  g_assert_cmpint (info->vocab_size, ==, 3000);
  g_assert_cmpint (info->hidden_size, ==, 64);
  g_assert_cmpint (info->shared_ffn, ==, 96);
  g_assert_cmpint (info->eos_token_id, ==, 0);
  g_assert_cmpint (info->bos_token_id, ==, -1);
  for (int l = 0; l < 3; l++)
    g_assert_true (info->layer_is_moe[l]);
  /* 2 x (3000 x 64) + 64 + per layer: attention 64*64*2 + 32*64*2 + biases
   * 64+32+32, norms 128, router 8*64, experts 8 * 3 * 32*64, shared 3*96*64 + 64 */
  g_assert_cmpint (info->n_params, ==,
                   2 * 3000 * 64 + 64
                   + 3 * (64 * 64 * 2 + 32 * 64 * 2 + 128 + 128 + 8 * 64
                          + 8 * 3 * 32 * 64 + 3 * 96 * 64 + 64));

  ri = sy_model_get_router_info (model);
  g_assert_cmpint (ri->n_experts, ==, 8);
  g_assert_cmpint (ri->native_k, ==, 2);
  g_assert_cmpint (ri->activation, ==, SY_ROUTER_SOFTMAX);
  g_assert_cmpint (ri->native_weights, ==, SY_NATIVE_WEIGHTS_RAW);
  g_assert_true (ri->has_shared_experts);
}

static void
test_native_weights (void)
{
  struct { const char *arch; SyNativeWeights w; } cases[] = {
    { "mixtral", SY_NATIVE_WEIGHTS_RENORM },
    { "olmoe", SY_NATIVE_WEIGHTS_RAW },
    { "qwen3_moe", SY_NATIVE_WEIGHTS_RENORM },
    { "granitemoe", SY_NATIVE_WEIGHTS_RENORM },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = sy_test_model_path (cases[i].arch, "");
      g_autoptr (GError) error = NULL;
      g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (sy_model_get_router_info (model)->native_weights, ==, cases[i].w);
      g_assert_false (sy_model_get_router_info (model)->has_shared_experts);
    }
}

/* rope given as top-level rope_theta instead of rope_parameters: same model */
static void
old_rope_keys (json_object *obj,
               gpointer     data)
{
  json_object_object_del (obj, "rope_parameters");
  json_object_object_add (obj, "rope_theta", json_object_new_double (1000000.0));
}

static void
test_rope_keys (void)
{
  g_autofree char *a_dir = sy_test_model_path ("qwen3_moe", "");
  g_autofree char *b_dir = make_model ("qwen3_moe", old_rope_keys, NULL, NULL, -1, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) a = sy_model_load (a_dir, NULL, NULL, &error);
  g_autoptr (SyModel) b = sy_model_load (b_dir, NULL, NULL, &error);
  g_autoptr (SySession) sa = NULL;
  g_autoptr (SySession) sb = NULL;
  g_autoptr (SyTrace) ta = NULL;
  g_autoptr (SyTrace) tb = NULL;
  int32_t ids[6] = { 0, 10, 200, 33, 2999, 7 };
  const float *la, *lb;
  int T, V;

  g_assert_no_error (error);
  sa = sy_session_new (a);
  sb = sy_session_new (b);
  ta = sy_session_run (sa, ids, 6, NULL, NULL, &error);
  tb = sy_session_run (sb, ids, 6, NULL, NULL, &error);
  g_assert_no_error (error);
  la = sy_session_get_logits (sa, &T, &V);
  lb = sy_session_get_logits (sb, &T, &V);
  g_assert_cmpmem (la, sizeof (float) * T * V, lb, sizeof (float) * T * V);
  sy_test_remove_tree (b_dir);
}

/* weights copied into the arena (the default for a model that fits, or
 * forced) or read in place from the mapping: the same numbers */
static void
test_weight_memory (void)
{
  g_autofree char *dir = sy_test_model_path ("granitemoe", "");
  const SyModelLoadFlags modes[3] = { SY_MODEL_LOAD_DEFAULT, SY_MODEL_LOAD_MAPPED, SY_MODEL_LOAD_RESIDENT };
  const gboolean resident[3] = { TRUE, FALSE, TRUE };
  g_autofree float *first = NULL;
  int32_t ids[5] = { 1, 100, 2000, 7, 42 };
  int64_t n_params = 0;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyModel) m = sy_model_load_full (dir, modes[i], NULL, NULL, &error);
      g_autoptr (SySession) s = NULL;
      g_autoptr (SyTrace) t = NULL;
      const float *l;
      int T, V;

      g_assert_no_error (error);
      g_assert_cmpint (sy_model_get_info (m)->resident, ==, resident[i]);
      if (i == 0)
        n_params = sy_model_get_info (m)->n_params;
      g_assert_cmpint (sy_model_get_info (m)->n_params, ==, n_params);
      s = sy_session_new (m);
      t = sy_session_run (s, ids, 5, NULL, NULL, &error);
      g_assert_no_error (error);
      l = sy_session_get_logits (s, &T, &V);
      if (first == NULL)
        first = g_memdup2 (l, sizeof (float) * T * V);
      else
        g_assert_cmpmem (l, sizeof (float) * T * V, first, sizeof (float) * T * V);
    }
}

static void
unsupported_rope (json_object *obj,
                  gpointer     data)
{
  json_object *p = json_object_new_object ();

  json_object_object_add (p, "rope_theta", json_object_new_double (10000.0));
  json_object_object_add (p, "rope_type", json_object_new_string ("longrope"));
  json_object_object_add (obj, "rope_parameters", p);
}

static void
test_unsupported_rope (void)
{
  g_autofree char *dir = make_model ("mixtral", unsupported_rope, NULL, NULL, -1, 0);
  const char *needles[] = { "config.json", "longrope", NULL };

  sy_test_assert_load_fails (dir, SY_ENGINE_ERROR_UNSUPPORTED, needles);
  sy_test_remove_tree (dir);
}

static const SyTestCase tests[] = {
  { "/engine/model/info", test_info },
  { "/engine/model/native-weights", test_native_weights },
  { "/engine/model/rope-keys", test_rope_keys },
  { "/engine/model/weight-memory", test_weight_memory },
  { "/engine/model/error/missing-key", test_missing_key },
  { "/engine/model/error/unknown-arch", test_unknown_arch },
  { "/engine/model/error/bad-value", test_bad_value },
  { "/engine/model/error/missing-tensor", test_missing_tensor },
  { "/engine/model/error/wrong-shape", test_wrong_shape },
  { "/engine/model/error/nan-weight", test_nan_weight },
  { "/engine/model/error/not-a-folder", test_not_a_folder },
  { "/engine/model/error/unsupported-rope", test_unsupported_rope },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
