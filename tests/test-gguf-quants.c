/* test-gguf-quants.c: GGUF files that llama.cpp's llama-quantize wrote
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fourteen olmoe256-TYPE.gguf fixtures (one per llama-quantize
 * preset, every block type of them: Q2_K ... Q8_0, Q4_0 ... Q5_1, IQ4_NL,
 * IQ4_XS) against olmoe256-decode.json, what llama.cpp's reference
 * decoder (gguf-py) gives for each tensor: block type, shape, sum, sum of
 * squares and sampled values, to 1e-6 relative.  Each file loads as a
 * model, and its forward pass (the fused block dot products at T <= 2,
 * the decoded rows beyond) equals the forward pass on an F32 copy of the
 * same decoded weights (written here: the file with each tensor's type
 * set to F32 and its data decoded).  Our quantizers err no more than
 * llama-quantize's on the same weights.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-gguf.h"
#include "sy-model.h"
#include "sy-quant.h"
#include "sy-session.h"
#include "sy-test-util.h"

static json_object *
load_decode_json (void)
{
  g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", "olmoe256-decode.json", NULL);
  json_object *root = json_object_from_file (path);

  g_assert_nonnull (root);
  return root;
}

static gboolean
close_rel (double a,
           double b,
           double scale)
{
  return fabs (a - b) <= 1e-6 * MAX (scale, 1e-30);
}

static void
test_decode (void)
{
  json_object *root = load_decode_json ();
  int n_files = 0, n_tensors = 0;
  GHashTable *types_seen = g_hash_table_new (g_str_hash, g_str_equal);

  json_object_object_foreach (root, file, tensors)
    {
      g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyGguf) g = sy_gguf_open (path, &error);

      g_assert_no_error (error);
      g_assert_cmpint (json_object_object_length (tensors), ==, sy_gguf_get_n_tensors (g));
      json_object_object_foreach (tensors, name, desc)
        {
          const SyTensor *t = sy_gguf_find_tensor (g, name);
          json_object *v, *jshape, *jidx, *jval;
          int64_t n;
          g_autofree float *y = NULL;
          double sum = 0, sum_sq = 0, sum_abs = 0, want_sum, want_sq;

          if (t == NULL)
            g_error ("%s: no tensor '%s'", file, name);
          g_assert_true (json_object_object_get_ex (desc, "type", &v));
          if (strcmp (sy_dtype_name (t->dtype), json_object_get_string (v)) != 0)
            g_error ("%s: '%s' is %s, llama.cpp says %s", file, name, sy_dtype_name (t->dtype),
                     json_object_get_string (v));
          g_hash_table_add (types_seen, (gpointer) sy_dtype_name (t->dtype));
          /* the JSON lists the dims innermost first, as GGUF stores them */
          g_assert_true (json_object_object_get_ex (desc, "shape", &jshape));
          g_assert_cmpint (json_object_array_length (jshape), ==, t->n_dims);
          for (int d = 0; d < t->n_dims; d++)
            g_assert_cmpint (json_object_get_int64 (json_object_array_get_idx (jshape, d)), ==,
                             t->shape[t->n_dims - 1 - d]);

          n = sy_tensor_n_elements (t);
          y = g_new (float, n);
          sy_tensor_to_f32 (t, 0, n, y);
          for (int64_t i = 0; i < n; i++)
            {
              sum += y[i];
              sum_sq += (double) y[i] * y[i];
              sum_abs += fabs (y[i]);
            }
          g_assert_true (json_object_object_get_ex (desc, "sum", &v));
          want_sum = json_object_get_double (v);
          g_assert_true (json_object_object_get_ex (desc, "sum_sq", &v));
          want_sq = json_object_get_double (v);
          if (!close_rel (sum, want_sum, MAX (fabs (want_sum), sum_abs * 1e-3))
              || !close_rel (sum_sq, want_sq, want_sq))
            g_error ("%s: '%s' (%s): sum %.12g, sum_sq %.12g; llama.cpp: %.12g, %.12g", file, name,
                     sy_dtype_name (t->dtype), sum, sum_sq, want_sum, want_sq);

          g_assert_true (json_object_object_get_ex (desc, "indices", &jidx));
          g_assert_true (json_object_object_get_ex (desc, "values", &jval));
          g_assert_cmpint (json_object_array_length (jidx), ==, json_object_array_length (jval));
          for (gsize k = 0; k < json_object_array_length (jidx); k++)
            {
              int64_t i = json_object_get_int64 (json_object_array_get_idx (jidx, k));
              double want = json_object_get_double (json_object_array_get_idx (jval, k));

              g_assert_cmpint (i, >=, 0);
              g_assert_cmpint (i, <, n);
              if (!close_rel (y[i], want, fabs (want)))
                g_error ("%s: '%s' (%s): element %" G_GINT64_FORMAT " is %.9g, llama.cpp %.9g",
                         file, name, sy_dtype_name (t->dtype), i, y[i], want);
              /* one element alone gives the same */
              g_assert_cmpfloat (sy_tensor_get_f32 (t, i), ==, y[i]);
            }
          n_tensors++;
        }
      n_files++;
    }
  g_test_message ("%d files, %d tensors, %u block types match llama.cpp's decoder", n_files,
                  n_tensors, g_hash_table_size (types_seen));
  g_assert_cmpint (n_files, ==, 14);
  /* F32, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, IQ4_XS */
  g_assert_cmpint (g_hash_table_size (types_seen), ==, 13);
  g_hash_table_unref (types_seen);
  json_object_put (root);
}

/* ------------------------------------------------- an F32 copy of a file */

typedef struct
{
  const guint8 *p, *end;
} Reader;

static guint64
rd (Reader *r,
    int     size)
{
  guint64 v = 0;

  g_assert_cmpint (r->end - r->p, >=, size);
  for (int i = 0; i < size; i++)
    v |= (guint64) r->p[i] << (8 * i);
  r->p += size;
  return v;
}

static void
skip_value (Reader  *r,
            guint32  type)
{
  /* GGUF value types: 0-7, 10-12 scalars, 8 string, 9 array */
  static const int size[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };

  g_assert_cmpuint (type, <, G_N_ELEMENTS (size));
  if (type == 8)
    {
      guint64 len = rd (r, 8);

      g_assert_cmpuint (len, <=, (guint64) (r->end - r->p));
      r->p += len;
    }
  else if (type == 9)
    {
      guint32 elem = (guint32) rd (r, 4);
      guint64 count = rd (r, 8);

      for (guint64 i = 0; i < count; i++)
        skip_value (r, elem);
    }
  else
    {
      g_assert_cmpuint (r->end - r->p, >=, size[type]);
      r->p += size[type];
    }
}

static void
pad (GByteArray *out,
     guint64     align)
{
  while (out->len % align)
    sy_test_put_le (out, 0, 1);
}

/* @src with the same header and metadata, every tensor F32 holding what
 * our decoder gives */
static void
write_f32_copy (const char *src,
                const char *dst)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) g = sy_gguf_open (src, &error);
  g_autoptr (GMappedFile) mf = g_mapped_file_new (src, FALSE, &error);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  Reader r;
  guint64 n_tensors, n_kv, align = 32, offset = 0;
  int64_t align_kv;
  const guint8 *kv_start;

  g_assert_no_error (error);
  if (sy_gguf_get_int (g, "general.alignment", &align_kv))
    align = (guint64) align_kv;
  r.p = (const guint8 *) g_mapped_file_get_contents (mf);
  r.end = r.p + g_mapped_file_get_length (mf);
  g_byte_array_append (out, r.p, 8);   /* magic, version */
  r.p += 8;
  n_tensors = rd (&r, 8);
  n_kv = rd (&r, 8);
  g_assert_cmpuint (n_tensors, ==, sy_gguf_get_n_tensors (g));
  sy_test_put_le (out, n_tensors, 8);
  sy_test_put_le (out, n_kv, 8);
  kv_start = r.p;
  for (guint64 i = 0; i < n_kv; i++)
    {
      guint64 len = rd (&r, 8);

      r.p += len;
      skip_value (&r, (guint32) rd (&r, 4));
    }
  g_byte_array_append (out, kv_start, r.p - kv_start);
  for (guint64 i = 0; i < n_tensors; i++)
    {
      guint64 len = rd (&r, 8), n = 1;
      const guint8 *name = r.p;
      guint32 n_dims;

      r.p += len;
      n_dims = (guint32) rd (&r, 4);
      sy_test_put_le (out, len, 8);
      g_byte_array_append (out, name, len);
      sy_test_put_le (out, n_dims, 4);
      for (guint32 d = 0; d < n_dims; d++)
        {
          guint64 dim = rd (&r, 8);

          sy_test_put_le (out, dim, 8);
          n *= dim;
        }
      rd (&r, 4);    /* type */
      rd (&r, 8);    /* offset */
      sy_test_put_le (out, 0 /* F32 */, 4);
      sy_test_put_le (out, offset, 8);
      offset += (n * 4 + align - 1) / align * align;
    }
  pad (out, align);
  for (guint i = 0; i < n_tensors; i++)
    {
      const SyTensor *t = sy_gguf_get_tensor (g, i);
      int64_t n = sy_tensor_n_elements (t);
      guint start = out->len;

      g_byte_array_set_size (out, start + (guint) n * 4);
      sy_tensor_to_f32 (t, 0, n, (float *) (out->data + start));
      pad (out, align);
    }
  g_assert_true (g_file_set_contents (dst, (const char *) out->data, out->len, &error));
  g_assert_no_error (error);
}

static float *
run_logits (SyModel       *model,
            const int32_t *ids,
            int            n,
            int           *n_vocab)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SySession) s = sy_session_new (model);
  g_autoptr (SyTrace) t = sy_session_run (s, ids, n, NULL, NULL, &error);
  int T;
  const float *l;

  g_assert_no_error (error);
  g_assert_nonnull (t);
  l = sy_session_get_logits (s, &T, n_vocab);
  g_assert_cmpint (T, ==, n);
  return g_memdup2 (l, sizeof (float) * T * *n_vocab);
}

static void
test_forward_equals_f32 (void)
{
  json_object *root = load_decode_json ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-gguf-llamacpp-XXXXXX");
  /* 2 tokens: the fused block dot products; 7: decoded rows */
  static const int32_t ids[] = { 1, 2, 3, 500, 2999, 17, 1234 };
  static const int lengths[] = { 2, 7 };
  double worst = 0;

  g_assert_no_error (error);
  json_object_object_foreach (root, file, tensors)
    {
      g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", file, NULL);
      g_autofree char *copy = g_build_filename (dir, "f32.gguf", NULL);
      g_autoptr (SyModel) q = NULL;
      g_autoptr (SyModel) f = NULL;
      double file_worst = 0;

      (void) tensors;
      write_f32_copy (path, copy);
      q = sy_model_load (path, NULL, NULL, &error);
      g_assert_no_error (error);
      f = sy_model_load (copy, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (sy_model_get_info (f)->dtype, ==, "F32");
      for (guint k = 0; k < G_N_ELEMENTS (lengths); k++)
        {
          int V, V2, n = lengths[k];
          g_autofree float *a = run_logits (q, ids, n, &V);
          g_autofree float *b = run_logits (f, ids, n, &V2);

          g_assert_cmpint (V, ==, V2);
          for (int i = 0; i < n * V; i++)
            {
              g_assert_true (isfinite (a[i]));
              file_worst = MAX (file_worst, fabs ((double) a[i] - b[i]));
            }
        }
      g_test_message ("%s: max |delta| of the logits vs its F32 copy %.3g", file, file_worst);
      g_assert_cmpfloat (file_worst, <=, 1e-4);
      worst = MAX (worst, file_worst);
      g_unlink (copy);
    }
  g_test_message ("worst %.3g", worst);
  g_rmdir (dir);
  json_object_put (root);
}

/* Our quantizers against llama-quantize's (no importance matrix): the
 * olmoe256-Q8_0 weights stand in for the original ones (their own error,
 * ~0.4% rms, is small beside the others'); each block type of the other
 * files, quantized again by sy_quantize from them, may err at most 5%
 * more (rms) than llama.cpp's version of the same tensors. */
static void
test_quantizer_quality (void)
{
  static const char * const files[] = {
    "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_S", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS",
  };
  g_autofree char *ref_path = sy_test_fixture_path ("gguf-llamacpp", "olmoe256-Q8_0.gguf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) ref = sy_gguf_open (ref_path, &error);
  double se_l[SY_N_DTYPES] = { 0 }, se_o[SY_N_DTYPES] = { 0 }, ss[SY_N_DTYPES] = { 0 };

  g_assert_no_error (error);
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *name = g_strdup_printf ("olmoe256-%s.gguf", files[f]);
      g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", name, NULL);
      g_autoptr (SyGguf) g = sy_gguf_open (path, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < sy_gguf_get_n_tensors (g); i++)
        {
          const SyTensor *t = sy_gguf_get_tensor (g, i);
          const SyTensor *r = sy_gguf_find_tensor (ref, t->name);
          int64_t n = sy_tensor_n_elements (t);
          g_autofree float *x = NULL;
          g_autofree float *y = NULL;
          g_autofree float *z = NULL;
          g_autofree guint8 *q = NULL;

          if (!sy_dtype_is_quantized (t->dtype) || r == NULL || r->dtype != SY_DTYPE_Q8_0
              || t->dtype == SY_DTYPE_Q8_0)
            continue;
          x = g_new (float, n);
          y = g_new (float, n);
          z = g_new (float, n);
          q = g_malloc (sy_dtype_n_bytes (t->dtype, n));
          sy_tensor_to_f32 (r, 0, n, x);
          sy_tensor_to_f32 (t, 0, n, y);
          sy_quantize (t->dtype, x, n, q);
          sy_quant_to_f32 (t->dtype, q, 0, n, z);
          for (int64_t j = 0; j < n; j++)
            {
              se_l[t->dtype] += ((double) y[j] - x[j]) * ((double) y[j] - x[j]);
              se_o[t->dtype] += ((double) z[j] - x[j]) * ((double) z[j] - x[j]);
              ss[t->dtype] += (double) x[j] * x[j];
            }
        }
    }
  for (int d = 0; d < SY_N_DTYPES; d++)
    if (ss[d] > 0)
      {
        double l = sqrt (se_l[d] / ss[d]), o = sqrt (se_o[d] / ss[d]);

        g_test_message ("%s: rms error over rms: llama.cpp %.4f, ours %.4f", sy_dtype_name (d), l, o);
        g_assert_cmpfloat (o, <=, 1.05 * l);
      }
}

/* The CLI opens each file (route --json) */
static void
test_cli_route (void)
{
  json_object *root = load_decode_json ();

  json_object_object_foreach (root, file, tensors)
    {
      g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", file, NULL);
      g_autofree char *args = g_strdup_printf ("route --model '%s' --ids 1,2,3 --json", path);
      g_autofree char *out = NULL;

      (void) tensors;
      out = sy_test_cli_ok (args);
      g_assert_true (g_str_has_prefix (out, "{\"model\":"));
    }
  json_object_put (root);
}

static const SyTestCase tests[] = {
  { "/engine/gguf-llamacpp/decode", test_decode },
  { "/engine/gguf-llamacpp/forward-f32", test_forward_equals_f32 },
  { "/engine/gguf-llamacpp/quantizer-quality", test_quantizer_quality },
  { "/engine/gguf-llamacpp/cli-route", test_cli_route },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
