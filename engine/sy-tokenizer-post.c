/* sy-tokenizer-post.c: the post-processor and the decoder of a tokenizer.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The post-processor adds the special tokens of its template to an
 * encoding and trims the offsets of byte-level tokens; the decoder turns
 * token strings back into text.  Semantics of the Hugging Face
 * `tokenizers` library, as in sy-tokenizer.c.
 */
#include "sy-tokenizer.h"
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

#define POST_FILE "tokenizer.json: post_processor"
#define DECODER_FILE "tokenizer.json: decoder"

/* ---- post-processors ------------------------------------------------------- */

typedef enum
{
  POST_SEQUENCE,
  POST_BYTE_LEVEL,
  POST_TEMPLATE,
  POST_ROBERTA,
  POST_BERT,
} PostType;

static const char *const post_types[] = {
  [POST_SEQUENCE] = "Sequence",
  [POST_BYTE_LEVEL] = "ByteLevel",
  [POST_TEMPLATE] = "TemplateProcessing",
  [POST_ROBERTA] = "RobertaProcessing",
  [POST_BERT] = "BertProcessing",
};

static const SyTokFamily post_family = {
  "post_processor", "processors", post_types, G_N_ELEMENTS (post_types),
  (SyTokParseFunc) _sy_post_parse, (GDestroyNotify) _sy_post_free,
};

typedef struct
{
  gboolean   is_sequence;
  GArray    *ids;            /* int32_t, special token */
  GPtrArray *tokens;         /* char *, special token */
} TemplateItem;

struct _SyTokPost
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

static const char *const decoder_types[] = {
  [DEC_SEQUENCE] = "Sequence",
  [DEC_BYTE_LEVEL] = "ByteLevel",
  [DEC_METASPACE] = "Metaspace",
  [DEC_REPLACE] = "Replace",
  [DEC_BYTE_FALLBACK] = "ByteFallback",
  [DEC_FUSE] = "Fuse",
  [DEC_STRIP] = "Strip",
  [DEC_BPE] = "BPEDecoder",
};

static const SyTokFamily decoder_family = {
  "decoder", "decoders", decoder_types, G_N_ELEMENTS (decoder_types),
  (SyTokParseFunc) _sy_decoder_parse, (GDestroyNotify) _sy_decoder_free,
};

struct _SyTokDecoder
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

/* ---- post-processors: parse --------------------------------------------------- */

static void
template_item_clear (gpointer data)
{
  TemplateItem *item = data;

  g_clear_pointer (&item->ids, g_array_unref);
  g_clear_pointer (&item->tokens, g_ptr_array_unref);
}

void
_sy_post_free (SyTokPost *self)
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
  json_object *v;

  json_object_object_get_ex (obj, key, &v);
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

/* TemplateProcessing: single[@i], {"Sequence": ...} or {"SpecialToken":
 * {"id": name}} with the name's ids and tokens from @specials */
static gboolean
parse_template_piece (json_object   *piece,
                      json_object   *specials,
                      gsize          i,
                      TemplateItem  *item,
                      GError       **error)
{
  g_autofree char *name = NULL;
  json_object *sp = NULL, *entry = NULL, *ids, *toks;

  if (sy_json_has (piece, "Sequence"))
    {
      item->is_sequence = TRUE;
      return TRUE;
    }
  if (!sy_json_get_object (piece, POST_FILE, "SpecialToken", &sp, error)
      || !sy_json_get_string (sp, POST_FILE, "id", NULL, &name, error))
    return FALSE;
  if (name == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: post_processor TemplateProcessing: single[%zu] is neither "
                   "Sequence nor SpecialToken", i);
      return FALSE;
    }
  if (!sy_json_get_object (specials, POST_FILE, name, &entry, error))
    return FALSE;
  json_object_object_get_ex (entry, "ids", &ids);
  json_object_object_get_ex (entry, "tokens", &toks);
  if (ids == NULL || toks == NULL || !json_object_is_type (ids, json_type_array)
      || !json_object_is_type (toks, json_type_array)
      || json_object_array_length (ids) != json_object_array_length (toks))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: post_processor TemplateProcessing: special token '%s' "
                   "has no matching \"ids\" and \"tokens\"", name);
      return FALSE;
    }
  for (size_t k = 0; k < json_object_array_length (ids); k++)
    if (!json_object_is_type (json_object_array_get_idx (ids, k), json_type_int)
        || !json_object_is_type (json_object_array_get_idx (toks, k), json_type_string))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                     "tokenizer.json: post_processor TemplateProcessing: special token '%s': "
                     "ids[%zu] is not an id or tokens[%zu] not a string", name, k, k);
        return FALSE;
      }
  item->ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  item->tokens = g_ptr_array_new_with_free_func (g_free);
  for (size_t k = 0; k < json_object_array_length (ids); k++)
    {
      int32_t id = json_object_get_int (json_object_array_get_idx (ids, k));
      g_array_append_val (item->ids, id);
      g_ptr_array_add (item->tokens, g_strdup (json_object_get_string (json_object_array_get_idx (toks, k))));
    }
  return TRUE;
}

SyTokPost *
_sy_post_parse (json_object  *obj,
                GError      **error)
{
  SyTokPost *self = g_new0 (SyTokPost, 1);
  int kind = _sy_tok_component_begin (obj, &post_family, &self->children, error);

  if (kind < 0)
    goto fail;
  self->type = kind;
  switch (self->type)
    {
    case POST_BYTE_LEVEL:
      if (!sy_json_get_bool (obj, POST_FILE, "trim_offsets", TRUE, &self->trim_offsets, error)
          || !sy_json_get_bool (obj, POST_FILE, "add_prefix_space", TRUE, &self->add_prefix_space, error))
        goto fail;
      break;
    case POST_TEMPLATE:
      {
        json_object *single, *specials;

        json_object_object_get_ex (obj, "single", &single);
        if (!sy_json_get_object (obj, POST_FILE, "special_tokens", &specials, error))
          goto fail;
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
            TemplateItem item = { 0 };

            if (!parse_template_piece (json_object_array_get_idx (single, i), specials, i, &item, error))
              goto fail;
            g_array_append_val (self->single, item);
          }
      }
      break;
    case POST_ROBERTA:
    case POST_BERT:
      {
        gboolean roberta = self->type == POST_ROBERTA;
        const char *where = post_types[self->type];

        if (!parse_token_pair (obj, "cls", where, &self->cls, &self->cls_id, error)
            || !parse_token_pair (obj, "sep", where, &self->sep, &self->sep_id, error))
          goto fail;
        if (!sy_json_get_bool (obj, POST_FILE, "trim_offsets", TRUE, &self->trim_offsets, error)
            || !sy_json_get_bool (obj, POST_FILE, "add_prefix_space", TRUE, &self->add_prefix_space, error))
          goto fail;
        self->trim_offsets = roberta && self->trim_offsets;
      }
      break;
    default:
      break;
    }
  return self;

fail:
  _sy_post_free (self);
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
      SyTokOut *t = &g_array_index (toks, SyTokOut, i);
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

void
_sy_post_apply (const SyTokPost *self,
                GArray          *toks,
                gboolean         add_special)
{
  switch (self->type)
    {
    case POST_SEQUENCE:
      for (guint i = 0; i < self->children->len; i++)
        _sy_post_apply (g_ptr_array_index (self->children, i), toks, add_special);
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
                    SyTokOut t = { g_array_index (item->ids, int32_t, k), 0, 0, str, strlen (str) };
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
          SyTokOut cls = { self->cls_id, 0, 0, self->cls, strlen (self->cls) };
          SyTokOut sep = { self->sep_id, 0, 0, self->sep, strlen (self->sep) };
          g_array_prepend_val (toks, cls);
          g_array_append_val (toks, sep);
        }
      break;
    default:
      break;
    }
}

int32_t
_sy_post_leading_special (const SyTokPost *self)
{
  const TemplateItem *item;

  if (self->type != POST_TEMPLATE || self->single->len == 0)
    return -1;
  item = &g_array_index (self->single, TemplateItem, 0);
  if (item->is_sequence || item->ids->len == 0)
    return -1;
  return g_array_index (item->ids, int32_t, 0);
}

/* ---- decoders: parse ---------------------------------------------------------- */

void
_sy_decoder_free (SyTokDecoder *self)
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
decoder_char (json_object   *obj,
              const char    *key,
              const char    *where,
              SyTokDecoder  *self,
              GError       **error)
{
  if (!_sy_tok_json_char (obj, key, where, &self->ch, error))
    return FALSE;
  self->ch_len = g_unichar_to_utf8 (self->ch, self->ch_utf8);
  return TRUE;
}

SyTokDecoder *
_sy_decoder_parse (json_object  *obj,
                   GError      **error)
{
  SyTokDecoder *self = g_new0 (SyTokDecoder, 1);
  int kind = _sy_tok_component_begin (obj, &decoder_family, &self->children, error);

  if (kind < 0)
    goto fail;
  self->type = kind;
  switch (self->type)
    {
    case DEC_METASPACE:
      {
        g_autofree char *scheme = NULL;

        if (!sy_json_get_string (obj, DECODER_FILE, "prepend_scheme", NULL, &scheme, error)
            || !decoder_char (obj, "replacement", "decoder Metaspace", self, error))
          goto fail;
        if (scheme != NULL)
          self->prepend = strcmp (scheme, "never") != 0;
        else if (!sy_json_get_bool (obj, DECODER_FILE, "add_prefix_space", TRUE, &self->prepend, error))
          goto fail;
      }
      break;
    case DEC_REPLACE:
      {
        json_object *pattern;

        if (!_sy_tok_json_string (obj, "content", "decoder Replace", &self->content, error))
          goto fail;
        json_object_object_get_ex (obj, "pattern", &pattern);
        if (!_sy_tok_pattern_parse (&self->pattern, pattern, "decoder Replace", error))
          goto fail;
      }
      break;
    case DEC_STRIP:
      {
        json_object *v;

        if (!decoder_char (obj, "content", "decoder Strip", self, error))
          goto fail;
        json_object_object_get_ex (obj, "start", &v);
        self->start = v ? MAX (json_object_get_int (v), 0) : 0;
        json_object_object_get_ex (obj, "stop", &v);
        self->stop = v ? MAX (json_object_get_int (v), 0) : 0;
      }
      break;
    case DEC_BPE:
      if (!sy_json_get_string (obj, DECODER_FILE, "suffix", "</w>", &self->suffix, error))
        goto fail;
      break;
    default:
      break;
    }
  return self;

fail:
  _sy_decoder_free (self);
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
      i += _sy_append_utf8_valid (out, bytes + i, len - i);
      if (i == len)
        return;
      g_string_append_printf (out, "<0x%02X>", (guchar) bytes[i]);
      i++;
    }
}

gboolean
_sy_parse_byte_token (const char *t,
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

/* ByteLevel: the byte-level characters of all tokens back to bytes, as
 * one string (a token with other characters stays as it is) */
static void
decode_byte_level (GPtrArray *in,
                   gboolean   piece,
                   GPtrArray *out)
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

/* Metaspace: the replacement character back to a space (dropped at the
 * start of the text when the pre-tokenizer prepended it) */
static void
decode_metaspace (const SyTokDecoder *self,
                  GPtrArray          *in,
                  gboolean            piece,
                  GPtrArray          *out)
{
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
}

static void
decode_replace (const SyTokDecoder *self,
                GPtrArray          *in,
                GPtrArray          *out)
{
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
}

/* ByteFallback: runs of <0xNN> tokens back to their bytes */
static void
decode_byte_fallback (GPtrArray *in,
                      gboolean   piece,
                      GPtrArray *out)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  for (guint i = 0; i < in->len; i++)
    {
      const char *tok = g_ptr_array_index (in, i);
      guchar b;

      if (_sy_parse_byte_token (tok, &b))
        g_byte_array_append (bytes, &b, 1);
      else
        {
          flush_bytes (out, bytes, piece);
          g_ptr_array_add (out, g_strdup (tok));
        }
    }
  flush_bytes (out, bytes, piece);
}

/* Strip: up to start / stop copies of the character off each end */
static void
decode_strip (const SyTokDecoder *self,
              GPtrArray          *in,
              gboolean            piece,
              GPtrArray          *out)
{
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
}

GPtrArray *
_sy_decoder_chain (const SyTokDecoder *self,
                   GPtrArray          *in,
                   gboolean            piece)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  switch (self->type)
    {
    case DEC_SEQUENCE:
      {
        GPtrArray *cur = g_ptr_array_ref (in);
        for (guint i = 0; i < self->children->len; i++)
          {
            GPtrArray *next = _sy_decoder_chain (g_ptr_array_index (self->children, i), cur, piece);
            g_ptr_array_unref (cur);
            cur = next;
          }
        g_ptr_array_unref (out);
        return cur;
      }
    case DEC_BYTE_LEVEL:
      decode_byte_level (in, piece, out);
      break;
    case DEC_METASPACE:
      decode_metaspace (self, in, piece, out);
      break;
    case DEC_REPLACE:
      decode_replace (self, in, out);
      break;
    case DEC_BYTE_FALLBACK:
      decode_byte_fallback (in, piece, out);
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
      decode_strip (self, in, piece, out);
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
