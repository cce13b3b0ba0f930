/* test-archs.c: DeepSeek-V3 and gpt-oss specifics beyond the fixtures
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Copies of the deepseek_v3 / gpt_oss fixtures with one thing changed:
 * multi-token-prediction weights left in the checkpoint (ignored, listed
 * as unused, results unchanged), the config's defaults (layer_types
 * absent = the alternating pattern), and broken configs (groups that do
 * not divide the experts, layer_types of the wrong length or kind, a
 * q_lora_rank of null without q_proj).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-model.h"
#include "sy-safetensors-writer.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

/* A temporary model folder: the fixture's config edited by @edit, its
 * tensors, plus @n_extra extra (1-D, 8 floats) tensors named @extra. */
static char *
make_model (const char         *arch,
            SyTestEditFunc      edit,
            gpointer            data,
            const char *const  *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = sy_test_model_path (arch, "");
  g_autofree char *tmp = sy_test_model_copy_config (arch, "sy-archs-XXXXXX", edit, data);
  g_autofree char *dst_st = g_build_filename (tmp, "model.safetensors", NULL);
  g_autoptr (SyTensorStore) store = NULL;
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_auto (GStrv) names = NULL;

  store = sy_tensor_store_open (src, &error);
  g_assert_no_error (error);
  names = sy_tensor_store_list (store);
  for (int i = 0; names[i]; i++)
    {
      g_assert_true (sy_safetensors_writer_add_tensor (w, names[i], SY_DTYPE_F32,
                                                       sy_tensor_store_lookup (store, names[i]),
                                                       &error));
      g_assert_no_error (error);
    }
  for (int i = 0; extra && extra[i]; i++)
    {
      float v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
      int64_t shape[1] = { 8 };

      g_assert_true (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { extra[i], SY_DTYPE_F32, 1, shape }, v, &error));
    }
  g_assert_true (sy_safetensors_writer_write (w, dst_st, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&tmp);
}

/* Logits of a fixed 12-token input. */
static float *
run_logits (SyModel *model)
{
  g_autoptr (SySession) s = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = NULL;
  int32_t ids[12];
  const float *l;
  int T, V;

  for (int i = 0; i < 12; i++)
    ids[i] = (i * 211 + 5) % 3000;
  trace = sy_session_run (s, ids, 12, NULL, NULL, &error);
  g_assert_no_error (error);
  l = sy_session_get_logits (s, &T, &V);
  g_assert_cmpint (T, ==, 12);
  return g_memdup2 (l, sizeof (float) * T * V);
}

static void
assert_same_logits (const char *dir,
                    const char *arch)
{
  g_autofree char *fx = sy_test_model_path (arch, "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) a = sy_model_load (dir, NULL, NULL, &error);
  g_autoptr (SyModel) b = NULL;
  g_autofree float *la = NULL;
  g_autofree float *lb = NULL;

  g_assert_no_error (error);
  b = sy_model_load (fx, NULL, NULL, &error);
  g_assert_no_error (error);
  la = run_logits (a);
  lb = run_logits (b);
  for (int i = 0; i < 12 * 3000; i++)
    g_assert_cmpfloat (la[i], ==, lb[i]);
}

/* DeepSeek-V3 checkpoints carry the multi-token-prediction layer as
 * decoder layer num_hidden_layers: inference ignores it, the model lists
 * it as unused. */
static void
test_mtp_ignored (void)
{
  const char *extra[] = { "model.layers.3.enorm.weight", "model.layers.3.hnorm.weight", NULL };
  g_autofree char *dir = make_model ("deepseek_v3", NULL, NULL, extra);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  const char *const *unused;

  g_assert_no_error (error);
  unused = sy_model_get_unused_tensors (model);
  g_assert_cmpint (g_strv_length ((char **) unused), ==, 2);
  g_assert_true (g_strv_contains (unused, extra[0]));
  g_assert_true (g_strv_contains (unused, extra[1]));
  assert_same_logits (dir, "deepseek_v3");
  sy_test_remove_tree (dir);
}

static void
del_key (json_object *config,
         gpointer     data)
{
  json_object_object_del (config, data);
}

/* GptOssConfig's default layer_types: sliding on even layers, which is
 * what the fixture spells out */
static void
test_layer_types_default (void)
{
  g_autofree char *dir = make_model ("gpt_oss", del_key, "layer_types", NULL);

  assert_same_logits (dir, "gpt_oss");
  sy_test_remove_tree (dir);
}

static void
set_int (json_object *config,
         gpointer     data)
{
  const char *spec = data;   /* "key=value" */
  g_auto (GStrv) kv = g_strsplit (spec, "=", 2);

  json_object_object_add (config, kv[0], json_object_new_int (atoi (kv[1])));
}

static void
test_bad_groups (void)
{
  g_autofree char *dir = make_model ("deepseek_v3", set_int, "n_group=3", NULL);
  const char *needles[] = { "config.json", "n_group 3", "16", NULL };

  sy_test_assert_copy_fails (dir, SY_ENGINE_ERROR_INVALID_VALUE, needles);
}

static void
set_layer_types (json_object *config,
                 gpointer     data)
{
  g_auto (GStrv) types = g_strsplit (data, ",", -1);
  json_object *a = json_object_new_array ();

  for (int i = 0; types[i]; i++)
    json_object_array_add (a, json_object_new_string (types[i]));
  json_object_object_add (config, "layer_types", a);
}

static void
test_bad_layer_types (void)
{
  {
    g_autofree char *dir = make_model ("gpt_oss", set_layer_types,
                                       "sliding_attention,full_attention", NULL);
    const char *needles[] = { "config.json", "layer_types", "2 entries", "3 layers", NULL };

    sy_test_assert_copy_fails (dir, SY_ENGINE_ERROR_INVALID_VALUE, needles);
  }
  {
    g_autofree char *dir = make_model ("gpt_oss", set_layer_types,
                                       "sliding_attention,chunked_attention,full_attention", NULL);
    const char *needles[] = { "config.json", "layer_types", "chunked_attention", NULL };

    sy_test_assert_copy_fails (dir, SY_ENGINE_ERROR_INVALID_VALUE, needles);
  }
}

static void
null_q_lora (json_object *config,
             gpointer     data)
{
  json_object_object_add (config, "q_lora_rank", NULL);
}

/* q_lora_rank null: the queries come from q_proj, which this checkpoint
 * lacks */
static void
test_q_lora_null (void)
{
  g_autofree char *dir = make_model ("deepseek_v3", null_q_lora, NULL, NULL);
  const char *needles[] = { "model.layers.0.self_attn.q_proj.weight", NULL };

  sy_test_assert_copy_fails (dir, SY_ENGINE_ERROR_MISSING, needles);
}

static const SyTestCase tests[] = {
  { "/engine/archs/deepseek-mtp-ignored", test_mtp_ignored },
  { "/engine/archs/deepseek-bad-groups", test_bad_groups },
  { "/engine/archs/deepseek-q-lora-null", test_q_lora_null },
  { "/engine/archs/gpt-oss-layer-types-default", test_layer_types_default },
  { "/engine/archs/gpt-oss-bad-layer-types", test_bad_layer_types },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
