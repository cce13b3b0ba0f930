/* test-tokenizer.c: the tokenizer against the reference fixtures, and on
 * edge cases whose results follow from the tokenizer.json semantics
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-test-model.h"
#include "sy-test-util.h"
#include "sy-tokenizer.h"
#include "sy-tokenizer-private.h"

static const char *const families[] = { "bytelevel", "llama3", "qwen2", "spm", "metaspace", NULL };
static const char *const models[] = {
  "deepseek_v3", "gpt_oss", "granitemoe", "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", NULL
};

static SyTokenizer *
load_family (const char *family)
{
  g_autofree char *dir = sy_test_fixture_path ("tokenizers", family, NULL);
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (sy_tokenizer_load (dir, &error), &error);
}

static SyEncoding *
encode (SyTokenizer *tok,
        const char  *text,
        gboolean     special)
{
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (sy_tokenizer_encode (tok, text, -1, special, &error), &error);
}

static void
check_ids (const char  *what,
           const char  *text,
           json_object *expected,
           const SyEncoding *enc)
{
  gboolean same = (int) json_object_array_length (expected) == enc->n;

  for (int i = 0; same && i < enc->n; i++)
    same = json_object_get_int (json_object_array_get_idx (expected, i)) == enc->ids[i];
  if (!same)
    {
      g_autoptr (GString) got = g_string_new (NULL);
      for (int i = 0; i < enc->n; i++)
        g_string_append_printf (got, "%d(%s) ", enc->ids[i], enc->tokens[i]);
      g_test_message ("%s: text %s\n  expected %s\n  got      %s", what, text,
                      json_object_to_json_string (expected), got->str);
    }
  g_assert_true (same);
}

static void
test_family (gconstpointer data)
{
  const char *family = data;
  g_autofree char *cases_path = sy_test_fixture_path ("tokenizers", family, "cases.json", NULL);
  g_autoptr (SyTokenizer) tok = load_family (family);
  json_object *root = json_object_from_file (cases_path), *cases;
  size_t n;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  n = json_object_array_length (cases);
  g_assert_cmpuint (n, >, 0);
  for (size_t c = 0; c < n; c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c), *ids, *toks, *ids_sp, *offsets, *decoded_j;
      const char *text;
      g_autoptr (SyEncoding) enc = NULL;
      g_autoptr (SyEncoding) enc_sp = NULL;
      g_autofree char *decoded = NULL;

      g_assert_true (json_object_object_get_ex (cs, "ids", &ids));
      g_assert_true (json_object_object_get_ex (cs, "tokens", &toks));
      g_assert_true (json_object_object_get_ex (cs, "ids_with_special", &ids_sp));
      g_assert_true (json_object_object_get_ex (cs, "offsets", &offsets));
      g_assert_true (json_object_object_get_ex (cs, "decoded", &decoded_j));
      text = json_object_get_string (json_object_object_get (cs, "text"));

      enc = encode (tok, text, FALSE);
      check_ids ("ids", text, ids, enc);
      for (int i = 0; i < enc->n; i++)
        {
          json_object *o = json_object_array_get_idx (offsets, i);
          g_assert_cmpstr (enc->tokens[i], ==, json_object_get_string (json_object_array_get_idx (toks, i)));
          if (enc->offsets[2 * i] != json_object_get_int (json_object_array_get_idx (o, 0))
              || enc->offsets[2 * i + 1] != json_object_get_int (json_object_array_get_idx (o, 1)))
            g_test_message ("offsets of token %d of %s: got [%d, %d], expected %s", i, text,
                            enc->offsets[2 * i], enc->offsets[2 * i + 1], json_object_to_json_string (o));
          g_assert_cmpint (enc->offsets[2 * i], ==, json_object_get_int (json_object_array_get_idx (o, 0)));
          g_assert_cmpint (enc->offsets[2 * i + 1], ==, json_object_get_int (json_object_array_get_idx (o, 1)));
        }

      enc_sp = encode (tok, text, TRUE);
      check_ids ("ids_with_special", text, ids_sp, enc_sp);

      decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE);
      g_assert_cmpstr (decoded, ==, json_object_get_string (decoded_j));
    }
  json_object_put (root);
}

static void
test_model (gconstpointer data)
{
  const char *model = data;
  g_autofree char *dir = sy_test_fixture_path ("models", model, NULL);
  g_autofree char *ref_path = sy_test_fixture_path ("models", model, "reference.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = sy_tokenizer_load (dir, &error);
  json_object *root = json_object_from_file (ref_path), *cases;

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  g_assert_cmpuint (json_object_array_length (cases), >, 0);
  for (size_t c = 0; c < json_object_array_length (cases); c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c), *ids;
      const char *text = json_object_get_string (json_object_object_get (cs, "text"));
      g_autoptr (SyEncoding) enc = encode (tok, text, TRUE);

      g_assert_true (json_object_object_get_ex (cs, "input_ids", &ids));
      check_ids ("input_ids", text, ids, enc);
    }
  json_object_put (root);
}

/* ---- tokenizers written by the tests ---------------------------------------- */

/* The GPT-2 byte-level character of byte @b (printable bytes stand for
 * themselves, the others move to U+0100 and up in byte order). */
static gunichar
byte_char (int b)
{
  int n = 0;

  for (int k = 0; k < 256; k++)
    {
      gboolean printable = (k >= 0x21 && k <= 0x7E) || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE;
      if (k == b)
        return printable ? (gunichar) k : (gunichar) (256 + n);
      if (!printable)
        n++;
    }
  return 0;
}

/* A BPE tokenizer over the 256 byte-level characters (ids 0..255) and the
 * merges given as "a b" pairs (merged tokens get ids 256...).  The other
 * components are JSON texts (or NULL). */
static SyTokenizer *
make_tokenizer (const char  *normalizer,
                const char  *pre_tokenizer,
                const char  *decoder,
                const char  *added_tokens,
                const char **merges,
                GError     **error)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-tok-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "tokenizer.json", NULL);
  json_object *root = json_object_new_object ();
  json_object *model = json_object_new_object ();
  json_object *vocab = json_object_new_object ();
  json_object *mlist = json_object_new_array ();
  json_object *tmp;
  int next = 256;
  SyTokenizer *tok;

  for (int b = 0; b < 256; b++)
    {
      char buf[8] = { 0 };
      g_unichar_to_utf8 (byte_char (b), buf);
      json_object_object_add (vocab, buf, json_object_new_int (b));
    }
  for (int k = 0; merges != NULL && merges[k] != NULL; k++)
    {
      g_auto (GStrv) ab = g_strsplit (merges[k], " ", 2);
      g_autofree char *merged = g_strconcat (ab[0], ab[1], NULL);
      if (!json_object_object_get_ex (vocab, merged, NULL))
        json_object_object_add (vocab, merged, json_object_new_int (next++));
      json_object_array_add (mlist, json_object_new_string (merges[k]));
    }
  json_object_object_add (model, "type", json_object_new_string ("BPE"));
  json_object_object_add (model, "vocab", vocab);
  json_object_object_add (model, "merges", mlist);
  json_object_object_add (root, "model", model);
#define ADD_JSON(key, text) \
  tmp = (text) ? json_tokener_parse (text) : NULL; \
  g_assert_true ((text) == NULL || tmp != NULL); \
  json_object_object_add (root, key, tmp);
  ADD_JSON ("normalizer", normalizer);
  ADD_JSON ("pre_tokenizer", pre_tokenizer);
  ADD_JSON ("decoder", decoder);
  ADD_JSON ("added_tokens", added_tokens);
#undef ADD_JSON
  g_assert_cmpint (json_object_to_file (path, root), ==, 0);
  json_object_put (root);
  tok = sy_tokenizer_load (path, error);
  g_unlink (path);
  g_rmdir (dir);
  return tok;
}

#define BYTE_LEVEL_PRE "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}"
#define BYTE_LEVEL_DEC "{\"type\": \"ByteLevel\"}"
#define LLAMA3_PRE \
  "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": " \
  "\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*" \
  "|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"}, \"behavior\": \"Isolated\", \"invert\": false}, " \
  "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}"

/* @tok splits @text into the token strings @want (joined by '|') */
static void
assert_tokens (SyTokenizer *tok,
               const char  *text,
               const char  *want)
{
  g_autoptr (SyEncoding) enc = encode (tok, text, FALSE);
  g_autoptr (GString) s = g_string_new (NULL);

  for (int i = 0; i < enc->n; i++)
    {
      if (i > 0)
        g_string_append_c (s, '|');
      g_string_append (s, enc->tokens[i]);
    }
  g_assert_cmpstr (s->str, ==, want);
}

/* make_tokenizer with @pre_tokenizer and the byte-level decoder, asserted */
static SyTokenizer *
byte_level_tokenizer (const char  *pre_tokenizer,
                      const char **merges)
{
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (make_tokenizer (NULL, pre_tokenizer, BYTE_LEVEL_DEC, NULL, merges, &error), &error);
}

static void
test_contractions (void)
{
  const char *merges[] = { "' s", "' S", "' t", "' T", "' r", "'r e", "' R", "'R E", "' l", "'l l",
                           "' L", "'L L", "' v", "'v e", "' d", "' D", "' m", "' M", NULL };
  g_autoptr (SyTokenizer) gpt2 = byte_level_tokenizer (BYTE_LEVEL_PRE, merges);
  g_autoptr (SyTokenizer) llama = byte_level_tokenizer (LLAMA3_PRE, merges);

  /* GPT-2's pattern knows the lower-case contractions only */
  assert_tokens (gpt2, "it's we're they'll I'd IT'S WE'RE",
                 "i|t|'s|Ġ|w|e|'re|Ġ|t|h|e|y|'ll|Ġ|I|'d|Ġ|I|T|'|S|Ġ|W|E|'|R|E");
  /* the Llama-3 pattern takes them in any case, (?i:...) */
  assert_tokens (llama, "it's we're they'll I'd IT'S WE'RE",
                 "i|t|'s|Ġ|w|e|'re|Ġ|t|h|e|y|'ll|Ġ|I|'d|Ġ|I|T|'S|Ġ|W|E|'RE");
  /* an apostrophe after a space belongs to the punctuation run, not to a contraction */
  assert_tokens (gpt2, "x 's", "x|Ġ|'|s");
  /* ... while 've and 'm stay merged after punctuation runs only in the Llama-3 split */
  assert_tokens (gpt2, "I'm I've", "I|'m|Ġ|I|'ve");
}

static void
test_digits_and_spaces (void)
{
  const char *merges[] = { "1 2", "12 3", "4 5", "Ġ Ġ", "ĠĠ Ġ", NULL };
  g_autoptr (SyTokenizer) gpt2 = byte_level_tokenizer (BYTE_LEVEL_PRE, merges);
  g_autoptr (SyTokenizer) llama = byte_level_tokenizer (LLAMA3_PRE, merges);

  /* \p{N}{1,3}: runs of at most three digits */
  assert_tokens (llama, "12345 123", "123|45|Ġ|123");
  /* GPT-2: ' ?\p{N}+' keeps the whole run */
  assert_tokens (gpt2, "12345", "123|45");
  /* \s+(?!\S): a run of spaces gives all but the last one to itself */
  assert_tokens (gpt2, "a    b", "a|ĠĠĠ|Ġ|b");
  /* at the end of the text the whole run is one word */
  assert_tokens (gpt2, "a    ", "a|ĠĠ|ĠĠ");   /* one word; merges by rank: (Ġ Ġ) twice */
  /* CRLF and tabs are white space of their own */
  assert_tokens (gpt2, "a\r\n\tb", "a|č|Ċ|ĉ|b");
}

static void
test_added_token_options (void)
{
  const char *added =
    "[{\"id\": 300, \"content\": \"<mask>\", \"special\": true, \"lstrip\": true, \"rstrip\": false, "
    "  \"single_word\": false, \"normalized\": false},"
    " {\"id\": 301, \"content\": \"cat\", \"special\": false, \"lstrip\": false, \"rstrip\": true, "
    "  \"single_word\": true, \"normalized\": false},"
    " {\"id\": 302, \"content\": \"dog\", \"special\": false, \"lstrip\": false, \"rstrip\": false, "
    "  \"single_word\": false, \"normalized\": true}]";
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = make_tokenizer ("{\"type\": \"Lowercase\"}", BYTE_LEVEL_PRE, BYTE_LEVEL_DEC,
                                                added, NULL, &error);
  g_autoptr (SyEncoding) enc = NULL;
  g_autoptr (SyEncoding) enc2 = NULL;
  g_autoptr (SyEncoding) enc3 = NULL;
  g_autofree char *decoded = NULL;

  g_assert_no_error (error);
  /* lstrip: the token takes the spaces before it */
  enc = encode (tok, "a  <mask>b", FALSE);
  g_assert_cmpint (enc->n, ==, 3);
  g_assert_cmpint (enc->ids[1], ==, 300);
  g_assert_cmpstr (enc->tokens[1], ==, "  <mask>");
  g_assert_cmpint (enc->offsets[2], ==, 1);
  g_assert_cmpint (enc->offsets[3], ==, 9);
  g_assert_true (sy_tokenizer_is_special (tok, 300));
  g_assert_false (sy_tokenizer_is_special (tok, 301));
  decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE);
  g_assert_cmpstr (decoded, ==, "ab");

  /* single_word: not inside a word; rstrip: the spaces after it */
  enc2 = encode (tok, "cat concat cat", FALSE);
  g_assert_cmpint (enc2->ids[0], ==, 301);
  g_assert_cmpstr (enc2->tokens[0], ==, "cat ");
  g_assert_cmpint (enc2->ids[enc2->n - 1], ==, 301);
  for (int i = 1; i < enc2->n - 1; i++)
    g_assert_cmpint (enc2->ids[i], <, 256);

  /* normalized = true: matched after the normalizer (here: lower case) */
  enc3 = encode (tok, "DOG", FALSE);
  g_assert_cmpint (enc3->n, ==, 1);
  g_assert_cmpint (enc3->ids[0], ==, 302);
  g_assert_cmpint (enc3->offsets[0], ==, 0);
  g_assert_cmpint (enc3->offsets[1], ==, 3);
}

static void
test_normalizers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) nfc = make_tokenizer ("{\"type\": \"NFC\"}", BYTE_LEVEL_PRE, BYTE_LEVEL_DEC, NULL, NULL, &error);
  g_autoptr (SyTokenizer) nfkd = NULL;
  g_autoptr (SyEncoding) a = NULL, b = NULL, c = NULL;

  g_assert_no_error (error);
  /* decomposed and precomposed é give the same ids; offsets still point into each input */
  a = encode (nfc, "e\xCC\x81!", FALSE);
  b = encode (nfc, "\xC3\xA9!", FALSE);
  g_assert_cmpint (a->n, ==, b->n);
  for (int i = 0; i < a->n; i++)
    g_assert_cmpint (a->ids[i], ==, b->ids[i]);
  g_assert_cmpint (a->offsets[2 * (a->n - 1)], ==, 2);   /* '!' is code point 2 of "e\u0301!" */
  g_assert_cmpint (b->offsets[2 * (b->n - 1)], ==, 1);

  nfkd = make_tokenizer ("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFKD\"}, {\"type\": \"StripAccents\"}, "
                         "{\"type\": \"Lowercase\"}, {\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": true}]}",
                         BYTE_LEVEL_PRE, BYTE_LEVEL_DEC, NULL, NULL, &error);
  g_assert_no_error (error);
  c = encode (nfkd, "  \xC3\x89T\xC3\x89 \xEF\xAC\x81  ", FALSE);   /* "  ÉTÉ ﬁ  " */
  {
    g_autofree char *text = sy_tokenizer_decode (nfkd, c->ids, c->n, FALSE);
    g_assert_cmpstr (text, ==, "ete fi");
  }
  /* the ligature's two letters both come from code point 6 */
  g_assert_cmpint (c->offsets[2 * (c->n - 1)], ==, 6);
  g_assert_cmpint (c->offsets[2 * (c->n - 1) + 1], ==, 7);
}

static void
test_edge_texts (void)
{
  const char *texts[] = {
    "", " ", "   ", "\t\t", "\r\n", "a\r\nb\r\n", "\n\n\n",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",    /* family emoji with ZWJ */
    "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",                                              /* thumbs up + skin tone */
    "e\xCC\x81\xCC\x82 a\xCC\x8A",                                                   /* combining marks */
    "12345678901234567890 3.14159 1,000,000",
    "It's I'M they'll WE'VE you'd SHE'S don't",
    "\xE2\x96\x81hello \xE2\x96\x81\xE2\x96\x81world\xE2\x96\x81",                   /* text with U+2581 */
    "mid<|endoftext|>dle <|endoftext|> <s> </s>",
    "\xC2\xA0nbsp\xE3\x80\x80ideographic\xC2\x85nel",
    "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
  };

  for (guint f = 0; families[f] != NULL; f++)
    {
      g_autoptr (SyTokenizer) tok = load_family (families[f]);
      gboolean byte_level = strcmp (families[f], "spm") != 0 && strcmp (families[f], "metaspace") != 0;

      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        {
          g_autoptr (SyEncoding) enc = encode (tok, texts[t], FALSE);
          g_autoptr (SyEncoding) enc_sp = encode (tok, texts[t], TRUE);
          g_autofree char *decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, FALSE);
          glong n_chars = g_utf8_strlen (texts[t], -1);

          /* offsets lie inside the text and do not go backwards */
          for (int i = 0; i < enc->n; i++)
            {
              g_assert_cmpint (enc->offsets[2 * i], >=, 0);
              g_assert_cmpint (enc->offsets[2 * i], <=, enc->offsets[2 * i + 1]);
              g_assert_cmpint (enc->offsets[2 * i + 1], <=, n_chars);
              if (i > 0)
                g_assert_cmpint (enc->offsets[2 * i], >=, enc->offsets[2 * i - 2]);
              g_assert_cmpint (enc->ids[i], >=, 0);
              g_assert_cmpint (enc->ids[i], <, sy_tokenizer_vocab_size (tok));
              g_assert_cmpstr (enc->tokens[i], ==, sy_tokenizer_id_to_token (tok, enc->ids[i]));
            }
          /* BOS only where the template has one */
          g_assert_cmpint (enc_sp->n - enc->n, ==, byte_level ? 0 : 1);
          if (!byte_level)
            g_assert_cmpint (enc_sp->ids[0], ==, sy_tokenizer_bos_id (tok));
          if (byte_level)
            {
              /* byte-level BPE is lossless */
              g_assert_cmpstr (decoded, ==, texts[t]);
              if (*texts[t] != '\0' && strstr (texts[t], "<|") == NULL)
                g_assert_cmpint (enc->offsets[2 * enc->n - 1], ==, n_chars);
            }
        }
    }
}

static void
test_special_in_middle (void)
{
  g_autoptr (SyTokenizer) tok = load_family ("llama3");
  g_autoptr (SyEncoding) enc = encode (tok, "ab<|end_of_text|>cd", FALSE);
  int32_t eot = sy_tokenizer_token_to_id (tok, "<|end_of_text|>");
  g_autofree char *skip = sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE);
  g_autofree char *keep = sy_tokenizer_decode (tok, enc->ids, enc->n, FALSE);
  int at = -1;

  g_assert_cmpint (eot, >=, 0);
  g_assert_cmpint (sy_tokenizer_eos_id (tok), ==, eot);
  g_assert_true (sy_tokenizer_is_special (tok, eot));
  for (int i = 0; i < enc->n; i++)
    if (enc->ids[i] == eot)
      at = i;
  g_assert_cmpint (at, >, 0);
  g_assert_cmpint (enc->offsets[2 * at], ==, 2);
  g_assert_cmpint (enc->offsets[2 * at + 1], ==, 17);
  g_assert_cmpstr (enc->tokens[at], ==, "<|end_of_text|>");
  g_assert_cmpstr (skip, ==, "abcd");
  g_assert_cmpstr (keep, ==, "ab<|end_of_text|>cd");
}

static void
test_metaspace_and_byte_fallback (void)
{
  for (int f = 0; f < 2; f++)
    {
      g_autoptr (SyTokenizer) tok = load_family (f == 0 ? "spm" : "metaspace");
      /* U+2581 typed in the text reads as the space it stands for */
      g_autoptr (SyEncoding) a = encode (tok, "a\xE2\x96\x81" "b", FALSE);
      g_autoptr (SyEncoding) b = encode (tok, "a b", FALSE);
      /* an unknown character falls back to its UTF-8 bytes, each spanning it */
      g_autoptr (SyEncoding) c = encode (tok, "x\xE4\xBD\xA0", FALSE);
      g_autofree char *full = NULL;
      g_autofree char *piece = NULL;
      int n_bytes = 0;

      g_assert_cmpint (a->n, ==, b->n);
      for (int i = 0; i < a->n; i++)
        g_assert_cmpint (a->ids[i], ==, b->ids[i]);
      for (int i = 0; i < c->n; i++)
        if (g_str_has_prefix (c->tokens[i], "<0x"))
          {
            n_bytes++;
            g_assert_cmpint (c->offsets[2 * i], ==, 1);
            g_assert_cmpint (c->offsets[2 * i + 1], ==, 2);
          }
      g_assert_cmpint (n_bytes, ==, 3);
      /* spm's decoder has ByteFallback and puts the bytes together again;
       * the Metaspace decoder alone leaves the byte tokens as they are */
      full = sy_tokenizer_decode (tok, c->ids, c->n, FALSE);
      g_assert_cmpstr (full, ==, f == 0 ? "x\xE4\xBD\xA0" : "x<0xE4><0xBD><0xA0>");
      /* one byte alone is not text: the piece shows it */
      piece = sy_tokenizer_id_to_piece (tok, c->ids[c->n - 1]);
      g_assert_cmpstr (piece, ==, "<0xA0>");
    }
}

static void
test_pieces (void)
{
  g_autoptr (SyTokenizer) bl = load_family ("bytelevel");
  g_autoptr (SyTokenizer) spm = load_family ("spm");
  g_autoptr (SyTokenizer) ms = load_family ("metaspace");
  g_autoptr (SyEncoding) e1 = encode (bl, "Hello world", FALSE);
  g_autoptr (SyEncoding) e2 = encode (spm, "Hello world", FALSE);
  g_autoptr (SyEncoding) e3 = encode (ms, "Hello world", FALSE);
  g_autofree char *p1 = sy_tokenizer_id_to_piece (bl, e1->ids[e1->n - 1]);
  g_autofree char *p2 = sy_tokenizer_id_to_piece (spm, e2->ids[0]);
  g_autofree char *p3 = sy_tokenizer_id_to_piece (ms, e3->ids[0]);
  g_autofree char *p4 = sy_tokenizer_id_to_piece (bl, 0);

  g_assert_cmpstr (e1->tokens[e1->n - 1], ==, "\xC4\xA0world");   /* "Ġworld" */
  g_assert_cmpstr (p1, ==, " world");
  g_assert_cmpstr (p2, ==, " H");
  g_assert_cmpstr (p3, ==, " H");
  g_assert_cmpstr (p4, ==, "<|endoftext|>");
  g_assert_null (sy_tokenizer_id_to_token (bl, sy_tokenizer_vocab_size (bl)));
  g_assert_null (sy_tokenizer_id_to_token (bl, -1));
  g_assert_cmpint (sy_tokenizer_bos_id (bl), ==, -1);
  g_assert_cmpint (sy_tokenizer_bos_id (spm), ==, 1);
  g_assert_cmpint (sy_tokenizer_eos_id (spm), ==, 2);
}

static void
test_long_word (void)
{
  g_autoptr (SyTokenizer) bl = load_family ("bytelevel");
  g_autoptr (SyTokenizer) spm = load_family ("spm");
  GString *word = g_string_new (NULL);
  g_autofree char *text = NULL;

  for (int i = 0; i < 20000; i++)
    g_string_append (word, i % 7 == 0 ? "th" : "e");
  text = g_string_free (word, FALSE);
  for (int f = 0; f < 2; f++)
    {
      SyTokenizer *tok = f == 0 ? bl : spm;
      g_autoptr (SyEncoding) enc = encode (tok, text, FALSE);
      g_autofree char *decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE);

      g_assert_cmpint (enc->n, >, 1);
      g_assert_cmpint (enc->n, <, (int) strlen (text));   /* merges happened */
      g_assert_cmpstr (decoded, ==, text);
      g_assert_cmpint (enc->offsets[2 * enc->n - 1], ==, (int) strlen (text));
    }
}

static void
test_invalid_utf8 (void)
{
  g_autoptr (SyTokenizer) tok = load_family ("bytelevel");
  g_autoptr (GError) error = NULL;
  SyEncoding *enc;

  enc = sy_tokenizer_encode (tok, "ab\xFF" "cd", -1, FALSE, &error);
  g_assert_null (enc);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_BAD_INPUT, "byte 2");

  /* a truncated sequence at the end */
  enc = sy_tokenizer_encode (tok, "abc\xE4\xBD", -1, FALSE, &error);
  g_assert_null (enc);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_BAD_INPUT, "byte 3");

  /* a surrogate encoded in UTF-8 is not valid either */
  enc = sy_tokenizer_encode (tok, "\xED\xA0\x80", -1, FALSE, &error);
  g_assert_null (enc);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT);
  g_clear_error (&error);

  /* with an explicit length, U+0000 is a character like another */
  enc = sy_tokenizer_encode (tok, "a\0b", 3, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (enc->n, ==, 3);
  g_assert_cmpint (enc->offsets[5], ==, 3);
  sy_encoding_free (enc);
}

static void
expect_unsupported (const char *json,
                    const char *name)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-tok-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "tokenizer.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = NULL;

  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  tok = sy_tokenizer_load (dir, &error);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_null (tok);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED);
  if (strstr (error->message, name) == NULL)
    g_test_message ("message '%s' does not name '%s'", error->message, name);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_unsupported (void)
{
  expect_unsupported ("{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": null, \"pre_tokenizer\": "
                      "{\"type\": \"Metaspace\", \"replacement\": \"\\u2581\", \"prepend_scheme\": \"always\", \"split\": true}, "
                      "\"post_processor\": null, \"decoder\": null, \"model\": {\"type\": \"Unigram\", \"unk_id\": 0, "
                      "\"vocab\": [[\"<unk>\", 0.0], [\"\\u2581a\", -1.5], [\"b\", -2.0]], \"byte_fallback\": false}}",
                      "Unigram");
  expect_unsupported ("{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"[UNK]\": 0}}}",
                      "WordPiece");
  expect_unsupported ("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, "
                      "\"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}}", "UnicodeScripts");
  expect_unsupported ("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, "
                      "\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"\"}}", "Precompiled");
  expect_unsupported ("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, "
                      "\"decoder\": {\"type\": \"CTC\"}}", "CTC");
  expect_unsupported ("{\"model\": {\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {\"a\": 0}, \"merges\": []}}",
                      "dropout");
}

static void
test_bad_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = sy_tokenizer_load ("/nonexistent/tokenizer.json", &error);
  const char *merges_bad[] = { "xyz q", NULL };
  g_autoptr (SyTokenizer) tok2 = NULL;

  g_assert_null (tok);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO);
  g_clear_error (&error);
  /* a merge of a token that is not in the vocab is refused at load, by name */
  tok2 = make_tokenizer (NULL, BYTE_LEVEL_PRE, NULL, NULL, merges_bad, &error);
  g_assert_null (tok2);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "merges[0]"));
  g_assert_nonnull (strstr (error->message, "'xyz'"));
}

typedef struct
{
  SyTokenizer *tok;
  const char  *text;
  SyEncoding  *expected;
  gboolean     ok;
} ThreadJob;

static gpointer
thread_encode (gpointer data)
{
  ThreadJob *job = data;

  job->ok = TRUE;
  for (int r = 0; r < 30; r++)
    {
      g_autoptr (SyEncoding) enc = sy_tokenizer_encode (job->tok, job->text, -1, TRUE, NULL);
      g_autofree char *text = NULL;

      if (enc == NULL || enc->n != job->expected->n
          || memcmp (enc->ids, job->expected->ids, sizeof (int32_t) * enc->n) != 0)
        job->ok = FALSE;
      if (enc != NULL)
        text = sy_tokenizer_decode (job->tok, enc->ids, enc->n, TRUE);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (SyTokenizer) tok = load_family ("qwen2");
  GString *s = g_string_new (NULL);
  g_autofree char *text = NULL;
  ThreadJob jobs[4];
  GThread *threads[4];
  g_autoptr (SyEncoding) expected = NULL;

  for (int i = 0; i < 400; i++)
    g_string_append_printf (s, "word%d and some%c more text %d; ", i * 7919 % 1000, 'a' + i % 26, i);
  text = g_string_free (s, FALSE);
  {
    /* the reference run on a fresh tokenizer (empty word cache) */
    g_autoptr (SyTokenizer) fresh = load_family ("qwen2");
    expected = encode (fresh, text, TRUE);
  }
  for (int i = 0; i < 4; i++)
    {
      jobs[i] = (ThreadJob) { tok, text, expected, FALSE };
      threads[i] = g_thread_new ("encode", thread_encode, &jobs[i]);
    }
  for (int i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (jobs[i].ok);
    }
}

/* The merge-pair map grows from a small table: every pair found with its
 * first rank, the count kept across growths, the table at most half full
 * (a full one would make probes run on) */
static void
test_pair_map_grow (void)
{
  SyPairMap map;
  int n = 20000;

  _sy_pair_map_init (&map, 1);
  for (int i = 0; i < n; i++)
    _sy_pair_map_insert (&map, i % 331, i / 331, i, n + i);
  _sy_pair_map_insert (&map, 5, 0, 99999, 0);      /* again: the first rank stays */
  g_assert_cmpuint (map.count, ==, (guint) n);
  g_assert_cmpuint (2 * map.count, <=, map.mask + 1);
  for (int i = 0; i < n; i++)
    {
      const SyPairSlot *slot = _sy_pair_map_lookup (&map, i % 331, i / 331);

      g_assert_nonnull (slot);
      g_assert_cmpint (slot->rank, ==, i);
      g_assert_cmpint (slot->new_id, ==, n + i);
    }
  g_assert_null (_sy_pair_map_lookup (&map, 331, 0));
  _sy_pair_map_clear (&map);
}

static const SyTestCase tests[] = {
  { "/tokenizer/fixture", NULL, test_family, families },
  { "/tokenizer/model", NULL, test_model, models },
  { "/tokenizer/contractions", test_contractions },
  { "/tokenizer/digits-and-spaces", test_digits_and_spaces },
  { "/tokenizer/added-token-options", test_added_token_options },
  { "/tokenizer/normalizers", test_normalizers },
  { "/tokenizer/edge-texts", test_edge_texts },
  { "/tokenizer/special-in-middle", test_special_in_middle },
  { "/tokenizer/metaspace-and-byte-fallback", test_metaspace_and_byte_fallback },
  { "/tokenizer/pieces", test_pieces },
  { "/tokenizer/long-word", test_long_word },
  { "/tokenizer/invalid-utf8", test_invalid_utf8 },
  { "/tokenizer/unsupported", test_unsupported },
  { "/tokenizer/bad-files", test_bad_files },
  { "/tokenizer/threads", test_threads },
  { "/tokenizer/pair-map-grow", test_pair_map_grow },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
