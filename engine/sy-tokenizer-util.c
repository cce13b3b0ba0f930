/* sy-tokenizer-util.c: containers and Unicode helpers of the tokenizer
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-tokenizer-private.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

/* ---- arena ------------------------------------------------------------- */

#define SY_ARENA_BLOCK (64 * 1024)

void
_sy_arena_init (SyArena *arena)
{
  arena->blocks = NULL;
  arena->cur = NULL;
  arena->left = 0;
}

void *
_sy_arena_alloc (SyArena *arena,
                 gsize    size)
{
  void *p;

  size = (size + 7) & ~(gsize) 7;
  if (size > arena->left)
    {
      gsize block = MAX (size, SY_ARENA_BLOCK);
      char *mem = g_malloc (block);

      if (block > SY_ARENA_BLOCK)
        {
          /* A big one gets its own block; the current block stays in use. */
          arena->blocks = g_slist_append (arena->blocks, mem);
          return mem;
        }
      arena->blocks = g_slist_prepend (arena->blocks, mem);
      arena->cur = mem;
      arena->left = block;
    }
  p = arena->cur;
  arena->cur += size;
  arena->left -= size;
  return p;
}

void
_sy_arena_clear (SyArena *arena)
{
  g_slist_free_full (arena->blocks, g_free);
  _sy_arena_init (arena);
}

/* ---- string map ----------------------------------------------------------- */

uint64_t
_sy_hash_bytes (const char *s,
                gsize       len)
{
  /* FNV-1a, 8 bytes at a time where it can, then a final mix. */
  uint64_t h = 0xcbf29ce484222325ull ^ (len * 0x9E3779B97F4A7C15ull);
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      uint64_t w;
      memcpy (&w, s + i, 8);
      h = (h ^ w) * 0x100000001b3ull;
      h ^= h >> 29;
    }
  for (; i < len; i++)
    h = (h ^ (guchar) s[i]) * 0x100000001b3ull;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

/* The zeroed slots (@slot_size bytes each) of an open-addressing table
 * for @expected keys: a power of two, at least 16, at most half full;
 * sets the table's @mask and its @count (0) */
static gpointer
map_slots_new (guint *mask,
               guint *count,
               guint  expected,
               gsize  slot_size)
{
  guint cap = 16;

  while (cap < expected * 2)
    cap <<= 1;
  *mask = cap - 1;
  *count = 0;
  return g_malloc0_n (cap, slot_size);
}

void
_sy_str_map_init (SyStrMap *map,
                  guint     expected)
{
  map->slots = map_slots_new (&map->mask, &map->count, expected, sizeof (SyStrSlot));
}

void
_sy_str_map_clear (SyStrMap       *map,
                   GDestroyNotify  free_value)
{
  if (map->slots == NULL)
    return;
  for (guint i = 0; i <= map->mask; i++)
    if (map->slots[i].key != NULL)
      {
        g_free (map->slots[i].key);
        if (free_value != NULL)
          free_value ((gpointer) map->slots[i].value);
      }
  g_clear_pointer (&map->slots, g_free);
  map->mask = 0;
  map->count = 0;
}

/* The slot of @key, or the empty slot where it goes (the table is never
 * full). */
static inline SyStrSlot *
str_map_find (const SyStrMap *map,
              const char     *key,
              gsize           len,
              uint64_t        hash)
{
  guint i = (guint) hash & map->mask;

  for (;;)
    {
      SyStrSlot *slot = &map->slots[i];
      if (slot->key == NULL)
        return slot;
      if (slot->hash == hash && slot->klen == (int32_t) len && memcmp (slot->key, key, len) == 0)
        return slot;
      i = (i + 1) & map->mask;
    }
}

static void
str_map_grow (SyStrMap *map)
{
  SyStrSlot *old = map->slots;
  guint old_cap = map->mask + 1;
  guint cap = old_cap * 2;

  map->slots = g_new0 (SyStrSlot, cap);
  map->mask = cap - 1;
  for (guint i = 0; i < old_cap; i++)
    if (old[i].key != NULL)
      *str_map_find (map, old[i].key, old[i].klen, old[i].hash) = old[i];
  g_free (old);
}

gboolean
_sy_str_map_insert (SyStrMap   *map,
                    const char *key,
                    gsize       len,
                    uint64_t    hash,
                    gintptr     value)
{
  SyStrSlot *slot;

  if ((map->count + 1) * 2 > map->mask + 1)
    str_map_grow (map);
  slot = str_map_find (map, key, len, hash);
  if (slot->key != NULL)
    {
      slot->value = value;
      return FALSE;
    }
  slot->hash = hash;
  slot->key = g_malloc (len + 1);
  memcpy (slot->key, key, len);
  slot->key[len] = '\0';
  slot->klen = (int32_t) len;
  slot->value = value;
  map->count++;
  return TRUE;
}

gboolean
_sy_str_map_lookup (const SyStrMap *map,
                    const char     *key,
                    gsize           len,
                    uint64_t        hash,
                    gintptr        *value)
{
  const SyStrSlot *slot;

  if (map->slots == NULL)
    return FALSE;
  slot = str_map_find (map, key, len, hash);
  if (slot->key == NULL)
    return FALSE;
  *value = slot->value;
  return TRUE;
}

/* ---- pair map ----------------------------------------------------------- */

void
_sy_pair_map_init (SyPairMap *map,
                   guint      expected)
{
  map->slots = map_slots_new (&map->mask, &map->count, expected, sizeof (SyPairSlot));
  for (guint i = 0; i <= map->mask; i++)
    map->slots[i].rank = -1;
}

void
_sy_pair_map_clear (SyPairMap *map)
{
  g_clear_pointer (&map->slots, g_free);
  map->mask = 0;
  map->count = 0;
}

void
_sy_pair_map_insert (SyPairMap *map,
                     int32_t    a,
                     int32_t    b,
                     int32_t    rank,
                     int32_t    new_id)
{
  uint64_t key = _sy_pair_key (a, b);
  SyPairSlot *slot;

  if ((map->count + 1) * 2 > map->mask + 1)
    {
      SyPairSlot *old = map->slots;
      guint old_cap = map->mask + 1, n = map->count;

      /* twice the slots (init zeroes the count: the pairs moved are kept) */
      _sy_pair_map_init (map, old_cap);
      for (guint k = 0; k < old_cap; k++)
        if (old[k].rank >= 0)
          *_sy_pair_map_find (map, old[k].key) = old[k];
      map->count = n;
      g_free (old);
    }
  slot = _sy_pair_map_find (map, key);
  if (slot->rank >= 0)
    return; /* the first (lowest) rank of a pair wins */
  slot->key = key;
  slot->rank = rank;
  slot->new_id = new_id;
  map->count++;
}

/* ---- Unicode ----------------------------------------------------------- */

gboolean
_sy_unichar_is_space (gunichar c)
{
  if (c < 0x80)
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
  switch (c)
    {
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return TRUE;
    default:
      return c >= 0x2000 && c <= 0x200A;
    }
}

/* The Unicode general categories of each class, as bit masks over
 * GUnicodeType (fewer than 32 values) */
#define TYPE_BIT(t) (1 << G_UNICODE_##t)
enum
{
  LETTER_TYPES = TYPE_BIT (LOWERCASE_LETTER) | TYPE_BIT (MODIFIER_LETTER) | TYPE_BIT (OTHER_LETTER)
                 | TYPE_BIT (TITLECASE_LETTER) | TYPE_BIT (UPPERCASE_LETTER),
  NUMBER_TYPES = TYPE_BIT (DECIMAL_NUMBER) | TYPE_BIT (LETTER_NUMBER) | TYPE_BIT (OTHER_NUMBER),
  MARK_TYPES = TYPE_BIT (SPACING_MARK) | TYPE_BIT (ENCLOSING_MARK) | TYPE_BIT (NON_SPACING_MARK),
  PUNCT_TYPES = TYPE_BIT (CONNECT_PUNCTUATION) | TYPE_BIT (DASH_PUNCTUATION) | TYPE_BIT (CLOSE_PUNCTUATION)
                | TYPE_BIT (FINAL_PUNCTUATION) | TYPE_BIT (INITIAL_PUNCTUATION)
                | TYPE_BIT (OTHER_PUNCTUATION) | TYPE_BIT (OPEN_PUNCTUATION),
  /* regex \w: letters, marks, decimal and letter numbers, connectors */
  WORD_TYPES = LETTER_TYPES | MARK_TYPES | TYPE_BIT (DECIMAL_NUMBER) | TYPE_BIT (LETTER_NUMBER)
               | TYPE_BIT (CONNECT_PUNCTUATION),
};

G_STATIC_ASSERT (G_UNICODE_SPACE_SEPARATOR < 32);

static gboolean
type_in (gunichar c,
         guint32  types)
{
  return (types >> g_unichar_type (c)) & 1;
}

gboolean
_sy_unichar_is_letter (gunichar c)
{
  if (c < 0x80)
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return type_in (c, LETTER_TYPES);
}

gboolean
_sy_unichar_is_number (gunichar c)
{
  if (c < 0x80)
    return c >= '0' && c <= '9';
  return type_in (c, NUMBER_TYPES);
}

gboolean
_sy_unichar_is_mark (gunichar c)
{
  return type_in (c, MARK_TYPES);
}

gboolean
_sy_unichar_is_word (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) || c == '_';
  if (c == 0x200C || c == 0x200D)
    return TRUE;
  return type_in (c, WORD_TYPES);
}

gboolean
_sy_unichar_is_punct (gunichar c)
{
  if (c < 0x80)
    return g_ascii_ispunct (c);
  return type_in (c, PUNCT_TYPES);
}

/* ---- GPT-2 byte-level alphabet ------------------------------------------ */

static SyByteLevelTable byte_level_table;

const SyByteLevelTable *
_sy_byte_level_table (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      int n = 0;

      for (int i = 0; i < 324; i++)
        byte_level_table.char_to_byte[i] = -1;
      /* Printable bytes stand for themselves; the others are moved to
       * U+0100 and up, in byte order. */
      for (int b = 0; b < 256; b++)
        {
          gboolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
          gunichar c = printable ? (gunichar) b : (gunichar) (256 + n++);

          byte_level_table.utf8_len[b] = (guint8) g_unichar_to_utf8 (c, byte_level_table.utf8[b]);
          byte_level_table.char_to_byte[c] = (int16_t) b;
        }
      g_once_init_leave (&once, 1);
    }
  return &byte_level_table;
}

/* ---- UTF-8 -------------------------------------------------------------- */

gboolean
_sy_utf8_validate (const char  *bytes,
                   gsize        len,
                   const char **end)
{
  const guchar *u = (const guchar *) bytes;
  gsize i = 0;

  while (i < len)
    {
      guchar c = u[i];
      int need;
      guchar lo = 0x80, hi = 0xBF;

      if (c < 0x80)
        {
          i++;
          continue;
        }
      if (c >= 0xC2 && c <= 0xDF)
        need = 1;
      else if (c >= 0xE0 && c <= 0xEF)
        {
          need = 2;
          if (c == 0xE0)
            lo = 0xA0;
          else if (c == 0xED)
            hi = 0x9F;   /* no surrogates */
        }
      else if (c >= 0xF0 && c <= 0xF4)
        {
          need = 3;
          if (c == 0xF0)
            lo = 0x90;
          else if (c == 0xF4)
            hi = 0x8F;
        }
      else
        break;
      if (i + need >= len)
        {
          /* truncated: stop at the lead byte */
          break;
        }
      if (u[i + 1] < lo || u[i + 1] > hi)
        break;
      for (int k = 2; k <= need; k++)
        if (u[i + k] < 0x80 || u[i + k] > 0xBF)
          goto bad;
      i += need + 1;
    }
bad:
  if (end != NULL)
    *end = bytes + i;
  return i == len;
}

/* ---- lossy UTF-8 ---------------------------------------------------------- */

gsize
_sy_append_utf8_valid (GString    *out,
                       const char *bytes,
                       gsize       len)
{
  const char *end;

  if (_sy_utf8_validate (bytes, len, &end))
    end = bytes + len;
  g_string_append_len (out, bytes, end - bytes);
  return end - bytes;
}

/* Unicode Table 3-7 (well-formed UTF-8): the lead bytes first..last, the
 * continuation bytes they take and the range of the first of those (the
 * others are 0x80..0xBF) */
static const struct
{
  guchar first, last;
  int    need;
  guchar lo, hi;
} utf8_leads[] = {
  { 0xC2, 0xDF, 1, 0x80, 0xBF },
  { 0xE0, 0xE0, 2, 0xA0, 0xBF },
  { 0xE1, 0xEC, 2, 0x80, 0xBF },
  { 0xED, 0xED, 2, 0x80, 0x9F },
  { 0xEE, 0xEF, 2, 0x80, 0xBF },
  { 0xF0, 0xF0, 3, 0x90, 0xBF },
  { 0xF1, 0xF3, 3, 0x80, 0xBF },
  { 0xF4, 0xF4, 3, 0x80, 0x8F },
};

void
_sy_append_utf8_lossy (GString    *out,
                       const char *bytes,
                       gsize       len)
{
  const guchar *u = (const guchar *) bytes;
  gsize i = 0;

  while (i < len)
    {
      int need = 0, k;
      guchar lo = 0x80, hi = 0xBF;

      i += _sy_append_utf8_valid (out, bytes + i, len - i);
      if (i == len)
        return;
      /* The maximal subpart of an ill-formed sequence (Unicode 3.9, D93b):
       * the longest prefix of a well-formed sequence, or one byte. */
      for (gsize j = 0; j < G_N_ELEMENTS (utf8_leads); j++)
        if (u[i] >= utf8_leads[j].first && u[i] <= utf8_leads[j].last)
          {
            need = utf8_leads[j].need;
            lo = utf8_leads[j].lo;
            hi = utf8_leads[j].hi;
            break;
          }
      k = 1;
      if (need > 0 && i + 1 < len && u[i + 1] >= lo && u[i + 1] <= hi)
        {
          k = 2;
          while (k <= need && i + k < len && u[i + k] >= 0x80 && u[i + k] <= 0xBF)
            k++;
        }
      g_string_append (out, "\xEF\xBF\xBD");
      i += k;
    }
}

/* ---- patterns ----------------------------------------------------------- */

gboolean
_sy_tok_pattern_parse (SyTokPattern  *pattern,
                       json_object   *obj,
                       const char    *where,
                       GError       **error)
{
  json_object *v;

  memset (pattern, 0, sizeof *pattern);
  if (obj != NULL && json_object_get_type (obj) == json_type_object)
    {
      if (json_object_object_get_ex (obj, "String", &v) && json_object_is_type (v, json_type_string))
        {
          pattern->literal = g_strdup (json_object_get_string (v));
          pattern->literal_len = json_object_get_string_len (v);
          return TRUE;
        }
      if (json_object_object_get_ex (obj, "Regex", &v) && json_object_is_type (v, json_type_string))
        {
          g_autoptr (GError) local = NULL;

          pattern->regex = g_regex_new (json_object_get_string (v), G_REGEX_OPTIMIZE, 0, &local);
          if (pattern->regex == NULL)
            {
              g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                           "tokenizer.json: %s: regex '%s' is not supported: %s",
                           where, json_object_get_string (v), local->message);
              return FALSE;
            }
          return TRUE;
        }
    }
  else if (obj != NULL && json_object_is_type (obj, json_type_string))
    {
      pattern->literal = g_strdup (json_object_get_string (obj));
      pattern->literal_len = json_object_get_string_len (obj);
      return TRUE;
    }
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
               "tokenizer.json: %s: pattern must be {\"String\": ...} or {\"Regex\": ...}", where);
  return FALSE;
}

void
_sy_tok_pattern_clear (SyTokPattern *pattern)
{
  g_clear_pointer (&pattern->literal, g_free);
  g_clear_pointer (&pattern->regex, g_regex_unref);
}

void
_sy_tok_pattern_find (const SyTokPattern *pattern,
                      const char         *s,
                      int                 len,
                      GArray             *out)
{
  if (pattern->regex != NULL)
    {
      GMatchInfo *info = NULL;

      if (len > 0)
        {
          g_regex_match_full (pattern->regex, s, len, 0, 0, &info, NULL);
          while (g_match_info_matches (info))
            {
              int pos[2];

              g_match_info_fetch_pos (info, 0, &pos[0], &pos[1]);
              if (pos[1] > pos[0])
                g_array_append_vals (out, pos, 2);
              g_match_info_next (info, NULL);
            }
        }
      g_clear_pointer (&info, g_match_info_free);
    }
  else if (pattern->literal != NULL && pattern->literal_len > 0)
    {
      int n = pattern->literal_len;

      for (int i = 0; i + n <= len;)
        {
          if (s[i] == pattern->literal[0] && memcmp (s + i, pattern->literal, n) == 0)
            {
              int pos[2] = { i, i + n };
              g_array_append_vals (out, pos, 2);
              i += n;
            }
          else
            i++;
        }
    }
}

/* ---- pieces and a builder for new text (sy-tokenizer-text, -pre) ----------- */

void
_sy_tok_piece_alloc (SyTokCtx   *ctx,
                     SyTokPiece *piece,
                     int         len)
{
  piece->s = _sy_arena_alloc (&ctx->arena, len + 1);
  piece->al = _sy_arena_alloc (&ctx->arena, sizeof (SyTokAlign) * MAX (len, 1));
  piece->len = len;
  piece->added_id = -1;
}

void
_sy_tok_builder_init (SyTokBuilder *b,
                      int           cap)
{
  b->cap = MAX (cap, 16);
  b->s = g_malloc (b->cap);
  b->al = g_new (SyTokAlign, b->cap);
  b->len = 0;
}

static void
_sy_tok_builder_reserve (SyTokBuilder *b,
                         int           n)
{
  if (b->len + n > b->cap)
    {
      b->cap = MAX (b->cap * 2, b->len + n);
      b->s = g_realloc (b->s, b->cap);
      b->al = g_renew (SyTokAlign, b->al, b->cap);
    }
}

void
_sy_tok_builder_put (SyTokBuilder *b,
                     const char   *bytes,
                     int           n,
                     SyTokAlign    al)
{
  _sy_tok_builder_reserve (b, n);
  memcpy (b->s + b->len, bytes, n);
  for (int i = 0; i < n; i++)
    b->al[b->len + i] = al;
  b->len += n;
}

void
_sy_tok_builder_put_span (SyTokBuilder     *b,
                          const SyTokPiece *p,
                          int               from,
                          int               to)
{
  int n = to - from;

  if (n <= 0)
    return;
  _sy_tok_builder_reserve (b, n);
  memcpy (b->s + b->len, p->s + from, n);
  memcpy (b->al + b->len, p->al + from, sizeof (SyTokAlign) * n);
  b->len += n;
}

void
_sy_tok_builder_finish (SyTokBuilder *b,
                        SyTokCtx     *ctx,
                        SyTokPiece   *out)
{
  _sy_tok_piece_alloc (ctx, out, b->len);
  memcpy ((char *) out->s, b->s, b->len);
  ((char *) out->s)[b->len] = '\0';
  memcpy ((SyTokAlign *) out->al, b->al, sizeof (SyTokAlign) * b->len);
  g_free (b->s);
  g_free (b->al);
}

SyTokAlign
_sy_tok_span_union (const SyTokPiece *p,
                    int               from,
                    int               to)
{
  SyTokAlign a = { p->al[from].start, p->al[to - 1].end };
  return a;
}

/* ---- components of tokenizer.json (sy-tokenizer-text, -pre, -post) -------- */

static char *
component_type (json_object  *obj,
                        const char   *what,
                        GError      **error)
{
  g_autofree char *type = NULL;
  g_autofree char *where = g_strdup_printf ("tokenizer.json: %s", what);

  if (!sy_json_get_string (obj, where, "type", NULL, &type, error))
    return NULL;
  if (type == NULL)
    g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                 "tokenizer.json: %s has no \"type\"", what);
  return g_steal_pointer (&type);
}

static int
component_kind (json_object        *obj,
                const char         *what,
                const char * const *names,
                int                 n_names,
                GError            **error)
{
  g_autofree char *type = component_type (obj, what, error);

  if (type == NULL)
    return -1;
  for (int i = 0; i < n_names; i++)
    if (names[i] != NULL && strcmp (type, names[i]) == 0)
      return i;
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
               "tokenizer.json: %s type '%s' is not supported", what, type);
  return -1;
}

int
_sy_tok_component_begin (json_object        *obj,
                         const SyTokFamily  *family,
                         GPtrArray         **children,
                         GError            **error)
{
  int kind = component_kind (obj, family->what, family->types, family->n_types, error);
  json_object *list;

  if (kind != 0)
    return kind;
  /* a Sequence */
  if (!json_object_object_get_ex (obj, family->list_key, &list) || !json_object_is_type (list, json_type_array))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: %s Sequence has no \"%s\" list", family->what, family->list_key);
      return -1;
    }
  *children = g_ptr_array_new_with_free_func (family->free);
  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      gpointer child = family->parse (json_object_array_get_idx (list, i), error);

      if (child == NULL)
        return -1;
      g_ptr_array_add (*children, child);
    }
  return kind;
}

gboolean
_sy_tok_json_string (json_object  *obj,
                     const char   *key,
                     const char   *where,
                     char        **out,
                     GError      **error)
{
  /* a wrong type names the component: "tokenizer.json: normalizer" */
  g_autofree char *file = g_strdup_printf ("tokenizer.json: %.*s", (int) strcspn (where, " "), where);

  if (!sy_json_get_string (obj, file, key, NULL, out, error))
    return FALSE;
  if (*out == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: %s has no \"%s\" string", where, key);
      return FALSE;
    }
  return TRUE;
}

gboolean
_sy_tok_json_char (json_object  *obj,
                   const char   *key,
                   const char   *where,
                   gunichar     *c,
                   GError      **error)
{
  g_autofree char *s = NULL;

  if (!sy_json_get_string (obj, "tokenizer.json", key, NULL, &s, error))
    return FALSE;
  if (s == NULL || *s == '\0' || g_utf8_strlen (s, -1) != 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "tokenizer.json: %s: '%s' must be one character", where, key);
      return FALSE;
    }
  *c = g_utf8_get_char (s);
  return TRUE;
}
