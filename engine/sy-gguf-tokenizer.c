/* sy-gguf-tokenizer.c: the tokenizer of a GGUF file's metadata
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tokenizer.ggml.* (vocabulary, merges or scores, token types, special
 * ids, the pre-tokenizer name) described as the tokenizer.json that gives
 * the same tokenizer, so that one tokenizer implementation serves both.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-gguf-private.h"

static json_object *
byte_level (gboolean use_regex,
            gboolean trim_offsets)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "type", json_object_new_string ("ByteLevel"));
  json_object_object_add (o, "add_prefix_space", json_object_new_boolean (FALSE));
  json_object_object_add (o, "trim_offsets", json_object_new_boolean (trim_offsets));
  json_object_object_add (o, "use_regex", json_object_new_boolean (use_regex));
  return o;
}

typedef struct
{
  float score;       /* of the merged piece */
  int   left, right; /* ids */
} SpmMerge;

static int
spm_merge_cmp (gconstpointer a,
               gconstpointer b)
{
  const SpmMerge *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->left != y->left)
    return x->left < y->left ? -1 : 1;
  return (x->right > y->right) - (x->right < y->right);
}

static json_object *
json_string_pattern (const char *s)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "String", json_object_new_string (s));
  return o;
}

/* A SentencePiece BPE vocabulary (tokenizer.ggml.model "llama") as the
 * tokenizer.json that describes the same tokenizer: BPE with byte
 * fallback over "▁"-for-space text (prepended once), no pre-tokenizer.
 * The merges are the file's tokenizer.ggml.merges when it has them (our
 * writer stores them); otherwise they follow from the scores, as for a
 * SentencePiece model: every split of a normal token into two tokens is
 * a merge, ranked by the merged token's score (highest first), then by
 * the ids of the pair. */
static json_object *
spm_tokenizer_json (SyGguf  *self,
                    GError **error)
{
  g_auto (GStrv) tokens = sy_gguf_get_string_array (self, "tokenizer.ggml.tokens");
  g_auto (GStrv) merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  g_autofree int32_t *types = NULL;
  g_autofree float *scores = NULL;
  guint64 n_types = 0, n_scores = 0;
  gboolean add_bos = TRUE;
  gint64 bos = -1;
  const char *unk = NULL;
  json_object *root, *bpe, *vocab, *jmerges, *added, *norm, *norms, *o, *dec, *decs;
  guint n;

  if (tokens == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a llama (SentencePiece) tokenizer needs the string array tokenizer.ggml.tokens",
                   sy_gguf_get_path (self));
      return NULL;
    }
  n = g_strv_length (tokens);
  types = sy_gguf_get_int_array (self, "tokenizer.ggml.token_type", &n_types);
  scores = sy_gguf_get_float_array (self, "tokenizer.ggml.scores", &n_scores);
  if ((types && n_types != n) || (scores && n_scores != n))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.token_type or .scores does not have one entry for each of "
                   "the %u tokens", sy_gguf_get_path (self), n);
      return NULL;
    }
  if (merges == NULL && scores == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a llama (SentencePiece) tokenizer needs tokenizer.ggml.scores "
                   "(or tokenizer.ggml.merges)", sy_gguf_get_path (self));
      return NULL;
    }
  sy_gguf_get_bool (self, "tokenizer.ggml.add_bos_token", &add_bos);
  if (sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &bos) && (bos < 0 || bos >= n))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.bos_token_id %" G_GINT64_FORMAT " is not one of the %u tokens",
                   sy_gguf_get_path (self), bos, n);
      return NULL;
    }

  root = json_object_new_object ();
  bpe = json_object_new_object ();
  vocab = json_object_new_object ();
  jmerges = json_object_new_array ();
  added = json_object_new_array ();
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      if (type == 2 && unk == NULL)
        unk = tokens[i];
      if (type == 3 || type == 4)
        {
          json_object *a = json_object_new_object ();

          json_object_object_add (a, "id", json_object_new_int (i));
          json_object_object_add (a, "content", json_object_new_string (tokens[i]));
          json_object_object_add (a, "single_word", json_object_new_boolean (FALSE));
          json_object_object_add (a, "lstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "rstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "normalized", json_object_new_boolean (type == 4));
          json_object_object_add (a, "special", json_object_new_boolean (type == 3));
          json_object_array_add (added, a);
        }
      if (!json_object_object_get_ex (vocab, tokens[i], NULL))
        json_object_object_add (vocab, tokens[i], json_object_new_int (i));
    }
  if (merges)
    for (guint i = 0; merges[i]; i++)
      {
        const char *sp = strchr (merges[i], ' ');
        json_object *pair;

        if (sp == NULL || sp == merges[i] || sp[1] == '\0')
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tokenizer merge %u ('%s') is not two tokens", sy_gguf_get_path (self), i, merges[i]);
            json_object_put (jmerges);
            json_object_put (vocab);
            json_object_put (bpe);
            json_object_put (added);
            json_object_put (root);
            return NULL;
          }
        pair = json_object_new_array ();
        json_object_array_add (pair, json_object_new_string_len (merges[i], (int) (sp - merges[i])));
        json_object_array_add (pair, json_object_new_string (sp + 1));
        json_object_array_add (jmerges, pair);
      }
  else
    {
      g_autoptr (GArray) cand = g_array_new (FALSE, FALSE, sizeof (SpmMerge));
      g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < n; i++)
        if (!g_hash_table_contains (ids, tokens[i]))
          g_hash_table_insert (ids, tokens[i], GUINT_TO_POINTER (i + 1));
      for (guint i = 0; i < n; i++)
        {
          const char *t = tokens[i];
          gsize len = strlen (t);

          if (types && types[i] != 1)
            continue;
          for (const char *c = g_utf8_next_char (t); c < t + len; c = g_utf8_next_char (c))
            {
              g_autofree char *left = g_strndup (t, c - t);
              guint l = GPOINTER_TO_UINT (g_hash_table_lookup (ids, left));
              guint r = GPOINTER_TO_UINT (g_hash_table_lookup (ids, c));

              if (l && r)
                {
                  SpmMerge m = { scores[i], (int) l - 1, (int) r - 1 };

                  g_array_append_val (cand, m);
                }
            }
        }
      g_array_sort (cand, spm_merge_cmp);
      for (guint k = 0; k < cand->len; k++)
        {
          const SpmMerge *m = &g_array_index (cand, SpmMerge, k);
          json_object *pair = json_object_new_array ();

          json_object_array_add (pair, json_object_new_string (tokens[m->left]));
          json_object_array_add (pair, json_object_new_string (tokens[m->right]));
          json_object_array_add (jmerges, pair);
        }
    }
  json_object_object_add (bpe, "type", json_object_new_string ("BPE"));
  json_object_object_add (bpe, "unk_token", unk ? json_object_new_string (unk) : NULL);
  json_object_object_add (bpe, "fuse_unk", json_object_new_boolean (TRUE));
  json_object_object_add (bpe, "byte_fallback", json_object_new_boolean (TRUE));
  json_object_object_add (bpe, "vocab", vocab);
  json_object_object_add (bpe, "merges", jmerges);
  json_object_object_add (root, "model", bpe);
  json_object_object_add (root, "added_tokens", added);

  /* normalizer: "▁" prepended, spaces as "▁" */
  norms = json_object_new_array ();
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Prepend"));
  json_object_object_add (o, "prepend", json_object_new_string ("\u2581"));
  json_object_array_add (norms, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Replace"));
  json_object_object_add (o, "pattern", json_string_pattern (" "));
  json_object_object_add (o, "content", json_object_new_string ("\u2581"));
  json_object_array_add (norms, o);
  norm = json_object_new_object ();
  json_object_object_add (norm, "type", json_object_new_string ("Sequence"));
  json_object_object_add (norm, "normalizers", norms);
  json_object_object_add (root, "normalizer", norm);
  json_object_object_add (root, "pre_tokenizer", NULL);

  /* BOS in front when the file says so */
  if (add_bos && bos >= 0)
    {
      json_object *single = json_object_new_array (), *st, *seq, *special, *entry, *idl, *tl;

      st = json_object_new_object ();
      o = json_object_new_object ();
      json_object_object_add (o, "id", json_object_new_string (tokens[bos]));
      json_object_object_add (o, "type_id", json_object_new_int (0));
      json_object_object_add (st, "SpecialToken", o);
      json_object_array_add (single, st);
      seq = json_object_new_object ();
      o = json_object_new_object ();
      json_object_object_add (o, "id", json_object_new_string ("A"));
      json_object_object_add (o, "type_id", json_object_new_int (0));
      json_object_object_add (seq, "Sequence", o);
      json_object_array_add (single, seq);
      special = json_object_new_object ();
      entry = json_object_new_object ();
      idl = json_object_new_array ();
      tl = json_object_new_array ();
      json_object_array_add (idl, json_object_new_int ((int) bos));
      json_object_array_add (tl, json_object_new_string (tokens[bos]));
      json_object_object_add (entry, "id", json_object_new_string (tokens[bos]));
      json_object_object_add (entry, "ids", idl);
      json_object_object_add (entry, "tokens", tl);
      json_object_object_add (special, tokens[bos], entry);
      o = json_object_new_object ();
      json_object_object_add (o, "type", json_object_new_string ("TemplateProcessing"));
      json_object_object_add (o, "single", single);
      json_object_object_add (o, "special_tokens", special);
      json_object_object_add (root, "post_processor", o);
    }
  else
    json_object_object_add (root, "post_processor", NULL);

  /* decoder: "▁" back to spaces, <0xXX> pieces to bytes, the first space off */
  decs = json_object_new_array ();
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Replace"));
  json_object_object_add (o, "pattern", json_string_pattern ("\u2581"));
  json_object_object_add (o, "content", json_object_new_string (" "));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("ByteFallback"));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Fuse"));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Strip"));
  json_object_object_add (o, "content", json_object_new_string (" "));
  json_object_object_add (o, "start", json_object_new_int (1));
  json_object_object_add (o, "stop", json_object_new_int (0));
  json_object_array_add (decs, o);
  dec = json_object_new_object ();
  json_object_object_add (dec, "type", json_object_new_string ("Sequence"));
  json_object_object_add (dec, "decoders", decs);
  json_object_object_add (root, "decoder", dec);
  return root;
}

json_object *
sy_gguf_tokenizer_json (SyGguf  *self,
                        GError **error)
{
  const char *model = sy_gguf_get_string (self, "tokenizer.ggml.model");
  const char *pre = sy_gguf_get_string (self, "tokenizer.ggml.pre");
  const char *regex = NULL;
  g_auto (GStrv) tokens = NULL;
  g_auto (GStrv) merges = NULL;
  g_autofree int32_t *types = NULL;
  guint64 n_types = 0;
  json_object *root, *bpe, *vocab, *jmerges, *added, *pre_tok;
  guint n;

  if (model == NULL)
    return NULL;
  if (strcmp (model, "llama") == 0)
    return spm_tokenizer_json (self, error);
  if (strcmp (model, "gpt2") != 0)
    {
      g_warning ("%s: tokenizer kind '%s' (tokenizer.ggml.model) is not supported "
                 "(supported: gpt2, llama); the model loads without a tokenizer", sy_gguf_get_path (self), model);
      return NULL;
    }
  if (pre == NULL || strcmp (pre, "gpt-2") == 0 || strcmp (pre, "olmo") == 0
      || strcmp (pre, "default") == 0)
    regex = NULL;
  else if (strcmp (pre, "llama-bpe") == 0 || strcmp (pre, "llama3") == 0)
    regex = SY_GGUF_REGEX_LLAMA3;
  else if (strcmp (pre, "qwen2") == 0)
    regex = SY_GGUF_REGEX_QWEN2;
  else
    {
      g_warning ("%s: tokenizer kind gpt2 with pre-tokenizer '%s' (tokenizer.ggml.pre) is not "
                 "supported; the model loads without a tokenizer", sy_gguf_get_path (self), pre);
      return NULL;
    }
  tokens = sy_gguf_get_string_array (self, "tokenizer.ggml.tokens");
  merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  if (tokens == NULL || merges == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a gpt2 tokenizer needs string arrays tokenizer.ggml.tokens and .merges",
                   sy_gguf_get_path (self));
      return NULL;
    }
  n = g_strv_length (tokens);
  types = sy_gguf_get_int_array (self, "tokenizer.ggml.token_type", &n_types);
  if (types && n_types != n)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.token_type has %" G_GUINT64_FORMAT " entries for %u tokens",
                   sy_gguf_get_path (self), n_types, n);
      return NULL;
    }

  root = json_object_new_object ();
  bpe = json_object_new_object ();
  vocab = json_object_new_object ();
  jmerges = json_object_new_array ();
  added = json_object_new_array ();
  json_object_object_add (bpe, "type", json_object_new_string ("BPE"));
  json_object_object_add (bpe, "byte_fallback", json_object_new_boolean (FALSE));
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      /* 3 control, 4 user-defined: matched whole before the model runs */
      if (type == 3 || type == 4)
        {
          json_object *a = json_object_new_object ();

          json_object_object_add (a, "id", json_object_new_int (i));
          json_object_object_add (a, "content", json_object_new_string (tokens[i]));
          json_object_object_add (a, "single_word", json_object_new_boolean (FALSE));
          json_object_object_add (a, "lstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "rstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "normalized", json_object_new_boolean (type == 4));
          json_object_object_add (a, "special", json_object_new_boolean (type == 3));
          json_object_array_add (added, a);
        }
      if (!json_object_object_get_ex (vocab, tokens[i], NULL))
        json_object_object_add (vocab, tokens[i], json_object_new_int (i));
    }
  for (guint i = 0; merges[i]; i++)
    {
      /* "a b": the pair, split at the first space */
      const char *sp = strchr (merges[i], ' ');
      json_object *pair = json_object_new_array ();

      if (sp == NULL || sp == merges[i] || sp[1] == '\0')
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tokenizer merge %u ('%s') is not two tokens", sy_gguf_get_path (self), i, merges[i]);
          json_object_put (pair);
          json_object_put (jmerges);
          json_object_put (vocab);
          json_object_put (bpe);
          json_object_put (added);
          json_object_put (root);
          return NULL;
        }
      json_object_array_add (pair, json_object_new_string_len (merges[i], (int) (sp - merges[i])));
      json_object_array_add (pair, json_object_new_string (sp + 1));
      json_object_array_add (jmerges, pair);
    }
  json_object_object_add (bpe, "vocab", vocab);
  json_object_object_add (bpe, "merges", jmerges);
  json_object_object_add (root, "model", bpe);
  json_object_object_add (root, "added_tokens", added);
  if (regex)
    {
      json_object *seq = json_object_new_array (), *split = json_object_new_object ();
      json_object *pat = json_object_new_object ();

      json_object_object_add (pat, "Regex", json_object_new_string (regex));
      json_object_object_add (split, "type", json_object_new_string ("Split"));
      json_object_object_add (split, "pattern", pat);
      json_object_object_add (split, "behavior", json_object_new_string ("Isolated"));
      json_object_object_add (split, "invert", json_object_new_boolean (FALSE));
      json_object_array_add (seq, split);
      json_object_array_add (seq, byte_level (FALSE, TRUE));
      pre_tok = json_object_new_object ();
      json_object_object_add (pre_tok, "type", json_object_new_string ("Sequence"));
      json_object_object_add (pre_tok, "pretokenizers", seq);
    }
  else
    pre_tok = byte_level (TRUE, TRUE);
  json_object_object_add (root, "pre_tokenizer", pre_tok);
  json_object_object_add (root, "post_processor", byte_level (TRUE, FALSE));
  json_object_object_add (root, "decoder", byte_level (TRUE, TRUE));
  return root;
}

/* ------------------------------------------------------------ writing */

/* The writer's twin of the above: a tokenizer.json becomes tokenizer.ggml.*
 * (sy_gguf_convert) */

#include "sy-gguf-writer.h"

/* tokenizer.json (BPE) → tokenizer.ggml.*: the vocabulary by id, merges,
 * token types (control for special added tokens). */
gboolean
_sy_gguf_writer_add_tokenizer (SyGgufWriter    *w,
                               const char      *hf_dir,
                               const SyConfig  *c,
                               GError         **error)
{
  g_autofree char *file = g_build_filename (hf_dir, "tokenizer.json", NULL);
  json_object *root, *model = NULL, *vocab = NULL, *merges = NULL, *added = NULL, *v;
  const char *kind = "gpt2", *pre = NULL;
  gboolean add_bos = FALSE;
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) merge_strs = g_ptr_array_new_with_free_func (g_free);
  g_autofree int32_t *types = NULL;
  int n = c->vocab_size;

  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    return TRUE;
  root = json_object_from_file (file);
  if (root == NULL || !json_object_object_get_ex (root, "model", &model)
      || !json_object_object_get_ex (model, "vocab", &vocab)
      || json_object_get_type (vocab) != json_type_object)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: not a BPE tokenizer.json with a vocab", file);
      json_object_put (root);
      return FALSE;
    }
  /* which pre-tokenizer: GGUF names it (tokenizer.ggml.pre) */
  if (json_object_object_get_ex (model, "byte_fallback", &v) && json_object_get_boolean (v))
    {
      json_object *pp = NULL, *single = NULL;

      kind = "llama";   /* SentencePiece-style BPE: not a gpt2 vocabulary */
      /* BOS added when the post-processor's single template starts with it */
      if (json_object_object_get_ex (root, "post_processor", &pp) && pp
          && json_object_object_get_ex (pp, "single", &single)
          && json_object_get_type (single) == json_type_array && json_object_array_length (single) > 0
          && json_object_object_get_ex (json_object_array_get_idx (single, 0), "SpecialToken", NULL))
        add_bos = TRUE;
    }
  else if (json_object_object_get_ex (root, "pre_tokenizer", &v) && v)
    {
      json_object *type = NULL, *list = NULL;
      const char *regex = NULL;

      if (json_object_object_get_ex (v, "pretokenizers", &list)
          && json_object_get_type (list) == json_type_array)
        for (size_t i = 0; i < json_object_array_length (list); i++)
          {
            json_object *pt = json_object_array_get_idx (list, i), *pat = NULL, *re = NULL;

            if (json_object_object_get_ex (pt, "pattern", &pat) && pat
                && json_object_object_get_ex (pat, "Regex", &re) && re)
              regex = json_object_get_string (re);
          }
      if (g_strcmp0 (regex, SY_GGUF_REGEX_LLAMA3) == 0)
        pre = "llama-bpe";
      else if (g_strcmp0 (regex, SY_GGUF_REGEX_QWEN2) == 0)
        pre = "qwen2";
      else if (regex == NULL && json_object_object_get_ex (v, "type", &type)
               && g_strcmp0 (json_object_get_string (type), "ByteLevel") == 0)
        pre = "gpt-2";
      else
        pre = "unknown";   /* readers must not guess GPT-2's regex */
    }
  g_ptr_array_set_size (tokens, n);
  types = g_new (int32_t, n);
  for (int i = 0; i < n; i++)
    types[i] = 1;   /* normal */
  {
    json_object_object_foreach (vocab, tok, idv)
      {
        int id = json_object_get_int (idv);

        if (id >= 0 && id < n && tokens->pdata[id] == NULL)
          tokens->pdata[id] = g_strdup (tok);
      }
  }
  if (json_object_object_get_ex (root, "added_tokens", &added)
      && json_object_get_type (added) == json_type_array)
    for (size_t i = 0; i < json_object_array_length (added); i++)
      {
        json_object *a = json_object_array_get_idx (added, i);
        int id = json_object_object_get_ex (a, "id", &v) ? json_object_get_int (v) : -1;

        if (id < 0 || id >= n)
          continue;
        if (json_object_object_get_ex (a, "content", &v))
          {
            g_free (tokens->pdata[id]);
            tokens->pdata[id] = g_strdup (json_object_get_string (v));
          }
        if (json_object_object_get_ex (a, "special", &v) && json_object_get_boolean (v))
          types[id] = 3;   /* control */
      }
  for (int i = 0; i < n; i++)
    if (tokens->pdata[i] == NULL)
      {
        tokens->pdata[i] = g_strdup_printf ("[PAD%d]", i);
        types[i] = 5;      /* unused */
      }
  if (json_object_object_get_ex (model, "merges", &merges)
      && json_object_get_type (merges) == json_type_array)
    for (size_t i = 0; i < json_object_array_length (merges); i++)
      {
        json_object *m = json_object_array_get_idx (merges, i);

        if (json_object_get_type (m) == json_type_array && json_object_array_length (m) == 2)
          g_ptr_array_add (merge_strs, g_strdup_printf ("%s %s",
                                                        json_object_get_string (json_object_array_get_idx (m, 0)),
                                                        json_object_get_string (json_object_array_get_idx (m, 1))));
        else
          g_ptr_array_add (merge_strs, g_strdup (json_object_get_string (m)));
      }
  json_object_put (root);

  if (strcmp (kind, "llama") == 0)
    {
      /* SentencePiece scores: a token made by merge r scores -r, so that
       * ranking the merges by score keeps their order; others score 0
       * (readers that have the merges use them) */
      g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree float *scores = g_new0 (float, n);
      g_autofree gboolean *made = g_new0 (gboolean, n);

      for (int i = 0; i < n; i++)
        if (!g_hash_table_contains (ids, tokens->pdata[i]))
          g_hash_table_insert (ids, tokens->pdata[i], GINT_TO_POINTER (i + 1));
      for (guint r = 0; r < merge_strs->len; r++)
        {
          g_autofree char *joined = g_strdup (merge_strs->pdata[r]);
          char *sp = strchr (joined, ' ');
          int id;

          if (sp == NULL)
            continue;
          memmove (sp, sp + 1, strlen (sp + 1) + 1);
          id = GPOINTER_TO_INT (g_hash_table_lookup (ids, joined)) - 1;
          if (id >= 0 && !made[id])
            {
              made[id] = TRUE;
              scores[id] = -(float) r;
            }
        }
      sy_gguf_writer_add_f32_array (w, "tokenizer.ggml.scores", scores, n);
      sy_gguf_writer_add_bool (w, "tokenizer.ggml.add_bos_token", add_bos);
    }
  sy_gguf_writer_add_string (w, "tokenizer.ggml.model", kind);
  if (pre)
    sy_gguf_writer_add_string (w, "tokenizer.ggml.pre", pre);
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.tokens",
                                   (const char * const *) tokens->pdata, tokens->len);
  sy_gguf_writer_add_i32_array (w, "tokenizer.ggml.token_type", types, n);
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.merges",
                                   (const char * const *) merge_strs->pdata, merge_strs->len);
  if (c->bos_token_id >= 0)
    sy_gguf_writer_add_u32 (w, "tokenizer.ggml.bos_token_id", c->bos_token_id);
  if (c->eos_token_id >= 0)
    sy_gguf_writer_add_u32 (w, "tokenizer.ggml.eos_token_id", c->eos_token_id);
  return TRUE;
}
