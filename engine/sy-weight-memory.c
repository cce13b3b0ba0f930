/* sy-weight-memory.c: the weight arena and the checked copy into it
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sy-weight-memory.h"

#define ARENA_CHUNK  ((gsize) 256 << 20)   /* 256 MiB per mapping */
#define HUGE_PAGE    ((gsize) 2 << 20)     /* x86-64 and arm64 transparent huge page */
#define COPY_PIECE   ((gsize) 4 << 20)     /* bytes per copy task */

typedef struct
{
  void  *map;        /* what mmap returned (or g_malloc) */
  gsize  map_size;
  char  *base;       /* first huge-page boundary in it */
  gsize  size;       /* usable bytes from base */
  gsize  used;
} Chunk;

struct _SyWeightArena
{
  GArray  *chunks;   /* (Chunk) */
  guint64  n_bytes;  /* handed out */
};

SyWeightArena *
sy_weight_arena_new (void)
{
  SyWeightArena *self = g_new0 (SyWeightArena, 1);

  self->chunks = g_array_new (FALSE, TRUE, sizeof (Chunk));
  return self;
}

void
sy_weight_arena_free (SyWeightArena *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->chunks->len; i++)
    {
      Chunk *c = &g_array_index (self->chunks, Chunk, i);

#ifdef MAP_ANONYMOUS
      munmap (c->map, c->map_size);
#else
      g_free (c->map);
#endif
    }
  g_array_unref (self->chunks);
  g_free (self);
}

static gboolean
chunk_new (Chunk *c,
           gsize  size)
{
  memset (c, 0, sizeof *c);
#ifdef MAP_ANONYMOUS
  c->map_size = size + HUGE_PAGE;
  c->map = mmap (NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (c->map == MAP_FAILED)
    return FALSE;
  c->base = (char *) (((guintptr) c->map + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
#ifdef MADV_HUGEPAGE
  /* a hint: fewer TLB misses while the weights stream through */
  madvise (c->base, size, MADV_HUGEPAGE);
#endif
#else
  c->map_size = size + 64;
  c->map = g_try_malloc (c->map_size);
  if (c->map == NULL)
    return FALSE;
  c->base = (char *) (((guintptr) c->map + 63) / 64 * 64);
#endif
  c->size = size;
  return TRUE;
}

void *
sy_weight_arena_alloc (SyWeightArena *self,
                       gsize          n_bytes)
{
  Chunk *last = self->chunks->len ? &g_array_index (self->chunks, Chunk, self->chunks->len - 1) : NULL;
  gsize need = (MAX (n_bytes, 1) + 63) / 64 * 64;
  void *p;

  if (last == NULL || last->size - last->used < need)
    {
      Chunk c;

      /* a tensor larger than a chunk gets a mapping of its own */
      if (!chunk_new (&c, MAX (ARENA_CHUNK, (need + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE)))
        return NULL;
      g_array_append_val (self->chunks, c);
      last = &g_array_index (self->chunks, Chunk, self->chunks->len - 1);
    }
  p = last->base + last->used;
  last->used += need;
  self->n_bytes += n_bytes;
  return p;
}

guint64
sy_weight_arena_get_n_bytes (SyWeightArena *self)
{
  return self ? self->n_bytes : 0;
}

gint64
sy_mem_available (void)
{
  g_autofree char *info = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &info, NULL, NULL))
    return -1;
  line = strstr (info, "MemAvailable:");
  if (line == NULL)
    return -1;
  return (gint64) g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

/* ------------------------------------------------------ checked copy */

typedef struct
{
  const SyTensor *src;
  char           *dst;
  gsize           unit_bytes;   /* one element, or one block */
  int64_t         unit_elems;
  int64_t         n_units;
  int64_t         piece_units;
  int             bad;          /* atomic: a piece holds a non-finite value */
} CopyJob;

static void
copy_piece (int      i,
            gpointer data)
{
  CopyJob *job = data;
  int64_t u0 = (int64_t) i * job->piece_units;
  int64_t u1 = MIN (job->n_units, u0 + job->piece_units);
  gsize off = (gsize) u0 * job->unit_bytes, len = (gsize) (u1 - u0) * job->unit_bytes;
  SyTensor view = *job->src;

  if (job->dst)
    memcpy (job->dst + off, (const char *) job->src->data + off, len);
  view.n_dims = 1;
  view.shape[0] = (u1 - u0) * job->unit_elems;
  view.data = (job->dst ? job->dst : (const char *) job->src->data) + off;
  view.n_bytes = len;
  if (sy_tensor_find_nonfinite (&view) >= 0)
    g_atomic_int_set (&job->bad, 1);
}

gboolean
sy_tensor_copy_checked (SyPool         *pool,
                        const SyTensor *src,
                        void           *dst,
                        GError        **error)
{
  CopyJob job = { 0 };
  int n_pieces;

  if (src->dtype >= SY_N_DTYPES)
    return sy_tensor_check_finite (src, error);   /* names the bad dtype */

  job.src = src;
  job.dst = dst;
  job.unit_elems = sy_dtype_is_quantized (src->dtype) ? sy_dtype_block_elems (src->dtype) : 1;
  job.unit_bytes = sy_dtype_n_bytes (src->dtype, job.unit_elems);
  job.n_units = sy_tensor_n_elements (src) / job.unit_elems;
  job.piece_units = MAX (1, (int64_t) (COPY_PIECE / job.unit_bytes));
  n_pieces = (int) ((job.n_units + job.piece_units - 1) / job.piece_units);

  sy_pool_run (n_pieces > 1 ? pool : NULL, n_pieces, copy_piece, &job);
  if (job.bad)
    {
      /* the precise error (first index) from one pass over the whole */
      SyTensor whole = *src;

      if (dst)
        whole.data = dst;
      return sy_tensor_check_finite (&whole, error);
    }
  return TRUE;
}

void
sy_mapping_release (const void *data,
                    gsize       n_bytes,
                    gboolean    drop_cache)
{
  gsize page = sysconf (_SC_PAGESIZE);
  guintptr lo = ((guintptr) data + page - 1) / page * page;
  guintptr hi = ((guintptr) data + n_bytes) / page * page;

  if (hi <= lo)
    return;
#ifdef MADV_PAGEOUT
  if (drop_cache)
    madvise ((void *) lo, hi - lo, MADV_PAGEOUT);
#else
  (void) drop_cache;
#endif
  madvise ((void *) lo, hi - lo, MADV_DONTNEED);
}
