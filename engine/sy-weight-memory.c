/* sy-weight-memory.c: the weight arena, reading weight files into it, and
 * the NaN check split over threads
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1   /* O_DIRECT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sy-engine-error.h"
#include "sy-tensor-store-private.h"
#include "sy-weight-memory.h"

#define ARENA_CHUNK  ((gsize) 256 << 20)   /* 256 MiB per mapping */
#define HUGE_PAGE    ((gsize) 2 << 20)     /* x86-64 and arm64 transparent huge page */
#define CHECK_PIECE  ((gsize) 4 << 20)     /* bytes per check task */
#define READ_PIECE   ((gsize) 32 << 20)    /* bytes per read task */
#define DIRECT_ALIGN ((gsize) 4096)        /* O_DIRECT offsets, lengths, buffers */

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
                       gsize          n_bytes,
                       gsize          align)
{
  Chunk *last = self->chunks->len ? &g_array_index (self->chunks, Chunk, self->chunks->len - 1) : NULL;
  gsize need = (MAX (n_bytes, 1) + 63) / 64 * 64;
  void *p;

  g_return_val_if_fail (align >= 64 && align <= HUGE_PAGE && (align & (align - 1)) == 0, NULL);
  if (last != NULL)
    last->used = MIN (last->size, (last->used + align - 1) / align * align);
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
sy_proc_kib (const char *file,
             const char *key)
{
  g_autofree char *text = NULL;
  const char *line;
  gsize key_len = strlen (key);

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return -1;
  for (line = text; line != NULL && *line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    if (strncmp (line, key, key_len) == 0 && line[key_len] == ':')
      return (gint64) g_ascii_strtoull (line + key_len + 1, NULL, 10);
  return -1;
}

gint64
sy_mem_available (void)
{
  const char *pretend = g_getenv ("SY_MEM_AVAILABLE");
  gint64 kib;

  /* tests: a machine with that many bytes free (models that do not fit) */
  if (pretend != NULL && *pretend)
    return (gint64) g_ascii_strtoll (pretend, NULL, 10);
  kib = sy_proc_kib ("/proc/meminfo", "MemAvailable");

  return kib < 0 ? -1 : kib * 1024;
}

/* ------------------------------------------------------ parallel check */

typedef struct
{
  const SyTensor *t;
  gsize           unit_bytes;   /* one element, or one block */
  int64_t         unit_elems;
  int64_t         n_units;
  int64_t         piece_units;
  int             bad;          /* atomic: a piece holds a non-finite value */
} CheckJob;

static void
check_piece (int      i,
             gpointer data)
{
  CheckJob *job = data;
  int64_t u0 = (int64_t) i * job->piece_units;
  int64_t u1 = MIN (job->n_units, u0 + job->piece_units);
  SyTensor view = *job->t;

  view.n_dims = 1;
  view.shape[0] = (u1 - u0) * job->unit_elems;
  view.data = (const char *) job->t->data + (gsize) u0 * job->unit_bytes;
  view.n_bytes = (gsize) (u1 - u0) * job->unit_bytes;
  if (sy_tensor_find_nonfinite (&view) >= 0)
    g_atomic_int_set (&job->bad, 1);
}

gboolean
sy_tensor_check_finite_parallel (SyPool         *pool,
                                 const SyTensor *t,
                                 GError        **error)
{
  CheckJob job = { 0 };
  int n_pieces;

  if (t->dtype >= SY_N_DTYPES)
    return sy_tensor_check_finite (t, error);   /* names the bad dtype */

  job.t = t;
  job.unit_elems = sy_dtype_is_quantized (t->dtype) ? sy_dtype_block_elems (t->dtype) : 1;
  job.unit_bytes = sy_dtype_n_bytes (t->dtype, job.unit_elems);
  job.n_units = sy_tensor_n_elements (t) / job.unit_elems;
  job.piece_units = MAX (1, (int64_t) (CHECK_PIECE / job.unit_bytes));
  n_pieces = (int) ((job.n_units + job.piece_units - 1) / job.piece_units);
  sy_pool_run (n_pieces > 1 ? pool : NULL, n_pieces, check_piece, &job);
  /* the precise error (the first index) from one pass over the whole */
  return job.bad ? sy_tensor_check_finite (t, error) : TRUE;
}

/* ------------------------------------------------------ reading files */

typedef struct
{
  int     fd;
  char   *dst;
  gsize   size;       /* bytes of the file */
  gsize   first;      /* first piece of this round */
  int     failed;     /* atomic: errno of a failed read, or -1 for a short file */
} ReadJob;

static void
read_piece (int      i,
            gpointer data)
{
  ReadJob *job = data;
  gsize off = (job->first + i) * READ_PIECE;
  gsize len, got = 0;

  if (off >= job->size)
    return;
  len = MIN (READ_PIECE, job->size - off);
  while (got < len)
    {
      /* O_DIRECT wants whole blocks: ask for them, the file ends earlier */
      gsize want = ((len - got) + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
      ssize_t r = pread (job->fd, job->dst + off + got, want, (off_t) (off + got));

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          g_atomic_int_set (&job->failed, r < 0 ? errno : -1);
          return;
        }
      got += r;
    }
}

static gboolean
read_file (const char     *path,
           gboolean        direct,
           char           *dst,
           gsize           size,
           SyPool         *pool,
           SyProgressFunc  progress,
           gpointer        user_data,
           guint64         done,
           guint64         total,
           GError        **error)
{
  int n = MAX (1, sy_pool_n_threads (pool));
  ReadJob job = { -1, dst, size, 0, 0 };
  int flags = O_RDONLY | O_CLOEXEC;

#ifdef O_DIRECT
  if (direct)
    flags |= O_DIRECT;
#endif
  job.fd = open (path, flags);
  if (job.fd < 0)
    {
      int saved = errno;

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: cannot open for reading: %s", path, g_strerror (saved));
      return FALSE;
    }
#ifdef POSIX_FADV_DONTNEED
  /* The copy is ours: the file's pages in the page cache (clean, so
   * dropped at no cost) would only be evicted page by page, with
   * compaction, to make room for the huge pages the copy goes into. */
  if (direct)
    posix_fadvise (job.fd, 0, 0, POSIX_FADV_DONTNEED);
#endif
  for (job.first = 0; job.first * READ_PIECE < size; job.first += n)
    {
      sy_pool_run (pool, n, read_piece, &job);
      if (job.failed != 0)
        break;
      done += MIN ((gsize) n * READ_PIECE, size - job.first * READ_PIECE);
      if (progress && !progress ((double) done / MAX (total, 1), "reading weights", user_data))
        {
          close (job.fd);
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "loading was cancelled");
          return FALSE;
        }
    }
  close (job.fd);
  if (job.failed != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path,
                   job.failed > 0 ? g_strerror (job.failed) : "the file became shorter while it was read");
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_tensor_store_read_into (SyTensorStore  *store,
                           SyWeightArena  *arena,
                           SyPool         *pool,
                           SyProgressFunc  progress,
                           gpointer        user_data,
                           GError        **error)
{
  guint n = _sy_tensor_store_get_n_shards (store);
  guint64 total = 0, done = 0;

  for (guint i = 0; i < n; i++)
    {
      gsize size;

      if (_sy_tensor_store_shard_mapping (store, i, &size) != NULL)
        total += size;
    }
  for (guint i = 0; i < n; i++)
    {
      gsize size;
      const char *map = _sy_tensor_store_shard_mapping (store, i, &size);
      const char *path = _sy_tensor_store_shard_path (store, i);
      g_autoptr (GError) direct_error = NULL;
      char *copy;

      if (map == NULL || size == 0)
        continue;   /* bytes in memory already */
      copy = sy_weight_arena_alloc (arena, (size + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN, HUGE_PAGE);
      if (copy == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                       "%s: no memory for the weights (%" G_GSIZE_FORMAT " bytes)", path, size);
          return FALSE;
        }
      /* around the page cache (no second copy of the file in memory),
       * else, where the file system cannot, through it */
      if (!read_file (path, TRUE, copy, size, pool, progress, user_data, done, total, &direct_error))
        {
          if (g_error_matches (direct_error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&direct_error));
              return FALSE;
            }
          if (!read_file (path, FALSE, copy, size, pool, progress, user_data, done, total, error))
            return FALSE;
        }
      /* what was read is what was validated */
      if (memcmp (copy, map, MIN (size, 4096)) != 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                       "%s: the file changed while it was loaded", path);
          return FALSE;
        }
      _sy_tensor_store_shard_move (store, i, copy);
      done += size;
    }
  return TRUE;
}

/* ---- reads of mapped weights that fault (the file shrank under us) ---- */

static __thread sigjmp_buf *guard_jb;
static gint guard_n_faults;
static gpointer guard_fault_addr;
static struct sigaction guard_old;

static void
on_sigbus (int        sig,
           siginfo_t *info,
           void      *context)
{
  sigjmp_buf *jb = guard_jb;

  if (jb != NULL)
    {
      g_atomic_pointer_set (&guard_fault_addr, info->si_addr);
      g_atomic_int_inc (&guard_n_faults);
      siglongjmp (*jb, 1);
    }
  /* not a guarded read: what happened before (a sanitizer's report, or
   * death by SIGBUS) */
  if ((guard_old.sa_flags & SA_SIGINFO) && guard_old.sa_sigaction != NULL)
    guard_old.sa_sigaction (sig, info, context);
  else if (guard_old.sa_handler != SIG_DFL && guard_old.sa_handler != SIG_IGN)
    guard_old.sa_handler (sig);
  else
    {
      signal (SIGBUS, SIG_DFL);
      raise (SIGBUS);
    }
}

void
sy_fault_guard_install (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      struct sigaction sa = { 0 };

      sa.sa_sigaction = on_sigbus;
      sa.sa_flags = SA_SIGINFO | SA_NODEFER;
      sigemptyset (&sa.sa_mask);
      sigaction (SIGBUS, &sa, &guard_old);
      g_once_init_leave (&done, 1);
    }
}

sigjmp_buf *
sy_fault_guard_push (sigjmp_buf *jb)
{
  sigjmp_buf *prev = guard_jb;

  guard_jb = jb;
  return prev;
}

void
sy_fault_guard_pop (sigjmp_buf *prev)
{
  guard_jb = prev;
}

guint
sy_fault_guard_n_faults (const void **addr)
{
  if (addr)
    *addr = g_atomic_pointer_get (&guard_fault_addr);
  return (guint) g_atomic_int_get (&guard_n_faults);
}

gboolean
sy_tensor_store_check_files (SyTensorStore  *store,
                             GError        **error)
{
  for (guint i = 0; i < _sy_tensor_store_get_n_shards (store); i++)
    {
      gsize size = 0;
      const char *path = _sy_tensor_store_shard_path (store, i);
      GStatBuf st;

      if (_sy_tensor_store_shard_mapping (store, i, &size) == NULL || path == NULL)
        continue;
      if (g_stat (path, &st) != 0 || (guint64) st.st_size < size)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                       "%s: the file changed on disk since the model was loaded "
                       "(it is now %s, it was %" G_GSIZE_FORMAT " bytes); reload the model",
                       path, g_file_test (path, G_FILE_TEST_EXISTS) ? "shorter" : "gone", size);
          return FALSE;
        }
    }
  return TRUE;
}

const char *
sy_tensor_store_file_at (SyTensorStore *store,
                         const void    *addr)
{
  for (guint i = 0; i < _sy_tensor_store_get_n_shards (store); i++)
    {
      gsize size = 0;
      const char *map = _sy_tensor_store_shard_mapping (store, i, &size);

      if (map != NULL && (const char *) addr >= map && (const char *) addr < map + size)
        return _sy_tensor_store_shard_path (store, i);
    }
  return NULL;
}
