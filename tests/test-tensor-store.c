/* test-tensor-store.c: safetensors loading, validation and conversions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-tensor-store.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static const char * const fixture_models[] = {
  "deepseek_v3", "gpt_oss", "granitemoe", "mixtral", "olmoe", "qwen2_moe", "qwen3_moe",
};

/* A fresh empty folder under sy_test_tmp_dir (). */
static char *
make_case_dir (const char *name)
{
  char *dir = g_build_filename (sy_test_tmp_dir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

/* Writes an 8-byte length, @header and @data_len bytes of @data. */
static char *
write_raw (const char   *dir,
           const char   *name,
           uint64_t      header_len,
           const char   *header,
           const void   *data,
           gsize         data_len)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) (header_len >> (8 * i));
  g_byte_array_append (bytes, len, 8);
  g_byte_array_append (bytes, (const guint8 *) header, (guint) strlen (header));
  if (data_len)
    g_byte_array_append (bytes, data, (guint) data_len);
  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_file (const char *dir,
            const char *name,
            const char *header,
            const void *data,
            gsize       data_len)
{
  return write_raw (dir, name, strlen (header), header, data, data_len);
}

/* Opens @path expecting failure with @code and every one of the
 * substrings @words (NULL-terminated) in the message. */
static void
expect_open_error_words (const char        *path,
                         int                code,
                         const char *const *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (path, &error);

  g_assert_null (store);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, SY_ENGINE_ERROR, code);
  for (int i = 0; words[i] != NULL; i++)
    if (strstr (error->message, words[i]) == NULL)
      g_error ("message '%s' does not contain '%s'", error->message, words[i]);
}

/* expect_open_error_words with the words as arguments (NULL-terminated) */
static void
expect_open_error (const char *path,
                   int         code,
                   ...)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new ();
  va_list args;

  va_start (args, code);
  for (const char *s = va_arg (args, const char *); s != NULL; s = va_arg (args, const char *))
    g_ptr_array_add (words, (gpointer) s);
  va_end (args);
  g_ptr_array_add (words, NULL);
  expect_open_error_words (path, code, (const char *const *) words->pdata);
}

static const float small_data[6] = { 1.0f, -2.0f, 0.5f, 3.25f, 0.0f, -0.125f };

/* A file of one header (with small_data as its data, or none) that does
 * not open: with @code and every one of @words in the message; one of the
 * cases of the test /engine/tensor-store/bad/@test */
typedef struct
{
  const char *test;
  const char *file;
  const char *header;
  gboolean    data;
  int         code;
  const char *words[5];     /* NULL-terminated */
} BadHeader;

/* ---- fixtures: the store agrees with an independent reading of the header ---- */

static void
check_against_header (const char *file_path,
                      const char *open_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) names = NULL;
  g_autofree char *base = g_path_get_basename (file_path);
  g_autofree char *header_text = NULL;
  json_object *header;
  gsize size = 0;
  uint64_t hlen = 0;
  int n_tensors = 0;
  json_object_iter it;

  g_assert_true (g_file_get_contents (file_path, &contents, &size, NULL));
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | (guint8) contents[i];
  header_text = g_strndup (contents + 8, hlen);
  header = json_tokener_parse (header_text);
  g_assert_nonnull (header);

  store = sy_tensor_store_open (open_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (sy_tensor_store_get_n_files (store), ==, 1);

  json_object_object_foreachC (header, it)
    {
      const SyTensor *t;
      json_object *shape, *offsets, *dtype;
      int64_t begin;
      float first;

      if (strcmp (it.key, "__metadata__") == 0)
        continue;
      n_tensors++;
      t = sy_tensor_store_lookup (store, it.key);
      g_assert_nonnull (t);
      g_assert_cmpstr (t->name, ==, it.key);
      g_assert_cmpstr (t->file, ==, base);
      json_object_object_get_ex (it.val, "dtype", &dtype);
      json_object_object_get_ex (it.val, "shape", &shape);
      json_object_object_get_ex (it.val, "data_offsets", &offsets);
      g_assert_cmpstr (sy_dtype_name (t->dtype), ==, json_object_get_string (dtype));
      g_assert_cmpint (t->n_dims, ==, json_object_array_length (shape));
      for (int d = 0; d < t->n_dims; d++)
        g_assert_cmpint (t->shape[d], ==, json_object_get_int64 (json_object_array_get_idx (shape, d)));
      begin = json_object_get_int64 (json_object_array_get_idx (offsets, 0));
      g_assert_cmpint (t->n_bytes, ==, json_object_get_int64 (json_object_array_get_idx (offsets, 1)) - begin);
      g_assert_cmpint (t->n_bytes, ==, sy_tensor_n_elements (t) * sy_dtype_size (t->dtype));
      g_assert_true (sy_tensor_is_aligned (t));
      /* the data is the bytes at 8 + header + begin */
      g_assert_cmpmem (t->data, t->n_bytes, contents + 8 + hlen + begin, t->n_bytes);
      if (t->dtype == SY_DTYPE_F32 && t->n_bytes > 0)
        {
          memcpy (&first, contents + 8 + hlen + begin, 4);
          g_assert_cmpfloat (sy_tensor_get_f32 (t, 0), ==, first);
        }
      g_assert_true (sy_tensor_check_finite (t, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (sy_tensor_store_get_n_tensors (store), ==, n_tensors);
  names = sy_tensor_store_list (store);
  g_assert_cmpint (g_strv_length (names), ==, n_tensors);
  for (int i = 1; i < n_tensors; i++)
    g_assert_cmpint (strcmp (names[i - 1], names[i]), <, 0);
  json_object_put (header);
}

static void
test_fixtures (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fixture_models); i++)
    {
      g_autofree char *dir = sy_test_fixture_path ("models", fixture_models[i], NULL);
      g_autofree char *file = sy_test_fixture_path ("models", fixture_models[i], "model.safetensors", NULL);
      g_autofree char *ref = sy_test_fixture_path ("models", fixture_models[i], "reference.safetensors", NULL);

      g_test_message ("%s", dir);
      check_against_header (file, dir);    /* the folder */
      check_against_header (file, file);   /* the file itself */
      check_against_header (ref, ref);
    }
}

static void
test_fixture_get_and_unused (void)
{
  g_autofree char *dir = sy_test_fixture_path ("models", "olmoe", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (dir, &error);
  g_auto (GStrv) all = NULL;
  g_auto (GStrv) unused = NULL;
  const int64_t embed_shape[2] = { 3000, 64 };
  const int64_t norm_shape[1] = { 64 };
  const SyTensor *t;

  g_assert_no_error (error);
  sy_tensor_store_prefetch (store);
  g_assert_cmpstr (sy_tensor_store_get_path (store), ==, dir);
  all = sy_tensor_store_list (store);
  unused = sy_tensor_store_list_unused (store);
  g_assert_cmpint (g_strv_length (all), ==, g_strv_length (unused));

  t = sy_tensor_store_get (store, "model.embed_tokens.weight", 2, embed_shape, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_assert_cmpstr (t->file, ==, "model.safetensors");
  g_assert_cmpint (t->dtype, ==, SY_DTYPE_F32);
  t = sy_tensor_store_get (store, "model.norm.weight", 1, norm_shape, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);

  g_strfreev (unused);
  unused = sy_tensor_store_list_unused (store);
  g_assert_cmpint (g_strv_length (unused), ==, g_strv_length (all) - 2);
  g_assert_false (g_strv_contains ((const char * const *) unused, "model.norm.weight"));
  g_assert_false (g_strv_contains ((const char * const *) unused, "model.embed_tokens.weight"));
  g_assert_true (g_strv_contains ((const char * const *) unused, "lm_head.weight"));
}

/* ---- conversions ---- */

static uint32_t
bits_of (float f)
{
  uint32_t b;
  memcpy (&b, &f, 4);
  return b;
}

static void
test_convert_f16 (void)
{
  /* every f16 value converts and converts back to itself */
  for (uint32_t h = 0; h < 0x10000; h++)
    {
      float f = sy_f16_to_f32 ((uint16_t) h);

      if (isnan (f))
        {
          g_assert_true ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0);
          g_assert_true (isnan (sy_bf16_to_f32 (sy_f32_to_bf16 (f))));
          g_assert_true (isnan (sy_f16_to_f32 (sy_f32_to_f16 (f))));
          continue;
        }
      g_assert_cmphex (sy_f32_to_f16 (f), ==, h);
    }
  g_assert_cmpfloat (sy_f16_to_f32 (0x3c00), ==, 1.0f);
  g_assert_cmpfloat (sy_f16_to_f32 (0xc000), ==, -2.0f);
  g_assert_cmpfloat (sy_f16_to_f32 (0x7bff), ==, 65504.0f);
  g_assert_cmpfloat (sy_f16_to_f32 (0x0001), ==, 0x1p-24f);       /* smallest subnormal */
  g_assert_cmpfloat (sy_f16_to_f32 (0x03ff), ==, 1023 * 0x1p-24f); /* largest subnormal */
  g_assert_cmpfloat (sy_f16_to_f32 (0x0400), ==, 0x1p-14f);       /* smallest normal */
  g_assert_true (isinf (sy_f16_to_f32 (0x7c00)) && sy_f16_to_f32 (0x7c00) > 0);
  g_assert_true (isinf (sy_f16_to_f32 (0xfc00)) && sy_f16_to_f32 (0xfc00) < 0);
  g_assert_cmphex (bits_of (sy_f16_to_f32 (0x8000)), ==, 0x80000000u); /* -0 */

  /* rounding f32 -> f16: nearest, ties to even */
  g_assert_cmphex (sy_f32_to_f16 (1.0f + 0x1p-11f), ==, 0x3c00);              /* tie -> even (down) */
  g_assert_cmphex (sy_f32_to_f16 (1.0f + 3 * 0x1p-11f), ==, 0x3c02);          /* tie -> even (up) */
  g_assert_cmphex (sy_f32_to_f16 (1.0f + 0x1p-11f + 0x1p-20f), ==, 0x3c01);   /* above tie */
  g_assert_cmphex (sy_f32_to_f16 (65519.0f), ==, 0x7bff);
  g_assert_cmphex (sy_f32_to_f16 (65520.0f), ==, 0x7c00);                     /* overflow -> inf */
  g_assert_cmphex (sy_f32_to_f16 (1e10f), ==, 0x7c00);
  g_assert_cmphex (sy_f32_to_f16 (-1e10f), ==, 0xfc00);
  g_assert_cmphex (sy_f32_to_f16 (0x1p-25f), ==, 0x0000);                     /* tie -> 0 */
  g_assert_cmphex (sy_f32_to_f16 (0x1p-25f + 0x1p-35f), ==, 0x0001);
  g_assert_cmphex (sy_f32_to_f16 (3 * 0x1p-25f), ==, 0x0002);                 /* 1.5 ulp -> 2 */
  g_assert_cmphex (sy_f32_to_f16 (1e-10f), ==, 0x0000);
  g_assert_cmphex (sy_f32_to_f16 (-1e-10f), ==, 0x8000);
  g_assert_cmphex (sy_f32_to_f16 (0x1p-14f - 0x1p-26f), ==, 0x0400);          /* rounds up to normal */
}

static void
test_convert_bf16 (void)
{
  for (uint32_t h = 0; h < 0x10000; h++)
    {
      float f = sy_bf16_to_f32 ((uint16_t) h);

      g_assert_cmphex (bits_of (f), ==, h << 16);
      if (!isnan (f))
        g_assert_cmphex (sy_f32_to_bf16 (f), ==, h);
    }
  g_assert_cmphex (sy_f32_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmphex (sy_f32_to_bf16 (1.0f + 0x1p-8f), ==, 0x3f80);              /* tie -> even (down) */
  g_assert_cmphex (sy_f32_to_bf16 (1.0f + 3 * 0x1p-8f), ==, 0x3f82);          /* tie -> even (up) */
  g_assert_cmphex (sy_f32_to_bf16 (1.0f + 0x1p-8f + 0x1p-20f), ==, 0x3f81);
  g_assert_cmphex (sy_f32_to_bf16 (3.4e38f), ==, 0x7f80);                     /* rounds to inf */
  g_assert_true (isnan (sy_bf16_to_f32 (sy_f32_to_bf16 (NAN))));
}

/* sy_tensor_to_f32 (vector path) agrees with the scalar conversion for
 * every 16-bit pattern, aligned or not, at every start offset mod 8. */
static void
test_convert_bulk (void)
{
  const SyDType dtypes[] = { SY_DTYPE_F16, SY_DTYPE_BF16 };
  g_autofree guint8 *buf = g_malloc (2 * 65536 + 1);
  g_autofree float *out = g_new (float, 65536);

  for (gsize k = 0; k < G_N_ELEMENTS (dtypes); k++)
    for (int misalign = 0; misalign < 2; misalign++)
      {
        SyTensor t = { "all", "none", dtypes[k], 1, { 65536 }, buf + misalign, 2 * 65536 };

        for (uint32_t h = 0; h < 65536; h++)
          {
            uint16_t v = (uint16_t) h;
            memcpy (buf + misalign + 2 * h, &v, 2);
          }
        g_assert_cmpint (sy_tensor_is_aligned (&t), ==, !misalign);
        for (int start = 0; start < 8; start++)
          {
            sy_tensor_to_f32 (&t, start, 65536 - start, out);
            for (uint32_t h = (uint32_t) start; h < 65536; h++)
              {
                float want = dtypes[k] == SY_DTYPE_F16 ? sy_f16_to_f32 ((uint16_t) h)
                                                       : sy_bf16_to_f32 ((uint16_t) h);
                float got = out[h - (uint32_t) start];

                if (isnan (want))
                  g_assert_true (isnan (got));
                else if (bits_of (got) != bits_of (want))
                  g_error ("%s 0x%04x: %g, expected %g", sy_dtype_name (dtypes[k]), h, got, want);
              }
          }
      }
}

/* the first non-finite element is found wherever it is */
static void
test_check_finite_positions (void)
{
  const SyDType dtypes[] = { SY_DTYPE_F32, SY_DTYPE_F16, SY_DTYPE_BF16 };
  const int64_t n = 1000;
  const int64_t positions[] = { 0, 1, 7, 8, 15, 16, 17, 31, 32, 500, 998, 999 };
  g_autofree guint8 *buf = g_malloc (4 * n + 1);

  for (gsize k = 0; k < G_N_ELEMENTS (dtypes); k++)
    for (gsize j = 0; j < G_N_ELEMENTS (positions); j++)
      for (int bad = 0; bad < 3; bad++)
        {
          float bad_value = bad == 0 ? NAN : (bad == 1 ? INFINITY : -INFINITY);
          SyTensor t = { "w", "f", dtypes[k], 2, { 10, 100 }, buf + 1, (gsize) n * sy_dtype_size (dtypes[k]) };
          g_autoptr (GError) error = NULL;
          g_autofree char *expect = NULL;

          for (int64_t i = 0; i < n; i++)
            {
              /* a second bad value later must not be the one reported */
              float v = (i == positions[j] || i == n - 1) ? bad_value : (float) (i % 13) - 6.0f;

              if (dtypes[k] == SY_DTYPE_F32)
                memcpy (buf + 1 + 4 * i, &v, 4);
              else
                {
                  uint16_t h = dtypes[k] == SY_DTYPE_F16 ? sy_f32_to_f16 (v) : sy_f32_to_bf16 (v);
                  memcpy (buf + 1 + 2 * i, &h, 2);
                }
            }
          g_assert_false (sy_tensor_check_finite (&t, &error));
          g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_NAN);
          expect = g_strdup_printf ("f: tensor 'w' holds %s at element %" G_GINT64_FORMAT " [%" G_GINT64_FORMAT
                                    ", %" G_GINT64_FORMAT "]", bad == 0 ? "NaN" : (bad == 1 ? "+inf" : "-inf"),
                                    positions[j], positions[j] / 100, positions[j] % 100);
          if (strstr (error->message, expect) == NULL)
            g_error ("'%s' does not contain '%s'", error->message, expect);
        }
}

static void
test_to_f32_unaligned (void)
{
  g_autofree char *dir = make_case_dir ("unaligned");
  /* a 3-byte header padding-free: data starts at byte 8 + header length,
   * chosen odd so the F32 and BF16 data are not aligned */
  const char *header = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                       "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[6,14]},"
                       "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[14,18]}}   ";
  guint8 data[18];
  uint16_t a[3] = { sy_f32_to_bf16 (1.5f), sy_f32_to_bf16 (-3.0f), sy_f32_to_bf16 (0.25f) };
  float b[2] = { 7.5f, -0.0625f };
  uint16_t c[2] = { sy_f32_to_f16 (2.5f), sy_f32_to_f16 (-0x1p-20f) };
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = NULL;
  float out[3];

  g_assert_cmpint (strlen (header) % 2, ==, 1);
  memcpy (data, a, 6);
  memcpy (data + 6, b, 8);
  memcpy (data + 14, c, 4);
  path = write_file (dir, "x.safetensors", header, data, sizeof data);
  store = sy_tensor_store_open (path, &error);
  g_assert_no_error (error);
  /* the file puts every tensor at an odd address: the store hands out
   * aligned copies */
  g_assert_cmpint ((8 + strlen (header)) % 2, ==, 1);
  g_assert_true (sy_tensor_is_aligned (sy_tensor_store_lookup (store, "a")));
  g_assert_true (sy_tensor_is_aligned (sy_tensor_store_lookup (store, "b")));
  g_assert_true (sy_tensor_is_aligned (sy_tensor_store_lookup (store, "c")));
  g_assert_cmpmem (sy_tensor_store_lookup (store, "b")->data, 8, b, 8);

  sy_tensor_to_f32 (sy_tensor_store_lookup (store, "a"), 0, 3, out);
  g_assert_cmpfloat (out[0], ==, 1.5f);
  g_assert_cmpfloat (out[1], ==, -3.0f);
  g_assert_cmpfloat (out[2], ==, 0.25f);
  sy_tensor_to_f32 (sy_tensor_store_lookup (store, "b"), 1, 1, out);
  g_assert_cmpfloat (out[0], ==, -0.0625f);
  sy_tensor_to_f32 (sy_tensor_store_lookup (store, "c"), 0, 2, out);
  g_assert_cmpfloat (out[0], ==, 2.5f);
  g_assert_cmpfloat (out[1], ==, -0x1p-20f);
  g_assert_cmpfloat (sy_tensor_get_f32 (sy_tensor_store_lookup (store, "b"), 0), ==, 7.5f);
}

/* ---- bad input, one case each ---- */

static void
test_bad_truncated_file (void)
{
  g_autofree char *src = sy_test_fixture_path ("models", "olmoe", "model.safetensors", NULL);
  g_autofree char *dir = make_case_dir ("truncated");
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (src, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (path, contents, size / 2, NULL));
  /* the folder and the file: both name the file, a tensor and the problem */
  expect_open_error (dir, SY_ENGINE_ERROR_TRUNCATED, "model.safetensors", "tensor '",
                     "exceeds the data section", NULL);
  expect_open_error (path, SY_ENGINE_ERROR_TRUNCATED, path, "exceeds the data section", NULL);
}

static void
test_bad_too_short (void)
{
  g_autofree char *dir = make_case_dir ("too-short");
  g_autofree char *path = g_build_filename (dir, "empty.safetensors", NULL);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  expect_open_error (path, SY_ENGINE_ERROR_TRUNCATED, "empty.safetensors", "0 bytes", NULL);
  g_assert_true (g_file_set_contents (path, "\x10\0\0", 3, NULL));
  expect_open_error (path, SY_ENGINE_ERROR_TRUNCATED, "3 bytes", NULL);
}

static void
test_bad_header_length (void)
{
  g_autofree char *dir = make_case_dir ("header-length");
  const char *header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}";
  g_autofree char *path = write_raw (dir, "x.safetensors", 1000000, header, small_data, sizeof small_data);
  g_autofree char *huge = write_raw (dir, "y.safetensors", G_MAXUINT64, header, small_data, sizeof small_data);

  expect_open_error (path, SY_ENGINE_ERROR_TRUNCATED, "x.safetensors",
                     "header length 1000000 exceeds the file size", NULL);
  expect_open_error (huge, SY_ENGINE_ERROR_TRUNCATED, "y.safetensors", "header length", NULL);
}

static const BadHeader bad_headers[] = {
  { "header-json", "a.safetensors", "{\"a\": {\"dtype\": \"F32\", ", FALSE, SY_ENGINE_ERROR_CORRUPT,
    { "a.safetensors", "not valid JSON" } },
  { "header-json", "b.safetensors", "{\"a\": nonsense}",
    FALSE, SY_ENGINE_ERROR_CORRUPT, { "b.safetensors", "not valid JSON" } },
  { "header-json", "c.safetensors", "[1, 2, 3]",
    FALSE, SY_ENGINE_ERROR_BAD_MAGIC, { "c.safetensors", "not a JSON object" } },
  { "header-json", "d.safetensors", "{\"a\": 1} xyz",
    FALSE, SY_ENGINE_ERROR_CORRUPT, { "d.safetensors", "not valid JSON" } },
  { "header-json", "e.safetensors", "{\"a\": 1}", FALSE, SY_ENGINE_ERROR_CORRUPT,
    { "e.safetensors", "tensor 'a'", "not an object" } },
  { "overlap", "x.safetensors",
    "{\"second\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]},"
    "\"first\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT, { "x.safetensors", "tensor 'second'", "overlaps tensor 'first'", "[8, 20)" } },
  { "out-of-range", "x.safetensors",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"model.layers.0.mlp.gate.weight\":{\"dtype\":\"F32\",\"shape\":[200],\"data_offsets\":[100,900]}}",
    TRUE, SY_ENGINE_ERROR_TRUNCATED,
    { "x.safetensors",
      "tensor 'model.layers.0.mlp.gate.weight' data [100, 900) exceeds the data section of 24 bytes" } },
  { "out-of-range", "y.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,16]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT, { "y.safetensors", "tensor 'a'", "ends before it begins" } },
  { "dtype", "x.safetensors", "{\"w\":{\"dtype\":\"Q9\",\"shape\":[6],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_UNSUPPORTED, { "x.safetensors", "tensor 'w'", "unknown dtype 'Q9'" } },
  { "dtype", "y.safetensors", "{\"w\":{\"dtype\":\"I32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_UNSUPPORTED, { "y.safetensors", "tensor 'w'", "unsupported dtype 'I32'" } },
  { "dtype", "z.safetensors", "{\"w\":{\"dtype\":7,\"shape\":[6],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT, { "z.safetensors", "tensor 'w'", "dtype" } },
  { "shape-size", "x.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT,
    { "x.safetensors", "tensor 'w'", "[2, 4]", "needs 32 bytes but data [0, 24) holds 24" } },
  { "shape-size", "y.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT, { "y.safetensors", "tensor 'w'", "non-negative" } },
  { "shape-size", "z.safetensors",
    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_CORRUPT, { "z.safetensors", "tensor 'w'", "overflow" } },
  { "shape-size", "w.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,6],\"data_offsets\":[0,24]}}",
    TRUE, SY_ENGINE_ERROR_UNSUPPORTED, { "w.safetensors", "tensor 'w'", "5 dimensions" } },
};

/* Each of bad_headers' cases of the test @data ("header-json", ...) written
 * into a folder of that name and opened */
static void
test_bad_headers (gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = make_case_dir (name);
  int n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_headers); i++)
    {
      const BadHeader *c = &bad_headers[i];
      g_autofree char *path = NULL;

      if (strcmp (c->test, name) != 0)
        continue;
      path = write_file (dir, c->file, c->header, c->data ? small_data : NULL, c->data ? sizeof small_data : 0);
      expect_open_error_words (path, c->code, c->words);
      n++;
    }
  g_assert_cmpint (n, >, 0);
}

static const char *const bad_header_tests[] = {
  "header-json", "overlap", "out-of-range", "dtype", "shape-size", NULL
};

static void
test_bad_missing_tensor (void)
{
  g_autofree char *dir = make_case_dir ("missing-tensor");
  g_autofree char *path = write_file (dir, "model.safetensors",
                                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                                      small_data, sizeof small_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (dir, &error);
  const int64_t shape[1] = { 6 };

  g_assert_nonnull (path);
  g_assert_no_error (error);
  g_assert_null (sy_tensor_store_lookup (store, "model.norm.weight"));
  g_assert_null (sy_tensor_store_get (store, "model.norm.weight", 1, shape, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_nonnull (strstr (error->message, "tensor 'model.norm.weight' is missing"));
}

static void
test_bad_wrong_shape (void)
{
  g_autofree char *dir = make_case_dir ("wrong-shape");
  g_autofree char *path = write_file (dir, "model.safetensors",
                                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
                                      small_data, sizeof small_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (path, &error);
  const int64_t wrong[2] = { 3, 2 };
  const int64_t flat[1] = { 6 };
  const int64_t right[2] = { 2, 3 };

  g_assert_no_error (error);
  g_assert_null (sy_tensor_store_get (store, "w", 2, wrong, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                               "model.safetensors: tensor 'w' has shape [2, 3], expected [3, 2]");
  g_assert_null (sy_tensor_store_get (store, "w", 1, flat, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_SHAPE_MISMATCH, "expected [6]");
  g_assert_nonnull (sy_tensor_store_get (store, "w", 2, right, &error));
  g_assert_no_error (error);
}

static void
test_bad_no_model (void)
{
  g_autofree char *dir = make_case_dir ("no-model");
  g_autofree char *nothing = g_build_filename (dir, "does-not-exist", NULL);

  expect_open_error (dir, SY_ENGINE_ERROR_MISSING, "neither model.safetensors nor "
                     "model.safetensors.index.json", NULL);
  expect_open_error (nothing, SY_ENGINE_ERROR_IO, "does-not-exist", NULL);
}

static void
test_bad_index (void)
{
  g_autofree char *dir = make_case_dir ("bad-index");
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_autofree char *shard = write_file (dir, "model-00001-of-00002.safetensors",
                                       "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                                       small_data, sizeof small_data);

  g_assert_nonnull (shard);
  /* a shard that does not exist */
  g_assert_true (g_file_set_contents (index,
    "{\"metadata\": {}, \"weight_map\": {\"w\": \"model-00001-of-00002.safetensors\","
    " \"v\": \"model-00002-of-00002.safetensors\"}}", -1, NULL));
  expect_open_error (dir, SY_ENGINE_ERROR_MISSING, "model.safetensors.index.json",
                     "shard 'model-00002-of-00002.safetensors'", "tensor 'v'", "does not exist", NULL);

  /* a tensor named in the index, absent from its shard */
  g_assert_true (g_file_set_contents (index,
    "{\"weight_map\": {\"w\": \"model-00001-of-00002.safetensors\","
    " \"v\": \"model-00001-of-00002.safetensors\"}}", -1, NULL));
  expect_open_error (dir, SY_ENGINE_ERROR_MISSING, "model.safetensors.index.json", "tensor 'v'",
                     "absent from shard model-00001-of-00002.safetensors", NULL);

  /* a path instead of a file name */
  g_assert_true (g_file_set_contents (index,
    "{\"weight_map\": {\"w\": \"../model-00001-of-00002.safetensors\"}}", -1, NULL));
  expect_open_error (dir, SY_ENGINE_ERROR_CORRUPT, "tensor 'w'", "not a file name", NULL);

  /* no weight_map, not JSON */
  g_assert_true (g_file_set_contents (index, "{\"metadata\": {}}", -1, NULL));
  expect_open_error (dir, SY_ENGINE_ERROR_CORRUPT, "weight_map", NULL);
  g_assert_true (g_file_set_contents (index, "{\"weight_map\": ", -1, NULL));
  expect_open_error (dir, SY_ENGINE_ERROR_CORRUPT, "model.safetensors.index.json", "not valid JSON", NULL);

  /* and the good one opens */
  g_assert_true (g_file_set_contents (index,
    "{\"weight_map\": {\"w\": \"model-00001-of-00002.safetensors\"}}", -1, NULL));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (SyTensorStore) store = sy_tensor_store_open (dir, &error);

    g_assert_no_error (error);
    g_assert_nonnull (sy_tensor_store_lookup (store, "w"));
  }
}

static void
test_bad_nan (void)
{
  g_autofree char *dir = make_case_dir ("nan");
  guint8 data[24 + 8 + 8];
  float f[6];
  uint16_t bf[4] = { sy_f32_to_bf16 (1.0f), sy_f32_to_bf16 (2.0f), sy_f32_to_bf16 (INFINITY), 0 };
  uint16_t hf[4] = { sy_f32_to_f16 (1.0f), 0, 0, sy_f32_to_f16 (NAN) };
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = NULL;

  memcpy (f, small_data, sizeof f);
  f[4] = NAN;
  memcpy (data, f, 24);
  memcpy (data + 24, bf, 8);
  memcpy (data + 32, hf, 8);
  path = write_file (dir, "model.safetensors",
                     "{\"model.layers.0.mlp.gate.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]},"
                     "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[32,40]}}",
                     data, sizeof data);
  store = sy_tensor_store_open (path, &error);
  g_assert_no_error (error);

  g_assert_false (sy_tensor_check_finite (sy_tensor_store_lookup (store, "model.layers.0.mlp.gate.weight"), &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_NAN);
  g_assert_nonnull (strstr (error->message, "model.safetensors: tensor 'model.layers.0.mlp.gate.weight' holds NaN"
                                            " at element 4 [1, 1]"));
  g_clear_error (&error);
  g_assert_false (sy_tensor_check_finite (sy_tensor_store_lookup (store, "b"), &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_NAN, "tensor 'b' holds +inf at element 2");
  g_assert_false (sy_tensor_check_finite (sy_tensor_store_lookup (store, "h"), &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_NAN, "tensor 'h' holds NaN at element 3 [1, 1]");
}

static void
test_metadata_and_empty (void)
{
  g_autofree char *dir = make_case_dir ("metadata");
  g_autofree char *path = write_file (dir, "x.safetensors",
                                      "{\"__metadata__\":{\"format\":\"pt\"},"
                                      "\"empty\":{\"dtype\":\"F16\",\"shape\":[0,4],\"data_offsets\":[8,8]},"
                                      "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]},"
                                      "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}      ",
                                      small_data, 8);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (path, &error);
  g_auto (GStrv) names = NULL;

  g_assert_no_error (error);
  names = sy_tensor_store_list (store);
  g_assert_cmpint (g_strv_length (names), ==, 3);
  g_assert_cmpstr (names[0], ==, "empty");
  g_assert_cmpint (sy_tensor_n_elements (sy_tensor_store_lookup (store, "empty")), ==, 0);
  g_assert_cmpint (sy_tensor_n_elements (sy_tensor_store_lookup (store, "scalar")), ==, 1);
  g_assert_cmpfloat (sy_tensor_get_f32 (sy_tensor_store_lookup (store, "scalar"), 0), ==, -2.0f);
  g_assert_true (sy_tensor_check_finite (sy_tensor_store_lookup (store, "empty"), NULL));
}

/* ---- fuzz: corrupted headers load or fail cleanly ---- */

static void
test_fuzz_headers (void)
{
  g_autofree char *dir = make_case_dir ("fuzz");
  g_autofree char *path = g_build_filename (dir, "fuzz.safetensors", NULL);
  const char *header = "{\"__metadata__\":{\"format\":\"pt\"},"
                       "\"a.weight\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                       "\"b.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]},"
                       "\"c.weight\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[24,28]}}   ";
  const char alphabet[] = "{}[],:\"0123456789-.eE FB1632_x\\\0\xff";
  gsize hlen = strlen (header);
  gsize total = 8 + hlen + 32;
  g_autofree guint8 *valid = g_malloc0 (total);
  g_autofree guint8 *bytes = g_malloc (total);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20260124);
  int n_loaded = 0, n_failed = 0;

  for (int i = 0; i < 8; i++)
    valid[i] = (guint8) ((uint64_t) hlen >> (8 * i));
  memcpy (valid + 8, header, hlen);
  for (int i = 0; i < 32; i++)
    valid[8 + hlen + i] = (guint8) (i * 37 + 11);

  for (int iter = 0; iter < 2000; iter++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyTensorStore) store = NULL;
      gsize len = total;
      int n_mut = g_rand_int_range (rand, 1, 5);

      memcpy (bytes, valid, total);
      if (iter % 3 == 0)
        {
          /* keep the JSON valid: change digits only (shapes, offsets) */
          for (int m = 0; m < n_mut; m++)
            {
              gsize pos = 8 + (gsize) g_rand_int_range (rand, 0, (gint32) hlen);

              while (!g_ascii_isdigit (bytes[pos]))
                pos = pos + 1 < 8 + hlen ? pos + 1 : 8;
              bytes[pos] = (guint8) ('0' + g_rand_int_range (rand, 0, 10));
            }
          n_mut = 0;
        }
      for (int m = 0; m < n_mut; m++)
        {
          int kind = g_rand_int_range (rand, 0, 10);
          gsize pos;

          if (kind == 0)          /* the length field */
            pos = (gsize) g_rand_int_range (rand, 0, 8);
          else
            pos = 8 + (gsize) g_rand_int_range (rand, 0, (gint32) hlen);
          if (kind < 5)
            bytes[pos] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
          else if (kind < 8)
            bytes[pos] = (guint8) g_rand_int_range (rand, 0, 256);
          else if (kind == 8)
            bytes[pos] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
          else
            len = (gsize) g_rand_int_range (rand, 0, (gint32) total + 1);   /* truncate */
        }
      /* every 10th case through a file, the rest in memory: an exact-size
       * heap copy, so ASan sees any read past the end */
      if (iter % 10 == 0)
        {
          FILE *f = fopen (path, "wb");

          g_assert_nonnull (f);
          g_assert_cmpuint (fwrite (bytes, 1, len, f), ==, len);
          g_assert_cmpint (fclose (f), ==, 0);
          store = sy_tensor_store_open (path, &error);
        }
      else
        {
          g_autoptr (GBytes) b = g_bytes_new (bytes, len);

          store = sy_tensor_store_new_from_bytes (b, "fuzz.safetensors", &error);
        }
      if (store == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == SY_ENGINE_ERROR);
          g_assert_nonnull (strstr (error->message, "fuzz.safetensors"));
          n_failed++;
        }
      else
        {
          g_auto (GStrv) names = sy_tensor_store_list (store);
          guint64 sum = 0;

          g_assert_no_error (error);
          for (char **n = names; *n; n++)
            {
              const SyTensor *t = sy_tensor_store_lookup (store, *n);
              int64_t ne = sy_tensor_n_elements (t);
              g_autofree float *values = g_new (float, MAX (ne, 1));

              g_assert_cmpint ((gsize) ne * sy_dtype_size (t->dtype), ==, t->n_bytes);
              g_assert_true (ne == 0 || sy_tensor_is_aligned (t));
              /* every byte of every tensor is inside what was written */
              sy_tensor_to_f32 (t, 0, ne, values);
              sy_tensor_check_finite (t, NULL);
              sum += t->n_bytes;
            }
          g_assert_cmpuint (sum, <=, len);
          n_loaded++;
        }
    }
  g_test_message ("fuzz: %d loaded, %d failed cleanly", n_loaded, n_failed);
  g_assert_cmpint (n_loaded + n_failed, ==, 2000);
  g_assert_cmpint (n_failed, >, 0);
  g_assert_cmpint (n_loaded, >, 0);
}

static const SyTestCase tests[] = {
  { "/engine/tensor-store/fixtures", test_fixtures },
  { "/engine/tensor-store/get-and-unused", test_fixture_get_and_unused },
  { "/engine/tensor-store/metadata-and-empty", test_metadata_and_empty },
  { "/engine/tensor-store/convert/f16", test_convert_f16 },
  { "/engine/tensor-store/convert/bf16", test_convert_bf16 },
  { "/engine/tensor-store/convert/unaligned", test_to_f32_unaligned },
  { "/engine/tensor-store/convert/bulk", test_convert_bulk },
  { "/engine/tensor-store/check-finite-positions", test_check_finite_positions },
  { "/engine/tensor-store/bad/truncated-file", test_bad_truncated_file },
  { "/engine/tensor-store/bad/too-short", test_bad_too_short },
  { "/engine/tensor-store/bad/header-length", test_bad_header_length },
  { "/engine/tensor-store/bad", NULL, test_bad_headers, bad_header_tests },
  { "/engine/tensor-store/bad/missing-tensor", test_bad_missing_tensor },
  { "/engine/tensor-store/bad/wrong-shape", test_bad_wrong_shape },
  { "/engine/tensor-store/bad/no-model", test_bad_no_model },
  { "/engine/tensor-store/bad/index", test_bad_index },
  { "/engine/tensor-store/bad/nan", test_bad_nan },
  { "/engine/tensor-store/fuzz-headers", test_fuzz_headers },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
