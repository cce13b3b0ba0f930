/* sy-worker.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "sy-calibrate.h"
#include "sy-generate.h"
#include "sy-session.h"
#include "sy-tokenizer.h"
#include "sy-worker.h"

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
  float         *logits[SY_N_SLOTS];
  int            logits_t[SY_N_SLOTS];
  int            logits_v[SY_N_SLOTS];
  char          *text;
  SyModel       *pending_model;   /* loaded while a run was in flight */

  gboolean       compare;
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
  char          *gen_text;        /* the text the generation in flight continues */
  int            gen_pending_from;
  guint          gen_deliver_id;
  gint           gen_interval_ms; /* atomic: between deliveries */
  gint64         gen_cpu_mark;    /* main thread's CPU time (µs) at the last delivery */
};

G_DEFINE_FINAL_TYPE (SyWorker, sy_worker, G_TYPE_OBJECT)

enum {
  MODEL_CHANGED,
  TRACE_READY,
  RUN_FAILED,
  LOAD_PROGRESS,
  BUSY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_run (SyWorker *self);
static gboolean start_calibration (SyWorker *self);
static void start_generation (SyWorker *self);

/* One run: a snapshot of the inputs, and its results. */
typedef struct
{
  SyWorker     *self;               /* borrowed: the task holds a ref */
  gint          generation;
  char         *text;
  SyRouterSpec *specs[SY_N_SLOTS];
  gboolean      slots[SY_N_SLOTS];
  SyTrace      *traces[SY_N_SLOTS];
  float        *logits[SY_N_SLOTS];
  int           logits_t[SY_N_SLOTS];
  int           logits_v[SY_N_SLOTS];
  GError       *errors[SY_N_SLOTS];
} RunJob;

static void
run_job_free (RunJob *job)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&job->specs[s], sy_router_spec_free);
      g_clear_pointer (&job->traces[s], sy_trace_free);
      g_clear_pointer (&job->logits[s], g_free);
      g_clear_error (&job->errors[s]);
    }
  g_free (job->text);
  g_free (job);
}

static gboolean
run_progress (double      fraction,
              const char *what,
              gpointer    user_data)
{
  RunJob *job = user_data;

  /* Newest edit wins: stop as soon as the inputs changed. */
  return g_atomic_int_get (&job->self->generation) == job->generation;
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SyWorker *self = source_object;
  RunJob *job = task_data;

  /* compare: B runs after A, taking the layers whose routing agrees */
  if (self->sessions[SY_SLOT_A] != NULL && self->sessions[SY_SLOT_B] != NULL)
    {
      sy_session_set_capture_hidden (self->sessions[SY_SLOT_A], job->slots[SY_SLOT_B]);
      sy_session_set_share_source (self->sessions[SY_SLOT_B],
                                   job->slots[SY_SLOT_B] ? self->sessions[SY_SLOT_A] : NULL);
    }
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      SySession *session = self->sessions[s];
      const float *logits;

      if (!job->slots[s] || session == NULL)
        continue;
      if (!sy_session_set_router (session, job->specs[s], &job->errors[s]))
        continue;
      job->traces[s] = sy_session_run_text (session, job->text,
                                            run_progress, job, &job->errors[s]);
      if (job->traces[s] == NULL)
        continue;
      /* the logits of every token (T × V floats, 32 MB for a 2,000-token
       * text) are kept only for Compare's KL and agreement */
      logits = job->slots[SY_SLOT_B]
        ? sy_session_get_logits (session, &job->logits_t[s], &job->logits_v[s]) : NULL;
      if (logits != NULL)
        job->logits[s] = g_memdup2 (logits, sizeof (float) * job->logits_t[s] * job->logits_v[s]);
    }
  g_task_return_boolean (task, TRUE);
}

static void
set_running (SyWorker *self,
             gboolean  running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_signal_emit (self, signals[BUSY_CHANGED], 0);
}

static void
install_model (SyWorker *self,
               SyModel  *model)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&self->sessions[s], sy_session_free);
      g_clear_pointer (&self->traces[s], sy_trace_free);
      g_clear_pointer (&self->logits[s], g_free);
    }
  g_clear_pointer (&self->model, sy_model_unref);
  self->model = model;
  for (int s = 0; s < SY_N_SLOTS; s++)
    self->sessions[s] = sy_session_new (model);

  /* A router spec that does not fit the new model (k > E, ...) falls back to native. */
  for (int s = 0; s < SY_N_SLOTS; s++)
    if (self->specs[s] != NULL &&
        !sy_router_spec_check (self->specs[s], sy_model_get_router_info (model), NULL))
      g_clear_pointer (&self->specs[s], sy_router_spec_free);

  g_signal_emit (self, signals[MODEL_CHANGED], 0);
  g_atomic_int_inc (&self->generation);
  schedule_run (self);
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SyWorker *self = SY_WORKER (object);
  RunJob *job = g_task_get_task_data (G_TASK (result));
  gboolean stale = g_atomic_int_get (&self->generation) != job->generation;

  set_running (self, FALSE);

  if (self->pending_model != NULL)
    {
      install_model (self, g_steal_pointer (&self->pending_model));
      return;
    }
  if (start_calibration (self))
    {
      g_atomic_int_inc (&self->generation);   /* results of this run are dropped; rerun after */
      return;
    }

  if (!stale)
    {
      for (int s = 0; s < SY_N_SLOTS; s++)
        {
          if (!job->slots[s])
            continue;
          if (job->errors[s] != NULL)
            {
              g_signal_emit (self, signals[RUN_FAILED], 0, s, job->errors[s]);
              continue;
            }
          g_clear_pointer (&self->traces[s], sy_trace_free);
          g_clear_pointer (&self->logits[s], g_free);
          g_clear_pointer (&self->continuation[s], g_free);
          self->generated_from[s] = 0;
          self->traces[s] = g_steal_pointer (&job->traces[s]);
          self->logits[s] = g_steal_pointer (&job->logits[s]);
          self->logits_t[s] = job->logits_t[s];
          self->logits_v[s] = job->logits_v[s];
        }
      for (int s = 0; s < SY_N_SLOTS; s++)
        if (job->slots[s] && job->errors[s] == NULL)
          g_signal_emit (self, signals[TRACE_READY], 0, s);
    }
  else
    {
      /* Inputs changed while running: the newest request runs now. */
      schedule_run (self);
    }
}

static gboolean
start_run (gpointer user_data)
{
  SyWorker *self = user_data;
  g_autoptr (GTask) task = NULL;
  RunJob *job;

  self->debounce_id = 0;
  if (!self->running && start_calibration (self))
    return G_SOURCE_REMOVE;
  if (self->running || self->model == NULL || self->text == NULL || self->text[0] == '\0')
    return G_SOURCE_REMOVE;
  if (self->gen_request > 0)
    {
      start_generation (self);
      return G_SOURCE_REMOVE;
    }

  job = g_new0 (RunJob, 1);
  job->self = self;
  job->generation = g_atomic_int_get (&self->generation);
  job->text = g_strdup (self->text);
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      job->slots[s] = s == SY_SLOT_A || self->compare;
      job->specs[s] = self->specs[s] ? sy_router_spec_copy (self->specs[s]) : NULL;
    }

  set_running (self, TRUE);
  task = g_task_new (self, NULL, run_done, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, job, (GDestroyNotify) run_job_free);
  g_task_run_in_thread (task, run_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_run (SyWorker *self)
{
  if (self->running)
    return;   /* run_done notices the newer generation and reschedules */
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (self->debounce_ms, start_run, self);
}

static void
inputs_changed (SyWorker *self)
{
  g_atomic_int_inc (&self->generation);
  schedule_run (self);
}

/* Loading */

typedef struct
{
  SyWorker     *self;
  char         *path;
  GCancellable *cancellable;
  SyModel      *model;
} LoadJob;

typedef struct
{
  SyWorker *self;
  double    fraction;
  char     *text;
} LoadProgress;

static void
load_job_free (LoadJob *job)
{
  g_clear_pointer (&job->model, sy_model_unref);
  g_clear_object (&job->cancellable);
  g_free (job->path);
  g_free (job);
}

static gboolean
emit_load_progress (gpointer user_data)
{
  LoadProgress *p = user_data;

  g_signal_emit (p->self, signals[LOAD_PROGRESS], 0, p->fraction, p->text);
  g_object_unref (p->self);
  g_free (p->text);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static gboolean
load_progress (double      fraction,
               const char *what,
               gpointer    user_data)
{
  LoadJob *job = user_data;
  LoadProgress *p = g_new0 (LoadProgress, 1);

  p->self = g_object_ref (job->self);
  p->fraction = fraction;
  p->text = g_strdup (what);
  /* at the task's own priority: every report arrives before the load's end */
  g_idle_add_full (G_PRIORITY_DEFAULT, emit_load_progress, p, NULL);
  return !g_cancellable_is_cancelled (job->cancellable);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;

  job->model = sy_model_load (job->path, load_progress, job, &error);
  if (job->model == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sy_worker_load_model_async (SyWorker            *self,
                            const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (SY_IS_WORKER (self));
  g_return_if_fail (path != NULL);

  job = g_new0 (LoadJob, 1);
  job->self = self;
  job->path = g_strdup (path);
  job->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();

  self->n_loads++;
  g_signal_emit (self, signals[BUSY_CHANGED], 0);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_worker_load_model_async);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

gboolean
sy_worker_load_model_finish (SyWorker      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  LoadJob *job;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  self->n_loads--;
  g_signal_emit (self, signals[BUSY_CHANGED], 0);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  /* A load cancelled (or superseded) after its model was built is not installed. */
  if (g_cancellable_is_cancelled (job->cancellable))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "loading %s was cancelled", job->path);
      return FALSE;
    }
  if (self->running)
    {
      g_clear_pointer (&self->pending_model, sy_model_unref);
      self->pending_model = g_steal_pointer (&job->model);
      g_atomic_int_inc (&self->generation);   /* the run in flight is stale */
    }
  else
    install_model (self, g_steal_pointer (&job->model));
  return TRUE;
}

/* Calibration ("match native cost", routing.md "Calibration"): bisection
 * on the current text, in the run thread's place (never beside a run). */

typedef struct
{
  SyRouterSpec *base;
  double        target;
  char         *text;
  SyModel      *model;     /* borrowed: the model cannot change while running */
  char         *result;
} CalJob;

static void
cal_job_free (CalJob *job)
{
  g_clear_pointer (&job->base, sy_router_spec_free);
  g_free (job->text);
  g_free (job->result);
  g_free (job);
}

static gboolean
cal_progress (double      fraction,
              const char *what,
              gpointer    user_data)
{
  return !g_cancellable_is_cancelled (user_data);
}

static void
cal_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CalJob *job = task_data;
  SyTokenizer *tokenizer = sy_model_get_tokenizer (job->model);
  g_autoptr (SyEncoding) encoding = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyCalibration) cal = NULL;
  GError *error = NULL;

  if (tokenizer == NULL || job->text == NULL || job->text[0] == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "calibration needs a text and a model with a tokenizer");
      return;
    }
  encoding = sy_tokenizer_encode (tokenizer, job->text, -1, TRUE, &error);
  if (encoding == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  session = sy_session_new (job->model);
  cal = sy_calibrate (session, job->base, encoding->ids, encoding->n, job->target,
                      cal_progress, cancellable ? cancellable : g_cancellable_get_current (),
                      &error);
  if (cal == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->result = sy_router_spec_to_string (cal->spec);
  g_task_return_boolean (task, TRUE);
}

static void
cal_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SyWorker *self = SY_WORKER (object);
  GTask *outer = user_data;
  CalJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  set_running (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, g_steal_pointer (&job->result), g_free);
  g_object_unref (outer);

  if (self->pending_model != NULL)
    install_model (self, g_steal_pointer (&self->pending_model));
  else if (!start_calibration (self))
    schedule_run (self);
}

/* What sy_worker_calibrate_async() was asked for, kept until its turn. */
typedef struct
{
  SyRouterSpec *base;
  double        target;
} CalRequest;

static void
cal_request_free (CalRequest *request)
{
  sy_router_spec_free (request->base);
  g_free (request);
}

/* Starts the next waiting calibration; FALSE when there is none. */
static gboolean
start_calibration (SyWorker *self)
{
  GTask *outer;
  g_autoptr (GTask) inner = NULL;
  CalJob *job;

  while ((outer = g_queue_pop_head (&self->calibrations)) != NULL)
    {
      if (self->model != NULL)
        break;
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no model is loaded");
      g_object_unref (outer);
    }
  if (outer == NULL)
    return FALSE;

  {
    const CalRequest *request = g_task_get_task_data (outer);

    job = g_new0 (CalJob, 1);
    job->base = sy_router_spec_copy (request->base);
    job->target = request->target;
  }
  job->text = g_strdup (self->text);
  job->model = self->model;

  set_running (self, TRUE);
  inner = g_task_new (self, g_task_get_cancellable (outer), cal_done, outer);
  g_task_set_task_data (inner, job, (GDestroyNotify) cal_job_free);
  g_task_run_in_thread (inner, cal_thread);
  return TRUE;
}

void
sy_worker_calibrate_async (SyWorker            *self,
                           const SyRouterSpec  *base,
                           double               target,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  CalRequest *request;
  GTask *task;

  g_return_if_fail (SY_IS_WORKER (self));
  g_return_if_fail (base != NULL);

  request = g_new0 (CalRequest, 1);
  request->base = sy_router_spec_copy (base);
  request->target = target;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_worker_calibrate_async);
  g_task_set_task_data (task, request, (GDestroyNotify) cal_request_free);
  g_queue_push_tail (&self->calibrations, task);
  if (!self->running)
    {
      g_clear_handle_id (&self->debounce_id, g_source_remove);
      start_calibration (self);
    }
}

char *
sy_worker_calibrate_finish (SyWorker      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Inputs and results */

SyModel *
sy_worker_get_model (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  return self->model;
}

void
sy_worker_set_text (SyWorker   *self,
                    const char *text)
{
  g_return_if_fail (SY_IS_WORKER (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  inputs_changed (self);
}

const char *
sy_worker_get_text (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  return self->text;
}

gboolean
sy_worker_set_router (SyWorker            *self,
                      SySlot               slot,
                      const SyRouterSpec  *spec,
                      GError             **error)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);
  g_return_val_if_fail (slot < SY_N_SLOTS, FALSE);

  if (spec != NULL && self->model != NULL &&
      !sy_router_spec_check (spec, sy_model_get_router_info (self->model), error))
    return FALSE;

  g_clear_pointer (&self->specs[slot], sy_router_spec_free);
  self->specs[slot] = spec ? sy_router_spec_copy (spec) : NULL;
  inputs_changed (self);
  return TRUE;
}

const SyRouterSpec *
sy_worker_get_router (SyWorker *self,
                      SySlot    slot)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);
  return self->specs[slot];
}

void
sy_worker_set_compare (SyWorker *self,
                       gboolean  compare)
{
  g_return_if_fail (SY_IS_WORKER (self));

  compare = !!compare;
  if (self->compare == compare)
    return;
  self->compare = compare;
  if (compare)
    inputs_changed (self);
}

gboolean
sy_worker_get_compare (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);
  return self->compare;
}

void
sy_worker_set_debounce (SyWorker *self,
                        guint     ms)
{
  g_return_if_fail (SY_IS_WORKER (self));
  self->debounce_ms = ms;
}

const SyTrace *
sy_worker_get_trace (SyWorker *self,
                     SySlot    slot)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);
  return self->traces[slot];
}

const float *
sy_worker_get_logits (SyWorker *self,
                      SySlot    slot,
                      int      *n_tokens,
                      int      *n_vocab)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);

  if (n_tokens)
    *n_tokens = self->logits[slot] ? self->logits_t[slot] : 0;
  if (n_vocab)
    *n_vocab = self->logits[slot] ? self->logits_v[slot] : 0;
  return self->logits[slot];
}

gboolean
sy_worker_is_busy (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);
  return self->running || self->debounce_id != 0 || self->n_loads > 0 ||
         !g_queue_is_empty (&self->calibrations);
}

/* Continue: the model writes on, token by token, under A's (and in compare
 * mode B's) configuration.  The thread hands each step's trace and the
 * text it adds over through gen_pending; the main thread takes the newest
 * trace at most every gen_interval_ms, so the views never hold decoding
 * up, and decoding does no more per token than `switchyard-cli bench`
 * does (the run, a sampled token, the new token's piece of text).  The
 * interval starts at a frame and grows while updating the views takes
 * the main thread more than GEN_VIEW_SHARE of its time: on a machine with
 * no core to spare, the views take no more than that from decoding. */

#define GEN_FRAME_MS 16
#define GEN_MAX_INTERVAL_MS 250
#define GEN_VIEW_SHARE 0.08

typedef struct
{
  SyWorker     *self;               /* borrowed: the task holds a ref */
  gint          generation;
  char         *text;
  int           n_tokens;
  SySampling    sampling;
  SyRouterSpec *specs[SY_N_SLOTS];
  gboolean      slots[SY_N_SLOTS];
  int           n_prompt;
  char         *continuation[SY_N_SLOTS];
  GError       *error;
  int           error_slot;
} GenJob;

static void
gen_job_free (GenJob *job)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&job->specs[s], sy_router_spec_free);
      g_free (job->continuation[s]);
    }
  g_clear_error (&job->error);
  g_free (job->text);
  g_free (job);
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_GINT64_CONSTANT (1000000) + ts.tv_nsec / 1000;
}

static gboolean
gen_deliver (gpointer user_data)
{
  SyWorker *self = user_data;
  SyTrace *traces[SY_N_SLOTS] = { NULL, };
  GString *texts[SY_N_SLOTS] = { NULL, };
  gboolean reset[SY_N_SLOTS] = { FALSE, };
  gboolean changed[SY_N_SLOTS] = { FALSE, };
  gint64 cpu = thread_cpu_us ();
  int from;

  /* what the main thread spent since the last delivery (that one's views
   * and their painting) sets the next interval */
  if (self->gen_cpu_mark > 0)
    g_atomic_int_set (&self->gen_interval_ms,
                      (int) CLAMP ((cpu - self->gen_cpu_mark) / (1000 * GEN_VIEW_SHARE),
                                   GEN_FRAME_MS, GEN_MAX_INTERVAL_MS));
  self->gen_cpu_mark = cpu;

  g_mutex_lock (&self->gen_lock);
  self->gen_deliver_id = 0;
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      traces[s] = g_steal_pointer (&self->gen_pending[s]);
      texts[s] = g_steal_pointer (&self->gen_pending_text[s]);
      reset[s] = self->gen_pending_reset[s];
      self->gen_pending_reset[s] = FALSE;
    }
  from = self->gen_pending_from;
  g_mutex_unlock (&self->gen_lock);

  /* the text was edited since the generation started: its steps would
   * land in a text that is no longer theirs (the edit runs instead) */
  if (g_strcmp0 (self->text, self->gen_text) != 0)
    {
      for (int s = 0; s < SY_N_SLOTS; s++)
        {
          g_clear_pointer (&traces[s], sy_trace_free);
          if (texts[s] != NULL)
            g_string_free (texts[s], TRUE);
        }
      return G_SOURCE_REMOVE;
    }

  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      if (texts[s] != NULL)
        {
          char *text = reset[s] || self->continuation[s] == NULL
                       ? g_strdup (texts[s]->str)
                       : g_strconcat (self->continuation[s], texts[s]->str, NULL);

          g_free (self->continuation[s]);
          self->continuation[s] = text;
          g_string_free (texts[s], TRUE);
          changed[s] = TRUE;
        }
      if (traces[s] == NULL)
        continue;
      g_clear_pointer (&self->traces[s], sy_trace_free);
      g_clear_pointer (&self->logits[s], g_free);
      self->traces[s] = traces[s];
      self->generated_from[s] = from;
      changed[s] = TRUE;
    }
  for (int s = 0; s < SY_N_SLOTS; s++)
    if (changed[s] && self->traces[s] != NULL)
      g_signal_emit (self, signals[TRACE_READY], 0, s);
  return G_SOURCE_REMOVE;
}

/* Hands a step over: @trace (NULL: none new) and @text, the text it adds
 * to the slot's continuation (@reset: the whole continuation). */
static void
gen_post (GenJob     *job,
          int         slot,
          SyTrace    *trace,
          const char *text,
          gboolean    reset)
{
  SyWorker *self = job->self;

  g_mutex_lock (&self->gen_lock);
  if (trace != NULL)
    {
      g_clear_pointer (&self->gen_pending[slot], sy_trace_free);
      self->gen_pending[slot] = trace;
    }
  if (reset && self->gen_pending_text[slot] != NULL)
    g_string_truncate (self->gen_pending_text[slot], 0);
  if (self->gen_pending_text[slot] == NULL)
    self->gen_pending_text[slot] = g_string_new (NULL);
  g_string_append (self->gen_pending_text[slot], text);
  self->gen_pending_reset[slot] |= reset;
  self->gen_pending_from = job->n_prompt;
  if (self->gen_deliver_id == 0)
    self->gen_deliver_id = g_timeout_add_full (G_PRIORITY_DEFAULT, g_atomic_int_get (&self->gen_interval_ms),
                                               gen_deliver, g_object_ref (self), g_object_unref);
  g_mutex_unlock (&self->gen_lock);
}

/* The text that generated token ids[n - 1] adds to the decoded ids[0..n-1),
 * decoding only a few tokens: ids[*prefix..*read) were decoded last time,
 * and the new text is what decoding ids[*prefix..n) adds to theirs (so a
 * decoder that treats the first token apart, or joins tokens with spaces,
 * sees each token in context).  NULL while the new token ends inside a
 * character (bytes of one character split across tokens): it waits for
 * the next one. */
static char *
gen_decode_step (SyTokenizer   *tokenizer,
                 const int32_t *ids,
                 int            n,
                 int           *prefix,
                 int           *read)
{
  g_autofree char *before = sy_tokenizer_decode (tokenizer, ids + *prefix, *read - *prefix, TRUE);
  g_autofree char *after = sy_tokenizer_decode (tokenizer, ids + *prefix, n - *prefix, TRUE);
  size_t lb = strlen (before), la = strlen (after);

  if (la < lb || strncmp (after, before, lb) != 0 || !g_utf8_validate (after + lb, -1, NULL) ||
      (la >= lb + 3 && strcmp (after + la - 3, "\xef\xbf\xbd") == 0))
    return NULL;
  *prefix = *read;
  *read = n;
  return g_strdup (after + lb);
}

static gboolean
gen_should_stop (GenJob *job)
{
  return g_atomic_int_get (&job->self->generation) != job->generation ||
         g_atomic_int_get (&job->self->gen_stop);
}

static void
gen_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SyWorker *self = source_object;
  GenJob *job = task_data;
  SyTokenizer *tokenizer = sy_model_get_tokenizer (self->model);
  const SyModelInfo *info = sy_model_get_info (self->model);
  g_autoptr (SyEncoding) encoding = NULL;
  int32_t *ids[SY_N_SLOTS] = { NULL, };
  SySampler *samplers[SY_N_SLOTS] = { NULL, };
  gboolean done[SY_N_SLOTS] = { FALSE, };
  GString *streamed[SY_N_SLOTS] = { NULL, };
  int prefix[SY_N_SLOTS] = { 0, }, read[SY_N_SLOTS] = { 0, };
  int n = 0, n_new[SY_N_SLOTS] = { 0, };

  if (tokenizer == NULL)
    {
      g_set_error (&job->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the model has no tokenizer");
      goto out;
    }
  encoding = sy_tokenizer_encode (tokenizer, job->text, -1, TRUE, &job->error);
  if (encoding == NULL || encoding->n < 1)
    goto out;
  job->n_prompt = encoding->n;
  /* B's continuation is not A's: no sharing of layers between them */
  if (self->sessions[SY_SLOT_B] != NULL)
    sy_session_set_share_source (self->sessions[SY_SLOT_B], NULL);
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      SyTrace *trace;

      if (!job->slots[s])
        continue;
      ids[s] = g_new (int32_t, encoding->n + job->n_tokens);
      memcpy (ids[s], encoding->ids, sizeof (int32_t) * encoding->n);
      samplers[s] = sy_sampler_new (&job->sampling);
      streamed[s] = g_string_new (NULL);
      sy_session_set_extend_native (self->sessions[s], TRUE);
      if (!sy_session_set_router (self->sessions[s], job->specs[s], &job->error) ||
          !(trace = sy_session_run (self->sessions[s], ids[s], encoding->n, NULL, NULL, &job->error)))
        {
          job->error_slot = s;
          goto out;
        }
      sy_trace_free (trace);
    }

  for (n = 0; n < job->n_tokens && !gen_should_stop (job); n++)
    {
      gboolean any = FALSE;

      for (int s = 0; s < SY_N_SLOTS; s++)
        {
          const float *logits;
          int T, V, len = encoding->n + n + 1;
          SyTrace *trace;
          g_autofree char *piece = NULL;

          if (!job->slots[s] || done[s])
            continue;
          logits = sy_session_get_logits (self->sessions[s], &T, &V);
          if (logits == NULL || T < 1)
            {
              done[s] = TRUE;
              continue;
            }
          ids[s][len - 1] = sy_sampler_pick (samplers[s], logits + (gsize) (T - 1) * V, V);
          trace = sy_session_run (self->sessions[s], ids[s], len, NULL, NULL, &job->error);
          if (trace == NULL)
            {
              job->error_slot = s;
              goto out;
            }
          n_new[s] = n + 1;
          piece = gen_decode_step (tokenizer, ids[s] + encoding->n, n + 1, &prefix[s], &read[s]);
          if (piece != NULL)
            g_string_append (streamed[s], piece);
          gen_post (job, s, trace, piece ? piece : "", n == 0);
          if (sy_model_info_is_eos (info, ids[s][len - 1]))
            done[s] = TRUE;
          any = TRUE;
        }
      if (!any)
        break;
    }

out:
  /* the continuations as one decode of all their tokens: where the
   * streamed pieces say otherwise (a character still waiting for its
   * bytes), the views get the right text with the last step */
  for (int s = 0; s < SY_N_SLOTS; s++)
    if (n_new[s] > 0)
      {
        job->continuation[s] = sy_tokenizer_decode (tokenizer, ids[s] + encoding->n, n_new[s], TRUE);
        if (strcmp (job->continuation[s], streamed[s]->str) != 0)
          gen_post (job, s, NULL, job->continuation[s], TRUE);
      }
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      if (self->sessions[s] != NULL)
        sy_session_set_extend_native (self->sessions[s], FALSE);
      g_free (ids[s]);
      sy_sampler_free (samplers[s]);
      if (streamed[s] != NULL)
        g_string_free (streamed[s], TRUE);
    }
  g_task_return_boolean (task, TRUE);
}

static void
gen_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SyWorker *self = SY_WORKER (object);
  GenJob *job = g_task_get_task_data (G_TASK (result));
  gboolean stale = g_atomic_int_get (&self->generation) != job->generation;

  /* the last step now */
  g_mutex_lock (&self->gen_lock);
  g_clear_handle_id (&self->gen_deliver_id, g_source_remove);
  g_mutex_unlock (&self->gen_lock);
  gen_deliver (self);

  self->generating = FALSE;
  g_clear_pointer (&self->gen_text, g_free);
  /* the text now ends with A's continuation, which the traces (and the
   * window's text) already hold, also when another input (a policy, compare,
   * a model) stopped it: what runs next is the text shown */
  if (job->continuation[SY_SLOT_A] != NULL && g_strcmp0 (self->text, job->text) == 0)
    {
      char *text = g_strconcat (job->text, job->continuation[SY_SLOT_A], NULL);

      g_free (self->text);
      self->text = text;
    }
  if (job->error != NULL && !stale)
    g_signal_emit (self, signals[RUN_FAILED], 0, job->error_slot, job->error);
  set_running (self, FALSE);

  if (self->pending_model != NULL)
    {
      install_model (self, g_steal_pointer (&self->pending_model));
      return;
    }
  if (start_calibration (self))
    return;
  /* newer inputs wait; and a generation stopped before its first token
   * delivered no trace at all: the views may still show an older text's
   * (its last plain run was superseded by this generation), so the text
   * runs as usual (the sessions' caches make that cheap) */
  if (stale || (job->continuation[SY_SLOT_A] == NULL && job->error == NULL))
    schedule_run (self);
}

static void
start_generation (SyWorker *self)
{
  g_autoptr (GTask) task = NULL;
  GenJob *job = g_new0 (GenJob, 1);

  job->self = self;
  job->generation = g_atomic_int_get (&self->generation);
  job->text = g_strdup (self->text);
  job->n_tokens = self->gen_request;
  job->sampling = self->gen_sampling;
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      job->slots[s] = s == SY_SLOT_A || self->compare;
      job->specs[s] = self->specs[s] ? sy_router_spec_copy (self->specs[s]) : NULL;
    }
  self->gen_request = 0;
  self->generating = TRUE;
  g_free (self->gen_text);
  self->gen_text = g_strdup (job->text);
  g_atomic_int_set (&self->gen_stop, FALSE);
  g_atomic_int_set (&self->gen_interval_ms, GEN_FRAME_MS);
  self->gen_cpu_mark = 0;

  set_running (self, TRUE);
  task = g_task_new (self, NULL, gen_done, NULL);
  g_task_set_source_tag (task, start_generation);
  g_task_set_task_data (task, job, (GDestroyNotify) gen_job_free);
  g_task_run_in_thread (task, gen_thread);
}

gboolean
sy_worker_generate (SyWorker         *self,
                    int               n_tokens,
                    const SySampling *sampling)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);

  if (self->model == NULL || self->text == NULL || self->text[0] == '\0' || n_tokens < 1)
    return FALSE;
  self->gen_request = n_tokens;
  if (sampling)
    self->gen_sampling = *sampling;
  else
    sy_sampling_init (&self->gen_sampling);
  /* a run in flight is superseded; the generation starts in its place */
  g_atomic_int_inc (&self->generation);
  schedule_run (self);
  return TRUE;
}

void
sy_worker_stop_generation (SyWorker *self)
{
  g_return_if_fail (SY_IS_WORKER (self));
  self->gen_request = 0;
  if (self->generating)
    g_atomic_int_set (&self->gen_stop, TRUE);
}

gboolean
sy_worker_is_generating (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);
  return self->generating || self->gen_request > 0;
}

int
sy_worker_get_generated_from (SyWorker *self,
                              SySlot    slot)
{
  g_return_val_if_fail (SY_IS_WORKER (self), 0);
  g_return_val_if_fail (slot < SY_N_SLOTS, 0);
  return self->traces[slot] ? self->generated_from[slot] : 0;
}

const char *
sy_worker_get_continuation (SyWorker *self,
                            SySlot    slot)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);
  return self->generated_from[slot] > 0 ? self->continuation[slot] : NULL;
}

static void
sy_worker_dispose (GObject *object)
{
  SyWorker *self = SY_WORKER (object);

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_mutex_lock (&self->gen_lock);
  g_clear_handle_id (&self->gen_deliver_id, g_source_remove);
  g_mutex_unlock (&self->gen_lock);
  G_OBJECT_CLASS (sy_worker_parent_class)->dispose (object);
}

static void
sy_worker_finalize (GObject *object)
{
  SyWorker *self = SY_WORKER (object);

  /* A run or a load task holds a reference, so none is in flight here. */
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&self->sessions[s], sy_session_free);
      g_clear_pointer (&self->specs[s], sy_router_spec_free);
      g_clear_pointer (&self->traces[s], sy_trace_free);
      g_clear_pointer (&self->logits[s], g_free);
      g_clear_pointer (&self->continuation[s], g_free);
      g_clear_pointer (&self->gen_pending[s], sy_trace_free);
      if (self->gen_pending_text[s] != NULL)
        g_string_free (g_steal_pointer (&self->gen_pending_text[s]), TRUE);
    }
  g_free (self->gen_text);
  g_mutex_clear (&self->gen_lock);
  g_clear_pointer (&self->pending_model, sy_model_unref);
  g_clear_pointer (&self->model, sy_model_unref);
  g_free (self->text);
  g_queue_clear_full (&self->calibrations, g_object_unref);
  G_OBJECT_CLASS (sy_worker_parent_class)->finalize (object);
}

static void
sy_worker_class_init (SyWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_worker_dispose;
  object_class->finalize = sy_worker_finalize;

  signals[MODEL_CHANGED] =
    g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (slot) */
  signals[TRACE_READY] =
    g_signal_new ("trace-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  /* (slot, error) */
  signals[RUN_FAILED] =
    g_signal_new ("run-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_ERROR);
  /* (fraction, text or NULL) */
  signals[LOAD_PROGRESS] =
    g_signal_new ("load-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[BUSY_CHANGED] =
    g_signal_new ("busy-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_worker_init (SyWorker *self)
{
  self->debounce_ms = 0;
  g_mutex_init (&self->gen_lock);
  self->gen_interval_ms = GEN_FRAME_MS;
  sy_sampling_init (&self->gen_sampling);
}

SyWorker *
sy_worker_new (void)
{
  return g_object_new (SY_TYPE_WORKER, NULL);
}
