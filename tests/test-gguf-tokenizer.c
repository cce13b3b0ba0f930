/* test-gguf-tokenizer.c: a GGUF's own tokenizer tokenizes as llama.cpp does
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - tokenize.json: llama.cpp's llama-tokenize ids (BOS as the metadata
 *   says) for 39 texts on each of the seven F32 files llama.cpp converted;
 * - vocab/: llama.cpp's own tokenizer test suite on real vocabularies
 *   (test-tokenizer-0: inputs separated by "\n__ggml_vocab_test__\n", one
 *   line of ids each, no BOS, special tokens not parsed);
 * - SentencePiece merges by score, leftmost first among equal scores;
 *   add_space_prefix, add_bos_token / add_eos_token as the metadata says;
 * - an unknown tokenizer.ggml.pre warns, naming it, and tokenizes with
 *   llama.cpp's "default";
 * - switchyard-cli tokenize --model FILE.gguf, a vocabulary-only file
 *   included.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-gguf.h"
#include "sy-gguf-writer.h"
#include "sy-test-util.h"
#include "sy-tokenizer.h"

static char *
llamacpp_path (const char *first,
               ...)
{
  va_list ap;
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  const char *p;

  g_ptr_array_add (parts, (gpointer) g_getenv ("SY_FIXTURES"));
  g_ptr_array_add (parts, (gpointer) "gguf-llamacpp");
  va_start (ap, first);
  for (p = first; p != NULL; p = va_arg (ap, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (ap);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static SyTokenizer *
open_tokenizer (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyGguf) gguf = sy_gguf_open (path, &error);
  SyTokenizer *tok;

  g_assert_no_error (error);
  tok = sy_gguf_tokenizer_new (gguf, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tok);
  return tok;
}

static char *
ids_string (const int32_t *ids,
            int            n)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? " " : "", ids[i]);
  return g_string_free (s, FALSE);
}

/* A text of @len bytes and the @n_want ids it encodes to (with the special
 * tokens when @add_special) */
typedef struct
{
  const char    *text;
  gsize          len;
  gboolean       add_special;
  const int32_t *want;
  int            n_want;
} IdsCase;

/* Encodes the case's text and compares with its ids; TRUE when equal,
 * else a message with both. */
static gboolean
check_ids (SyTokenizer   *tok,
           const char    *label,
           const IdsCase *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, c->text, c->len, c->add_special, &error);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *esc = NULL;

  g_assert_no_error (error);
  if (enc->n == c->n_want && memcmp (enc->ids, c->want, sizeof (int32_t) * c->n_want) == 0)
    return TRUE;
  a = ids_string (enc->ids, enc->n);
  b = ids_string (c->want, c->n_want);
  esc = g_strescape (c->text, NULL);
  g_test_message ("%s: '%s'\n   got  %s\n   want %s", label, esc, a, b);
  return FALSE;
}

static void
test_llamacpp_files (void)
{
  g_autofree char *path = llamacpp_path ("tokenize.json", NULL);
  json_object *root = json_object_from_file (path), *files;
  guint total = 0, good = 0;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "files", &files));
  json_object_object_foreach (files, name, cases)
    {
      g_autofree char *file = llamacpp_path (name, NULL);
      g_autoptr (SyTokenizer) tok = open_tokenizer (file);
      guint n_good = 0, n = json_object_array_length (cases);

      for (guint i = 0; i < n; i++)
        {
          json_object *c = json_object_array_get_idx (cases, i), *text, *ids;
          g_autofree int32_t *want = NULL;
          IdsCase ic = { NULL, 0, TRUE, NULL, 0 };

          g_assert_true (json_object_object_get_ex (c, "text", &text));
          g_assert_true (json_object_object_get_ex (c, "ids", &ids));
          ic.text = json_object_get_string (text);
          ic.len = json_object_get_string_len (text);
          ic.n_want = json_object_array_length (ids);
          want = g_new (int32_t, MAX (ic.n_want, 1));
          for (int k = 0; k < ic.n_want; k++)
            want[k] = json_object_get_int (json_object_array_get_idx (ids, k));
          ic.want = want;
          n_good += check_ids (tok, name, &ic);
        }
      g_test_message ("%s: %u / %u texts as llama.cpp", name, n_good, n);
      total += n;
      good += n_good;
    }
  json_object_put (root);
  g_test_message ("tokenize.json: %u / %u", good, total);
  g_assert_cmpuint (total, >=, 7 * 39);
  g_assert_cmpuint (good, ==, total);
}

/* llama.cpp's tests/test-tokenizer-0 on vocab/ggml-vocab-NAME.gguf */
static void
test_vocab (gconstpointer data)
{
  const char *name = data;
  g_autofree char *base = g_strdup_printf ("ggml-vocab-%s.gguf", name);
  g_autofree char *file = llamacpp_path ("vocab", base, NULL);
  g_autofree char *inp_path = g_strconcat (file, ".inp", NULL);
  g_autofree char *out_path = g_strconcat (file, ".out", NULL);
  g_autofree char *inp = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = open_tokenizer (file);
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) text_lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_auto (GStrv) lines = NULL;
  const char *sep = "\n__ggml_vocab_test__\n";
  gsize inp_len, pos = 0, sep_len = strlen (sep);
  guint n_lines, good = 0;

  g_assert_true (g_file_get_contents (inp_path, &inp, &inp_len, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (out_path, &out, NULL, &error));
  g_assert_no_error (error);

  /* the inputs as test-tokenizer-0 splits them: up to each separator, and
   * what follows the last one when it is not empty */
  while (pos < inp_len)
    {
      const char *next = g_strstr_len (inp + pos, inp_len - pos, sep);
      gsize len = next ? (gsize) (next - (inp + pos)) : inp_len - pos;

      g_ptr_array_add (texts, g_strndup (inp + pos, len));
      g_array_append_val (text_lens, len);
      if (next == NULL)
        break;
      pos += len + sep_len;
    }
  /* the outputs: one line each (std::getline: no last empty line) */
  lines = g_strsplit (out, "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines > 0 && lines[n_lines - 1][0] == '\0')
    n_lines--;
  g_assert_cmpuint (texts->len, ==, n_lines);
  g_assert_cmpuint (texts->len, >, 10);

  for (guint i = 0; i < texts->len; i++)
    {
      g_auto (GStrv) words = g_strsplit (g_strstrip (lines[i]), " ", -1);
      g_autofree int32_t *want = g_new (int32_t, g_strv_length (words) + 1);
      IdsCase ic = { texts->pdata[i], g_array_index (text_lens, gsize, i), FALSE, want, 0 };

      for (int k = 0; words[k]; k++)
        if (words[k][0] != '\0')
          want[ic.n_want++] = atoi (words[k]);
      good += check_ids (tok, base, &ic);
    }
  g_test_message ("%s: %u / %u inputs as llama.cpp", base, good, texts->len);
  g_assert_cmpuint (good, ==, texts->len);
}

static char *
write_vocab (const char         *name,
             const char         *model,
             const char         *pre,
             const char * const *tokens,
             const int32_t      *types,
             const float        *scores,
             guint               n,
             const char * const *merges,
             guint               n_merges)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-gguf-tok-XXXXXX");
  char *path;
  SyGgufWriter *w = sy_gguf_writer_new (3);

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  sy_gguf_writer_add_string (w, "general.name", name);
  sy_gguf_writer_add_string (w, "tokenizer.ggml.model", model);
  if (pre)
    sy_gguf_writer_add_string (w, "tokenizer.ggml.pre", pre);
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.tokens", tokens, n);
  sy_gguf_writer_add_i32_array (w, "tokenizer.ggml.token_type", types, n);
  if (scores)
    sy_gguf_writer_add_f32_array (w, "tokenizer.ggml.scores", scores, n);
  if (merges)
    sy_gguf_writer_add_string_array (w, "tokenizer.ggml.merges", merges, n_merges);
  if (strcmp (model, "llama") == 0)
    {
      sy_gguf_writer_add_u32 (w, "tokenizer.ggml.bos_token_id", 1);
      sy_gguf_writer_add_u32 (w, "tokenizer.ggml.eos_token_id", 2);
      sy_gguf_writer_add_bool (w, "tokenizer.ggml.add_eos_token", TRUE);
      sy_gguf_writer_add_bool (w, "tokenizer.ggml.add_space_prefix", FALSE);
    }
  g_assert_true (sy_gguf_writer_write (w, path, &error));
  g_assert_no_error (error);
  sy_gguf_writer_free (w);
  return path;
}

static void
remove_vocab (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  sy_test_remove_tree (dir);
}

/* Equal scores merge leftmost first (not by id); a better score first;
 * no space prefix when the metadata says so; BOS (default) and EOS
 * (add_eos_token) added. */
static void
test_spm_scores (void)
{
  /* ids chosen so that ranking ties by id would merge "bc" first */
  const char *tokens[] = { "<unk>", "<s>", "</s>", "d", "c", "b", "a", "bc", "ab", "cd", "\u2581" };
  const int32_t types[] = { 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
  /* "bc" and "ab" tie; "cd" beats both */
  const float scores[] = { 0, 0, 0, -1, -1, -1, -1, -5, -5, -2, -1 };
  g_autofree char *path = write_vocab ("spm.gguf", "llama", NULL, tokens, types, scores,
                                       G_N_ELEMENTS (tokens), NULL, 0);
  g_autoptr (SyTokenizer) tok = open_tokenizer (path);
  const int32_t abc[] = { 1, 8, 4, 2 };      /* <s> ab c </s> */
  const int32_t abcd[] = { 8, 9 };           /* ab cd */
  const int32_t bcd[] = { 5, 9 };            /* b cd */
  const int32_t a_b[] = { 6, 10, 5 };        /* a ▁ b */
  const IdsCase cases[] = {
    { "abc", 3, TRUE, abc, G_N_ELEMENTS (abc) },
    { "abcd", 4, FALSE, abcd, G_N_ELEMENTS (abcd) },
    { "bcd", 3, FALSE, bcd, G_N_ELEMENTS (bcd) },
    { "a b", 3, FALSE, a_b, G_N_ELEMENTS (a_b) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_true (check_ids (tok, "spm", &cases[i]));
  remove_vocab (path);
}

/* An unknown pre-tokenizer name: a warning naming it, llama.cpp's
 * "default" pre-tokenizer (which cuts runs of digits in threes, where
 * GPT-2's keeps "1234" whole). */
static void
test_unknown_pre (void)
{
  const char *tokens[] = { "1", "2", "3", "4", "12", "123", "1234", "34" };
  const int32_t types[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  const char *merges[] = { "1 2", "12 3", "123 4", "3 4" };
  g_autofree char *path = write_vocab ("pre.gguf", "gpt2", "no-such-pre", tokens, types, NULL,
                                       G_N_ELEMENTS (tokens), merges, G_N_ELEMENTS (merges));
  g_autofree char *gpt2 = write_vocab ("gpt2.gguf", "gpt2", "gpt-2", tokens, types, NULL,
                                       G_N_ELEMENTS (tokens), merges, G_N_ELEMENTS (merges));
  g_autoptr (SyTokenizer) tok = NULL;
  g_autoptr (SyTokenizer) tok2 = open_tokenizer (gpt2);
  const int32_t want[] = { 5, 3 };   /* 123 4 */
  const int32_t want2[] = { 6 };     /* 1234 */
  const IdsCase pre_1234 = { "1234", 4, TRUE, want, G_N_ELEMENTS (want) };
  const IdsCase gpt2_1234 = { "1234", 4, TRUE, want2, G_N_ELEMENTS (want2) };

  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*pre-tokenizer 'no-such-pre'*not supported*default*");
  tok = open_tokenizer (path);
  g_test_assert_expected_messages ();
  g_assert_true (check_ids (tok, "pre", &pre_1234));
  g_assert_true (check_ids (tok2, "gpt-2", &gpt2_1234));
  remove_vocab (path);
  remove_vocab (gpt2);
}

/* switchyard-cli tokenize --model FILE.gguf: a model file and a
 * vocabulary-only file (no tensors, no architecture) */
static void
test_cli (void)
{
  g_autofree char *mixtral = llamacpp_path ("mixtral.gguf", NULL);
  g_autofree char *vocab = llamacpp_path ("vocab", "ggml-vocab-llama-bpe.gguf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *err = NULL;
  json_object *o, *ids;

  /* tokenize.json: mixtral.gguf, "Hello world" */
  g_assert_cmpint (sy_test_cli (&out, &err, "tokenize", "--model", mixtral, "--text", "Hello world",
                                "--special", NULL), ==, 0);
  o = json_tokener_parse (out);
  g_assert_nonnull (o);
  ids = sy_test_json_get_nonnull (o, "ids");
  g_assert_cmpstr (json_object_to_json_string_ext (ids, JSON_C_TO_STRING_PLAIN), ==, "[1,787,645,365,1624]");
  g_assert_cmpstr (json_object_get_string (sy_test_json_get_nonnull (o, "decoded")), ==, "Hello world");
  json_object_put (o);

  /* llama.cpp's test-tokenizer-0 for Llama 3: "Hello world" is 9906 1917 */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (&out2, &err, "tokenize", "--model", vocab, "--text", "Hello world", NULL), ==, 0);
  o = json_tokener_parse (out2);
  g_assert_nonnull (o);
  ids = sy_test_json_get_nonnull (o, "ids");
  g_assert_cmpstr (json_object_to_json_string_ext (ids, JSON_C_TO_STRING_PLAIN), ==, "[9906,1917]");
  json_object_put (o);
}

static const char *const vocabs[] = {
  "llama-bpe", "llama-spm", "qwen2", "deepseek-llm", "gpt-2", "phi-3", NULL
};

static const SyTestCase tests[] = {
  { "/gguf-tokenizer/llamacpp-files", test_llamacpp_files },
  { "/gguf-tokenizer/spm-scores", test_spm_scores },
  { "/gguf-tokenizer/unknown-pre", test_unknown_pre },
  { "/gguf-tokenizer/cli", test_cli },
  { "/gguf-tokenizer/vocab", NULL, test_vocab, vocabs },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
