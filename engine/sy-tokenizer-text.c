/* sy-tokenizer-text.c: the normalizers of tokenizer.json (the
 * pre-tokenizers are in sy-tokenizer-pre.c)
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
#include "sy-json.h"

#define FILE_NAME "tokenizer.json: normalizer"

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

static const char *const normalizer_types[] = {
  [NORM_SEQUENCE] = "Sequence",
  [NORM_PREPEND] = "Prepend",
  [NORM_REPLACE] = "Replace",
  [NORM_NFC] = "NFC",
  [NORM_NFD] = "NFD",
  [NORM_NFKC] = "NFKC",
  [NORM_NFKD] = "NFKD",
  [NORM_LOWERCASE] = "Lowercase",
  [NORM_STRIP] = "Strip",
  [NORM_STRIP_ACCENTS] = "StripAccents",
  [NORM_BYTE_LEVEL] = "ByteLevel",
};

static const SyTokFamily normalizer_family = {
  "normalizer", "normalizers", normalizer_types, G_N_ELEMENTS (normalizer_types),
  (SyTokParseFunc) _sy_normalizer_parse, (GDestroyNotify) _sy_normalizer_free,
};

/* The GLib mode of each Unicode normalizer */
static const GNormalizeMode unicode_modes[] = {
  [NORM_NFC] = G_NORMALIZE_NFC,
  [NORM_NFD] = G_NORMALIZE_NFD,
  [NORM_NFKC] = G_NORMALIZE_NFKC,
  [NORM_NFKD] = G_NORMALIZE_NFKD,
};

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
SyNormalizer *
_sy_normalizer_parse (json_object  *obj,
                      GError      **error)
{
  SyNormalizer *self = g_new0 (SyNormalizer, 1);
  int kind = _sy_tok_component_begin (obj, &normalizer_family, &self->children, error);

  if (kind < 0)
    goto fail;
  self->type = kind;
  switch (self->type)
    {
    case NORM_PREPEND:
      if (!_sy_tok_json_string (obj, "prepend", "normalizer Prepend", &self->text, error))
        goto fail;
      self->text_len = strlen (self->text);
      break;
    case NORM_REPLACE:
      {
        json_object *pattern = NULL;

        json_object_object_get_ex (obj, "pattern", &pattern);
        if (!_sy_tok_json_string (obj, "content", "normalizer Replace", &self->text, error))
          goto fail;
        if (!_sy_tok_pattern_parse (&self->pattern, pattern, "normalizer Replace", error))
          goto fail;
        self->text_len = strlen (self->text);
      }
      break;
    case NORM_STRIP:
      if (!sy_json_get_bool (obj, FILE_NAME, "strip_left", TRUE, &self->left, error)
          || !sy_json_get_bool (obj, FILE_NAME, "strip_right", TRUE, &self->right, error))
        goto fail;
      break;
    default:
      break;
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
  SyTokBuilder b;

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

  _sy_tok_builder_init (&b, in->len + 16);
  for (int i = 0; i < n; i++)
    {
      char buf[8];
      int k = g_unichar_to_utf8 (q[i].c, buf);
      _sy_tok_builder_put (&b, buf, k, in->al[q[i].origin]);
    }

  expected = g_utf8_normalize (in->s, in->len, mode);
  if (expected != NULL && (strlen (expected) != (gsize) b.len || memcmp (expected, b.s, b.len) != 0))
    {
      b.len = 0;
      _sy_tok_builder_put (&b, expected, strlen (expected), _sy_tok_span_union (in, 0, in->len));
    }
  _sy_tok_builder_finish (&b, ctx, out);
}

static void
norm_replace (const SyNormalizer *self,
              SyTokCtx           *ctx,
              const SyTokPiece   *in,
              SyTokPiece         *out)
{
  g_autoptr (GArray) m = g_array_new (FALSE, FALSE, sizeof (int));
  SyTokBuilder b;
  int prev = 0;

  _sy_tok_pattern_find (&self->pattern, in->s, in->len, m);
  if (m->len == 0)
    {
      *out = *in;
      return;
    }
  _sy_tok_builder_init (&b, in->len + 16);
  for (guint i = 0; i < m->len; i += 2)
    {
      int a = g_array_index (m, int, i), e = g_array_index (m, int, i + 1);

      _sy_tok_builder_put_span (&b, in, prev, a);
      /* the replacement stands where the match ended (as the library aligns it) */
      _sy_tok_builder_put (&b, self->text, self->text_len, in->al[e - 1]);
      prev = e;
    }
  _sy_tok_builder_put_span (&b, in, prev, in->len);
  _sy_tok_builder_finish (&b, ctx, out);
}

/* What a per-character normalizer writes for @c: its bytes into @buf
 * (returns their count, at most 8), or -1 to keep @c as it is */
typedef int (*CharMapFunc) (gunichar  c,
                            char     *buf);

/* @in with each character replaced as @f says; written text takes the
 * span of the character it replaces */
static void
map_chars (SyTokCtx         *ctx,
           const SyTokPiece *in,
           CharMapFunc       f,
           SyTokPiece       *out)
{
  SyTokBuilder b;

  _sy_tok_builder_init (&b, in->len + 16);
  for (int i = 0; i < in->len;)
    {
      int n;
      gunichar c = _sy_utf8_decode (in->s + i, &n);
      char buf[8];
      int k = f (c, buf);

      if (k < 0)
        _sy_tok_builder_put_span (&b, in, i, i + n);
      else
        _sy_tok_builder_put (&b, buf, k, in->al[i]);
      i += n;
    }
  _sy_tok_builder_finish (&b, ctx, out);
}

/* Lowercase */
static int
lowercase_char (gunichar  c,
                char     *buf)
{
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
  return k;
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

/* StripAccents: combining marks dropped */
static int
strip_accent_char (gunichar  c,
                   char     *buf)
{
  return c < 0x80 || !_sy_unichar_is_mark (c) ? -1 : 0;
}

void
_sy_tok_byte_level_map (SyTokCtx         *ctx,
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
          SyTokBuilder b;
          _sy_tok_builder_init (&b, in->len + self->text_len);
          _sy_tok_builder_put (&b, self->text, self->text_len, in->al[0]);
          _sy_tok_builder_put_span (&b, in, 0, in->len);
          _sy_tok_builder_finish (&b, ctx, out);
        }
      break;
    case NORM_REPLACE:
      norm_replace (self, ctx, in, out);
      break;
    case NORM_NFC:
    case NORM_NFD:
    case NORM_NFKC:
    case NORM_NFKD:
      norm_unicode (unicode_modes[self->type], ctx, in, out);
      break;
    case NORM_LOWERCASE:
      map_chars (ctx, in, lowercase_char, out);
      break;
    case NORM_STRIP:
      norm_strip (self, in, out);
      break;
    case NORM_STRIP_ACCENTS:
      map_chars (ctx, in, strip_accent_char, out);
      break;
    case NORM_BYTE_LEVEL:
      _sy_tok_byte_level_map (ctx, in, out);
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
