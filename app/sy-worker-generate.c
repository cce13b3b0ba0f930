/* sy-worker-generate.c: SyWorker's Continue, the generation thread and
 * the posting of its steps to the main thread
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "sy-tokenizer.h"
#include "sy-worker-private.h"

/* Continue: the model writes on, token by token, under A's (and in compare
 * mode B's) configuration.  The thread hands each step's trace and the
 * text it adds over through gen_pending; the main thread takes the newest
 * trace at most every gen_interval_ms, so the views never hold decoding
 * up, and decoding does no more per token than `switchyard-cli bench`
 * does (the run, a sampled token, the new token's piece of text).  The
 * interval starts at a frame and grows while updating the views takes
 * the main thread more than GEN_VIEW_SHARE of its time: on a machine with
 * no core to spare, the views take no more than that from decoding. */

typedef struct
{
  SyWorkerInputs in;
  int           n_tokens;
  SySampling    sampling;
  int           n_prompt;
  char         *continuation[SY_N_SLOTS];
  double        decode_rate;        /* A's tokens per second of the loop so far */
  GError       *error;
  int           error_slot;
} GenJob;

static void
gen_job_free (GenJob *job)
{
  for (int s = 0; s < SY_N_SLOTS; s++)
    g_free (job->continuation[s]);
  g_clear_error (&job->error);
  sy_worker_inputs_clear (&job->in);
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
  self->decode_rate = self->gen_pending_rate;
  g_mutex_unlock (&self->gen_lock);

  /* the text was edited since the generation started: its steps would
   * land in a text that is no longer theirs (the edit runs instead).  An
   * edit, not the text's value: one that gives the prompt back (its
   * continuation deleted) still leaves the window's text apart from ours */
  if (self->text_edits != self->gen_text_edits)
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
      sy_logits_copy_clear (&self->logits[s]);
      self->traces[s] = traces[s];
      self->generated_from[s] = from;
      changed[s] = TRUE;
    }
  /* A then B, as a run emits them (a compare pane updates on B's): B's
   * also when only A's moved on (B at its end already, or its step not
   * posted yet), else A's views there would keep an older step */
  if (changed[SY_SLOT_A] && self->compare)
    changed[SY_SLOT_B] = TRUE;
  for (int s = 0; s < SY_N_SLOTS; s++)
    if (changed[s] && self->traces[s] != NULL)
      g_signal_emit (self, sy_worker_signals[TRACE_READY], 0, s);
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
  SyWorker *self = job->in.self;

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
  self->gen_pending_rate = job->decode_rate;
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
  return !sy_worker_inputs_current (&job->in) ||
         g_atomic_int_get (&job->in.self->gen_stop);
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
  gint64 t0;

  if (tokenizer == NULL)
    {
      g_set_error (&job->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the model has no tokenizer");
      goto out;
    }
  encoding = sy_tokenizer_encode (tokenizer, job->in.text, -1, TRUE, &job->error);
  if (encoding == NULL || encoding->n < 1)
    goto out;
  job->n_prompt = encoding->n;
  /* B's continuation is not A's: no sharing of layers between them */
  if (self->sessions[SY_SLOT_B] != NULL)
    sy_session_set_share_source (self->sessions[SY_SLOT_B], NULL);
  for (int s = 0; s < SY_N_SLOTS; s++)
    {
      SyTrace *trace;

      if (!job->in.slots[s])
        continue;
      ids[s] = g_new (int32_t, encoding->n + job->n_tokens);
      memcpy (ids[s], encoding->ids, sizeof (int32_t) * encoding->n);
      samplers[s] = sy_sampler_new (&job->sampling);
      streamed[s] = g_string_new (NULL);
      sy_session_set_extend_native (self->sessions[s], TRUE);
      sy_session_set_activations (self->sessions[s], job->in.activations);
      if (!sy_session_set_router (self->sessions[s], job->in.specs[s], &job->error) ||
          !(trace = sy_session_run (self->sessions[s], ids[s], encoding->n, NULL, NULL, &job->error)))
        {
          job->error_slot = s;
          goto out;
        }
      sy_trace_free (trace);
    }

  t0 = g_get_monotonic_time ();
  for (n = 0; n < job->n_tokens && !gen_should_stop (job); n++)
    {
      gboolean any = FALSE;

      for (int s = 0; s < SY_N_SLOTS; s++)
        {
          const float *logits;
          int T, V, len = encoding->n + n + 1;
          SyTrace *trace;
          g_autofree char *piece = NULL;

          if (!job->in.slots[s] || done[s])
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
          if (s == SY_SLOT_A)
            job->decode_rate = n_new[s] / MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-6);
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
  gboolean stale = !sy_worker_inputs_current (&job->in);

  /* the last step now */
  g_mutex_lock (&self->gen_lock);
  g_clear_handle_id (&self->gen_deliver_id, g_source_remove);
  g_mutex_unlock (&self->gen_lock);
  gen_deliver (self);

  self->generating = FALSE;
  /* the text now ends with A's continuation, which the traces (and the
   * window's text) already hold, also when another input (a policy, compare,
   * a model) stopped it: what runs next is the text shown.  Not after an
   * edit, even one back to the prompt's text: gen_deliver dropped the steps */
  if (job->continuation[SY_SLOT_A] != NULL && self->text_edits == self->gen_text_edits)
    {
      char *text = g_strconcat (job->in.text, job->continuation[SY_SLOT_A], NULL);

      g_free (self->text);
      self->text = text;
    }
  if (job->error != NULL && !stale)
    g_signal_emit (self, sy_worker_signals[RUN_FAILED], 0, job->error_slot, job->error);
  sy_worker_set_running (self, FALSE);

  if (sy_worker_start_waiting (self))
    return;
  /* newer inputs wait; and a generation stopped before its first token
   * delivered no trace at all: the views may still show an older text's
   * (its last plain run was superseded by this generation), so the text
   * runs as usual (the sessions' caches make that cheap) */
  if (stale || (job->continuation[SY_SLOT_A] == NULL && job->error == NULL))
    sy_worker_schedule_run (self);
}

void
sy_worker_start_generation (SyWorker *self)
{
  GenJob *job = g_new0 (GenJob, 1);

  sy_worker_inputs_init (self, &job->in);
  job->n_tokens = self->gen_request;
  job->sampling = self->gen_sampling;
  self->gen_request = 0;
  self->generating = TRUE;
  self->gen_text_edits = self->text_edits;
  g_atomic_int_set (&self->gen_stop, FALSE);
  g_atomic_int_set (&self->gen_interval_ms, GEN_FRAME_MS);
  self->gen_cpu_mark = 0;

  sy_worker_run_job (self, NULL, job, (GDestroyNotify) gen_job_free, gen_thread, gen_done, NULL);
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
  sy_worker_schedule_run (self);
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

double
sy_worker_get_decode_rate (SyWorker *self)
{
  g_return_val_if_fail (SY_IS_WORKER (self), 0);
  return self->decode_rate;
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

