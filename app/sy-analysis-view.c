/* sy-analysis-view.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sy-analysis-view.h"
#include "sy-profiler-window.h"
#include "sy-compare-pane.h"
#include "sy-expert-view.h"
#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-router-controls.h"
#include "sy-selection.h"
#include "sy-signal.h"
#include "sy-summary-view.h"
#include "sy-token-strip.h"
#include "sy-views.h"

/* The first sentence of the Brown corpus: something to look at at once. */
#define SY_DEFAULT_TEXT \
  "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent " \
  "primary election produced no evidence that any irregularities took place."

struct _SyAnalysisView
{
  GtkWidget         parent_instance;

  /* Children */
  GtkWidget        *paned;            /* the template's child */
  GtkWidget        *split;            /* vertical: text and strip | views */
  GtkWidget        *summary_page;     /* the stack page: the summary in a vertical scroller */
  gboolean          split_placed;     /* the user moved the split: it stays */
  GtkWidget        *profiler;         /* weak: the Profiler window whose profile feeds expert cards */
  SyRouterControls *controls;
  GtkTextView      *text_view;
  GtkWidget        *strip;
  GtkWidget        *heatmap;
  GtkWidget        *inspector;
  GtkWidget        *summary;
  GtkWidget        *compare;          /* SyComparePane: compare mode while visible */
  GtkWidget        *compare_page;     /* the stack page: compare in a horizontal scroller */
  GtkStack         *stack;
  GtkDropDown      *measure;
  GtkSpinButton    *gate_expert;
  GtkWidget        *gate_card;
  GtkWidget        *status;
  GtkWidget        *spinner;
  GtkWidget        *last_view;        /* the view last focused, for export */
  GtkWidget        *continue_button;  /* Continue / Stop */
  GtkSpinButton    *continue_length;
  GtkTextTag       *generated_tag;
  GtkTextMark      *generated_mark;   /* where the model's text starts */
  gulong            text_changed_id;

  /* Owned */
  SyWorker         *worker;
  SySelection      *selection;
  GCancellable     *load_cancellable;
  char             *loading_path;     /* the latest load's, NULL when none is under way */
  guint             load_serial;      /* bumped by every load: older completions are stale */
  char             *measure_id;
};

G_DEFINE_FINAL_TYPE (SyAnalysisView, sy_analysis_view, GTK_TYPE_WIDGET)

enum { MODEL_LOADED, LOAD_FAILED, LOAD_PROGRESS, TRACE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void place_split (SyAnalysisView *self);

static void
for_each_view (SyAnalysisView *self,
               void          (*func) (SyTraceView *, gpointer),
               gpointer        data)
{
  GtkWidget *all[] = { self->strip, self->heatmap, self->inspector, self->summary };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    func (SY_TRACE_VIEW (all[i]), data);
}

static void
set_trace_cb (SyTraceView *view,
              gpointer     trace)
{
  sy_trace_view_set_trace (view, trace);
}

static void
update_status (SyAnalysisView *self)
{
  const SyTrace *trace = sy_worker_get_trace (self->worker, SY_SLOT_A);
  SyModel *model = sy_worker_get_model (self->worker);
  g_autofree char *text = NULL;
  gboolean spin = sy_worker_is_busy (self->worker) && !sy_worker_is_generating (self->worker);

  /* not while Continue writes (its Stop button says so): a spinner redraws
   * every frame, main-thread time that decoding would lose on a machine
   * with no core to spare */
  gtk_widget_set_visible (self->spinner, spin);
  g_object_set (self->spinner, "spinning", spin, NULL);

  if (model == NULL)
    text = g_strdup (self->loading_path ? _("Loading model…") : _("No model"));
  else if (trace == NULL)
    text = g_strdup_printf (_("%s · type a text to see its routing"),
                            sy_model_get_info (model)->name);
  else
    {
      /* a run's time, or while and after Continue, its decoding speed */
      g_autofree char *speed = sy_worker_get_generated_from (self->worker, SY_SLOT_A) > 0 &&
                               sy_worker_get_decode_rate (self->worker) > 0
                               ? g_strdup_printf (_("written at %.1f tokens/s"), sy_worker_get_decode_rate (self->worker))
                               : g_strdup_printf (_("%.0f ms"), trace->total_time_s * 1000);

      /* TRANSLATORS: tokens · average experts · perplexity · activated parameters · time or speed (the
       * model's name is in the title bar) */
      text = g_strdup_printf (_("%d tokens · average K %.2f of %d · perplexity %.2f · %.2fM active parameters per token · %s"),
                              trace->n_tokens,
                              trace->avg_k, trace->n_experts,
                              trace->perplexity, trace->activated_params / 1e6, speed);
    }
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

/* The model's continuation of A into the text, after the typed text and
 * marked apart; not an edit (no re-run).  It follows the text the
 * generation continues (the worker's, until the generation ends), not
 * where the text ended at Continue: an edit before the generation starts
 * is part of its prompt (one at the end would be written over). */
static void
show_continuation (SyAnalysisView *self)
{
  const char *continuation = sy_worker_get_continuation (self->worker, SY_SLOT_A);
  const char *prompt = sy_worker_get_text (self->worker);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  if (continuation == NULL || self->generated_mark == NULL || prompt == NULL)
    return;
  g_signal_handler_block (buffer, self->text_changed_id);
  gtk_text_buffer_get_iter_at_offset (buffer, &start, (int) g_utf8_strlen (prompt, -1));
  gtk_text_buffer_move_mark (buffer, self->generated_mark, &start);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_delete (buffer, &start, &end);
  gtk_text_buffer_insert_with_tags (buffer, &start, continuation, -1, self->generated_tag, NULL);
  g_signal_handler_unblock (buffer, self->text_changed_id);
}

/* Compare with two continuations: the first token where B's differs from
 * A's (0: none, or not comparing), as the compare heatmaps mark it. */
static int
first_difference (SyAnalysisView *self)
{
  const SyTrace *a = sy_worker_get_trace (self->worker, SY_SLOT_A);
  const SyTrace *b = sy_worker_get_trace (self->worker, SY_SLOT_B);
  int ga = sy_worker_get_generated_from (self->worker, SY_SLOT_A);
  int gb = sy_worker_get_generated_from (self->worker, SY_SLOT_B);

  if (!sy_worker_get_compare (self->worker) || a == NULL || b == NULL || ga <= 0 || gb <= 0)
    return 0;
  for (int t = MIN (ga, gb); t < MIN (a->n_tokens, b->n_tokens); t++)
    if (a->ids[t] != b->ids[t])
      return t;
  return 0;
}

static void
on_trace_ready (SyWorker       *worker,
                int             slot,
                SyAnalysisView *self)
{
  const SyTrace *trace;
  g_autofree char *status = NULL;
  int generated_from;

  generated_from = sy_worker_get_generated_from (worker, SY_SLOT_A);
  sy_trace_view_set_marks (SY_TRACE_VIEW (self->strip), generated_from, first_difference (self));
  if (slot != SY_SLOT_A)
    return;
  trace = sy_worker_get_trace (worker, SY_SLOT_A);
  show_continuation (self);
  sy_trace_view_set_marks (SY_TRACE_VIEW (self->heatmap), generated_from, 0);
  for_each_view (self, set_trace_cb, (gpointer) trace);
  if (trace && sy_selection_get_token (self->selection) >= trace->n_tokens)
    sy_selection_set_token (self->selection, trace->n_tokens - 1);
  if (trace)
    status = g_strdup_printf (_("Average K on this text: %.2f (native k = %d)"),
                              trace->avg_k, trace->native_k);
  sy_router_controls_set_status (self->controls, status);
  update_status (self);
  place_split (self);
  g_signal_emit (self, signals[TRACE_CHANGED], 0);
}

static void
on_run_failed (SyWorker       *worker,
               int             slot,
               const GError   *error,
               SyAnalysisView *self)
{
  g_autofree char *text = g_strdup_printf (_("Could not run the model: %s"), error->message);

  gtk_label_set_text (GTK_LABEL (self->status), text);
}

static void
update_continue_button (SyAnalysisView *self)
{
  gboolean generating = sy_worker_is_generating (self->worker);

  gtk_button_set_label (GTK_BUTTON (self->continue_button), generating ? _("_Stop") : _("_Continue"));
  gtk_widget_set_tooltip_text (self->continue_button,
                               generating ? _("Stop writing (Escape)")
                                          : _("Let the model continue the text under configuration A (Ctrl+Return)"));
}

static void
on_busy_changed (SyWorker       *worker,
                 SyAnalysisView *self)
{
  update_continue_button (self);
  update_status (self);
}

void
sy_analysis_view_continue (SyAnalysisView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;

  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_end_iter (buffer, &end);
  if (self->generated_mark == NULL)
    self->generated_mark = gtk_text_buffer_create_mark (buffer, NULL, &end, TRUE);
  else
    gtk_text_buffer_move_mark (buffer, self->generated_mark, &end);
  sy_worker_generate (self->worker, gtk_spin_button_get_value_as_int (self->continue_length), NULL);
  update_continue_button (self);
}

void
sy_analysis_view_set_continue_length (SyAnalysisView *self,
                                      int             n_tokens)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  gtk_spin_button_set_value (self->continue_length, n_tokens);
}

void
sy_analysis_view_stop (SyAnalysisView *self)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  sy_worker_stop_generation (self->worker);
  update_continue_button (self);
}

static void
on_continue_clicked (SyAnalysisView *self)
{
  if (sy_worker_is_generating (self->worker))
    sy_analysis_view_stop (self);
  else
    sy_analysis_view_continue (self);
}

static gboolean
on_continue_shortcut (GtkWidget *widget,
                      GVariant  *args,
                      gpointer   user_data)
{
  sy_analysis_view_continue (SY_ANALYSIS_VIEW (widget));
  return TRUE;
}

static gboolean
on_stop_shortcut (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  if (!sy_worker_is_generating (SY_ANALYSIS_VIEW (widget)->worker))
    return FALSE;
  sy_analysis_view_stop (SY_ANALYSIS_VIEW (widget));
  return TRUE;
}

static void
on_model_changed (SyWorker       *worker,
                  SyAnalysisView *self)
{
  SyModel *model = sy_worker_get_model (worker);

  sy_router_controls_change_model (self->controls, sy_model_get_router_info (model));
  gtk_spin_button_set_range (self->gate_expert, 0, sy_model_get_info (model)->n_experts - 1);
  for_each_view (self, set_trace_cb, NULL);
  update_status (self);
}




/* Until the user drags it, the split follows the text and strip: their
 * natural height (the strip up to its scroller's maximum), leaving the
 * views at least 45% of the height. */
static void
place_split (SyAnalysisView *self)
{
  GtkPaned *split = GTK_PANED (self->split);
  GtkWidget *top = gtk_paned_get_start_child (split);
  int max = 0, natural = 0, width = gtk_widget_get_width (top);

  g_object_get (split, "max-position", &max, NULL);
  if (self->split_placed || max <= 0 || width <= 0)
    return;
  gtk_widget_measure (top, GTK_ORIENTATION_VERTICAL, width, NULL, &natural, NULL, NULL);
  natural = MAX (MIN (natural, (int) (0.55 * gtk_widget_get_height (self->split))), 0);
  if (natural != gtk_paned_get_position (split))
    gtk_paned_set_position (split, natural);
}

static void
on_split_max_position (GtkPaned       *split,
                       GParamSpec     *pspec,
                       SyAnalysisView *self)
{
  place_split (self);
}

/* A press on the handle: from now on the split is where the user puts it. */
static void
on_split_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  SyAnalysisView  *self)
{
  int position = gtk_paned_get_position (GTK_PANED (self->split));

  if (y >= position - 4 && y <= position + 16)
    self->split_placed = TRUE;
}

void
sy_expert_card_present (GtkWidget *card,
                        GtkWindow *parent,
                        int        expert,
                        int        layer,
                        gboolean   b)
{
  GtkWidget *window = gtk_window_new ();
  g_autofree char *title = b ? g_strdup_printf (_("Expert %d of layer L%d (B)"), expert, layer)
                             : g_strdup_printf (_("Expert %d of layer L%d"), expert, layer);

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_default_size (GTK_WINDOW (window), 980, 640);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (window), parent);
      gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (parent));
    }
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_child (GTK_WINDOW (window), card);
  gtk_window_present (GTK_WINDOW (window));
}

/* An expert card: @slot's trace (A, or B in Compare) for one expert */
static GtkWidget *
show_expert (SyAnalysisView *self,
             SySlot          slot,
             int             moe,
             int             expert)
{
  const SyTrace *trace;
  GtkWidget *card;
  GtkRoot *root;

  trace = sy_worker_get_trace (self->worker, slot);
  if (trace == NULL || moe < 0 || moe >= trace->n_moe_layers || expert < 0 || expert >= trace->n_experts)
    return NULL;
  card = sy_expert_view_new ();
  sy_trace_view_set_trace (SY_TRACE_VIEW (card), trace);
  sy_expert_view_set_expert (SY_EXPERT_VIEW (card), moe, expert);
  if (self->profiler)
    sy_expert_view_set_profile (SY_EXPERT_VIEW (card),
                                sy_profiler_window_get_expert (SY_PROFILER_WINDOW (self->profiler),
                                                               trace->model, moe, expert, NULL));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  sy_expert_card_present (card, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, expert,
                          trace->layers[moe].layer, slot == SY_SLOT_B);
  return card;
}

GtkWidget *
sy_analysis_view_show_expert (SyAnalysisView *self,
                              int             moe,
                              int             expert)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return show_expert (self, SY_SLOT_A, moe, expert);
}

static void
on_expert_activated (SyTraceView    *view,
                     int             moe,
                     int             expert,
                     SyAnalysisView *self)
{
  SyComparePane *compare = SY_COMPARE_PANE (self->compare);

  /* B's heatmap in Compare: B's routing of B's text */
  show_expert (self, GTK_WIDGET (view) == sy_compare_pane_get_heatmap (compare, SY_SLOT_B) ? SY_SLOT_B : SY_SLOT_A,
               moe, expert);
}

void
sy_analysis_view_set_profiler (SyAnalysisView *self,
                               GtkWidget      *profiler)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  g_return_if_fail (profiler == NULL || SY_IS_PROFILER_WINDOW (profiler));
  g_set_weak_pointer (&self->profiler, profiler);
}

static void
on_gate_card_clicked (SyAnalysisView *self)
{
  sy_analysis_view_show_expert (self, MAX (sy_selection_get_layer (self->selection), 0),
                                gtk_spin_button_get_value_as_int (self->gate_expert));
}


static void
on_text_changed (GtkTextBuffer  *buffer,
                 SyAnalysisView *self)
{
  g_autofree char *text = sy_analysis_view_get_text (self);

  sy_worker_set_text (self->worker, text);
}

static void
apply_measure (SyAnalysisView *self)
{
  guint i = gtk_drop_down_get_selected (self->measure), n;
  const SyMeasureInfo *measures = sy_measures (&n);
  gboolean gate = i < n && g_str_equal (measures[i].name, "gate");
  g_autofree char *heatmap_measure = NULL;

  if (i >= n)
    return;
  g_free (self->measure_id);
  if (gate)
    heatmap_measure = g_strdup_printf ("gate:%d", gtk_spin_button_get_value_as_int (self->gate_expert));
  else
    heatmap_measure = g_strdup (measures[i].heatmap);
  self->measure_id = g_strdup (gate ? heatmap_measure : measures[i].name);
  gtk_widget_set_visible (GTK_WIDGET (self->gate_expert), gate);
  gtk_widget_set_visible (self->gate_card, gate);
  if (heatmap_measure)
    sy_trace_view_set_measure (SY_TRACE_VIEW (self->heatmap), heatmap_measure, NULL);
  sy_trace_view_set_measure (SY_TRACE_VIEW (self->strip), measures[i].strip ? measures[i].strip : "k", NULL);
}

static void
on_measure_changed (SyAnalysisView *self)
{
  apply_measure (self);
}

static void
on_focus_enter (GtkEventControllerFocus *controller,
                SyAnalysisView          *self)
{
  self->last_view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
}

/* The view on the visible stack page. */
static GtkWidget *
visible_view (SyAnalysisView *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->stack);

  if (child == self->summary_page)
    return self->summary;
  return child == self->compare_page ? self->compare : child;
}

static void
on_stack_page_changed (SyAnalysisView *self)
{
  self->last_view = visible_view (self);
  sy_compare_pane_set_active (SY_COMPARE_PANE (self->compare), self->last_view == self->compare);
}

static void
on_load_progress (SyWorker       *worker,
                  double          fraction,
                  const char     *text,
                  SyAnalysisView *self)
{
  g_signal_emit (self, signals[LOAD_PROGRESS], 0, fraction, text);
}

typedef struct
{
  SyAnalysisView *self;     /* a reference */
  char           *path;
  guint           serial;
} LoadRequest;

static void
on_model_loaded (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LoadRequest *request = user_data;
  SyAnalysisView *self = request->self;
  g_autoptr (GError) error = NULL;
  gboolean ok = sy_worker_load_model_finish (SY_WORKER (object), result, &error);

  /* Only the latest load speaks: one that a newer load superseded is
   * silent (and, cancelled, was not installed by the worker). */
  if (request->serial == self->load_serial)
    {
      g_clear_object (&self->load_cancellable);
      g_clear_pointer (&self->loading_path, g_free);
      if (ok)
        g_signal_emit (self, signals[MODEL_LOADED], 0, request->path);
      else
        g_signal_emit (self, signals[LOAD_FAILED], 0, request->path, error);
      update_status (self);
    }
  g_object_unref (request->self);
  g_free (request->path);
  g_free (request);
}

void
sy_analysis_view_load_model (SyAnalysisView *self,
                             const char     *path)
{
  LoadRequest *request;

  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  g_return_if_fail (path != NULL);

  sy_analysis_view_cancel_load (self);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  g_free (self->loading_path);
  self->loading_path = g_strdup (path);

  request = g_new0 (LoadRequest, 1);
  request->self = g_object_ref (self);
  request->path = g_strdup (path);
  request->serial = ++self->load_serial;
  sy_worker_load_model_async (self->worker, path, self->load_cancellable,
                              on_model_loaded, request);
  update_status (self);
}

void
sy_analysis_view_cancel_load (SyAnalysisView *self)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
}

SyWorker *
sy_analysis_view_get_worker (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return self->worker;
}

void
sy_analysis_view_set_text (SyAnalysisView *self,
                           const char     *text)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text ? text : "", -1);
}

char *
sy_analysis_view_get_text (SyAnalysisView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
sy_analysis_view_set_router (SyAnalysisView  *self,
                             const char      *spec,
                             GError         **error)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);
  return sy_router_controls_set_spec_string (self->controls, spec, error);
}

char *
sy_analysis_view_get_router (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return sy_router_controls_get_spec_string (self->controls);
}

void
sy_analysis_view_set_view (SyAnalysisView *self,
                           const char     *view)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));

  if (g_strcmp0 (view, "strip") == 0)
    {
      self->last_view = self->strip;
      gtk_widget_grab_focus (self->strip);
    }
  else if (view && gtk_stack_get_child_by_name (self->stack, view))
    gtk_stack_set_visible_child_name (self->stack, view);
}

const char *
sy_analysis_view_get_view (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);

  if (self->last_view == self->strip)
    return "strip";
  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
sy_analysis_view_set_measure (SyAnalysisView  *self,
                              const char      *measure,
                              GError         **error)
{
  const SyMeasureInfo *info;
  guint n;

  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);
  g_return_val_if_fail (measure != NULL, FALSE);

  if (g_str_has_prefix (measure, "gate:"))
    {
      char *end = NULL;
      gint64 e = g_ascii_strtoll (measure + 5, &end, 10);

      if (end == measure + 5 || *end != '\0' || e < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "unknown measure '%s'", measure);
          return FALSE;
        }
      gtk_spin_button_set_value (self->gate_expert, (double) e);
      measure = "gate";
    }
  info = sy_measure_lookup (measure);
  if (info != NULL)
    {
      gtk_drop_down_set_selected (self->measure, info - sy_measures (&n));
      apply_measure (self);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "unknown measure '%s'", measure);
  return FALSE;
}

const char *
sy_analysis_view_get_measure (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return self->measure_id;
}

void
sy_analysis_view_set_compare (SyAnalysisView *self,
                              gboolean        compare)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  if (compare)
    gtk_stack_set_visible_child (self->stack, self->compare_page);
  else if (visible_view (self) == self->compare)
    gtk_stack_set_visible_child (self->stack, self->heatmap);
}

gboolean
sy_analysis_view_get_compare (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);
  return sy_compare_pane_get_active (SY_COMPARE_PANE (self->compare));
}

GtkWidget *
sy_analysis_view_get_compare_pane (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return self->compare;
}

char *
sy_analysis_view_get_router_b (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), NULL);
  return sy_compare_pane_get_router_b (SY_COMPARE_PANE (self->compare));
}

gboolean
sy_analysis_view_set_router_b (SyAnalysisView  *self,
                               const char      *spec,
                               GError         **error)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);
  return sy_compare_pane_set_router_b (SY_COMPARE_PANE (self->compare), spec, error);
}

int
sy_analysis_view_get_selected_token (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), -1);
  return sy_selection_get_token (self->selection);
}

int
sy_analysis_view_get_selected_layer (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), -1);
  return sy_selection_get_layer (self->selection);
}

void
sy_analysis_view_select (SyAnalysisView *self,
                         int             token,
                         int             layer)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  sy_selection_set_token (self->selection, MAX (token, -1));
  sy_selection_set_layer (self->selection, MAX (layer, -1));
}

double
sy_analysis_view_get_heatmap_zoom (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), 0);
  return sy_heatmap_view_get_cell_width (SY_HEATMAP_VIEW (self->heatmap));
}

void
sy_analysis_view_set_heatmap_zoom (SyAnalysisView *self,
                                   double          cell_width)
{
  g_return_if_fail (SY_IS_ANALYSIS_VIEW (self));
  sy_heatmap_view_set_cell_width (SY_HEATMAP_VIEW (self->heatmap), cell_width);
}

static SyTraceView *
export_view (SyAnalysisView *self)
{
  GtkWidget *view = self->last_view ? self->last_view : visible_view (self);

  return SY_TRACE_VIEW (view);
}

gboolean
sy_analysis_view_export (SyAnalysisView  *self,
                         const char      *path,
                         gboolean         dark,
                         GError         **error)
{
  SyTraceView *view;
  SyRenderStyle style;
  double width, height;

  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);

  if (dark)
    sy_render_style_init_dark (&style);
  else
    sy_render_style_init_light (&style);
  if ((self->last_view ? self->last_view : visible_view (self)) == self->compare)
    return sy_compare_pane_export (SY_COMPARE_PANE (self->compare), path, &style, error);
  view = export_view (self);
  if (sy_trace_view_get_trace (view) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   _("There is nothing to export yet: type a text first"));
      return FALSE;
    }
  width = MAX (gtk_widget_get_width (GTK_WIDGET (view)), 480);
  height = MAX (gtk_widget_get_height (GTK_WIDGET (view)), 200);
  return sy_trace_view_export (view, path, &(SyRenderTarget) { NULL, &style, width, height }, error);
}

char *
sy_analysis_view_suggest_filename (SyAnalysisView *self)
{
  SyModel *model = sy_worker_get_model (self->worker);

  return g_strdup_printf ("%s-%s.svg",
                          model ? sy_model_get_info (model)->name : "switchyard",
                          sy_analysis_view_get_view (self));
}

gboolean
sy_analysis_view_has_trace (SyAnalysisView *self)
{
  g_return_val_if_fail (SY_IS_ANALYSIS_VIEW (self), FALSE);
  return sy_worker_get_trace (self->worker, SY_SLOT_A) != NULL;
}

/* Construction */

static void
track_focus (SyAnalysisView *self,
             GtkWidget      *view)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect (focus, "enter", G_CALLBACK (on_focus_enter), self);
  gtk_widget_add_controller (view, focus);
}

static void
sy_analysis_view_dispose (GObject *object)
{
  SyAnalysisView *self = SY_ANALYSIS_VIEW (object);

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  if (self->worker)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_clear_weak_pointer (&self->profiler);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_ANALYSIS_VIEW);
  G_OBJECT_CLASS (sy_analysis_view_parent_class)->dispose (object);
}

static void
sy_analysis_view_finalize (GObject *object)
{
  SyAnalysisView *self = SY_ANALYSIS_VIEW (object);

  g_clear_object (&self->worker);
  g_clear_object (&self->selection);
  g_clear_object (&self->load_cancellable);
  g_free (self->loading_path);
  g_free (self->measure_id);
  G_OBJECT_CLASS (sy_analysis_view_parent_class)->finalize (object);
}

static void
sy_analysis_view_class_init (SyAnalysisViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_analysis_view_dispose;
  object_class->finalize = sy_analysis_view_finalize;

  /* (path) */
  signals[MODEL_LOADED] = sy_signal_new (klass, "model-loaded", 1, G_TYPE_STRING);
  /* (path, error) */
  signals[LOAD_FAILED] = sy_signal_new (klass, "load-failed", 2, G_TYPE_STRING, G_TYPE_ERROR);
  /* (fraction, text or NULL: see sy_worker_load_model_async) */
  signals[LOAD_PROGRESS] = sy_signal_new (klass, "load-progress", 2, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[TRACE_CHANGED] = sy_signal_new (klass, "trace-changed", 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "analysisview");

  g_type_ensure (SY_TYPE_ROUTER_CONTROLS);
  g_type_ensure (SY_TYPE_TOKEN_STRIP);
  g_type_ensure (SY_TYPE_HEATMAP_VIEW);
  g_type_ensure (SY_TYPE_INSPECTOR_VIEW);
  g_type_ensure (SY_TYPE_SUMMARY_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-analysis-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, paned);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, split);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, controls);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, text_view);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, continue_button);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, continue_length);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, strip);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, stack);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, measure);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, gate_expert);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, gate_card);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, heatmap);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, inspector);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, summary);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, summary_page);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SyAnalysisView, status);
}

/* Ctrl+Return continues, Escape stops, before the text view sees them. */
static void
add_shortcuts (SyAnalysisView *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>Return"),
                      gtk_callback_action_new (on_continue_shortcut, NULL, NULL)));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                      gtk_callback_action_new (on_stop_shortcut, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}

/* The stack's pages as the view table names and titles them, sharing the
 * selection; the compare page (A and B side by side need room: on a
 * narrow window it scrolls sideways instead of widening every page). */
static void
add_pages (SyAnalysisView *self)
{
  guint n;
  const SyViewInfo *views = sy_views (&n);

  self->compare = sy_compare_pane_new (self->worker, self->selection, "topp:p=0.4");
  self->compare_page = gtk_scrolled_window_new ();
  /* A and B side by side need room: on a narrow window the page scrolls
   * sideways instead of widening every page of the stack; A above B keep
   * readable grids by moving the split up (the stack asks only the page
   * shown for its height) */
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->compare_page),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_stack_set_vhomogeneous (self->stack, FALSE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->compare_page), self->compare);
  gtk_stack_add_named (self->stack, self->compare_page, "compare");
  track_focus (self, sy_compare_pane_get_diff_view (SY_COMPARE_PANE (self->compare)));
  for (int slot = 0; slot < SY_N_SLOTS; slot++)
    g_signal_connect (sy_compare_pane_get_heatmap (SY_COMPARE_PANE (self->compare), slot), "expert-activated",
                      G_CALLBACK (on_expert_activated), self);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *page, *view;

      if (!(views[i].flags & SY_VIEW_PAGE) || (page = gtk_stack_get_child_by_name (self->stack, views[i].name)) == NULL)
        continue;
      gtk_stack_page_set_title (gtk_stack_get_page (self->stack, page), _(views[i].title));
      view = GTK_IS_SCROLLED_WINDOW (page) ? gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (page)) : page;
      if (GTK_IS_VIEWPORT (view))
        view = gtk_viewport_get_child (GTK_VIEWPORT (view));
      if (!SY_IS_TRACE_VIEW (view))
        continue;
      sy_trace_view_set_selection (SY_TRACE_VIEW (view), self->selection);
      track_focus (self, view);
      g_signal_connect (view, "expert-activated", G_CALLBACK (on_expert_activated), self);
    }
}

static void
sy_analysis_view_init (SyAnalysisView *self)
{
  g_autoptr (GtkStringList) measure_names = gtk_string_list_new (NULL);
  GtkTextBuffer *buffer;
  guint n_measures;
  const SyMeasureInfo *measures = sy_measures (&n_measures);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->worker = sy_worker_new ();
  self->selection = sy_selection_new ();
  g_signal_connect (self->worker, "trace-ready", G_CALLBACK (on_trace_ready), self);
  g_signal_connect (self->worker, "run-failed", G_CALLBACK (on_run_failed), self);
  g_signal_connect (self->worker, "busy-changed", G_CALLBACK (on_busy_changed), self);
  g_signal_connect (self->worker, "model-changed", G_CALLBACK (on_model_changed), self);
  g_signal_connect (self->worker, "load-progress", G_CALLBACK (on_load_progress), self);
  sy_router_controls_bind_worker (self->controls, self->worker, SY_SLOT_A);

  g_signal_connect (self->split, "notify::max-position", G_CALLBACK (on_split_max_position), self);
  {
    GtkGesture *press = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (press), GTK_PHASE_CAPTURE);
    g_signal_connect (press, "pressed", G_CALLBACK (on_split_pressed), self);
    gtk_widget_add_controller (self->split, GTK_EVENT_CONTROLLER (press));
  }

  buffer = gtk_text_view_get_buffer (self->text_view);
  self->generated_tag = gtk_text_buffer_create_tag (buffer, "generated",
                                                    "style", PANGO_STYLE_ITALIC,
                                                    "underline", PANGO_UNDERLINE_SINGLE,
                                                    NULL);
  g_signal_connect_swapped (self->continue_button, "clicked", G_CALLBACK (on_continue_clicked), self);
  add_shortcuts (self);
  update_continue_button (self);

  sy_trace_view_set_selection (SY_TRACE_VIEW (self->strip), self->selection);
  track_focus (self, self->strip);

  for (guint i = 0; i < n_measures; i++)
    gtk_string_list_append (measure_names, _(measures[i].label));
  gtk_drop_down_set_model (self->measure, G_LIST_MODEL (measure_names));
  g_signal_connect_swapped (self->measure, "notify::selected", G_CALLBACK (on_measure_changed), self);
  g_signal_connect_swapped (self->gate_expert, "value-changed", G_CALLBACK (on_measure_changed), self);
  g_signal_connect_swapped (self->gate_card, "clicked", G_CALLBACK (on_gate_card_clicked), self);

  add_pages (self);
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (on_stack_page_changed), self);

  apply_measure (self);
  gtk_text_buffer_set_text (buffer, SY_DEFAULT_TEXT, -1);
  sy_worker_set_text (self->worker, SY_DEFAULT_TEXT);
  self->text_changed_id = g_signal_connect (buffer, "changed", G_CALLBACK (on_text_changed), self);
  update_status (self);
}

GtkWidget *
sy_analysis_view_new (void)
{
  return g_object_new (SY_TYPE_ANALYSIS_VIEW, NULL);
}
