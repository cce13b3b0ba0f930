/* sy-worker-private.h: SyWorker's insides, shared by sy-worker.c (runs,
 * loads, calibration) and sy-worker-generate.c (Continue)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-generate.h"
#include "sy-session.h"
#include "sy-worker.h"

G_BEGIN_DECLS

/* A copy of a session's logits (Compare's KL and agreement) with the
 * stamps of its rows (sy_session_get_logits_stamps ()). */
typedef struct
{
  float   *rows;     /* (t, v) */
  guint64 *stamps;   /* (t) */
  int      t;
  int      v;
  int      cap;      /* rows allocated in rows and stamps */
} SyLogitsCopy;

static inline void
sy_logits_copy_clear (SyLogitsCopy *c)
{
  g_free (c->rows);
  g_free (c->stamps);
  *c = (SyLogitsCopy) { 0 };
}

/* @src into @dst (whose copy is freed); @src left empty */
static inline void
sy_logits_copy_move (SyLogitsCopy *dst,
                     SyLogitsCopy *src)
{
  sy_logits_copy_clear (dst);
  *dst = *src;
  *src = (SyLogitsCopy) { 0 };
}

struct _SyWorker
{
  GObject        parent_instance;

  /* Owned.  Sessions and the model are touched by the run thread only while
   * a run is in flight (self->running); the main thread swaps them only
   * when no run is in flight. */
  SyModel       *model;
  SySession     *sessions[SY_N_SLOTS];
  SyRouterSpec  *specs[SY_N_SLOTS];
  SyTrace       *traces[SY_N_SLOTS];
  SyLogitsCopy   logits[SY_N_SLOTS];
  /* Compare: the logits copy the views no longer read: the next run
   * copies into it only the rows whose stamps changed */
  SyLogitsCopy   spare[SY_N_SLOTS];
  char          *text;
  SyModel       *pending_model;   /* loaded while a run was in flight */

  gboolean       compare;
  SyActivations  activations;     /* of the sessions' quantized products */
  guint          debounce_ms;
  guint          debounce_id;
  gboolean       running;
  gint           generation;      /* atomic: bumped by every input change */
  guint          n_loads;
  GQueue         calibrations;    /* GTask *: waiting for the run thread */

  /* Continue (generation): in the run thread's place, like a run */
  int            gen_request;     /* tokens asked for, 0 = none waiting */
  SySampling     gen_sampling;
  gboolean       generating;
  gint           gen_stop;        /* atomic: Stop asked */
  int            generated_from[SY_N_SLOTS]; /* of traces[s]: first generated token, 0 = none */
  char          *continuation[SY_N_SLOTS];   /* decoded generated text of traces[s] */
  GMutex         gen_lock;        /* guards the gen_pending* fields */
  SyTrace       *gen_pending[SY_N_SLOTS];    /* newest step not delivered yet */
  GString       *gen_pending_text[SY_N_SLOTS]; /* text generated since the last delivery */
  gboolean       gen_pending_reset[SY_N_SLOTS]; /* ... replacing the continuation */
  guint          text_edits;      /* how often the text was set: an edit, not its value */
  guint          gen_text_edits;  /* text_edits when the generation in flight started */
  int            gen_pending_from;
  guint          gen_deliver_id;
  gint           gen_interval_ms; /* atomic: between deliveries */
  gint64         gen_cpu_mark;    /* main thread's CPU time (µs) at the last delivery */
  double         gen_pending_rate; /* A's decoding rate at the newest step (gen_lock) */
  double         decode_rate;     /* ... as delivered (sy_worker_get_decode_rate) */
};

/* What a run or a generation takes from the worker as it starts: copies,
 * as the main thread may change the worker's inputs meanwhile. */
typedef struct
{
  SyWorker     *self;               /* borrowed: the task holds a ref */
  gint          generation;         /* the worker's when the job started */
  char         *text;
  gboolean      slots[SY_N_SLOTS];  /* A, and B in compare mode */
  SyRouterSpec *specs[SY_N_SLOTS];
  SyActivations activations;        /* of the sessions' quantized products */
} SyWorkerInputs;

void     sy_worker_inputs_init    (SyWorker             *self,
                                   SyWorkerInputs       *inputs);
/* TRUE while no input changed since sy_worker_inputs_init(). */
gboolean sy_worker_inputs_current (const SyWorkerInputs *inputs);
void     sy_worker_inputs_clear   (SyWorkerInputs       *inputs);

enum {
  MODEL_CHANGED,
  TRACE_READY,
  RUN_FAILED,
  LOAD_PROGRESS,
  BUSY_CHANGED,
  SY_WORKER_N_SIGNALS
};

extern guint sy_worker_signals[SY_WORKER_N_SIGNALS];

/* Continue's delivery interval: from a frame up to GEN_MAX_INTERVAL_MS */
#define GEN_FRAME_MS 16
#define GEN_MAX_INTERVAL_MS 250
#define GEN_VIEW_SHARE 0.05

/* sy-worker.c */
void     sy_worker_set_running         (SyWorker *self,
                                        gboolean  running);
void     sy_worker_install_model       (SyWorker *self,
                                        SyModel  *model);
gboolean sy_worker_start_calibration   (SyWorker *self);
gboolean sy_worker_start_waiting       (SyWorker *self);
/* Runs @thread on @job (freed with @job_free) in the run thread's place:
 * the worker is running until @done gets the task and @done_data. */
void     sy_worker_run_job             (SyWorker            *self,
                                        GCancellable        *cancellable,
                                        gpointer             job,
                                        GDestroyNotify       job_free,
                                        GTaskThreadFunc      thread,
                                        GAsyncReadyCallback  done,
                                        gpointer             done_data);
void     sy_worker_schedule_run        (SyWorker *self);

/* sy-worker-generate.c */
void     sy_worker_start_generation    (SyWorker *self);

G_END_DECLS
