/* sy-tokenizer.c: loading tokenizer.json, encoding, post-processing, decoding
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

/* ---- post-processors ------------------------------------------------------- */

typedef enum
{
  POST_SEQUENCE,
  POST_BYTE_LEVEL,
  POST_TEMPLATE,
  POST_ROBERTA,
  POST_BERT,
} PostType;

typedef struct
{
  gboolean   is_sequence;
  GArray    *ids;            /* int32_t, special token */
  GPtrArray *tokens;         /* char *, special token */
} TemplateItem;

typedef struct _Post Post;
struct _Post
{
  PostType   type;
  GPtrArray *children;       /* Sequence */
  gboolean   trim_offsets;   /* ByteLevel, Roberta */
  gboolean   add_prefix_space;
  GArray    *single;         /* TemplateItem */
  int32_t    cls_id, sep_id; /* Roberta, Bert */
  char      *cls, *sep;
};

/* ---- decoders ------------------------------------------------------------- */

typedef enum
{
  DEC_SEQUENCE,
  DEC_BYTE_LEVEL,
  DEC_METASPACE,
  DEC_REPLACE,
  DEC_BYTE_FALLBACK,
  DEC_FUSE,
  DEC_STRIP,
  DEC_BPE,
} DecType;

typedef struct _Decoder Decoder;
struct _Decoder
{
  DecType       type;
  GPtrArray    *children;
  gunichar      ch;              /* Metaspace replacement, Strip content */
  char          ch_utf8[8];
  int           ch_len;
  gboolean      prepend;         /* Metaspace: prepend_scheme is not "never" */
  SyTokPattern  pattern;         /* Replace */
  char         *content;         /* Replace */
  int           start, stop;     /* Strip */
  char         *suffix;          /* BPEDecoder */
};

struct _SyTokenizer
{
  char            *path;
  SyBpe           *model;
  SyNormalizer    *normalizer;     /* or NULL */
  SyPreTokenizer  *pre_tokenizer;  /* or NULL */
  Post            *post;           /* or NULL */
  Decoder         *decoder;        /* or NULL */

  GPtrArray       *added;          /* AddedToken * */
  GHashTable      *added_by_id;    /* id -> AddedToken * */
  Matcher          raw_matcher;    /* added tokens with normalized = false */
  Matcher          norm_matcher;   /* the others, normalized */

  int              vocab_size;
  int32_t          bos_id;
  int32_t          eos_id;
};

typedef struct
{
  int32_t     id;
  int32_t     start;
  int32_t     end;
  const char *str;   /* not NUL-terminated for added tokens: use len */
  int         len;
} Tok;

/* ---- small JSON helpers ---------------------------------------------------- */

static const char *
jstr (json_object *obj,
      const char  *key)
{
  json_object *v;

  if (obj != NULL && json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

static gboolean
jbool (json_object *obj,
       const char  *key,
       gboolean     fallback)
{
  json_object *v;

  if (obj != NULL && json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_boolean))
    return json_object_get_boolean (v);
  return fallback;
}

static json_object *
jget (json_object *obj,
      const char  *key)
{
  json_object *v;

  if (obj != NULL && json_object_object_get_ex (obj, key, &v) && !json_object_is_type (v, json_type_null))
    return v;
  return NULL;
}

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

/* ---- post-processors: parse --------------------------------------------------- */

static void
template_item_clear (gpointer data)
{
  TemplateItem *item = data;

  g_clear_pointer (&item->ids, g_array_unref);
  g_clear_pointer (&item->tokens, g_ptr_array_unref);
}

static void
post_free (Post *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_clear_pointer (&self->single, g_array_unref);
  g_free (self->cls);
  g_free (self->sep);
  g_free (self);
}

static gboolean
parse_token_pair (json_object  *obj,
                  const char   *key,
                  const char   *where,
                  char        **token,
                  int32_t      *id,
                  GError      **error)
{
  json_object *v = jget (obj, key);

  if (v == NULL || !json_object_is_type (v, json_type_array) || json_object_array_length (v) != 2
      || !json_object_is_type (json_object_array_get_idx (v, 0), json_type_string)
      || !json_object_is_type (json_object_array_get_idx (v, 1), json_type_int))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: post_processor %s: \"%s\" must be [token, id]", where, key);
      return FALSE;
    }
  *token = g_strdup (json_object_get_string (json_object_array_get_idx (v, 0)));
  *id = json_object_get_int (json_object_array_get_idx (v, 1));
  return TRUE;
}

static Post *
post_parse (json_object  *obj,
            GError      **error)
{
  const char *type = jstr (obj, "type");
  Post *self;

  if (type == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: post_processor has no \"type\"");
      return NULL;
    }
  self = g_new0 (Post, 1);
  if (strcmp (type, "Sequence") == 0)
    {
      json_object *list = jget (obj, "processors");

      self->type = POST_SEQUENCE;
      self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) post_free);
      if (list == NULL || !json_object_is_type (list, json_type_array))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: post_processor Sequence has no \"processors\" list");
          goto fail;
        }
      for (size_t i = 0; i < json_object_array_length (list); i++)
        {
          Post *child = post_parse (json_object_array_get_idx (list, i), error);
          if (child == NULL)
            goto fail;
          g_ptr_array_add (self->children, child);
        }
    }
  else if (strcmp (type, "ByteLevel") == 0)
    {
      self->type = POST_BYTE_LEVEL;
      self->trim_offsets = jbool (obj, "trim_offsets", TRUE);
      self->add_prefix_space = jbool (obj, "add_prefix_space", TRUE);
    }
  else if (strcmp (type, "TemplateProcessing") == 0)
    {
      json_object *single = jget (obj, "single"), *specials = jget (obj, "special_tokens");

      self->type = POST_TEMPLATE;
      self->single = g_array_new (FALSE, TRUE, sizeof (TemplateItem));
      g_array_set_clear_func (self->single, template_item_clear);
      if (single == NULL || !json_object_is_type (single, json_type_array))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: post_processor TemplateProcessing has no \"single\" template");
          goto fail;
        }
      for (size_t i = 0; i < json_object_array_length (single); i++)
        {
          json_object *piece = json_object_array_get_idx (single, i), *sp;
          TemplateItem item = { 0 };

          if (jget (piece, "Sequence") != NULL)
            item.is_sequence = TRUE;
          else if ((sp = jget (piece, "SpecialToken")) != NULL && jstr (sp, "id") != NULL)
            {
              const char *name = jstr (sp, "id");
              json_object *entry = jget (specials, name), *ids, *toks;

              ids = jget (entry, "ids");
              toks = jget (entry, "tokens");
              if (ids == NULL || toks == NULL || !json_object_is_type (ids, json_type_array)
                  || !json_object_is_type (toks, json_type_array)
                  || json_object_array_length (ids) != json_object_array_length (toks))
                {
                  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                               "tokenizer.json: post_processor TemplateProcessing: special token '%s' "
                               "has no matching \"ids\" and \"tokens\"", name);
                  goto fail;
                }
              item.ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
              item.tokens = g_ptr_array_new_with_free_func (g_free);
              for (size_t k = 0; k < json_object_array_length (ids); k++)
                {
                  int32_t id = json_object_get_int (json_object_array_get_idx (ids, k));
                  g_array_append_val (item.ids, id);
                  g_ptr_array_add (item.tokens, g_strdup (json_object_get_string (json_object_array_get_idx (toks, k))));
                }
            }
          else
            {
              g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                           "tokenizer.json: post_processor TemplateProcessing: single[%zu] is neither "
                           "Sequence nor SpecialToken", i);
              goto fail;
            }
          g_array_append_val (self->single, item);
        }
    }
  else if (strcmp (type, "RobertaProcessing") == 0 || strcmp (type, "BertProcessing") == 0)
    {
      gboolean roberta = type[0] == 'R';

      self->type = roberta ? POST_ROBERTA : POST_BERT;
      if (!parse_token_pair (obj, "cls", type, &self->cls, &self->cls_id, error)
          || !parse_token_pair (obj, "sep", type, &self->sep, &self->sep_id, error))
        goto fail;
      self->trim_offsets = roberta && jbool (obj, "trim_offsets", TRUE);
      self->add_prefix_space = jbool (obj, "add_prefix_space", TRUE);
    }
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: post_processor type '%s' is not supported", type);
      goto fail;
    }
  return self;

fail:
  post_free (self);
  return NULL;
}

/* ---- post-processors: apply ------------------------------------------------- */

static gboolean
is_bytelevel_space (const char *s,
                    int        *n)
{
  gunichar c = _sy_utf8_decode (s, n);
  return c == 0x120 /* 'Ġ', the byte-level space */ || _sy_unichar_is_space (c);
}

/* Offsets without the leading/trailing spaces of byte-level tokens. */
static void
trim_byte_level_offsets (GArray   *toks,
                         gboolean  add_prefix_space)
{
  for (guint i = 0; i < toks->len; i++)
    {
      Tok *t = &g_array_index (toks, Tok, i);
      const char *s = t->str;
      int len = t->len, n, leading = 0, trailing = 0, k;

      for (k = 0; k < len && is_bytelevel_space (s + k, &n); k += n)
        leading++;
      for (k = len; k > 0;)
        {
          int b = k - 1;
          while (b > 0 && ((guchar) s[b] & 0xC0) == 0x80)
            b--;
          if (!is_bytelevel_space (s + b, &n))
            break;
          trailing++;
          k = b;
        }
      if (leading > 0)
        {
          if ((i == 0 || t->start == 0) && add_prefix_space && leading == 1)
            leading = 0;
          t->start = MIN (t->start + leading, t->end);
        }
      if (trailing > 0 && t->end >= trailing)
        t->end = MAX (t->end - trailing, t->start);
    }
}

static void
post_apply (const Post *self,
            GArray     *toks,
            gboolean    add_special)
{
  switch (self->type)
    {
    case POST_SEQUENCE:
      for (guint i = 0; i < self->children->len; i++)
        post_apply (g_ptr_array_index (self->children, i), toks, add_special);
      break;
    case POST_BYTE_LEVEL:
      if (self->trim_offsets)
        trim_byte_level_offsets (toks, self->add_prefix_space);
      break;
    case POST_TEMPLATE:
      if (add_special)
        {
          g_autoptr (GArray) seq = g_array_copy (toks);

          g_array_set_size (toks, 0);
          for (guint i = 0; i < self->single->len; i++)
            {
              const TemplateItem *item = &g_array_index (self->single, TemplateItem, i);
              if (item->is_sequence)
                g_array_append_vals (toks, seq->data, seq->len);
              else
                for (guint k = 0; k < item->ids->len; k++)
                  {
                    const char *str = g_ptr_array_index (item->tokens, k);
                    Tok t = { g_array_index (item->ids, int32_t, k), 0, 0, str, strlen (str) };
                    g_array_append_val (toks, t);
                  }
            }
        }
      break;
    case POST_ROBERTA:
    case POST_BERT:
      if (self->trim_offsets)
        trim_byte_level_offsets (toks, self->add_prefix_space);
      if (add_special)
        {
          Tok cls = { self->cls_id, 0, 0, self->cls, strlen (self->cls) };
          Tok sep = { self->sep_id, 0, 0, self->sep, strlen (self->sep) };
          g_array_prepend_val (toks, cls);
          g_array_append_val (toks, sep);
        }
      break;
    default:
      break;
    }
}

/* ---- decoders: parse ---------------------------------------------------------- */

static void
decoder_free (Decoder *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->children, g_ptr_array_unref);
  _sy_tok_pattern_clear (&self->pattern);
  g_free (self->content);
  g_free (self->suffix);
  g_free (self);
}

static gboolean
decoder_char (json_object  *obj,
              const char   *key,
              const char   *where,
              Decoder      *self,
              GError      **error)
{
  const char *s = jstr (obj, key);

  if (s == NULL || *s == '\0' || g_utf8_strlen (s, -1) != 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: decoder %s: \"%s\" must be one character", where, key);
      return FALSE;
    }
  self->ch = g_utf8_get_char (s);
  self->ch_len = g_unichar_to_utf8 (self->ch, self->ch_utf8);
  return TRUE;
}

static Decoder *
decoder_parse (json_object  *obj,
               GError      **error)
{
  const char *type = jstr (obj, "type");
  Decoder *self;

  if (type == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT, "tokenizer.json: decoder has no \"type\"");
      return NULL;
    }
  self = g_new0 (Decoder, 1);
  if (strcmp (type, "Sequence") == 0)
    {
      json_object *list = jget (obj, "decoders");

      self->type = DEC_SEQUENCE;
      self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) decoder_free);
      if (list == NULL || !json_object_is_type (list, json_type_array))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: decoder Sequence has no \"decoders\" list");
          goto fail;
        }
      for (size_t i = 0; i < json_object_array_length (list); i++)
        {
          Decoder *child = decoder_parse (json_object_array_get_idx (list, i), error);
          if (child == NULL)
            goto fail;
          g_ptr_array_add (self->children, child);
        }
    }
  else if (strcmp (type, "ByteLevel") == 0)
    self->type = DEC_BYTE_LEVEL;
  else if (strcmp (type, "Metaspace") == 0)
    {
      const char *scheme = jstr (obj, "prepend_scheme");

      self->type = DEC_METASPACE;
      if (!decoder_char (obj, "replacement", type, self, error))
        goto fail;
      if (scheme != NULL)
        self->prepend = strcmp (scheme, "never") != 0;
      else
        self->prepend = jbool (obj, "add_prefix_space", TRUE);
    }
  else if (strcmp (type, "Replace") == 0)
    {
      const char *content = jstr (obj, "content");

      self->type = DEC_REPLACE;
      if (content == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: decoder Replace has no \"content\" string");
          goto fail;
        }
      if (!_sy_tok_pattern_parse (&self->pattern, jget (obj, "pattern"), "decoder Replace", error))
        goto fail;
      self->content = g_strdup (content);
    }
  else if (strcmp (type, "ByteFallback") == 0)
    self->type = DEC_BYTE_FALLBACK;
  else if (strcmp (type, "Fuse") == 0)
    self->type = DEC_FUSE;
  else if (strcmp (type, "Strip") == 0)
    {
      json_object *v;

      self->type = DEC_STRIP;
      if (!decoder_char (obj, "content", type, self, error))
        goto fail;
      v = jget (obj, "start");
      self->start = v ? MAX (json_object_get_int (v), 0) : 0;
      v = jget (obj, "stop");
      self->stop = v ? MAX (json_object_get_int (v), 0) : 0;
    }
  else if (strcmp (type, "BPEDecoder") == 0)
    {
      self->type = DEC_BPE;
      self->suffix = g_strdup (jstr (obj, "suffix") ? jstr (obj, "suffix") : "</w>");
    }
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: decoder type '%s' is not supported", type);
      goto fail;
    }
  return self;

fail:
  decoder_free (self);
  return NULL;
}

/* ---- decoders: apply ---------------------------------------------------------- */

/* @piece: decoding one token for display, as it reads inside a text (no
 * first-token or strip rules; invalid bytes shown as <0xNN>). */
static void
append_bytes_display (GString    *out,
                      const char *bytes,
                      gsize       len,
                      gboolean    piece)
{
  if (!piece)
    {
      _sy_append_utf8_lossy (out, bytes, len);
      return;
    }
  for (gsize i = 0; i < len;)
    {
      const char *end;
      gsize ok;

      if (_sy_utf8_validate (bytes + i, len - i, &end))
        {
          g_string_append_len (out, bytes + i, len - i);
          return;
        }
      ok = end - (bytes + i);
      g_string_append_len (out, bytes + i, ok);
      i += ok;
      g_string_append_printf (out, "<0x%02X>", (guchar) bytes[i]);
      i++;
    }
}

static gboolean
parse_byte_token (const char *t,
                  guchar     *byte)
{
  if (strlen (t) == 6 && t[0] == '<' && t[1] == '0' && t[2] == 'x' && t[5] == '>'
      && g_ascii_isxdigit (t[3]) && g_ascii_isxdigit (t[4]))
    {
      *byte = (guchar) (g_ascii_xdigit_value (t[3]) * 16 + g_ascii_xdigit_value (t[4]));
      return TRUE;
    }
  return FALSE;
}

static void
flush_bytes (GPtrArray *out,
             GByteArray *bytes,
             gboolean    piece)
{
  if (bytes->len == 0)
    return;
  if (_sy_utf8_validate ((const char *) bytes->data, bytes->len, NULL))
    g_ptr_array_add (out, g_strndup ((const char *) bytes->data, bytes->len));
  else if (piece)
    {
      GString *s = g_string_new (NULL);
      append_bytes_display (s, (const char *) bytes->data, bytes->len, TRUE);
      g_ptr_array_add (out, g_string_free (s, FALSE));
    }
  else
    for (guint i = 0; i < bytes->len; i++)
      g_ptr_array_add (out, g_strdup ("\xEF\xBF\xBD"));
  g_byte_array_set_size (bytes, 0);
}

/* Runs @self over the token strings @in (char *), giving a new array. */
static GPtrArray *
decoder_chain (const Decoder *self,
               GPtrArray     *in,
               gboolean       piece)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  switch (self->type)
    {
    case DEC_SEQUENCE:
      {
        GPtrArray *cur = g_ptr_array_ref (in);
        for (guint i = 0; i < self->children->len; i++)
          {
            GPtrArray *next = decoder_chain (g_ptr_array_index (self->children, i), cur, piece);
            g_ptr_array_unref (cur);
            cur = next;
          }
        g_ptr_array_unref (out);
        return cur;
      }
    case DEC_BYTE_LEVEL:
      {
        const SyByteLevelTable *t = _sy_byte_level_table ();
        g_autoptr (GByteArray) bytes = g_byte_array_new ();
        GString *s = g_string_new (NULL);

        for (guint i = 0; i < in->len; i++)
          {
            const char *tok = g_ptr_array_index (in, i);
            guint mark = bytes->len;
            gboolean all = TRUE;

            for (const char *p = tok; *p;)
              {
                int n;
                gunichar c = _sy_utf8_decode (p, &n);
                if (c < 324 && t->char_to_byte[c] >= 0)
                  {
                    guint8 b = (guint8) t->char_to_byte[c];
                    g_byte_array_append (bytes, &b, 1);
                  }
                else
                  {
                    all = FALSE;
                    break;
                  }
                p += n;
              }
            if (!all)
              {
                g_byte_array_set_size (bytes, mark);
                g_byte_array_append (bytes, (const guint8 *) tok, strlen (tok));
              }
          }
        append_bytes_display (s, (const char *) bytes->data, bytes->len, piece);
        g_ptr_array_add (out, g_string_free (s, FALSE));
      }
      break;
    case DEC_METASPACE:
      for (guint i = 0; i < in->len; i++)
        {
          const char *tok = g_ptr_array_index (in, i);
          GString *s = g_string_new (NULL);
          gboolean drop = i == 0 && self->prepend && !piece;

          for (const char *p = tok; *p;)
            {
              int n;
              gunichar c = _sy_utf8_decode (p, &n);
              if (c == self->ch)
                {
                  if (!drop)
                    g_string_append_c (s, ' ');
                }
              else
                g_string_append_len (s, p, n);
              p += n;
            }
          g_ptr_array_add (out, g_string_free (s, FALSE));
        }
      break;
    case DEC_REPLACE:
      for (guint i = 0; i < in->len; i++)
        {
          const char *tok = g_ptr_array_index (in, i);
          g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));
          GString *s = g_string_new (NULL);
          int prev = 0;

          _sy_tok_pattern_find (&self->pattern, tok, strlen (tok), m);
          for (guint k = 0; k < m->len; k += 2)
            {
              g_string_append_len (s, tok + prev, g_array_index (m, int, k) - prev);
              g_string_append (s, self->content);
              prev = g_array_index (m, int, k + 1);
            }
          g_string_append (s, tok + prev);
          g_ptr_array_add (out, g_string_free (s, FALSE));
        }
      break;
    case DEC_BYTE_FALLBACK:
      {
        g_autoptr (GByteArray) bytes = g_byte_array_new ();

        for (guint i = 0; i < in->len; i++)
          {
            const char *tok = g_ptr_array_index (in, i);
            guchar b;

            if (parse_byte_token (tok, &b))
              g_byte_array_append (bytes, &b, 1);
            else
              {
                flush_bytes (out, bytes, piece);
                g_ptr_array_add (out, g_strdup (tok));
              }
          }
        flush_bytes (out, bytes, piece);
      }
      break;
    case DEC_FUSE:
      {
        GString *s = g_string_new (NULL);
        for (guint i = 0; i < in->len; i++)
          g_string_append (s, g_ptr_array_index (in, i));
        g_ptr_array_add (out, g_string_free (s, FALSE));
      }
      break;
    case DEC_STRIP:
      for (guint i = 0; i < in->len; i++)
        {
          const char *tok = g_ptr_array_index (in, i);
          const char *a = tok, *e = tok + strlen (tok);

          if (!piece)
            {
              for (int k = 0; k < self->start && a < e && g_utf8_get_char (a) == self->ch; k++)
                a = g_utf8_next_char (a);
              for (int k = 0; k < self->stop && e > a; k++)
                {
                  const char *prev = g_utf8_find_prev_char (a, e);
                  if (prev == NULL || g_utf8_get_char (prev) != self->ch)
                    break;
                  e = prev;
                }
            }
          g_ptr_array_add (out, g_strndup (a, e - a));
        }
      break;
    case DEC_BPE:
      for (guint i = 0; i < in->len; i++)
        {
          const char *tok = g_ptr_array_index (in, i);
          g_autoptr (GString) s = g_string_new (tok);
          g_string_replace (s, self->suffix, (i + 1 == in->len && !piece) ? "" : " ", 0);
          g_ptr_array_add (out, g_strdup (s->str));
        }
      break;
    default:
      break;
    }
  return out;
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
  post_free (self->post);
  decoder_free (self->decoder);
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
      const char *content = jstr (obj, "content");
      AddedToken *t;

      if (content == NULL || (id = jget (obj, "id")) == NULL || !json_object_is_type (id, json_type_int)
          || json_object_get_int64 (id) < 0 || json_object_get_int64 (id) > G_MAXINT32 / 2)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: added_tokens[%zu] needs a \"content\" string and an \"id\"", i);
          return FALSE;
        }
      t = g_new0 (AddedToken, 1);
      t->content = g_strdup (content);
      t->len = strlen (content);
      t->id = json_object_get_int (id);
      t->special = jbool (obj, "special", FALSE);
      t->lstrip = jbool (obj, "lstrip", FALSE);
      t->rstrip = jbool (obj, "rstrip", FALSE);
      t->single_word = jbool (obj, "single_word", FALSE);
      t->normalized = jbool (obj, "normalized", !t->special);
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
  json_object *v = jget (config, key);
  const char *s = NULL;

  if (v != NULL && json_object_is_type (v, json_type_string))
    s = json_object_get_string (v);
  else if (v != NULL && json_object_is_type (v, json_type_object))
    s = jstr (v, "content");
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
      if (self->bos_id < 0 && (v = jget (c, "bos_token_id")) != NULL && json_object_is_type (v, json_type_int))
        self->bos_id = json_object_get_int (v);
      if (self->eos_id < 0 && (v = jget (c, "eos_token_id")) != NULL && json_object_is_type (v, json_type_int))
        self->eos_id = json_object_get_int (v);
    }
  /* without a config: the first special token of the template, if it leads */
  if (self->bos_id < 0 && self->post != NULL && self->post->type == POST_TEMPLATE
      && self->post->single->len > 0)
    {
      const TemplateItem *item = &g_array_index (self->post->single, TemplateItem, 0);
      if (!item->is_sequence && item->ids->len > 0)
        self->bos_id = g_array_index (item->ids, int32_t, 0);
    }
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
  if ((v = jget (root, "model")) == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, "%s: no \"model\"", file);
      goto fail;
    }
  if ((self->model = _sy_bpe_parse (v, error)) == NULL)
    goto fail;
  if ((v = jget (root, "normalizer")) != NULL && (self->normalizer = _sy_normalizer_parse (v, error)) == NULL)
    goto fail;
  if ((v = jget (root, "pre_tokenizer")) != NULL
      && (self->pre_tokenizer = _sy_pre_tokenizer_parse (v, error)) == NULL)
    goto fail;
  if ((v = jget (root, "post_processor")) != NULL && (self->post = post_parse (v, error)) == NULL)
    goto fail;
  if ((v = jget (root, "decoder")) != NULL && (self->decoder = decoder_parse (v, error)) == NULL)
    goto fail;
  if (!load_added_tokens (self, jget (root, "added_tokens"), error))
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

SyEncoding *
sy_tokenizer_encode (SyTokenizer  *self,
                     const char   *text,
                     gssize        len,
                     gboolean      add_special,
                     GError      **error)
{
  g_autoptr (GArray) sections = NULL;
  g_autoptr (GArray) normed = NULL;
  g_autoptr (GArray) words = NULL;
  g_autoptr (GArray) toks = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GArray) lens = NULL;
  g_autofree int *ranges = NULL;
  SyTokCtx ctx;
  SyTokPiece root;
  SyTokAlign *al;
  SyEncoding *enc;
  const char *bad;
  gsize total;
  char *block;
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

  /* 1. added tokens matched on the raw text */
  sections = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
  if (self->raw_matcher.empty)
    g_array_append_val (sections, root);
  else
    split_added (&self->raw_matcher, &root, sections);

  /* 2. normalize the rest, then the added tokens matched after normalizing */
  normed = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
  for (guint i = 0; i < sections->len; i++)
    {
      SyTokPiece *p = &g_array_index (sections, SyTokPiece, i), n;

      if (p->added_id >= 0)
        {
          g_array_append_val (normed, *p);
          continue;
        }
      if (self->normalizer != NULL)
        _sy_normalizer_apply (self->normalizer, &ctx, p, &n);
      else
        n = *p;
      if (self->norm_matcher.empty)
        g_array_append_val (normed, n);
      else
        split_added (&self->norm_matcher, &n, normed);
    }

  /* 3. words */
  if (self->pre_tokenizer != NULL)
    {
      words = g_array_sized_new (FALSE, FALSE, sizeof (SyTokPiece), len / 4 + 4);
      _sy_pre_tokenizer_apply (self->pre_tokenizer, &ctx, normed, words);
    }
  else
    words = g_steal_pointer (&normed);

  /* 4. the model */
  toks = g_array_sized_new (FALSE, FALSE, sizeof (Tok), len / 3 + 4);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (int32_t), len / 3 + 4);
  lens = g_array_sized_new (FALSE, FALSE, sizeof (int32_t), len / 3 + 4);
  ranges = g_new (int, 2 * MAX (words->len, 1));
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
          Tok t = { w->added_id, w->al[0].start, w->al[w->len - 1].end, w->s, w->len };
          g_array_append_val (toks, t);
          continue;
        }
      for (int k = ranges[2 * i]; k < ranges[2 * i] + ranges[2 * i + 1]; k++)
        {
          int32_t id = g_array_index (ids, int32_t, k);
          int a = MIN (pos, w->len - 1);
          int b = MIN (pos + g_array_index (lens, int32_t, k), w->len);
          Tok t = { id, w->al[a].start, w->al[MAX (b - 1, a)].end, _sy_bpe_id_to_token (self->model, id), 0 };

          if (t.str == NULL)
            t.str = "";
          t.len = _sy_bpe_id_to_token_len (self->model, id);
          g_array_append_val (toks, t);
          pos += g_array_index (lens, int32_t, k);
        }
    }

  /* 5. post-processing */
  if (self->post != NULL)
    post_apply (self->post, toks, add_special);

  /* the encoding: token strings in one block, freed with tokens[n] */
  enc = g_new0 (SyEncoding, 1);
  enc->n = toks->len;
  enc->ids = g_new (int32_t, MAX (toks->len, 1));
  enc->offsets = g_new (int, 2 * MAX (toks->len, 1));
  enc->tokens = g_new0 (char *, toks->len + 1);
  total = 1;
  for (guint i = 0; i < toks->len; i++)
    total += g_array_index (toks, Tok, i).len + 1;
  block = g_malloc (total);
  enc->tokens[toks->len] = block;
  for (guint i = 0; i < toks->len; i++)
    {
      const Tok *t = &g_array_index (toks, Tok, i);
      gsize n = t->len;

      enc->ids[i] = t->id;
      enc->offsets[2 * i] = t->start;
      enc->offsets[2 * i + 1] = t->end;
      memcpy (block, t->str, n);
      block[n] = '\0';
      enc->tokens[i] = block;
      block += n + 1;
    }
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
      g_autoptr (GPtrArray) out = decoder_chain (self->decoder, strings, piece);
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
  if (t != NULL && !parse_byte_token (t->text, &(guchar) { 0 }))
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
