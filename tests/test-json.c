/* test-json.c: typed getters, the JSON and CSV writers, and the rope and
 * end-of-sequence keys as the model loader reads them
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "sy-arch.h"
#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-model.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

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
  json_object *sub = NULL;
  int64_t i = -1;
  double x = -1;
  gboolean b = TRUE;

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

  g_assert_true (sy_json_get_double (c, "config.json", "rms_norm_eps", 0, &x, &error));
  g_assert_cmpfloat (x, ==, 1e-05);
  g_assert_true (sy_json_get_double (c, "config.json", "eps_int", 0, &x, &error));  /* int as float */
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

  g_assert_true (sy_json_get_object (c, "config.json", "sub", &sub, &error));
  g_assert_nonnull (sub);
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
  json_object *sub;
  int64_t i = 0;
  double x;
  gboolean b;

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
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-test-json-XXXXXX");
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

/* ---- config.json and generation_config.json as the model loader reads them ---- */

/* The olmoe fixture's config.json without its rope keys, @members (a JSON
 * object's members, may be "") merged in, through sy_config_parse. */
static gboolean
parse_olmoe_with (const char  *members,
                  SyConfig    *c,
                  GError     **error)
{
  g_autofree char *path = sy_test_model_path ("olmoe", "config.json");
  g_autoptr (SyJson) root = sy_json_load_file (path, NULL);
  g_autofree char *text = g_strdup_printf ("{%s}", members);
  g_autoptr (SyJson) extra = parse (text);
  gboolean ok;

  g_assert_nonnull (root);
  json_object_object_del (root, "rope_parameters");
  json_object_object_del (root, "rope_theta");
  json_object_object_del (root, "rope_scaling");
  json_object_object_foreach (extra, key, value)
    json_object_object_add (root, key, json_object_get (value));
  ok = sy_config_parse (sy_arch_lookup ("olmoe", NULL), root, "config.json", c, error);
  if (!ok)
    sy_config_clear (c);
  return ok;
}

static void
test_rope_fixtures (void)
{
  const struct
  {
    const char *model;
    double      theta;
    SyRopeType  type;
  } expected[] = {
    { "mixtral", 1e6, SY_ROPE_DEFAULT },
    { "olmoe", 1e4, SY_ROPE_DEFAULT },
    { "qwen2_moe", 1e6, SY_ROPE_DEFAULT },
    { "qwen3_moe", 1e6, SY_ROPE_DEFAULT },
    { "granitemoe", 1e4, SY_ROPE_DEFAULT },
    { "gpt_oss", 150000.0, SY_ROPE_YARN },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_build_filename (g_getenv ("SY_FIXTURES"), "models",
                                                expected[i].model, "config.json", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyJson) root = sy_json_load_file (path, &error);
      g_autofree char *model_type = NULL;
      SyConfig c;

      g_assert_no_error (error);
      g_assert_true (sy_json_require_string (root, "config.json", "model_type", &model_type, &error));
      g_assert_true (sy_config_parse (sy_arch_lookup (model_type, NULL), root, "config.json", &c, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (c.rope_theta, ==, expected[i].theta);
      g_assert_cmpint (c.rope_type, ==, expected[i].type);
      if (expected[i].type == SY_ROPE_YARN)
        {
          g_assert_cmpfloat (c.rope_factor, ==, 32.0);
          g_assert_cmpfloat (c.rope_beta_fast, ==, 32.0);
          g_assert_cmpfloat (c.rope_beta_slow, ==, 1.0);
          g_assert_cmpint (c.rope_original_max_pos, ==, 4096);
          g_assert_false (c.rope_truncate);
        }
      else
        g_assert_cmpfloat (c.rope_factor, ==, 1.0);
      sy_config_clear (&c);
    }
}

static void
test_rope_forms (void)
{
  g_autoptr (GError) error = NULL;
  SyConfig c;

  /* older keys: top-level rope_theta, rope_scaling null */
  g_assert_true (parse_olmoe_with ("\"rope_theta\": 500000, \"rope_scaling\": null", &c, &error));
  g_assert_cmpfloat (c.rope_theta, ==, 500000.0);
  g_assert_cmpint (c.rope_type, ==, SY_ROPE_DEFAULT);
  g_assert_cmpfloat (c.rope_factor, ==, 1.0);
  g_assert_true (c.rope_truncate);
  sy_config_clear (&c);
  /* nothing: the architecture's default */
  g_assert_true (parse_olmoe_with ("", &c, &error));
  g_assert_cmpfloat (c.rope_theta, ==, sy_arch_lookup ("olmoe", NULL)->rope_theta_default);
  g_assert_cmpint (c.rope_type, ==, SY_ROPE_DEFAULT);
  sy_config_clear (&c);
  /* older rope_scaling with "type" */
  g_assert_true (parse_olmoe_with ("\"rope_theta\": 10000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4}",
                                   &c, &error));
  g_assert_cmpint (c.rope_type, ==, SY_ROPE_LINEAR);
  g_assert_cmpfloat (c.rope_factor, ==, 4.0);
  sy_config_clear (&c);
  /* older rope_scaling with rope_type yarn */
  g_assert_true (parse_olmoe_with ("\"rope_theta\": 150000, \"rope_scaling\": {\"rope_type\": \"yarn\","
                                   " \"factor\": 32.0, \"beta_fast\": 16, \"original_max_position_embeddings\": 4096,"
                                   " \"truncate\": false}", &c, &error));
  g_assert_cmpfloat (c.rope_theta, ==, 150000.0);
  g_assert_cmpint (c.rope_type, ==, SY_ROPE_YARN);
  g_assert_cmpfloat (c.rope_beta_fast, ==, 16.0);
  g_assert_cmpfloat (c.rope_beta_slow, ==, 1.0);
  g_assert_cmpint (c.rope_original_max_pos, ==, 4096);
  g_assert_false (c.rope_truncate);
  sy_config_clear (&c);
  /* transformers 5 rope_parameters win over a stale top-level theta */
  g_assert_true (parse_olmoe_with ("\"rope_theta\": 1, \"rope_parameters\": {\"rope_theta\": 1000000.0,"
                                   " \"rope_type\": \"default\"}", &c, &error));
  g_assert_cmpfloat (c.rope_theta, ==, 1e6);
  sy_config_clear (&c);
  /* rope_parameters without a theta: top-level, then the default */
  g_assert_true (parse_olmoe_with ("\"rope_theta\": 500000, \"rope_parameters\": {\"rope_type\": \"llama3\","
                                   " \"factor\": 8, \"low_freq_factor\": 1, \"high_freq_factor\": 4}", &c, &error));
  g_assert_cmpfloat (c.rope_theta, ==, 500000.0);
  g_assert_cmpint (c.rope_type, ==, SY_ROPE_LLAMA3);
  g_assert_cmpfloat (c.rope_factor, ==, 8.0);
  sy_config_clear (&c);
  g_assert_no_error (error);

  /* errors */
  g_assert_false (parse_olmoe_with ("\"rope_theta\": \"big\"", &c, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "config.json: rope key 'rope_theta' has an invalid value");
  g_clear_error (&error);
  g_assert_false (parse_olmoe_with ("\"rope_parameters\": {\"rope_theta\": -5}", &c, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "rope_theta must be positive");
  g_clear_error (&error);
  g_assert_false (parse_olmoe_with ("\"rope_scaling\": {\"type\": \"linear\", \"factor\": \"x\"}", &c, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "config.json: rope key 'factor' has an invalid value");
  g_clear_error (&error);
  /* found by fuzz-config: a number past int was cast to int */
  g_assert_false (parse_olmoe_with ("\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4,"
                                    " \"original_max_position_embeddings\": 4098888888888888888888888}", &c, &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE,
                  "config.json: rope key 'original_max_position_embeddings' must be from 1 to 2147483647");
  g_clear_error (&error);
}

/* A copy of the olmoe fixture folder with @config_eos as config.json's
 * eos_token_id and @gen (NULL: none) as its generation_config.json,
 * loaded as a model. */
static SyModel *
load_olmoe_with (const char  *config_eos,
                 const char  *gen,
                 GError     **error)
{
  g_autofree char *src = sy_test_model_path ("olmoe", "");
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-test-json-XXXXXX");
  const char *links[] = { "model.safetensors", "tokenizer.json", "tokenizer_config.json" };
  g_autofree char *config_path = g_build_filename (src, "config.json", NULL);
  g_autofree char *config_out = g_build_filename (dir, "config.json", NULL);
  g_autofree char *gen_out = g_build_filename (dir, "generation_config.json", NULL);
  g_autoptr (SyJson) config = sy_json_load_file (config_path, NULL);
  SyModel *model;

  g_assert_nonnull (config);
  json_object_object_add (config, "eos_token_id", json_tokener_parse (config_eos));
  g_assert_true (json_object_to_file (config_out, config) == 0);
  if (gen)
    g_assert_true (g_file_set_contents (gen_out, gen, -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *from = g_build_filename (src, links[i], NULL);
      g_autofree char *to = g_build_filename (dir, links[i], NULL);

      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  model = sy_model_load (dir, NULL, NULL, error);
  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *to = g_build_filename (dir, links[i], NULL);

      g_unlink (to);
    }
  g_unlink (gen_out);
  g_unlink (config_out);
  g_rmdir (dir);
  return model;
}

static void
assert_eos (const SyModelInfo *info,
            const int         *ids,
            int                n)
{
  g_assert_cmpint (info->n_eos_token_ids, ==, n);
  g_assert_cmpint (info->eos_token_id, ==, n > 0 ? ids[0] : -1);
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpint (info->eos_token_ids[i], ==, ids[i]);
      g_assert_true (sy_model_info_is_eos (info, ids[i]));
    }
}

static void
test_generation_config (void)
{
  g_autoptr (GError) error = NULL;

  /* config.json only: one id */
  {
    g_autoptr (SyModel) m = load_olmoe_with ("2", NULL, &error);
    const int want[] = { 2 };

    g_assert_no_error (error);
    assert_eos (sy_model_get_info (m), want, 1);
    g_assert_false (sy_model_info_is_eos (sy_model_get_info (m), 0));
  }
  /* a list in config.json: every id, those outside the vocabulary dropped */
  {
    g_autoptr (SyModel) m = load_olmoe_with ("[5, -1, 99999, 6]", NULL, &error);
    const int want[] = { 5, 6 };

    g_assert_no_error (error);
    assert_eos (sy_model_get_info (m), want, 2);
  }
  /* generation_config.json overrides, eos as a list, bos too */
  {
    g_autoptr (SyModel) m = load_olmoe_with ("2", "{\"eos_token_id\": [7, 8, 9], \"bos_token_id\": 1}", &error);
    const int want[] = { 7, 8, 9 };

    g_assert_no_error (error);
    assert_eos (sy_model_get_info (m), want, 3);
    g_assert_false (sy_model_info_is_eos (sy_model_get_info (m), 2));
    g_assert_cmpint (sy_model_get_info (m)->bos_token_id, ==, 1);
  }
  /* at most SY_MAX_EOS_TOKENS are kept */
  {
    g_autoptr (GString) list = g_string_new ("[");
    g_autoptr (SyModel) m = NULL;
    int want[SY_MAX_EOS_TOKENS];

    for (int i = 0; i < SY_MAX_EOS_TOKENS + 4; i++)
      g_string_append_printf (list, "%s%d", i ? ", " : "", 10 + i);
    g_string_append_c (list, ']');
    for (int i = 0; i < SY_MAX_EOS_TOKENS; i++)
      want[i] = 10 + i;
    m = load_olmoe_with (list->str, NULL, &error);
    g_assert_no_error (error);
    assert_eos (sy_model_get_info (m), want, SY_MAX_EOS_TOKENS);
  }
  /* ids outside the vocabulary leave config.json's in place */
  {
    g_autoptr (SyModel) m = load_olmoe_with ("[3, 4]", "{\"eos_token_id\": 99999}", &error);
    const int want[] = { 3, 4 };

    g_assert_no_error (error);
    assert_eos (sy_model_get_info (m), want, 2);
  }
  /* bad values */
  g_assert_null (load_olmoe_with ("2", "{\"eos_token_id\": \"</s>\"}", &error));
  assert_message (error, SY_ENGINE_ERROR_INVALID_VALUE, "generation_config.json: key 'eos_token_id'");
  g_clear_error (&error);
  g_assert_null (load_olmoe_with ("2", "{\"bos_token_id\": ", &error));
  assert_message (error, SY_ENGINE_ERROR_CORRUPT, "generation_config.json: not a JSON object");
  g_clear_error (&error);

  /* every fixture model, as its files say */
  {
    const char *models[] = { "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss" };
    const int bos[] = { 1, -1, -1, 0, 1, 0, -1 };
    const int eos[] = { 2, 0, 0, 1, 2, 1, 0 };

    for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
      {
        g_autofree char *folder = sy_test_model_path (models[i], "");
        g_autoptr (SyModel) m = sy_model_load (folder, NULL, NULL, &error);

        g_assert_no_error (error);
        g_assert_cmpint (sy_model_get_info (m)->bos_token_id, ==, bos[i]);
        assert_eos (sy_model_get_info (m), &eos[i], 1);
      }
  }
}

/* ---- writing ---- */

static char *
json_string (const char *str)
{
  GString *s = g_string_new (NULL);

  sy_json_append_string (s, str);
  return g_string_free (s, FALSE);
}

static void
test_write (void)
{
  g_autoptr (GString) s = g_string_new (NULL);

  /* strings: the short escapes, other control characters as \u00XX,
   * invalid UTF-8 replaced, NULL as null */
  {
    g_autofree char *a = json_string ("a\"b\\c\nd\re\tf\001g/é");
    g_autofree char *b = json_string ("bad \xff byte");
    g_autofree char *c = json_string (NULL);

    g_assert_cmpstr (a, ==, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g/é\"");
    g_assert_cmpstr (b, ==, "\"bad \xef\xbf\xbd byte\"");
    g_assert_cmpstr (c, ==, "null");
  }
  /* numbers: the shortest that reads back; null when not finite */
  sy_json_append_float (s, 0.1f);
  g_string_append_c (s, ' ');
  sy_json_append_float (s, 1.0f / 3.0f);
  g_string_append_c (s, ' ');
  sy_json_append_float (s, NAN);
  g_string_append_c (s, ' ');
  sy_json_append_double (s, 0.1);
  g_string_append_c (s, ' ');
  sy_json_append_double (s, 1.0 / 3.0);
  g_string_append_c (s, ' ');
  sy_json_append_double (s, -INFINITY);
  g_assert_cmpstr (s->str, ==, "0.1 0.33333334 null 0.1 0.3333333333333333 null");

  /* CSV fields: always quoted, or only when needed; quotes doubled */
  g_string_truncate (s, 0);
  sy_csv_append_string (s, "plain", SY_CSV_QUOTE_ALWAYS);
  g_string_append_c (s, '|');
  sy_csv_append_string (s, "plain", SY_CSV_QUOTE_AS_NEEDED);
  g_string_append_c (s, '|');
  sy_csv_append_string (s, "a,b", SY_CSV_QUOTE_AS_NEEDED);
  g_string_append_c (s, '|');
  sy_csv_append_string (s, "say \"hi\"", SY_CSV_QUOTE_AS_NEEDED);
  g_string_append_c (s, '|');
  sy_csv_append_string (s, "two\nlines", SY_CSV_QUOTE_AS_NEEDED);
  g_string_append_c (s, '|');
  sy_csv_append_string (s, NULL, SY_CSV_QUOTE_ALWAYS);
  g_assert_cmpstr (s->str, ==, "\"plain\"|plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
}

static void
test_peek (void)
{
  g_autoptr (SyJson) c = parse ("{\"s\": \"x\", \"b\": true, \"n\": null, \"i\": 3}");

  g_assert_cmpstr (sy_json_peek_string (c, "s"), ==, "x");
  g_assert_null (sy_json_peek_string (c, "i"));
  g_assert_null (sy_json_peek_string (c, "absent"));
  g_assert_null (sy_json_peek_string (NULL, "s"));
  g_assert_null (sy_json_lookup (c, "n"));
  g_assert_nonnull (sy_json_lookup (c, "i"));
  g_assert_null (sy_json_lookup (json_object_object_get (c, "i"), "x"));
}

static const SyTestCase tests[] = {
  { "/engine/json/getters", test_getters },
  { "/engine/json/getter-errors", test_getter_errors },
  { "/engine/json/parse-errors", test_parse_errors },
  { "/engine/json/peek", test_peek },
  { "/engine/json/write", test_write },
  { "/engine/json/config-rope-fixtures", test_rope_fixtures },
  { "/engine/json/config-rope-forms", test_rope_forms },
  { "/engine/json/config-generation", test_generation_config },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
