/* test-session-file.c: .switchyard session files and model fingerprints
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Save → load gives the same session; every malformed file is refused
 * with an error naming the file and the key; unknown keys are ignored;
 * relative model paths resolve against the session's folder; the
 * fingerprint follows config.json, weight headers and sampled data, and
 * not the folder's location.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-session-file.h"
#include "sy-test-util.h"

static SySessionFile *
full_session (void)
{
  SySessionFile *s = sy_session_file_new ();

  g_free (s->text);
  s->text = g_strdup ("Grüße, \"quoted\" / slashed\nand a second line \xe2\x9c\x93");
  s->model = g_strdup ("/models/OLMoE-1B-7B");
  s->model_fingerprint = g_strdup ("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_free (s->router_a);
  s->router_a = g_strdup ("topp:p=0.4,kmax=4,schedule=descending");
  s->router_b = g_strdup ("topk:k=2");
  s->compare = TRUE;
  g_free (s->view);
  s->view = g_strdup ("inspector");
  g_free (s->measure);
  s->measure = g_strdup ("gate:12");
  s->token = 7;
  s->layer = 3;
  s->heatmap_cell_width = 17.25;
  return s;
}

static void
test_round_trip (void)
{
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), "full.switchyard", NULL);
  g_autoptr (SySessionFile) s = full_session ();
  g_autoptr (SySessionFile) back = NULL;
  g_autoptr (SySessionFile) d = sy_session_file_new ();
  g_autoptr (SySessionFile) d_back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  g_assert_true (sy_session_file_save (s, path, &error));
  g_assert_no_error (error);
  back = sy_session_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->text, ==, s->text);
  g_assert_cmpstr (back->router_b, ==, "topk:k=2");
  g_assert_cmpfloat (back->heatmap_cell_width, ==, 17.25);
  g_assert_true (sy_session_file_equal (s, back));

  /* a changed field is seen by equal() (so the check above can fail) */
  back->token = 6;
  g_assert_false (sy_session_file_equal (s, back));

  /* the file says what it is; nulls for the demo model and no selection */
  data = sy_session_file_to_data (d);
  g_assert_nonnull (strstr (data, "\"format\": \"switchyard-session\""));
  g_assert_nonnull (strstr (data, "\"version\": 1"));
  g_assert_nonnull (strstr (data, "\"model\": null"));
  g_assert_nonnull (strstr (data, "\"token\": null"));
  g_assert_true (g_str_has_suffix (data, "}\n"));
  d_back = sy_session_file_parse (data, -1, "defaults.switchyard", &error);
  g_assert_no_error (error);
  g_assert_null (d_back->model);
  g_assert_null (d_back->router_b);
  g_assert_cmpint (d_back->token, ==, -1);
  g_assert_cmpstr (d_back->view, ==, "heatmap");
  g_assert_true (sy_session_file_equal (d, d_back));
  g_unlink (path);
}

static void
test_minimal_and_unknown_keys (void)
{
  const char *text = "{\"format\": \"switchyard-session\", \"version\": 1, \"text\": \"Hi\","
                     " \"added_later\": {\"x\": [1, 2]}, \"colour\": \"teal\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) s = sy_session_file_parse (text, -1, "min.switchyard", &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
  g_assert_cmpstr (s->text, ==, "Hi");
  g_assert_null (s->model);
  g_assert_cmpstr (s->router_a, ==, "native");
  g_assert_cmpstr (s->measure, ==, "k");
  g_assert_false (s->compare);
  g_assert_cmpfloat (s->heatmap_cell_width, ==, 0);
}

#define HEAD "{\"format\": \"switchyard-session\", \"version\": 1, "

static void
test_bad_input (void)
{
  static const struct
  {
    const char *json;
    const char *needle;       /* in the message */
    int         code;
  } cases[] = {
    { "not json at all", "not valid JSON", SY_ENGINE_ERROR_CORRUPT },
    { "[1, 2]", "the top-level JSON value is not an object", SY_ENGINE_ERROR_CORRUPT },
    { "{\"version\": 1, \"text\": \"x\"}", "not a Switchyard session (required key 'format' is missing)",
      SY_ENGINE_ERROR_BAD_MAGIC },
    { "{\"format\": \"switchyard-profile\", \"version\": 1, \"text\": \"x\"}",
      "key 'format' is \"switchyard-profile\"", SY_ENGINE_ERROR_BAD_MAGIC },
    { "{\"format\": 7, \"version\": 1, \"text\": \"x\"}", "key 'format' must be a string",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { "{\"format\": \"switchyard-session\", \"text\": \"x\"}", "required key 'version' is missing",
      SY_ENGINE_ERROR_MISSING },
    { "{\"format\": \"switchyard-session\", \"version\": \"1\", \"text\": \"x\"}",
      "key 'version' must be an integer", SY_ENGINE_ERROR_INVALID_VALUE },
    { "{\"format\": \"switchyard-session\", \"version\": 2, \"text\": \"x\"}",
      "key 'version': session version 2 is not supported (this Switchyard reads version 1; "
      "it was saved by a newer Switchyard)", SY_ENGINE_ERROR_UNSUPPORTED },
    { "{\"format\": \"switchyard-session\", \"version\": 0, \"text\": \"x\"}",
      "key 'version': session version 0 is not supported", SY_ENGINE_ERROR_UNSUPPORTED },
    { HEAD "\"view\": \"heatmap\"}", "required key 'text' is missing", SY_ENGINE_ERROR_MISSING },
    { HEAD "\"text\": null}", "required key 'text' is missing", SY_ENGINE_ERROR_MISSING },
    { HEAD "\"text\": 42}", "key 'text' must be a string", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"bad \\u00ff\xff\"}", "key 'text': not valid UTF-8", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"model\": \"\"}", "key 'model': empty path", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"model\": [\"a\"]}", "key 'model' must be a string",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"model_fingerprint\": \"md5:abc\"}",
      "key 'model_fingerprint': \"md5:abc\" is not a sha256: fingerprint", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"router_a\": \"nosuch:p=1\"}", "key 'router_a': ",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"router_b\": 0.4}", "key 'router_b' must be a string",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"router_b\": \"topp:q=3\"}", "key 'router_b': ", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"compare\": \"yes\"}", "key 'compare' must be", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"view\": \"table\"}", "key 'view': unknown view \"table\"",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"measure\": \"gate:x\"}", "key 'measure': unknown measure \"gate:x\"",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"measure\": \"K\"}", "key 'measure': unknown measure \"K\"",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"token\": -2}", "key 'token': -2 is not a token index",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"token\": \"3\"}", "key 'token' must be an integer", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"layer\": 1.5}", "key 'layer' must be an integer", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"heatmap_cell_width\": -1}", "key 'heatmap_cell_width': -1 is out of range",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"heatmap_cell_width\": 5000}", "key 'heatmap_cell_width': 5000 is out of range",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"heatmap_cell_width\": true}", "key 'heatmap_cell_width' must be a number",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"trace\": \"\"}", "key 'trace': empty path", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"trace\": 3}", "key 'trace' must be a string", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"trace_b\": \"b.json\"}", "key 'trace_b': B's trace without A's",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"trace\": \"a.json\", \"model\": \"/m\"}", "key 'trace': a session names a model or a trace, not both",
      SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"text\": \"x\", \"router_a\": \"recorded\"}", "key 'router_a': ", SY_ENGINE_ERROR_INVALID_VALUE },
    { HEAD "\"trace\": \"a.json\", \"router_b\": \"topp:q=3\"}", "key 'router_b': ",
      SY_ENGINE_ERROR_INVALID_VALUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SySessionFile) s = NULL;

      g_autofree char *shown = g_strescape (cases[i].json, NULL);

      s = sy_session_file_parse (cases[i].json, -1, "bad.switchyard", &error);
      g_test_message ("%s -> %s", shown, error ? error->message : "(accepted)");
      g_assert_null (s);
      g_assert_error (error, SY_ENGINE_ERROR, cases[i].code);
      /* one line, naming the file first, then the key and the problem */
      g_assert_true (g_str_has_prefix (error->message, "bad.switchyard: "));
      g_assert_null (strchr (error->message, '\n'));
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: message '%s' does not say '%s'", i, error->message, cases[i].needle);
    }

  /* a file that is not there is named */
  {
    g_autofree char *missing = g_build_filename (sy_test_tmp_dir (), "missing.switchyard", NULL);
    g_autoptr (GError) error = NULL;

    g_assert_null (sy_session_file_load (missing, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
    g_assert_nonnull (strstr (error->message, missing));
  }
}

/* A session of a recorded trace: no model, no text needed, "recorded". */
static void
test_trace_session (void)
{
  g_autoptr (SySessionFile) s = sy_session_file_new ();
  g_autoptr (SySessionFile) back = NULL;
  g_autoptr (SySessionFile) min = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *session_path = g_build_filename (sy_test_tmp_dir (), "runs", "t.switchyard", NULL);
  g_autofree char *a = NULL, *b = NULL, *expect = NULL;

  s->trace = g_strdup ("olmoe.json");
  s->trace_b = g_strdup ("/data/olmoe-f16.json");
  g_free (s->router_a);
  s->router_a = g_strdup ("recorded");
  s->router_b = g_strdup ("topp:p=0.5");
  s->compare = TRUE;
  data = sy_session_file_to_data (s);
  g_assert_nonnull (strstr (data, "\"trace\": \"olmoe.json\""));
  g_assert_null (strstr (data, "\"model\""));
  back = sy_session_file_parse (data, -1, "t.switchyard", &error);
  g_assert_no_error (error);
  g_assert_true (sy_session_file_equal (s, back));
  g_free (back->trace_b);
  back->trace_b = NULL;
  g_assert_false (sy_session_file_equal (s, back));

  min = sy_session_file_parse (HEAD "\"trace\": \"~/t.json\"}", -1, "m.switchyard", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (min->text, ==, "");
  g_assert_null (min->model);

  a = sy_session_file_resolve_trace (s, session_path, FALSE);
  b = sy_session_file_resolve_trace (s, session_path, TRUE);
  expect = g_build_filename (sy_test_tmp_dir (), "runs", "olmoe.json", NULL);
  g_assert_cmpstr (a, ==, expect);
  g_assert_cmpstr (b, ==, "/data/olmoe-f16.json");
  g_free (a);
  a = sy_session_file_resolve_trace (min, NULL, FALSE);
  g_free (expect);
  expect = g_build_filename (g_get_home_dir (), "t.json", NULL);
  g_assert_cmpstr (a, ==, expect);
  g_assert_null (sy_session_file_resolve_trace (min, NULL, TRUE));
}

static void
test_resolve_model (void)
{
  g_autofree char *session_path = g_build_filename (sy_test_tmp_dir (), "sessions", "a.switchyard", NULL);
  g_autofree char *expected = g_build_filename (sy_test_tmp_dir (), "models", "m", NULL);
  g_autofree char *demo = g_build_filename (sy_test_tmp_dir (), "demo", NULL);
  g_autofree char *demo_config = g_build_filename (demo, "config.json", NULL);
  g_autoptr (SySessionFile) s = sy_session_file_new ();
  g_autoptr (GError) error = NULL;
  char *path;

  s->model = g_strdup ("../models/m");
  path = sy_session_file_resolve_model (s, session_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);
  g_free (path);

  g_free (s->model);
  s->model = g_strdup ("m");
  path = sy_session_file_resolve_model (s, session_path, &error);
  g_assert_true (g_str_has_suffix (path, "/sessions/m"));
  g_assert_true (g_path_is_absolute (path));
  g_free (path);

  g_free (s->model);
  s->model = g_strdup ("/abs/model");
  path = sy_session_file_resolve_model (s, session_path, &error);
  g_assert_cmpstr (path, ==, "/abs/model");
  g_free (path);

  g_free (s->model);
  s->model = g_strdup ("~/models/x");
  path = sy_session_file_resolve_model (s, session_path, &error);
  g_assert_true (g_str_has_prefix (path, g_get_home_dir ()));
  g_assert_true (g_str_has_suffix (path, "/models/x"));
  g_free (path);

  /* null: the default demo model ($SWITCHYARD_MODEL first) */
  g_clear_pointer (&s->model, g_free);
  g_assert_cmpint (g_mkdir_with_parents (demo, 0700), ==, 0);
  g_assert_true (g_file_set_contents (demo_config, "{}", -1, NULL));
  g_setenv ("SWITCHYARD_MODEL", demo, TRUE);
  path = sy_session_file_resolve_model (s, session_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, demo);
  g_free (path);
  g_unsetenv ("SWITCHYARD_MODEL");
  sy_test_remove_tree (demo);
}

/* A folder with config.json and a small safetensors file: 8-byte length,
 * header, then @data_len bytes of data filled with @fill. */
static char *
make_model (const char *name,
            const char *config,
            const char *header,
            gsize       data_len,
            guchar      fill)
{
  g_autofree char *folder = g_build_filename (sy_test_tmp_dir (), name, NULL);
  g_autofree char *config_path = g_build_filename (folder, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (folder, "model.safetensors", NULL);
  gsize header_len = strlen (header);
  gsize total = 8 + header_len + data_len;
  g_autofree guchar *bytes = g_malloc (total);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (config_path, config, -1, &error));
  for (int i = 0; i < 8; i++)
    bytes[i] = (guchar) ((guint64) header_len >> (8 * i));
  memcpy (bytes + 8, header, header_len);
  memset (bytes + 8 + header_len, fill, data_len);
  g_assert_true (g_file_set_contents (weights_path, (const char *) bytes, (gssize) total, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&folder);
}

static char *
fingerprint (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *fp = sy_model_fingerprint (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fp);
  g_assert_true (g_str_has_prefix (fp, "sha256:"));
  g_assert_cmpuint (strlen (fp), ==, 7 + 64);
  return fp;
}

static void
test_fingerprint (void)
{
  const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4,8192],\"data_offsets\":[0,131072]}}";
  const char *header2 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[8,4096],\"data_offsets\":[0,131072]}}";
  g_autofree char *a = make_model ("fp-a", "{\"hidden_size\": 8}", header, 131072, 1);
  g_autofree char *fa = fingerprint (a);
  g_autofree char *fa2 = fingerprint (a);
  g_autofree char *config = g_build_filename (a, "config.json", NULL);
  g_autofree char *weights = g_build_filename (a, "model.safetensors", NULL);
  g_autofree char *moved = g_build_filename (sy_test_tmp_dir (), "fp-moved", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (fa, ==, fa2);

  /* a folder with the same files elsewhere: the same fingerprint */
  {
    g_autofree char *b = make_model ("fp-b", "{\"hidden_size\": 8}", header, 131072, 1);
    g_autofree char *fb = fingerprint (b);

    g_assert_cmpstr (fa, ==, fb);
    g_assert_cmpint (g_rename (b, moved), ==, 0);
    g_free (fb);
    fb = fingerprint (moved);
    g_assert_cmpstr (fa, ==, fb);
    sy_test_remove_tree (moved);
  }
  /* config.json changes it */
  {
    g_autofree char *fc = NULL;

    g_assert_true (g_file_set_contents (config, "{\"hidden_size\": 16}", -1, &error));
    fc = fingerprint (a);
    g_assert_cmpstr (fc, !=, fa);
    g_assert_true (g_file_set_contents (config, "{\"hidden_size\": 8}", -1, &error));
    g_free (fc);
    fc = fingerprint (a);
    g_assert_cmpstr (fc, ==, fa);
  }
  /* so do the weights' header, their first and their last bytes */
  {
    g_autofree char *c = make_model ("fp-c", "{\"hidden_size\": 8}", header2, 131072, 1);
    g_autofree char *d = make_model ("fp-d", "{\"hidden_size\": 8}", header, 131072, 2);
    g_autofree char *fc = fingerprint (c);
    g_autofree char *fd = fingerprint (d);
    g_autofree char *fe = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_cmpstr (fc, !=, fa);
    g_assert_cmpstr (fd, !=, fa);
    g_assert_true (g_file_get_contents (weights, &contents, &len, &error));
    contents[len - 1] ^= 0x55;
    g_assert_true (g_file_set_contents (weights, contents, (gssize) len, &error));
    fe = fingerprint (a);
    g_assert_cmpstr (fe, !=, fa);
    sy_test_remove_tree (c);
    sy_test_remove_tree (d);
  }
  /* not a model */
  {
    g_autofree char *missing = g_build_filename (sy_test_tmp_dir (), "no-model", NULL);

    g_assert_null (sy_model_fingerprint (missing, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
    g_assert_nonnull (strstr (error->message, missing));
    g_clear_error (&error);
    g_assert_cmpint (g_mkdir (missing, 0700), ==, 0);
    g_assert_null (sy_model_fingerprint (missing, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING);
    g_clear_error (&error);
    g_rmdir (missing);
  }
  /* a GGUF file on its own */
  {
    g_autofree char *gguf = g_build_filename (sy_test_tmp_dir (), "m.gguf", NULL);
    g_autofree char *fg = NULL, *fg2 = NULL;

    g_assert_true (g_file_set_contents (gguf, "GGUF\3\0\0\0 not much else", 22, &error));
    fg = fingerprint (gguf);
    g_assert_true (g_file_set_contents (gguf, "GGUF\3\0\0\0 not much more", 22, &error));
    fg2 = fingerprint (gguf);
    g_assert_cmpstr (fg, !=, fg2);
    g_unlink (gguf);
  }
  /* a real fixture model */
  {
    g_autofree char *olmoe = sy_test_model_path ("olmoe", "");

    if (g_file_test (olmoe, G_FILE_TEST_IS_DIR))
      {
        g_autofree char *fo = fingerprint (olmoe);

        g_assert_cmpstr (fo, !=, fa);
      }
  }
  sy_test_remove_tree (a);
}

static const SyTestCase tests[] = {
  { "/session-file/round-trip", test_round_trip },
  { "/session-file/minimal-and-unknown-keys", test_minimal_and_unknown_keys },
  { "/session-file/bad-input", test_bad_input },
  { "/session-file/resolve-model", test_resolve_model },
  { "/session-file/trace", test_trace_session },
  { "/session-file/fingerprint", test_fingerprint },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
