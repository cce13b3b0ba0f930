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
 * Words of up to SY_BPE_CACHE_MAX_WORD bytes are cached (guarded by a
 * mutex, so encode may run on several threads).
 */
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"

#define SY_BPE_CACHE_MAX_WORD     256
#define SY_BPE_CACHE_MAX_ENTRIES  200000

typedef struct
{
  int n;
  int32_t data[];   /* ids (n) then byte lengths (n) */
} CacheEntry;

struct _SyBpe
{
  SyStrMap   vocab;          /* token -> id */
  char     **vocab_r;        /* (n_vocab_r) id -> token, NULL for holes; owned */
  int        n_vocab_r;
  SyPairMap  merges;         /* (left id, right id) -> (rank, merged id) */

  int32_t    unk_id;         /* -1: none */
  gboolean   fuse_unk;
  gboolean   byte_fallback;
  gboolean   ignore_merges;
  char      *prefix;         /* continuing_subword_prefix, or NULL */
  char      *suffix;         /* end_of_word_suffix, or NULL */
  int32_t    byte_ids[256];  /* id of <0xNN>, or -1 */

  GMutex     cache_lock;
  SyStrMap   cache;          /* word -> CacheEntry * */
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
  _sy_pair_map_clear (&self->merges);
  g_free (self->prefix);
  g_free (self->suffix);
  g_mutex_clear (&self->cache_lock);
  _sy_str_map_clear (&self->cache, g_free);
  g_free (self);
}

static const char *
opt_string (json_object *obj,
            const char  *key)
{
  json_object *v;

  if (json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

static gboolean
opt_bool (json_object *obj,
          const char  *key)
{
  json_object *v;

  return json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_boolean)
         && json_object_get_boolean (v);
}

SyBpe *
_sy_bpe_parse (json_object  *model,
               GError      **error)
{
  g_autoptr (GString) merged = g_string_new (NULL);
  json_object *vocab, *merges, *v;
  const char *type = opt_string (model, "type");
  SyBpe *self;
  int max_id = -1;

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
  _sy_str_map_init (&self->vocab, json_object_object_length (vocab));

  json_object_object_foreach (vocab, key, val)
    {
      int64_t id;

      if (!json_object_is_type (val, json_type_int) || (id = json_object_get_int64 (val)) < 0 || id > G_MAXINT32 / 2)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.vocab: token '%s' has no valid id", key);
          goto fail;
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

  self->prefix = g_strdup (opt_string (model, "continuing_subword_prefix"));
  self->suffix = g_strdup (opt_string (model, "end_of_word_suffix"));
  self->fuse_unk = opt_bool (model, "fuse_unk");
  self->byte_fallback = opt_bool (model, "byte_fallback");
  self->ignore_merges = opt_bool (model, "ignore_merges");
  self->unk_id = -1;
  if (opt_string (model, "unk_token") != NULL)
    {
      const char *unk = opt_string (model, "unk_token");
      self->unk_id = _sy_bpe_token_to_id (self, unk, strlen (unk));
      if (self->unk_id < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.unk_token '%s' is not in the vocab", unk);
          goto fail;
        }
    }
  for (int b = 0; b < 256; b++)
    {
      char name[8];
      g_snprintf (name, sizeof name, "<0x%02X>", b);
      self->byte_ids[b] = _sy_bpe_token_to_id (self, name, 6);
    }

  _sy_pair_map_init (&self->merges, json_object_array_length (merges));
  for (size_t r = 0; r < json_object_array_length (merges); r++)
    {
      json_object *m = json_object_array_get_idx (merges, r);
      g_autofree char *owned = NULL;
      const char *a = NULL, *b = NULL;
      gsize la = 0, lb = 0, prefix_len = self->prefix ? strlen (self->prefix) : 0;
      int32_t ia, ib, inew;

      if (json_object_is_type (m, json_type_string))
        {
          /* "a b": exactly one space */
          const char *s = json_object_get_string (m);
          const char *sp = strchr (s, ' ');

          if (sp != NULL && strchr (sp + 1, ' ') == NULL)
            {
              a = s;
              la = sp - s;
              b = sp + 1;
              lb = strlen (b);
            }
        }
      else if (json_object_is_type (m, json_type_array) && json_object_array_length (m) == 2
               && json_object_is_type (json_object_array_get_idx (m, 0), json_type_string)
               && json_object_is_type (json_object_array_get_idx (m, 1), json_type_string))
        {
          a = json_object_get_string (json_object_array_get_idx (m, 0));
          la = json_object_get_string_len (json_object_array_get_idx (m, 0));
          b = json_object_get_string (json_object_array_get_idx (m, 1));
          lb = json_object_get_string_len (json_object_array_get_idx (m, 1));
        }
      if (a == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merges[%zu] is neither \"a b\" nor [\"a\", \"b\"]", r);
          goto fail;
        }
      ia = _sy_bpe_token_to_id (self, a, la);
      ib = _sy_bpe_token_to_id (self, b, lb);
      if (ia < 0 || ib < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "tokenizer.json: model.merges[%zu]: '%.*s' is not in the vocab", r,
                       (int) (ia < 0 ? la : lb), ia < 0 ? a : b);
          goto fail;
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
          goto fail;
        }
      _sy_pair_map_insert (&self->merges, ia, ib, (int32_t) r, inew);
    }
  return self;

fail:
  _sy_bpe_free (self);
  return NULL;
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
          /* no unk token: the character is dropped, as the library does */
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

void
_sy_bpe_tokenize (SyBpe      *self,
                  const char *word,
                  int         len,
                  GArray     *ids,
                  GArray     *lens)
{
  g_autoptr (GArray) syms = NULL;
  uint64_t hash = 0;
  gboolean cacheable = len <= SY_BPE_CACHE_MAX_WORD;
  CacheEntry *entry;
  int n = 0;

  if (len <= 0)
    return;
  if (cacheable)
    {
      gintptr v;
      gboolean hit;

      hash = _sy_hash_bytes (word, len);
      g_mutex_lock (&self->cache_lock);
      hit = _sy_str_map_lookup (&self->cache, word, len, hash, &v);
      if (hit)
        {
          entry = (CacheEntry *) v;
          g_array_append_vals (ids, entry->data, entry->n);
          g_array_append_vals (lens, entry->data + entry->n, entry->n);
        }
      g_mutex_unlock (&self->cache_lock);
      if (hit)
        return;
    }

  syms = g_array_sized_new (FALSE, FALSE, sizeof (Symbol), len);
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

  for (guint i = 0; i < syms->len; i++)
    {
      const Symbol *s = &g_array_index (syms, Symbol, i);
      if (s->len > 0)
        {
          g_array_append_val (ids, s->id);
          g_array_append_val (lens, s->len);
          n++;
        }
    }

  if (cacheable)
    {
      entry = g_malloc (sizeof (CacheEntry) + sizeof (int32_t) * 2 * n);
      entry->n = n;
      memcpy (entry->data, &g_array_index (ids, int32_t, ids->len - n), sizeof (int32_t) * n);
      memcpy (entry->data + n, &g_array_index (lens, int32_t, lens->len - n), sizeof (int32_t) * n);
      gintptr v;

      g_mutex_lock (&self->cache_lock);
      /* another thread may have cached the word meanwhile: keep its entry */
      if (self->cache.count < SY_BPE_CACHE_MAX_ENTRIES
          && !_sy_str_map_lookup (&self->cache, word, len, hash, &v))
        {
          _sy_str_map_insert (&self->cache, word, len, hash, (gintptr) entry);
          entry = NULL;
        }
      g_mutex_unlock (&self->cache_lock);
      g_free (entry);
    }
}
