/* test-json.c: typed config getters, rope parameters, generation config
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

static json_object *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  json_object *obj = sy_json_parse (text, -1, "config.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (obj);
  return obj;
}

static void
assert_message (const GError *error,
                int           code,
                const char   *expected)
{
  g_assert_error (error, SY_ENGINE_ERROR, code);
  if (strstr (error->message, expected) == NULL)
    g_error ("message '%s' does not contain '%s'", error->message, expected);
}

static void
test_getters (void)
{
  g_autoptr (SyJson) c = parse ("{\"hidden_size\": 2048, \"rms_norm_eps\": 1e-05, \"eps_int\": 1,"
                                " \"tie_word_embeddings\": false, \"model_type\": \"olmoe\","
                                " \"pad_token_id\": null, \"max\": 4096.0, \"half\": 2.5,"
                                " \"layers\": [1, 2, 3], \"empty\": [], \"sub\": {\"a\": 1}}");
  g_autoptr (GError) error = NULL;
  g_autofree char *s = NULL;
  g_autofree char *d = NULL;
  g_autofree int64_t *arr = NULL;
  json_object *sub = NULL;
  int64_t i = -1;
  double x = -1;
  gboolean b = TRUE;
  gsize n = 99;

  g_assert_true (sy_json_require_int (c, "config.json", "hidden_size", &i, &error));
  g_assert_cmpint (i, ==, 2048);
  g_assert_true (sy_json_get_int (c, "config.json", "absent", 7, &i, &error));
  g_assert_cmpint (i, ==, 7);
  g_assert_true (sy_json_get_int (c, "config.json", "pad_token_id", -1, &i, &error));  /* null = absent */
  g_assert_cmpint (i, ==, -1);
  g_assert_true (sy_json_require_int (c, "config.json", "max", &i, &error));          /* 4096.0 */
  g_assert_cmpint (i, ==, 4096);
  g_assert_false (sy_json_has (c, "pad_token_id"));
  g_assert_true (sy_json_has (c, "hidden_size"));

  g_assert_true (sy_json_require_double (c, "config.json", "rms_norm_eps", &x, &error));
  g_assert_cmpfloat (x, ==, 1e-05);
  g_assert_true (sy_json_require_double (c, "config.json", "eps_int", &x, &error));  /* int as float */
  g_assert_cmpfloat (x, ==, 1.0);
  g_assert_true (sy_json_get_double (c, "config.json", "absent", 0.5, &x, &error));
  g_assert_cmpfloat (x, ==, 0.5);

  g_assert_true (sy_json_require_bool (c, "config.json", "tie_word_embeddings", &b, &error));
  g_assert_false (b);
  g_assert_true (sy_json_get_bool (c, "config.json", "absent", TRUE, &b, &error));
  g_assert_true (b);

  g_assert_true (sy_json_require_string (c, "config.json", "model_type", &s, &error));
  g_assert_cmpstr (s, ==, "olmoe");
  g_assert_true (sy_json_get_string (c, "config.json", "absent", "silu", &d, &error));
  g_assert_cmpstr (d, ==, "silu");

  g_assert_true (sy_json_get_int_array (c, "config.json", "layers", FALSE, &arr, &n, &error));
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpint (arr[2], ==, 3);
  g_clear_pointer (&arr, g_free);
  g_assert_true (sy_json_get_int_array (c, "config.json", "empty", FALSE, &arr, &n, &error));
  g_assert_cmpint (n, ==, 0);
  g_clear_pointer (&arr, g_free);
  g_assert_true (sy_json_get_int_array (c, "config.json", "absent", FALSE, &arr, &n, &error));
  g_assert_cmpint (n, ==, 0);
  g_assert_null (arr);
  g_assert_true (sy_json_get_int_array (c, "config.json", "hidden_size", TRUE, &arr, &n, &error));
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (arr[0], ==, 2048);

  g_assert_true (sy_json_get_object (c, "config.json", "sub", &sub, &error));
  g_assert_nonnull (sub);
  {
    g_autoptr (SyJson) lt = parse ("{\"layer_types\": [\"sliding_attention\", \"full_attention\"], \"bad\": [\"a\", 1],"
                                   " \"empty\": []}");
    g_auto (GStrv) types = NULL;

    g_assert_true (sy_json_get_string_array (lt, "config.json", "layer_types", &types, &error));
    g_assert_cmpint (g_strv_length (types), ==, 2);
    g_assert_cmpstr (types[1], ==, "full_attention");
    g_clear_pointer (&types, g_strfreev);
    g_assert_true (sy_json_get_string_array (lt, "config.json", "empty", &types, &error));
    g_assert_nonnull (types);
    g_assert_cmpint (g_strv_length (types), ==, 0);
    g_clear_pointer (&types, g_strfreev);
    g_assert_true (sy_json_get_string_array (lt, "config.json", "absent", &types, &error));
    g_assert_null (types);
    g_assert_false (sy_json_get_string_array (lt, "config.json", "bad", &types, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
    g_assert_nonnull (strstr (error->message, "config.json: key 'bad' must be an array of strings, item 1 is integer"));
    g_assert_null (types);
    g_clear_error (&error);
  }
  g_assert_true (sy_json_get_object (c, "config.json", "absent", &sub, &error));
  g_assert_null (sub);

  g_assert_true (sy_json_get_int_range (c, "config.json", "hidden_size", 0, 1, 4096, &i, &error));
  g_assert_no_error (error);
}

static void
test_getter_errors (void)
{
  g_autoptr (SyJson) c = parse ("{\"num_experts_per_tok\": \"8\", \"half\": 2.5, \"flag\": 1,"
                                " \"name\": 3, \"list\": [1, \"x\"], \"hidden_size\": null,"
                                " \"n\": 0, \"sub\": [1]}");
  g_autoptr (GError) error = NULL;
  g_autofree char *s = NULL;
  g_autofree int64_t *arr = NULL;
  json_object *sub;
  int64_t i = 0;
  double x;
  gboolean b;
  gsize n;

  g_assert_false (sy_json_require_int (c, "config.json", "hidden_size", &i, &error));
  assert_message (error, SY_ENGINE_ERROR_MISSING, "config.json: required key 'hidden_size' is missing");
  g_clear_error (&error);
  g_assert_false (sy_json_require_int (c, "config.json", "num_experts_per_tok", &i, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE,
                  "config.json: key 'num_experts_per_tok' must be an integer, got string");
  g_clear_error (&error);
  g_assert_false (sy_json_get_int (c, "config.json", "half", 0, &i, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'half' must be an integer, got number");
  g_clear_error (&error);
  g_assert_false (sy_json_get_double (c, "config.json", "num_experts_per_tok", 0, &x, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'num_experts_per_tok' must be a number, got string");
  g_clear_error (&error);
  g_assert_false (sy_json_get_bool (c, "config.json", "flag", FALSE, &b, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'flag' must be true or false, got integer");
  g_clear_error (&error);
  g_assert_false (sy_json_get_string (c, "config.json", "name", NULL, &s, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'name' must be a string, got integer");
  g_clear_error (&error);
  g_assert_false (sy_json_get_int_array (c, "config.json", "list", FALSE, &arr, &n, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'list' must be an array of integers, item 1 is string");
  g_clear_error (&error);
  g_assert_false (sy_json_get_int_array (c, "config.json", "half", FALSE, &arr, &n, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'half' must be an array of integers, got number");
  g_clear_error (&error);
  g_assert_false (sy_json_require_int_range (c, "config.json", "n", 1, INT64_MAX, &i, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'n' is 0, must be at least 1");
  g_clear_error (&error);
  g_assert_false (sy_json_get_int_range (c, "config.json", "n", 5, 1, 8, &i, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'n' is 0, must be in [1, 8]");
  g_clear_error (&error);
  g_assert_true (sy_json_get_int_range (c, "config.json", "absent", 5, 1, 8, &i, &error));
  g_assert_cmpint (i, ==, 5);
  g_assert_false (sy_json_get_object (c, "config.json", "sub", &sub, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'sub' must be an object, got array");
  g_clear_error (&error);
}

static void
test_parse_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-test-json-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *absent = g_build_filename (dir, "nothing.json", NULL);

  g_assert_null (sy_json_parse ("{\"a\": 1,", -1, "config.json", &error));
  assert_message (error, SY_ENGINE_ERROR_CORRUPT, "config.json: not valid JSON");
  g_clear_error (&error);
  g_assert_null (sy_json_parse ("[1]", -1, "config.json", &error));
  assert_message (error, SY_ENGINE_ERROR_CORRUPT, "config.json: the top-level JSON value is not an object");
  g_clear_error (&error);
  g_assert_null (sy_json_parse ("{} {}", -1, "config.json", &error));
  assert_message (error, SY_ENGINE_ERROR_CORRUPT, "config.json: not valid JSON");
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "{\"hidden_size\": 64}\n", -1, NULL));
  {
    g_autoptr (SyJson) c = sy_json_load_file (path, &error);
    int64_t h;

    g_assert_no_error (error);
    g_assert_true (sy_json_require_int (c, "config.json", "hidden_size", &h, &error));
    g_assert_cmpint (h, ==, 64);
  }
  g_assert_null (sy_json_load_file (absent, &error));
  assert_message (error, SY_ENGINE_ERROR_IO, "nothing.json");
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_rope_fixtures (void)
{
  const struct
  {
    const char *model;
    double      theta;
    const char *type;
  } expected[] = {
    { "mixtral", 1e6, "default" },
    { "olmoe", 1e4, "default" },
    { "qwen2_moe", 1e6, "default" },
    { "qwen3_moe", 1e6, "default" },
    { "granitemoe", 1e4, "default" },
    { "gpt_oss", 150000.0, "yarn" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_build_filename (g_getenv ("SY_FIXTURES"), "models",
                                                expected[i].model, "config.json", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyJson) c = sy_json_load_file (path, &error);
      SyRopeParams rope;

      g_assert_no_error (error);
      /* a default that differs from every fixture: the file's value wins */
      g_assert_true (sy_rope_params_read (c, "config.json", 12345.0, &rope, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (rope.theta, ==, expected[i].theta);
      g_assert_cmpstr (rope.type, ==, expected[i].type);
      if (strcmp (expected[i].type, "yarn") == 0)
        {
          g_assert_cmpfloat (rope.factor, ==, 32.0);
          g_assert_cmpfloat (rope.beta_fast, ==, 32.0);
          g_assert_cmpfloat (rope.beta_slow, ==, 1.0);
          g_assert_cmpfloat (rope.original_max_position_embeddings, ==, 4096.0);
          g_assert_false (rope.truncate);
        }
      else
        g_assert_cmpfloat (rope.factor, ==, 1.0);
    }
}

static void
test_rope_forms (void)
{
  g_autoptr (GError) error = NULL;
  SyRopeParams rope;

  /* older keys: top-level rope_theta, rope_scaling null */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_theta\": 500000, \"rope_scaling\": null}");
    g_assert_true (sy_rope_params_read (c, "config.json", 10000.0, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 500000.0);
    g_assert_cmpstr (rope.type, ==, "default");
    g_assert_cmpfloat (rope.factor, ==, 1.0);
    g_assert_true (rope.truncate);
  }
  /* nothing: the architecture's default */
  {
    g_autoptr (SyJson) c = parse ("{}");
    g_assert_true (sy_rope_params_read (c, "config.json", 1e6, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 1e6);
    g_assert_cmpstr (rope.type, ==, "default");
  }
  /* older rope_scaling with "type" */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_theta\": 10000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4}}");
    g_assert_true (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 10000.0);
    g_assert_cmpstr (rope.type, ==, "linear");
    g_assert_cmpfloat (rope.factor, ==, 4.0);
  }
  /* older rope_scaling with rope_type yarn */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_theta\": 150000, \"rope_scaling\": {\"rope_type\": \"yarn\","
                                  " \"factor\": 32.0, \"beta_fast\": 16, \"original_max_position_embeddings\": 4096,"
                                  " \"truncate\": false}}");
    g_assert_true (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 150000.0);
    g_assert_cmpstr (rope.type, ==, "yarn");
    g_assert_cmpfloat (rope.beta_fast, ==, 16.0);
    g_assert_cmpfloat (rope.beta_slow, ==, 1.0);
    g_assert_cmpfloat (rope.original_max_position_embeddings, ==, 4096.0);
    g_assert_false (rope.truncate);
  }
  /* transformers 5 rope_parameters win over a stale top-level theta */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_theta\": 1, \"rope_parameters\": {\"rope_theta\": 1000000.0,"
                                  " \"rope_type\": \"default\"}}");
    g_assert_true (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 1e6);
  }
  /* rope_parameters without a theta: top-level, then the default */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8,"
                                  " \"low_freq_factor\": 1, \"high_freq_factor\": 4}}");
    g_assert_true (sy_rope_params_read (c, "config.json", 500000.0, &rope, &error));
    g_assert_cmpfloat (rope.theta, ==, 500000.0);
    g_assert_cmpstr (rope.type, ==, "llama3");
    g_assert_cmpfloat (rope.factor, ==, 8.0);
  }
  g_assert_no_error (error);

  /* errors */
  {
    g_autoptr (SyJson) c = parse ("{\"rope_theta\": \"big\"}");
    g_assert_false (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "config.json: key 'rope_theta' must be a number, got string");
    g_clear_error (&error);
  }
  {
    g_autoptr (SyJson) c = parse ("{\"rope_parameters\": {\"rope_theta\": -5}}");
    g_assert_false (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "rope theta must be positive");
    g_clear_error (&error);
  }
  {
    g_autoptr (SyJson) c = parse ("{\"rope_scaling\": {\"type\": \"linear\", \"factor\": \"x\"}}");
    g_assert_false (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "config.json: rope_scaling: key 'factor' must be a number");
    g_clear_error (&error);
  }
  {
    g_autoptr (SyJson) c = parse ("{\"rope_parameters\": {\"full_attention\": {\"rope_theta\": 1}}}");
    g_assert_false (sy_rope_params_read (c, "config.json", 1.0, &rope, &error));
    assert_message (error, SY_ENGINE_ERROR_UNSUPPORTED, "per-layer-type");
    g_clear_error (&error);
  }
}

static void
test_generation_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-test-json-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *gen = g_build_filename (dir, "generation_config.json", NULL);
  SyGenerationConfig g;

  /* config.json only */
  g_assert_true (g_file_set_contents (config, "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": null}", -1, NULL));
  g_assert_true (sy_generation_config_load (dir, &g, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g.bos_token_id, ==, 1);
  g_assert_cmpint (g.pad_token_id, ==, -1);
  g_assert_cmpint (g.n_eos_token_ids, ==, 1);
  g_assert_cmpint (g.eos_token_ids[0], ==, 2);

  /* generation_config.json overrides, eos as a list */
  g_assert_true (g_file_set_contents (gen, "{\"eos_token_id\": [7, 8, 9], \"pad_token_id\": 0}", -1, NULL));
  g_assert_true (sy_generation_config_load (dir, &g, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g.bos_token_id, ==, 1);
  g_assert_cmpint (g.pad_token_id, ==, 0);
  g_assert_cmpint (g.n_eos_token_ids, ==, 3);
  g_assert_true (sy_generation_config_is_eos (&g, 8));
  g_assert_false (sy_generation_config_is_eos (&g, 2));

  /* bad values */
  g_assert_true (g_file_set_contents (gen, "{\"eos_token_id\": \"</s>\"}", -1, NULL));
  g_assert_false (sy_generation_config_load (dir, &g, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE,
                  "generation_config.json: key 'eos_token_id' must be an integer or an array of integers, got string");
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (gen, "{\"bos_token_id\": -3}", -1, NULL));
  g_assert_false (sy_generation_config_load (dir, &g, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "key 'bos_token_id' is -3");
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (gen, "{\"bos_token_id\": ", -1, NULL));
  g_assert_false (sy_generation_config_load (dir, &g, &error));
  assert_message (error, SY_ENGINE_ERROR_CORRUPT, "generation_config.json: not valid JSON");
  g_clear_error (&error);

  g_unlink (gen);
  g_unlink (config);
  g_assert_false (sy_generation_config_load (dir, &g, &error));
  assert_message (error, SY_ENGINE_ERROR_IO, "config.json");
  g_clear_error (&error);
  g_rmdir (dir);

  /* every fixture model */
  {
    const char *models[] = { "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss" };
    const int64_t bos[] = { 1, -1, -1, 0, 1, 0, -1 };
    const int64_t eos[] = { 2, 0, 0, 1, 2, 1, 0 };

    for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
      {
        g_autofree char *folder = g_build_filename (g_getenv ("SY_FIXTURES"), "models", models[i], NULL);

        g_assert_true (sy_generation_config_load (folder, &g, &error));
        g_assert_no_error (error);
        g_assert_cmpint (g.bos_token_id, ==, bos[i]);
        g_assert_cmpint (g.n_eos_token_ids, ==, 1);
        g_assert_cmpint (g.eos_token_ids[0], ==, eos[i]);
        g_assert_cmpint (g.pad_token_id, ==, -1);
      }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/json/getters", test_getters);
  g_test_add_func ("/engine/json/getter-errors", test_getter_errors);
  g_test_add_func ("/engine/json/parse-errors", test_parse_errors);
  g_test_add_func ("/engine/json/rope-fixtures", test_rope_fixtures);
  g_test_add_func ("/engine/json/rope-forms", test_rope_forms);
  g_test_add_func ("/engine/json/generation-config", test_generation_config);
  return g_test_run ();
}
