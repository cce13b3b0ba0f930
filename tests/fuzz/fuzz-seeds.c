/* fuzz-seeds.c: writes the fuzzers' seed corpora (fuzz build only)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-seeds OUTDIR FIXTURES STAMP writes OUTDIR/NAME/ for every target: small
 * files made from the fixtures (configs copied, tokenizers cut down to
 * 300 tokens) or by our writers (safetensors and GGUF files holding
 * every dtype, a tiny model converted to GGUF, sessions, traces,
 * corpora, router specs).  Nothing here is committed: meson runs it.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "sy-gguf-writer.h"
#include "sy-gguf.h"
#include "sy-json.h"
#include "sy-random-model.h"
#include "sy-safetensors-writer.h"
#include "sy-session-file.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"
#include "sy-trace-json.h"

static const char *out_dir;
static const char *fixtures;

static void
put (const char *target,
     const char *name,
     const void *data,
     gssize      len)
{
  g_autofree char *dir = g_build_filename (out_dir, target, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (path, data, len < 0 ? (gssize) strlen (data) : len, &error))
    g_error ("%s", error->message);
}

static char *
fixture (const char *rel)
{
  g_autofree char *path = g_build_filename (fixtures, rel, NULL);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  return text;
}

/* The tokenizer.json of fixture @family with its vocabulary cut to the
 * ids below @n_keep and the merges among them (at most 200). */
static char *
small_tokenizer (const char *family,
                 int         n_keep)
{
  g_autofree char *rel = g_build_filename ("tokenizers", family, "tokenizer.json", NULL);
  g_autofree char *text = fixture (rel);
  json_object *root = sy_json_parse (text, -1, rel, NULL);
  json_object *model, *vocab, *merges, *kept_vocab, *kept_merges;
  char *out;

  g_assert (root != NULL);
  g_assert (json_object_object_get_ex (root, "model", &model));
  g_assert (json_object_object_get_ex (model, "vocab", &vocab));
  kept_vocab = json_object_new_object ();
  json_object_object_foreach (vocab, key, val)
    if (json_object_get_int (val) < n_keep)
      json_object_object_add (kept_vocab, key, json_object_get (val));
  kept_merges = json_object_new_array ();
  if (json_object_object_get_ex (model, "merges", &merges))
    for (size_t i = 0; i < json_object_array_length (merges); i++)
      {
        json_object *m = json_object_array_get_idx (merges, i);
        g_auto (GStrv) parts = NULL;
        g_autofree char *joined = NULL;

        if (json_object_is_type (m, json_type_string))
          parts = g_strsplit (json_object_get_string (m), " ", 2);
        else
          parts = g_strdupv ((char *[]) { (char *) json_object_get_string (json_object_array_get_idx (m, 0)),
                                          (char *) json_object_get_string (json_object_array_get_idx (m, 1)),
                                          NULL });
        if (g_strv_length (parts) != 2)
          continue;
        joined = g_strconcat (parts[0], parts[1], NULL);
        if (json_object_object_get_ex (kept_vocab, parts[0], NULL) &&
            json_object_object_get_ex (kept_vocab, parts[1], NULL) &&
            json_object_object_get_ex (kept_vocab, joined, NULL) &&
            json_object_array_length (kept_merges) < 200)
          json_object_array_add (kept_merges, json_object_get (m));
      }
  json_object_object_add (model, "vocab", kept_vocab);
  json_object_object_add (model, "merges", kept_merges);
  out = g_strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN));
  json_object_put (root);
  return out;
}

static void
seeds_config (void)
{
  static const char *archs[] = {
    "deepseek_v3", "gpt_oss", "granitemoe", "mixtral", "olmoe", "qwen2_moe", "qwen3_moe",
  };

  for (guint i = 0; i < G_N_ELEMENTS (archs); i++)
    {
      g_autofree char *rel = g_build_filename ("models", archs[i], "config.json", NULL);
      g_autofree char *text = fixture (rel);
      g_autofree char *name = g_strconcat (archs[i], ".json", NULL);

      put ("config", name, text, -1);
    }
  for (guint i = 0; i < 2; i++)
    {
      const SyRandomModelSpec *spec = sy_random_model_find_preset (i ? "olmoe-1b-7b" : "tiny");
      g_autofree char *text = sy_random_model_config_json (spec, SY_DTYPE_BF16);

      put ("config", i ? "random-olmoe.json" : "random-tiny.json", text, -1);
    }
}

static void
seeds_tokenizer (void)
{
  static const char *families[] = { "bytelevel", "llama3", "qwen2", "spm", "metaspace" };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autofree char *text = small_tokenizer (families[i], 300);
      g_autofree char *name = g_strconcat (families[i], ".json", NULL);

      put ("tokenizer", name, text, -1);
    }
}

static void
seeds_safetensors (void)
{
  static const SyDType dtypes[] = { SY_DTYPE_F32, SY_DTYPE_F16, SY_DTYPE_BF16 };
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_autofree char *path = g_build_filename (out_dir, "safetensors-dtypes.tmp", NULL);
  g_autofree char *data = NULL;
  const int64_t shape[3] = { 2, 3, 5 };
  float values[30];
  gsize len;

  for (int i = 0; i < 30; i++)
    values[i] = (i - 15) * 0.37f;
  values[7] = 1e30f;
  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    for (int n_dims = 0; n_dims <= 3; n_dims++)
      {
        g_autofree char *name = g_strdup_printf ("t.%s.%d", sy_dtype_name (dtypes[d]), n_dims);

        g_assert (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { name, dtypes[d], n_dims, shape }, values, NULL));
      }
  sy_safetensors_writer_set_metadata (w, "note", "fuzz seed");
  g_assert (sy_safetensors_writer_write (w, path, NULL));
  g_assert (g_file_get_contents (path, &data, &len, NULL));
  put ("safetensors", "dtypes.safetensors", data, (gssize) len);
  g_unlink (path);

  put ("safetensors-index", "index.json",
       "{\"metadata\": {\"total_size\": 72}, \"weight_map\": {"
       "\"a\": \"model-00001-of-00002.safetensors\", "
       "\"b\": \"model-00001-of-00002.safetensors\", "
       "\"c\": \"model-00002-of-00002.safetensors\"}}\n", -1);
  put ("safetensors-index", "one-shard.json",
       "{\"weight_map\": {\"c\": \"model-00002-of-00002.safetensors\"}}", -1);
}

/* A tiny model (random weights, the cut bytelevel tokenizer) as GGUF in
 * @dtype, and a file holding every metadata type and every tensor type. */
/* llama.cpp's vocabulary-only file @name (tests/fixtures/gguf-llamacpp/
 * vocab/) cut to its first @n_keep tokens and the merges among them (at
 * most 300), with its tokenizer settings: a small vocabulary-only seed. */
static void
seed_vocab_only (const char *name,
                 guint       n_keep)
{
  g_autofree char *rel = g_strdup_printf ("gguf-llamacpp/vocab/ggml-vocab-%s.gguf", name);
  g_autofree char *path = g_build_filename (fixtures, rel, NULL);
  g_autofree char *out_path = g_build_filename (out_dir, "vocab.tmp", NULL);
  g_autofree char *out_name = g_strdup_printf ("vocab-%s.gguf", name);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) g = sy_gguf_open (path, &error);
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
  g_autoptr (GHashTable) kept = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) kept_merges = g_ptr_array_new ();
  g_auto (GStrv) tokens = NULL;
  g_auto (GStrv) merges = NULL;
  g_autofree int32_t *types = NULL;
  g_autofree float *scores = NULL;
  g_autofree char *data = NULL;
  static const char *const strings[] = { "general.architecture", "tokenizer.ggml.model",
                                         "tokenizer.ggml.pre" };
  static const char *const ids[] = { "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                                     "tokenizer.ggml.unknown_token_id",
                                     "tokenizer.ggml.padding_token_id" };
  static const char *const bools[] = { "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
                                       "tokenizer.ggml.add_space_prefix" };
  guint64 n_types = 0, n_scores = 0;
  guint n;
  gsize len;

  if (g == NULL)
    g_error ("%s", error->message);
  tokens = sy_gguf_get_string_array (g, "tokenizer.ggml.tokens");
  g_assert (tokens != NULL);
  n = MIN (g_strv_length (tokens), n_keep);
  for (guint i = 0; i < n; i++)
    g_hash_table_add (kept, tokens[i]);
  merges = sy_gguf_get_string_array (g, "tokenizer.ggml.merges");
  for (guint i = 0; merges && merges[i] && kept_merges->len < 300; i++)
    {
      g_auto (GStrv) parts = g_strsplit (merges[i], " ", 2);
      g_autofree char *joined = NULL;

      if (g_strv_length (parts) != 2)
        continue;
      joined = g_strconcat (parts[0], parts[1], NULL);
      if (g_hash_table_contains (kept, parts[0]) && g_hash_table_contains (kept, parts[1])
          && g_hash_table_contains (kept, joined))
        g_ptr_array_add (kept_merges, merges[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (sy_gguf_get_string (g, strings[i]) != NULL)
      sy_gguf_writer_add_string (w, strings[i], sy_gguf_get_string (g, strings[i]));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      int64_t v;

      if (sy_gguf_get_int (g, ids[i], &v))
        sy_gguf_writer_add_u32 (w, ids[i], (guint32) MIN (v, (int64_t) n - 1));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bools); i++)
    {
      gboolean v;

      if (sy_gguf_get_bool (g, bools[i], &v))
        sy_gguf_writer_add_bool (w, bools[i], v);
    }
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.tokens", (const char *const *) tokens, n);
  if (kept_merges->len > 0)
    sy_gguf_writer_add_string_array (w, "tokenizer.ggml.merges",
                                     (const char *const *) kept_merges->pdata, kept_merges->len);
  types = sy_gguf_get_int_array (g, "tokenizer.ggml.token_type", &n_types);
  if (types != NULL)
    sy_gguf_writer_add_i32_array (w, "tokenizer.ggml.token_type", types, MIN (n_types, n));
  scores = sy_gguf_get_float_array (g, "tokenizer.ggml.scores", &n_scores);
  if (scores != NULL)
    sy_gguf_writer_add_f32_array (w, "tokenizer.ggml.scores", scores, MIN (n_scores, n));
  if (!sy_gguf_writer_write (w, out_path, &error))
    g_error ("%s", error->message);
  g_assert (g_file_get_contents (out_path, &data, &len, NULL));
  put ("gguf", out_name, data, (gssize) len);
  g_unlink (out_path);
}

/* A split model of two parts (llama.cpp's gguf-split metadata), one
 * tensor each, the parts back to back: fuzz-gguf writes an input holding
 * a second GGUF header as the two files of a split model. */
static void
seed_split (void)
{
  g_autofree char *out_path = g_build_filename (out_dir, "split.tmp", NULL);
  GString *both = g_string_new (NULL);
  const int64_t shape[2] = { 2, 32 };
  float values[64];

  for (int i = 0; i < 64; i++)
    values[i] = (float) (i % 7) - 3.0f;
  for (guint16 no = 0; no < 2; no++)
    {
      g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
      g_autoptr (GError) error = NULL;
      g_autofree char *data = NULL;
      const guint16 count = 2;
      const int32_t n_tensors = 2;
      gsize len;

      if (no == 0)
        {
          sy_gguf_writer_add_string (w, "general.architecture", "olmoe");
          sy_gguf_writer_add_u32 (w, "olmoe.block_count", 1);
        }
      sy_gguf_writer_add_raw_kv (w, "split.no", SY_GGUF_UINT16, &no, 2);
      sy_gguf_writer_add_raw_kv (w, "split.count", SY_GGUF_UINT16, &count, 2);
      sy_gguf_writer_add_raw_kv (w, "split.tensors.count", SY_GGUF_INT32, &n_tensors, 4);
      if (!sy_gguf_writer_add_tensor (w, &(SyTensorDesc) { no ? "output.weight" : "token_embd.weight",
                                                        no ? SY_DTYPE_Q8_0 : SY_DTYPE_F16, 2, shape },
                                      values, &error)
          || !sy_gguf_writer_write (w, out_path, &error))
        g_error ("%s", error->message);
      g_assert (g_file_get_contents (out_path, &data, &len, NULL));
      g_string_append_len (both, data, (gssize) len);
    }
  put ("gguf", "split.gguf", both->str, (gssize) both->len);
  g_string_free (both, TRUE);
  g_unlink (out_path);
}

static void
seeds_gguf (void)
{
  SyRandomModelSpec spec = {
    .name = "fuzz", .description = "", .layout = SY_RANDOM_LAYOUT_OLMOE,
    .vocab_size = 300, .hidden_size = 32, .n_layers = 1, .n_heads = 2, .n_kv_heads = 2,
    .n_experts = 4, .top_k = 2, .expert_size = 32, .max_position_embeddings = 64,
    .rms_norm_eps = 1e-5, .rope_theta = 1e4, .bos_token_id = -1, .eos_token_id = 0,
    .pad_token_id = -1,
  };
  static const SyDType dtypes[] = {
    SY_DTYPE_F32, SY_DTYPE_F16, SY_DTYPE_BF16, SY_DTYPE_Q8_0, SY_DTYPE_Q4_0,
    SY_DTYPE_Q4_K, SY_DTYPE_Q6_K, SY_DTYPE_MXFP4,
  };
  g_autofree char *dir = g_build_filename (out_dir, "gguf-model.tmp", NULL);
  g_autofree char *tok = small_tokenizer ("bytelevel", 300);
  g_autofree char *tok_path = g_build_filename (dir, "tokenizer.json", NULL);
  g_autofree char *gguf_path = g_build_filename (out_dir, "gguf.tmp", NULL);
  g_autoptr (GError) error = NULL;

  if (!sy_random_model_write (&(SyRandomModel) { &spec, SY_DTYPE_F32, 1 }, dir, 1, NULL, NULL, &error))
    g_error ("%s", error->message);
  g_assert (g_file_set_contents (tok_path, tok, -1, NULL));
  for (guint d = 0; d < 2; d++)
    {
      g_autofree char *data = NULL;
      gsize len;

      if (!sy_gguf_convert (dir, gguf_path, d ? SY_DTYPE_Q8_0 : SY_DTYPE_F16, &error))
        g_error ("%s", error->message);
      g_assert (g_file_get_contents (gguf_path, &data, &len, NULL));
      put ("gguf", d ? "olmoe-q8_0.gguf" : "olmoe-f16.gguf", data, (gssize) len);
    }

  for (guint32 version = 2; version <= 3; version++)
    {
      g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (version);
      g_autofree char *data = NULL;
      g_autofree char *name = g_strdup_printf ("types-v%u.gguf", version);
      const char *strings[] = { "a", "bc", "" };
      const int32_t ints[] = { 1, -2, 3 };
      const float floats[] = { 0.5f, -1, 2 };
      const guint8 u8 = 7;
      const guint64 u64 = 1234567890123;
      const double f64 = 0.125;
      /* an array of arrays: type u8 array, 2 entries, each a u8 array of 1 */
      const guint8 nested[] = { 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5,
                                0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 6 };
      const int64_t shape[2] = { 2, 256 };
      float values[512];
      gsize len;

      for (int i = 0; i < 512; i++)
        values[i] = (float) ((i * 37) % 101 - 50) / 7.0f;
      sy_gguf_writer_set_alignment (w, 32);
      sy_gguf_writer_add_string (w, "general.architecture", "olmoe");
      sy_gguf_writer_add_u32 (w, "olmoe.block_count", 1);
      sy_gguf_writer_add_i32 (w, "x.i32", -5);
      sy_gguf_writer_add_f32 (w, "x.f32", 1.5f);
      sy_gguf_writer_add_bool (w, "x.bool", TRUE);
      sy_gguf_writer_add_raw_kv (w, "x.u8", SY_GGUF_UINT8, &u8, 1);
      sy_gguf_writer_add_raw_kv (w, "x.u64", SY_GGUF_UINT64, &u64, 8);
      sy_gguf_writer_add_raw_kv (w, "x.f64", SY_GGUF_FLOAT64, &f64, 8);
      sy_gguf_writer_add_raw_kv (w, "x.nested", SY_GGUF_ARRAY, nested, sizeof nested);
      sy_gguf_writer_add_string_array (w, "tokenizer.ggml.tokens", strings, 3);
      sy_gguf_writer_add_i32_array (w, "tokenizer.ggml.token_type", ints, 3);
      sy_gguf_writer_add_f32_array (w, "tokenizer.ggml.scores", floats, 3);
      for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
        {
          g_autofree char *tname = g_strdup_printf ("t.%s", sy_dtype_name (dtypes[d]));

          if (!sy_gguf_writer_add_tensor (w, &(SyTensorDesc) { tname, dtypes[d], 2, shape }, values, &error))
            g_error ("%s", error->message);
        }
      if (!sy_gguf_writer_write (w, gguf_path, &error))
        g_error ("%s", error->message);
      g_assert (g_file_get_contents (gguf_path, &data, &len, NULL));
      put ("gguf", name, data, (gssize) len);
    }
  g_unlink (gguf_path);
  seed_split ();
  seed_vocab_only ("llama-bpe", 600);
  seed_vocab_only ("llama-spm", 600);
  seed_vocab_only ("qwen2", 600);
  seed_vocab_only ("gpt-2", 600);
  seed_vocab_only ("deepseek-llm", 600);
  seed_vocab_only ("phi-3", 600);
  sy_test_remove_tree (dir);
}

static void
seeds_session (void)
{
  g_autoptr (SySessionFile) s = sy_session_file_new ();
  g_autofree char *plain = sy_session_file_to_data (s);
  g_autofree char *full = NULL;

  put ("session", "default.switchyard", plain, -1);
  g_free (s->text);
  s->text = g_strdup ("The quick brown fox \xe2\x80\x94 jumps.\n");
  g_free (s->router_b);
  s->router_b = g_strdup ("topp:p=0.5");
  g_free (s->model);
  s->model = g_strdup ("/models/olmoe");
  g_free (s->model_fingerprint);
  s->model_fingerprint = g_strdup ("sha256:0123456789abcdef");
  s->compare = TRUE;
  s->token = 3;
  s->layer = 1;
  s->heatmap_cell_width = 24;
  full = sy_session_file_to_data (s);
  put ("session", "compare.switchyard", full, -1);
}

static void
seeds_trace (void)
{
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (SyTrace) trace = sy_test_trace_new (i ? 5 : 2, i ? 3 : 1, i ? 8 : 4, 7 + i);
      g_autofree char *json = sy_trace_to_json (trace, i);

      put ("trace", i ? "trace-5x3x8.json" : "trace-2x1x4.json", json, -1);
    }
}

static void
seeds_corpus (void)
{
  static const char jsonl[] = "\0{\"text\": \"One sentence. Another one!\", \"genre\": \"news\"}\n"
                              "{\"text\": \"caf\\u00e9 \\n\\n new paragraph\"}\n\n";
  static const char brown[] = "\1\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl "
                              "said/vbd Friday/nr an/at investigation/nn ./.\n\n\n\t``/`` "
                              "Only/rb a/at relative/jj handful/nn ''/'' ./.\n";
  static const char plain[] = "\2Hello there. \"Quoted!\" (Bracketed?) end\n\nNext paragraph";

  put ("corpus", "texts.jsonl", jsonl, sizeof jsonl - 1);
  put ("corpus", "ca01", brown, sizeof brown - 1);
  put ("corpus", "plain.txt", plain, sizeof plain - 1);
}

static void
seeds_router_spec (void)
{
  static const char *specs[] = {
    "native", "topk:k=2", "topp", "topp:p=0.4,kmax=4,schedule=descending",
    "topp:p=0.5,kmin=1,schedule=custom,custom=4/3/2", "minp:t=0.1,kmin=1,kmax=native",
    "ser:kmin=1,t=0.5", "quantile:q=0.5", "da", "da:k=2,kmin=1,kmax=4,map=linear",
    "adr:theta=0.5,gamma=1,u=0.5,kdeep=2,kshallow=1,shallow=shared", "topk:k=2,schedule=ascending",
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree char *name = g_strdup_printf ("spec-%02u", i);

      put ("router-spec", name, specs[i], -1);
    }
}

int
main (int    argc,
      char **argv)
{
  if (argc != 4)
    {
      g_printerr ("usage: fuzz-seeds OUTDIR FIXTURES STAMP\n");
      return 2;
    }
  out_dir = argv[1];
  fixtures = argv[2];
  seeds_config ();
  seeds_tokenizer ();
  seeds_safetensors ();
  seeds_gguf ();
  seeds_session ();
  seeds_trace ();
  seeds_corpus ();
  seeds_router_spec ();
  /* the stamp meson waits for */
  g_assert (g_file_set_contents (argv[3], "", 0, NULL));
  return 0;
}
