/* sy-profiler-window.c: the Profiler window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Controls on top (corpus, genre, routers, limit, sweep, Run / Cancel and
 * the progress bar), the chart below (the dashboard or one chart, and for
 * per-run charts the router), export buttons in the header bar.  The run
 * is a GTask in a thread; progress comes back to the main loop through
 * idle callbacks; Cancel trips the task's GCancellable, which the
 * profiler's progress callback reads between texts and between layers.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-default-model.h"
#include "sy-expert-view.h"
#include "sy-file-chooser.h"
#include "sy-format.h"
#include "sy-model.h"
#include "sy-profile-render.h"
#include "sy-profiler-window.h"
#include "sy-render-export.h"
#include "sy-render-style.h"
#include "sy-signal.h"
#include "sy-window.h"

#ifndef SY_BROWN_CORPUS_DIR
#define SY_BROWN_CORPUS_DIR ""
#endif

enum
{
  CORPUS_BROWN,
  CORPUS_BROWN_TEST,
  CORPUS_FOLDER,
  CORPUS_JSONL,
};

struct _SyProfilerWindow
{
  AdwWindow parent_instance;

  /* Widgets */
  AdwToastOverlay *toasts;
  GtkDropDown     *corpus_drop;
  GtkDropDown     *genre_drop;
  GtkButton       *choose_button;
  GtkLabel        *path_label;
  GtkEntry        *routers_entry;
  GtkSpinButton   *limit_spin;
  GtkCheckButton  *sweep_check;
  GtkEntry        *sweep_entry;
  GtkButton       *run_button;
  GtkButton       *cancel_button;
  GtkProgressBar  *progress;
  GtkDropDown     *chart_drop;
  GtkDropDown     *run_drop;
  GtkStringList   *run_list;
  GtkDrawingArea  *area;
  GtkWidget       *export_chart_button;
  GtkWidget       *export_data_button;
  GtkWidget       *open_button;

  /* Owned */
  char            *model_path;
  SyModel         *model;         /* the main window's, shared; or NULL: load model_path */
  char            *path;          /* chosen folder / JSONL */
  GCancellable    *cancellable;
  SyProfile       *profile;
  char            *profile_file;  /* the profile.json it was read from, or NULL: run here */
  char            *error;
  gboolean         running;
  int              chart;         /* -1 = dashboard */
};

G_DEFINE_FINAL_TYPE (SyProfilerWindow, sy_profiler_window, ADW_TYPE_WINDOW)

enum
{
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------ the job */

typedef struct
{
  char             *model_path;
  SyModel          *model;       /* a ref, or NULL: load model_path */
  char             *source;
  char             *brown_dir;
  SyCorpusSplit     split;
  char             *genre;
  GPtrArray        *specs;       /* SyRouterSpec */
  SyProfileOptions  options;
  SyProfilerWindow *window;      /* borrowed: the task's callback holds a ref until
                                  * the thread is done (a window must never be
                                  * finalized in the worker thread) */
  GCancellable     *cancellable;
} Job;

static void
job_free (Job *job)
{
  g_free (job->model_path);
  g_clear_pointer (&job->model, sy_model_unref);
  g_free (job->source);
  g_free (job->brown_dir);
  g_free (job->genre);
  g_ptr_array_unref (job->specs);
  g_clear_object (&job->cancellable);
  g_free (job);
}

typedef struct
{
  SyProfilerWindow *window;
  SyProfileProgress p;
  char             *router;
} ProgressUpdate;

/* the time left in the progress bar: "1 h 05 min", "3 min 20 s", "12 s" */
static const SyDurationFormat time_left_format = { "–", " ", "h", "min", "s" };

static gboolean
apply_progress (gpointer data)
{
  ProgressUpdate *u = data;
  SyProfilerWindow *self = u->window;

  if (self->running && self->progress)
    {
      g_autofree char *left = sy_format_duration (u->p.eta_s, &time_left_format);
      g_autofree char *text = g_strdup_printf (_("%d of %d texts · %s · %.0f tokens/s · %s left"),
                                               u->p.texts_done, u->p.texts_total,
                                               u->router ? u->router : "", u->p.tokens_per_s, left);

      gtk_progress_bar_set_fraction (self->progress,
                                     u->p.texts_total > 0 ? (double) u->p.texts_done / u->p.texts_total : 0);
      gtk_progress_bar_set_text (self->progress, text);
    }
  g_object_unref (u->window);
  g_free (u->router);
  g_free (u);
  return G_SOURCE_REMOVE;
}

static gboolean
job_progress (const SyProfileProgress *p,
              gpointer                 user_data)
{
  Job *job = user_data;
  ProgressUpdate *u = g_new0 (ProgressUpdate, 1);

  u->window = g_object_ref (job->window);
  u->p = *p;
  u->router = g_strdup (p->router);
  u->p.router = NULL;
  g_idle_add (apply_progress, u);
  return !g_cancellable_is_cancelled (job->cancellable);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SyCorpus) corpus = NULL;
  SyProfile *prof;

  (void) source_object;
  (void) cancellable;
  if (g_strcmp0 (job->source, "brown") == 0)
    {
      const char *genres[2] = { job->genre, NULL };

      if (!g_file_test (job->brown_dir, G_FILE_TEST_IS_DIR))
        corpus = sy_corpus_load ("brown", job->brown_dir, job->split, &error);
      else
        corpus = sy_corpus_load_brown (job->brown_dir, job->split, job->genre ? genres : NULL, &error);
    }
  else
    corpus = sy_corpus_load (job->source, NULL, SY_CORPUS_SPLIT_ALL, &error);
  if (corpus == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* the main window's model when it has one open (no second copy of the
   * weights in memory), else the model at the path */
  model = job->model ? sy_model_ref (job->model) : sy_model_load (job->model_path, NULL, NULL, &error);
  if (model == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->options.progress = job_progress;
  job->options.user_data = job;
  prof = sy_profile_run (model, corpus, (const SyRouterSpec * const *) job->specs->pdata,
                         (int) job->specs->len, &job->options, &error);
  if (prof == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, prof, (GDestroyNotify) sy_profile_free);
}

/* ------------------------------------------------------------ UI */

static void
toast (SyProfilerWindow *self,
       const char       *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toasts, t);
}

static void
update_sensitivity (SyProfilerWindow *self)
{
  guint corpus = gtk_drop_down_get_selected (self->corpus_drop);
  gboolean brown = corpus == CORPUS_BROWN || corpus == CORPUS_BROWN_TEST;

  gtk_widget_set_sensitive (GTK_WIDGET (self->run_button), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->genre_drop), brown && !self->running);
  gtk_widget_set_visible (GTK_WIDGET (self->choose_button), !brown);
  gtk_widget_set_visible (GTK_WIDGET (self->path_label), !brown);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sweep_entry), gtk_check_button_get_active (self->sweep_check));
  gtk_widget_set_sensitive (self->export_chart_button, self->profile != NULL);
  gtk_widget_set_sensitive (self->export_data_button, self->profile != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->run_drop), self->profile != NULL && self->profile->runs->len > 1);
}

static gboolean
groups_empty (GHashTable *groups,
              gboolean    perplexity)
{
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, groups);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (isfinite (perplexity ? sy_profile_group_perplexity (value) : sy_profile_group_avg_k (value)))
      return FALSE;
  return TRUE;
}

const char *
sy_profiler_window_get_missing (SyProfilerWindow *self)
{
  const SyProfile *prof;
  const SyProfileRun *r;
  gboolean empty = TRUE;
  int run;

  g_return_val_if_fail (SY_IS_PROFILER_WINDOW (self), NULL);
  prof = self->profile;
  if (prof == NULL || self->profile_file == NULL || self->chart < 0)
    return NULL;
  run = (int) gtk_drop_down_get_selected (self->run_drop);
  r = g_ptr_array_index (prof->runs, run >= 0 && run < (int) prof->runs->len ? run : 0);
  switch ((SyProfileChart) self->chart)
    {
    case SY_PROFILE_CHART_LOAD:
    case SY_PROFILE_CHART_COACTIVATION:
      for (int l = 0; l < r->n_layers && empty; l++)
        for (int e = 0; e < r->n_experts && empty; e++)
          empty = r->layers[l].expert_load[e] == 0;
      return empty ? _("This profile.json has no expert loads for this run.") : NULL;
    case SY_PROFILE_CHART_K_BY_LAYER:
      for (int l = 0; l < r->n_layers && empty; l++)
        empty = !isfinite (sy_profile_layer_avg_k (r, l));
      return empty ? _("This profile.json has no average K per layer (it was written by an older Switchyard: "
                       "run the profile again).") : NULL;
    case SY_PROFILE_CHART_K_BY_GENRE:
      return groups_empty (r->by_genre, FALSE)
             ? _("This profile.json has no genres: its corpus has none, or it was written by an older Switchyard.")
             : NULL;
    case SY_PROFILE_CHART_PPL_BY_GENRE:
      return groups_empty (r->by_genre, TRUE)
             ? _("This profile.json has no perplexity by genre: its corpus has no genres, or it was "
                 "written by an older Switchyard.") : NULL;
    case SY_PROFILE_CHART_K_BY_POS:
      return groups_empty (r->by_pos, FALSE)
             ? _("This profile.json has no parts of speech: its corpus is not tagged, or it was "
                 "written by an older Switchyard.") : NULL;
    case SY_PROFILE_CHART_ENTROPY:
      for (int l = 0; l < r->n_layers && empty; l++)
        empty = r->layers[l].entropy_count == 0;
      return empty ? _("This profile.json has no router entropy histograms.") : NULL;
    case SY_PROFILE_CHART_SWEEP:
      return prof->sweep->len == 0 ? _("This profile was run without a p-sweep.") : NULL;
    case SY_PROFILE_CHART_TIME:
      empty = r->total_time_s <= 0;
      for (int l = 0; l < r->n_layers && empty; l++)
        empty = r->layers[l].time_s <= 0;
      return empty ? _("This profile.json has no timings.") : NULL;
    case SY_PROFILE_N_CHARTS:
    default:
      return NULL;
    }
}

/* @text centred in the muted colour, in @widget's font */
static void
draw_statement (GtkWidget           *widget,
                cairo_t             *cr,
                const SyRenderStyle *style,
                int                  width,
                int                  height,
                const char          *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int margin = 24, th;

  cairo_set_source_rgba (cr, style->muted.r, style->muted.g, style->muted.b, 1);
  pango_layout_set_width (layout, MAX (width - 2 * margin, 100) * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_get_pixel_size (layout, NULL, &th);
  cairo_move_to (cr, margin, (height - th) / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
draw_area (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  SyProfilerWindow *self = user_data;
  SyRenderStyle style;
  SyProfileRenderOptions opts;

  sy_render_style_init_light (&style);
  if (adw_style_manager_get_dark (adw_style_manager_get_default ()))
    sy_render_style_init_dark (&style);
  if (self->profile == NULL)
    {
      draw_statement (GTK_WIDGET (area), cr, &style, width, height,
                      self->running ? _("Profiling…") : _("Choose a corpus and routers, then Run."));
      return;
    }
  /* a chart whose data the opened profile.json does not hold: say so
   * rather than draw empty axes */
  if (sy_profiler_window_get_missing (self) != NULL)
    {
      draw_statement (GTK_WIDGET (area), cr, &style, width, height, sy_profiler_window_get_missing (self));
      return;
    }
  sy_profile_render_options_init (&opts);
  opts.run = (int) gtk_drop_down_get_selected (self->run_drop);
  if (opts.run < 0 || opts.run >= (int) self->profile->runs->len)
    opts.run = 0;
  sy_profile_render_chart (&(SyRenderTarget) { cr, &style, width, height }, self->profile, self->chart, &opts);
}

static void
on_chart_changed (SyProfilerWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->chart_drop);

  self->chart = i == 0 || i == GTK_INVALID_LIST_POSITION ? -1 : (int) i - 1;
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

/* Takes @prof; @file: the profile.json it came from (NULL: a run here). */
static void
set_profile (SyProfilerWindow *self,
             SyProfile        *prof,
             const char       *file)
{
  g_clear_pointer (&self->profile, sy_profile_free);
  self->profile = prof;
  g_free (self->profile_file);
  self->profile_file = g_strdup (file);
  gtk_string_list_splice (self->run_list, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->run_list)), NULL);
  for (guint i = 0; i < prof->runs->len; i++)
    gtk_string_list_append (self->run_list, ((SyProfileRun *) g_ptr_array_index (prof->runs, i))->router);
  gtk_drop_down_set_selected (self->run_drop, 0);
}

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  /* the ref taken in sy_profiler_window_run, dropped here in the main thread */
  g_autoptr (SyProfilerWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  SyProfile *prof = g_task_propagate_pointer (G_TASK (result), &error);

  (void) source;
  self->running = FALSE;
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->error, g_free);
  if (prof == NULL)
    {
      self->error = g_strdup (error->message);
      if (g_error_matches (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED))
        gtk_progress_bar_set_text (self->progress, _("Cancelled"));
      else
        {
          gtk_progress_bar_set_text (self->progress, _("Failed"));
          toast (self, error->message);
        }
    }
  else
    {
      g_autofree char *text = NULL;

      set_profile (self, prof, NULL);
      text = g_strdup_printf (_("%d chunks of at most %d tokens · %d runs · done"), prof->n_texts,
                              prof->max_tokens, (int) prof->runs->len + (int) prof->sweep->len);
      gtk_progress_bar_set_fraction (self->progress, 1);
      gtk_progress_bar_set_text (self->progress, text);
    }
  update_sensitivity (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  g_signal_emit (self, signals[FINISHED], 0, prof != NULL);
}

gboolean
sy_profiler_window_run (SyProfilerWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GTask) task = NULL;
  guint corpus = gtk_drop_down_get_selected (self->corpus_drop);
  guint genre = gtk_drop_down_get_selected (self->genre_drop);
  const char *brown = g_getenv ("SY_BROWN_CORPUS");
  Job *job;

  g_return_val_if_fail (SY_IS_PROFILER_WINDOW (self), FALSE);
  if (self->running)
    return FALSE;
  job = g_new0 (Job, 1);
  job->window = self;
  job->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_router_spec_free);
  sy_profile_options_init (&job->options);
  job->options.limit = gtk_spin_button_get_value_as_int (self->limit_spin);

  if (self->model)
    job->model = sy_model_ref (self->model);
  if (self->model_path)
    job->model_path = g_strdup (self->model_path);
  else if ((job->model_path = sy_default_model_path (&error)) == NULL)
    goto bad;

  parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->routers_entry)), ";", -1);
  for (int i = 0; parts[i]; i++)
    {
      const char *s = g_strstrip (parts[i]);
      SyRouterSpec *spec;

      if (*s == '\0')
        continue;
      if ((spec = sy_router_spec_parse (s, &error)) == NULL)
        goto bad;
      g_ptr_array_add (job->specs, spec);
    }
  if (job->specs->len == 0)
    {
      g_set_error (&error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   _("Give at least one router, e.g. native; topp:p=0.5"));
      goto bad;
    }
  if (gtk_check_button_get_active (self->sweep_check) &&
      !sy_profile_parse_sweep (gtk_editable_get_text (GTK_EDITABLE (self->sweep_entry)),
                               &job->options, &error))
    goto bad;

  if (corpus == CORPUS_BROWN || corpus == CORPUS_BROWN_TEST)
    {
      job->source = g_strdup ("brown");
      job->split = corpus == CORPUS_BROWN_TEST ? SY_CORPUS_SPLIT_TEST : SY_CORPUS_SPLIT_ALL;
      job->brown_dir = g_strdup (brown && *brown ? brown : SY_BROWN_CORPUS_DIR);
      if (genre > 0 && genre != GTK_INVALID_LIST_POSITION)
        job->genre = g_strdup (sy_brown_genre_ids ()[genre - 1]);
    }
  else
    {
      if (self->path == NULL)
        {
          g_set_error (&error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       corpus == CORPUS_FOLDER ? _("Choose a folder of .txt files first")
                                               : _("Choose a JSONL file first"));
          goto bad;
        }
      job->source = g_strdup (self->path);
    }

  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  job->cancellable = g_object_ref (self->cancellable);
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_progress_bar_set_text (self->progress, _("Starting…"));
  /* no source object: the task may be freed in the worker thread, and the
   * window's last reference must be dropped in the main thread (on_job_done) */
  task = g_task_new (NULL, self->cancellable, on_job_done, g_object_ref (self));
  g_task_set_source_tag (task, sy_profiler_window_run);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
  update_sensitivity (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  return TRUE;

bad:
  g_clear_pointer (&self->error, g_free);
  self->error = g_strdup (error->message);
  toast (self, error->message);
  job_free (job);
  return FALSE;
}

void
sy_profiler_window_cancel (SyProfilerWindow *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

gboolean
sy_profiler_window_is_running (SyProfilerWindow *self)
{
  return self->running;
}

const SyProfile *
sy_profiler_window_get_profile (SyProfilerWindow *self)
{
  return self->profile;
}

const char *
sy_profiler_window_get_error (SyProfilerWindow *self)
{
  return self->error;
}

void
sy_profiler_window_set_corpus (SyProfilerWindow *self,
                               const char       *source,
                               SyCorpusSplit     split,
                               const char       *genre)
{
  const char * const *ids = sy_brown_genre_ids ();

  if (g_strcmp0 (source, "brown") == 0)
    gtk_drop_down_set_selected (self->corpus_drop, split == SY_CORPUS_SPLIT_TEST ? CORPUS_BROWN_TEST : CORPUS_BROWN);
  else
    {
      g_free (self->path);
      self->path = g_strdup (source);
      gtk_label_set_text (self->path_label, source);
      gtk_drop_down_set_selected (self->corpus_drop,
                                  g_file_test (source, G_FILE_TEST_IS_DIR) ? CORPUS_FOLDER : CORPUS_JSONL);
    }
  gtk_drop_down_set_selected (self->genre_drop, 0);
  for (int i = 0; genre && ids[i]; i++)
    if (g_strcmp0 (ids[i], genre) == 0)
      gtk_drop_down_set_selected (self->genre_drop, i + 1);
  update_sensitivity (self);
}

void
sy_profiler_window_set_routers (SyProfilerWindow *self,
                                const char       *routers)
{
  gtk_editable_set_text (GTK_EDITABLE (self->routers_entry), routers);
}

void
sy_profiler_window_set_limit (SyProfilerWindow *self,
                              int               limit)
{
  gtk_spin_button_set_value (self->limit_spin, limit);
}

void
sy_profiler_window_set_sweep (SyProfilerWindow *self,
                              gboolean          sweep,
                              const char       *range)
{
  gtk_check_button_set_active (self->sweep_check, sweep);
  if (range)
    gtk_editable_set_text (GTK_EDITABLE (self->sweep_entry), range);
  update_sensitivity (self);
}

/* ------------------------------------------------------------ export */

static void
export_draw (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  SyProfilerWindow *self = user_data;
  SyProfileRenderOptions opts;

  sy_profile_render_options_init (&opts);
  opts.run = (int) gtk_drop_down_get_selected (self->run_drop);
  if (opts.run < 0 || opts.run >= (int) self->profile->runs->len)
    opts.run = 0;
  sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, width, height }, self->profile, self->chart, &opts);
}

/* FALSE with @error while there is no profile to export. */
static gboolean
have_profile (SyProfilerWindow  *self,
              GError           **error)
{
  if (self->profile != NULL)
    return TRUE;
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, _("Nothing to export yet: run a profile"));
  return FALSE;
}

gboolean
sy_profiler_window_export_chart (SyProfilerWindow  *self,
                                 const char        *path,
                                 GError           **error)
{
  if (!have_profile (self, error))
    return FALSE;
  return sy_render_to_file (path, self->chart < 0 ? 1500 : 800, self->chart < 0 ? 1100 : 500, 1.0,
                            export_draw, self, error);
}

gboolean
sy_profiler_window_export_data (SyProfilerWindow  *self,
                                const char        *dir,
                                GError           **error)
{
  if (!have_profile (self, error))
    return FALSE;
  return sy_profile_write_dir (self->profile, dir, error);
}

/* What a chooser of the window does with the path chosen: @func, then a
 * toast of its error or of @done (NULL: none). */
typedef struct
{
  gboolean   (*func) (SyProfilerWindow  *self,
                      const char        *path,
                      GError           **error);
  const char  *done;
} PathAction;

static const PathAction export_chart_action = {
  sy_profiler_window_export_chart, N_("Chart exported")
};
static const PathAction export_data_action = {
  sy_profiler_window_export_data, N_("Wrote profile.json, the CSV tables and trace.json")
};
static const PathAction open_profile_action = { sy_profiler_window_open_profile, NULL };

static void
on_path_chosen (GtkFileChooser *chooser,
                GFile          *file,
                gpointer        user_data)
{
  SyProfilerWindow *self = user_data;
  const PathAction *pa = g_object_get_data (G_OBJECT (chooser), "sy-path-action");
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr (GError) error = NULL;

  if (path && !pa->func (self, path, &error))
    toast (self, error->message);
  else if (path && pa->done)
    toast (self, _(pa->done));
}

/* Shows @chooser; on Accept, @pa gets the path. */
static void
choose_path (SyProfilerWindow *self,
             GtkFileChooser   *chooser,
             const PathAction *pa)
{
  g_object_set_data (G_OBJECT (chooser), "sy-path-action", (gpointer) pa);
  sy_file_chooser_show (chooser, on_path_chosen, g_object_ref (self), g_object_unref);
}

static void
on_export_chart (SyProfilerWindow *self)
{
  GtkFileChooser *chooser = sy_file_chooser_new (GTK_WINDOW (self), _("Export Chart"),
                                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), FALSE);

  gtk_file_chooser_set_current_name (chooser, self->chart < 0 ? "profile-dashboard.svg" : "profile-chart.svg");
  choose_path (self, chooser, &export_chart_action);
}

static void
on_export_data (SyProfilerWindow *self)
{
  choose_path (self, sy_file_chooser_new (GTK_WINDOW (self), _("Export Data to a Folder"),
                                          GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), FALSE),
               &export_data_action);
}

static void
on_corpus_chosen (GtkFileChooser *chooser,
                  GFile          *file,
                  gpointer        user_data)
{
  SyProfilerWindow *self = user_data;
  char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    {
      g_free (self->path);
      self->path = path;
      gtk_label_set_text (self->path_label, self->path);
    }
}

static void
on_choose (SyProfilerWindow *self)
{
  gboolean folder = gtk_drop_down_get_selected (self->corpus_drop) == CORPUS_FOLDER;
  GtkFileChooser *chooser =
    sy_file_chooser_new (GTK_WINDOW (self), folder ? _("Choose a Folder of .txt Files") : _("Choose a JSONL File"),
                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN,
                         _("_Choose"), FALSE);

  if (!folder)
    sy_file_chooser_add_filter (chooser, _("JSON Lines"), "*.jsonl", NULL);
  sy_file_chooser_show (chooser, on_corpus_chosen, g_object_ref (self), g_object_unref);
}

/* ------------------------------------------------------------ profile.json, cards */

gboolean
sy_profiler_window_open_profile (SyProfilerWindow  *self,
                                 const char        *path,
                                 GError           **error)
{
  g_autofree char *file = NULL, *text = NULL;
  SyProfile *prof;

  g_return_val_if_fail (SY_IS_PROFILER_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  if (self->running)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, _("A profile is running: cancel it first"));
      return FALSE;
    }
  file = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_build_filename (path, "profile.json", NULL) : g_strdup (path);
  prof = sy_profile_read_json (file, error);
  if (prof == NULL)
    return FALSE;
  set_profile (self, prof, file);
  text = g_strdup_printf (_("%s · %s · %d runs"), file, prof->model, (int) prof->runs->len);
  gtk_progress_bar_set_fraction (self->progress, 1);
  gtk_progress_bar_set_text (self->progress, text);
  /* only the load and co-activation tables come back from the file */
  gtk_drop_down_set_selected (self->chart_drop, 1 + SY_PROFILE_CHART_LOAD);
  update_sensitivity (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  return TRUE;
}

SyProfileExpert *
sy_profiler_window_get_expert (SyProfilerWindow  *self,
                               const char        *model,
                               int                moe,
                               int                expert,
                               GError           **error)
{
  guint run;

  g_return_val_if_fail (SY_IS_PROFILER_WINDOW (self), NULL);
  if (self->profile == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, _("No profile loaded"));
      return NULL;
    }
  if (model != NULL && g_strcmp0 (model, self->profile->model) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   _("The profile is of model %s, not %s"), self->profile->model, model);
      return NULL;
    }
  run = gtk_drop_down_get_selected (self->run_drop);
  if (run >= self->profile->runs->len)
    run = 0;
  return sy_profile_get_expert (self->profile, (int) run, moe, expert, error);
}

/* Opens the expert card (on the main window's text when it shows the
 * profile's model, else the corpus half alone); returns the SyExpertView. */
static GtkWidget *
show_expert (SyProfilerWindow *self,
             int               moe,
             int               expert)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyProfileExpert) x = NULL;
  GtkWindow *parent;
  GtkWidget *card = NULL;
  int layer;

  x = sy_profiler_window_get_expert (self, NULL, moe, expert, &error);
  if (x == NULL)
    {
      toast (self, error->message);
      return NULL;
    }
  /* on the main window's text when it shows the same model */
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (SY_IS_WINDOW (parent) && sy_window_get_analysis_view (SY_WINDOW (parent)))
    {
      SyAnalysisView *analysis = sy_window_get_analysis_view (SY_WINDOW (parent));
      const SyTrace *trace = sy_worker_get_trace (sy_analysis_view_get_worker (analysis), SY_SLOT_A);

      if (trace && g_strcmp0 (trace->model, self->profile->model) == 0)
        card = sy_analysis_view_show_expert (analysis, moe, expert);
    }
  if (card)
    {
      sy_expert_view_set_profile (SY_EXPERT_VIEW (card), g_steal_pointer (&x));
      return card;
    }
  /* the corpus half alone */
  card = sy_expert_view_new ();
  sy_expert_view_set_expert (SY_EXPERT_VIEW (card), moe, expert);
  layer = x->layer;
  sy_expert_view_set_profile (SY_EXPERT_VIEW (card), g_steal_pointer (&x));
  sy_expert_card_present (card, GTK_WINDOW (self), expert, layer, FALSE);
  return card;
}

static void
chart_opts (SyProfilerWindow       *self,
            SyProfileRenderOptions *opts,
            SyRenderStyle          *style)
{
  sy_render_style_init_light (style);
  if (adw_style_manager_get_dark (adw_style_manager_get_default ()))
    sy_render_style_init_dark (style);
  sy_profile_render_options_init (opts);
  opts->run = (int) gtk_drop_down_get_selected (self->run_drop);
  if (self->profile == NULL || opts->run < 0 || opts->run >= (int) self->profile->runs->len)
    opts->run = 0;
}

GtkWidget *
sy_profiler_window_activate_at (SyProfilerWindow *self,
                                double            x,
                                double            y)
{
  SyProfileRenderOptions opts;
  SyRenderStyle style;
  SyRenderTarget target = { NULL, &style, gtk_widget_get_width (GTK_WIDGET (self->area)),
                            gtk_widget_get_height (GTK_WIDGET (self->area)) };
  int cell[2];

  g_return_val_if_fail (SY_IS_PROFILER_WINDOW (self), NULL);
  if (self->profile == NULL)
    return NULL;
  chart_opts (self, &opts, &style);
  if (!sy_profile_render_expert_at (&target, self->profile, self->chart, &opts, (double[2]) { x, y }, cell))
    return NULL;
  return show_expert (self, cell[0], cell[1]);
}

static void
on_area_released (GtkGestureClick  *gesture,
                  int               n_press,
                  double            x,
                  double            y,
                  SyProfilerWindow *self)
{
  (void) gesture;
  if (n_press == 1)
    sy_profiler_window_activate_at (self, x, y);
}

static void
on_open_profile (SyProfilerWindow *self)
{
  GtkFileChooser *chooser = sy_file_chooser_new (GTK_WINDOW (self), _("Open a profile.json"),
                                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), FALSE);

  sy_file_chooser_add_filter (chooser, _("Profile (profile.json)"), "*.json", NULL);
  choose_path (self, chooser, &open_profile_action);
}

/* ------------------------------------------------------------ the template */

static void
on_run_drop_changed (SyProfilerWindow *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static gboolean
sy_profiler_window_close_request (GtkWindow *window)
{
  sy_profiler_window_cancel (SY_PROFILER_WINDOW (window));
  return GTK_WINDOW_CLASS (sy_profiler_window_parent_class)->close_request (window);
}

static void
sy_profiler_window_dispose (GObject *object)
{
  SyProfilerWindow *self = SY_PROFILER_WINDOW (object);

  sy_profiler_window_cancel (self);
  G_OBJECT_CLASS (sy_profiler_window_parent_class)->dispose (object);
}

static void
sy_profiler_window_finalize (GObject *object)
{
  SyProfilerWindow *self = SY_PROFILER_WINDOW (object);

  g_free (self->model_path);
  g_clear_pointer (&self->model, sy_model_unref);
  g_free (self->path);
  g_free (self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->run_list);
  g_clear_pointer (&self->profile, sy_profile_free);
  g_free (self->profile_file);
  G_OBJECT_CLASS (sy_profiler_window_parent_class)->finalize (object);
}

static void
sy_profiler_window_class_init (SyProfilerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_profiler_window_dispose;
  object_class->finalize = sy_profiler_window_finalize;
  window_class->close_request = sy_profiler_window_close_request;

  sy_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-profiler-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, SyProfilerWindow, name)
  BIND (toasts);
  BIND (corpus_drop);
  BIND (genre_drop);
  BIND (choose_button);
  BIND (path_label);
  BIND (routers_entry);
  BIND (limit_spin);
  BIND (sweep_check);
  BIND (sweep_entry);
  BIND (run_button);
  BIND (cancel_button);
  BIND (progress);
  BIND (chart_drop);
  BIND (run_drop);
  BIND (run_list);
  BIND (area);
  BIND (export_chart_button);
  BIND (export_data_button);
  BIND (open_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_open_profile);
  gtk_widget_class_bind_template_callback (widget_class, on_export_data);
  gtk_widget_class_bind_template_callback (widget_class, on_export_chart);
  gtk_widget_class_bind_template_callback (widget_class, update_sensitivity);
  gtk_widget_class_bind_template_callback (widget_class, on_choose);
  gtk_widget_class_bind_template_callback (widget_class, sy_profiler_window_run);
  gtk_widget_class_bind_template_callback (widget_class, sy_profiler_window_cancel);
  gtk_widget_class_bind_template_callback (widget_class, on_chart_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_run_drop_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_area_released);

  /**
   * SyProfilerWindow::finished:
   * @ok: whether a profile came out (FALSE: cancelled or failed)
   */
  signals[FINISHED] = sy_signal_new (klass, "finished", 1, G_TYPE_BOOLEAN);
}

static void
sy_profiler_window_init (SyProfilerWindow *self)
{
  g_autoptr (GtkStringList) genres = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) charts = gtk_string_list_new (NULL);
  const char * const *ids = sy_brown_genre_ids ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* the template holds one ref; ours lets set_profile outlive dispose as before */
  g_object_ref (self->run_list);
  /* the genre and chart lists come from the engine's tables */
  gtk_string_list_append (genres, _("All genres"));
  for (int i = 0; ids[i]; i++)
    gtk_string_list_append (genres, sy_brown_genre_name (ids[i]));
  gtk_drop_down_set_model (self->genre_drop, G_LIST_MODEL (genres));
  gtk_string_list_append (charts, _("Dashboard (all charts)"));
  for (int i = 0; i < SY_PROFILE_N_CHARTS; i++)
    gtk_string_list_append (charts, sy_profile_chart_title (i));
  gtk_drop_down_set_model (self->chart_drop, G_LIST_MODEL (charts));
  gtk_drawing_area_set_draw_func (self->area, draw_area, self, NULL);
  self->chart = -1;
  update_sensitivity (self);
}

SyProfilerWindow *
sy_profiler_window_new (GtkWindow  *parent,
                        const char *model_path,
                        SyModel    *model,
                        const char *router)
{
  SyProfilerWindow *self = g_object_new (SY_TYPE_PROFILER_WINDOW, NULL);
  g_autofree char *routers = NULL;

  if (parent)
    gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->model_path = g_strdup (model_path);
  self->model = model ? sy_model_ref (model) : NULL;
  if (router && g_strcmp0 (router, "native") != 0)
    routers = g_strdup_printf ("native; %s", router);
  else
    routers = g_strdup ("native");
  gtk_editable_set_text (GTK_EDITABLE (self->routers_entry), routers);
  return self;
}

void
sy_profiler_window_set_chart (SyProfilerWindow *self,
                              int               chart)
{
  g_return_if_fail (SY_IS_PROFILER_WINDOW (self));
  g_return_if_fail (chart >= -1 && chart < SY_PROFILE_N_CHARTS);
  gtk_drop_down_set_selected (self->chart_drop, chart + 1);
}
