/* sy-trace-window.c: a recorded trace file in a window of its own
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "sy-application.h"
#include "sy-compare.h"
#include "sy-compare-view.h"
#include "sy-file-chooser.h"
#include "sy-format.h"
#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-router-controls.h"
#include "sy-selection.h"
#include "sy-session-file.h"
#include "sy-summary-view.h"
#include "sy-token-strip.h"
#include "sy-trace-window.h"
#include "sy-views.h"
#include "sy-window.h"

struct _SyTraceWindow
{
  AdwApplicationWindow  parent_instance;

  SyTraceFile          *file;
  char                 *name;        /* the file's base name */
  char                 *path;        /* the file's path */
  SyTraceFile          *file_b;      /* B's recording of the same text, or NULL: B is on A's */
  char                 *path_b;
  GtkWidget            *heading_b;
  char                 *session_path;  /* the session opened or saved last, or NULL */
  SyTrace              *trace_a;     /* configuration A as drawn */
  SyRouterSpec         *spec_a;      /* NULL: recorded */
  SyRouterSpec         *spec_b;      /* NULL: none (or recorded when compare_b) */
  gboolean              have_b;
  char                 *limits;

  GtkWidget            *limits_label;
  GtkWidget            *controls_a;
  GtkWidget            *controls_b;
  GtkWidget            *compare_switch;
  gboolean              syncing;     /* the controls follow set_router */
  GtkWidget            *stack;
  GtkWidget            *strip;
  GtkWidget            *heatmap;
  GtkWidget            *inspector;
  GtkWidget            *summary;
  GtkWidget            *compare;
  GtkWidget            *measure;
  GMenu                *menu;        /* the primary menu */
  SySelection          *selection;
};

G_DEFINE_FINAL_TYPE (SyTraceWindow, sy_trace_window, ADW_TYPE_APPLICATION_WINDOW)

/* The measure at @position of the heatmap's drop-down, or NULL: the
 * measures of sy_measures() the heatmap draws with no expert chosen
 * (all but gate:E), in their order. */
static const SyMeasureInfo *
shown_measure (guint position)
{
  guint n;
  const SyMeasureInfo *measures = sy_measures (&n);

  for (guint i = 0; i < n; i++)
    if (measures[i].heatmap != NULL && strcmp (measures[i].name, "gate") != 0 && position-- == 0)
      return &measures[i];
  return NULL;
}

static void
show_error (GtkWindow  *parent,
            const char *heading,
            const char *body)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, heading, body));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  gtk_widget_add_css_class (GTK_WIDGET (dialog), "sy-trace-error");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_views (SyTraceWindow *self)
{
  SyTraceView *views[] = { SY_TRACE_VIEW (self->strip), SY_TRACE_VIEW (self->heatmap),
                           SY_TRACE_VIEW (self->inspector), SY_TRACE_VIEW (self->summary) };

  for (gsize i = 0; i < G_N_ELEMENTS (views); i++)
    sy_trace_view_set_trace (views[i], self->trace_a);
  g_free (self->limits);
  self->limits = sy_trace_file_describe_limits (self->file, self->spec_a);
  gtk_label_set_text (GTK_LABEL (self->limits_label), self->limits);
}

/* The recording B's policy is re-applied to. */
#define B_FILE(self) ((self)->file_b ? (self)->file_b : (self)->file)

static void
update_compare (SyTraceWindow *self)
{
  g_autoptr (SyTrace) b = NULL;
  g_autoptr (GError) error = NULL;
  SyCompare *cmp = NULL;

  if (self->have_b)
    {
      b = sy_trace_file_apply (B_FILE (self), self->spec_b, &error);
      if (b != NULL)
        cmp = sy_compare_new (self->trace_a, NULL, b, NULL, 0, &error);
    }
  sy_compare_view_set_compare (SY_COMPARE_VIEW (self->compare), cmp);
}

static guint trace_policies (const SyTraceFile *f, char **reason);

/* The controls of A or B show the window's policy ("recorded": Native). */
static void
sync_controls (SyTraceWindow *self,
               gboolean       b)
{
  GtkWidget *controls = b ? self->controls_b : self->controls_a;
  SyRouterSpec *spec = b ? self->spec_b : self->spec_a;
  g_autofree char *text = spec ? sy_router_spec_to_string (spec) : g_strdup ("native");
  g_autofree char *now = sy_router_controls_get_spec_string (SY_ROUTER_CONTROLS (controls));
  gboolean was = self->syncing;

  self->syncing = TRUE;
  if (g_strcmp0 (text, now) != 0)
    sy_router_controls_set_spec_string (SY_ROUTER_CONTROLS (controls), text, NULL);
  if (b)
    gtk_switch_set_active (GTK_SWITCH (self->compare_switch), self->have_b);
  if (!b && sy_trace_file_has_router (self->file))
    {
      g_autofree char *reason = NULL;
      g_autofree char *status = NULL;

      trace_policies (self->file, &reason);
      status = g_strdup_printf (_("Average K on this trace: %.2f (native k = %d)%s%s"),
                                self->trace_a->avg_k, self->trace_a->native_k,
                                reason ? "\n" : "", reason ? reason : "");
      sy_router_controls_set_status (SY_ROUTER_CONTROLS (controls), status);
    }
  self->syncing = was;
}

/* The policies a trace takes (bits 1 << SyPolicy besides Native): π-only
 * ones, da only with recorded attention, none for an id-only trace; and
 * why some are left out (NULL: none are). */
static guint
trace_policies (const SyTraceFile  *f,
                char              **reason)
{
  guint mask;

  *reason = NULL;
  if (!sy_trace_file_has_router (f))
    {
      *reason = g_strdup_printf (_("This trace (from %s) holds expert ids only: no policy can be "
                                   "re-applied, the recorded routing is shown"), f->source ? f->source : "?");
      return 0;
    }
  mask = 1u << SY_POLICY_TOPK | 1u << SY_POLICY_TOPP | 1u << SY_POLICY_MINP | 1u << SY_POLICY_SER |
         1u << SY_POLICY_QUANTILE | 1u << SY_POLICY_ADR;
  if (f->recv != NULL)
    mask |= 1u << SY_POLICY_DA;
  else
    *reason = g_strdup (_("DA-MoE is left out: this trace does not record the attention each token received"));
  return mask;
}

/* What the controls of @f offer (trace_policies), the reason in the status. */
static void
configure_controls (SyTraceWindow     *self,
                    GtkWidget         *controls,
                    const SyTraceFile *f)
{
  guint mask;
  g_autofree char *reason = NULL;
  g_autofree char *native = NULL;

  sy_router_controls_set_model_info (SY_ROUTER_CONTROLS (controls), &f->info);
  mask = trace_policies (f, &reason);
  /* Translators: the first policy of a recorded trace's controls, e.g. "As recorded (native)" */
  native = g_strdup_printf (_("As recorded (%s)"), f->trace->router ? f->trace->router : "?");
  sy_router_controls_limit_policies (SY_ROUTER_CONTROLS (controls), mask, native, reason);
}

gboolean
sy_trace_window_set_router (SyTraceWindow *self,
                            gboolean       b,
                            const char    *spec,
                            GError       **error)
{
  g_autoptr (SyRouterSpec) parsed = NULL;
  g_autoptr (SyTrace) trace = NULL;

  g_return_val_if_fail (SY_IS_TRACE_WINDOW (self), FALSE);

  if (spec != NULL && *spec != '\0' && g_strcmp0 (spec, "recorded") != 0)
    {
      parsed = sy_router_spec_parse (spec, error);
      if (parsed == NULL)
        return FALSE;
    }
  /* check before changing anything */
  trace = sy_trace_file_apply (b ? B_FILE (self) : self->file, parsed, error);
  if (trace == NULL)
    return FALSE;
  if (b)
    {
      g_clear_pointer (&self->spec_b, sy_router_spec_free);
      self->spec_b = g_steal_pointer (&parsed);
      self->have_b = spec != NULL && *spec != '\0';
    }
  else
    {
      g_clear_pointer (&self->spec_a, sy_router_spec_free);
      self->spec_a = g_steal_pointer (&parsed);
      sy_trace_free (self->trace_a);
      self->trace_a = g_steal_pointer (&trace);
      update_views (self);
    }
  update_compare (self);
  sync_controls (self, b);
  return TRUE;
}

/* A policy chosen in A's or B's controls: re-applied at once; what the
 * trace cannot take is said in the controls' status line. */
static void
on_controls_changed (SyRouterControls *controls,
                     SyTraceWindow    *self)
{
  gboolean b = GTK_WIDGET (controls) == self->controls_b;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  if (self->syncing || self->file == NULL)
    return;
  if (b && !gtk_switch_get_active (GTK_SWITCH (self->compare_switch)))
    return;
  text = sy_router_controls_get_spec_string (controls);
  self->syncing = TRUE;
  if (!sy_trace_window_set_router (self, b, g_strcmp0 (text, "native") == 0 ? "recorded" : text, &error))
    sy_router_controls_set_status (controls, error->message);
  self->syncing = FALSE;
}

static void
on_compare_switch (GtkSwitch     *sw,
                   GParamSpec    *pspec,
                   SyTraceWindow *self)
{
  gboolean on = gtk_switch_get_active (sw);

  gtk_widget_set_sensitive (self->controls_b, on);
  if (self->syncing)
    return;
  if (on)
    {
      on_controls_changed (SY_ROUTER_CONTROLS (self->controls_b), self);
      if (self->have_b)
        sy_trace_window_set_view (self, "compare");
    }
  else
    {
      sy_trace_window_set_router (self, TRUE, NULL, NULL);
      if (g_strcmp0 (sy_trace_window_get_view (self), "compare") == 0)
        sy_trace_window_set_view (self, "heatmap");
    }
}

/* Match Native Cost on the recorded probabilities: the threshold (on the
 * controls' 0.01 grid) whose average K over layers and tokens is nearest
 * the model's native k. */
static void
on_calibrate (SyRouterControls *controls,
              SyTraceWindow    *self)
{
  const SyTraceFile *f = GTK_WIDGET (controls) == self->controls_b ? B_FILE (self) : self->file;
  g_autofree char *text = sy_router_controls_get_spec_string (controls);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (text, NULL);
  g_autofree char *result = NULL;
  g_autofree char *status = NULL;
  double *param, target, k_best = NAN;
  gboolean rising;
  int lo = 1, hi = 99, best = -1;

  if (spec == NULL)
    return;
  switch (spec->policy)
    {
    case SY_POLICY_TOPP:
      param = &spec->p;
      rising = TRUE;
      break;
    case SY_POLICY_MINP:
    case SY_POLICY_SER:
      param = &spec->t;
      rising = FALSE;
      break;
    case SY_POLICY_QUANTILE:
      param = &spec->q;
      rising = FALSE;
      break;
    default:
      return;
    }
  target = f->info.native_k;

  /* g(i) = average K at the i-th grid value, made rising in i */
#define VALUE(i) ((rising ? (i) : 100 - (i)) / 100.0)
  {
    double k_at[101];

    for (int i = 0; i <= 100; i++)
      k_at[i] = NAN;
    for (int step = 0; step < 2; step++)
      while (lo < hi)
        {
          int mid = (lo + hi) / 2;
          g_autoptr (SyTrace) t = NULL;

          *param = VALUE (mid);
          t = sy_trace_file_apply (f, spec, NULL);
          k_at[mid] = t ? t->avg_k : NAN;
          if (t != NULL && t->avg_k >= target)
            hi = mid;
          else
            lo = mid + 1;
        }
    for (int i = MAX (1, lo - 1); i <= MIN (99, lo); i++)
      {
        if (isnan (k_at[i]))
          {
            g_autoptr (SyTrace) t = NULL;

            *param = VALUE (i);
            t = sy_trace_file_apply (f, spec, NULL);
            k_at[i] = t ? t->avg_k : NAN;
          }
        if (!isnan (k_at[i]) && (best < 0 || fabs (k_at[i] - target) < fabs (k_best - target)))
          {
            best = i;
            k_best = k_at[i];
          }
      }
  }
  if (best < 0)
    {
      sy_router_controls_set_status (controls, _("No threshold of this policy works on this trace"));
      return;
    }
  *param = VALUE (best);
#undef VALUE
  result = sy_router_spec_to_string (spec);
  sy_router_controls_set_spec_string (controls, result, NULL);
  /* Translators: after Match Native Cost on a recorded trace */
  status = g_strdup_printf (_("Average K %.2f on this trace (native k = %d): %s"), k_best,
                            f->info.native_k, result);
  sy_router_controls_set_status (controls, status);
}

static void
update_heading_b (SyTraceWindow *self)
{
  g_autofree char *base = self->path_b ? g_path_get_basename (self->path_b) : NULL;
  g_autofree char *text = NULL;

  /* Translators: B is another recording of the same text, named by its file */
  text = base ? g_strdup_printf (_("_Compare with B: %s"), base) : g_strdup (_("_Compare with B"));
  gtk_label_set_text_with_mnemonic (GTK_LABEL (self->heading_b), text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trace.clear-b", self->file_b != NULL);
}

/* The trace file at @file and its @path (free both), or NULL with @error
 * where @file is not a local file or does not load. */
static SyTraceFile *
load_trace (GFile   *file,
            char   **path,
            GError **error)
{
  *path = g_file_get_path (file);
  if (*path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Not a local file"));
      return NULL;
    }
  return sy_trace_file_load (*path, error);
}

/* B becomes the trace file @file_b from @path_b (both taken; NULL: none,
 * B's controls then configured for A's file), at B's recorded routing. */
static void
set_b (SyTraceWindow *self,
       SyTraceFile   *file_b,
       char          *path_b)
{
  sy_trace_file_free (self->file_b);
  self->file_b = file_b;
  g_free (self->path_b);
  self->path_b = path_b;
  g_clear_pointer (&self->spec_b, sy_router_spec_free);
  self->syncing = TRUE;
  configure_controls (self, self->controls_b, file_b ? file_b : self->file);
  self->syncing = FALSE;
  update_heading_b (self);
  update_compare (self);
  sync_controls (self, TRUE);
}

gboolean
sy_trace_window_open_b (SyTraceWindow *self,
                        GFile         *file,
                        GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  g_autoptr (SyCompare) check = NULL;

  g_return_val_if_fail (SY_IS_TRACE_WINDOW (self), FALSE);

  tf = load_trace (file, &path, error);
  if (tf == NULL)
    return FALSE;
  /* the same text and MoE layout, checked on the recorded runs */
  check = sy_compare_new (self->file->trace, NULL, tf->trace, NULL, 0, error);
  if (check == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  self->have_b = TRUE;
  set_b (self, g_steal_pointer (&tf), g_steal_pointer (&path));
  sy_trace_window_set_view (self, "compare");
  return TRUE;
}

void
sy_trace_window_clear_b (SyTraceWindow *self)
{
  g_return_if_fail (SY_IS_TRACE_WINDOW (self));

  if (self->file_b == NULL)
    return;
  set_b (self, NULL, NULL);
}

const char *
sy_trace_window_get_path_b (SyTraceWindow *self)
{
  return self->path_b;
}

static void
clear_b_action (GtkWidget  *widget,
                const char *action,
                GVariant   *param)
{
  sy_trace_window_clear_b (SY_TRACE_WINDOW (widget));
}

const SyTrace *
sy_trace_window_get_trace (SyTraceWindow *self)
{
  return self->trace_a;
}

const char *
sy_trace_window_get_limits (SyTraceWindow *self)
{
  return self->limits;
}

void
sy_trace_window_set_view (SyTraceWindow *self,
                          const char    *view)
{
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), view);
}

const char *
sy_trace_window_get_view (SyTraceWindow *self)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}

gboolean
sy_trace_window_set_measure (SyTraceWindow *self,
                             const char    *measure,
                             GError       **error)
{
  const SyMeasureInfo *shown;

  for (guint i = 0; (shown = shown_measure (i)) != NULL; i++)
    if (g_strcmp0 (shown->name, measure) == 0)
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->measure), i);
        return TRUE;
      }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("The trace window has no measure “%s”"), measure);
  return FALSE;
}

const char *
sy_trace_window_get_measure (SyTraceWindow *self)
{
  guint position = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->measure));
  const SyMeasureInfo *shown = shown_measure (position);

  return shown != NULL ? shown->name : "k";
}

static void
on_measure_changed (SyTraceWindow *self)
{
  sy_trace_view_set_measure (SY_TRACE_VIEW (self->heatmap), sy_trace_window_get_measure (self), NULL);
}

void
sy_trace_window_select (SyTraceWindow *self,
                        int            token,
                        int            layer)
{
  const SyTrace *t = self->trace_a;

  sy_selection_set_token (self->selection, token >= 0 && token < t->n_tokens ? token : -1);
  sy_selection_set_layer (self->selection, layer >= 0 && layer < t->n_moe_layers ? layer : -1);
}

int
sy_trace_window_get_selected_token (SyTraceWindow *self)
{
  return sy_selection_get_token (self->selection);
}

int
sy_trace_window_get_selected_layer (SyTraceWindow *self)
{
  return sy_selection_get_layer (self->selection);
}

char *
sy_trace_window_get_router (SyTraceWindow *self,
                            gboolean       b)
{
  SyRouterSpec *spec = b ? self->spec_b : self->spec_a;

  if (b && !self->have_b)
    return NULL;
  return spec ? sy_router_spec_to_string (spec) : g_strdup ("recorded");
}

GtkWidget *
sy_trace_window_get_controls (SyTraceWindow *self,
                              gboolean       b)
{
  return b ? self->controls_b : self->controls_a;
}

const char *
sy_trace_window_get_path (SyTraceWindow *self)
{
  return self->path;
}

gboolean
sy_trace_window_save_session (SyTraceWindow *self,
                              GFile         *file,
                              GError       **error)
{
  g_autoptr (SySessionFile) session = sy_session_file_new ();
  g_autofree char *path = g_file_get_path (file);
  const char *view = sy_trace_window_get_view (self);

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Choose a local file to save the session to"));
      return FALSE;
    }
  session->trace = g_strdup (self->path);
  g_free (session->text);
  session->text = g_strdup (self->file->text ? self->file->text : "");
  g_free (session->router_a);
  session->router_a = sy_trace_window_get_router (self, FALSE);
  session->router_b = sy_trace_window_get_router (self, TRUE);
  session->trace_b = g_strdup (self->path_b);
  session->compare = g_strcmp0 (view, "compare") == 0;
  if (sy_session_file_view_is_valid (view))
    {
      g_free (session->view);
      session->view = g_strdup (view);
    }
  g_free (session->measure);
  session->measure = g_strdup (sy_trace_window_get_measure (self));
  session->token = sy_trace_window_get_selected_token (self);
  session->layer = sy_trace_window_get_selected_layer (self);
  session->heatmap_cell_width = sy_heatmap_view_get_cell_width (SY_HEATMAP_VIEW (self->heatmap));
  if (!sy_session_file_save (session, path, error))
    return FALSE;
  g_free (self->session_path);
  self->session_path = g_steal_pointer (&path);
  return TRUE;
}

/* The session's state (policies A and B, view, measure, selection and
 * zoom) on the window; FALSE with @error where the trace cannot take it. */
static gboolean
apply_session (SyTraceWindow       *self,
               const SySessionFile *session,
               GError             **error)
{
  if (!sy_trace_window_set_router (self, FALSE, session->router_a, error))
    {
      g_prefix_error (error, _("Configuration A: "));
      return FALSE;
    }
  if (session->trace_b != NULL)
    {
      g_autofree char *path = sy_session_file_resolve_trace (session, self->session_path, TRUE);
      g_autoptr (GFile) file = g_file_new_for_path (path);

      if (!sy_trace_window_open_b (self, file, error))
        return FALSE;
    }
  else
    sy_trace_window_clear_b (self);
  if (!sy_trace_window_set_router (self, TRUE, session->router_b, error))
    {
      g_prefix_error (error, _("Configuration B: "));
      return FALSE;
    }
  /* a measure the window does not draw (surprisal, gate:E) keeps K */
  sy_trace_window_set_measure (self, session->measure, NULL);
  sy_heatmap_view_set_cell_width (SY_HEATMAP_VIEW (self->heatmap), session->heatmap_cell_width);
  sy_trace_window_set_view (self, session->compare ? "compare"
                                  : g_strcmp0 (session->view, "strip") == 0 ? "heatmap" : session->view);
  sy_trace_window_select (self, session->token, session->layer);
  return TRUE;
}

SyTraceWindow *
sy_trace_window_open_session (GtkApplication      *application,
                              const SySessionFile *session,
                              const char          *session_path,
                              GError             **error)
{
  g_autofree char *path = sy_session_file_resolve_trace (session, session_path, FALSE);
  g_autoptr (GFile) file = NULL;
  SyTraceWindow *self;

  g_return_val_if_fail (path != NULL, NULL);
  file = g_file_new_for_path (path);
  self = sy_trace_window_open (application, file, error);
  if (self == NULL)
    return NULL;
  self->session_path = g_strdup (session_path);
  if (!apply_session (self, session, error))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return NULL;
    }
  return self;
}

/* Puts @path first in the main window's recent list ('recent-models'),
 * without making it the model opened at start. */
static void
remember_trace (const char *path)
{
  g_autoptr (GSettings) settings = sy_settings_new ();

  if (settings != NULL)
    sy_window_remember_recent (settings, path);
}

gboolean
sy_trace_window_save (SyTraceWindow *self,
                      GFile         *file,
                      GError       **error)
{
  g_autofree char *path = g_file_get_path (file);
  SyTraceFile copy = *self->file;

  copy.trace = self->trace_a;
  copy.has_nll = self->file->has_nll && self->spec_a == NULL;
  return sy_trace_file_save (&copy, path, NULL, error);
}

/* The window's file actions: a chooser, then the file accepted goes to
 * func; its error is shown under error_title. */
typedef struct
{
  const char           *name;
  const char           *title;
  GtkFileChooserAction  mode;
  const char           *accept_label;
  gboolean              modal;
  void                (*prepare) (SyTraceWindow  *self,
                                  GtkFileChooser *chooser);
  gboolean            (*func) (SyTraceWindow  *self,
                               GFile          *file,
                               GError        **error);
  const char           *error_title;
} FileAction;

static void
prepare_open_b (SyTraceWindow  *self,
                GtkFileChooser *chooser)
{
  sy_file_chooser_add_filter (chooser, _("Switchyard traces (.json)"), "*.json", NULL);
}

static void
prepare_save_session (SyTraceWindow  *self,
                      GtkFileChooser *chooser)
{
  g_autofree char *stem = sy_strip_suffix (self->name, ".json");
  g_autofree char *name = g_strconcat (stem, SY_SESSION_FILE_EXTENSION, NULL);

  gtk_file_chooser_set_current_name (chooser, name);
}

static void
prepare_save (SyTraceWindow  *self,
              GtkFileChooser *chooser)
{
  gtk_file_chooser_set_current_name (chooser, "trace.json");
}

static const FileAction file_actions[] = {
  { "trace.open-b", N_("Open Trace as B (the same text)"), GTK_FILE_CHOOSER_ACTION_OPEN, N_("_Open"),
    TRUE,
    prepare_open_b, sy_trace_window_open_b, N_("Could Not Open Trace B") },
  { "trace.save-session", N_("Save Session"), GTK_FILE_CHOOSER_ACTION_SAVE, N_("_Save"), TRUE,
    prepare_save_session, sy_trace_window_save_session, N_("Could Not Save Session") },
  { "trace.save", N_("Save Trace"), GTK_FILE_CHOOSER_ACTION_SAVE, N_("_Save"), FALSE,
    prepare_save, sy_trace_window_save, N_("Could Not Save Trace") },
};

static void
on_file_chosen (GtkFileChooser *chooser,
                GFile          *file,
                gpointer        user_data)
{
  SyTraceWindow *self = user_data;
  const FileAction *fa = g_object_get_data (G_OBJECT (chooser), "sy-file-action");
  g_autoptr (GError) error = NULL;

  if (file != NULL && !fa->func (self, file, &error))
    show_error (GTK_WINDOW (self), _(fa->error_title), error->message);
}

static void
file_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  SyTraceWindow *self = SY_TRACE_WINDOW (widget);

  for (guint i = 0; i < G_N_ELEMENTS (file_actions); i++)
    if (g_str_equal (file_actions[i].name, action))
      {
        const FileAction *fa = &file_actions[i];
        GtkFileChooser *chooser = sy_file_chooser_new (GTK_WINDOW (self), _(fa->title), fa->mode,
                                                       _(fa->accept_label), fa->modal);

        fa->prepare (self, chooser);
        g_object_set_data (G_OBJECT (chooser), "sy-file-action", (gpointer) fa);
        sy_file_chooser_show (chooser, on_file_chosen, self, NULL);
      }
}

static void
sy_trace_window_dispose (GObject *object)
{
  SyTraceWindow *self = SY_TRACE_WINDOW (object);

  g_clear_object (&self->selection);
  g_clear_object (&self->menu);
  G_OBJECT_CLASS (sy_trace_window_parent_class)->dispose (object);
}

static void
sy_trace_window_finalize (GObject *object)
{
  SyTraceWindow *self = SY_TRACE_WINDOW (object);

  sy_trace_file_free (self->file);
  sy_trace_free (self->trace_a);
  sy_router_spec_free (self->spec_a);
  sy_router_spec_free (self->spec_b);
  g_free (self->name);
  g_free (self->path);
  sy_trace_file_free (self->file_b);
  g_free (self->path_b);
  g_free (self->session_path);
  g_free (self->limits);
  G_OBJECT_CLASS (sy_trace_window_parent_class)->finalize (object);
}

static void
sy_trace_window_class_init (SyTraceWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_trace_window_dispose;
  object_class->finalize = sy_trace_window_finalize;
  for (guint i = 0; i < G_N_ELEMENTS (file_actions); i++)
    gtk_widget_class_install_action (widget_class, file_actions[i].name, NULL, file_action);
  gtk_widget_class_install_action (widget_class, "trace.clear-b", NULL, clear_b_action);
  /* as in the main window: Ctrl+S the session, Ctrl+Shift+S the trace */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "trace.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "trace.save-session", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
sy_trace_window_init (SyTraceWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *save = gtk_menu_button_new ();
  GtkWidget *switcher = gtk_stack_switcher_new ();
  GtkWidget *rows = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  gtk_window_set_default_size (GTK_WINDOW (self), 1280, 800);
  {
    g_autoptr (GMenu) menu = g_menu_new ();
    g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
    const SyMeasureInfo *shown;

    g_menu_append (menu, _("Save _Session…"), "trace.save-session");
    g_menu_append (menu, _("Save T_race…"), "trace.save");
    g_menu_append (menu, _("Open Trace as _B…"), "trace.open-b");
    g_menu_append (menu, _("B on _This Trace"), "trace.clear-b");
    gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (save), "open-menu-symbolic");
    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (save), G_MENU_MODEL (menu));
    gtk_menu_button_set_primary (GTK_MENU_BUTTON (save), TRUE);
    gtk_widget_set_tooltip_text (save, _("Main Menu"));
    adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
    self->menu = g_object_ref (menu);
    for (guint i = 0; (shown = shown_measure (i)) != NULL; i++)
      gtk_string_list_append (names, _(shown->label));
    self->measure = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL);
    gtk_widget_set_tooltip_text (self->measure, _("What the heatmap shows"));
    g_signal_connect_swapped (self->measure, "notify::selected", G_CALLBACK (on_measure_changed), self);
    adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->measure);
  }
  gtk_box_append (GTK_BOX (box), header);

  self->limits_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->limits_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->limits_label), 0);
  gtk_widget_add_css_class (self->limits_label, "warning");
  gtk_widget_set_margin_start (self->limits_label, 12);
  gtk_widget_set_margin_end (self->limits_label, 12);
  gtk_box_append (GTK_BOX (box), self->limits_label);

  /* left: the router controls of A and B, as in the main window */
  {
    GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *side_scroller = gtk_scrolled_window_new ();
    GtkWidget *heading_a = gtk_label_new (_("Configuration A"));
    GtkWidget *row_b = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *heading_b = self->heading_b = gtk_label_new_with_mnemonic (_("_Compare with B"));

    for (GtkWidget **h = (GtkWidget *[]) { heading_a, heading_b, NULL }; *h; h++)
      {
        gtk_label_set_xalign (GTK_LABEL (*h), 0);
        gtk_widget_add_css_class (*h, "title-4");
      }
    gtk_widget_set_margin_start (heading_a, 12);
    gtk_box_append (GTK_BOX (side), heading_a);
    self->controls_a = sy_router_controls_new ();
    gtk_box_append (GTK_BOX (side), self->controls_a);
    gtk_box_append (GTK_BOX (side), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
    self->compare_switch = gtk_switch_new ();
    gtk_widget_set_valign (self->compare_switch, GTK_ALIGN_CENTER);
    gtk_label_set_mnemonic_widget (GTK_LABEL (heading_b), self->compare_switch);
    gtk_widget_set_hexpand (heading_b, TRUE);
    gtk_widget_set_margin_start (row_b, 12);
    gtk_widget_set_margin_end (row_b, 12);
    gtk_widget_set_tooltip_text (row_b, _("Configuration B: another policy re-applied to this trace, or to "
                                          "another recording of the same text (Open Trace as B…), "
                                          "compared with A on the Compare page"));
    gtk_box_append (GTK_BOX (row_b), heading_b);
    gtk_box_append (GTK_BOX (row_b), self->compare_switch);
    gtk_box_append (GTK_BOX (side), row_b);
    self->controls_b = sy_router_controls_new ();
    gtk_box_append (GTK_BOX (side), self->controls_b);
    g_signal_connect (self->controls_a, "changed", G_CALLBACK (on_controls_changed), self);
    g_signal_connect (self->controls_b, "changed", G_CALLBACK (on_controls_changed), self);
    g_signal_connect (self->controls_a, "calibrate", G_CALLBACK (on_calibrate), self);
    g_signal_connect (self->controls_b, "calibrate", G_CALLBACK (on_calibrate), self);
    g_signal_connect (self->compare_switch, "notify::active", G_CALLBACK (on_compare_switch), self);
    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (side_scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (side_scroller), side);
    gtk_widget_set_size_request (side_scroller, 300, -1);
    gtk_box_append (GTK_BOX (rows), side_scroller);
  }
  gtk_widget_set_vexpand (rows, TRUE);
  gtk_box_append (GTK_BOX (box), rows);

  self->selection = sy_selection_new ();
  self->strip = sy_token_strip_new ();
  self->heatmap = sy_heatmap_view_new ();
  self->inspector = sy_inspector_view_new ();
  self->summary = sy_summary_view_new ();
  self->compare = sy_compare_view_new ();
  sy_trace_view_set_selection (SY_TRACE_VIEW (self->strip), self->selection);
  sy_trace_view_set_selection (SY_TRACE_VIEW (self->heatmap), self->selection);
  sy_trace_view_set_selection (SY_TRACE_VIEW (self->inspector), self->selection);
  sy_trace_view_set_selection (SY_TRACE_VIEW (self->compare), self->selection);
  gtk_widget_set_margin_end (self->strip, 12);
  gtk_box_append (GTK_BOX (right), self->strip);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_titled (GTK_STACK (self->stack), self->heatmap, "heatmap", _("Heatmap"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->inspector, "inspector", _("Inspector"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->summary, "summary", _("Summary"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->compare, "compare", _("Compare A/B"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), GTK_STACK (self->stack));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), switcher);
  gtk_widget_set_margin_end (self->stack, 12);
  gtk_widget_set_margin_bottom (self->stack, 12);
  gtk_box_append (GTK_BOX (right), self->stack);
  gtk_widget_set_hexpand (right, TRUE);
  gtk_box_append (GTK_BOX (rows), right);

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), box);
}

gboolean
sy_trace_window_is_trace_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return path != NULL && sy_trace_file_sniff (path);
}

SyTraceWindow *
sy_trace_window_open (GtkApplication *application,
                      GFile          *file,
                      GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  g_autofree char *title = NULL;
  SyTraceWindow *self;

  tf = load_trace (file, &path, error);
  if (tf == NULL)
    return NULL;
  self = g_object_new (SY_TYPE_TRACE_WINDOW, "application", application, NULL);
  self->file = g_steal_pointer (&tf);
  self->name = g_file_get_basename (file);
  self->path = g_steal_pointer (&path);
  remember_trace (self->path);
  self->trace_a = sy_trace_copy (self->file->trace);
  /* Translators: the window title of a recorded trace, "FILE — Recorded Trace" */
  title = g_strdup_printf (_("%s — Recorded Trace"), self->name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  configure_controls (self, self->controls_a, self->file);
  configure_controls (self, self->controls_b, self->file);
  gtk_widget_set_sensitive (self->controls_b, FALSE);
  update_heading_b (self);
  update_views (self);
  update_compare (self);
  sync_controls (self, FALSE);
  return self;
}

gboolean
sy_trace_window_open_or_report (GtkApplication *application,
                                GtkWindow      *parent,
                                GFile          *file)
{
  g_autoptr (GError) error = NULL;
  SyTraceWindow *window = sy_trace_window_open (application, file, &error);

  if (window == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *body = g_strdup_printf ("%s\n\n%s", name, error->message);

      show_error (parent, _("Could Not Open Trace"), body);
      return FALSE;
    }
  gtk_window_present (GTK_WINDOW (window));
  return TRUE;
}

static void
on_trace_chosen (GtkFileChooser *chooser,
                 GFile          *file,
                 gpointer        user_data)
{
  GtkWindow *parent = user_data;

  sy_trace_window_open_or_report (gtk_window_get_application (parent), parent, file);
}

void
sy_trace_window_choose (GtkWindow *parent)
{
  GtkFileChooser *chooser;

  chooser = sy_file_chooser_new (parent, _("Open Trace"), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 _("_Open"), FALSE);
  sy_file_chooser_add_filter (chooser, _("Switchyard traces (.json)"), "*.json", NULL);
  sy_file_chooser_show (chooser, on_trace_chosen, parent, NULL);
}
