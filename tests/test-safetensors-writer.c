/* test-safetensors-writer.c: writing safetensors files, shards, round trips
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-safetensors-writer.h"
#include "sy-tensor-store.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static char *
case_path (const char *name)
{
  return g_build_filename (sy_test_tmp_dir (), name, NULL);
}

/* exactly representable in f16 and bf16 */
static const float exact[] = { 0.0f, -0.0f, 1.0f, -2.0f, 0.5f, 3.0f, -0.125f, 96.0f, 0x1p-10f, 1.5f, -6.0f, 0.75f };

static void
test_round_trip_dtypes (void)
{
  const SyDType dtypes[] = { SY_DTYPE_F32, SY_DTYPE_F16, SY_DTYPE_BF16 };

  for (gsize k = 0; k < G_N_ELEMENTS (dtypes); k++)
    {
      g_autofree char *name = g_strdup_printf ("round-trip-%s.safetensors", sy_dtype_name (dtypes[k]));
      g_autofree char *path = case_path (name);
      g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
      g_autoptr (SyTensorStore) store = NULL;
      g_autoptr (GError) error = NULL;
      const int64_t shape[2] = { 3, 4 };
      const int64_t shape_r[1] = { 6 };
      /* rounding cases: ties to even and just above a tie */
      const float rounding[6] = {
        1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-16f,
        1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0.1f,
      };
      const SyTensor *t;
      float out[12];

      g_assert_true (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "exact", dtypes[k], 2, shape }, exact, &error));
      g_assert_true (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "rounding", dtypes[k], 1, shape_r }, rounding, &error));
      sy_safetensors_writer_set_metadata (w, "producer", "test");
      g_assert_true (sy_safetensors_writer_write (w, path, &error));
      g_assert_no_error (error);

      store = sy_tensor_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_tensor_store_get_n_tensors (store), ==, 2);

      t = sy_tensor_store_get (store, "exact", 2, shape, &error);
      g_assert_no_error (error);
      g_assert_cmpint (t->dtype, ==, dtypes[k]);
      sy_tensor_to_f32 (t, 0, 12, out);
      for (int i = 0; i < 12; i++)
        {
          g_assert_cmpfloat (out[i], ==, exact[i]);
          g_assert_cmpint (signbit (out[i]), ==, signbit (exact[i]));
        }

      t = sy_tensor_store_get (store, "rounding", 1, shape_r, &error);
      g_assert_no_error (error);
      sy_tensor_to_f32 (t, 0, 6, out);
      switch (dtypes[k])
        {
        case SY_DTYPE_F32:
          for (int i = 0; i < 6; i++)
            g_assert_cmpfloat (out[i], ==, rounding[i]);
          break;
        case SY_DTYPE_BF16:     /* 7 mantissa bits */
          g_assert_cmpfloat (out[0], ==, 1.0f);
          g_assert_cmpfloat (out[1], ==, 1.0f + 0x1p-6f);
          g_assert_cmpfloat (out[2], ==, 1.0f + 0x1p-7f);
          g_assert_cmpfloat (out[3], ==, 1.0f);
          g_assert_cmpfloat (out[4], ==, 1.0f);
          g_assert_cmpfloat (out[5], ==, 0.10009765625f);
          break;
        case SY_DTYPE_F16:      /* 10 mantissa bits */
          g_assert_cmpfloat (out[0], ==, 1.0f + 0x1p-8f);
          g_assert_cmpfloat (out[3], ==, 1.0f);
          g_assert_cmpfloat (out[4], ==, 1.0f + 0x1p-9f);
          g_assert_cmpfloat (out[5], ==, 0.0999755859375f);
          break;
        case SY_N_DTYPES:
        default:
          g_assert_not_reached ();
        }

      /* the header: metadata kept, data section 8-byte aligned */
      {
        g_autofree char *contents = NULL;
        gsize size;
        uint64_t hlen = 0;

        g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
        for (int i = 7; i >= 0; i--)
          hlen = (hlen << 8) | (guint8) contents[i];
        g_assert_cmpint ((8 + hlen) % 8, ==, 0);
        g_assert_cmpint (size, ==, 8 + hlen + 18 * sy_dtype_size (dtypes[k]));
        g_assert_nonnull (g_strstr_len (contents + 8, (gssize) hlen, "\"__metadata__\":{\"format\":\"pt\",\"producer\":\"test\"}"));
      }
    }
}

static void
test_raw_and_scalar (void)
{
  g_autofree char *path = case_path ("raw.safetensors");
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_autoptr (SyTensorStore) store = NULL;
  g_autoptr (GError) error = NULL;
  uint16_t bf[3] = { 0x3f80, 0xc000, 0x7fc0 };   /* 1, -2, NaN */
  float scalar = 42.0f;
  const int64_t shape[1] = { 3 };
  const int64_t empty_shape[2] = { 0, 7 };

  g_assert_true (sy_safetensors_writer_add (w, &(SyTensorDesc) { "bf", SY_DTYPE_BF16, 1, shape }, bf, &error));
  g_assert_true (sy_safetensors_writer_add (w, &(SyTensorDesc) { "scalar", SY_DTYPE_F32, 0, NULL }, &scalar, &error));
  g_assert_true (sy_safetensors_writer_add (w, &(SyTensorDesc) { "empty", SY_DTYPE_F16, 2, empty_shape }, NULL, &error));
  g_assert_cmpint (sy_safetensors_writer_get_n_bytes (w), ==, 10);
  g_assert_true (sy_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);

  store = sy_tensor_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (sy_tensor_store_lookup (store, "bf")->data, 6, bf, 6);
  g_assert_cmpfloat (sy_tensor_get_f32 (sy_tensor_store_lookup (store, "scalar"), 0), ==, 42.0f);
  g_assert_cmpint (sy_tensor_store_lookup (store, "scalar")->n_dims, ==, 0);
  g_assert_cmpint (sy_tensor_n_elements (sy_tensor_store_lookup (store, "empty")), ==, 0);
  g_assert_false (sy_tensor_check_finite (sy_tensor_store_lookup (store, "bf"), &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_NAN);
}

static void
test_add_errors (void)
{
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), "no-such-folder", "x.safetensors", NULL);
  const int64_t shape[5] = { 1, 1, 1, 1, 1 };
  const int64_t negative[1] = { -1 };
  float v = 0;

  g_assert_true (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "a", SY_DTYPE_F32, 1, shape }, &v, &error));
  g_assert_false (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "a", SY_DTYPE_F32, 1, shape }, &v, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_INVALID_VALUE, "tensor 'a' is already added");
  g_assert_false (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "b", SY_DTYPE_F32, 5, shape }, &v, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "c", SY_DTYPE_F32, 1, negative }, &v, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { "", SY_DTYPE_F32, 1, shape }, &v, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_cmpint (sy_safetensors_writer_get_n_tensors (w), ==, 1);

  g_assert_false (sy_safetensors_writer_write (w, path, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-folder"));
}

/* ---- generated tensors ---- */

static gboolean
fill_ramp (float     *out,
           int64_t    offset,
           int64_t    n,
           gpointer   user_data,
           GError   **error)
{
  int *calls = user_data;

  (*calls)++;
  for (int64_t i = 0; i < n; i++)
    out[i] = (float) ((offset + i) % 256) - 128.0f;   /* exact in bf16 */
  return TRUE;
}

static gboolean
fill_fails (float     *out,
            int64_t    offset,
            int64_t    n,
            gpointer   user_data,
            GError   **error)
{
  if (offset > 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED, "out of ideas at %" G_GINT64_FORMAT, offset);
      return FALSE;
    }
  memset (out, 0, (gsize) n * sizeof *out);
  return TRUE;
}

static gboolean
cancel_after_half (double      fraction,
                   const char *what,
                   gpointer    user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
  return fraction < 0.5;
}

static void
test_generated (void)
{
  g_autofree char *path = case_path ("generated.safetensors");
  g_autofree char *failing = case_path ("failing.safetensors");
  g_autofree char *failing_partial = g_strconcat (failing, ".partial", NULL);
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_autoptr (SyTensorStore) store = NULL;
  g_autoptr (GError) error = NULL;
  const int64_t shape[2] = { 3, 400000 };    /* 1.2M elements: more than one chunk */
  g_autofree float *values = g_new (float, 1200000);
  int calls = 0;
  double last = 0;
  const SyTensor *t;

  g_assert_true (sy_safetensors_writer_add_generated (w, &(SyTensorDesc) { "ramp", SY_DTYPE_BF16, 2, shape }, fill_ramp, &calls, NULL, &error));
  g_assert_true (sy_safetensors_writer_write_full (w, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (calls, ==, 2);

  store = sy_tensor_store_open (path, &error);
  g_assert_no_error (error);
  t = sy_tensor_store_get (store, "ramp", 2, shape, &error);
  g_assert_no_error (error);
  sy_tensor_to_f32 (t, 0, 1200000, values);
  for (int64_t i = 0; i < 1200000; i++)
    if (values[i] != (float) (i % 256) - 128.0f)
      g_error ("element %" G_GINT64_FORMAT ": %g", i, values[i]);

  /* a fill that fails: error names file and tensor, nothing is left behind */
  {
    g_autoptr (SySafetensorsWriter) w2 = sy_safetensors_writer_new ();

    g_assert_true (sy_safetensors_writer_add_generated (w2, &(SyTensorDesc) { "bad", SY_DTYPE_F16, 2, shape }, fill_fails, NULL, NULL, &error));
    g_assert_false (sy_safetensors_writer_write (w2, failing, &error));
    sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_FAILED,
                                 "failing.safetensors: tensor 'bad': out of ideas at 1048576");
    sy_test_assert_no_file (failing);
    sy_test_assert_no_file (failing_partial);
  }

  /* cancelled through the progress function */
  g_assert_false (sy_safetensors_writer_write_full (w, failing, cancel_after_half, &last, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED);
  sy_test_assert_no_file (failing);
  sy_test_assert_no_file (failing_partial);
}

/* ---- fixtures converted and sharded ---- */

static void
copy_store (SyTensorStore       *src,
            SySafetensorsWriter *w,
            SyDType              dtype)
{
  g_auto (GStrv) names = sy_tensor_store_list (src);
  g_autoptr (GError) error = NULL;

  for (char **n = names; *n; n++)
    {
      g_assert_true (sy_safetensors_writer_add_tensor (w, *n, dtype, sy_tensor_store_lookup (src, *n), &error));
      g_assert_no_error (error);
    }
}

static void
compare_stores (SyTensorStore *a,
                SyTensorStore *b,
                SyDType        b_dtype)
{
  g_auto (GStrv) names_a = sy_tensor_store_list (a);
  g_auto (GStrv) names_b = sy_tensor_store_list (b);

  g_assert_cmpstrv (names_a, names_b);
  for (char **n = names_a; *n; n++)
    {
      const SyTensor *ta = sy_tensor_store_lookup (a, *n);
      const SyTensor *tb = sy_tensor_store_lookup (b, *n);
      int64_t ne = sy_tensor_n_elements (ta);
      g_autofree float *va = g_new (float, MAX (ne, 1));
      g_autofree float *vb = g_new (float, MAX (ne, 1));

      g_assert_cmpint (tb->dtype, ==, b_dtype);
      g_assert_cmpint (ta->n_dims, ==, tb->n_dims);
      for (int d = 0; d < ta->n_dims; d++)
        g_assert_cmpint (ta->shape[d], ==, tb->shape[d]);
      sy_tensor_to_f32 (ta, 0, ne, va);
      sy_tensor_to_f32 (tb, 0, ne, vb);
      for (int64_t i = 0; i < ne; i++)
        {
          float want = va[i];

          if (b_dtype == SY_DTYPE_BF16)
            want = sy_bf16_to_f32 (sy_f32_to_bf16 (va[i]));
          else if (b_dtype == SY_DTYPE_F16)
            want = sy_f16_to_f32 (sy_f32_to_f16 (va[i]));
          if (vb[i] != want)
            g_error ("%s[%" G_GINT64_FORMAT "]: %g, expected %g", *n, i, vb[i], want);
        }
    }
}

static void
test_fixture_converted (void)
{
  const SyDType dtypes[] = { SY_DTYPE_BF16, SY_DTYPE_F16 };
  g_autofree char *src_dir = sy_test_model_path ("qwen2_moe", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) src = sy_tensor_store_open (src_dir, &error);

  g_assert_no_error (error);
  for (gsize k = 0; k < G_N_ELEMENTS (dtypes); k++)
    {
      g_autofree char *name = g_strdup_printf ("qwen2_moe-%s", sy_dtype_name (dtypes[k]));
      g_autofree char *dir = case_path (name);
      g_autofree char *file = g_build_filename (dir, "model.safetensors", NULL);
      g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
      g_autoptr (SyTensorStore) out = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      copy_store (src, w, dtypes[k]);
      g_assert_cmpint (sy_safetensors_writer_get_n_bytes (w) * 2, ==, sy_tensor_store_get_n_bytes (src));
      g_assert_true (sy_safetensors_writer_write (w, file, &error));
      g_assert_no_error (error);
      out = sy_tensor_store_open (dir, &error);
      g_assert_no_error (error);
      compare_stores (src, out, dtypes[k]);
    }
}

static void
test_fixture_sharded (void)
{
  const int n_shards[] = { 2, 3 };
  g_autofree char *src_dir = sy_test_model_path ("olmoe", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) src = sy_tensor_store_open (src_dir, &error);

  g_assert_no_error (error);
  for (gsize k = 0; k < G_N_ELEMENTS (n_shards); k++)
    {
      SyDType dtype = k == 0 ? SY_DTYPE_F32 : SY_DTYPE_BF16;
      g_autofree char *name = g_strdup_printf ("olmoe-%d-shards", n_shards[k]);
      g_autofree char *dir = case_path (name);
      g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
      g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
      g_autoptr (SyTensorStore) out = NULL;
      json_object *root, *map, *meta, *total;
      json_object_iter it;
      g_auto (GStrv) names = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      copy_store (src, w, dtype);
      g_assert_true (sy_safetensors_writer_write_sharded (w, dir, n_shards[k], NULL, NULL, &error));
      g_assert_no_error (error);

      out = sy_tensor_store_open (index, &error);    /* the index file itself */
      g_assert_no_error (error);
      g_assert_cmpint (sy_tensor_store_get_n_files (out), ==, n_shards[k]);
      g_clear_pointer (&out, sy_tensor_store_free);
      out = sy_tensor_store_open (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_tensor_store_get_n_files (out), ==, n_shards[k]);
      compare_stores (src, out, dtype);

      /* the index maps every tensor to the shard holding it */
      root = json_object_from_file (index);
      g_assert_nonnull (root);
      g_assert_true (json_object_object_get_ex (root, "weight_map", &map));
      g_assert_true (json_object_object_get_ex (root, "metadata", &meta));
      g_assert_true (json_object_object_get_ex (meta, "total_size", &total));
      g_assert_cmpint (json_object_get_int64 (total), ==, sy_tensor_store_get_n_bytes (out));
      g_assert_cmpint (json_object_object_length (map), ==, sy_tensor_store_get_n_tensors (src));
      json_object_object_foreachC (map, it)
        {
          g_autofree char *expect = g_strdup_printf ("of-%05d.safetensors", n_shards[k]);

          g_assert_cmpstr (sy_tensor_store_lookup (out, it.key)->file, ==, json_object_get_string (it.val));
          g_assert_true (g_str_has_suffix (json_object_get_string (it.val), expect));
        }
      json_object_put (root);
      names = sy_tensor_store_list_unused (out);
      g_assert_cmpint (g_strv_length (names), ==, 0);
    }
}

static gboolean
same_file (const char *a,
           const char *b)
{
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;
  gsize la = 0, lb = 0;

  return g_file_get_contents (a, &ca, &la, NULL) && g_file_get_contents (b, &cb, &lb, NULL) &&
         la == lb && memcmp (ca, cb, la) == 0;
}

static void
test_convert_folder (void)
{
  g_autofree char *src = sy_test_model_path ("granitemoe", "");
  g_autofree char *dst = case_path ("granitemoe-f16-2");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) a = NULL;
  g_autoptr (SyTensorStore) b = NULL;
  const char *copied[] = { "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json" };

  g_assert_true (sy_safetensors_convert_folder (src, dst, SY_DTYPE_F16, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  a = sy_tensor_store_open (src, &error);
  g_assert_no_error (error);
  b = sy_tensor_store_open (dst, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_tensor_store_get_n_files (b), ==, 2);
  compare_stores (a, b, SY_DTYPE_F16);
  for (gsize i = 0; i < G_N_ELEMENTS (copied); i++)
    {
      g_autofree char *from = g_build_filename (src, copied[i], NULL);
      g_autofree char *to = g_build_filename (dst, copied[i], NULL);

      g_assert_true (same_file (from, to));
    }
  {
    g_autofree char *ref = g_build_filename (dst, "reference.safetensors", NULL);
    g_autofree char *single = g_build_filename (dst, "model.safetensors", NULL);

    sy_test_assert_no_file (ref);
    sy_test_assert_no_file (single);

    /* converting again into one file replaces the shards' index */
    g_assert_true (sy_safetensors_convert_folder (src, dst, SY_DTYPE_BF16, 1, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (single, G_FILE_TEST_EXISTS));
    g_clear_pointer (&b, sy_tensor_store_free);
    b = sy_tensor_store_open (dst, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sy_tensor_store_get_n_files (b), ==, 1);
    compare_stores (a, b, SY_DTYPE_BF16);
  }

  /* errors */
  g_assert_false (sy_safetensors_convert_folder (dst, dst, SY_DTYPE_F32, 1, NULL, NULL, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_INVALID_VALUE, "into itself");
  {
    g_autofree char *file = g_build_filename (src, "config.json", NULL);
    g_autofree char *empty = case_path ("empty-folder");
    g_autofree char *out = case_path ("never-written");

    g_assert_false (sy_safetensors_convert_folder (file, out, SY_DTYPE_F32, 1, NULL, NULL, &error));
    sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_IO, "not a folder");
    g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
    g_assert_false (sy_safetensors_convert_folder (empty, out, SY_DTYPE_F32, 1, NULL, NULL, &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING);
    g_clear_error (&error);
    sy_test_assert_no_file (out);
  }
}

static const SyTestCase tests[] = {
  { "/engine/safetensors-writer/round-trip-dtypes", test_round_trip_dtypes },
  { "/engine/safetensors-writer/raw-and-scalar", test_raw_and_scalar },
  { "/engine/safetensors-writer/add-errors", test_add_errors },
  { "/engine/safetensors-writer/generated", test_generated },
  { "/engine/safetensors-writer/fixture-converted", test_fixture_converted },
  { "/engine/safetensors-writer/fixture-sharded", test_fixture_sharded },
  { "/engine/safetensors-writer/convert-folder", test_convert_folder },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
