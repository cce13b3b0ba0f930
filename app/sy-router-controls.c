/* sy-router-controls.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sy-router-controls.h"
#include "sy-signal.h"

typedef enum
{
  ROW_K, ROW_P, ROW_T, ROW_Q, ROW_KMIN, ROW_KMAX, ROW_MAP,
  ROW_THETA, ROW_GAMMA, ROW_U, ROW_KDEEP, ROW_KSHALLOW, ROW_SHALLOW,
  ROW_WEIGHTS, ROW_SCHEDULE, ROW_KLO, ROW_KHI, ROW_CYCLES,
  N_ROWS
} Row;

/* Policies in the order of the drop-down: the name that starts the spec
 * and the rows written after it, in order (up to N_ROWS). */
static const struct
{
  SyPolicy    policy;
  const char *label;
  const char *name;
  Row         rows[7];
} policies[] = {
  { SY_POLICY_NATIVE, N_("Native"), "native", { N_ROWS } },
  { SY_POLICY_TOPK, N_("Top-k"), "topk", { ROW_K, N_ROWS } },
  { SY_POLICY_TOPP, N_("Top-p"), "topp", { ROW_P, N_ROWS } },
  { SY_POLICY_MINP, N_("Min-p (relative)"), "minp", { ROW_T, N_ROWS } },
  /* ik_llama.cpp's -ser Kmin,t: both always written */
  { SY_POLICY_SER, N_("SER (smart expert reduction)"), "ser", { ROW_KMIN, ROW_T, N_ROWS } },
  { SY_POLICY_DA, N_("DA-MoE (importance)"), "da", { ROW_K, ROW_MAP, N_ROWS } },
  { SY_POLICY_QUANTILE, N_("Quantile (DynaMoE)"), "quantile", { ROW_Q, N_ROWS } },
  { SY_POLICY_ADR, N_("ADR (shallow/deep)"), "adr",
    { ROW_THETA, ROW_GAMMA, ROW_U, ROW_KDEEP, ROW_KSHALLOW, ROW_SHALLOW, N_ROWS } },
};

static const char * const schedule_ids[] = {
  "none", "uniform", "descending", "ascending", "pyramid", "valley", "wave",
};
static const char * const schedule_labels[] = {
  N_("None"), N_("Uniform"), N_("Descending"), N_("Ascending"),
  N_("Pyramid"), N_("Valley"), N_("Wave"),
};
static const char * const weight_ids[] = { "native", "raw", "renorm" };
static const char * const weight_labels[] = {
  N_("As the model does"), N_("Raw probabilities"), N_("Renormalised"),
};

#define P(x) (1u << SY_POLICY_##x)
#define ALL_BUT_NATIVE (P (TOPK) | P (TOPP) | P (MINP) | P (DA) | P (QUANTILE) | P (ADR) | P (SER))

static const guint row_policies[N_ROWS] = {
  [ROW_K] = P (TOPK) | P (DA),
  [ROW_P] = P (TOPP),
  [ROW_T] = P (MINP) | P (SER),
  [ROW_Q] = P (QUANTILE),
  [ROW_KMIN] = P (TOPP) | P (MINP) | P (DA) | P (SER),
  [ROW_KMAX] = P (TOPP) | P (MINP) | P (DA),
  [ROW_MAP] = P (DA),
  [ROW_THETA] = P (ADR),
  [ROW_GAMMA] = P (ADR),
  [ROW_U] = P (ADR),
  [ROW_KDEEP] = P (ADR),
  [ROW_KSHALLOW] = P (ADR),
  [ROW_SHALLOW] = P (ADR),
  [ROW_WEIGHTS] = ALL_BUT_NATIVE,
  [ROW_SCHEDULE] = ALL_BUT_NATIVE,
  [ROW_KLO] = ALL_BUT_NATIVE,
  [ROW_KHI] = ALL_BUT_NATIVE,
  [ROW_CYCLES] = ALL_BUT_NATIVE,
};

/* What a row of the grid shows: its label, its tooltip, and a spin
 * button (@lo to @hi), a scale (0 to 1) or a drop-down of @labels, which
 * starts at @value (spin button, scale).  A row a policy writes after
 * its name in the spec (policies[].rows) is written as @key=value: an
 * integer, a number with two decimals, or @ids of the drop-down's
 * choice where it is not the first. */
typedef enum
{
  CONTROL_SPIN, CONTROL_SCALE, CONTROL_DROPDOWN
} Control;

typedef struct
{
  const char         *label;
  const char         *tooltip;
  Control             control;
  double              value;
  int                 lo, hi;
  const char * const *labels;
  guint               n_labels;
  const char         *key;
  const char * const *ids;
} RowSpec;

static const char * const map_labels[] = { N_("Budget"), N_("Linear") };
static const char * const map_ids[] = { "budget", "linear" };
static const char * const shallow_labels[] = { N_("Top experts"), N_("Shared experts only") };
static const char * const shallow_ids[] = { "top", "shared" };

static const RowSpec row_specs[N_ROWS] = {
  [ROW_K] = { N_("_k"), N_("Experts per token (Top-k), or the mean budget (DA-MoE)"),
              CONTROL_SPIN, 2, 1, 64, .key = "k" },
  [ROW_P] = { N_("_p"), N_("Top-p: the fewest experts whose probabilities sum past p"),
              CONTROL_SCALE, 0.4, .key = "p" },
  [ROW_T] = { N_("_t"), N_("Keep experts with at least t times the top expert's probability"),
              CONTROL_SCALE, 0.5, .key = "t" },
  [ROW_Q] = { N_("_q"), N_("Quantile of all router probabilities of a layer that an expert must reach"),
              CONTROL_SCALE, 0.9, .key = "q" },
  [ROW_KMIN] = { N_("k mi_n"), N_("Never fewer experts than this"), CONTROL_SPIN, 1, 1, 64,
                 .key = "kmin" },
  [ROW_KMAX] = { N_("k ma_x"), N_("Never more experts than this"), CONTROL_SPIN, 8, 1, 64 },
  [ROW_MAP] = { N_("_Map"), N_("How importance becomes K: share of a budget, or linear between k min and k max"),
                CONTROL_DROPDOWN, 0, 0, 0, map_labels, G_N_ELEMENTS (map_labels), "map", map_ids },
  [ROW_THETA] = { N_("θ"), N_("Complexity at or above which a token goes deep"),
                  CONTROL_SCALE, 0.5, .key = "theta" },
  [ROW_GAMMA] = { N_("γ"), N_("How strongly urgency pushes toward shallow"), CONTROL_SCALE, 0.5,
                  .key = "gamma" },
  [ROW_U] = { N_("_Urgency"), N_("Task urgency U in [0, 1]"), CONTROL_SCALE, 0.0, .key = "u" },
  [ROW_KDEEP] = { N_("k _deep"), N_("Experts for a deep token"), CONTROL_SPIN, 2, 1, 64,
                  .key = "kdeep" },
  [ROW_KSHALLOW] = { N_("k _shallow"), N_("Experts for a shallow token"), CONTROL_SPIN, 1, 1, 64,
                     .key = "kshallow" },
  [ROW_SHALLOW] = { N_("S_hallow"), N_("What a shallow token runs"),
                    CONTROL_DROPDOWN, 0, 0, 0, shallow_labels, G_N_ELEMENTS (shallow_labels),
                    "shallow", shallow_ids },
  [ROW_WEIGHTS] = { N_("_Weights"), N_("How the chosen experts are weighted"),
                    CONTROL_DROPDOWN, 0, 0, 0, weight_labels, G_N_ELEMENTS (weight_labels) },
  [ROW_SCHEDULE] = { N_("_Schedule"), N_("DynaMoE layer schedule: a per-layer cap on K"),
                     CONTROL_DROPDOWN, 0, 0, 0, schedule_labels, G_N_ELEMENTS (schedule_labels) },
  [ROW_KLO] = { N_("k _lo"), N_("Lowest cap of the schedule"), CONTROL_SPIN, 1, 1, 64 },
  [ROW_KHI] = { N_("k h_i"), N_("Highest cap of the schedule"), CONTROL_SPIN, 4, 1, 64 },
  [ROW_CYCLES] = { N_("_Cycles"), N_("Waves of the wave schedule across depth"),
                   CONTROL_SPIN, 2, 1, 16 },
};

struct _SyRouterControls
{
  GtkBox             parent_instance;

  GtkDropDown       *policy;
  GtkWidget         *rows[N_ROWS];
  GtkWidget         *controls[N_ROWS];   /* spin button, scale or drop-down */
  GtkWidget         *noncausal_note;
  GtkWidget         *preview;
  GtkWidget         *status;
  GtkWidget         *calibrate_button;
  GtkWidget         *reset_button;

  SyRouterModelInfo  info;
  gboolean           has_info;
  gboolean           updating;

  /* The policies the drop-down offers (sy_router_controls_limit_policies):
   * indices into policies[], in order; Native is always first. */
  guint              shown[G_N_ELEMENTS (policies)];
  guint              n_shown;
  char              *native_label;       /* NULL: "Native" */
  char              *limit_reason;       /* shown when policies are left out */

  /* Bound (sy_router_controls_bind_worker) */
  SyWorker          *worker;
  SySlot             slot;
};

G_DEFINE_FINAL_TYPE (SyRouterControls, sy_router_controls, GTK_TYPE_BOX)

enum { CHANGED, RESET, CALIBRATE, N_SIGNALS };
static guint signals[N_SIGNALS];

static SyPolicy
current_policy (SyRouterControls *self)
{
  guint i = gtk_drop_down_get_selected (self->policy);

  return i < self->n_shown ? policies[self->shown[i]].policy : SY_POLICY_NATIVE;
}

/* The drop-down's position of @policy, or G_MAXUINT when it is not shown. */
static guint
policy_position (SyRouterControls *self,
                 SyPolicy          policy)
{
  for (guint i = 0; i < self->n_shown; i++)
    if (policies[self->shown[i]].policy == policy)
      return i;
  return G_MAXUINT;
}

static int
spin_value (SyRouterControls *self,
            Row               row)
{
  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->controls[row]));
}

static double
scale_value (SyRouterControls *self,
             Row               row)
{
  return gtk_range_get_value (GTK_RANGE (self->controls[row]));
}

static guint
dropdown_value (SyRouterControls *self,
                Row               row)
{
  return gtk_drop_down_get_selected (GTK_DROP_DOWN (self->controls[row]));
}

static int
default_khi (SyRouterControls *self)
{
  return MIN (self->info.n_experts, 2 * self->info.native_k);
}

/* Writes row @r as key=value after *@sep (a drop-down at its first
 * choice writes nothing). */
static void
append_row (SyRouterControls  *self,
            GString           *s,
            Row                r,
            const char       **sep)
{
  const RowSpec *spec = &row_specs[r];

  switch (spec->control)
    {
    case CONTROL_SPIN:
      g_string_append_printf (s, "%s%s=%d", *sep, spec->key, spin_value (self, r));
      break;
    case CONTROL_SCALE:
      g_string_append_printf (s, "%s%s=%.2f", *sep, spec->key, scale_value (self, r));
      break;
    case CONTROL_DROPDOWN:
    default:
      if (dropdown_value (self, r) == 0)
        return;
      g_string_append_printf (s, "%s%s=%s", *sep, spec->key, spec->ids[dropdown_value (self, r)]);
      break;
    }
  *sep = ",";
}

char *
sy_router_controls_get_spec_string (SyRouterControls *self)
{
  SyPolicy policy;
  GString *s;
  const char *sep = ":";
  guint sched;

  g_return_val_if_fail (SY_IS_ROUTER_CONTROLS (self), NULL);

  policy = current_policy (self);
  if (policy == SY_POLICY_NATIVE || !self->has_info)
    return g_strdup ("native");

#define OPT(fmt, ...) G_STMT_START { g_string_append_printf (s, "%s" fmt, sep, __VA_ARGS__); sep = ","; } G_STMT_END
  s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    if (policies[i].policy == policy)
      {
        g_string_append (s, policies[i].name);
        for (const Row *r = policies[i].rows; *r != N_ROWS; r++)
          append_row (self, s, *r, &sep);
      }

  if ((row_policies[ROW_KMIN] & (1u << policy)) && policy != SY_POLICY_SER)
    {
      int kmin = spin_value (self, ROW_KMIN);
      int kmax = spin_value (self, ROW_KMAX);
      int def_kmax = policy == SY_POLICY_DA ? default_khi (self) : self->info.n_experts;

      if (kmin != 1)
        OPT ("kmin=%d", kmin);
      if (kmax != def_kmax)
        OPT ("kmax=%d", kmax);
    }

  sched = dropdown_value (self, ROW_SCHEDULE);
  if (sched > 0 && sched < G_N_ELEMENTS (schedule_ids))
    {
      OPT ("schedule=%s", schedule_ids[sched]);
      if (spin_value (self, ROW_KLO) != 1)
        OPT ("klo=%d", spin_value (self, ROW_KLO));
      if (spin_value (self, ROW_KHI) != default_khi (self))
        OPT ("khi=%d", spin_value (self, ROW_KHI));
      if (sched == SY_SCHEDULE_WAVE && spin_value (self, ROW_CYCLES) != 2)
        OPT ("cycles=%d", spin_value (self, ROW_CYCLES));
    }

  if (dropdown_value (self, ROW_WEIGHTS) > 0)
    OPT ("weights=%s", weight_ids[dropdown_value (self, ROW_WEIGHTS)]);
#undef OPT

  return g_string_free (s, FALSE);
}

static void
update_visibility (SyRouterControls *self)
{
  SyPolicy policy = current_policy (self);
  guint sched = dropdown_value (self, ROW_SCHEDULE);

  for (int r = 0; r < N_ROWS; r++)
    {
      gboolean visible = (row_policies[r] & (1u << policy)) != 0;

      if (r == ROW_KLO || r == ROW_KHI)
        visible = visible && sched > 0;
      if (r == ROW_CYCLES)
        visible = visible && sched == SY_SCHEDULE_WAVE;
      if (r == ROW_SHALLOW)
        visible = visible && self->info.has_shared_experts;
      if (r == ROW_KMAX && policy == SY_POLICY_SER)
        visible = FALSE;   /* ser goes up to the model's own k */
      gtk_widget_set_visible (self->rows[r], visible);
    }
  gtk_widget_set_visible (self->noncausal_note,
                          policy == SY_POLICY_DA || policy == SY_POLICY_QUANTILE);
  gtk_widget_set_visible (self->preview, policy != SY_POLICY_NATIVE && sched > 0);
  gtk_widget_set_sensitive (self->calibrate_button,
                            policy == SY_POLICY_TOPP || policy == SY_POLICY_MINP ||
                            policy == SY_POLICY_SER || policy == SY_POLICY_QUANTILE);
}

static void
emit_changed (SyRouterControls *self)
{
  update_visibility (self);
  gtk_widget_queue_draw (self->preview);
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_value_changed (SyRouterControls *self)
{
  emit_changed (self);
}

/* The schedule preview: one bar per MoE layer, K_max(l). */
static void
draw_preview (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        user_data)
{
  SyRouterControls *self = user_data;
  g_autofree char *text = sy_router_controls_get_spec_string (self);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (text, NULL);
  GdkRGBA fg;
  int L = self->info.n_moe_layers;
  int E = self->info.n_experts;
  double bar_w;

  if (spec == NULL || !self->has_info || L <= 0 || E <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  bar_w = (double) width / L;
  for (int l = 0; l < L; l++)
    {
      int budget = sy_router_layer_budget (spec, &self->info, l);
      double h = (height - 2) * (double) budget / E;

      cairo_rectangle (cr, l * bar_w + 1, height - h, MAX (1, bar_w - 2), h);
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
  cairo_fill (cr);
}

/* Builders */

static GtkWidget *
new_spin (SyRouterControls *self,
          int               lo,
          int               hi,
          int               value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (on_value_changed), self);
  return spin;
}

static GtkWidget *
new_scale (SyRouterControls *self,
           double            value)
{
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.01);

  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
  gtk_range_set_value (GTK_RANGE (scale), value);
  g_signal_connect_swapped (scale, "value-changed", G_CALLBACK (on_value_changed), self);
  return scale;
}

static GtkWidget *
new_dropdown (SyRouterControls   *self,
              const char * const *labels,
              guint               n)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);
  GtkWidget *dd;

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, _(labels[i]));
  dd = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
  g_signal_connect_swapped (dd, "notify::selected", G_CALLBACK (on_value_changed), self);
  return dd;
}

/* The control of @spec */
static GtkWidget *
new_control (SyRouterControls *self,
             const RowSpec    *spec)
{
  switch (spec->control)
    {
    case CONTROL_SPIN:
      return new_spin (self, spec->lo, spec->hi, (int) spec->value);
    case CONTROL_SCALE:
      return new_scale (self, spec->value);
    case CONTROL_DROPDOWN:
    default:
      return new_dropdown (self, spec->labels, spec->n_labels);
    }
}

/* Row @row of the grid, as row_specs[] says. */
static void
add_row (SyRouterControls *self,
         GtkGrid          *grid,
         Row               row)
{
  GtkWidget *control = new_control (self, &row_specs[row]);
  const char *tooltip = _(row_specs[row].tooltip);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *lab = gtk_label_new_with_mnemonic (_(row_specs[row].label));

  gtk_label_set_xalign (GTK_LABEL (lab), 0);
  gtk_widget_set_size_request (lab, 64, -1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (lab), control);
  gtk_widget_set_hexpand (control, TRUE);
  gtk_widget_set_tooltip_text (box, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, gtk_label_get_text (GTK_LABEL (lab)),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip,
                                  -1);
  gtk_box_append (GTK_BOX (box), lab);
  gtk_box_append (GTK_BOX (box), control);
  gtk_grid_attach (grid, box, 0, row, 1, 1);
  self->rows[row] = box;
  self->controls[row] = control;
}

static void
set_spin_range (SyRouterControls *self,
                Row               row,
                int               lo,
                int               hi,
                int               value)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (self->controls[row]);

  gtk_spin_button_set_range (spin, lo, hi);
  gtk_spin_button_set_value (spin, value);
}

void
sy_router_controls_set_model_info (SyRouterControls        *self,
                                   const SyRouterModelInfo *info)
{
  int E, k;

  g_return_if_fail (SY_IS_ROUTER_CONTROLS (self));

  self->has_info = info != NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self), info != NULL);
  if (info == NULL)
    return;

  self->info = *info;
  self->info.native = NULL;   /* borrowed pointer: not kept */
  E = info->n_experts;
  k = info->native_k;

  self->updating = TRUE;
  set_spin_range (self, ROW_K, 1, E, k);
  set_spin_range (self, ROW_KMIN, 1, E, 1);
  set_spin_range (self, ROW_KMAX, 1, E, E);
  set_spin_range (self, ROW_KDEEP, 1, E, k);
  set_spin_range (self, ROW_KSHALLOW, 1, E, 1);
  set_spin_range (self, ROW_KLO, 1, E, 1);
  set_spin_range (self, ROW_KHI, 1, E, MIN (E, 2 * k));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_SHALLOW]), 0);
  self->updating = FALSE;
  emit_changed (self);
}

void
sy_router_controls_change_model (SyRouterControls        *self,
                                 const SyRouterModelInfo *info)
{
  g_autofree char *spec = sy_router_controls_get_spec_string (self);

  sy_router_controls_set_model_info (self, info);
  sy_router_controls_set_spec_string (self, spec, NULL);
}

gboolean
sy_router_controls_set_spec_string (SyRouterControls  *self,
                                    const char        *text,
                                    GError           **error)
{
  g_autoptr (SyRouterSpec) spec = NULL;
  int E, k;

  g_return_val_if_fail (SY_IS_ROUTER_CONTROLS (self), FALSE);

  spec = sy_router_spec_parse (text, error);
  if (spec == NULL)
    return FALSE;
  if (self->has_info && !sy_router_spec_check (spec, &self->info, error))
    return FALSE;

  E = self->has_info ? self->info.n_experts : 64;
  k = self->has_info ? self->info.native_k : 2;

  if (policy_position (self, spec->policy) == G_MAXUINT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s",
                   self->limit_reason ? self->limit_reason : _("This policy is not available here"));
      return FALSE;
    }

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->policy, policy_position (self, spec->policy));

#define SPIN(row, v, def) gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->controls[row]), (v) > 0 ? (v) : (def))
#define SCALE(row, v, def) gtk_range_set_value (GTK_RANGE (self->controls[row]), isnan (v) ? (def) : (v))
  SPIN (ROW_K, spec->k, k);
  SCALE (ROW_P, spec->p, 0.4);
  SCALE (ROW_T, spec->t, 0.5);
  SCALE (ROW_Q, spec->q, 0.9);
  SPIN (ROW_KMIN, spec->kmin, 1);
  SPIN (ROW_KMAX, spec->kmax, spec->policy == SY_POLICY_DA ? MIN (E, 2 * k) : E);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_MAP]), spec->map == SY_DA_MAP_LINEAR);
  SCALE (ROW_THETA, spec->theta, 0.5);
  SCALE (ROW_GAMMA, spec->gamma, 0.5);
  SCALE (ROW_U, spec->u, 0.0);
  SPIN (ROW_KDEEP, spec->kdeep, k);
  SPIN (ROW_KSHALLOW, spec->kshallow, 1);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_SHALLOW]),
                              spec->shallow == SY_ADR_SHALLOW_SHARED);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_WEIGHTS]), spec->weights);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_SCHEDULE]),
                              spec->schedule < G_N_ELEMENTS (schedule_ids) ? spec->schedule : 0);
  SPIN (ROW_KLO, spec->klo, 1);
  SPIN (ROW_KHI, spec->khi, MIN (E, 2 * k));
  SPIN (ROW_CYCLES, isnan (spec->cycles) ? 0 : (int) spec->cycles, 2);
#undef SPIN
#undef SCALE
  self->updating = FALSE;
  emit_changed (self);
  return TRUE;
}

void
sy_router_controls_set_status (SyRouterControls *self,
                               const char       *text)
{
  g_return_if_fail (SY_IS_ROUTER_CONTROLS (self));
  gtk_label_set_text (GTK_LABEL (self->status), text ? text : "");
}

static void
on_reset_clicked (SyRouterControls *self)
{
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->policy, 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_SCHEDULE]), 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->controls[ROW_WEIGHTS]), 0);
  self->updating = FALSE;
  emit_changed (self);
  g_signal_emit (self, signals[RESET], 0);
}

static void
on_calibrate_clicked (SyRouterControls *self)
{
  g_signal_emit (self, signals[CALIBRATE], 0);
}

gboolean
sy_router_controls_apply (SyRouterControls *self)
{
  g_autofree char *text = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (SY_IS_ROUTER_CONTROLS (self), FALSE);
  g_return_val_if_fail (self->worker != NULL, FALSE);

  text = sy_router_controls_get_spec_string (self);
  spec = sy_router_spec_parse (text, &error);
  if (spec == NULL || !sy_worker_set_router (self->worker, self->slot, spec, &error))
    {
      sy_router_controls_set_status (self, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
on_bound_changed (SyRouterControls *self)
{
  sy_router_controls_apply (self);
}

static void
on_calibrated (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (SyRouterControls) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = sy_worker_calibrate_finish (SY_WORKER (object), result, &error);

  if (spec == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sy_router_controls_set_status (self, error->message);
    }
  else
    sy_router_controls_set_spec_string (self, spec, NULL);
}

static void
on_bound_calibrate (SyRouterControls *self)
{
  g_autofree char *text = sy_router_controls_get_spec_string (self);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (text, NULL);
  SyModel *model = sy_worker_get_model (self->worker);

  if (spec == NULL || model == NULL)
    return;
  sy_router_controls_set_status (self, _("Matching the native cost…"));
  sy_worker_calibrate_async (self->worker, spec, sy_model_get_info (model)->native_k,
                             NULL, on_calibrated, g_object_ref (self));
}

void
sy_router_controls_bind_worker (SyRouterControls *self,
                                SyWorker         *worker,
                                SySlot            slot)
{
  g_return_if_fail (SY_IS_ROUTER_CONTROLS (self));
  g_return_if_fail (SY_IS_WORKER (worker));
  g_return_if_fail (self->worker == NULL);

  self->worker = g_object_ref (worker);
  self->slot = slot;
  g_signal_connect (self, "changed", G_CALLBACK (on_bound_changed), NULL);
  g_signal_connect (self, "calibrate", G_CALLBACK (on_bound_calibrate), NULL);
}

/* Fills the policy drop-down with the policies of @mask (Native always). */
static void
fill_policies (SyRouterControls *self,
               guint             mask)
{
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);

  self->n_shown = 0;
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    if (policies[i].policy == SY_POLICY_NATIVE || (mask & (1u << policies[i].policy)))
      {
        self->shown[self->n_shown++] = i;
        gtk_string_list_append (names, policies[i].policy == SY_POLICY_NATIVE && self->native_label
                                       ? self->native_label : _(policies[i].label));
      }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->policy, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->policy, 0);
  self->updating = FALSE;
}

void
sy_router_controls_limit_policies (SyRouterControls *self,
                                   guint             mask,
                                   const char       *native_label,
                                   const char       *reason)
{
  g_return_if_fail (SY_IS_ROUTER_CONTROLS (self));

  g_free (self->native_label);
  self->native_label = g_strdup (native_label);
  g_free (self->limit_reason);
  self->limit_reason = g_strdup (reason);
  fill_policies (self, mask);
  sy_router_controls_set_status (self, reason);
  emit_changed (self);
}

static void
sy_router_controls_dispose (GObject *object)
{
  SyRouterControls *self = SY_ROUTER_CONTROLS (object);

  g_clear_object (&self->worker);
  G_OBJECT_CLASS (sy_router_controls_parent_class)->dispose (object);
}

static void
sy_router_controls_finalize (GObject *object)
{
  SyRouterControls *self = SY_ROUTER_CONTROLS (object);

  g_free (self->native_label);
  g_free (self->limit_reason);
  G_OBJECT_CLASS (sy_router_controls_parent_class)->finalize (object);
}

static void
sy_router_controls_class_init (SyRouterControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_router_controls_dispose;
  object_class->finalize = sy_router_controls_finalize;

  signals[CHANGED] = sy_signal_new (klass, "changed", 0);
  signals[RESET] = sy_signal_new (klass, "reset", 0);
  signals[CALIBRATE] = sy_signal_new (klass, "calibrate", 0);
  gtk_widget_class_set_css_name (widget_class, "routercontrols");
}

static void
sy_router_controls_init (SyRouterControls *self)
{
  GtkWidget *heading, *grid, *buttons, *policy_box, *policy_label;
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 8);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 12);

  heading = gtk_label_new (_("Routing"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (self), heading);

  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    {
      gtk_string_list_append (names, _(policies[i].label));
      self->shown[i] = i;
    }
  self->n_shown = G_N_ELEMENTS (policies);
  self->policy = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL));
  g_signal_connect_swapped (self->policy, "notify::selected", G_CALLBACK (on_value_changed), self);
  policy_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  policy_label = gtk_label_new_with_mnemonic (_("_Policy"));
  gtk_label_set_xalign (GTK_LABEL (policy_label), 0);
  gtk_widget_set_size_request (policy_label, 64, -1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (policy_label), GTK_WIDGET (self->policy));
  gtk_widget_set_hexpand (GTK_WIDGET (self->policy), TRUE);
  gtk_widget_set_tooltip_text (policy_box, _("How the router picks experts at every MoE layer"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->policy),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Routing policy"), -1);
  gtk_box_append (GTK_BOX (policy_box), policy_label);
  gtk_box_append (GTK_BOX (policy_box), GTK_WIDGET (self->policy));
  gtk_box_append (GTK_BOX (self), policy_box);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_box_append (GTK_BOX (self), grid);

  for (Row row = 0; row < N_ROWS; row++)
    add_row (self, GTK_GRID (grid), row);

  self->preview = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->preview), 36);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->preview), draw_preview, self, NULL);
  gtk_widget_set_tooltip_text (self->preview, _("Budget per layer (K cap), first layer on the left"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->preview),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Schedule preview"), -1);
  gtk_box_append (GTK_BOX (self), self->preview);

  self->noncausal_note = gtk_label_new (_("Not causal: a token's K depends on later tokens, so every edit recomputes the whole text."));
  gtk_label_set_wrap (GTK_LABEL (self->noncausal_note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->noncausal_note), 0);
  gtk_widget_add_css_class (self->noncausal_note, "dim-label");
  gtk_widget_add_css_class (self->noncausal_note, "caption");
  gtk_box_append (GTK_BOX (self), self->noncausal_note);

  buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->calibrate_button = gtk_button_new_with_mnemonic (_("_Match Native Cost"));
  gtk_widget_set_tooltip_text (self->calibrate_button,
                               _("Find the threshold whose average K on this text equals the model's native k"));
  g_signal_connect_swapped (self->calibrate_button, "clicked", G_CALLBACK (on_calibrate_clicked), self);
  self->reset_button = gtk_button_new_with_mnemonic (_("_Reset to Native"));
  gtk_widget_set_tooltip_text (self->reset_button, _("Route as the model was trained"));
  g_signal_connect_swapped (self->reset_button, "clicked", G_CALLBACK (on_reset_clicked), self);
  gtk_box_append (GTK_BOX (buttons), self->calibrate_button);
  gtk_box_append (GTK_BOX (buttons), self->reset_button);
  gtk_box_append (GTK_BOX (self), buttons);

  self->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_widget_add_css_class (self->status, "dim-label");
  gtk_box_append (GTK_BOX (self), self->status);

  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  update_visibility (self);
}

GtkWidget *
sy_router_controls_new (void)
{
  return g_object_new (SY_TYPE_ROUTER_CONTROLS, NULL);
}
