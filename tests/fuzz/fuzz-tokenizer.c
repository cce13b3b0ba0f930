/* fuzz-tokenizer.c: tokenizer.json (model, vocabulary, merges, added
 * tokens, normalizer, pre-tokenizer, decoder, post-processor), then
 * encoding and decoding a few texts with it
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-fuzz.h"
#include "sy-json.h"
#include "sy-tokenizer.h"

static const char *const texts[] = {
  "Hello, world! It's 2026.",
  "  leading spaces\tand\ttabs\n\nnew lines ",
  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xe2\x96\x81x",
  "<s>special</s><|endoftext|>12345678901",
  "",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  json_object *root;
  g_autoptr (SyTokenizer) tok = NULL;
  int vocab;

  sy_fuzz_init ();
  root = sy_json_parse ((const char *) data, (gssize) size, "tokenizer.json", NULL);
  if (root == NULL)
    return 0;
  tok = sy_tokenizer_new_from_json (root, "tokenizer.json", -1, -1, NULL);
  json_object_put (root);
  if (tok == NULL)
    return 0;

  vocab = sy_tokenizer_vocab_size (tok);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    for (int special = 0; special < 2; special++)
      {
        g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, texts[i], -1, special, NULL);
        g_autofree char *decoded = NULL;

        if (enc == NULL)
          continue;
        for (int t = 0; t < enc->n; t++)
          g_assert (enc->ids[t] >= 0 && enc->ids[t] < vocab);
        decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, !special);
      }
  for (int id = 0; id < MIN (vocab, 512); id++)
    {
      const char *token = sy_tokenizer_id_to_token (tok, id);

      g_free (sy_tokenizer_id_to_piece (tok, id));
      if (token)
        sy_tokenizer_token_to_id (tok, token);
      sy_tokenizer_is_special (tok, id);
    }
  {
    int32_t ids[] = { -1, 0, vocab - 1, vocab, G_MAXINT32 };

    g_free (sy_tokenizer_decode (tok, ids, G_N_ELEMENTS (ids), FALSE));
  }
  return 0;
}
