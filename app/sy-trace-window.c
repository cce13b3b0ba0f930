/* sy-trace-window.c: a recorded trace file in a window of its own
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-compare.h"
#include "sy-compare-view.h"
#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-selection.h"
#include "sy-summary-view.h"
#include "sy-token-strip.h"
#include "sy-trace-window.h"

struct _SyTraceWindow
{
  AdwApplicationWindow  parent_instance;

  SyTraceFile          *file;
  char                 *name;        /* the file's base name */
  SyTrace              *trace_a;     /* configuration A as drawn */
  SyRouterSpec         *spec_a;      /* NULL: recorded */
  SyRouterSpec         *spec_b;      /* NULL: none (or recorded when compare_b) */
  gboolean              have_b;
  char                 *limits;

  GtkWidget            *limits_label;
  GtkWidget            *entry_a;
  GtkWidget            *entry_b;
  GtkWidget            *stack;
  GtkWidget            *strip;
  GtkWidget            *heatmap;
  GtkWidget            *inspector;
  GtkWidget            *summary;
  GtkWidget            *compare;
  SySelection          *selection;
};

G_DEFINE_FINAL_TYPE (SyTraceWindow, sy_trace_window, ADW_TYPE_APPLICATION_WINDOW)

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

static void
update_compare (SyTraceWindow *self)
{
  g_autoptr (SyTrace) b = NULL;
  g_autoptr (GError) error = NULL;
  SyCompare *cmp = NULL;

  if (self->have_b)
    {
      b = sy_trace_file_apply (self->file, self->spec_b, &error);
      if (b != NULL)
        cmp = sy_compare_new (self->trace_a, NULL, b, NULL, 0, &error);
    }
  sy_compare_view_set_compare (SY_COMPARE_VIEW (self->compare), cmp);
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
  trace = sy_trace_file_apply (self->file, parsed, error);
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
  return TRUE;
}

static void
on_apply (GtkWidget *widget,
          gpointer   user_data)
{
  SyTraceWindow *self = user_data;
  gboolean b = widget == self->entry_b;
  g_autoptr (GError) error = NULL;

  if (!sy_trace_window_set_router (self, b, gtk_editable_get_text (GTK_EDITABLE (widget)), &error))
    show_error (GTK_WINDOW (self), b ? _("Configuration B Not Applied")
                                     : _("Configuration A Not Applied"), error->message);
  else if (b && self->have_b)
    sy_trace_window_set_view (self, "compare");
}

const SyTraceFile *
sy_trace_window_get_file (SyTraceWindow *self)
{
  return self->file;
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

static void
on_save_response (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  SyTraceWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr (GError) error = NULL;

      if (!sy_trace_window_save (self, file, &error))
        show_error (GTK_WINDOW (self), _("Could Not Save Trace"), error->message);
    }
  g_object_unref (chooser);
}

static void
save_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  SyTraceWindow *self = SY_TRACE_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save Trace"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "trace.json");
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
sy_trace_window_dispose (GObject *object)
{
  SyTraceWindow *self = SY_TRACE_WINDOW (object);

  g_clear_object (&self->selection);
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
  gtk_widget_class_install_action (widget_class, "trace.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "trace.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static GtkWidget *
router_row (SyTraceWindow *self,
            const char    *label,
            const char    *placeholder,
            GtkWidget    **entry)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *l = gtk_label_new_with_mnemonic (label);

  *entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (*entry), placeholder);
  gtk_widget_set_hexpand (*entry, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), *entry);
  gtk_box_append (GTK_BOX (box), l);
  gtk_box_append (GTK_BOX (box), *entry);
  g_signal_connect (*entry, "activate", G_CALLBACK (on_apply), self);
  return box;
}

static void
sy_trace_window_init (SyTraceWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *save = gtk_button_new_from_icon_name ("document-save-symbolic");
  GtkWidget *switcher = gtk_stack_switcher_new ();
  GtkWidget *rows = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  GtkWidget *scroller;

  gtk_window_set_default_size (GTK_WINDOW (self), 1100, 760);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "trace.save");
  gtk_widget_set_tooltip_text (save, _("Save Trace… (configuration A's routing)"));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_box_append (GTK_BOX (box), header);

  self->limits_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->limits_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->limits_label), 0);
  gtk_widget_add_css_class (self->limits_label, "warning");
  gtk_widget_set_margin_start (self->limits_label, 12);
  gtk_widget_set_margin_end (self->limits_label, 12);
  gtk_box_append (GTK_BOX (box), self->limits_label);

  gtk_widget_set_margin_start (rows, 12);
  gtk_widget_set_margin_end (rows, 12);
  gtk_widget_set_hexpand (rows, TRUE);
  gtk_box_append (GTK_BOX (rows), router_row (self, _("Policy _A"), _("recorded (Enter applies, e.g. topp:p=0.5)"),
                                              &self->entry_a));
  gtk_box_append (GTK_BOX (rows), router_row (self, _("Policy _B"), _("none (a policy to compare with A)"),
                                              &self->entry_b));
  gtk_widget_set_hexpand (gtk_widget_get_first_child (rows), TRUE);
  gtk_widget_set_hexpand (gtk_widget_get_last_child (rows), TRUE);
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
  gtk_widget_set_margin_start (self->strip, 12);
  gtk_widget_set_margin_end (self->strip, 12);
  gtk_box_append (GTK_BOX (box), self->strip);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_titled (GTK_STACK (self->stack), self->heatmap, "heatmap", _("Heatmap"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->inspector, "inspector", _("Inspector"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->summary, "summary", _("Summary"));
  gtk_stack_add_titled (GTK_STACK (self->stack), self->compare, "compare", _("Compare A/B"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), GTK_STACK (self->stack));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), switcher);
  scroller = self->stack;
  gtk_widget_set_margin_start (scroller, 12);
  gtk_widget_set_margin_end (scroller, 12);
  gtk_widget_set_margin_bottom (scroller, 12);
  gtk_box_append (GTK_BOX (box), scroller);

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
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (SyTraceFile) tf = NULL;
  g_autofree char *title = NULL;
  SyTraceWindow *self;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Not a local file"));
      return NULL;
    }
  tf = sy_trace_file_load (path, error);
  if (tf == NULL)
    return NULL;
  self = g_object_new (SY_TYPE_TRACE_WINDOW, "application", application, NULL);
  self->file = g_steal_pointer (&tf);
  self->name = g_file_get_basename (file);
  self->trace_a = sy_trace_copy (self->file->trace);
  /* Translators: the window title of a recorded trace, "FILE — Recorded Trace" */
  title = g_strdup_printf (_("%s — Recorded Trace"), self->name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  update_views (self);
  update_compare (self);
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
on_open_response (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  GtkWindow *parent = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      sy_trace_window_open_or_report (gtk_window_get_application (parent), parent, file);
    }
  g_object_unref (chooser);
}

void
sy_trace_window_choose (GtkWindow *parent)
{
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open Trace"), parent, GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Switchyard traces (.json)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), parent);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
