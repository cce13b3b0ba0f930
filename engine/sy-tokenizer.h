/* sy-tokenizer.h: a model's own tokenizer, read from tokenizer.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Implements the Hugging Face `tokenizers` file format for the families
 * Mixture-of-Experts models use: BPE (byte-level or SentencePiece-style with
 * byte fallback) behind normalizers, pre-tokenizers, added tokens,
 * post-processors and decoders.  Encoding gives the ids the model was
 * trained with and, per token, the span of the input it came from, in
 * Unicode code points of the original text.
 *
 * Thread-safety: a loaded tokenizer is read-only but for its word cache,
 * which is guarded by a mutex: encode and decode may run on different
 * threads at once.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _SyTokenizer SyTokenizer;

typedef struct
{
  int       n;        /* number of tokens */
  int32_t  *ids;      /* (n) */
  char    **tokens;   /* (n) vocabulary strings, as the model sees them */
  int      *offsets;  /* (n, 2) [start, end) in code points of the input */
} SyEncoding;

/* @path: a tokenizer.json, or a folder holding one (and optionally
 * tokenizer_config.json / config.json, which name BOS and EOS). */
SyTokenizer *sy_tokenizer_load            (const char      *path,
                                           GError         **error);
void         sy_tokenizer_free            (SyTokenizer     *self);

/* @len: bytes of @text, or -1 when NUL-terminated.  @add_special: add the
 * post-processor's BOS/EOS (what `tokenizer(text)` does).  Invalid UTF-8
 * is SY_ENGINE_ERROR_BAD_INPUT. */
SyEncoding  *sy_tokenizer_encode          (SyTokenizer     *self,
                                           const char      *text,
                                           gssize           len,
                                           gboolean         add_special,
                                           GError         **error);
void         sy_encoding_free             (SyEncoding      *encoding);

/* The text of @ids through the tokenizer's decoder; special tokens are
 * left out when @skip_special.  Never NULL. */
char        *sy_tokenizer_decode          (SyTokenizer     *self,
                                           const int32_t   *ids,
                                           int              n,
                                           gboolean         skip_special);
/* Display text of one token as it reads inside a text (e.g. " the"); bytes
 * that are not valid UTF-8 on their own show as <0xNN>.  Never NULL. */
char        *sy_tokenizer_id_to_piece     (SyTokenizer     *self,
                                           int32_t          id);
/* The raw vocabulary string of @id, or NULL when out of range. */
const char  *sy_tokenizer_id_to_token     (SyTokenizer     *self,
                                           int32_t          id);
/* The id of the vocabulary string @token (added tokens included), or -1. */
int32_t      sy_tokenizer_token_to_id     (SyTokenizer     *self,
                                           const char      *token);
/* One more than the largest id (added tokens included). */
int          sy_tokenizer_vocab_size      (SyTokenizer     *self);
int32_t      sy_tokenizer_bos_id          (SyTokenizer     *self);
int32_t      sy_tokenizer_eos_id          (SyTokenizer     *self);
gboolean     sy_tokenizer_is_special      (SyTokenizer     *self,
                                           int32_t          id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTokenizer, sy_tokenizer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyEncoding, sy_encoding_free)

G_END_DECLS
