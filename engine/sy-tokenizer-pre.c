/* sy-tokenizer-pre.c: the pre-tokenizers of tokenizer.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pre-tokenizer splits normalized text into words (and may change it:
 * ByteLevel maps bytes to its alphabet, Metaspace spaces to its
 * character), keeping each byte's span of the input as sy-tokenizer-text.c
 * does.
 */
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

#define FILE_NAME "tokenizer.json: pre_tokenizer"

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

static const char *const pre_tokenizer_types[] = {
  [PRE_SEQUENCE] = "Sequence",
  [PRE_BYTE_LEVEL] = "ByteLevel",
  [PRE_SPLIT] = "Split",
  [PRE_METASPACE] = "Metaspace",
  [PRE_DIGITS] = "Digits",
  [PRE_WHITESPACE] = "Whitespace",
  [PRE_WHITESPACE_SPLIT] = "WhitespaceSplit",
  [PRE_PUNCTUATION] = "Punctuation",
  [PRE_BERT] = "BertPreTokenizer",
  [PRE_CHAR_DELIMITER] = "CharDelimiterSplit",
};

static const SyTokFamily pre_tokenizer_family = {
  "pre_tokenizer", "pretokenizers", pre_tokenizer_types, G_N_ELEMENTS (pre_tokenizer_types),
  (SyTokParseFunc) _sy_pre_tokenizer_parse, (GDestroyNotify) _sy_pre_tokenizer_free,
};

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
  g_autofree char *s = NULL;

  if (!sy_json_get_string (obj, FILE_NAME, "behavior", NULL, &s, error))
    return FALSE;
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
  SyPreTokenizer *self = g_new0 (SyPreTokenizer, 1);
  int kind = _sy_tok_component_begin (obj, &pre_tokenizer_family, &self->children, error);

  if (kind < 0)
    goto fail;
  self->type = kind;
  switch (self->type)
    {
    case PRE_BYTE_LEVEL:
      if (!sy_json_get_bool (obj, FILE_NAME, "add_prefix_space", TRUE, &self->add_prefix_space, error)
          || !sy_json_get_bool (obj, FILE_NAME, "use_regex", TRUE, &self->use_regex, error))
        goto fail;
      break;
    case PRE_SPLIT:
      {
        json_object *pattern = NULL;

        json_object_object_get_ex (obj, "pattern", &pattern);
        if (!_sy_tok_pattern_parse (&self->pattern, pattern, "pre_tokenizer Split", error))
          goto fail;
        if (!parse_behavior (obj, "pre_tokenizer Split", SPLIT_ISOLATED, &self->behavior, error))
          goto fail;
        if (!sy_json_get_bool (obj, FILE_NAME, "invert", FALSE, &self->invert, error))
          goto fail;
      }
      break;
    case PRE_METASPACE:
      {
        g_autofree char *scheme = NULL;
        gboolean add_prefix_space;

        if (!_sy_tok_json_char (obj, "replacement", "pre_tokenizer Metaspace", &self->ch, error)
            || !sy_json_get_string (obj, FILE_NAME, "prepend_scheme", NULL, &scheme, error)
            || !sy_json_get_bool (obj, FILE_NAME, "add_prefix_space", TRUE, &add_prefix_space, error)
            || !sy_json_get_bool (obj, FILE_NAME, "split", TRUE, &self->split, error))
          goto fail;
        if (scheme == NULL)
          self->prepend_scheme = add_prefix_space ? PREPEND_ALWAYS : PREPEND_NEVER;
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
      }
      break;
    case PRE_DIGITS:
      if (!sy_json_get_bool (obj, FILE_NAME, "individual_digits", FALSE, &self->individual_digits, error))
        goto fail;
      break;
    case PRE_PUNCTUATION:
      if (!parse_behavior (obj, "pre_tokenizer Punctuation", SPLIT_ISOLATED, &self->behavior, error))
        goto fail;
      break;
    case PRE_CHAR_DELIMITER:
      if (!_sy_tok_json_char (obj, "delimiter", "pre_tokenizer CharDelimiterSplit", &self->ch, error))
        goto fail;
      break;
    default:
      break;
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
    case SPLIT_MERGED_WITH_NEXT:
      {
        /* a match joins the piece before (after) it, unless that was a
         * match too; for the next one, walk backwards, as the library
         * does, and reverse what was appended */
        gboolean next = behavior == SPLIT_MERGED_WITH_NEXT;
        int first = out->len;
        int start = -1, end = -1;
        gboolean previous_match = FALSE;

        for (int k = 0; k < n; k++)
          {
            int i = next ? n - 1 - k : k;

            if (segs[i].match && !previous_match && start >= 0)
              {
                if (next)
                  start = segs[i].a;
                else
                  end = segs[i].b;
              }
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
        for (int i = first, j = (int) out->len - 1; next && i < j; i++, j--)
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

          _sy_tok_byte_level_map (ctx, &word, &mapped);
          g_array_append_val (out, mapped);
          pos = end;
        }
    }
  else if (p.len > 0)
    {
      SyTokPiece mapped;
      _sy_tok_byte_level_map (ctx, &p, &mapped);
      g_array_append_val (out, mapped);
    }
}

static void
pre_metaspace (const SyPreTokenizer *self,
               SyTokCtx             *ctx,
               const SyTokPiece     *in,
               GArray               *out)
{
  SyTokBuilder b;
  SyTokPiece p;
  gboolean prepend;

  _sy_tok_builder_init (&b, in->len + 16);
  /* spaces become the replacement; then maybe one in front */
  prepend = self->prepend_scheme == PREPEND_ALWAYS
            || (self->prepend_scheme == PREPEND_FIRST && in->al[0].start == 0);
  if (prepend && !(in->len >= self->ch_len && memcmp (in->s, self->ch_utf8, self->ch_len) == 0)
      && in->s[0] != ' ')
    _sy_tok_builder_put (&b, self->ch_utf8, self->ch_len, in->al[0]);
  for (int i = 0; i < in->len; i++)
    {
      if (in->s[i] == ' ')
        _sy_tok_builder_put (&b, self->ch_utf8, self->ch_len, in->al[i]);
      else
        _sy_tok_builder_put_span (&b, in, i, i + 1);
    }
  _sy_tok_builder_finish (&b, ctx, &p);
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
