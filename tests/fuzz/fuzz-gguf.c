/* fuzz-gguf.c: a GGUF file (header, metadata of every type and arrays,
 * tensor infos, block data of every type), then what a model load takes
 * from it: the config, the tokenizer and the tensor store
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is written to a temporary file (sy_gguf_open maps a path).
 * An input holding a second GGUF header ("GGUF" and version 2 or 3) is
 * two files: written as the parts fuzz-00001-of-00002.gguf and
 * fuzz-00002-of-00002.gguf of a split model, opened by the first.
 * Vocabulary-only files (llama.cpp's ggml-vocab-*.gguf: tokenizer
 * metadata, no tensors) go through the tokenizer paths like any other.
 */
#include "sy-arch.h"
#include "sy-fuzz.h"
#include "sy-gguf.h"
#include "sy-tokenizer.h"

static const char *const array_keys[] = {
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.merges",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.scores",
  "general.tags",
};

/* Text reaching the pre-tokenizers' rules: contractions, digit runs,
 * punctuation, runs of spaces and newlines, accents, CJK, an emoji. */
static const char sample_text[] =
  "Hello world, 123! I'm   here -- they'll\n\n\tcafé 12345678 ÄÖÜ 你好世界 🦙 <s></s> ...";

static void
read_tensor (const SyTensor *t)
{
  int64_t n = sy_tensor_n_elements (t);
  float out[512];

  sy_tensor_to_f32 (t, 0, MIN (n, 512), out);
  if (n > 512)
    sy_tensor_to_f32 (t, n - 300, 300, out);
  sy_tensor_find_nonfinite (t);
}

static void
read_model (SyGguf *gguf)
{
  const SyArchSpec *arch = NULL;
  json_object *config, *tok_json;

  config = sy_gguf_model_config (gguf, &arch, NULL);
  if (config != NULL)
    {
      SyConfig c;

      sy_config_parse (arch, config, "fuzz.gguf", &c, NULL);
      sy_config_clear (&c);
      json_object_put (config);
    }

  tok_json = sy_gguf_tokenizer_json (gguf, NULL);
  if (tok_json != NULL)
    {
      g_autoptr (SyTokenizer) tok = sy_tokenizer_new_from_json (tok_json, "fuzz.gguf", -1, -1, NULL);

      if (tok != NULL)
        {
          g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, sample_text, -1, TRUE, NULL);

          if (enc != NULL)
            g_free (sy_tokenizer_decode (tok, enc->ids, enc->n, FALSE));
        }
      json_object_put (tok_json);
    }
  {
    g_autoptr (SyTokenizer) tok = sy_gguf_tokenizer_new (gguf, NULL);

    if (tok != NULL)
      {
        g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, sample_text, -1, FALSE, NULL);

        if (enc != NULL)
          g_free (sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE));
      }
  }
  sy_gguf_model_rope_pairs (gguf);

  if (arch != NULL)
    {
      g_autoptr (SyTensorStore) store = sy_gguf_model_store (gguf, arch, NULL);

      if (store != NULL)
        {
          g_auto (GStrv) names = sy_tensor_store_list (store);

          for (guint i = 0; names[i]; i++)
            read_tensor (sy_tensor_store_lookup (store, names[i]));
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *path = NULL;
  g_autoptr (SyGguf) gguf = NULL;

  const uint8_t *second = NULL;

  sy_fuzz_init ();
  for (size_t i = 4; i + 8 <= size && second == NULL; i++)
    if (memcmp (data + i, "GGUF", 4) == 0 && (data[i + 4] == 2 || data[i + 4] == 3)
        && data[i + 5] == 0 && data[i + 6] == 0 && data[i + 7] == 0)
      second = data + i;
  if (second != NULL)
    {
      g_free (sy_fuzz_write_file ("fuzz-00002-of-00002.gguf", second, size - (second - data)));
      path = sy_fuzz_write_file ("fuzz-00001-of-00002.gguf", data, second - data);
    }
  else
    path = sy_fuzz_write_file ("fuzz.gguf", data, size);
  gguf = sy_gguf_open (path, NULL);
  if (gguf == NULL)
    return 0;

  for (guint i = 0; i < sy_gguf_get_n_tensors (gguf); i++)
    {
      const SyTensor *t = sy_gguf_get_tensor (gguf, i);

      g_assert (sy_gguf_find_tensor (gguf, t->name) != NULL);
      read_tensor (t);
    }
  for (guint i = 0; i < G_N_ELEMENTS (array_keys); i++)
    {
      SyGgufType type;
      guint64 n;

      if (sy_gguf_get_array_info (gguf, array_keys[i], &type, &n))
        {
          g_strfreev (sy_gguf_get_string_array (gguf, array_keys[i]));
          g_free (sy_gguf_get_int_array (gguf, array_keys[i], &n));
          g_free (sy_gguf_get_float_array (gguf, array_keys[i], &n));
        }
    }
  read_model (gguf);
  return 0;
}
