/* sy-tokenizer-text.c: normalizers and pre-tokenizers of tokenizer.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every step keeps, for each byte it writes, the span of the original
 * input it stands for (see sy-tokenizer-private.h).  Inserted text takes
 * the span of the character it is attached to; replaced text the span of
 * what it replaces.
 */
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"

/* ---- pieces and a builder for new text ----------------------------------- */

void
_sy_tok_piece_alloc (SyTokCtx   *ctx,
                     SyTokPiece *piece,
                     int         len)
{
  piece->s = _sy_arena_alloc (&ctx->arena, len + 1);
  piece->al = _sy_arena_alloc (&ctx->arena, sizeof (SyTokAlign) * MAX (len, 1));
  piece->len = len;
  piece->added_id = -1;
}

typedef struct
{
  char       *s;
  SyTokAlign *al;
  int         len;
  int         cap;
} Builder;

static void
builder_init (Builder *b,
              int      cap)
{
  b->cap = MAX (cap, 16);
  b->s = g_malloc (b->cap);
  b->al = g_new (SyTokAlign, b->cap);
  b->len = 0;
}

static void
builder_reserve (Builder *b,
                 int      n)
{
  if (b->len + n > b->cap)
    {
      b->cap = MAX (b->cap * 2, b->len + n);
      b->s = g_realloc (b->s, b->cap);
      b->al = g_renew (SyTokAlign, b->al, b->cap);
    }
}

static void
builder_put (Builder    *b,
             const char *bytes,
             int         n,
             SyTokAlign  al)
{
  builder_reserve (b, n);
  memcpy (b->s + b->len, bytes, n);
  for (int i = 0; i < n; i++)
    b->al[b->len + i] = al;
  b->len += n;
}

static void
builder_put_span (Builder          *b,
                  const SyTokPiece *p,
                  int               from,
                  int               to)
{
  int n = to - from;

  if (n <= 0)
    return;
  builder_reserve (b, n);
  memcpy (b->s + b->len, p->s + from, n);
  memcpy (b->al + b->len, p->al + from, sizeof (SyTokAlign) * n);
  b->len += n;
}

static void
builder_finish (Builder    *b,
                SyTokCtx   *ctx,
                SyTokPiece *out)
{
  _sy_tok_piece_alloc (ctx, out, b->len);
  memcpy ((char *) out->s, b->s, b->len);
  ((char *) out->s)[b->len] = '\0';
  memcpy ((SyTokAlign *) out->al, b->al, sizeof (SyTokAlign) * b->len);
  g_free (b->s);
  g_free (b->al);
}

static SyTokAlign
span_union (const SyTokPiece *p,
            int               from,
            int               to)
{
  SyTokAlign a = { p->al[from].start, p->al[to - 1].end };
  return a;
}

/* ---- JSON helpers ------------------------------------------------------- */

static gboolean
jbool (json_object *obj,
           const char  *key,
           gboolean     fallback)
{
  json_object *v;

  if (json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_boolean))
    return json_object_get_boolean (v);
  return fallback;
}

static const char *
jstr (json_object *obj,
             const char  *key)
{
  json_object *v;

  if (json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

static gboolean
json_single_char (json_object  *obj,
                  const char   *key,
                  const char   *where,
                  gunichar     *c,
                  GError      **error)
{
  const char *s = jstr (obj, key);

  if (s == NULL || *s == '\0' || g_utf8_strlen (s, -1) != 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: %s: '%s' must be one character", where, key);
      return FALSE;
    }
  *c = g_utf8_get_char (s);
  return TRUE;
}

/* ---- normalizers ---------------------------------------------------------- */

typedef enum
{
  NORM_SEQUENCE,
  NORM_PREPEND,
  NORM_REPLACE,
  NORM_NFC,
  NORM_NFD,
  NORM_NFKC,
  NORM_NFKD,
  NORM_LOWERCASE,
  NORM_STRIP,
  NORM_STRIP_ACCENTS,
  NORM_BYTE_LEVEL,
} NormType;

struct _SyNormalizer
{
  NormType      type;
  GPtrArray    *children;     /* Sequence */
  char         *text;         /* Prepend: prepend; Replace: content */
  int           text_len;
  SyTokPattern  pattern;      /* Replace */
  gboolean      left, right;  /* Strip */
};

void
_sy_normalizer_free (SyNormalizer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_free (self->text);
  _sy_tok_pattern_clear (&self->pattern);
  g_free (self);
}

/* The "type" of a component object ("normalizer", "pre_tokenizer"), or
 * NULL with an error. */
static const char *
component_type (json_object  *obj,
                const char   *what,
                GError      **error)
{
  const char *type = json_object_is_type (obj, json_type_object) ? jstr (obj, "type") : NULL;

  if (type == NULL)
    g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                 "tokenizer.json: %s has no \"type\"", what);
  return type;
}

typedef gpointer (*ComponentParseFunc) (json_object *obj,
                                        GError     **error);

/* The children of a Sequence component: the list @key of @obj, each
 * parsed by @parse into @children. */
static gboolean
parse_sequence (json_object         *obj,
                const char          *what,
                const char          *key,
                ComponentParseFunc   parse,
                GPtrArray           *children,
                GError             **error)
{
  json_object *list;

  if (!json_object_object_get_ex (obj, key, &list) || !json_object_is_type (list, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: %s Sequence has no \"%s\" list", what, key);
      return FALSE;
    }
  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      gpointer child = parse (json_object_array_get_idx (list, i), error);

      if (child == NULL)
        return FALSE;
      g_ptr_array_add (children, child);
    }
  return TRUE;
}

SyNormalizer *
_sy_normalizer_parse (json_object  *obj,
                      GError      **error)
{
  g_autoptr (GPtrArray) children = NULL;
  SyNormalizer *self;
  const char *type;

  type = component_type (obj, "normalizer", error);
  if (type == NULL)
    return NULL;
  self = g_new0 (SyNormalizer, 1);
  if (strcmp (type, "Sequence") == 0)
    {
      self->type = NORM_SEQUENCE;
      self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) _sy_normalizer_free);
      if (!parse_sequence (obj, "normalizer", "normalizers", (ComponentParseFunc) _sy_normalizer_parse,
                           self->children, error))
        goto fail;
    }
  else if (strcmp (type, "Prepend") == 0)
    {
      const char *s = jstr (obj, "prepend");

      self->type = NORM_PREPEND;
      if (s == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: normalizer Prepend has no \"prepend\" string");
          goto fail;
        }
      self->text = g_strdup (s);
      self->text_len = strlen (s);
    }
  else if (strcmp (type, "Replace") == 0)
    {
      json_object *pattern = NULL;
      const char *s = jstr (obj, "content");

      self->type = NORM_REPLACE;
      json_object_object_get_ex (obj, "pattern", &pattern);
      if (s == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: normalizer Replace has no \"content\" string");
          goto fail;
        }
      if (!_sy_tok_pattern_parse (&self->pattern, pattern, "normalizer Replace", error))
        goto fail;
      self->text = g_strdup (s);
      self->text_len = strlen (s);
    }
  else if (strcmp (type, "NFC") == 0)
    self->type = NORM_NFC;
  else if (strcmp (type, "NFD") == 0)
    self->type = NORM_NFD;
  else if (strcmp (type, "NFKC") == 0)
    self->type = NORM_NFKC;
  else if (strcmp (type, "NFKD") == 0)
    self->type = NORM_NFKD;
  else if (strcmp (type, "Lowercase") == 0)
    self->type = NORM_LOWERCASE;
  else if (strcmp (type, "Strip") == 0)
    {
      self->type = NORM_STRIP;
      self->left = jbool (obj, "strip_left", TRUE);
      self->right = jbool (obj, "strip_right", TRUE);
    }
  else if (strcmp (type, "StripAccents") == 0)
    self->type = NORM_STRIP_ACCENTS;
  else if (strcmp (type, "ByteLevel") == 0)
    self->type = NORM_BYTE_LEVEL;
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: normalizer type '%s' is not supported", type);
      goto fail;
    }
  return self;

fail:
  _sy_normalizer_free (self);
  return NULL;
}

static gboolean
piece_is_ascii (const SyTokPiece *p)
{
  for (int i = 0; i < p->len; i++)
    if ((guchar) p->s[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* Unicode normalization with spans, the way the reference aligns it:
 * every character is fully decomposed, each piece keeping the span of the
 * character it came from; marks are put in canonical order; for NFC/NFKC
 * a composition keeps the span of its starter.  (The result is checked
 * against GLib's own normalizer; should they ever disagree, the text is
 * normalized as a whole, every character spanning the piece.) */
typedef struct
{
  gunichar c;
  int      origin;   /* byte of the source character in the piece */
  int      ccc;
} NChar;

static void
norm_unicode (GNormalizeMode    mode,
              SyTokCtx         *ctx,
              const SyTokPiece *in,
              SyTokPiece       *out)
{
  gboolean compat = mode == G_NORMALIZE_NFKC || mode == G_NORMALIZE_NFKD;
  gboolean compose = mode == G_NORMALIZE_NFC || mode == G_NORMALIZE_NFKC;
  g_autoptr (GArray) seq = NULL;
  g_autofree char *expected = NULL;
  NChar *q;
  int n = 0;
  Builder b;

  if (piece_is_ascii (in))
    {
      *out = *in;
      return;
    }
  seq = g_array_sized_new (FALSE, FALSE, sizeof (NChar), in->len + 8);
  for (int i = 0; i < in->len;)
    {
      int k;
      gunichar c = _sy_utf8_decode (in->s + i, &k);

      if (c < 0x80)
        g_array_append_val (seq, ((NChar) { c, i, 0 }));
      else
        {
          gunichar d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
          gsize nd = g_unichar_fully_decompose (c, compat, d, G_N_ELEMENTS (d));

          for (gsize m = 0; m < nd; m++)
            g_array_append_val (seq, ((NChar) { d[m], i, g_unichar_combining_class (d[m]) }));
        }
      i += k;
    }
  q = (NChar *) seq->data;
  n = seq->len;
  /* canonical ordering: stable sort of each run of marks by class */
  for (int i = 1; i < n; i++)
    {
      NChar x = q[i];
      int j = i;

      if (x.ccc == 0)
        continue;
      while (j > 0 && q[j - 1].ccc > x.ccc)
        {
          q[j] = q[j - 1];
          j--;
        }
      q[j] = x;
    }
  if (compose)
    {
      int starter = -1, last_cc = 0, m = 0;

      for (int i = 0; i < n; i++)
        {
          NChar x = q[i];
          gunichar composed;

          if (starter >= 0)
            {
              gboolean blocked = m - 1 != starter && (last_cc == 0 || last_cc >= x.ccc);
              if (!blocked && g_unichar_compose (q[starter].c, x.c, &composed))
                {
                  q[starter].c = composed;
                  continue;
                }
            }
          if (x.ccc == 0)
            starter = m;
          last_cc = x.ccc;
          q[m++] = x;
        }
      n = m;
    }

  builder_init (&b, in->len + 16);
  for (int i = 0; i < n; i++)
    {
      char buf[8];
      int k = g_unichar_to_utf8 (q[i].c, buf);
      builder_put (&b, buf, k, in->al[q[i].origin]);
    }

  expected = g_utf8_normalize (in->s, in->len, mode);
  if (expected != NULL && (strlen (expected) != (gsize) b.len || memcmp (expected, b.s, b.len) != 0))
    {
      b.len = 0;
      builder_put (&b, expected, strlen (expected), span_union (in, 0, in->len));
    }
  builder_finish (&b, ctx, out);
}

static void
norm_replace (const SyNormalizer *self,
              SyTokCtx           *ctx,
              const SyTokPiece   *in,
              SyTokPiece         *out)
{
  g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));
  Builder b;
  int prev = 0;

  _sy_tok_pattern_find (&self->pattern, in->s, in->len, m);
  if (m->len == 0)
    {
      *out = *in;
      return;
    }
  builder_init (&b, in->len + 16);
  for (guint i = 0; i < m->len; i += 2)
    {
      int a = g_array_index (m, int, i), e = g_array_index (m, int, i + 1);

      builder_put_span (&b, in, prev, a);
      /* the replacement stands where the match ended (as the library aligns it) */
      builder_put (&b, self->text, self->text_len, in->al[e - 1]);
      prev = e;
    }
  builder_put_span (&b, in, prev, in->len);
  builder_finish (&b, ctx, out);
}

static void
norm_lowercase (SyTokCtx         *ctx,
                const SyTokPiece *in,
                SyTokPiece       *out)
{
  Builder b;

  builder_init (&b, in->len + 16);
  for (int i = 0; i < in->len;)
    {
      int n;
      gunichar c = _sy_utf8_decode (in->s + i, &n);
      char buf[8];
      int k;

      if (c < 0x80)
        {
          buf[0] = g_ascii_tolower ((char) c);
          k = 1;
        }
      else if (c == 0x130)
        {
          /* the one full lowercase mapping longer than a character */
          memcpy (buf, "i\xCC\x87", 3);
          k = 3;
        }
      else if (c >= 0x2160 && c <= 0x216F)
        k = g_unichar_to_utf8 (c + 0x10, buf);   /* Roman numerals (Nl, Other_Uppercase) */
      else if (c >= 0x24B6 && c <= 0x24CF)
        k = g_unichar_to_utf8 (c + 26, buf);     /* circled capital letters (So) */
      else
        k = g_unichar_to_utf8 (g_unichar_tolower (c), buf);
      builder_put (&b, buf, k, in->al[i]);
      i += n;
    }
  builder_finish (&b, ctx, out);
}

static void
norm_strip (const SyNormalizer *self,
            const SyTokPiece   *in,
            SyTokPiece         *out)
{
  int a = 0, e = in->len;

  if (self->left)
    while (a < e)
      {
        int n;
        gunichar c = _sy_utf8_decode (in->s + a, &n);
        if (!_sy_unichar_is_space (c))
          break;
        a += n;
      }
  if (self->right)
    while (e > a)
      {
        int k = e - 1, n;
        gunichar c;

        while (k > a && ((guchar) in->s[k] & 0xC0) == 0x80)
          k--;
        c = _sy_utf8_decode (in->s + k, &n);
        if (!_sy_unichar_is_space (c))
          break;
        e = k;
      }
  *out = *in;
  out->s = in->s + a;
  out->al = in->al + a;
  out->len = e - a;
}

static void
norm_strip_accents (SyTokCtx         *ctx,
                    const SyTokPiece *in,
                    SyTokPiece       *out)
{
  Builder b;

  builder_init (&b, in->len + 16);
  for (int i = 0; i < in->len;)
    {
      int n;
      gunichar c = _sy_utf8_decode (in->s + i, &n);

      if (c < 0x80 || !_sy_unichar_is_mark (c))
        builder_put_span (&b, in, i, i + n);
      i += n;
    }
  builder_finish (&b, ctx, out);
}

static void
byte_level_map (SyTokCtx         *ctx,
                const SyTokPiece *in,
                SyTokPiece       *out)
{
  const SyByteLevelTable *t = _sy_byte_level_table ();
  int len = 0, j = 0;
  char *s;
  SyTokAlign *al;

  for (int i = 0; i < in->len; i++)
    len += t->utf8_len[(guchar) in->s[i]];
  _sy_tok_piece_alloc (ctx, out, len);
  s = (char *) out->s;
  al = (SyTokAlign *) out->al;
  for (int i = 0; i < in->len; i++)
    {
      guchar byte = (guchar) in->s[i];

      s[j] = t->utf8[byte][0];
      al[j++] = in->al[i];
      if (t->utf8_len[byte] == 2)
        {
          s[j] = t->utf8[byte][1];
          al[j++] = in->al[i];
        }
    }
  s[len] = '\0';
}

void
_sy_normalizer_apply (const SyNormalizer *self,
                      SyTokCtx           *ctx,
                      const SyTokPiece   *in,
                      SyTokPiece         *out)
{
  switch (self->type)
    {
    case NORM_SEQUENCE:
      {
        SyTokPiece cur = *in;
        for (guint i = 0; i < self->children->len; i++)
          {
            SyTokPiece next;
            _sy_normalizer_apply (g_ptr_array_index (self->children, i), ctx, &cur, &next);
            cur = next;
          }
        *out = cur;
      }
      break;
    case NORM_PREPEND:
      if (in->len == 0)
        *out = *in;
      else
        {
          Builder b;
          builder_init (&b, in->len + self->text_len);
          builder_put (&b, self->text, self->text_len, in->al[0]);
          builder_put_span (&b, in, 0, in->len);
          builder_finish (&b, ctx, out);
        }
      break;
    case NORM_REPLACE:
      norm_replace (self, ctx, in, out);
      break;
    case NORM_NFC:
      norm_unicode (G_NORMALIZE_NFC, ctx, in, out);
      break;
    case NORM_NFD:
      norm_unicode (G_NORMALIZE_NFD, ctx, in, out);
      break;
    case NORM_NFKC:
      norm_unicode (G_NORMALIZE_NFKC, ctx, in, out);
      break;
    case NORM_NFKD:
      norm_unicode (G_NORMALIZE_NFKD, ctx, in, out);
      break;
    case NORM_LOWERCASE:
      norm_lowercase (ctx, in, out);
      break;
    case NORM_STRIP:
      norm_strip (self, in, out);
      break;
    case NORM_STRIP_ACCENTS:
      norm_strip_accents (ctx, in, out);
      break;
    case NORM_BYTE_LEVEL:
      byte_level_map (ctx, in, out);
      break;
    default:
      *out = *in;
      break;
    }
  out->added_id = in->added_id;
}

char *
_sy_normalizer_string (const SyNormalizer *self,
                       const char         *s)
{
  SyTokCtx ctx;
  SyTokPiece in, out;
  int len = strlen (s);
  char *result;

  _sy_arena_init (&ctx.arena);
  _sy_tok_piece_alloc (&ctx, &in, len);
  memcpy ((char *) in.s, s, len);
  for (int i = 0; i < len; i++)
    ((SyTokAlign *) in.al)[i] = (SyTokAlign) { 0, 1 };
  _sy_normalizer_apply (self, &ctx, &in, &out);
  result = g_strndup (out.s, out.len);
  _sy_arena_clear (&ctx.arena);
  return result;
}

/* ---- pre-tokenizers ------------------------------------------------------- */

typedef enum
{
  PRE_SEQUENCE,
  PRE_BYTE_LEVEL,
  PRE_SPLIT,
  PRE_METASPACE,
  PRE_DIGITS,
  PRE_WHITESPACE,
  PRE_WHITESPACE_SPLIT,
  PRE_PUNCTUATION,
  PRE_BERT,
  PRE_CHAR_DELIMITER,
} PreType;

typedef enum
{
  SPLIT_REMOVED,
  SPLIT_ISOLATED,
  SPLIT_MERGED_WITH_PREVIOUS,
  SPLIT_MERGED_WITH_NEXT,
  SPLIT_CONTIGUOUS,
} SplitBehavior;

typedef enum
{
  PREPEND_ALWAYS,
  PREPEND_FIRST,
  PREPEND_NEVER,
} PrependScheme;

struct _SyPreTokenizer
{
  PreType        type;
  GPtrArray     *children;          /* Sequence */
  gboolean       add_prefix_space;  /* ByteLevel */
  gboolean       use_regex;         /* ByteLevel */
  SyTokPattern   pattern;           /* Split */
  SplitBehavior  behavior;          /* Split, Punctuation */
  gboolean       invert;            /* Split */
  gunichar       ch;                /* Metaspace replacement, CharDelimiterSplit delimiter */
  char           ch_utf8[8];
  int            ch_len;
  PrependScheme  prepend_scheme;    /* Metaspace */
  gboolean       split;             /* Metaspace */
  gboolean       individual_digits; /* Digits */
};

void
_sy_pre_tokenizer_free (SyPreTokenizer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->children, g_ptr_array_unref);
  _sy_tok_pattern_clear (&self->pattern);
  g_free (self);
}

static gboolean
parse_behavior (json_object    *obj,
                const char     *where,
                SplitBehavior   fallback,
                SplitBehavior  *behavior,
                GError        **error)
{
  const char *s = jstr (obj, "behavior");

  if (s == NULL)
    *behavior = fallback;
  else if (strcmp (s, "Removed") == 0)
    *behavior = SPLIT_REMOVED;
  else if (strcmp (s, "Isolated") == 0)
    *behavior = SPLIT_ISOLATED;
  else if (strcmp (s, "MergedWithPrevious") == 0)
    *behavior = SPLIT_MERGED_WITH_PREVIOUS;
  else if (strcmp (s, "MergedWithNext") == 0)
    *behavior = SPLIT_MERGED_WITH_NEXT;
  else if (strcmp (s, "Contiguous") == 0)
    *behavior = SPLIT_CONTIGUOUS;
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: %s: split behavior '%s' is not supported", where, s);
      return FALSE;
    }
  return TRUE;
}

SyPreTokenizer *
_sy_pre_tokenizer_parse (json_object  *obj,
                         GError      **error)
{
  SyPreTokenizer *self;
  const char *type;

  type = component_type (obj, "pre_tokenizer", error);
  if (type == NULL)
    return NULL;
  self = g_new0 (SyPreTokenizer, 1);
  if (strcmp (type, "Sequence") == 0)
    {
      self->type = PRE_SEQUENCE;
      self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) _sy_pre_tokenizer_free);
      if (!parse_sequence (obj, "pre_tokenizer", "pretokenizers", (ComponentParseFunc) _sy_pre_tokenizer_parse,
                           self->children, error))
        goto fail;
    }
  else if (strcmp (type, "ByteLevel") == 0)
    {
      self->type = PRE_BYTE_LEVEL;
      self->add_prefix_space = jbool (obj, "add_prefix_space", TRUE);
      self->use_regex = jbool (obj, "use_regex", TRUE);
    }
  else if (strcmp (type, "Split") == 0)
    {
      json_object *pattern = NULL;

      self->type = PRE_SPLIT;
      json_object_object_get_ex (obj, "pattern", &pattern);
      if (!_sy_tok_pattern_parse (&self->pattern, pattern, "pre_tokenizer Split", error))
        goto fail;
      if (!parse_behavior (obj, "pre_tokenizer Split", SPLIT_ISOLATED, &self->behavior, error))
        goto fail;
      self->invert = jbool (obj, "invert", FALSE);
    }
  else if (strcmp (type, "Metaspace") == 0)
    {
      const char *scheme = jstr (obj, "prepend_scheme");

      self->type = PRE_METASPACE;
      if (!json_single_char (obj, "replacement", "pre_tokenizer Metaspace", &self->ch, error))
        goto fail;
      if (scheme == NULL)
        self->prepend_scheme = jbool (obj, "add_prefix_space", TRUE) ? PREPEND_ALWAYS : PREPEND_NEVER;
      else if (strcmp (scheme, "always") == 0)
        self->prepend_scheme = PREPEND_ALWAYS;
      else if (strcmp (scheme, "first") == 0)
        self->prepend_scheme = PREPEND_FIRST;
      else if (strcmp (scheme, "never") == 0)
        self->prepend_scheme = PREPEND_NEVER;
      else
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                       "tokenizer.json: pre_tokenizer Metaspace: prepend_scheme '%s' is not supported", scheme);
          goto fail;
        }
      self->split = jbool (obj, "split", TRUE);
    }
  else if (strcmp (type, "Digits") == 0)
    {
      self->type = PRE_DIGITS;
      self->individual_digits = jbool (obj, "individual_digits", FALSE);
    }
  else if (strcmp (type, "Whitespace") == 0)
    self->type = PRE_WHITESPACE;
  else if (strcmp (type, "WhitespaceSplit") == 0)
    self->type = PRE_WHITESPACE_SPLIT;
  else if (strcmp (type, "Punctuation") == 0)
    {
      self->type = PRE_PUNCTUATION;
      if (!parse_behavior (obj, "pre_tokenizer Punctuation", SPLIT_ISOLATED, &self->behavior, error))
        goto fail;
    }
  else if (strcmp (type, "BertPreTokenizer") == 0)
    self->type = PRE_BERT;
  else if (strcmp (type, "CharDelimiterSplit") == 0)
    {
      self->type = PRE_CHAR_DELIMITER;
      if (!json_single_char (obj, "delimiter", "pre_tokenizer CharDelimiterSplit", &self->ch, error))
        goto fail;
    }
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: pre_tokenizer type '%s' is not supported", type);
      goto fail;
    }
  if (self->ch != 0)
    self->ch_len = g_unichar_to_utf8 (self->ch, self->ch_utf8);
  return self;

fail:
  _sy_pre_tokenizer_free (self);
  return NULL;
}

static inline void
emit (const SyTokPiece *p,
      int               a,
      int               b,
      GArray           *out)
{
  SyTokPiece q;

  if (b <= a)
    return;
  q.s = p->s + a;
  q.len = b - a;
  q.al = p->al + a;
  q.added_id = -1;
  g_array_append_val (out, q);
}

/* Splits @p given the sorted, non-overlapping matches @m (byte pairs),
 * as tokenizers' NormalizedString::split does for each behavior. */
static void
split_by_matches (const SyTokPiece *p,
                  const int        *m,
                  int               n_m,
                  SplitBehavior     behavior,
                  gboolean          invert,
                  GArray           *out)
{
  typedef struct { int a, b; gboolean match; } Seg;
  Seg local[64];
  Seg *segs = (2 * n_m + 1 <= 64) ? local : g_new (Seg, 2 * n_m + 1);
  int n = 0, prev = 0;

  for (int i = 0; i < n_m; i++)
    {
      if (m[2 * i] > prev)
        segs[n++] = (Seg) { prev, m[2 * i], invert };
      segs[n++] = (Seg) { m[2 * i], m[2 * i + 1], !invert };
      prev = m[2 * i + 1];
    }
  if (prev < p->len)
    segs[n++] = (Seg) { prev, p->len, invert };

  switch (behavior)
    {
    case SPLIT_ISOLATED:
      for (int i = 0; i < n; i++)
        emit (p, segs[i].a, segs[i].b, out);
      break;
    case SPLIT_REMOVED:
      for (int i = 0; i < n; i++)
        if (!segs[i].match)
          emit (p, segs[i].a, segs[i].b, out);
      break;
    case SPLIT_CONTIGUOUS:
      for (int i = 0; i < n;)
        {
          int j = i + 1;
          while (j < n && segs[j].match == segs[i].match)
            j++;
          emit (p, segs[i].a, segs[j - 1].b, out);
          i = j;
        }
      break;
    case SPLIT_MERGED_WITH_PREVIOUS:
      {
        /* a match joins the piece before it, unless that was a match too */
        int start = -1, end = -1;
        gboolean previous_match = FALSE;
        for (int i = 0; i < n; i++)
          {
            if (segs[i].match && !previous_match && start >= 0)
              end = segs[i].b;
            else
              {
                if (start >= 0)
                  emit (p, start, end, out);
                start = segs[i].a;
                end = segs[i].b;
              }
            previous_match = segs[i].match;
          }
        if (start >= 0)
          emit (p, start, end, out);
      }
      break;
    case SPLIT_MERGED_WITH_NEXT:
      {
        /* a match joins the piece after it, unless that is a match too:
         * walk backwards, as the library does */
        int first = out->len;
        int start = -1, end = -1;
        gboolean previous_match = FALSE;
        for (int i = n - 1; i >= 0; i--)
          {
            if (segs[i].match && !previous_match && start >= 0)
              start = segs[i].a;
            else
              {
                if (start >= 0)
                  emit (p, start, end, out);
                start = segs[i].a;
                end = segs[i].b;
              }
            previous_match = segs[i].match;
          }
        if (start >= 0)
          emit (p, start, end, out);
        /* reverse what we appended */
        for (int i = first, j = (int) out->len - 1; i < j; i++, j--)
          {
            SyTokPiece t = g_array_index (out, SyTokPiece, i);
            g_array_index (out, SyTokPiece, i) = g_array_index (out, SyTokPiece, j);
            g_array_index (out, SyTokPiece, j) = t;
          }
      }
      break;
    default:
      break;
    }
  if (segs != local)
    g_free (segs);
}

/* Matches of a character predicate: every matching character on its own. */
static void
char_matches (const SyTokPiece *p,
              gboolean        (*pred) (gunichar, gunichar),
              gunichar          arg,
              GArray           *m)
{
  for (int i = 0; i < p->len;)
    {
      int n;
      gunichar c = _sy_utf8_decode (p->s + i, &n);
      if (pred (c, arg))
        {
          int pos[2] = { i, i + n };
          g_array_append_vals (m, pos, 2);
        }
      i += n;
    }
}

static gboolean pred_space (gunichar c, gunichar arg) { return _sy_unichar_is_space (c); }
static gboolean pred_number (gunichar c, gunichar arg) { return _sy_unichar_is_number (c); }
static gboolean pred_punct (gunichar c, gunichar arg) { return _sy_unichar_is_punct (c); }
static gboolean pred_equal (gunichar c, gunichar arg) { return c == arg; }

/* The GPT-2 pattern of the ByteLevel pre-tokenizer, by hand:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * Returns the end of the match that starts at @pos (every position starts
 * one: the alternatives cover all characters). */
enum { CLS_LETTER, CLS_NUMBER, CLS_SPACE, CLS_OTHER };

static inline int
char_class (gunichar c)
{
  if (c < 0x80)
    {
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return CLS_LETTER;
      if (c >= '0' && c <= '9')
        return CLS_NUMBER;
      if (c == ' ' || (c >= 0x09 && c <= 0x0D))
        return CLS_SPACE;
      return CLS_OTHER;
    }
  if (_sy_unichar_is_letter (c))
    return CLS_LETTER;
  if (_sy_unichar_is_number (c))
    return CLS_NUMBER;
  if (_sy_unichar_is_space (c))
    return CLS_SPACE;
  return CLS_OTHER;
}

static int
gpt2_match (const char *s,
            int         len,
            int         pos)
{
  int n, cls, i;
  gunichar c = _sy_utf8_decode (s + pos, &n);

  if (c == '\'' && pos + 1 < len)
    {
      char a = s[pos + 1];
      char b = pos + 2 < len ? s[pos + 2] : '\0';

      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return pos + 2;
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return pos + 3;
    }
  i = pos;
  cls = char_class (c);
  if (c == ' ' && pos + 1 < len)
    {
      int n2;
      gunichar c2 = _sy_utf8_decode (s + pos + 1, &n2);
      int cls2 = char_class (c2);

      if (cls2 != CLS_SPACE)
        {
          i = pos + 1;
          cls = cls2;
          c = c2;
          n = n2;
        }
    }
  if (cls != CLS_SPACE)
    {
      /* a run of one class */
      i += n;
      while (i < len)
        {
          gunichar d = _sy_utf8_decode (s + i, &n);
          if (char_class (d) != cls)
            break;
          i += n;
        }
      return i;
    }
  else
    {
      /* \s+(?!\S): the run of white space, less its last character when
       * something else follows it; \s+ when that would leave nothing */
      int last = i;
      i += n;
      while (i < len)
        {
          gunichar d = _sy_utf8_decode (s + i, &n);
          if (char_class (d) != CLS_SPACE)
            return last > pos ? last : i;
          last = i;
          i += n;
        }
      return len;
    }
}

static void
pre_byte_level (const SyPreTokenizer *self,
                SyTokCtx             *ctx,
                const SyTokPiece     *in,
                GArray               *out)
{
  SyTokPiece p = *in;

  if (self->add_prefix_space && p.len > 0 && p.s[0] != ' ')
    {
      SyTokPiece q;
      _sy_tok_piece_alloc (ctx, &q, p.len + 1);
      ((char *) q.s)[0] = ' ';
      memcpy ((char *) q.s + 1, p.s, p.len);
      ((char *) q.s)[p.len + 1] = '\0';
      ((SyTokAlign *) q.al)[0] = p.al[0];
      memcpy ((SyTokAlign *) q.al + 1, p.al, sizeof (SyTokAlign) * p.len);
      p = q;
    }
  if (self->use_regex)
    {
      for (int pos = 0; pos < p.len;)
        {
          int end = gpt2_match (p.s, p.len, pos);
          SyTokPiece word = { p.s + pos, end - pos, p.al + pos, -1 }, mapped;

          byte_level_map (ctx, &word, &mapped);
          g_array_append_val (out, mapped);
          pos = end;
        }
    }
  else if (p.len > 0)
    {
      SyTokPiece mapped;
      byte_level_map (ctx, &p, &mapped);
      g_array_append_val (out, mapped);
    }
}

static void
pre_metaspace (const SyPreTokenizer *self,
               SyTokCtx             *ctx,
               const SyTokPiece     *in,
               GArray               *out)
{
  Builder b;
  SyTokPiece p;
  gboolean prepend;

  builder_init (&b, in->len + 16);
  /* spaces become the replacement; then maybe one in front */
  prepend = self->prepend_scheme == PREPEND_ALWAYS
            || (self->prepend_scheme == PREPEND_FIRST && in->al[0].start == 0);
  if (prepend && !(in->len >= self->ch_len && memcmp (in->s, self->ch_utf8, self->ch_len) == 0)
      && in->s[0] != ' ')
    builder_put (&b, self->ch_utf8, self->ch_len, in->al[0]);
  for (int i = 0; i < in->len; i++)
    {
      if (in->s[i] == ' ')
        builder_put (&b, self->ch_utf8, self->ch_len, in->al[i]);
      else
        builder_put_span (&b, in, i, i + 1);
    }
  builder_finish (&b, ctx, &p);
  if (self->split)
    {
      g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));
      char_matches (&p, pred_equal, self->ch, m);
      split_by_matches (&p, (int *) m->data, m->len / 2, SPLIT_MERGED_WITH_NEXT, FALSE, out);
    }
  else
    emit (&p, 0, p.len, out);
}

/* Runs of word characters and runs of other non-space characters
 * (\w+|[^\w\s]+); white space goes. */
static void
pre_whitespace (const SyTokPiece *p,
                GArray           *out)
{
  int i = 0;

  while (i < p->len)
    {
      int n, start, kind;
      gunichar c = _sy_utf8_decode (p->s + i, &n);

      if (_sy_unichar_is_space (c))
        {
          i += n;
          continue;
        }
      kind = _sy_unichar_is_word (c);
      start = i;
      i += n;
      while (i < p->len)
        {
          gunichar d = _sy_utf8_decode (p->s + i, &n);
          if (_sy_unichar_is_space (d) || _sy_unichar_is_word (d) != kind)
            break;
          i += n;
        }
      emit (p, start, i, out);
    }
}

static void pre_apply_one (const SyPreTokenizer *self, SyTokCtx *ctx, const SyTokPiece *p, GArray *out);

static void
pre_by_pred (const SyTokPiece *p,
             gboolean        (*pred) (gunichar, gunichar),
             gunichar          arg,
             SplitBehavior     behavior,
             GArray           *out)
{
  g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));

  char_matches (p, pred, arg, m);
  split_by_matches (p, (int *) m->data, m->len / 2, behavior, FALSE, out);
}

static void
pre_apply_one (const SyPreTokenizer *self,
               SyTokCtx             *ctx,
               const SyTokPiece     *p,
               GArray               *out)
{
  switch (self->type)
    {
    case PRE_BYTE_LEVEL:
      pre_byte_level (self, ctx, p, out);
      break;
    case PRE_SPLIT:
      {
        g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));
        _sy_tok_pattern_find (&self->pattern, p->s, p->len, m);
        split_by_matches (p, (int *) m->data, m->len / 2, self->behavior, self->invert, out);
      }
      break;
    case PRE_METASPACE:
      pre_metaspace (self, ctx, p, out);
      break;
    case PRE_DIGITS:
      pre_by_pred (p, pred_number, 0, self->individual_digits ? SPLIT_ISOLATED : SPLIT_CONTIGUOUS, out);
      break;
    case PRE_WHITESPACE:
      pre_whitespace (p, out);
      break;
    case PRE_WHITESPACE_SPLIT:
      pre_by_pred (p, pred_space, 0, SPLIT_REMOVED, out);
      break;
    case PRE_PUNCTUATION:
      pre_by_pred (p, pred_punct, 0, self->behavior, out);
      break;
    case PRE_BERT:
      {
        g_autoptr (GArray) words = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
        pre_by_pred (p, pred_space, 0, SPLIT_REMOVED, words);
        for (guint i = 0; i < words->len; i++)
          pre_by_pred (&g_array_index (words, SyTokPiece, i), pred_punct, 0, SPLIT_ISOLATED, out);
      }
      break;
    case PRE_CHAR_DELIMITER:
      pre_by_pred (p, pred_equal, self->ch, SPLIT_REMOVED, out);
      break;
    case PRE_SEQUENCE:
    default:
      g_assert_not_reached ();
    }
}

void
_sy_pre_tokenizer_apply (const SyPreTokenizer *self,
                         SyTokCtx             *ctx,
                         GArray               *in,
                         GArray               *out)
{
  if (self->type == PRE_SEQUENCE)
    {
      g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));
      g_autoptr (GArray) b = g_array_new (FALSE, FALSE, sizeof (SyTokPiece));

      g_array_append_vals (a, in->data, in->len);
      for (guint k = 0; k < self->children->len; k++)
        {
          GArray *t;
          g_array_set_size (b, 0);
          _sy_pre_tokenizer_apply (g_ptr_array_index (self->children, k), ctx, a, b);
          t = a;
          a = b;
          b = t;
        }
      g_array_append_vals (out, a->data, a->len);
      return;
    }
  for (guint i = 0; i < in->len; i++)
    {
      const SyTokPiece *p = &g_array_index (in, SyTokPiece, i);

      if (p->added_id >= 0)
        g_array_append_val (out, *p);
      else if (p->len > 0)
        pre_apply_one (self, ctx, p, out);
    }
}
