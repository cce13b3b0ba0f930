/* sy-pool.c: the worker threads of the data-parallel loops
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The caller's thread takes part in every run; workers spin a while
 * between runs, then sleep.  OpenBLAS is kept single-threaded: the
 * parallelism is ours.
 */
#include "config.h"

#include <cblas.h>
#include <unistd.h>

#include "sy-pool.h"
#include "sy-weight-memory.h"

/* Between runs the workers spin for a short while before they sleep: a
 * decode step is ~100 runs a few hundred microseconds apart, and waking a
 * sleeping thread costs tens of microseconds on our VMs (measured: a run
 * of 64 x 512 took 23 us through the pool vs 4 us inline). */
#define SY_POOL_SPIN_US 200

struct _SyPool
{
  int             n_threads;
  GThread       **workers;      /* (n_threads - 1) */

  GMutex          run_lock;     /* one sy_pool_run at a time */
  GMutex          lock;
  GCond           start_cond;
  GCond           done_cond;
  int             generation;   /* atomic, changed under lock: one per run */
  int             quit;         /* atomic */
  int             n_sleeping;   /* workers waiting on start_cond (lock) */
  gboolean        waiting_done; /* the caller waits on done_cond (lock) */

  /* The run: set by the caller while the claim is closed */
  SyParallelFunc  func;
  gpointer        data;
  int             n_tasks;
  /* atomic: the run's number (high 32 bits) and its next task (low 32;
   * CLAIM_CLOSED between runs).  A thread takes a task by moving it on
   * from a value of this run only, so one that comes late (descheduled,
   * or waking as the run ends) finds nothing and holds no one up: the
   * caller waits for the tasks taken, not for every worker. */
  guint64         claim;
  int             n_done;       /* atomic: tasks of this run finished */
};

#define CLAIM_CLOSED G_MAXUINT32

static GPrivate in_pool_task;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Spins until *p is @value (@equal) or is not (!@equal), or *quit is
 * set, or the spin time is up; TRUE unless the time ran out. */
static gboolean
spin_wait (int      *p,
           int       value,
           gboolean  equal,
           int      *quit)
{
  gint64 deadline = 0;

  for (guint i = 1;; i++)
    {
      if ((g_atomic_int_get (p) == value) == equal || (quit && g_atomic_int_get (quit)))
        return TRUE;
      if ((i & 255) == 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (deadline == 0)
            deadline = now + SY_POOL_SPIN_US;
          else if (now > deadline)
            return FALSE;
        }
      cpu_relax ();
    }
}

/* Takes the run's next task: FALSE when none is left (or the run is
 * over).  The run's fields are read between loading the claim and moving
 * it on: the caller closes the claim before it changes them, so a move
 * that succeeds was made on the fields of its own run. */
static gboolean
pool_claim (SyPool *self,
            int    *task)
{
  guint64 v = __atomic_load_n (&self->claim, __ATOMIC_ACQUIRE);

  for (;;)
    {
      guint32 next = (guint32) v;

      if (next == CLAIM_CLOSED || next >= (guint32) g_atomic_int_get (&self->n_tasks))
        return FALSE;
      if (__atomic_compare_exchange_n (&self->claim, &v, v + 1, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
          *task = (int) next;
          return TRUE;
        }
    }
}

/* Marks @n tasks done; the one that finishes the run wakes a caller
 * asleep on it. */
static void
pool_tasks_done (SyPool *self,
                 int     n)
{
  if (n > 0 && g_atomic_int_add (&self->n_done, n) + n == g_atomic_int_get (&self->n_tasks))
    {
      g_mutex_lock (&self->lock);
      if (self->waiting_done)
        g_cond_signal (&self->done_cond);
      g_mutex_unlock (&self->lock);
    }
}

/* Runs tasks until none is left.  A task that faults reading a mapped
 * file (sy_fault_guard_push) ends the run: this thread takes the tasks
 * left and counts them done unrun (the caller reports the fault). */
static void
pool_do_tasks (SyPool *self)
{
  sigjmp_buf jb;
  sigjmp_buf *prev = sy_fault_guard_push (&jb);
  int task;

  g_private_set (&in_pool_task, GINT_TO_POINTER (1));
  if (sigsetjmp (jb, 0) == 0)
    {
      while (pool_claim (self, &task))
        {
          self->func (task, self->data);
          pool_tasks_done (self, 1);
        }
    }
  else
    {
      int n = 1;    /* the task that faulted */

      while (pool_claim (self, &task))
        n++;
      pool_tasks_done (self, n);
    }
  g_private_set (&in_pool_task, NULL);
  sy_fault_guard_pop (prev);
}

static gpointer
pool_worker (gpointer data)
{
  SyPool *self = data;
  int seen = 0;

  for (;;)
    {
      spin_wait (&self->generation, seen, FALSE, &self->quit);
      g_mutex_lock (&self->lock);
      while (self->generation == seen && !self->quit)
        {
          self->n_sleeping++;
          g_cond_wait (&self->start_cond, &self->lock);
          self->n_sleeping--;
        }
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      seen = self->generation;
      g_mutex_unlock (&self->lock);

      pool_do_tasks (self);
    }
}

int
sy_n_cpus (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);

  return n < 1 ? 1 : (int) MIN (n, 64);
}

SyPool *
sy_pool_new (int n_threads)
{
  SyPool *self = g_new0 (SyPool, 1);

  if (n_threads <= 0)
    n_threads = sy_n_cpus ();
  self->n_threads = n_threads;
  self->claim = CLAIM_CLOSED;
  g_mutex_init (&self->run_lock);
  g_mutex_init (&self->lock);
  g_cond_init (&self->start_cond);
  g_cond_init (&self->done_cond);
  self->workers = g_new0 (GThread *, MAX (n_threads - 1, 1));
  for (int i = 0; i < n_threads - 1; i++)
    self->workers[i] = g_thread_new ("sy-worker", pool_worker, self);

#ifdef OPENBLAS_VERSION
  /* Our threads split the work; OpenBLAS must not split it again. */
  openblas_set_num_threads (1);
#endif
  return self;
}

void
sy_pool_free (SyPool *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  g_atomic_int_set (&self->quit, TRUE);
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->lock);
  for (int i = 0; i < self->n_threads - 1; i++)
    g_thread_join (self->workers[i]);
  g_free (self->workers);
  g_mutex_clear (&self->run_lock);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->start_cond);
  g_cond_clear (&self->done_cond);
  g_free (self);
}

int
sy_pool_n_threads (SyPool *self)
{
  return self ? self->n_threads : 1;
}

void
sy_pool_run (SyPool         *self,
             int             n_tasks,
             SyParallelFunc  func,
             gpointer        data)
{
  if (n_tasks <= 0)
    return;
  if (self == NULL || self->n_threads == 1 || n_tasks == 1
      || g_private_get (&in_pool_task) != NULL)
    {
      for (int i = 0; i < n_tasks; i++)
        func (i, data);
      return;
    }

  g_mutex_lock (&self->run_lock);
  g_mutex_lock (&self->lock);
  /* closed since the last run ended; its number moves on as it opens */
  self->func = func;
  self->data = data;
  g_atomic_int_set (&self->n_tasks, n_tasks);
  g_atomic_int_set (&self->n_done, 0);
  __atomic_store_n (&self->claim, ((self->claim >> 32) + 1) << 32, __ATOMIC_RELEASE);
  g_atomic_int_inc (&self->generation);     /* wakes the workers */
  if (self->n_sleeping > 0)
    g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->lock);

  pool_do_tasks (self);

  /* every task is taken: wait for those others are still running */
  if (!spin_wait (&self->n_done, n_tasks, TRUE, NULL))
    {
      g_mutex_lock (&self->lock);
      self->waiting_done = TRUE;
      while (g_atomic_int_get (&self->n_done) < n_tasks)
        g_cond_wait (&self->done_cond, &self->lock);
      self->waiting_done = FALSE;
      g_mutex_unlock (&self->lock);
    }
  __atomic_store_n (&self->claim, (self->claim >> 32) << 32 | CLAIM_CLOSED, __ATOMIC_RELEASE);
  g_mutex_unlock (&self->run_lock);
}
