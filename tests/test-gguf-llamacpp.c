/* test-gguf-llamacpp.c: GGUF files that llama.cpp itself wrote
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - the seven fixture models as llama.cpp's converter writes them (F32,
 *   fixtures/gguf-llamacpp/NAME.gguf, its own layouts: DeepSeek-V3's
 *   attn_k_b / attn_v_b and *_mla keys, Qwen2-MoE's [1, n] shared-expert
 *   gate...) give the reference logits, router logits and hidden states
 *   within 1e-4, the experts the safetensors folder chooses (test-forward
 *   holds it to the reference) and the reference greedy continuation; the
 *   model and router descriptions equal the folder's;
 * - a split model (llama-gguf-split) opens from either part as the single
 *   file does (the same logits, bit for bit; one fingerprint);
 * - forward, generate, route, compare, render, bench and profile take
 *   --model FILE.gguf (DeepSeek-V3's, a split part), render a session that
 *   names a split part;
 * - bad input: a truncated file (at every 97th byte), tensor data past the
 *   end, a row not a multiple of its block, a huge array length, an unknown
 *   type id, a missing or misnamed split part: each a one-line error
 *   naming the problem; metadata we would not run as written (a gating
 *   function, partial rotary, a missing MLA key or half) refused.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-gguf.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-session-file.h"
#include "sy-tensor-store.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

#define TOL 1e-4

static char *
gguf_path (const char *name)
{
  return sy_test_fixture_path ("gguf-llamacpp", name, NULL);
}

/* A new temporary folder for one test */
static char *
tmp_dir (void)
{
  return sy_test_make_tmp_dir ("sy-gguf-llamacpp-XXXXXX");
}

/* ------------------------------------------------------ the seven files */

static void
test_fixture (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *name = g_strdup_printf ("%s.gguf", arch);
  g_autofree char *path = gguf_path (name);
  g_autofree char *dir = sy_test_model_path (arch, "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SyModel) folder = NULL;
  const SyModelInfo *info, *finfo;
  const SyRouterModelInfo *ri, *fri;
  SyTestRefDeltas d;

  model = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  folder = sy_model_load (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  info = sy_model_get_info (model);
  finfo = sy_model_get_info (folder);
  ri = sy_model_get_router_info (model);
  fri = sy_model_get_router_info (folder);
  g_assert_cmpstr (info->model_type, ==, arch);
  g_assert_cmpstr (info->dtype, ==, "F32");
  g_assert_true (sy_model_get_unused_tensors (model)[0] == NULL);
  /* the metadata describes the model as config.json does */
  g_assert_cmpint (info->n_layers, ==, finfo->n_layers);
  g_assert_cmpint (info->n_moe_layers, ==, finfo->n_moe_layers);
  g_assert_cmpint (info->n_experts, ==, finfo->n_experts);
  g_assert_cmpint (info->native_k, ==, finfo->native_k);
  g_assert_cmpint (info->vocab_size, ==, finfo->vocab_size);
  g_assert_cmpint (info->hidden_size, ==, finfo->hidden_size);
  g_assert_cmpint (info->n_heads, ==, finfo->n_heads);
  g_assert_cmpint (info->n_kv_heads, ==, finfo->n_kv_heads);
  g_assert_cmpint (info->head_dim, ==, finfo->head_dim);
  g_assert_cmpint (info->expert_ffn, ==, finfo->expert_ffn);
  g_assert_cmpint (info->shared_ffn, ==, finfo->shared_ffn);
  g_assert_cmpint (ri->activation, ==, fri->activation);
  g_assert_cmpint (ri->native_weights, ==, fri->native_weights);
  g_assert_cmpint (ri->norm_topk_prob, ==, fri->norm_topk_prob);
  g_assert_cmpfloat (ri->routed_scaling_factor, ==, fri->routed_scaling_factor);
  g_assert_cmpint (ri->n_group, ==, fri->n_group);
  g_assert_cmpint (ri->topk_group, ==, fri->topk_group);

  sy_test_compare_reference (model, folder, arch, &d);
  g_test_message ("%s.gguf (llama.cpp): max |delta| logits %.3g, router logits %.3g, hidden %.3g",
                  arch, d.logits, d.router, d.hidden);
  g_assert_cmpfloat (d.logits, <=, TOL);
  g_assert_cmpfloat (d.router, <=, TOL);
  g_assert_cmpfloat (d.hidden, <=, TOL);
  /* the folder's experts, token by token, and the reference's greedy tokens */
  g_assert_cmpint (d.k_mismatch, ==, 0);
  g_assert_cmpint (d.expert_mismatch, ==, 0);
  g_assert_cmpint (d.greedy_mismatch, ==, 0);
}

/* --------------------------------------------------------------- split */

static float *
run_logits (const char       *path,
            SyModelLoadFlags  flags,
            int              *n_out)
{
  static const int32_t ids[] = { 1, 17, 250, 999, 2048, 5, 2999, 42 };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load_full (path, flags, NULL, NULL, &error);
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyTrace) trace = NULL;
  const float *logits;
  int T, V;

  g_assert_no_error (error);
  session = sy_session_new (model);
  trace = sy_session_run (session, ids, G_N_ELEMENTS (ids), NULL, NULL, &error);
  g_assert_no_error (error);
  logits = sy_session_get_logits (session, &T, &V);
  *n_out = T * V;
  return g_memdup2 (logits, sizeof (float) * T * V);
}

static void
test_split (void)
{
  g_autofree char *single = gguf_path ("olmoe256-Q4_K_M.gguf");
  g_autofree char *p1 = gguf_path ("olmoe256-Q4_K_M-00001-of-00002.gguf");
  g_autofree char *p2 = gguf_path ("olmoe256-Q4_K_M-00002-of-00002.gguf");
  g_autoptr (GError) error = NULL;
  g_autofree float *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  g_autofree char *f1 = NULL, *f2 = NULL;
  int na, nb, nc, nd;

  a = run_logits (single, SY_MODEL_LOAD_DEFAULT, &na);
  b = run_logits (p1, SY_MODEL_LOAD_DEFAULT, &nb);
  c = run_logits (p2, SY_MODEL_LOAD_DEFAULT, &nc);
  /* the weights of both parts read into memory */
  d = run_logits (p2, SY_MODEL_LOAD_RESIDENT, &nd);
  g_assert_cmpint (na, ==, nb);
  g_assert_cmpint (na, ==, nc);
  g_assert_cmpint (na, ==, nd);
  g_assert_cmpmem (a, sizeof (float) * na, b, sizeof (float) * nb);
  g_assert_cmpmem (a, sizeof (float) * na, c, sizeof (float) * nc);
  g_assert_cmpmem (a, sizeof (float) * na, d, sizeof (float) * nd);
  {
    /* DeepSeek-V3's rebuilt kv_b stays put when the file's weights move */
    g_autofree char *ds = gguf_path ("deepseek_v3.gguf");
    g_autofree float *m = run_logits (ds, SY_MODEL_LOAD_DEFAULT, &na);
    g_autofree float *r = run_logits (ds, SY_MODEL_LOAD_RESIDENT, &nb);

    g_assert_cmpmem (m, sizeof (float) * na, r, sizeof (float) * nb);
  }

  /* one model: every tensor, the metadata of part 1, whichever part */
  {
    g_autoptr (SyGguf) g1 = sy_gguf_open (p1, &error);
    g_autoptr (SyGguf) g2 = NULL;
    g_autoptr (SyGguf) gs = NULL;

    g_assert_no_error (error);
    g2 = sy_gguf_open (p2, &error);
    g_assert_no_error (error);
    gs = sy_gguf_open (single, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (sy_gguf_get_n_tensors (g1), ==, sy_gguf_get_n_tensors (gs));
    g_assert_cmpuint (sy_gguf_get_n_tensors (g2), ==, sy_gguf_get_n_tensors (gs));
    g_assert_cmpstr (sy_gguf_get_string (g2, "general.architecture"), ==, "olmoe");
    for (guint i = 0; i < sy_gguf_get_n_tensors (gs); i++)
      {
        const SyTensor *t = sy_gguf_get_tensor (gs, i);
        const SyTensor *u = sy_gguf_find_tensor (g2, t->name);

        g_assert_nonnull (u);
        g_assert_cmpint (u->dtype, ==, t->dtype);
        g_assert_cmpmem (u->shape, sizeof (int64_t) * u->n_dims, t->shape, sizeof (int64_t) * t->n_dims);
        g_assert_cmpmem (u->data, u->n_bytes, t->data, t->n_bytes);
      }
  }

  /* the name gives the parts; a saved session finds the same model */
  {
    g_auto (GStrv) parts = sy_gguf_split_paths (p2);

    g_assert_nonnull (parts);
    g_assert_cmpuint (g_strv_length (parts), ==, 2);
    g_assert_cmpstr (parts[0], ==, p1);
    g_assert_cmpstr (parts[1], ==, p2);
    g_assert_null (sy_gguf_split_paths (single));
  }
  f1 = sy_model_fingerprint (p1, &error);
  g_assert_no_error (error);
  f2 = sy_model_fingerprint (p2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (f1, ==, f2);
}

/* every model-running command takes --model FILE.gguf, a split part too,
 * and a saved session naming one */
static void
test_cli (void)
{
  g_autofree char *part2 = gguf_path ("olmoe256-Q4_K_M-00002-of-00002.gguf");
  g_autofree char *single = gguf_path ("olmoe256-Q4_K_M.gguf");
  g_autofree char *ds = gguf_path ("deepseek_v3.gguf");
  g_autofree char *dir = tmp_dir ();
  g_autofree char *dump_a = g_build_filename (dir, "a.safetensors", NULL);
  g_autofree char *dump_b = g_build_filename (dir, "b.safetensors", NULL);
  g_autofree char *svg = g_build_filename (dir, "x.svg", NULL);
  g_autofree char *corpus = g_build_filename (dir, "c.jsonl", NULL);
  g_autofree char *prof = g_build_filename (dir, "prof", NULL);
  g_autofree char *sess = g_build_filename (dir, "s.switchyard", NULL);
  g_autoptr (GError) error = NULL;
  const char *models[] = { part2, ds };

  g_assert_true (g_file_set_contents (corpus, "{\"text\": \"The cat sat on the mat. It was good.\"}\n",
                                      -1, &error));
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      const char *m = models[i];
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (sy_test_cli (NULL, &err, "forward", "--model", m, "--ids", "1,2,3",
                                    "--dump", dump_a, NULL), ==, 0);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (sy_test_cli (&out, NULL, "generate", "--model", m, "--ids", "1,2,3",
                                    "--max-tokens", "3", "--json", NULL), ==, 0);
      g_assert_nonnull (strstr (out, "\"ids\""));
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (sy_test_cli (&out, NULL, "route", "--model", m, "--text", "The cat sat",
                                    "--router", "native", "--json", NULL), ==, 0);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (sy_test_cli (&out, NULL, "compare", "--model", m, "--text", "The cat sat",
                                    "--a", "native", "--b", "topk:k=1", "--json", NULL), ==, 0);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (sy_test_cli (NULL, NULL, "render", "--model", m, "--text", "The cat sat",
                                    "--view", "heatmap", "--out", svg, NULL), ==, 0);
      g_assert_true (g_file_test (svg, G_FILE_TEST_EXISTS));
      g_assert_cmpint (sy_test_cli (&out, NULL, "bench", "--model", m, "--decode-tokens", "2",
                                    "--json", NULL), ==, 0);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (sy_test_cli (NULL, NULL, "profile", "--model", m, "--router", "native",
                                    "--corpus", corpus, "--out", prof, NULL), ==, 0);
      {
        g_autofree char *pj = g_build_filename (prof, "profile.json", NULL);

        g_assert_true (g_file_test (pj, G_FILE_TEST_EXISTS));
      }
      sy_test_remove_tree (prof);
    }

  /* the split model's dump equals the single file's */
  g_assert_cmpint (sy_test_cli (NULL, NULL, "forward", "--model", part2, "--ids", "1,2,3",
                                "--dump", dump_a, NULL), ==, 0);
  g_assert_cmpint (sy_test_cli (NULL, NULL, "forward", "--model", single, "--ids", "1,2,3",
                                "--dump", dump_b, NULL), ==, 0);
  {
    g_autofree char *a = NULL, *b = NULL;
    gsize na, nb;

    g_assert_true (g_file_get_contents (dump_a, &a, &na, &error));
    g_assert_true (g_file_get_contents (dump_b, &b, &nb, &error));
    g_assert_cmpmem (a, na, b, nb);
  }

  /* a session naming the split model: opened, the fingerprint agrees */
  {
    g_autoptr (SySessionFile) s = sy_session_file_new ();
    g_autofree char *err = NULL;

    s->model = g_canonicalize_filename (part2, NULL);
    s->model_fingerprint = sy_model_fingerprint (part2, &error);
    g_assert_no_error (error);
    g_free (s->text);
    s->text = g_strdup ("The cat sat");
    g_assert_true (sy_session_file_save (s, sess, &error));
    g_assert_no_error (error);
    if (sy_test_cli (NULL, &err, "render", "--session", sess, "--out", svg, NULL) != 0
        || strstr (err, "warning"))
      g_error ("render --session: %s", err);
  }

  /* a missing part: one line naming it */
  {
    g_autofree char *p1 = gguf_path ("olmoe256-Q4_K_M-00001-of-00002.gguf");
    g_autofree char *c1 = g_build_filename (dir, "m-00001-of-00002.gguf", NULL);
    g_autofree char *bytes = NULL, *err = NULL;
    gsize n;

    g_assert_true (g_file_get_contents (p1, &bytes, &n, &error));
    g_assert_true (g_file_set_contents (c1, bytes, n, &error));
    g_assert_cmpint (sy_test_cli (NULL, &err, "forward", "--model", c1, "--ids", "1",
                                  "--dump", dump_a, NULL), !=, 0);
    sy_test_assert_cli_error (err, "m-00002-of-00002.gguf: part 2 of 2 of the split model");
  }
  sy_test_remove_tree (dir);
}

/* ----------------------------------------------------------- bad input */

/* Asserts that opening @path and loading it as a model both fail with a
 * one-line message holding every needle. */
static void
assert_fails (const char         *path,
              const char *const  *needles)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) g = sy_gguf_open (path, &error);
  g_autoptr (SyModel) m = NULL;

  g_assert_null (g);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_null (strchr (error->message, '\n'));
  for (int i = 0; needles && needles[i]; i++)
    if (strstr (error->message, needles[i]) == NULL)
      g_error ("'%s' does not mention '%s'", error->message, needles[i]);
  g_clear_error (&error);
  m = sy_model_load (path, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  for (int i = 0; needles && needles[i]; i++)
    if (strstr (error->message, needles[i]) == NULL)
      g_error ("'%s' does not mention '%s'", error->message, needles[i]);
}

/* A GGUF string: its u64 length, then its bytes */
static void
put_str (GByteArray *b,
         const char *s)
{
  sy_test_put_le (b, strlen (s), 8);
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

/* A hand-made broken GGUF file @name and what its error must mention */
typedef struct
{
  const char *name;
  guint64     array_count;
  guint32     type;
  guint64     d0;
  guint64     d1;
  guint64     offset;
  gsize       data_bytes;
  const char *needles[5];
} RawGguf;

/* A GGUF v3 of one tensor 'token_embd.weight' (@type, dims @d0 x @d1, at
 * @offset, followed by @data_bytes bytes of data) and, with @array_count,
 * a u32 array 'k.arr' that claims that many values (holding one). */
static char *
write_raw (const char    *dir,
           const RawGguf *r)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, r->name, NULL);
  guint64 array_count = r->array_count;

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  sy_test_put_le (b, 3, 4);
  sy_test_put_le (b, 1, 8);
  sy_test_put_le (b, array_count ? 2 : 1, 8);
  put_str (b, "general.architecture");
  sy_test_put_le (b, SY_GGUF_STRING, 4);
  put_str (b, "olmoe");
  if (array_count)
    {
      put_str (b, "k.arr");
      sy_test_put_le (b, SY_GGUF_ARRAY, 4);
      sy_test_put_le (b, SY_GGUF_UINT32, 4);
      sy_test_put_le (b, array_count, 8);
      sy_test_put_le (b, 7, 4);
    }
  put_str (b, "token_embd.weight");
  sy_test_put_le (b, 2, 4);
  sy_test_put_le (b, r->d0, 8);
  sy_test_put_le (b, r->d1, 8);
  sy_test_put_le (b, r->type, 4);
  sy_test_put_le (b, r->offset, 8);
  while (b->len % 32)
    g_byte_array_append (b, (const guint8 *) "", 1);
  for (gsize i = 0; i < r->data_bytes; i++)
    g_byte_array_append (b, (const guint8 *) "\x01", 1);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, &error));
  g_assert_no_error (error);
  return path;
}

/* Each of the @n files written and refused with its needles */
static void
assert_raw_fail (const RawGguf *files,
                 gsize          n)
{
  g_autofree char *dir = tmp_dir ();

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *path = write_raw (dir, &files[i]);

      assert_fails (path, files[i].needles);
    }
  sy_test_remove_tree (dir);
}

static void
test_bad_truncated (void)
{
  g_autofree char *src = gguf_path ("olmoe256-Q4_K_M.gguf");
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cut.gguf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize size;
  int n = 0;

  g_assert_true (g_file_get_contents (src, &bytes, &size, &error));
  /* the header and metadata densely, then the tensor data sparsely */
  for (gsize cut = 0; cut < size; cut += cut < 80000 ? 97 : 99991)
    {
      g_autoptr (SyGguf) g = NULL;

      g_assert_true (g_file_set_contents (path, bytes, cut, &error));
      g = sy_gguf_open (path, &error);
      g_assert_null (g);
      g_assert_nonnull (error);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_nonnull (strstr (error->message, "cut.gguf"));
      if (cut >= 4)
        g_assert_true (strstr (error->message, "ends") || strstr (error->message, "truncated")
                       || strstr (error->message, "more than"));
      g_clear_error (&error);
      n++;
    }
  g_test_message ("%d truncations of %" G_GSIZE_FORMAT " bytes, each an error", n, size);
  {
    static const char *const needles[] = { "cut.gguf", "past the end", NULL };

    /* cut inside the data section: names the tensor past the end */
    g_assert_true (g_file_set_contents (path, bytes, size - 1000, &error));
    assert_fails (path, needles);
  }
  sy_test_remove_tree (dir);
}

static void
test_bad_data_past_end (void)
{
  static const RawGguf files[] = {
    { "past.gguf", 0, 0, 8, 2, 0, 32, { "past.gguf", "token_embd.weight", "past the end" } },
    { "offset.gguf", 0, 0, 8, 2, G_MAXUINT64 - 31, 64, { "token_embd.weight", "offset" } },
  };

  assert_raw_fail (files, G_N_ELEMENTS (files));
}

static void
test_bad_block_size (void)
{
  static const RawGguf files[] = {
    /* Q4_K (id 12) rows of 100 values: its block is 256 */
    { "block.gguf", 0, 12, 100, 2, 0, 4096, { "token_embd.weight", "Q4_K", "100", "256" } },
    /* Q8_0 (id 8) rows of 48: its block is 32 */
    { "block8.gguf", 0, 8, 48, 2, 0, 4096, { "token_embd.weight", "Q8_0", "48", "32" } },
  };

  assert_raw_fail (files, G_N_ELEMENTS (files));
}

static void
test_bad_huge_array (void)
{
  static const RawGguf files[] = {
    { "huge.gguf", G_GUINT64_CONSTANT (1) << 62, 0, 8, 2, 0, 64, { "huge.gguf", "k.arr", "claims" } },
    { "huge2.gguf", G_MAXUINT64, 0, 8, 2, 0, 64, { "huge2.gguf", "k.arr" } },
    { "huge3.gguf", 1000, 0, 8, 2, 0, 64, { "huge3.gguf", "k.arr" } },
  };

  assert_raw_fail (files, G_N_ELEMENTS (files));
}

static void
test_bad_unknown_type (void)
{
  static const RawGguf files[] = {
    { "type.gguf", 0, 200, 32, 2, 0, 4096, { "type.gguf", "token_embd.weight", "200" } },
  };

  assert_raw_fail (files, G_N_ELEMENTS (files));
}

static void
test_bad_split (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *p1 = gguf_path ("olmoe256-Q4_K_M-00001-of-00002.gguf");
  g_autofree char *p2 = gguf_path ("olmoe256-Q4_K_M-00002-of-00002.gguf");
  g_autofree char *c1 = g_build_filename (dir, "m-00001-of-00002.gguf", NULL);
  g_autofree char *c2 = g_build_filename (dir, "m-00002-of-00002.gguf", NULL);
  g_autofree char *renamed = g_build_filename (dir, "m.gguf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *b1 = NULL, *b2 = NULL;
  gsize s1, s2;

  g_assert_true (g_file_get_contents (p1, &b1, &s1, &error));
  g_assert_true (g_file_get_contents (p2, &b2, &s2, &error));

  /* part 2 missing, opened from part 1; then part 1 missing, from part 2 */
  g_assert_true (g_file_set_contents (c1, b1, s1, &error));
  {
    static const char *const needles[] = { "m-00002-of-00002.gguf", "missing", NULL };

    assert_fails (c1, needles);
    g_assert_null (sy_model_fingerprint (c1, &error));
    g_assert_nonnull (strstr (error->message, "m-00002-of-00002.gguf"));
    g_clear_error (&error);
  }
  g_unlink (c1);
  g_assert_true (g_file_set_contents (c2, b2, s2, &error));
  {
    static const char *const needles[] = { "m-00001-of-00002.gguf", "missing", NULL };

    assert_fails (c2, needles);
  }
  /* a part under another name: its parts cannot be found */
  g_assert_true (g_file_set_contents (renamed, b1, s1, &error));
  {
    static const char *const needles[] = { "m.gguf", "-00001-of-00002.gguf", NULL };

    assert_fails (renamed, needles);
  }
  /* the same part twice (part 1 saved as part 2) */
  g_assert_true (g_file_set_contents (c1, b1, s1, &error));
  g_assert_true (g_file_set_contents (c2, b1, s1, &error));
  {
    static const char *const needles[] = { "m-00002-of-00002.gguf", "part 1 of 2", NULL };

    assert_fails (c1, needles);
  }
  sy_test_remove_tree (dir);
}

/* A copy of fixture @src in @dir as @name with every @find renamed
 * @replace (the same length) and, when @value >= 0, the u32 value of the
 * first (a metadata key) set to @value. */
static char *
edit_copy (const char *src,
           const char *dir,
           const char *name,
           const char *find,
           const char *replace,
           gint64      value)
{
  g_autofree char *from = gguf_path (src);
  g_autofree char *bytes = NULL;
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  gsize size, n = strlen (find);
  char *at;

  g_assert_cmpuint (strlen (replace), ==, n);
  g_assert_true (g_file_get_contents (from, &bytes, &size, &error));
  at = NULL;
  for (gsize i = 0; i + n <= size; i++)
    if (memcmp (bytes + i, find, n) == 0)
      {
        at = at ? at : bytes + i;
        memcpy (bytes + i, replace, n);
      }
  g_assert_nonnull (at);
  if (value >= 0)
    {
      guint32 type, v = GUINT32_TO_LE ((guint32) value);

      memcpy (&type, at + n, 4);
      g_assert_cmpuint (GUINT32_FROM_LE (type), ==, SY_GGUF_UINT32);
      memcpy (at + n + 4, &v, 4);
    }
  g_assert_true (g_file_set_contents (path, bytes, size, &error));
  return path;
}

/* A fixture GGUF file @src with key @find renamed to @replace (and, when
 * @value >= 0, its u32 value set to it), written as @name: it loads when
 * @needles is empty, else its error mentions them */
typedef struct
{
  const char *src;
  const char *name;
  const char *find;
  const char *replace;
  gint64      value;
  const char *needles[4];
} MetadataEdit;

static const MetadataEdit metadata_edits[] = {
  /* softmax gating on DeepSeek-V3 (expert_group_count renamed) */
  { "deepseek_v3.gguf", "gating.gguf", "deepseek2.expert_group_count", "deepseek2.expert_gating_func", 1,
    { "gating.gguf", "deepseek2.expert_gating_func", "sigmoid" } },
  /* sigmoid (2) on DeepSeek-V3: what it is; loads (the groups are gone
   * with the renamed key: no group limit) */
  { "deepseek_v3.gguf", "sigmoid.gguf", "deepseek2.expert_group_count", "deepseek2.expert_gating_func", 2,
    { NULL } },
  /* no gating function and no selection bias: DeepSeek-V2's softmax */
  { "deepseek_v3.gguf", "v2.gguf", "exp_probs_b.bias", "exp_probs_x.bias", -1,
    { "DeepSeek-V2's softmax routing" } },
  { "deepseek_v3.gguf", "vlen.gguf", "deepseek2.attention.value_length_mla",
    "deepseek2.attention.value_length_xyz", -1, { "value_length_mla" } },
  { "deepseek_v3.gguf", "vb.gguf", "blk.1.attn_v_b.weight", "blk.1.attn_v_x.weight", -1,
    { "'blk.1.attn_v_b.weight' is missing" } },
  /* partial rotary: not what these archs do */
  { "granitemoe.gguf", "rope.gguf", "granitemoe.rope.dimension_count", "granitemoe.rope.dimension_count", 8,
    { "granitemoe.rope.dimension_count 8" } },
};

/* llama.cpp metadata we do not run is refused, never ignored */
static void
test_bad_metadata (void)
{
  g_autofree char *dir = tmp_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (metadata_edits); i++)
    {
      const MetadataEdit *e = &metadata_edits[i];
      g_autofree char *p = edit_copy (e->src, dir, e->name, e->find, e->replace, e->value);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyModel) m = sy_model_load (p, NULL, NULL, &error);

      if (e->needles[0] == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (m);
          continue;
        }
      g_assert_null (m);
      g_assert_nonnull (error);
      for (int k = 0; k < (int) G_N_ELEMENTS (e->needles) && e->needles[k] != NULL; k++)
        g_assert_nonnull (strstr (error->message, e->needles[k]));
    }
  sy_test_remove_tree (dir);
}

static const char *const archs[] = {
  "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss", NULL
};

static const SyTestCase tests[] = {
  { "/engine/gguf-llamacpp/fixture", NULL, test_fixture, archs },
  { "/engine/gguf-llamacpp/split", test_split },
  { "/engine/gguf-llamacpp/cli", test_cli },
  { "/engine/gguf-llamacpp/bad/truncated", test_bad_truncated },
  { "/engine/gguf-llamacpp/bad/data-past-end", test_bad_data_past_end },
  { "/engine/gguf-llamacpp/bad/block-size", test_bad_block_size },
  { "/engine/gguf-llamacpp/bad/huge-array", test_bad_huge_array },
  { "/engine/gguf-llamacpp/bad/unknown-type", test_bad_unknown_type },
  { "/engine/gguf-llamacpp/bad/split", test_bad_split },
  { "/engine/gguf-llamacpp/bad/metadata", test_bad_metadata },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
