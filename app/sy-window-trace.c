/* sy-window-trace.c: Save Trace… of the main window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The live run of the analysis view (configuration A, and B when Compare
 * is on) written as a trace file (docs/trace-format.md) with the writer of
 * `switchyard-cli route --save-trace`: sy_trace_file_new() on the trace the
 * views draw and the model's router description, then sy_trace_file_save(),
 * with the attention received from a recording re-run of the same ids (in
 * a thread for the chooser).  Only the public API of SyWindow and
 * SyAnalysisView is used here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-file-chooser.h"
#include "sy-format.h"
#include "sy-session.h"
#include "sy-trace-file.h"
#include "sy-window.h"

gboolean
sy_window_can_save_trace (SyWindow *self,
                          gboolean  b)
{
  SyAnalysisView *analysis;
  SyWorker *worker;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);

  analysis = sy_window_get_analysis_view (self);
  worker = sy_analysis_view_get_worker (analysis);
  if (sy_worker_get_model (worker) == NULL)
    return FALSE;
  if (b && !sy_analysis_view_get_compare (analysis))
    return FALSE;
  return sy_worker_get_trace (worker, b ? SY_SLOT_B : SY_SLOT_A) != NULL;
}

GFile *
sy_window_trace_b_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr (GFile) parent = g_file_get_parent (file);
  g_autofree char *stem = sy_strip_suffix (name, ".json");
  g_autofree char *b_name = g_strconcat (stem, "-b.json", NULL);

  return parent ? g_file_get_child (parent, b_name) : g_file_new_for_path (b_name);
}

/* What a save needs, taken from the live state on the main thread; the
 * recording run and the writing may then happen in a thread. */
typedef struct
{
  SyModel      *model;
  SyRouterSpec *spec;      /* the slot's router */
  SyTrace      *trace;     /* the run as the views draw it */
  char         *text;
  char         *path;
  gboolean      record;    /* re-run it to record the attention received */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  sy_model_unref (job->model);
  sy_router_spec_free (job->spec);
  sy_trace_free (job->trace);
  g_free (job->text);
  g_free (job->path);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveJob, save_job_free)

static SaveJob *
save_job_new (SyWindow  *self,
              GFile     *file,
              gboolean   b,
              GError   **error)
{
  SyAnalysisView *analysis;
  SyWorker *worker;
  SySlot slot = b ? SY_SLOT_B : SY_SLOT_A;
  g_autofree char *path = NULL;
  const SyRouterSpec *spec;
  SaveJob *job;

  if (!sy_window_can_save_trace (self, b))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   b ? _("Configuration B has no run: turn Compare on first")
                     : _("There is no run to save: open a model first"));
      return NULL;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Choose a local file to save the trace to"));
      return NULL;
    }
  analysis = sy_window_get_analysis_view (self);
  worker = sy_analysis_view_get_worker (analysis);
  spec = sy_worker_get_router (worker, slot);
  job = g_new0 (SaveJob, 1);
  job->model = sy_model_ref (sy_worker_get_model (worker));
  job->trace = sy_trace_copy (sy_worker_get_trace (worker, slot));
  job->spec = spec ? sy_router_spec_copy (spec) : NULL;
  job->path = g_steal_pointer (&path);
  /* the text of a plain run; a continuation's text is in its tokens */
  if (sy_worker_get_generated_from (worker, slot) == 0)
    job->text = g_strdup (sy_worker_get_text (worker));
  /* a continuation under a non-causal policy was routed natively at its end:
   * a plain re-run would not route it so */
  job->record = job->trace->n_tokens > 0 &&
                (sy_worker_get_generated_from (worker, slot) == 0 || job->trace->causal);
  return job;
}

/* TRUE when @a and @b pick the same experts everywhere. */
static gboolean
same_routing (const SyTrace *a,
              const SyTrace *b)
{
  if (a->n_tokens != b->n_tokens || a->n_moe_layers != b->n_moe_layers || a->n_experts != b->n_experts)
    return FALSE;
  for (int l = 0; l < a->n_moe_layers; l++)
    for (int t = 0; t < a->n_tokens; t++)
      {
        if (a->layers[l].k[t] != b->layers[l].k[t])
          return FALSE;
        for (int j = 0; j < a->layers[l].k[t]; j++)
          if (a->layers[l].experts[sy_trace_index (a, t, j)] != b->layers[l].experts[sy_trace_index (b, t, j)])
            return FALSE;
      }
  return TRUE;
}

/* The writer of route --save-trace; the attention received comes from a
 * recording re-run of the same ids under the same router (the window's
 * sessions reuse their cache, so their own runs do not see every query),
 * kept only when that run routes as the saved one. */
static gboolean
save_job_run (SaveJob  *job,
              GError  **error)
{
  const SyModelInfo *info = sy_model_get_info (job->model);
  g_autoptr (SyTraceFile) tf = NULL;

  tf = sy_trace_file_new (job->trace, sy_model_get_router_info (job->model), info->model_type,
                          info->vocab_size, job->text);
  if (job->record)
    {
      g_autoptr (SySession) session = sy_session_new (job->model);
      g_autoptr (SyTrace) run = NULL;

      sy_session_set_record_attention (session, TRUE);
      if (sy_session_set_router (session, job->spec, NULL))
        run = sy_session_run (session, job->trace->ids, job->trace->n_tokens, NULL, NULL, NULL);
      if (run != NULL && same_routing (run, job->trace))
        sy_trace_file_set_attention (tf, sy_session_get_attention_received (session, NULL));
    }
  return sy_trace_file_save (tf, job->path, NULL, error);
}

gboolean
sy_window_save_trace (SyWindow  *self,
                      GFile     *file,
                      gboolean   b,
                      GError   **error)
{
  g_autoptr (SaveJob) job = NULL;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  job = save_job_new (self, file, b, error);
  return job != NULL && save_job_run (job, error);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (save_job_run (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
sy_window_save_trace_async (SyWindow            *self,
                            GFile               *file,
                            gboolean             b,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;
  SaveJob *job;

  g_return_if_fail (SY_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sy_window_save_trace_async);
  job = save_job_new (self, file, b, &error);
  if (job == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
sy_window_save_trace_finish (SyWindow      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The chooser's choice when Compare is on: which configuration. */
#define CHOICE_ID "configuration"

/* One save of the chooser: A, then B when both were asked for. */
typedef struct
{
  SyWindow *window;
  GFile    *file;       /* the first file written */
  GFile    *b_file;     /* B's file when both are asked for */
  gboolean  b_started;
} SaveRequest;

static void
save_request_free (SaveRequest *req)
{
  g_object_unref (req->window);
  g_clear_object (&req->file);
  g_clear_object (&req->b_file);
  g_free (req);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveRequest *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = NULL;

  if (!sy_window_save_trace_finish (req->window, result, &error))
    {
      message = g_strdup_printf (_("Could not save the trace: %s"), error->message);
      sy_window_show_toast (req->window, message);
      save_request_free (req);
      return;
    }
  if (req->b_file != NULL && !req->b_started)
    {
      req->b_started = TRUE;
      sy_window_save_trace_async (req->window, req->b_file, TRUE, on_saved, req);
      return;
    }
  name = g_file_get_basename (req->file);
  if (req->b_file != NULL)
    {
      g_autofree char *b_name = g_file_get_basename (req->b_file);

      /* Translators: two trace files, A's and B's */
      message = g_strdup_printf (_("Saved traces “%s” and “%s”"), name, b_name);
    }
  else
    message = g_strdup_printf (_("Saved trace “%s”"), name);
  sy_window_show_toast (req->window, message);
  save_request_free (req);
}

static void
on_save_trace_chosen (GtkFileChooser *chooser,
                      GFile          *file,
                      gpointer        user_data)
{
  SyWindow *self = SY_WINDOW (user_data);
  const char *which = gtk_file_chooser_get_choice (chooser, CHOICE_ID);
  gboolean save_a = which == NULL || g_strcmp0 (which, "b") != 0;
  gboolean save_b = g_strcmp0 (which, "b") == 0 || g_strcmp0 (which, "both") == 0;
  SaveRequest *req;

  if (file == NULL)
    {
      sy_window_show_toast (self, _("Choose a local file to save the trace to"));
      return;
    }
  req = g_new0 (SaveRequest, 1);
  req->window = g_object_ref (self);
  req->file = g_object_ref (file);
  if (save_a && save_b)
    req->b_file = sy_window_trace_b_file (file);
  sy_window_save_trace_async (self, file, !save_a, on_saved, req);
}

void
sy_window_choose_save_trace (SyWindow *self)
{
  GtkFileChooser *chooser;
  GFile *model_file;
  g_autofree char *base = NULL;
  g_autofree char *model = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (SY_IS_WINDOW (self));

  chooser = sy_file_chooser_new (GTK_WINDOW (self), _("Save Trace"),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), TRUE);
  sy_file_chooser_add_filter (chooser, _("Switchyard traces (.json)"), "*.json", NULL);
  model_file = sy_window_get_model_folder (self);
  base = model_file ? g_file_get_basename (model_file) : NULL;
  model = base ? sy_strip_suffix (base, ".gguf") : NULL;
  name = g_strconcat (model ? model : "switchyard", "-trace.json", NULL);
  gtk_file_chooser_set_current_name (chooser, name);
  if (sy_window_can_save_trace (self, TRUE))
    {
      /* the first is the default (the fallback dialog starts there) */
      const char *ids[] = { "both", "a", "b", NULL };
      const char *shown[] = { _("A and B (B as NAME-b.json)"), _("A only"), _("B only"), NULL };

      gtk_file_chooser_add_choice (chooser, CHOICE_ID, _("Configuration"), ids, shown);
      gtk_file_chooser_set_choice (chooser, CHOICE_ID, "both");
    }
  sy_file_chooser_show (chooser, on_save_trace_chosen, g_object_ref (self), g_object_unref);
}
