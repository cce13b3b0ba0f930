/* sy-tokenizer-private.h: the insides of SyTokenizer, shared by its files
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pipeline follows the tokenizer.json model: added tokens are split
 * out, the rest is normalized, pre-tokenized into words, each word goes
 * through the BPE model, and the post-processor adds BOS/EOS.
 *
 * Text moves through the pipeline as pieces: UTF-8 bytes plus, for every
 * byte, the span [start, end) of the ORIGINAL input (in code points) that
 * it came from.  Normalizers and pre-tokenizers that change text write new
 * pieces and carry the spans along; a token's offsets are the start of its
 * first byte's span and the end of its last byte's span.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdint.h>

#include "sy-tokenizer.h"

G_BEGIN_DECLS

/* ---- small containers (sy-tokenizer-util.c) ---------------------------- */

/* A bump allocator for the short-lived buffers of one encode call. */
typedef struct
{
  GSList *blocks;
  char   *cur;
  gsize   left;
} SyArena;

void  _sy_arena_init    (SyArena *arena);
void *_sy_arena_alloc   (SyArena *arena, gsize size);
void  _sy_arena_clear   (SyArena *arena);

/* Open-addressing map from byte strings (any bytes, explicit length) to
 * integers; keys are copied. */
typedef struct
{
  uint64_t    hash;
  char       *key;    /* NULL: empty slot */
  int32_t     klen;
  gintptr     value;
} SyStrSlot;

typedef struct
{
  SyStrSlot *slots;
  guint      mask;    /* capacity - 1 */
  guint      count;
} SyStrMap;

uint64_t  _sy_hash_bytes      (const char *s, gsize len);
void      _sy_str_map_init    (SyStrMap *map, guint expected);
void      _sy_str_map_clear   (SyStrMap *map, GDestroyNotify free_value);
/* Returns FALSE when the key was already there (value replaced). */
gboolean  _sy_str_map_insert  (SyStrMap *map, const char *key, gsize len, uint64_t hash, gintptr value);
gboolean  _sy_str_map_lookup  (const SyStrMap *map, const char *key, gsize len, uint64_t hash, gintptr *value);

/* Map from a pair of ids to (rank, new id), for BPE merges. */
typedef struct
{
  uint64_t key;
  int32_t  rank;      /* -1: empty slot */
  int32_t  new_id;
} SyPairSlot;

typedef struct
{
  SyPairSlot *slots;
  guint       mask;
  guint       count;
} SyPairMap;

void      _sy_pair_map_init    (SyPairMap *map, guint expected);
void      _sy_pair_map_clear   (SyPairMap *map);
void      _sy_pair_map_insert  (SyPairMap *map, int32_t a, int32_t b, int32_t rank, int32_t new_id);

static inline uint64_t
_sy_pair_key (int32_t a,
              int32_t b)
{
  return ((uint64_t) (uint32_t) a << 32) | (uint32_t) b;
}

/* The slot of the pair @key, or the empty slot where it goes (the table
 * is never full). */
static inline SyPairSlot *
_sy_pair_map_find (const SyPairMap *map,
                   uint64_t         key)
{
  guint i = (guint) ((key * 0x9E3779B97F4A7C15ull) >> 32) & map->mask;

  for (;;)
    {
      SyPairSlot *slot = &map->slots[i];
      if (slot->rank < 0 || slot->key == key)
        return slot;
      i = (i + 1) & map->mask;
    }
}

static inline const SyPairSlot *
_sy_pair_map_lookup (const SyPairMap *map,
                     int32_t          a,
                     int32_t          b)
{
  const SyPairSlot *slot;

  if (map->slots == NULL)
    return NULL;
  slot = _sy_pair_map_find (map, _sy_pair_key (a, b));
  return slot->rank < 0 ? NULL : slot;
}

/* ---- Unicode helpers (sy-tokenizer-util.c) ----------------------------- */

/* Decodes one code point of VALID UTF-8 at @s; stores its length. */
static inline gunichar
_sy_utf8_decode (const char *s,
                 int        *n)
{
  const guchar *u = (const guchar *) s;

  if (u[0] < 0x80)
    {
      *n = 1;
      return u[0];
    }
  if (u[0] < 0xE0)
    {
      *n = 2;
      return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
  if (u[0] < 0xF0)
    {
      *n = 3;
      return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
  *n = 4;
  return ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
}

static inline int
_sy_utf8_char_len (guchar lead)
{
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* Unicode White_Space (what \s and Rust's char::is_whitespace match). */
gboolean _sy_unichar_is_space   (gunichar c);
/* \p{L} */
gboolean _sy_unichar_is_letter  (gunichar c);
/* \p{N} (Rust's char::is_numeric) */
gboolean _sy_unichar_is_number  (gunichar c);
/* \w of Unicode regexes: alphabetic, marks, decimal digits, connector punctuation */
gboolean _sy_unichar_is_word    (gunichar c);
/* ASCII punctuation or \p{P} */
gboolean _sy_unichar_is_punct   (gunichar c);
/* \p{M} */
gboolean _sy_unichar_is_mark    (gunichar c);

/* The GPT-2 byte <-> printable character table. */
typedef struct
{
  char    utf8[256][3];     /* UTF-8 of the character standing for each byte */
  guint8  utf8_len[256];
  int16_t char_to_byte[324];/* code point (< 324) -> byte, or -1 */
} SyByteLevelTable;

const SyByteLevelTable *_sy_byte_level_table (void);

/* Like g_utf8_validate_len(), but U+0000 is a character like any other. */
gboolean _sy_utf8_validate (const char *bytes, gsize len, const char **end);
/* Lossy UTF-8: each maximal invalid subpart becomes U+FFFD. */
void _sy_append_utf8_lossy (GString *out, const char *bytes, gsize len);
/* Appends the valid UTF-8 that @bytes start with; returns its length
 * (@len when all of it is valid). */
gsize _sy_append_utf8_valid (GString *out, const char *bytes, gsize len);

/* ---- pieces ------------------------------------------------------------ */

typedef struct
{
  int32_t start;
  int32_t end;
} SyTokAlign;

typedef struct
{
  const char       *s;
  int               len;
  const SyTokAlign *al;        /* (len) */
  int32_t           added_id;  /* >= 0: an added token, already final */
} SyTokPiece;

/* Per-call state of an encode. */
typedef struct
{
  SyArena  arena;
} SyTokCtx;

/* ---- patterns: a literal string or a regex (tokenizer.json {"String"|"Regex"}) */

typedef struct
{
  char   *literal;     /* owned, or NULL */
  int     literal_len;
  GRegex *regex;       /* owned, or NULL */
} SyTokPattern;

gboolean _sy_tok_pattern_parse (SyTokPattern *pattern, json_object *obj, const char *where, GError **error);
void     _sy_tok_pattern_clear (SyTokPattern *pattern);
/* Non-overlapping matches in s[0, len): appends (start, end) byte pairs to @out;
 * empty matches are skipped. */
void     _sy_tok_pattern_find  (const SyTokPattern *pattern, const char *s, int len, GArray *out);

/* ---- normalizers (sy-tokenizer-text.c) ---------------------------------- */

typedef struct _SyNormalizer SyNormalizer;

SyNormalizer *_sy_normalizer_parse   (json_object *obj, GError **error);
void          _sy_normalizer_free    (SyNormalizer *self);
/* Normalizes @in into @out (may return @in unchanged). */
void          _sy_normalizer_apply   (const SyNormalizer *self, SyTokCtx *ctx, const SyTokPiece *in, SyTokPiece *out);
/* Normalizes a plain string (for added tokens with normalized = true). */
char         *_sy_normalizer_string  (const SyNormalizer *self, const char *s);
/* @in's bytes as the characters of the GPT-2 byte-level alphabet (the
 * ByteLevel normalizer and pre-tokenizer) */
void          _sy_tok_byte_level_map (SyTokCtx *ctx, const SyTokPiece *in, SyTokPiece *out);

/* ---- pre-tokenizers (sy-tokenizer-text.c) -------------------------------- */

typedef struct _SyPreTokenizer SyPreTokenizer;

SyPreTokenizer *_sy_pre_tokenizer_parse (json_object *obj, GError **error);
void            _sy_pre_tokenizer_free  (SyPreTokenizer *self);
/* Splits each piece of @in (GArray of SyTokPiece) into @out; added-token
 * pieces pass unchanged; empty pieces are dropped. */
void            _sy_pre_tokenizer_apply (const SyPreTokenizer *self, SyTokCtx *ctx, GArray *in, GArray *out);

/* Allocates a piece of @len bytes in the arena (text and spans). */
void _sy_tok_piece_alloc (SyTokCtx *ctx, SyTokPiece *piece, int len);

/* New text with its spans, built byte by byte (sy-tokenizer-util.c) */
typedef struct
{
  char       *s;
  SyTokAlign *al;
  int         len;
  int         cap;
} SyTokBuilder;

void       _sy_tok_builder_init     (SyTokBuilder *b, int cap);
/* @n bytes, each with the span @al */
void       _sy_tok_builder_put      (SyTokBuilder *b, const char *bytes, int n, SyTokAlign al);
/* bytes [from, to) of @p with their spans */
void       _sy_tok_builder_put_span (SyTokBuilder *b, const SyTokPiece *p, int from, int to);
/* the text as a piece in the arena; frees the builder's buffers */
void       _sy_tok_builder_finish   (SyTokBuilder *b, SyTokCtx *ctx, SyTokPiece *out);
/* the span from the start of byte @from to the end of byte @to - 1 */
SyTokAlign _sy_tok_span_union       (const SyTokPiece *p, int from, int to);

/* ---- tokenizer.json components (sy-tokenizer-util.c) ---------------------- */

typedef gpointer (*SyTokParseFunc) (json_object *obj, GError **error);

/* A family of components (normalizers, pre-tokenizers, post-processors,
 * decoders): its key in tokenizer.json ("normalizer"), the list of a
 * Sequence of them ("normalizers"), its type names by kind (kind 0 is
 * "Sequence"), and how one is parsed and freed. */
typedef struct
{
  const char        *what;
  const char        *list_key;
  const char *const *types;
  int                n_types;
  SyTokParseFunc     parse;
  GDestroyNotify     free;
} SyTokFamily;

/* The kind of component @obj of @family (its "type" as an index in
 * @family's types), or -1 with an error (no type, an unknown one, or a
 * Sequence child that does not parse).  A Sequence's children are parsed
 * into a new *@children. */
int       _sy_tok_component_begin (json_object *obj, const SyTokFamily *family, GPtrArray **children,
                                   GError **error);
/* The string @key of @obj (g_free), which must be there; @where is the
 * component and its type ("normalizer Prepend"). */
gboolean  _sy_tok_json_string    (json_object *obj, const char *key, const char *where,
                                  char **out, GError **error);
/* The string @key of @obj, which must be one character. */
gboolean  _sy_tok_json_char      (json_object *obj, const char *key, const char *where,
                                  gunichar *c, GError **error);

/* ---- the BPE model (sy-tokenizer-bpe.c) ---------------------------------- */

typedef struct _SyBpe SyBpe;

SyBpe       *_sy_bpe_parse       (json_object *model, GError **error);
void         _sy_bpe_free        (SyBpe *self);
int32_t      _sy_bpe_token_to_id (const SyBpe *self, const char *token, gsize len);
const char  *_sy_bpe_id_to_token (const SyBpe *self, int32_t id);
int          _sy_bpe_id_to_token_len (const SyBpe *self, int32_t id);
int          _sy_bpe_max_id      (const SyBpe *self);
/* Tokenizes the words that are not added tokens: appends ids and the byte
 * length of each token (within its word) to @ids / @lens (GArrays of
 * int32_t); @ranges (n_words, 2) receives each word's first index and count
 * in them (0, 0 for added tokens). */
void         _sy_bpe_tokenize_words (SyBpe *self, const SyTokPiece *words, guint n_words,
                                     GArray *ids, GArray *lens, int *ranges);

/* ---- post-processors and decoders (sy-tokenizer-post.c) ------------------ */

/* One token of an encoding: id, offsets in the input, its string. */
typedef struct
{
  int32_t     id;
  int32_t     start;
  int32_t     end;
  const char *str;   /* not NUL-terminated for added tokens: use len */
  int         len;
} SyTokOut;

typedef struct _SyTokPost SyTokPost;

SyTokPost *_sy_post_parse (json_object *obj, GError **error);
void       _sy_post_free  (SyTokPost *self);
/* Trims offsets and, with @add_special, adds the special tokens to @toks
 * (GArray of SyTokOut). */
void       _sy_post_apply (const SyTokPost *self, GArray *toks, gboolean add_special);
/* The id of the special token a TemplateProcessing starts with, or -1. */
int32_t    _sy_post_leading_special (const SyTokPost *self);

typedef struct _SyTokDecoder SyTokDecoder;

SyTokDecoder *_sy_decoder_parse (json_object *obj, GError **error);
void          _sy_decoder_free  (SyTokDecoder *self);
/* Runs @self over the token strings @in (char *), giving a new array;
 * @piece: decoding one token for display, as it reads inside a text. */
GPtrArray    *_sy_decoder_chain (const SyTokDecoder *self, GPtrArray *in, gboolean piece);
/* TRUE when @t is a byte token, <0xNN>; stores the byte. */
gboolean      _sy_parse_byte_token (const char *t, guchar *byte);

G_END_DECLS
