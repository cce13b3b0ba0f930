/* sy-tokenizer.c: loading tokenizer.json, encoding, decoding (the
 * post-processor and the decoder are in sy-tokenizer-post.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The semantics are those of the Hugging Face `tokenizers` library (the
 * reference the fixtures were made with): added tokens are cut out first
 * (those with normalized = false on the raw text, the others after the
 * normalizer), the remaining sections are normalized and pre-tokenized
 * into words, each word is tokenized by the model, and the post-processor
 * adds the special tokens of its template.
 */
#include "sy-tokenizer.h"
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

#define FILE_NAME "tokenizer.json"

/* ---- added tokens ------------------------------------------------------- */

typedef struct
{
  char     *content;
  int       len;
  char     *text;        /* what decoding writes: content, normalized when normalized = true */
  int32_t   id;
  gboolean  special;
  gboolean  lstrip;
  gboolean  rstrip;
  gboolean  single_word;
  gboolean  normalized;
} AddedToken;

typedef struct
{
  const char       *text;    /* what is matched (content, or its normalized form) */
  int               len;
  const AddedToken *token;
} MatchEntry;

/* Leftmost-longest matching of a set of strings: entries bucketed by first
 * byte, longest first. */
typedef struct
{
  GArray   *buckets[256];    /* of MatchEntry */
  gboolean  empty;
} Matcher;

struct _SyTokenizer
{
  char            *path;
  SyBpe           *model;
  SyNormalizer    *normalizer;     /* or NULL */
  SyPreTokenizer  *pre_tokenizer;  /* or NULL */
  SyTokPost       *post;           /* or NULL */
  SyTokDecoder    *decoder;        /* or NULL */

  GPtrArray       *added;          /* AddedToken * */
  GHashTable      *added_by_id;    /* id -> AddedToken * */
  Matcher          raw_matcher;    /* added tokens with normalized = false */
  Matcher          norm_matcher;   /* the others, normalized */

  int              vocab_size;
  int32_t          bos_id;
  int32_t          eos_id;
};

/* ---- matcher ----------------------------------------------------------------- */

static int
match_entry_longer (gconstpointer a,
                    gconstpointer b)
{
  const MatchEntry *x = a, *y = b;
  return y->len - x->len;
}

static void
matcher_add (Matcher          *m,
             const char       *text,
             int               len,
             const AddedToken *token)
{
  MatchEntry e = { text, len, token };
  guchar first;

  if (len <= 0)
    return;
  first = (guchar) text[0];
  if (m->buckets[first] == NULL)
    m->buckets[first] = g_array_new (FALSE, FALSE, sizeof (MatchEntry));
  g_array_append_val (m->buckets[first], e);
  m->empty = FALSE;
}

static void
matcher_finish (Matcher *m)
{
  for (int i = 0; i < 256; i++)
    if (m->buckets[i] != NULL)
      g_array_sort (m->buckets[i], match_entry_longer);
}

static void
matcher_clear (Matcher *m)
{
  for (int i = 0; i < 256; i++)
    g_clear_pointer (&m->buckets[i], g_array_unref);
}

static const MatchEntry *
matcher_longest_at (const Matcher *m,
                    const char    *s,
                    int            len,
                    int            i)
{
  GArray *bucket = m->buckets[(guchar) s[i]];

  if (bucket == NULL)
    return NULL;
  for (guint k = 0; k < bucket->len; k++)
    {
      const MatchEntry *e = &g_array_index (bucket, MatchEntry, k);
      if (e->len <= len - i && memcmp (s + i, e->text, e->len) == 0)
        return e;
    }
  return NULL;
}

static gunichar
char_before (const char *s,
             int         i)
{
  int k = i - 1, n;

  while (k > 0 && ((guchar) s[k] & 0xC0) == 0x80)
    k--;
  return _sy_utf8_decode (s + k, &n);
}

/* Cuts the added tokens of @m out of @p, as the library does: matches are
 * leftmost-longest and do not overlap; a single_word token must not touch
 * word characters; lstrip/rstrip take the white space beside it. */
static void
split_added (const Matcher    *m,
             const SyTokPiece *p,
             GArray           *out)
{
  int start_offset = 0, i = 0;

  while (i < p->len)
    {
      const MatchEntry *e = matcher_longest_at (m, p->s, p->len, i);
      int start, stop, n;

      if (e == NULL)
        {
          i++;
          continue;
        }
      start = i;
      stop = i + e->len;
      i = stop;
      if (e->token->single_word)
        {
          gboolean start_ok = start == 0 || !_sy_unichar_is_word (char_before (p->s, start));
          gboolean stop_ok = stop == p->len || !_sy_unichar_is_word (_sy_utf8_decode (p->s + stop, &n));
          if (!start_ok || !stop_ok)
            continue;
        }
      if (e->token->lstrip)
        {
          int k = start;
          while (k > 0)
            {
              int b = k - 1;
              while (b > 0 && ((guchar) p->s[b] & 0xC0) == 0x80)
                b--;
              if (!_sy_unichar_is_space (_sy_utf8_decode (p->s + b, &n)))
                break;
              k = b;
            }
          start = MAX (k, start_offset);
        }
      if (e->token->rstrip)
        {
          while (stop < p->len)
            {
              gunichar c = _sy_utf8_decode (p->s + stop, &n);
              if (!_sy_unichar_is_space (c))
                break;
              stop += n;
            }
          i = stop;
        }
      if (start_offset < start)
        g_array_append_val (out, ((SyTokPiece) { p->s + start_offset, start - start_offset,
                                                 p->al + start_offset, -1 }));
      g_array_append_val (out, ((SyTokPiece) { p->s + start, stop - start, p->al + start, e->token->id }));
      start_offset = stop;
    }
  if (start_offset < p->len)
    g_array_append_val (out, ((SyTokPiece) { p->s + start_offset, p->len - start_offset,
                                             p->al + start_offset, -1 }));
}

/* ---- loading ------------------------------------------------------------------- */

void
sy_tokenizer_free (SyTokenizer *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  _sy_bpe_free (self->model);
  _sy_normalizer_free (self->normalizer);
  _sy_pre_tokenizer_free (self->pre_tokenizer);
  _sy_post_free (self->post);
  _sy_decoder_free (self->decoder);
  matcher_clear (&self->raw_matcher);
  matcher_clear (&self->norm_matcher);
  g_clear_pointer (&self->added_by_id, g_hash_table_unref);
  g_clear_pointer (&self->added, g_ptr_array_unref);
  g_free (self);
}

static void
added_token_free (gpointer data)
{
  AddedToken *t = data;

  g_free (t->content);
  if (t->text != t->content)
    g_free (t->text);
  g_free (t);
}

static gboolean
load_added_tokens (SyTokenizer  *self,
                   json_object  *list,
                   GError      **error)
{
  self->added = g_ptr_array_new_with_free_func (added_token_free);
  self->added_by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->raw_matcher.empty = TRUE;
  self->norm_matcher.empty = TRUE;
  if (list == NULL)
    return TRUE;
  if (!json_object_is_type (list, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: added_tokens is not a list");
      return FALSE;
    }
  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      json_object *obj = json_object_array_get_idx (list, i), *id;
      g_autofree char *content = NULL;
      g_autofree char *where = g_strdup_printf (FILE_NAME ": added_tokens[%zu]", i);
      gboolean special, lstrip, rstrip, single_word, normalized;
      AddedToken *t;

      if (!sy_json_get_string (obj, where, "content", NULL, &content, error)
          || !sy_json_get_bool (obj, where, "special", FALSE, &special, error)
          || !sy_json_get_bool (obj, where, "lstrip", FALSE, &lstrip, error)
          || !sy_json_get_bool (obj, where, "rstrip", FALSE, &rstrip, error)
          || !sy_json_get_bool (obj, where, "single_word", FALSE, &single_word, error)
          || !sy_json_get_bool (obj, where, "normalized", !special, &normalized, error))
        return FALSE;
      json_object_object_get_ex (obj, "id", &id);
      if (content == NULL || id == NULL || !json_object_is_type (id, json_type_int)
          || json_object_get_int64 (id) < 0 || json_object_get_int64 (id) > G_MAXINT32 / 2)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: added_tokens[%zu] needs a \"content\" string and an \"id\"", i);
          return FALSE;
        }
      t = g_new0 (AddedToken, 1);
      t->len = strlen (content);
      t->content = g_steal_pointer (&content);
      t->id = json_object_get_int (id);
      t->special = special;
      t->lstrip = lstrip;
      t->rstrip = rstrip;
      t->single_word = single_word;
      t->normalized = normalized;
      t->text = t->content;
      g_ptr_array_add (self->added, t);
      g_hash_table_insert (self->added_by_id, GINT_TO_POINTER (t->id), t);
    }
  for (guint i = 0; i < self->added->len; i++)
    {
      AddedToken *t = g_ptr_array_index (self->added, i);

      if (t->normalized && self->normalizer != NULL)
        {
          /* matched, and decoded, in its normalized form (as the library does) */
          t->text = _sy_normalizer_string (self->normalizer, t->content);
          matcher_add (&self->norm_matcher, t->text, strlen (t->text), t);
        }
      else if (t->normalized)
        matcher_add (&self->norm_matcher, t->content, t->len, t);
      else
        matcher_add (&self->raw_matcher, t->content, t->len, t);
    }
  matcher_finish (&self->raw_matcher);
  matcher_finish (&self->norm_matcher);
  return TRUE;
}

static int32_t
config_token_id (SyTokenizer *self,
                 json_object *config,
                 const char  *key)
{
  json_object *v, *content;
  const char *s = NULL;

  /* tokenizer_config.json: a string, or an object with a "content" */
  json_object_object_get_ex (config, key, &v);
  if (json_object_is_type (v, json_type_string))
    s = json_object_get_string (v);
  else if (json_object_object_get_ex (v, "content", &content)
           && json_object_is_type (content, json_type_string))
    s = json_object_get_string (content);
  return s != NULL ? sy_tokenizer_token_to_id (self, s) : -1;
}

static void
load_special_ids (SyTokenizer *self,
                  const char  *dir)
{
  g_autofree char *tc_path = g_build_filename (dir, "tokenizer_config.json", NULL);
  g_autofree char *c_path = g_build_filename (dir, "config.json", NULL);
  json_object *tc = NULL, *c = NULL, *v;

  self->bos_id = -1;
  self->eos_id = -1;
  if (g_file_test (tc_path, G_FILE_TEST_IS_REGULAR) && (tc = json_object_from_file (tc_path)) != NULL)
    {
      self->bos_id = config_token_id (self, tc, "bos_token");
      self->eos_id = config_token_id (self, tc, "eos_token");
    }
  if (g_file_test (c_path, G_FILE_TEST_IS_REGULAR) && (c = json_object_from_file (c_path)) != NULL)
    {
      if (self->bos_id < 0 && json_object_object_get_ex (c, "bos_token_id", &v)
          && json_object_is_type (v, json_type_int))
        self->bos_id = json_object_get_int (v);
      if (self->eos_id < 0 && json_object_object_get_ex (c, "eos_token_id", &v)
          && json_object_is_type (v, json_type_int))
        self->eos_id = json_object_get_int (v);
    }
  /* without a config: the first special token of the template, if it leads */
  if (self->bos_id < 0 && self->post != NULL)
    self->bos_id = _sy_post_leading_special (self->post);
  if (self->bos_id >= self->vocab_size)
    self->bos_id = -1;
  if (self->eos_id >= self->vocab_size)
    self->eos_id = -1;
  g_clear_pointer (&tc, json_object_put);
  g_clear_pointer (&c, json_object_put);
}

static SyTokenizer *tokenizer_from_root (json_object *root, const char *file, GError **error);

SyTokenizer *
sy_tokenizer_load (const char  *path,
                   GError     **error)
{
  g_autoptr (SyTokenizer) self = NULL;
  g_autofree char *file = NULL;
  g_autofree char *dir = NULL;
  json_object *root;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      file = g_build_filename (path, "tokenizer.json", NULL);
      dir = g_strdup (path);
    }
  else
    {
      file = g_strdup (path);
      dir = g_path_get_dirname (path);
    }
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: no such file", file);
      return NULL;
    }
  root = json_object_from_file (file);
  if (root == NULL || !json_object_is_type (root, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT, "%s: not a JSON object (%s)",
                   file, root == NULL ? json_util_get_last_err () : "wrong type");
      g_clear_pointer (&root, json_object_put);
      return NULL;
    }

  self = tokenizer_from_root (root, file, error);
  json_object_put (root);
  if (self == NULL)
    return NULL;
  load_special_ids (self, dir);
  return g_steal_pointer (&self);
}

/* The first string (or object key) of @v that is not valid UTF-8, or
 * NULL: the tokenizer walks its strings as valid UTF-8 (fuzz-tokenizer). */
static const char *
find_invalid_utf8 (json_object *v)
{
  if (json_object_is_type (v, json_type_string))
    return g_utf8_validate (json_object_get_string (v), -1, NULL) ? NULL
                                                                 : json_object_get_string (v);
  if (json_object_is_type (v, json_type_array))
    {
      for (size_t i = 0; i < json_object_array_length (v); i++)
        {
          const char *bad = find_invalid_utf8 (json_object_array_get_idx (v, i));

          if (bad)
            return bad;
        }
    }
  else if (json_object_is_type (v, json_type_object))
    {
      json_object_object_foreach (v, key, val)
        {
          const char *bad = g_utf8_validate (key, -1, NULL) ? find_invalid_utf8 (val) : key;

          if (bad)
            return bad;
        }
    }
  return NULL;
}

/* The tokenizer of a parsed tokenizer.json @root (borrowed); @file names
 * it in messages.  BOS / EOS are left at -1. */
static SyTokenizer *
tokenizer_from_root (json_object  *root,
                     const char   *file,
                     GError      **error)
{
  g_autoptr (SyTokenizer) self = NULL;
  json_object *v;
  const char *bad;

  if ((bad = find_invalid_utf8 (root)) != NULL)
    {
      g_autofree char *shown = g_strescape (bad, NULL);

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: the string \"%.40s\" is not valid UTF-8", file, shown);
      return NULL;
    }
  self = g_new0 (SyTokenizer, 1);
  self->path = g_strdup (file);
  self->bos_id = -1;
  self->eos_id = -1;
  if ((v = sy_json_lookup (root, "model")) == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, "%s: no \"model\"", file);
      goto fail;
    }
  if ((self->model = _sy_bpe_parse (v, error)) == NULL)
    goto fail;
  if ((v = sy_json_lookup (root, "normalizer")) != NULL && (self->normalizer = _sy_normalizer_parse (v, error)) == NULL)
    goto fail;
  if ((v = sy_json_lookup (root, "pre_tokenizer")) != NULL
      && (self->pre_tokenizer = _sy_pre_tokenizer_parse (v, error)) == NULL)
    goto fail;
  if ((v = sy_json_lookup (root, "post_processor")) != NULL && (self->post = _sy_post_parse (v, error)) == NULL)
    goto fail;
  if ((v = sy_json_lookup (root, "decoder")) != NULL && (self->decoder = _sy_decoder_parse (v, error)) == NULL)
    goto fail;
  if (!load_added_tokens (self, sy_json_lookup (root, "added_tokens"), error))
    goto fail;

  self->vocab_size = _sy_bpe_max_id (self->model) + 1;
  for (guint i = 0; i < self->added->len; i++)
    self->vocab_size = MAX (self->vocab_size, ((AddedToken *) g_ptr_array_index (self->added, i))->id + 1);
  return g_steal_pointer (&self);

fail:
  return NULL;
}

SyTokenizer *
sy_tokenizer_new_from_json (json_object  *root,
                            const char   *name,
                            int32_t       bos_id,
                            int32_t       eos_id,
                            GError      **error)
{
  SyTokenizer *self;

  g_return_val_if_fail (root != NULL && name != NULL, NULL);
  self = tokenizer_from_root (root, name, error);
  if (self == NULL)
    return NULL;
  self->bos_id = bos_id >= 0 && bos_id < self->vocab_size ? bos_id : -1;
  self->eos_id = eos_id >= 0 && eos_id < self->vocab_size ? eos_id : -1;
  return self;
}

/* ---- encoding ------------------------------------------------------------------ */

void
sy_encoding_free (SyEncoding *encoding)
{
  if (encoding == NULL)
    return;
  g_free (encoding->ids);
  g_free (encoding->offsets);
  if (encoding->tokens != NULL)
    g_free (encoding->tokens[encoding->n]);  /* the block holding the strings */
  g_free (encoding->tokens);
  g_free (encoding);
}

/* Stages 1 to 3 on @root: the added tokens matched on the raw text, the
 * rest normalized (and the added tokens matched again after normalizing),
 * then split into words. */
static GArray *
encode_words (SyTokenizer      *self,
              SyTokCtx         *ctx,
              const SyTokPiece *root,
              gssize            len)
{
  g_autoptr (GArray) sections = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
  g_autoptr (GArray) normed = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
  GArray *words;

  /* 1. added tokens matched on the raw text */
  if (self->raw_matcher.empty)
    g_array_append_val (sections, *root);
  else
    split_added (&self->raw_matcher, root, sections);

  /* 2. normalize the rest, then the added tokens matched after normalizing */
  for (guint i = 0; i < sections->len; i++)
    {
      SyTokPiece *p = &g_array_index (sections, SyTokPiece, i), n;

      if (p->added_id >= 0)
        {
          g_array_append_val (normed, *p);
          continue;
        }
      if (self->normalizer != NULL)
        _sy_normalizer_apply (self->normalizer, ctx, p, &n);
      else
        n = *p;
      if (self->norm_matcher.empty)
        g_array_append_val (normed, n);
      else
        split_added (&self->norm_matcher, &n, normed);
    }

  /* 3. words */
  if (self->pre_tokenizer == NULL)
    return g_steal_pointer (&normed);
  words = g_array_sized_new (FALSE, FALSE, sizeof (SyTokPiece), len / 4 + 4);
  _sy_pre_tokenizer_apply (self->pre_tokenizer, ctx, normed, words);
  return words;
}

/* Stage 4, the model: the tokens (SyTokOut) of @words, an added token's
 * the text it matched. */
static GArray *
encode_model (SyTokenizer *self,
              GArray      *words,
              gssize       len)
{
  GArray *toks = g_array_sized_new (FALSE, FALSE, sizeof (SyTokOut), len / 3 + 4);
  g_autoptr (GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (int32_t), len / 3 + 4);
  g_autoptr (GArray) lens = g_array_sized_new (FALSE, FALSE, sizeof (int32_t), len / 3 + 4);
  g_autofree int *ranges = g_new (int, 2 * MAX (words->len, 1));

  _sy_bpe_tokenize_words (self->model, (const SyTokPiece *) words->data, words->len, ids, lens, ranges);
  for (guint i = 0; i < words->len; i++)
    {
      const SyTokPiece *w = &g_array_index (words, SyTokPiece, i);
      int pos = 0;

      if (w->len == 0)
        continue;
      if (w->added_id >= 0)
        {
          /* the token is the text it matched, spaces taken by lstrip/rstrip included */
          SyTokOut t = { w->added_id, w->al[0].start, w->al[w->len - 1].end, w->s, w->len };
          g_array_append_val (toks, t);
          continue;
        }
      for (int k = ranges[2 * i]; k < ranges[2 * i] + ranges[2 * i + 1]; k++)
        {
          int32_t id = g_array_index (ids, int32_t, k);
          int a = MIN (pos, w->len - 1);
          int b = MIN (pos + g_array_index (lens, int32_t, k), w->len);
          SyTokOut t = { id, w->al[a].start, w->al[MAX (b - 1, a)].end, _sy_bpe_id_to_token (self->model, id), 0 };

          if (t.str == NULL)
            t.str = "";
          t.len = _sy_bpe_id_to_token_len (self->model, id);
          g_array_append_val (toks, t);
          pos += g_array_index (lens, int32_t, k);
        }
    }
  return toks;
}

/* The encoding of @toks (SyTokOut): token strings in one block, freed
 * with tokens[n]. */
static SyEncoding *
encoding_new (GArray *toks)
{
  SyEncoding *enc = g_new0 (SyEncoding, 1);
  gsize total = 1;
  char *block;

  enc->n = toks->len;
  enc->ids = g_new (int32_t, MAX (toks->len, 1));
  enc->offsets = g_new (int, 2 * MAX (toks->len, 1));
  enc->tokens = g_new0 (char *, toks->len + 1);
  for (guint i = 0; i < toks->len; i++)
    total += g_array_index (toks, SyTokOut, i).len + 1;
  block = g_malloc (total);
  enc->tokens[toks->len] = block;
  for (guint i = 0; i < toks->len; i++)
    {
      const SyTokOut *t = &g_array_index (toks, SyTokOut, i);
      gsize n = t->len;

      enc->ids[i] = t->id;
      enc->offsets[2 * i] = t->start;
      enc->offsets[2 * i + 1] = t->end;
      memcpy (block, t->str, n);
      block[n] = '\0';
      enc->tokens[i] = block;
      block += n + 1;
    }
  return enc;
}

SyEncoding *
sy_tokenizer_encode (SyTokenizer  *self,
                     const char   *text,
                     gssize        len,
                     gboolean      add_special,
                     GError      **error)
{
  SyTokCtx ctx;
  SyTokPiece root;
  SyTokAlign *al;
  g_autoptr (GArray) words = NULL;
  g_autoptr (GArray) toks = NULL;
  SyEncoding *enc;
  const char *bad;
  int32_t ci = 0;

  g_return_val_if_fail (self != NULL, NULL);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = strlen (text);
  if (!_sy_utf8_validate (text, len, &bad))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "text is not valid UTF-8 at byte %" G_GSIZE_FORMAT " (0x%02X)",
                   (gsize) (bad - text), (guchar) *bad);
      return NULL;
    }
  if (len > G_MAXINT32 / 2)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "text is too long (%" G_GSSIZE_FORMAT " bytes)", len);
      return NULL;
    }

  /* each byte's character span */
  _sy_arena_init (&ctx.arena);
  al = _sy_arena_alloc (&ctx.arena, sizeof (SyTokAlign) * MAX (len, 1));
  for (gssize i = 0; i < len;)
    {
      int n = _sy_utf8_char_len ((guchar) text[i]);
      for (int k = 0; k < n; k++)
        al[i + k] = (SyTokAlign) { ci, ci + 1 };
      ci++;
      i += n;
    }
  root = (SyTokPiece) { text, (int) len, al, -1 };

  words = encode_words (self, &ctx, &root, len);
  toks = encode_model (self, words, len);
  /* 5. post-processing */
  if (self->post != NULL)
    _sy_post_apply (self->post, toks, add_special);
  enc = encoding_new (toks);
  _sy_arena_clear (&ctx.arena);
  return enc;
}

/* ---- decoding and queries ---------------------------------------------------------- */

static char *
decode_strings (SyTokenizer *self,
                GPtrArray   *strings,
                gboolean     piece)
{
  GString *s = g_string_new (NULL);

  if (self->decoder != NULL)
    {
      g_autoptr (GPtrArray) out = _sy_decoder_chain (self->decoder, strings, piece);
      for (guint i = 0; i < out->len; i++)
        g_string_append (s, g_ptr_array_index (out, i));
    }
  else
    for (guint i = 0; i < strings->len; i++)
      {
        if (i > 0)
          g_string_append_c (s, ' ');
        g_string_append (s, g_ptr_array_index (strings, i));
      }
  return g_string_free (s, FALSE);
}

char *
sy_tokenizer_decode (SyTokenizer   *self,
                     const int32_t *ids,
                     int            n,
                     gboolean       skip_special)
{
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL, NULL);
  for (int i = 0; i < n; i++)
    {
      const AddedToken *t = g_hash_table_lookup (self->added_by_id, GINT_TO_POINTER (ids[i]));
      const char *s = t != NULL ? t->text : _sy_bpe_id_to_token (self->model, ids[i]);

      if (s == NULL || (skip_special && t != NULL && t->special))
        continue;
      g_ptr_array_add (strings, g_strdup (s));
    }
  return decode_strings (self, strings, FALSE);
}

char *
sy_tokenizer_id_to_piece (SyTokenizer *self,
                          int32_t      id)
{
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  const AddedToken *t;
  const char *s;

  g_return_val_if_fail (self != NULL, NULL);
  t = g_hash_table_lookup (self->added_by_id, GINT_TO_POINTER (id));
  if (t != NULL && !_sy_parse_byte_token (t->text, &(guchar) { 0 }))
    return g_strdup (t->text);
  s = t != NULL ? t->text : _sy_bpe_id_to_token (self->model, id);
  if (s == NULL)
    return g_strdup ("");
  g_ptr_array_add (strings, g_strdup (s));
  return decode_strings (self, strings, TRUE);
}

const char *
sy_tokenizer_id_to_token (SyTokenizer *self,
                          int32_t      id)
{
  const AddedToken *t;

  g_return_val_if_fail (self != NULL, NULL);
  t = g_hash_table_lookup (self->added_by_id, GINT_TO_POINTER (id));
  return t != NULL ? t->text : _sy_bpe_id_to_token (self->model, id);
}

int32_t
sy_tokenizer_token_to_id (SyTokenizer *self,
                          const char  *token)
{
  g_return_val_if_fail (self != NULL && token != NULL, -1);
  for (guint i = 0; i < self->added->len; i++)
    {
      const AddedToken *t = g_ptr_array_index (self->added, i);
      if (strcmp (t->content, token) == 0)
        return t->id;
    }
  return _sy_bpe_token_to_id (self->model, token, strlen (token));
}

int
sy_tokenizer_vocab_size (SyTokenizer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->vocab_size;
}

int32_t
sy_tokenizer_bos_id (SyTokenizer *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->bos_id;
}

int32_t
sy_tokenizer_eos_id (SyTokenizer *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->eos_id;
}

gboolean
sy_tokenizer_is_special (SyTokenizer *self,
                         int32_t      id)
{
  const AddedToken *t;

  g_return_val_if_fail (self != NULL, FALSE);
  t = g_hash_table_lookup (self->added_by_id, GINT_TO_POINTER (id));
  return t != NULL && t->special;
}
