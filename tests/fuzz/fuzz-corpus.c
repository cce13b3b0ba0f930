/* fuzz-corpus.c: profiler corpora: a JSONL file of texts, a Brown
 * corpus file (word/TAG), a plain text; then their chunks
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte picks the reader (0: JSONL, 1: Brown, 2: plain text);
 * the rest is the file.  With SY_FIXTURES set, the texts are also cut
 * into chunks with the bytelevel fixture tokenizer.
 */
#include "sy-corpus.h"
#include "sy-fuzz.h"

static SyTokenizer *tokenizer;

static void
chunk (const SyCorpusText *text)
{
  g_autoptr (GPtrArray) chunks = NULL;
  g_autoptr (SyEncoding) enc = NULL;

  g_assert (text->n_words >= 0);
  for (int w = 0; w < text->n_words; w++)
    g_assert (text->spans[2 * w] <= text->spans[2 * w + 1] &&
              text->spans[2 * w + 1] <= text->n_chars);
  if (tokenizer == NULL)
    return;
  enc = sy_tokenizer_encode (tokenizer, text->text, -1, TRUE, NULL);
  if (enc != NULL)
    {
      g_autofree int *words = g_new (int, MAX (enc->n, 1));

      sy_corpus_text_map_tokens (text, enc->offsets, enc->n, words);
    }
  chunks = sy_corpus_text_chunk (text, tokenizer, 16, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean loaded;
  int mode;

  sy_fuzz_init ();
  if (!loaded)
    {
      const char *fixtures = g_getenv ("SY_FIXTURES");

      loaded = TRUE;
      if (fixtures)
        {
          g_autofree char *path = g_build_filename (fixtures, "tokenizers", "bytelevel", NULL);

          tokenizer = sy_tokenizer_load (path, NULL);
        }
    }
  if (size < 1)
    return 0;
  mode = data[0] % 3;
  data++, size--;

  if (mode == 0)
    {
      g_autofree char *path = sy_fuzz_write_file ("fuzz.jsonl", data, size);
      g_autoptr (SyCorpus) corpus = sy_corpus_load_jsonl (path, NULL);

      if (corpus != NULL)
        for (int i = 0; i < MIN (sy_corpus_get_n_texts (corpus), 8); i++)
          chunk (sy_corpus_get_text (corpus, i));
    }
  else
    {
      g_autofree char *text = g_strndup ((const char *) data, size);
      g_autoptr (SyCorpusText) t = NULL;

      if (mode == 1)
        t = sy_corpus_text_parse_brown ("ca01", (const char *) data, size, NULL);
      else
        t = sy_corpus_text_new_plain ("fuzz.txt", NULL, text, NULL);
      if (t != NULL)
        chunk (t);
    }
  return 0;
}
