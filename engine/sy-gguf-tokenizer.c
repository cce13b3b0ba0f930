/* sy-gguf-tokenizer.c: the tokenizer of a GGUF file's metadata
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tokenizer.ggml.* (vocabulary, merges or scores, token types, special
 * ids, the pre-tokenizer name) described as the tokenizer.json that gives
 * the same tokenizer, so that one tokenizer implementation serves both.
 * "Same" means: as llama.cpp tokenizes the file, which is what the file's
 * users get.
 *
 * - gpt2 (BPE): the pre-tokenizer regexes llama.cpp gives the
 *   tokenizer.ggml.pre name, each splitting the pieces of the previous one
 *   (matches and the text between them), then GPT-2's byte-to-character
 *   map and the merges; llama.cpp's defaults for adding BOS and for
 *   ignore_merges per name.
 * - llama (SentencePiece): llama.cpp's SPM algorithm: the text, with a
 *   space in front (tokenizer.ggml.add_space_prefix, default on) and
 *   spaces as "▁", starts as one symbol per character; the neighbouring
 *   pair whose concatenation is a token of the highest score merges,
 *   leftmost first among equal scores, until none does; characters that
 *   are no token become their <0xNN> bytes.  That is BPE over the merges
 *   "every split of a token into two tokens", ranked by the token's score
 *   with equal scores sharing a rank ("merge_ranks").  Files our writer
 *   made carry tokenizer.ggml.merges: those keep the merges they store.
 * - BOS / EOS: tokenizer.ggml.add_bos_token / add_eos_token and the ids,
 *   with llama.cpp's defaults where they are missing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-gguf-private.h"
#include "sy-tokenizer.h"

/* ---- llama.cpp's pre-tokenizers (src/llama-vocab.cpp), as PCRE ------------
 *
 * Written for GRegex (PCRE2 with Unicode properties), which matches as
 * llama.cpp's splitters do: its hand-written GPT-2 / Llama-3 splitters
 * implement exactly these regexes, and its std::regex fallback sees every
 * non-ASCII character as its Unicode category (whitespace as \v), which
 * \p{..} and \s give here.  Two differences of that fallback are written
 * out: "$" is the end of the piece (\z), and "~" is no \p{S} there. */

#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define RE_CONTRACTIONS "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
#define RE_LLAMA3 RE_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" \
                  "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_QWEN2 RE_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" \
                 "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_QWEN35 RE_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*" \
                  "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_UPPER_LOWER_WORDS \
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" \
  "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
#define RE_GPT4O \
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" RE_CONTRACTIONS "?" \
  "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" RE_CONTRACTIONS "?" \
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_TEKKEN RE_UPPER_LOWER_WORDS "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
/* DeepSeek-V3: [\p{P}\p{S}] without "~", [^…\p{P}\p{S}] with it */
#define RE_DEEPSEEK3 \
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+" \
  "|(?:~|[^\\r\\n\\p{L}\\p{P}\\p{S}])?[\\p{L}\\p{M}]+" \
  "| ?(?:(?!~)[\\p{P}\\p{S}])+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_BLOOM " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"
#define RE_DEEPSEEK_LLM_LETTERS \
  "\\s?[A-Za-z" \
  "\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}" \
  "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}" \
  "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}" \
  "\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}" \
  "\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}" \
  "\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}" \
  "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}" \
  "\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}" \
  "\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}" \
  "\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}" \
  "\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}" \
  "\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}" \
  "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}" \
  "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}" \
  "\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}" \
  "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}" \
  "\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}" \
  "\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}" "]+"

typedef struct
{
  const char *names;          /* space-separated tokenizer.ggml.pre names */
  const char *regexes[7];     /* NULL-terminated; RE_GPT2 alone: GPT-2's ByteLevel */
  gboolean    ignore_merges;  /* a word that is a token is that token */
  gboolean    add_bos;        /* llama.cpp's default for add_bos_token */
} PreSpec;

static const PreSpec pre_specs[] = {
  { "default", { "[\\p{P}\\$\\+<=>\\^~\\|]+", RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]" }, FALSE, FALSE },
  { "llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral midm-2.0 lfm2", { RE_LLAMA3 }, TRUE, TRUE },
  { "dbrx smaug-bpe chatglm-bpe glm4", { RE_LLAMA3 }, FALSE, FALSE },
  { "gpt-2 phi-2 jina-es jina-de gigachat jina-v2-es jina-v2-de a.x-4.0 mellum modern-bert mpt olmo "
    "jais trillion granite-docling exaone4 jina-v1-en jina-v2-code roberta-bpe", { RE_GPT2 }, FALSE, FALSE },
  { "qwen2 deepseek-r1-qwen kormo f2llmv2 megrez stablelm2 hunyuan solar-open", { RE_QWEN2 }, FALSE, FALSE },
  { "qwen35", { RE_QWEN35 }, FALSE, FALSE },
  { "deepseek-llm", { "[\r\n]", RE_DEEPSEEK_LLM_LETTERS, "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+", "\\s+\\z",
                      "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}+" }, FALSE, FALSE },
  { "deepseek-coder", { "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}" }, FALSE, FALSE },
  { "deepseek-v3 hunyuan-dense joyai-llm", { "\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+", RE_DEEPSEEK3 }, FALSE, FALSE },
  { "falcon", { "[\\p{P}\\$\\+<=>\\^~\\|`]+", RE_GPT2, "[0-9][0-9][0-9]" }, FALSE, FALSE },
  { "starcoder refact command-r smollm codeshell exaone minerva-7b", { "\\p{N}", RE_GPT2 }, FALSE, FALSE },
  { "gpt-4o llama4 kanana2 talkie minimax-m2", { RE_GPT4O }, FALSE, FALSE },
  { "tekken", { RE_TEKKEN }, TRUE, TRUE },
  { "poro-chat bloom gpt3-finnish", { RE_BLOOM }, FALSE, FALSE },
  { "viking", { RE_BLOOM, "\\p{N}" }, FALSE, FALSE },
};

static const PreSpec *
pre_spec_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (pre_specs); i++)
    {
      g_auto (GStrv) names = g_strsplit (pre_specs[i].names, " ", -1);

      if (g_strv_contains ((const char *const *) names, name))
        return &pre_specs[i];
    }
  return NULL;
}

/* ---- pieces of tokenizer.json ------------------------------------------- */

/* {@key: @value}, as {"type": "BPE"} or a String pattern */
static json_object *
string_object (const char *key,
               const char *value)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, key, json_object_new_string (value));
  return o;
}

/* A tokenizer.json with a BPE model, built in parts: its vocab, merges
 * and added tokens are added to the model and root when complete */
typedef struct
{
  json_object *root, *bpe, *vocab, *merges, *added;
} BpeJson;

static void
bpe_json_init (BpeJson *j)
{
  j->root = json_object_new_object ();
  j->bpe = string_object ("type", "BPE");
  j->vocab = json_object_new_object ();
  j->merges = json_object_new_array ();
  j->added = json_object_new_array ();
}

/* adds the vocab and merges to the model, the model and the added tokens
 * to the root; returns the root (one json_object_put() frees it all) */
static json_object *
bpe_json_finish (BpeJson *j)
{
  json_object_object_add (j->bpe, "vocab", j->vocab);
  json_object_object_add (j->bpe, "merges", j->merges);
  json_object_object_add (j->root, "model", j->bpe);
  json_object_object_add (j->root, "added_tokens", j->added);
  return j->root;
}

/* The vocabulary: tokenizer.ggml.tokens (NULL when absent), their number
 * (*@n) and tokenizer.ggml.token_type (*@types, NULL when absent, of
 * *@n_types entries) */
static GStrv
vocab_tokens (SyGguf   *self,
              guint    *n,
              int32_t **types,
              guint64  *n_types)
{
  GStrv tokens = sy_gguf_get_string_array (self, "tokenizer.ggml.tokens");

  *n = tokens ? g_strv_length (tokens) : 0;
  *types = sy_gguf_get_int_array (self, "tokenizer.ggml.token_type", n_types);
  return tokens;
}

static json_object *
byte_level (gboolean use_regex,
            gboolean trim_offsets)
{
  json_object *o = string_object ("type", "ByteLevel");

  json_object_object_add (o, "add_prefix_space", json_object_new_boolean (FALSE));
  json_object_object_add (o, "trim_offsets", json_object_new_boolean (trim_offsets));
  json_object_object_add (o, "use_regex", json_object_new_boolean (use_regex));
  return o;
}

static json_object *
added_token (guint       id,
             const char *content,
             gboolean    special,
             gboolean    normalized)
{
  json_object *a = json_object_new_object ();

  json_object_object_add (a, "id", json_object_new_int (id));
  json_object_object_add (a, "content", json_object_new_string (content));
  json_object_object_add (a, "single_word", json_object_new_boolean (FALSE));
  json_object_object_add (a, "lstrip", json_object_new_boolean (FALSE));
  json_object_object_add (a, "rstrip", json_object_new_boolean (FALSE));
  json_object_object_add (a, "normalized", json_object_new_boolean (normalized));
  json_object_object_add (a, "special", json_object_new_boolean (special));
  return a;
}

static void
template_special (json_object *single,
                  json_object *specials,
                  int64_t      id,
                  const char  *token)
{
  json_object *st = json_object_new_object (), *o = json_object_new_object ();
  json_object *entry = json_object_new_object (), *idl = json_object_new_array (), *tl = json_object_new_array ();

  json_object_object_add (o, "id", json_object_new_string (token));
  json_object_object_add (o, "type_id", json_object_new_int (0));
  json_object_object_add (st, "SpecialToken", o);
  json_object_array_add (single, st);
  json_object_array_add (idl, json_object_new_int ((int) id));
  json_object_array_add (tl, json_object_new_string (token));
  json_object_object_add (entry, "id", json_object_new_string (token));
  json_object_object_add (entry, "ids", idl);
  json_object_object_add (entry, "tokens", tl);
  json_object_object_add (specials, token, entry);
}

/* BOS / EOS around the text as the file says: a TemplateProcessing, or
 * NULL when nothing is added. */
static json_object *
bos_eos_template (char  **tokens,
                  int64_t bos,
                  int64_t eos)
{
  json_object *single, *seq, *o, *specials;

  if (bos < 0 && eos < 0)
    return NULL;
  single = json_object_new_array ();
  specials = json_object_new_object ();
  if (bos >= 0)
    template_special (single, specials, bos, tokens[bos]);
  seq = json_object_new_object ();
  o = json_object_new_object ();
  json_object_object_add (o, "id", json_object_new_string ("A"));
  json_object_object_add (o, "type_id", json_object_new_int (0));
  json_object_object_add (seq, "Sequence", o);
  json_object_array_add (single, seq);
  if (eos >= 0)
    template_special (single, specials, eos, tokens[eos]);
  o = string_object ("type", "TemplateProcessing");
  json_object_object_add (o, "single", single);
  json_object_object_add (o, "special_tokens", specials);
  return o;
}

/* The BOS / EOS ids the file's text gets (-1: none): add_bos_token /
 * add_eos_token (defaults @add_bos_default, FALSE) with the ids of
 * bos_token_id / eos_token_id (defaults @bos_default / @eos_default, as
 * llama.cpp's); an id out of range is not added. */
static void
special_ids (SyGguf   *self,
             guint     n,
             gboolean  add_bos_default,
             int64_t   bos_default,
             int64_t   eos_default,
             int64_t  *bos_out,
             int64_t  *eos_out,
             int64_t  *bos_id,
             int64_t  *eos_id)
{
  gboolean add_bos = add_bos_default, add_eos = FALSE;
  int64_t bos = bos_default, eos = eos_default;

  sy_gguf_get_bool (self, "tokenizer.ggml.add_bos_token", &add_bos);
  sy_gguf_get_bool (self, "tokenizer.ggml.add_eos_token", &add_eos);
  sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &bos);
  sy_gguf_get_int (self, "tokenizer.ggml.eos_token_id", &eos);
  if (bos < 0 || bos >= n)
    bos = -1;
  if (eos < 0 || eos >= n)
    eos = -1;
  *bos_out = add_bos ? bos : -1;
  *eos_out = add_eos ? eos : -1;
  if (bos_id)
    *bos_id = bos;
  if (eos_id)
    *eos_id = eos;
}

/* A merge "a b" split as llama.cpp does (at the first space after the
 * first byte); FALSE when it is not two tokens. */
static gboolean
split_merge (const char  *m,
             const char **second,
             gsize       *first_len)
{
  const char *sp = m[0] ? strchr (m + 1, ' ') : NULL;

  if (sp == NULL || sp[1] == '\0')
    return FALSE;
  *first_len = sp - m;
  *second = sp + 1;
  return TRUE;
}

/* tokenizer.ggml.merges as [first, second] pairs into @jmerges; with @ids
 * (token -> id + 1), a merge of (or into) something that is no token is
 * left out: it can never give a token (llama.cpp would merge and then
 * spell it out) */
static gboolean
merges_json (SyGguf       *self,
             char        **merges,
             GHashTable   *ids,
             json_object  *jmerges,
             GError      **error)
{
  g_autoptr (GString) merged = g_string_new (NULL);

  for (guint i = 0; merges[i]; i++)
    {
      const char *second;
      gsize first_len;
      json_object *pair;

      if (!split_merge (merges[i], &second, &first_len))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tokenizer merge %u ('%s') is not two tokens", sy_gguf_get_path (self), i, merges[i]);
          return FALSE;
        }
      if (ids != NULL)
        {
          g_string_truncate (merged, 0);
          g_string_append_len (merged, merges[i], first_len);
          if (!g_hash_table_contains (ids, merged->str) || !g_hash_table_contains (ids, second))
            continue;
          g_string_append (merged, second);
          if (!g_hash_table_contains (ids, merged->str))
            continue;
        }
      pair = json_object_new_array_ext (2);
      json_object_array_add (pair, json_object_new_string_len (merges[i], (int) first_len));
      json_object_array_add (pair, json_object_new_string (second));
      json_object_array_add (jmerges, pair);
    }
  return TRUE;
}

/* ---- SentencePiece ------------------------------------------------------------ */

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

/* Every split of a token into two tokens, ranked by the token's score:
 * equal scores share a rank (the leftmost pair merges first); the pairs
 * go into @jmerges, their ranks are returned (llama.cpp's SPM merges) */
static json_object *
spm_score_merges (char        **tokens,
                  guint         n,
                  const float  *scores,
                  json_object  *jmerges)
{
  g_autoptr (GArray) cand = g_array_new (FALSE, FALSE, sizeof (SpmMerge));
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  json_object *jranks;
  int rank = -1;

  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (ids, tokens[i]))
      g_hash_table_insert (ids, tokens[i], GUINT_TO_POINTER (i + 1));
  for (guint i = 0; i < n; i++)
    {
      const char *t = tokens[i];
      gsize len = strlen (t);

      if (GPOINTER_TO_UINT (g_hash_table_lookup (ids, t)) != i + 1)
        continue;   /* a duplicate: llama.cpp keeps the first */
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
  jranks = json_object_new_array_ext (cand->len);
  for (guint k = 0; k < cand->len; k++)
    {
      const SpmMerge *m = &g_array_index (cand, SpmMerge, k);
      json_object *pair = json_object_new_array_ext (2);

      if (k == 0 || m->score != g_array_index (cand, SpmMerge, k - 1).score)
        rank++;
      json_object_array_add (pair, json_object_new_string (tokens[m->left]));
      json_object_array_add (pair, json_object_new_string (tokens[m->right]));
      json_object_array_add (jmerges, pair);
      json_object_array_add (jranks, json_object_new_int (rank));
    }
  return jranks;
}

/* SentencePiece's normalizer: "▁" prepended, spaces as "▁" */
static json_object *
spm_normalizer (gboolean add_space_prefix)
{
  json_object *norms = json_object_new_array (), *o, *norm;

  if (add_space_prefix)
    {
      o = string_object ("type", "Prepend");
      json_object_object_add (o, "prepend", json_object_new_string ("\u2581"));
      json_object_array_add (norms, o);
    }
  o = string_object ("type", "Replace");
  json_object_object_add (o, "pattern", string_object ("String", " "));
  json_object_object_add (o, "content", json_object_new_string ("\u2581"));
  json_object_array_add (norms, o);
  norm = string_object ("type", "Sequence");
  json_object_object_add (norm, "normalizers", norms);
  return norm;
}

/* its decoder: "▁" back to spaces, <0xXX> pieces to bytes, the first space off */
static json_object *
spm_decoder (gboolean add_space_prefix)
{
  json_object *decs = json_object_new_array (), *o, *dec;

  o = string_object ("type", "Replace");
  json_object_object_add (o, "pattern", string_object ("String", "\u2581"));
  json_object_object_add (o, "content", json_object_new_string (" "));
  json_object_array_add (decs, o);
  json_object_array_add (decs, string_object ("type", "ByteFallback"));
  json_object_array_add (decs, string_object ("type", "Fuse"));
  if (add_space_prefix)
    {
      o = string_object ("type", "Strip");
      json_object_object_add (o, "content", json_object_new_string (" "));
      json_object_object_add (o, "start", json_object_new_int (1));
      json_object_object_add (o, "stop", json_object_new_int (0));
      json_object_array_add (decs, o);
    }
  dec = string_object ("type", "Sequence");
  json_object_object_add (dec, "decoders", decs);
  return dec;
}

/* A SentencePiece vocabulary (tokenizer.ggml.model "llama") as the
 * tokenizer.json of the same tokenizer: BPE with byte fallback over
 * "▁"-for-space text, no pre-tokenizer.  The merges are the file's
 * tokenizer.ggml.merges when it has them (our writer stores them);
 * otherwise they follow from the scores, as llama.cpp's SPM algorithm
 * merges (the file comment). */
static json_object *
spm_tokenizer_json (SyGguf  *self,
                    GError **error)
{
  g_auto (GStrv) tokens = NULL;
  g_auto (GStrv) merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  g_autofree int32_t *types = NULL;
  g_autofree float *scores = NULL;
  guint64 n_types = 0, n_scores = 0;
  gboolean add_space_prefix = TRUE;
  int64_t bos, eos;
  const char *unk = NULL;
  json_object *jranks = NULL;
  BpeJson j;
  guint n;

  tokens = vocab_tokens (self, &n, &types, &n_types);
  if (tokens == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a llama (SentencePiece) tokenizer needs the string array tokenizer.ggml.tokens",
                   sy_gguf_get_path (self));
      return NULL;
    }
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
  special_ids (self, n, TRUE, 1, 2, &bos, &eos, NULL, NULL);
  sy_gguf_get_bool (self, "tokenizer.ggml.add_space_prefix", &add_space_prefix);

  bpe_json_init (&j);
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      if (type == 2 && unk == NULL)
        unk = tokens[i];
      /* control and user-defined tokens are cut out of the raw text, and
       * the text after each gets its own leading space, as in llama.cpp
       * (normalized = false; our writer's files keep the HF meaning) */
      if (type == 3 || type == 4)
        json_object_array_add (j.added, added_token (i, tokens[i], type == 3, merges != NULL && type == 4));
      if (!json_object_object_get_ex (j.vocab, tokens[i], NULL))
        json_object_object_add (j.vocab, tokens[i], json_object_new_int (i));
    }
  if (merges == NULL)
    jranks = spm_score_merges (tokens, n, scores, j.merges);
  else if (!merges_json (self, merges, NULL, j.merges, error))
    {
      json_object_put (bpe_json_finish (&j));
      return NULL;
    }
  json_object_object_add (j.bpe, "unk_token", unk ? json_object_new_string (unk) : NULL);
  json_object_object_add (j.bpe, "fuse_unk", json_object_new_boolean (TRUE));
  json_object_object_add (j.bpe, "byte_fallback", json_object_new_boolean (TRUE));
  bpe_json_finish (&j);
  if (jranks)
    json_object_object_add (j.bpe, "merge_ranks", jranks);
  json_object_object_add (j.root, "normalizer", spm_normalizer (add_space_prefix));
  json_object_object_add (j.root, "pre_tokenizer", NULL);
  json_object_object_add (j.root, "post_processor", bos_eos_template (tokens, bos, eos));
  json_object_object_add (j.root, "decoder", spm_decoder (add_space_prefix));
  return j.root;
}

/* ---- BPE (gpt2) --------------------------------------------------------------- */

static json_object *
gpt2_tokenizer_json (SyGguf  *self,
                     GError **error)
{
  const char *pre = sy_gguf_get_string (self, "tokenizer.ggml.pre");
  const PreSpec *spec = pre ? pre_spec_find (pre) : NULL;
  g_auto (GStrv) tokens = NULL;
  g_auto (GStrv) merges = NULL;
  g_autofree int32_t *types = NULL;
  g_autoptr (GHashTable) ids = NULL;
  guint64 n_types = 0;
  int64_t bos, eos;
  json_object *pre_tok, *post, *tmpl;
  BpeJson j;
  guint n;

  if (spec == NULL)
    {
      /* llama.cpp refuses a name it does not know; we warn and go on as it
       * does for a file without one */
      spec = &pre_specs[0];
      g_warning ("%s: pre-tokenizer '%s' (tokenizer.ggml.pre) is not supported; "
                 "using llama.cpp's 'default' pre-tokenizer, so some texts may tokenize differently",
                 sy_gguf_get_path (self), pre ? pre : "(none)");
    }
  tokens = vocab_tokens (self, &n, &types, &n_types);
  merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  if (tokens == NULL || merges == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a gpt2 tokenizer needs string arrays tokenizer.ggml.tokens and .merges",
                   sy_gguf_get_path (self));
      return NULL;
    }
  if (types && n_types != n)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.token_type has %" G_GUINT64_FORMAT " entries for %u tokens",
                   sy_gguf_get_path (self), n_types, n);
      return NULL;
    }
  special_ids (self, n, spec->add_bos, 11, 11, &bos, &eos, NULL, NULL);

  bpe_json_init (&j);
  ids = g_hash_table_new (g_str_hash, g_str_equal);
  json_object_object_add (j.bpe, "byte_fallback", json_object_new_boolean (FALSE));
  json_object_object_add (j.bpe, "ignore_merges", json_object_new_boolean (spec->ignore_merges));
  /* a character that is no token (after the byte map: only in vocabularies
   * that are not byte-level) stays between its neighbours, unmerged, and
   * is then left out, as llama.cpp does */
  json_object_object_add (j.bpe, "drop_unknown_after_merges", json_object_new_boolean (TRUE));
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      /* 3 control, 4 user-defined: matched whole before the model runs */
      if (type == 3 || type == 4)
        json_object_array_add (j.added, added_token (i, tokens[i], type == 3, type == 4));
      if (!g_hash_table_contains (ids, tokens[i]))
        {
          g_hash_table_insert (ids, tokens[i], GUINT_TO_POINTER (i + 1));
          json_object_object_add (j.vocab, tokens[i], json_object_new_int (i));
        }
    }
  if (!merges_json (self, merges, ids, j.merges, error))
    {
      json_object_put (bpe_json_finish (&j));
      return NULL;
    }
  bpe_json_finish (&j);
  if (spec->regexes[1] == NULL && strcmp (spec->regexes[0], RE_GPT2) == 0)
    pre_tok = byte_level (TRUE, TRUE);    /* GPT-2's own: the fast path */
  else
    {
      json_object *seq = json_object_new_array ();

      for (guint k = 0; k < G_N_ELEMENTS (spec->regexes) && spec->regexes[k]; k++)
        {
          json_object *split = string_object ("type", "Split");

          json_object_object_add (split, "pattern", string_object ("Regex", spec->regexes[k]));
          json_object_object_add (split, "behavior", json_object_new_string ("Isolated"));
          json_object_object_add (split, "invert", json_object_new_boolean (FALSE));
          json_object_array_add (seq, split);
        }
      json_object_array_add (seq, byte_level (FALSE, TRUE));
      pre_tok = string_object ("type", "Sequence");
      json_object_object_add (pre_tok, "pretokenizers", seq);
    }
  json_object_object_add (j.root, "pre_tokenizer", pre_tok);
  tmpl = bos_eos_template (tokens, bos, eos);
  if (tmpl)
    {
      json_object *list = json_object_new_array ();

      json_object_array_add (list, byte_level (TRUE, FALSE));
      json_object_array_add (list, tmpl);
      post = string_object ("type", "Sequence");
      json_object_object_add (post, "processors", list);
    }
  else
    post = byte_level (TRUE, FALSE);
  json_object_object_add (j.root, "post_processor", post);
  json_object_object_add (j.root, "decoder", byte_level (TRUE, TRUE));
  return j.root;
}

json_object *
sy_gguf_tokenizer_json (SyGguf  *self,
                        GError **error)
{
  const char *model = sy_gguf_get_string (self, "tokenizer.ggml.model");

  if (model == NULL)
    return NULL;
  if (strcmp (model, "llama") == 0)
    return spm_tokenizer_json (self, error);
  if (strcmp (model, "gpt2") == 0)
    return gpt2_tokenizer_json (self, error);
  g_warning ("%s: tokenizer kind '%s' (tokenizer.ggml.model) is not supported "
             "(supported: gpt2, llama); the model loads without a tokenizer", sy_gguf_get_path (self), model);
  return NULL;
}

SyTokenizer *
sy_gguf_tokenizer_new (SyGguf  *self,
                       GError **error)
{
  g_autoptr (GError) local = NULL;
  json_object *root = sy_gguf_tokenizer_json (self, &local);
  const char *model = sy_gguf_get_string (self, "tokenizer.ggml.model");
  gboolean spm = g_strcmp0 (model, "llama") == 0;
  int64_t bos = spm ? 1 : 11, eos = spm ? 2 : 11;
  SyTokenizer *tok;

  if (root == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                     "%s: the file has no tokenizer we can build (tokenizer.ggml.model %s)",
                     sy_gguf_get_path (self), model ? model : "missing");
      return NULL;
    }
  sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &bos);
  sy_gguf_get_int (self, "tokenizer.ggml.eos_token_id", &eos);
  tok = sy_tokenizer_new_from_json (root, sy_gguf_get_path (self), (int32_t) CLAMP (bos, -1, G_MAXINT32),
                                    (int32_t) CLAMP (eos, -1, G_MAXINT32), error);
  json_object_put (root);
  return tok;
}

/* ------------------------------------------------------------ writing */

/* The writer's twin of the above: a tokenizer.json becomes tokenizer.ggml.*
 * (sy_gguf_convert) */

#include "sy-gguf-writer.h"

/* tokenizer.ggml.model ("llama" for a byte-fallback BPE, else "gpt2"),
 * for gpt2 the pre-tokenizer's name (tokenizer.ggml.pre) from its regex,
 * for llama whether BOS is added */
static void
writer_kind (json_object  *root,
             json_object  *model,
             const char  **kind,
             const char  **pre,
             gboolean     *add_bos)
{
  json_object *v;

  if (json_object_object_get_ex (model, "byte_fallback", &v) && json_object_get_boolean (v))
    {
      json_object *pp = NULL, *single = NULL;

      *kind = "llama";   /* SentencePiece-style BPE: not a gpt2 vocabulary */
      /* BOS added when the post-processor's single template starts with it */
      if (json_object_object_get_ex (root, "post_processor", &pp) && pp
          && json_object_object_get_ex (pp, "single", &single)
          && json_object_get_type (single) == json_type_array && json_object_array_length (single) > 0
          && json_object_object_get_ex (json_object_array_get_idx (single, 0), "SpecialToken", NULL))
        *add_bos = TRUE;
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
        *pre = "llama-bpe";
      else if (g_strcmp0 (regex, SY_GGUF_REGEX_QWEN2) == 0)
        *pre = "qwen2";
      else if (regex == NULL && json_object_object_get_ex (v, "type", &type)
               && g_strcmp0 (json_object_get_string (type), "ByteLevel") == 0)
        *pre = "gpt-2";
      else
        *pre = "unknown";   /* readers must not guess GPT-2's regex */
    }
}

/* The tokens by id (added tokens' content over the vocab's, [PADn] for
 * ids without one) into @tokens; returns their types */
static int32_t *
writer_tokens (json_object *root,
               json_object *vocab,
               int          n,
               GPtrArray   *tokens)
{
  int32_t *types;
  json_object *added = NULL, *v;

  g_ptr_array_set_size (tokens, n);
  types = g_new (int32_t, n);
  for (int i = 0; i < n; i++)
    types[i] = 1;   /* normal */
  json_object_object_foreach (vocab, tok, idv)
    {
      int id = json_object_get_int (idv);

      if (id >= 0 && id < n && tokens->pdata[id] == NULL)
        tokens->pdata[id] = g_strdup (tok);
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
  return types;
}

/* SentencePiece scores: a token made by merge r scores -r, so that
 * ranking the merges by score keeps their order; others score 0 (readers
 * that have the merges use them) */
static float *
writer_spm_scores (GPtrArray *tokens,
                   GPtrArray *merge_strs)
{
  int n = tokens->len;
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
  return g_steal_pointer (&scores);
}

/* tokenizer.json (BPE) → tokenizer.ggml.*: the vocabulary by id, merges,
 * token types (control for special added tokens). */
gboolean
_sy_gguf_writer_add_tokenizer (SyGgufWriter    *w,
                               const char      *file,
                               const SyConfig  *c,
                               GError         **error)
{
  json_object *root, *model = NULL, *vocab = NULL, *merges = NULL;
  const char *kind = "gpt2", *pre = NULL;
  gboolean add_bos = FALSE;
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) merge_strs = g_ptr_array_new_with_free_func (g_free);
  g_autofree int32_t *types = NULL;
  int n = c->vocab_size;

  if (file == NULL || !g_file_test (file, G_FILE_TEST_EXISTS))
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
  writer_kind (root, model, &kind, &pre, &add_bos);
  types = writer_tokens (root, vocab, n, tokens);
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
      g_autofree float *scores = writer_spm_scores (tokens, merge_strs);

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
