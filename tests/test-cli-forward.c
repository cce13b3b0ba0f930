/* test-cli-forward.c: `forward --dump`, `generate --json`, `bench` on the fixtures
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

#include "sy-tensor-store.h"
#include "sy-test-util.h"

/* the first case of reference.json: its key, ids as "1,2,3", continuation */
static char *
first_case_full (const char  *arch,
                 char       **ids,
                 int         *cont,
                 char       **text)
{
  g_autofree char *path = sy_test_model_path (arch, "reference.json");
  json_object *root = json_object_from_file (path), *cases, *c, *v;
  GString *s = g_string_new (NULL);
  char *key;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  c = json_object_array_get_idx (cases, 0);
  g_assert_true (json_object_object_get_ex (c, "input_ids", &v));
  for (gsize i = 0; i < json_object_array_length (v); i++)
    g_string_append_printf (s, "%s%d", i ? "," : "", json_object_get_int (json_object_array_get_idx (v, i)));
  g_assert_true (json_object_object_get_ex (c, "greedy_continuation", &v));
  for (int i = 0; i < 8; i++)
    cont[i] = json_object_get_int (json_object_array_get_idx (v, i));
  g_assert_true (json_object_object_get_ex (c, "key", &v));
  key = g_strdup (json_object_get_string (v));
  g_assert_true (json_object_object_get_ex (c, "text", &v));
  if (text)
    *text = g_strdup (json_object_get_string (v));
  json_object_put (root);
  *ids = g_string_free (s, FALSE);
  return key;
}

static char *
first_case (const char  *arch,
            char       **ids,
            int         *cont)
{
  return first_case_full (arch, ids, cont, NULL);
}

static double
compare (SyTensorStore *dump,
         SyTensorStore *ref,
         const char    *name,
         const char    *ref_name)
{
  const SyTensor *a = sy_tensor_store_lookup (dump, name);
  const SyTensor *b = sy_tensor_store_lookup (ref, ref_name);
  int64_t n;
  g_autofree float *fa = NULL;
  g_autofree float *fb = NULL;
  double m = 0;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->dtype, ==, SY_DTYPE_F32);
  g_assert_cmpint (a->n_dims, ==, 2);
  g_assert_cmpint (a->shape[0], ==, b->shape[0]);
  g_assert_cmpint (a->shape[1], ==, b->shape[1]);
  n = sy_tensor_n_elements (a);
  fa = g_new (float, n);
  fb = g_new (float, n);
  sy_tensor_to_f32 (a, 0, n, fa);
  sy_tensor_to_f32 (b, 0, n, fb);
  for (int64_t i = 0; i < n; i++)
    m = MAX (m, fabs ((double) fa[i] - fb[i]));
  return m;
}

/* Runs `switchyard-cli ARGS` (a forward with --dump @out_path) and opens
 * the dump; the reference tensors at @ref_path in *@ref. */
static SyTensorStore *
run_forward (const char     *args,
             const char     *out_path,
             const char     *ref_path,
             SyTensorStore **ref)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  SyTensorStore *dump;

  out = sy_test_cli_ok (args);
  dump = sy_tensor_store_open (out_path, &error);
  g_assert_no_error (error);
  *ref = sy_tensor_store_open (ref_path, &error);
  g_assert_no_error (error);
  return dump;
}

static void
test_forward_dump (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-cli-XXXXXX");
  g_autofree char *out_path = g_build_filename (tmp, "dump.safetensors", NULL);
  g_autofree char *model = sy_test_model_path ("granitemoe", "");
  g_autofree char *ref_path = sy_test_model_path ("granitemoe", "reference.safetensors");
  g_autofree char *ids = NULL;
  g_autofree char *key = NULL;
  g_autofree char *args = NULL;
  g_autoptr (SyTensorStore) dump = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  int cont[8];

  g_assert_no_error (error);
  key = first_case ("granitemoe", &ids, cont);
  args = g_strdup_printf ("forward --model '%s' --ids %s --dump '%s'", model, ids, out_path);
  dump = run_forward (args, out_path, ref_path, &ref);
  {
    g_autofree char *r = g_strdup_printf ("%s.logits", key);

    g_assert_cmpfloat (compare (dump, ref, "logits", r), <=, 1e-4);
  }
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *n = g_strdup_printf ("router_logits.%d", i);
      g_autofree char *r = g_strdup_printf ("%s.router_logits.%d", key, i);

      g_assert_cmpfloat (compare (dump, ref, n, r), <=, 1e-4);
    }
  for (int i = 0; i <= 3; i++)
    {
      g_autofree char *n = g_strdup_printf ("hidden.%d", i);
      g_autofree char *r = g_strdup_printf ("%s.hidden.%d", key, i);

      g_assert_cmpfloat (compare (dump, ref, n, r), <=, 1e-4);
    }
  g_clear_pointer (&dump, sy_tensor_store_free);
  g_unlink (out_path);
  g_rmdir (tmp);
}

/* --text tokenises as the reference did (input_ids = tokenizer (text)) */
static void
test_forward_text (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-cli-XXXXXX");
  g_autofree char *out_path = g_build_filename (tmp, "dump.safetensors", NULL);
  g_autofree char *model = sy_test_model_path (arch, "");
  g_autofree char *ref_path = sy_test_model_path (arch, "reference.safetensors");
  g_autofree char *ids = NULL;
  g_autofree char *text = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *key = NULL;
  g_autofree char *args = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (SyTensorStore) dump = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  g_autofree char *r = NULL;
  int cont[8];

  key = first_case_full (arch, &ids, cont, &text);
  quoted = g_shell_quote (text);
  args = g_strdup_printf ("forward --model '%s' --text %s --dump '%s'", model, quoted, out_path);
  dump = run_forward (args, out_path, ref_path, &ref);
  r = g_strdup_printf ("%s.logits", key);
  g_assert_cmpfloat (compare (dump, ref, "logits", r), <=, 1e-4);
  g_clear_pointer (&dump, sy_tensor_store_free);
  g_unlink (out_path);
  g_rmdir (tmp);

  /* generate prints the decoded continuation */
  g_clear_pointer (&args, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  args = g_strdup_printf ("generate --model '%s' --text %s --max-tokens 3 --json", model, quoted);
  out = sy_test_cli_ok (args);
  {
    json_object *root = json_tokener_parse (out), *v;

    g_assert_nonnull (root);
    g_assert_true (json_object_object_get_ex (root, "text", &v));
    g_assert_true (json_object_is_type (v, json_type_string));
    g_assert_true (json_object_object_get_ex (root, "ids", &v));
    g_assert_cmpint (json_object_get_int (json_object_array_get_idx (v, 0)), ==, cont[0]);
    json_object_put (root);
  }
}

/* `generate --max-tokens 8 --json` on qwen2_moe's first reference case:
 * its output; the case's ids in @ids, its greedy continuation in @cont */
static json_object *
generate_first_case (char **ids,
                     int   *cont)
{
  g_autofree char *model = sy_test_model_path ("qwen2_moe", "");
  g_autofree char *key = NULL;
  g_autofree char *args = NULL;

  key = first_case ("qwen2_moe", ids, cont);
  args = g_strdup_printf ("generate --model '%s' --ids %s --max-tokens 8 --json", model, *ids);
  return sy_test_cli_json (args);
}

static void
test_generate_json (void)
{
  g_autofree char *ids = NULL;
  json_object *root, *arr, *v;
  int cont[8];

  root = generate_first_case (&ids, cont);
  g_assert_true (json_object_object_get_ex (root, "ids", &arr));
  g_assert_true (json_object_object_get_ex (root, "text", &v));
  /* stops early only at the end-of-sequence token */
  for (gsize i = 0; i < json_object_array_length (arr); i++)
    g_assert_cmpint (json_object_get_int (json_object_array_get_idx (arr, i)), ==, cont[i]);
  if (json_object_array_length (arr) < 8)
    g_assert_cmpint (cont[json_object_array_length (arr) - 1], ==, 0);
  json_object_put (root);
}

static json_object *
generate_json (const char *model,
               const char *extra)
{
  g_autofree char *args = g_strdup_printf ("generate --model '%s' --ids 1,17,42,7 --max-tokens 6 --json %s",
                                           model, extra);
  json_object *root;

  root = sy_test_cli_json (args);
  return root;
}

static char *
ids_of (json_object *root)
{
  json_object *arr = NULL;

  g_assert_true (json_object_object_get_ex (root, "ids", &arr));
  return g_strdup (json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PLAIN));
}

/* --json carries route --json's trace of prompt + continuation; sampling
 * is reproducible by seed, greedy by default */
static void
test_generate_trace_sampling (void)
{
  g_autofree char *model = sy_test_model_path ("olmoe", "");
  json_object *greedy = generate_json (model, "--router ser:kmin=1,t=0.3");
  json_object *trace = NULL, *tokens, *layers, *v;
  g_autofree char *greedy_ids = ids_of (greedy);
  g_autofree char *route_args = NULL;
  json_object *route;
  int n_new;
  GString *ids = g_string_new ("1,17,42,7");

  g_assert_true (json_object_object_get_ex (greedy, "trace", &trace));
  g_assert_cmpint (json_object_get_int (sy_test_json_get (greedy, "prompt_tokens")), ==, 4);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (trace, "router")), ==, "ser:kmin=1,t=0.3");
  n_new = json_object_array_length (sy_test_json_get (greedy, "ids"));
  g_assert_cmpint (n_new, ==, 6);
  tokens = sy_test_json_get (trace, "tokens");
  layers = sy_test_json_get (trace, "layers");
  g_assert_cmpint (json_object_array_length (tokens), ==, 4 + n_new);
  for (int i = 0; i < n_new; i++)
    {
      int id = json_object_get_int (json_object_array_get_idx (sy_test_json_get (greedy, "ids"), i));

      g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (tokens, 4 + i), "id")), ==, id);
      g_string_append_printf (ids, ",%d", id);
    }
  /* the same routing as route over the same ids */
  route_args = g_strdup_printf ("route --model '%s' --ids %s --router ser:kmin=1,t=0.3 --json", model, ids->str);
  route = sy_test_cli_json (route_args);
  for (gsize l = 0; l < json_object_array_length (layers); l++)
    {
      json_object *a = sy_test_json_get (json_object_array_get_idx (layers, l), "tokens");
      json_object *b = sy_test_json_get (json_object_array_get_idx (sy_test_json_get (route, "layers"), l), "tokens");

      g_assert_cmpint (json_object_array_length (a), ==, json_object_array_length (b));
      for (gsize t = 0; t < json_object_array_length (a); t++)
        g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (a, t), "k")), ==,
                         json_object_get_int (sy_test_json_get (json_object_array_get_idx (b, t), "k")));
    }
  json_object_put (route);
  g_string_free (ids, TRUE);

  /* greedy by default: --temperature 0 and --top-k 1 are the same */
  {
    json_object *a = generate_json (model, "--router ser:kmin=1,t=0.3 --temperature 0.7 --top-k 1 --seed 9");
    g_autofree char *a_ids = ids_of (a);

    g_assert_cmpstr (a_ids, ==, greedy_ids);
    g_assert_true (json_object_object_get_ex (a, "sampling", &v));
    g_assert_cmpint (json_object_get_int (sy_test_json_get (v, "seed")), ==, 9);
    json_object_put (a);
  }
  /* seeded sampling: the same seed the same tokens; other seeds differ */
  {
    json_object *a = generate_json (model, "--temperature 1.5 --seed 11");
    json_object *b = generate_json (model, "--temperature 1.5 --seed 11");
    g_autofree char *a_ids = ids_of (a);
    g_autofree char *b_ids = ids_of (b);
    gboolean any_differs = FALSE;

    g_assert_cmpstr (a_ids, ==, b_ids);
    for (int seed = 12; seed < 15 && !any_differs; seed++)
      {
        g_autofree char *extra = g_strdup_printf ("--temperature 1.5 --seed %d", seed);
        json_object *c = generate_json (model, extra);
        g_autofree char *c_ids = ids_of (c);

        any_differs = g_strcmp0 (c_ids, a_ids) != 0;
        json_object_put (c);
      }
    g_assert_true (any_differs);
    json_object_put (a);
    json_object_put (b);
  }
  json_object_put (greedy);
}

static void
test_bench (void)
{
  g_autofree char *model = sy_test_model_path ("mixtral", "");
  g_autofree char *args = g_strdup_printf ("bench --model '%s' --decode-tokens 4 --json", model);
  json_object *root, *v;
  const char *keys[] = { "prefill32_tok_s", "prefill128_tok_s", "decode_tok_s", "peak_rss_mib", NULL };

  const char *last_keys[] = { "prefill32_last_logits_tok_s", "prefill128_last_logits_tok_s",
                              "prefill32_last_logits_cpu_s", "prefill128_last_logits_cpu_s", NULL };
  g_autofree char *last_args = g_strdup_printf ("bench --model '%s' --decode-tokens 2 --last-logits --json", model);
  g_autofree char *text_args = g_strdup_printf ("bench --model '%s' --decode-tokens 2 --last-logits", model);
  g_autofree char *text = NULL;

  root = sy_test_cli_json (args);
  for (int i = 0; keys[i]; i++)
    {
      g_assert_true (json_object_object_get_ex (root, keys[i], &v));
      g_assert_cmpfloat (json_object_get_double (v), >, 0);
    }
  /* the last-logits figures only when asked for */
  g_assert_false (json_object_object_get_ex (root, last_keys[0], &v));
  json_object_put (root);

  root = sy_test_cli_json (last_args);
  for (int i = 0; keys[i]; i++)
    g_assert_true (json_object_object_get_ex (root, keys[i], &v));
  for (int i = 0; last_keys[i]; i++)
    {
      g_assert_true (json_object_object_get_ex (root, last_keys[i], &v));
      g_assert_cmpfloat (json_object_get_double (v), >, 0);
    }
  json_object_put (root);
  text = sy_test_cli_ok (text_args);
  g_assert_nonnull (strstr (text, "prefill 128    "));
  g_assert_nonnull (strstr (text, "last logits only (llama-bench pp)"));
}

/* generate without --json (the prompt's LM head for its last position
 * only) prints the text that --json gives */
static void
test_generate_plain (void)
{
  g_autofree char *model = sy_test_model_path ("qwen2_moe", "");
  g_autofree char *ids = NULL;
  g_autofree char *args = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *want = NULL;
  json_object *root, *v;
  int cont[8];

  root = generate_first_case (&ids, cont);
  g_assert_true (json_object_object_get_ex (root, "text", &v));
  want = g_strdup_printf ("%s\n", json_object_get_string (v));
  json_object_put (root);
  args = g_strdup_printf ("generate --model '%s' --ids %s --max-tokens 8", model, ids);
  plain = sy_test_cli_ok (args);
  g_assert_cmpstr (plain, ==, want);
}

/* bench on a llama.cpp Q4_K_M file names each stored type with its
 * tensors and its kernels: Q4_K and Q6_K fast (or at least vectorised),
 * the F32 norms on the half / float kernels */
static void
test_bench_types (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("SY_FIXTURES"), "gguf-llamacpp",
                                             "olmoe256-Q4_K_M.gguf", NULL);
  g_autofree char *args = g_strdup_printf ("bench --model '%s' --decode-tokens 2 --json", model);
  g_autofree char *out = NULL;
  json_object *root, *types, *v;
  const char *quant[] = { "Q4_K", "Q6_K", NULL };

  root = sy_test_cli_json (args);
  g_assert_true (json_object_object_get_ex (root, "weight_types", &types));
  for (int i = 0; quant[i]; i++)
    {
      const char *k;

      if (!json_object_object_get_ex (types, quant[i], &v))
        g_error ("bench: no %s in weight_types: %s", quant[i], out);
      g_assert_cmpint (json_object_get_int (json_object_object_get (v, "tensors")), >, 0);
      k = json_object_get_string (json_object_object_get (v, "kernels"));
#if defined(__x86_64__)
      g_assert_true (g_str_has_prefix (k, "fast:") || g_str_has_prefix (k, "partly:"));
#else
      g_assert_true (g_str_has_prefix (k, "fast:") || g_str_has_prefix (k, "partly:")
                     || g_str_has_prefix (k, "none:"));
#endif
    }
  g_assert_true (json_object_object_get_ex (types, "F32", &v));
  json_object_put (root);
}

static void
assert_one_line_error (const char *args,
                       const char *needle)
{
  g_autofree char *err = sy_test_cli_fails (args);

  sy_test_assert_cli_error (err, needle);
}

/* switchyard-cli COMMAND --model FIXTURE ARGS: a one-line error that
 * names NEEDLE (--activations takes f32 and q8, test-activations-q8;
 * other values are refused by name) */
typedef struct
{
  const char *command;
  const char *args;
  const char *needle;
} ModelError;

static const ModelError model_errors[] = {
  { "forward", "--ids 1,2,99999 --dump /nonexistent/x.safetensors", "99999" },
  { "generate", "--ids 1,x", "'x'" },
  { "generate", "--ids 1,2 --router topk:k=99", "k" },
  { "forward", "--ids 1,2", "--dump" },
  { "generate", "--ids 1,2 --max-tokens -1", "--max-tokens" },
  { "generate", "--ids 1,2 --temperature -1", "--temperature" },
  { "generate", "--ids 1,2 --seed x", "--seed x" },
  { "generate", "--ids 1,2 --top-k -3", "--top-k" },
  { "route", "--ids 1,2 --activations f16", "'f16'" },
  { "forward", "--ids 1,2 --activations q4 --dump x", "'q4'" },
  { "generate", "--text ''", "--text is empty" },
};

static void
test_errors (void)
{
  g_autofree char *model = sy_test_model_path ("olmoe", "");

  for (guint i = 0; i < G_N_ELEMENTS (model_errors); i++)
    {
      g_autofree char *args = g_strdup_printf ("%s --model '%s' %s", model_errors[i].command, model,
                                               model_errors[i].args);

      assert_one_line_error (args, model_errors[i].needle);
    }
  /* without --model the demo model is used; one that is not there is named */
  g_setenv ("SWITCHYARD_MODEL", "/nonexistent/demo", TRUE);
  assert_one_line_error ("generate --ids 1,2", "SWITCHYARD_MODEL=/nonexistent/demo");
  g_unsetenv ("SWITCHYARD_MODEL");
  assert_one_line_error ("bench --model /nonexistent/m", "/nonexistent/m");
  assert_one_line_error ("bench --model /nonexistent/m --activations int8", "'int8'");
}

static const char *const text_archs[] = { "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", NULL };

static const SyTestCase tests[] = {
  { "/cli/forward/dump", test_forward_dump },
  { "/cli/forward/generate-json", test_generate_json },
  { "/cli/forward/generate-trace-sampling", test_generate_trace_sampling },
  { "/cli/forward/text", NULL, test_forward_text, text_archs },
  { "/cli/forward/bench", test_bench },
  { "/cli/forward/generate-plain", test_generate_plain },
  { "/cli/forward/bench-types", test_bench_types },
  { "/cli/forward/errors", test_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
