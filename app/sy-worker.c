/* sy-worker.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sy-calibrate.h"
#include "sy-signal.h"
#include "sy-tokenizer.h"
#include "sy-worker-private.h"

G_DEFINE_FINAL_TYPE (SyWorker, sy_worker, G_TYPE_OBJECT)

guint sy_worker_signals[SY_WORKER_N_SIGNALS];

/* One run: a snapshot of the inputs, and its results. */
typedef struct
{
  SyWorkerInputs in;
  SyTrace      *traces[SY_N_SLOTS];
  SyLogitsCopy  logits[SY_N_SLOTS];   /* from the worker's spare */
  GError       *errors[SY_N_SLOTS];
} RunJob;

static void
run_job_free (RunJob *job)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&job->traces[s], sy_trace_free);
      sy_logits_copy_clear (&job->logits[s]);
      g_clear_error (&job->errors[s]);
    }
  sy_worker_inputs_clear (&job->in);
  g_free (job);
}

/* The session's logits rows into @c, which holds (when it came from the
 * worker's spare) the rows of an earlier run: only the rows whose stamps
 * differ are copied (typing at the end: the last few). */
static void
copy_logits (SyLogitsCopy *c,
             SySession    *session)
{
  int T = 0, V = 0, keep;
  const float *logits = sy_session_get_logits (session, &T, &V);
  const guint64 *stamps = sy_session_get_logits_stamps (session, NULL);

  if (logits == NULL || stamps == NULL)
    return;
  keep = c->rows != NULL && c->v == V ? MIN (c->t, T) : 0;
  if (c->rows == NULL || c->v != V || c->cap < T)
    {
      int cap = T + T / 4 + 8;

      /* a realloc keeps the rows (a different vocabulary keeps none) */
      c->rows = g_renew (float, c->rows, (gsize) cap * V);
      c->stamps = g_renew (guint64, c->stamps, cap);
      c->cap = cap;
    }
  for (int t = 0; t < T; t++)
    {
      if (t < keep && stamps[t] != 0 && c->stamps[t] == stamps[t])
        continue;
      memcpy (c->rows + (gsize) t * V, logits + (gsize) t * V, sizeof (float) * V);
      c->stamps[t] = stamps[t];
    }
  c->t = T;
  c->v = V;
}

static gboolean
run_progress (double      fraction,
              const char *what,
              gpointer    user_data)
{
  RunJob *job = user_data;

  /* Newest edit wins: stop as soon as the inputs changed. */
  return sy_worker_inputs_current (&job->in);
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
      sy_session_set_capture_hidden (self->sessions[SY_SLOT_A], job->in.slots[SY_SLOT_B]);
      sy_session_set_share_source (self->sessions[SY_SLOT_B],
                                   job->in.slots[SY_SLOT_B] ? self->sessions[SY_SLOT_A] : NULL);
    }
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      SySession *session = self->sessions[s];
      if (!job->in.slots[s] || session == NULL)
        continue;
      sy_session_set_activations (session, job->in.activations);
      if (!sy_session_set_router (session, job->in.specs[s], &job->errors[s]))
        continue;
      job->traces[s] = sy_session_run_text (session, job->in.text,
                                            run_progress, job, &job->errors[s]);
      if (job->traces[s] == NULL)
        continue;
      /* the logits of every token (T × V floats, 32 MB for a 2,000-token
       * text) are kept only for Compare's KL and agreement */
      if (job->in.slots[SY_SLOT_B])
        copy_logits (&job->logits[s], session);
    }
  g_task_return_boolean (task, TRUE);
}

void
sy_worker_set_running (SyWorker *self,
                       gboolean  running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_signal_emit (self, sy_worker_signals[BUSY_CHANGED], 0);
}

void
sy_worker_install_model (SyWorker *self,
                         SyModel  *model)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      g_clear_pointer (&self->sessions[s], sy_session_free);
      g_clear_pointer (&self->traces[s], sy_trace_free);
      sy_logits_copy_clear (&self->logits[s]);
      sy_logits_copy_clear (&self->spare[s]);
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

  g_signal_emit (self, sy_worker_signals[MODEL_CHANGED], 0);
  g_atomic_int_inc (&self->generation);
  sy_worker_schedule_run (self);
}

/* @c, a logits copy of @s the views no longer read, becomes the spare
 * that the next run copies into (@c left empty). */
static void
keep_spare (SyWorker     *self,
            int           s,
            SyLogitsCopy *c)
{
  if (c->rows != NULL && c->stamps != NULL)
    sy_logits_copy_move (&self->spare[s], c);
  else
    sy_logits_copy_clear (c);
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SyWorker *self = SY_WORKER (object);
  RunJob *job = g_task_get_task_data (G_TASK (result));
  gboolean stale = !sy_worker_inputs_current (&job->in);

  sy_worker_set_running (self, FALSE);

  if (sy_worker_start_waiting (self))
    {
      g_atomic_int_inc (&self->generation);   /* results of this run are dropped; rerun after */
      return;
    }

  if (!stale)
    {
      for (int s = 0; s < SY_N_SLOTS; s++)
        {
          if (!job->in.slots[s])
            continue;
          if (job->errors[s] != NULL)
            {
              g_signal_emit (self, sy_worker_signals[RUN_FAILED], 0, s, job->errors[s]);
              continue;
            }
          g_clear_pointer (&self->traces[s], sy_trace_free);
          keep_spare (self, s, &self->logits[s]);
          g_clear_pointer (&self->continuation[s], g_free);
          self->generated_from[s] = 0;
          self->traces[s] = g_steal_pointer (&job->traces[s]);
          sy_logits_copy_move (&self->logits[s], &job->logits[s]);
        }
      for (int s = 0; s < SY_N_SLOTS; s++)
        if (job->in.slots[s] && job->errors[s] == NULL)
          g_signal_emit (self, sy_worker_signals[TRACE_READY], 0, s);
    }
  else
    {
      /* the logits of the dropped run: the next run's buffer */
      for (int s = 0; s < SY_N_SLOTS; s++)
        keep_spare (self, s, &job->logits[s]);
      /* Inputs changed while running: the newest request runs now. */
      sy_worker_schedule_run (self);
    }
}

static gboolean
start_run (gpointer user_data)
{
  SyWorker *self = user_data;
  RunJob *job;

  self->debounce_id = 0;
  if (!self->running && sy_worker_start_calibration (self))
    return G_SOURCE_REMOVE;
  if (self->running || self->model == NULL || self->text == NULL || self->text[0] == '\0')
    return G_SOURCE_REMOVE;
  if (self->gen_request > 0)
    {
      sy_worker_start_generation (self);
      return G_SOURCE_REMOVE;
    }

  job = g_new0 (RunJob, 1);
  sy_worker_inputs_init (self, &job->in);
  if (job->in.slots[SY_SLOT_B])
    for (int s = 0; s < SY_N_SLOTS; s++)
      sy_logits_copy_move (&job->logits[s], &self->spare[s]);

  sy_worker_run_job (self, NULL, job, (GDestroyNotify) run_job_free, run_thread, run_done, NULL);
  return G_SOURCE_REMOVE;
}

void
sy_worker_schedule_run (SyWorker *self)
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
  sy_worker_schedule_run (self);
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

  g_signal_emit (p->self, sy_worker_signals[LOAD_PROGRESS], 0, p->fraction, p->text);
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
  g_signal_emit (self, sy_worker_signals[BUSY_CHANGED], 0);
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
  g_signal_emit (self, sy_worker_signals[BUSY_CHANGED], 0);
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
    sy_worker_install_model (self, g_steal_pointer (&job->model));
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

  sy_worker_set_running (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, g_steal_pointer (&job->result), g_free);
  g_object_unref (outer);

  if (!sy_worker_start_waiting (self))
    sy_worker_schedule_run (self);
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

void
sy_worker_inputs_init (SyWorker       *self,
                       SyWorkerInputs *inputs)
{
  inputs->self = self;
  inputs->generation = g_atomic_int_get (&self->generation);
  inputs->text = g_strdup (self->text);
  inputs->activations = self->activations;
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      inputs->slots[s] = s == SY_SLOT_A || self->compare;
      inputs->specs[s] = self->specs[s] ? sy_router_spec_copy (self->specs[s]) : NULL;
    }
}

gboolean
sy_worker_inputs_current (const SyWorkerInputs *inputs)
{
  return g_atomic_int_get (&inputs->self->generation) == inputs->generation;
}

void
sy_worker_inputs_clear (SyWorkerInputs *inputs)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    g_clear_pointer (&inputs->specs[s], sy_router_spec_free);
  g_clear_pointer (&inputs->text, g_free);
}

void
sy_worker_run_job (SyWorker            *self,
                   GCancellable        *cancellable,
                   gpointer             job,
                   GDestroyNotify       job_free,
                   GTaskThreadFunc      thread,
                   GAsyncReadyCallback  done,
                   gpointer             done_data)
{
  g_autoptr (GTask) task = NULL;

  sy_worker_set_running (self, TRUE);
  task = g_task_new (self, cancellable, done, done_data);
  g_task_set_source_tag (task, sy_worker_run_job);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, thread);
}

/* The run thread is free: a model loaded meanwhile goes in (and its run
 * is scheduled), else the next waiting calibration starts.  FALSE when
 * neither was waiting. */
gboolean
sy_worker_start_waiting (SyWorker *self)
{
  if (self->pending_model != NULL)
    {
      sy_worker_install_model (self, g_steal_pointer (&self->pending_model));
      return TRUE;
    }
  return sy_worker_start_calibration (self);
}

/* Starts the next waiting calibration; FALSE when there is none. */
gboolean
sy_worker_start_calibration (SyWorker *self)
{
  GTask *outer;
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

  sy_worker_run_job (self, g_task_get_cancellable (outer), job, (GDestroyNotify) cal_job_free,
                     cal_thread, cal_done, outer);
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
      sy_worker_start_calibration (self);
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

  /* while Continue writes, the window's text holds the continuation after
   * ours: an edit that leaves the text we hold (the continuation deleted)
   * is still an edit, and stops the generation */
  if (g_strcmp0 (self->text, text) == 0 && !self->generating)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  self->text_edits++;
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

void
sy_worker_set_activations (SyWorker      *self,
                           SyActivations  mode)
{
  g_return_if_fail (SY_IS_WORKER (self));

  if (self->activations == mode)
    return;
  self->activations = mode;
  inputs_changed (self);
}

SyActivations
sy_worker_get_activations (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), SY_ACTIVATIONS_F32);
  return self->activations;
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
    *n_tokens = self->logits[slot].rows ? self->logits[slot].t : 0;
  if (n_vocab)
    *n_vocab = self->logits[slot].rows ? self->logits[slot].v : 0;
  return self->logits[slot].rows;
}

const guint64 *
sy_worker_get_logits_stamps (SyWorker *self,
                             SySlot    slot)
{
  g_return_val_if_fail (SY_IS_WORKER (self), NULL);
  g_return_val_if_fail (slot < SY_N_SLOTS, NULL);
  return self->logits[slot].rows ? self->logits[slot].stamps : NULL;
}

gboolean
sy_worker_is_busy (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), FALSE);
  return self->running || self->debounce_id != 0 || self->n_loads > 0 ||
         !g_queue_is_empty (&self->calibrations);
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
      sy_logits_copy_clear (&self->logits[s]);
      sy_logits_copy_clear (&self->spare[s]);
      g_clear_pointer (&self->continuation[s], g_free);
      g_clear_pointer (&self->gen_pending[s], sy_trace_free);
      if (self->gen_pending_text[s] != NULL)
        g_string_free (g_steal_pointer (&self->gen_pending_text[s]), TRUE);
    }
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

  sy_worker_signals[MODEL_CHANGED] = sy_signal_new (klass, "model-changed", 0);
  /* (slot) */
  sy_worker_signals[TRACE_READY] = sy_signal_new (klass, "trace-ready", 1, G_TYPE_INT);
  /* (slot, error) */
  sy_worker_signals[RUN_FAILED] = sy_signal_new (klass, "run-failed", 2, G_TYPE_INT, G_TYPE_ERROR);
  /* (fraction, text or NULL) */
  sy_worker_signals[LOAD_PROGRESS] = sy_signal_new (klass, "load-progress", 2,
                                                     G_TYPE_DOUBLE, G_TYPE_STRING);
  sy_worker_signals[BUSY_CHANGED] = sy_signal_new (klass, "busy-changed", 0);
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
