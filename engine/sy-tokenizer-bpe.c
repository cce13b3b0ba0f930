/* sy-tokenizer-bpe.c: the BPE model of tokenizer.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A word starts as one symbol per character (or its <0xNN> bytes with
 * byte_fallback, or the unknown token); then the pair of neighbours with
 * the lowest merge rank is merged, leftmost first on ties, until no pair
 * has a merge.  Symbols form a linked list and candidate pairs sit in a
 * binary heap keyed by (rank, position), so a word of n characters costs
 * O(n log n); a stale heap entry is recognised when the pair at its
 * position no longer merges into the id it was pushed with.
 *
 * Words of up to SY_BPE_CACHE_MAX_WORD bytes are cached, guarded by a
 * mutex (so encode may run on several threads), taken twice per call.
 */
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

#define FILE_NAME "tokenizer.json: model"

#define SY_BPE_CACHE_MAX_WORD     256
#define SY_BPE_CACHE_MAX_ENTRIES  50000

typedef struct
{
  int n;
  int32_t data[];   /* ids (n) then byte lengths (n) */
} CacheEntry;

/* The cache of short words: one 64-byte slot holds the word and its
 * tokens, so a hit costs one cache line. */
#define FAST_KEY        28
#define FAST_TOKENS     6
#define FAST_MAX_SLOTS  (1u << 17)

typedef struct
{
  uint32_t hash;               /* high half of the word's hash */
  uint8_t  klen;               /* 0: empty */
  uint8_t  n;
  uint8_t  lens[FAST_TOKENS];
  int32_t  ids[FAST_TOKENS];
  char     key[FAST_KEY];
} FastSlot;

G_STATIC_ASSERT (sizeof (FastSlot) == 64);

struct _SyBpe
{
  SyStrMap   vocab;          /* token -> id */
  char     **vocab_r;        /* (n_vocab_r) id -> token, NULL for holes; owned */
  int       *vocab_len;      /* (n_vocab_r) strlen of each */
  int        n_vocab_r;
  SyPairMap  merges;         /* (left id, right id) -> (rank, merged id) */

  int32_t    unk_id;         /* -1: none */
  gboolean   fuse_unk;
  gboolean   byte_fallback;
  gboolean   ignore_merges;
  gboolean   keep_unknown;   /* drop_unknown_after_merges (ours): as llama.cpp */
  char      *prefix;         /* continuing_subword_prefix, or NULL */
  char      *suffix;         /* end_of_word_suffix, or NULL */
  int32_t    byte_ids[256];  /* id of <0xNN>, or -1 */

  GMutex     cache_lock;
  FastSlot  *fast;           /* (fast_mask + 1) */
  guint      fast_mask;
  guint      fast_count;
  SyStrMap   cache;          /* longer words -> CacheEntry * */
};

int32_t
_sy_bpe_token_to_id (const SyBpe *self,
                     const char  *token,
                     gsize        len)
{
  gintptr v;

  if (_sy_str_map_lookup (&self->vocab, token, len, _sy_hash_bytes (token, len), &v))
    return (int32_t) v;
  return -1;
}

const char *
_sy_bpe_id_to_token (const SyBpe *self,
                     int32_t      id)
{
  if (id < 0 || id >= self->n_vocab_r)
    return NULL;
  return self->vocab_r[id];
}

int
_sy_bpe_id_to_token_len (const SyBpe *self,
                         int32_t      id)
{
  if (id < 0 || id >= self->n_vocab_r || self->vocab_r[id] == NULL)
    return 0;
  return self->vocab_len[id];
}

int
_sy_bpe_max_id (const SyBpe *self)
{
  return self->n_vocab_r - 1;
}

void
_sy_bpe_free (SyBpe *self)
{
  if (self == NULL)
    return;
  _sy_str_map_clear (&self->vocab, NULL);
  for (int i = 0; i < self->n_vocab_r; i++)
    g_free (self->vocab_r[i]);
  g_free (self->vocab_r);
  g_free (self->vocab_len);
  _sy_pair_map_clear (&self->merges);
  g_free (self->prefix);
  g_free (self->suffix);
  g_mutex_clear (&self->cache_lock);
  _sy_str_map_clear (&self->cache, g_free);
  g_free (self->fast);
  g_free (self);
}

/* model.vocab: token -> id, and the ids back to tokens */
static gboolean
bpe_load_vocab (SyBpe        *self,
                json_object  *vocab,
                GError      **error)
{
  int max_id = -1;

  _sy_str_map_init (&self->vocab, json_object_object_length (vocab));
  json_object_object_foreach (vocab, key, val)
    {
      int64_t id;

      if (!json_object_is_type (val, json_type_int) || (id = json_object_get_int64 (val)) < 0 || id > G_MAXINT32 / 2)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.vocab: token '%s' has no valid id", key);
          return FALSE;
        }
      _sy_str_map_insert (&self->vocab, key, strlen (key), _sy_hash_bytes (key, strlen (key)), (gintptr) id);
      max_id = MAX (max_id, (int) id);
    }
  self->n_vocab_r = max_id + 1;
  self->vocab_r = g_new0 (char *, MAX (self->n_vocab_r, 1));
  json_object_object_foreach (vocab, key2, val2)
    {
      int id = json_object_get_int (val2);
      if (self->vocab_r[id] == NULL)
        self->vocab_r[id] = g_strdup (key2);
    }
  self->vocab_len = g_new0 (int, MAX (self->n_vocab_r, 1));
  for (int i = 0; i < self->n_vocab_r; i++)
    self->vocab_len[i] = self->vocab_r[i] ? strlen (self->vocab_r[i]) : 0;
  return TRUE;
}

/* The model's options: affixes, flags, the unknown token, the byte tokens */
static gboolean
bpe_load_options (SyBpe        *self,
                  json_object  *model,
                  GError      **error)
{
  g_autofree char *unk = NULL;

  if (!sy_json_get_string (model, FILE_NAME, "continuing_subword_prefix", NULL, &self->prefix, error)
      || !sy_json_get_string (model, FILE_NAME, "end_of_word_suffix", NULL, &self->suffix, error)
      || !sy_json_get_bool (model, FILE_NAME, "fuse_unk", FALSE, &self->fuse_unk, error)
      || !sy_json_get_bool (model, FILE_NAME, "byte_fallback", FALSE, &self->byte_fallback, error)
      || !sy_json_get_bool (model, FILE_NAME, "ignore_merges", FALSE, &self->ignore_merges, error)
      || !sy_json_get_bool (model, FILE_NAME, "drop_unknown_after_merges", FALSE, &self->keep_unknown, error)
      || !sy_json_get_string (model, FILE_NAME, "unk_token", NULL, &unk, error))
    return FALSE;
  self->unk_id = -1;
  if (unk != NULL)
    {
      self->unk_id = _sy_bpe_token_to_id (self, unk, strlen (unk));
      if (self->unk_id < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.unk_token '%s' is not in the vocab", unk);
          return FALSE;
        }
    }
  for (int b = 0; b < 256; b++)
    {
      char name[8];
      g_snprintf (name, sizeof name, "<0x%02X>", b);
      self->byte_ids[b] = _sy_bpe_token_to_id (self, name, 6);
    }
  return TRUE;
}

/* The two tokens of merge @m, "a b" (exactly one space) or ["a", "b"];
 * FALSE when it is neither */
static gboolean
merge_tokens (json_object  *m,
              const char  **a,
              gsize        *la,
              const char  **b,
              gsize        *lb)
{
  if (json_object_is_type (m, json_type_string))
    {
      const char *s = json_object_get_string (m);
      const char *sp = strchr (s, ' ');

      if (sp == NULL || strchr (sp + 1, ' ') != NULL)
        return FALSE;
      *a = s;
      *la = sp - s;
      *b = sp + 1;
      *lb = strlen (*b);
      return TRUE;
    }
  if (json_object_is_type (m, json_type_array) && json_object_array_length (m) == 2
      && json_object_is_type (json_object_array_get_idx (m, 0), json_type_string)
      && json_object_is_type (json_object_array_get_idx (m, 1), json_type_string))
    {
      *a = json_object_get_string (json_object_array_get_idx (m, 0));
      *la = json_object_get_string_len (json_object_array_get_idx (m, 0));
      *b = json_object_get_string (json_object_array_get_idx (m, 1));
      *lb = json_object_get_string_len (json_object_array_get_idx (m, 1));
      return TRUE;
    }
  return FALSE;
}

/* model.merges, each with its rank */
static gboolean
bpe_load_merges (SyBpe        *self,
                 json_object  *model,
                 json_object  *merges,
                 GError      **error)
{
  g_autoptr (GString) merged = g_string_new (NULL);
  gsize prefix_len = self->prefix ? strlen (self->prefix) : 0;
  json_object *ranks = NULL;

  /* "merge_ranks" (our extension, for SentencePiece vocabularies): the
   * rank of each merge, equal ranks merging leftmost first; by default a
   * merge's rank is its index */
  if (json_object_object_get_ex (model, "merge_ranks", &ranks)
      && (!json_object_is_type (ranks, json_type_array)
          || json_object_array_length (ranks) != json_object_array_length (merges)))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: model.merge_ranks is not a list with one rank per merge");
      return FALSE;
    }

  _sy_pair_map_init (&self->merges, json_object_array_length (merges));
  for (size_t r = 0; r < json_object_array_length (merges); r++)
    {
      const char *a = NULL, *b = NULL;
      gsize la = 0, lb = 0;
      int32_t ia, ib, inew, rank;

      if (!merge_tokens (json_object_array_get_idx (merges, r), &a, &la, &b, &lb))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merges[%zu] is neither \"a b\" nor [\"a\", \"b\"]", r);
          return FALSE;
        }
      ia = _sy_bpe_token_to_id (self, a, la);
      ib = _sy_bpe_token_to_id (self, b, lb);
      if (ia < 0 || ib < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merges[%zu]: '%.*s' is not in the vocab", r,
                       (int) (ia < 0 ? la : lb), ia < 0 ? a : b);
          return FALSE;
        }
      /* the merged token: a, then b without its continuing-subword prefix */
      g_string_truncate (merged, 0);
      g_string_append_len (merged, a, la);
      if (prefix_len > 0 && lb >= prefix_len && memcmp (b, self->prefix, prefix_len) == 0)
        g_string_append_len (merged, b + prefix_len, lb - prefix_len);
      else
        g_string_append_len (merged, b, lb);
      inew = _sy_bpe_token_to_id (self, merged->str, merged->len);
      if (inew < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merges[%zu]: merged token '%s' is not in the vocab", r, merged->str);
          return FALSE;
        }
      rank = ranks ? json_object_get_int (json_object_array_get_idx (ranks, r)) : (int32_t) r;
      if (rank < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merge_ranks[%zu] is negative", r);
          return FALSE;
        }
      _sy_pair_map_insert (&self->merges, ia, ib, rank, inew);
    }
  return TRUE;
}

SyBpe *
_sy_bpe_parse (json_object  *model,
               GError      **error)
{
  g_autofree char *type = NULL;
  json_object *vocab, *merges, *v;
  SyBpe *self;

  if (!sy_json_get_string (model, FILE_NAME, "type", NULL, &type, error))
    return NULL;
  if (type != NULL && strcmp (type, "BPE") != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: model type '%s' is not supported (only BPE)", type);
      return NULL;
    }
  if (!json_object_object_get_ex (model, "vocab", &vocab) || !json_object_is_type (vocab, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, type == NULL ? SY_ENGINE_ERROR_UNSUPPORTED : SY_ENGINE_ERROR_CORRUPT,
                   type == NULL ? "tokenizer.json: model has no \"type\" and is not a BPE vocab/merges model"
                                : "tokenizer.json: model.vocab is missing or not an object");
      return NULL;
    }
  if (!json_object_object_get_ex (model, "merges", &merges) || !json_object_is_type (merges, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: model.merges is missing or not a list");
      return NULL;
    }
  if (json_object_object_get_ex (model, "dropout", &v) && !json_object_is_type (v, json_type_null)
      && json_object_get_double (v) != 0.0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "tokenizer.json: BPE dropout %g is not supported (encoding must be deterministic)",
                   json_object_get_double (v));
      return NULL;
    }

  self = g_new0 (SyBpe, 1);
  g_mutex_init (&self->cache_lock);
  _sy_str_map_init (&self->cache, 1024);
  self->fast = g_new0 (FastSlot, 4096);
  self->fast_mask = 4096 - 1;
  if (!bpe_load_vocab (self, vocab, error)
      || !bpe_load_options (self, model, error)
      || !bpe_load_merges (self, model, merges, error))
    {
      _sy_bpe_free (self);
      return NULL;
    }
  return self;
}

/* ---- merging ------------------------------------------------------------ */

typedef struct
{
  int32_t rank;
  int32_t pos;
  int32_t new_id;
} HeapItem;

static inline gboolean
heap_less (const HeapItem *a,
           const HeapItem *b)
{
  return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void
heap_push (HeapItem *heap,
           int      *n,
           HeapItem  item)
{
  int i = (*n)++;

  while (i > 0)
    {
      int parent = (i - 1) / 2;
      if (!heap_less (&item, &heap[parent]))
        break;
      heap[i] = heap[parent];
      i = parent;
    }
  heap[i] = item;
}

static HeapItem
heap_pop (HeapItem *heap,
          int      *n)
{
  HeapItem top = heap[0];
  HeapItem last = heap[--(*n)];
  int i = 0;

  for (;;)
    {
      int l = 2 * i + 1, r = l + 1, m = i;
      const HeapItem *best = &last;

      if (l < *n && heap_less (&heap[l], best))
        {
          m = l;
          best = &heap[l];
        }
      if (r < *n && heap_less (&heap[r], best))
        m = r;
      if (m == i)
        break;
      heap[i] = heap[m];
      i = m;
    }
  if (*n > 0)
    heap[i] = last;
  return top;
}

typedef struct
{
  int32_t id;
  int32_t len;    /* bytes; 0 once merged into its left neighbour */
  int32_t prev;
  int32_t next;
} Symbol;

static void
symbols_add (GArray  *syms,
             int32_t  id,
             int32_t  len)
{
  Symbol s = { id, len, (int32_t) syms->len - 1, -1 };
  g_array_append_val (syms, s);
}

/* The initial symbols of a word. */
static void
initial_symbols (SyBpe      *self,
                 const char *w,
                 int         len,
                 GArray     *syms)
{
  g_autoptr (GString) tmp = NULL;
  int32_t unk_id = -1, unk_len = 0;

  for (int i = 0; i < len;)
    {
      int n = MIN (_sy_utf8_char_len ((guchar) w[i]), len - i);
      gboolean first = i == 0, last = i + n >= len;
      const char *s = w + i;
      gsize slen = n;
      int32_t id;

      if ((self->prefix != NULL && !first) || (self->suffix != NULL && last))
        {
          if (tmp == NULL)
            tmp = g_string_new (NULL);
          g_string_truncate (tmp, 0);
          if (self->prefix != NULL && !first)
            g_string_append (tmp, self->prefix);
          g_string_append_len (tmp, w + i, n);
          if (self->suffix != NULL && last)
            g_string_append (tmp, self->suffix);
          s = tmp->str;
          slen = tmp->len;
        }
      id = _sy_bpe_token_to_id (self, s, slen);
      if (id >= 0)
        {
          if (unk_id >= 0)
            {
              symbols_add (syms, unk_id, unk_len);
              unk_id = -1;
            }
          symbols_add (syms, id, n);
        }
      else
        {
          gboolean done = FALSE;

          if (self->byte_fallback)
            {
              gboolean all = TRUE;
              for (gsize k = 0; k < slen; k++)
                if (self->byte_ids[(guchar) s[k]] < 0)
                  all = FALSE;
              if (all)
                {
                  /* as the library does: the bytes of the lookup string */
                  if (unk_id >= 0)
                    {
                      symbols_add (syms, unk_id, unk_len);
                      unk_id = -1;
                    }
                  for (gsize k = 0; k < slen; k++)
                    symbols_add (syms, self->byte_ids[(guchar) s[k]], 1);
                  done = TRUE;
                }
            }
          if (!done && self->unk_id >= 0)
            {
              if (unk_id >= 0 && self->fuse_unk)
                unk_len += n;
              else
                {
                  if (unk_id >= 0)
                    symbols_add (syms, unk_id, unk_len);
                  unk_id = self->unk_id;
                  unk_len = n;
                }
            }
          /* no unk token: the character is dropped, as the library does;
           * llama.cpp keeps it as a symbol that merges with nothing and
           * leaves it out of the output */
          if (!done && self->unk_id < 0 && self->keep_unknown)
            {
              if (unk_id >= 0)
                {
                  symbols_add (syms, unk_id, unk_len);
                  unk_id = -1;
                }
              symbols_add (syms, -1, n);
            }
        }
      i += n;
    }
  if (unk_id >= 0)
    symbols_add (syms, unk_id, unk_len);
  if (syms->len > 0)
    g_array_index (syms, Symbol, syms->len - 1).next = -1;
  for (guint k = 0; k + 1 < syms->len; k++)
    g_array_index (syms, Symbol, k).next = k + 1;
}

static void
merge_word (SyBpe  *self,
            GArray *syms)
{
  Symbol *sym = (Symbol *) syms->data;
  int n_sym = syms->len;
  HeapItem local[192];
  HeapItem *heap = 3 * n_sym + 2 <= 192 ? local : g_new (HeapItem, 3 * n_sym + 2);
  int n_heap = 0;

  /* n - 1 first pairs, and each of the at most n - 1 merges pushes two:
   * 3n bounds the heap */
  for (int i = 0; i + 1 < n_sym; i++)
    {
      const SyPairSlot *m = _sy_pair_map_lookup (&self->merges, sym[i].id, sym[i + 1].id);
      if (m != NULL)
        heap_push (heap, &n_heap, (HeapItem) { m->rank, i, m->new_id });
    }
  while (n_heap > 0)
    {
      HeapItem top = heap_pop (heap, &n_heap);
      Symbol *cur = &sym[top.pos];
      const SyPairSlot *m;
      int right;

      if (cur->len == 0 || cur->next < 0)
        continue;
      right = cur->next;
      m = _sy_pair_map_lookup (&self->merges, cur->id, sym[right].id);
      if (m == NULL || m->new_id != top.new_id)
        continue;
      /* merge the right neighbour into this symbol */
      cur->id = top.new_id;
      cur->len += sym[right].len;
      cur->next = sym[right].next;
      sym[right].len = 0;
      if (cur->next >= 0)
        sym[cur->next].prev = top.pos;
      if (cur->prev >= 0)
        {
          m = _sy_pair_map_lookup (&self->merges, sym[cur->prev].id, cur->id);
          if (m != NULL)
            heap_push (heap, &n_heap, (HeapItem) { m->rank, cur->prev, m->new_id });
        }
      if (cur->next >= 0)
        {
          m = _sy_pair_map_lookup (&self->merges, cur->id, sym[cur->next].id);
          if (m != NULL)
            heap_push (heap, &n_heap, (HeapItem) { m->rank, top.pos, m->new_id });
        }
    }
  if (heap != local)
    g_free (heap);
}

/* The merged tokens of one word, uncached. */
static void
bpe_compute (SyBpe      *self,
             const char *word,
             int         len,
             GArray     *syms,
             GArray     *ids,
             GArray     *lens)
{
  guint at;
  int32_t pending = 0;

  g_array_set_size (syms, 0);
  if (self->ignore_merges)
    {
      int32_t id = _sy_bpe_token_to_id (self, word, len);
      if (id >= 0)
        symbols_add (syms, id, len);
    }
  if (syms->len == 0)
    {
      initial_symbols (self, word, len, syms);
      merge_word (self, syms);
    }
  at = ids->len;
  for (guint i = 0; i < syms->len; i++)
    {
      const Symbol *s = &g_array_index (syms, Symbol, i);
      int32_t tok_len = s->len + pending;

      if (s->len <= 0)
        continue;
      if (s->id < 0)
        {
          /* a character kept out (keep_unknown): its bytes go to a neighbour */
          if (ids->len > at)
            g_array_index (lens, int32_t, lens->len - 1) += s->len;
          else
            pending += s->len;
          continue;
        }
      pending = 0;
      g_array_append_val (ids, s->id);
      g_array_append_val (lens, tok_len);
    }
}

/* ---- the word cache -------------------------------------------------------- */

static inline FastSlot *
fast_find (SyBpe      *self,
           const char *word,
           int         len,
           uint64_t    hash)
{
  uint32_t h32 = (uint32_t) (hash >> 32);
  guint i = (guint) hash & self->fast_mask;

  for (;;)
    {
      FastSlot *slot = &self->fast[i];
      if (slot->klen == 0)
        return slot;
      if (slot->hash == h32 && slot->klen == len && memcmp (slot->key, word, len) == 0)
        return slot;
      i = (i + 1) & self->fast_mask;
    }
}

static void
fast_grow (SyBpe *self)
{
  FastSlot *old = self->fast;
  guint old_cap = self->fast_mask + 1, cap = old_cap * 2;

  self->fast = g_new0 (FastSlot, cap);
  self->fast_mask = cap - 1;
  for (guint k = 0; k < old_cap; k++)
    if (old[k].klen != 0)
      {
        /* the low bits of the full hash are not stored: rehash the key */
        uint64_t hash = _sy_hash_bytes (old[k].key, old[k].klen);
        *fast_find (self, old[k].key, old[k].klen, hash) = old[k];
      }
  g_free (old);
}

/* Looks @word up; on a hit appends its tokens and returns TRUE. */
static gboolean
cache_lookup (SyBpe      *self,
              const char *word,
              int         len,
              uint64_t    hash,
              GArray     *ids,
              GArray     *lens)
{
  if (len <= FAST_KEY)
    {
      const FastSlot *slot = fast_find (self, word, len, hash);
      guint at;

      if (slot->klen == 0)
        goto slow;
      at = ids->len;
      g_array_set_size (ids, at + slot->n);
      g_array_set_size (lens, at + slot->n);
      for (int k = 0; k < slot->n; k++)
        {
          g_array_index (ids, int32_t, at + k) = slot->ids[k];
          g_array_index (lens, int32_t, at + k) = slot->lens[k];
        }
      return TRUE;
    }
slow:
    {
      gintptr v;
      const CacheEntry *entry;

      if (!_sy_str_map_lookup (&self->cache, word, len, hash, &v))
        return FALSE;
      entry = (const CacheEntry *) v;
      g_array_append_vals (ids, entry->data, entry->n);
      g_array_append_vals (lens, entry->data + entry->n, entry->n);
      return TRUE;
    }
}

static void
cache_insert (SyBpe         *self,
              const char    *word,
              int            len,
              uint64_t       hash,
              const int32_t *ids,
              const int32_t *lens,
              int            n)
{
  if (len <= FAST_KEY && n <= FAST_TOKENS)
    {
      FastSlot *slot;

      if ((self->fast_count + 1) * 2 > self->fast_mask + 1)
        {
          if (self->fast_mask + 1 >= FAST_MAX_SLOTS)
            return;
          fast_grow (self);
        }
      slot = fast_find (self, word, len, hash);
      if (slot->klen != 0)
        return; /* cached meanwhile by another thread */
      slot->hash = (uint32_t) (hash >> 32);
      slot->klen = (uint8_t) len;
      slot->n = (uint8_t) n;
      for (int k = 0; k < n; k++)
        {
          slot->ids[k] = ids[k];
          slot->lens[k] = (uint8_t) lens[k];
        }
      memcpy (slot->key, word, len);
      self->fast_count++;
    }
  else if (len <= SY_BPE_CACHE_MAX_WORD && self->cache.count < SY_BPE_CACHE_MAX_ENTRIES)
    {
      gintptr v;
      CacheEntry *entry;

      if (_sy_str_map_lookup (&self->cache, word, len, hash, &v))
        return;
      entry = g_malloc (sizeof (CacheEntry) + sizeof (int32_t) * 2 * n);
      entry->n = n;
      memcpy (entry->data, ids, sizeof (int32_t) * n);
      memcpy (entry->data + n, lens, sizeof (int32_t) * n);
      _sy_str_map_insert (&self->cache, word, len, hash, (gintptr) entry);
    }
}

void
_sy_bpe_tokenize_words (SyBpe            *self,
                        const SyTokPiece *words,
                        guint             n_words,
                        GArray           *ids,
                        GArray           *lens,
                        int              *ranges)
{
  g_autoptr (GArray) misses = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) hashes = g_array_sized_new (FALSE, FALSE, sizeof (uint64_t), n_words);
  g_autoptr (GArray) syms = g_array_new (FALSE, FALSE, sizeof (Symbol));

  g_array_set_size (hashes, n_words);
  for (guint i = 0; i < n_words; i++)
    {
      ranges[2 * i] = 0;
      ranges[2 * i + 1] = 0;
      if (words[i].added_id < 0 && words[i].len > 0 && words[i].len <= SY_BPE_CACHE_MAX_WORD)
        g_array_index (hashes, uint64_t, i) = _sy_hash_bytes (words[i].s, words[i].len);
    }

  /* one pass under the lock for the hits, the misses computed outside it,
   * then one more locked pass to cache them */
  g_mutex_lock (&self->cache_lock);
  for (guint i = 0; i < n_words; i++)
    {
      const SyTokPiece *w = &words[i];
      guint at = ids->len;

      /* the table is larger than the caches: ask for a slot some words ahead */
      if (i + 8 < n_words)
        __builtin_prefetch (&self->fast[(guint) g_array_index (hashes, uint64_t, i + 8) & self->fast_mask]);
      if (w->added_id >= 0 || w->len <= 0)
        continue;
      if (w->len <= SY_BPE_CACHE_MAX_WORD
          && cache_lookup (self, w->s, w->len, g_array_index (hashes, uint64_t, i), ids, lens))
        {
          ranges[2 * i] = at;
          ranges[2 * i + 1] = ids->len - at;
        }
      else
        g_array_append_val (misses, i);
    }
  g_mutex_unlock (&self->cache_lock);

  for (guint k = 0; k < misses->len; k++)
    {
      guint i = g_array_index (misses, guint, k);
      guint at = ids->len;

      bpe_compute (self, words[i].s, words[i].len, syms, ids, lens);
      ranges[2 * i] = at;
      ranges[2 * i + 1] = ids->len - at;
    }

  if (misses->len > 0)
    {
      g_mutex_lock (&self->cache_lock);
      for (guint k = 0; k < misses->len; k++)
        {
          guint i = g_array_index (misses, guint, k);
          if (words[i].len <= SY_BPE_CACHE_MAX_WORD)
            cache_insert (self, words[i].s, words[i].len, g_array_index (hashes, uint64_t, i),
                          &g_array_index (ids, int32_t, ranges[2 * i]),
                          &g_array_index (lens, int32_t, ranges[2 * i]), ranges[2 * i + 1]);
        }
      g_mutex_unlock (&self->cache_lock);
    }
}
