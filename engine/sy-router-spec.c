/* sy-router-spec.c: router SPEC strings (docs/cli.md "Router SPEC")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Grammar: POLICY[:KEY=VALUE[,KEY=VALUE]...].  Spaces around names and
 * values are ignored (ours).  Each option may be given once.  Options are
 * checked against the policy (an option of another policy is an error that
 * names it), values against their range; what needs the model (k <= E, the
 * length of a custom schedule, shallow=shared) is checked by
 * sy_router_spec_check().
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"

static const char * const policy_names[] = {
  [SY_POLICY_NATIVE] = "native",
  [SY_POLICY_TOPK] = "topk",
  [SY_POLICY_TOPP] = "topp",
  [SY_POLICY_MINP] = "minp",
  [SY_POLICY_DA] = "da",
  [SY_POLICY_QUANTILE] = "quantile",
  [SY_POLICY_ADR] = "adr",
  [SY_POLICY_SER] = "ser",
};

static const char * const schedule_names[] = {
  [SY_SCHEDULE_NONE] = "none",
  [SY_SCHEDULE_UNIFORM] = "uniform",
  [SY_SCHEDULE_DESCENDING] = "descending",
  [SY_SCHEDULE_ASCENDING] = "ascending",
  [SY_SCHEDULE_PYRAMID] = "pyramid",
  [SY_SCHEDULE_VALLEY] = "valley",
  [SY_SCHEDULE_WAVE] = "wave",
  [SY_SCHEDULE_CUSTOM] = "custom",
};

static const char * const weight_names[] = {
  [SY_WEIGHTS_NATIVE] = "native",
  [SY_WEIGHTS_RAW] = "raw",
  [SY_WEIGHTS_RENORM] = "renorm",
};

/* Options, and which policies take them (bit = 1 << SyPolicy). */
typedef enum
{
  OPT_K, OPT_P, OPT_T, OPT_Q, OPT_KMIN, OPT_KMAX, OPT_MAP, OPT_THETA,
  OPT_GAMMA, OPT_U, OPT_KDEEP, OPT_KSHALLOW, OPT_SHALLOW, OPT_SCHEDULE,
  OPT_KLO, OPT_KHI, OPT_CYCLES, OPT_CUSTOM, OPT_WEIGHTS, N_OPTS
} Opt;

#define P(x) (1u << SY_POLICY_##x)
#define ALL_BUT_NATIVE (P (TOPK) | P (TOPP) | P (MINP) | P (DA) | P (QUANTILE) | P (ADR) | P (SER))

static const struct
{
  const char *name;
  guint       policies;
} options[N_OPTS] = {
  [OPT_K] = { "k", P (TOPK) | P (DA) },
  [OPT_P] = { "p", P (TOPP) },
  [OPT_T] = { "t", P (MINP) | P (SER) },
  [OPT_Q] = { "q", P (QUANTILE) },
  [OPT_KMIN] = { "kmin", P (TOPP) | P (MINP) | P (DA) | P (SER) },
  [OPT_KMAX] = { "kmax", P (TOPP) | P (MINP) | P (DA) },
  [OPT_MAP] = { "map", P (DA) },
  [OPT_THETA] = { "theta", P (ADR) },
  [OPT_GAMMA] = { "gamma", P (ADR) },
  [OPT_U] = { "u", P (ADR) },
  [OPT_KDEEP] = { "kdeep", P (ADR) },
  [OPT_KSHALLOW] = { "kshallow", P (ADR) },
  [OPT_SHALLOW] = { "shallow", P (ADR) },
  [OPT_SCHEDULE] = { "schedule", ALL_BUT_NATIVE },
  [OPT_KLO] = { "klo", ALL_BUT_NATIVE },
  [OPT_KHI] = { "khi", ALL_BUT_NATIVE },
  [OPT_CYCLES] = { "cycles", ALL_BUT_NATIVE },
  [OPT_CUSTOM] = { "custom", ALL_BUT_NATIVE },
  [OPT_WEIGHTS] = { "weights", ALL_BUT_NATIVE | P (NATIVE) },
};

#undef P

const char *
sy_router_policy_name (SyPolicy policy)
{
  if ((guint) policy < G_N_ELEMENTS (policy_names))
    return policy_names[policy];
  return "?";
}

const char *
sy_router_schedule_name (SySchedule schedule)
{
  if ((guint) schedule < G_N_ELEMENTS (schedule_names))
    return schedule_names[schedule];
  return "?";
}

static void
spec_init (SyRouterSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->p = spec->t = spec->q = NAN;
  spec->theta = spec->gamma = spec->u = NAN;
  spec->cycles = NAN;
}

static gboolean
parse_double (const char  *key,
              const char  *value,
              double      *out,
              GError     **error)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (*value == '\0' || end == value || *end != '\0' || errno == ERANGE || !isfinite (v))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: %s=%s: not a number", key, value);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_int (const char  *key,
           const char  *value,
           int         *out,
           GError     **error)
{
  char *end = NULL;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (value, &end, 10);
  if (*value == '\0' || end == value || *end != '\0' || errno == ERANGE)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: %s=%s: not an integer", key, value);
      return FALSE;
    }
  if (v < 1 || v > 1 << 20)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: %s=%s: must be at least 1", key, value);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_unit (const char  *key,
            const char  *value,
            double      *out,
            GError     **error)
{
  if (!parse_double (key, value, out, error))
    return FALSE;
  if (*out < 0 || *out > 1)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: %s=%s is outside [0,1]", key, value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_custom (const char    *value,
              SyRouterSpec  *spec,
              GError       **error)
{
  g_auto(GStrv) parts = g_strsplit (value, "/", -1);
  int n = g_strv_length (parts);

  if (n == 0 || *value == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: custom= needs a '/'-separated list of per-layer K (custom=4/3/2)");
      return FALSE;
    }
  spec->custom = g_new0 (int, n);
  spec->n_custom = n;
  for (int i = 0; i < n; i++)
    {
      g_strstrip (parts[i]);
      if (!parse_int ("custom", parts[i], &spec->custom[i], error))
        {
          g_prefix_error (error, "entry %d of custom=%s: ", i + 1, value);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_option (SyRouterSpec  *spec,
              Opt            opt,
              const char    *value,
              GError       **error)
{
  const char *key = options[opt].name;

  switch (opt)
    {
    case OPT_K:
      if (g_strcmp0 (value, "native") == 0)
        {
          spec->k = 0;
          return TRUE;
        }
      return parse_int (key, value, &spec->k, error);
    case OPT_P:
      return parse_unit (key, value, &spec->p, error);
    case OPT_T:
      return parse_unit (key, value, &spec->t, error);
    case OPT_Q:
      return parse_unit (key, value, &spec->q, error);
    case OPT_THETA:
      return parse_unit (key, value, &spec->theta, error);
    case OPT_U:
      return parse_unit (key, value, &spec->u, error);
    case OPT_GAMMA:
      if (!parse_double (key, value, &spec->gamma, error))
        return FALSE;
      if (spec->gamma < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: gamma=%s must not be negative", value);
          return FALSE;
        }
      return TRUE;
    case OPT_CYCLES:
      if (!parse_double (key, value, &spec->cycles, error))
        return FALSE;
      if (spec->cycles <= 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: cycles=%s must be positive", value);
          return FALSE;
        }
      return TRUE;
    case OPT_KMIN:
      return parse_int (key, value, &spec->kmin, error);
    case OPT_KMAX:
      return parse_int (key, value, &spec->kmax, error);
    case OPT_KDEEP:
      return parse_int (key, value, &spec->kdeep, error);
    case OPT_KSHALLOW:
      return parse_int (key, value, &spec->kshallow, error);
    case OPT_KLO:
      return parse_int (key, value, &spec->klo, error);
    case OPT_KHI:
      return parse_int (key, value, &spec->khi, error);
    case OPT_MAP:
      if (g_strcmp0 (value, "budget") == 0)
        spec->map = SY_DA_MAP_BUDGET;
      else if (g_strcmp0 (value, "linear") == 0)
        spec->map = SY_DA_MAP_LINEAR;
      else
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: unknown map '%s' (budget or linear)", value);
          return FALSE;
        }
      return TRUE;
    case OPT_SHALLOW:
      if (g_strcmp0 (value, "top") == 0)
        spec->shallow = SY_ADR_SHALLOW_TOP;
      else if (g_strcmp0 (value, "shared") == 0)
        spec->shallow = SY_ADR_SHALLOW_SHARED;
      else
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: unknown shallow '%s' (top or shared)", value);
          return FALSE;
        }
      return TRUE;
    case OPT_SCHEDULE:
      for (guint i = SY_SCHEDULE_UNIFORM; i < G_N_ELEMENTS (schedule_names); i++)
        if (g_strcmp0 (value, schedule_names[i]) == 0)
          {
            spec->schedule = i;
            return TRUE;
          }
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: unknown schedule '%s' (uniform, descending, ascending, "
                   "pyramid, valley, wave or custom)", value);
      return FALSE;
    case OPT_CUSTOM:
      return parse_custom (value, spec, error);
    case OPT_WEIGHTS:
      for (guint i = 0; i < G_N_ELEMENTS (weight_names); i++)
        if (g_strcmp0 (value, weight_names[i]) == 0)
          {
            spec->weights = i;
            return TRUE;
          }
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: unknown weights '%s' (native, raw or renorm)", value);
      return FALSE;
    case N_OPTS:
    default:
      break;
    }
  g_return_val_if_reached (FALSE);
}

/* The rules between options of one spec (parsed into @spec, @seen says
 * which were given). */
static gboolean
check_option_rules (SyRouterSpec    *spec,
                    const gboolean  *seen,
                    GError         **error)
{
  if (seen[OPT_CUSTOM] && !seen[OPT_SCHEDULE])
    spec->schedule = SY_SCHEDULE_CUSTOM;
  if (spec->schedule == SY_SCHEDULE_CUSTOM && !seen[OPT_CUSTOM])
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: schedule=custom needs custom=K0/K1/... (one K per MoE layer)");
  if (seen[OPT_CUSTOM] && spec->schedule != SY_SCHEDULE_CUSTOM)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: custom= needs schedule=custom, not schedule=%s",
                           schedule_names[spec->schedule]);
  if ((seen[OPT_KLO] || seen[OPT_KHI]) &&
      (spec->schedule == SY_SCHEDULE_NONE || spec->schedule == SY_SCHEDULE_CUSTOM))
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: option '%s' needs a schedule (uniform, descending, ascending, "
                           "pyramid, valley or wave)", seen[OPT_KLO] ? "klo" : "khi");
  if (seen[OPT_CYCLES] && spec->schedule != SY_SCHEDULE_WAVE)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: option 'cycles' applies only to schedule=wave");
  if (seen[OPT_KLO] && seen[OPT_KHI] && spec->klo > spec->khi)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: klo=%d is larger than khi=%d", spec->klo, spec->khi);
  if (seen[OPT_KMIN] && seen[OPT_KMAX] && spec->kmin > spec->kmax)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: kmin=%d is larger than kmax=%d", spec->kmin, spec->kmax);
  /* (ours) a schedule sets K for topk, so k and a schedule contradict. */
  if (spec->policy == SY_POLICY_TOPK && seen[OPT_K] && spec->schedule != SY_SCHEDULE_NONE)
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: topk takes either k= or schedule= (a schedule sets K per layer)");
  if (spec->policy == SY_POLICY_MINP && !seen[OPT_T])
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: minp needs t=T (keep experts with pi >= T x the top one's)");
  if (spec->policy == SY_POLICY_SER && !seen[OPT_T])
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "router spec: ser needs t=T (add experts while pi > T x the top one's)");
  return TRUE;
}

SyRouterSpec *
sy_router_spec_parse (const char  *text,
                      GError     **error)
{
  g_autoptr(SyRouterSpec) spec = NULL;
  g_autofree char *copy = NULL;
  g_auto(GStrv) items = NULL;
  gboolean seen[N_OPTS] = { FALSE, };
  const char *name;
  char *colon;
  gboolean found = FALSE;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec is empty (e.g. native, topk:k=2, topp:p=0.4)");
      return NULL;
    }

  spec = g_new0 (SyRouterSpec, 1);
  spec_init (spec);

  copy = g_strdup (text);
  colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  name = g_strstrip (copy);
  for (guint i = 0; i < G_N_ELEMENTS (policy_names); i++)
    if (g_strcmp0 (name, policy_names[i]) == 0)
      {
        spec->policy = i;
        found = TRUE;
      }
  if (!found)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: unknown policy '%s' (native, topk, topp, minp, ser, da, "
                   "quantile or adr)", name);
      return NULL;
    }

  if (colon)
    {
      char *rest = g_strstrip (colon + 1);

      if (*rest != '\0')
        items = g_strsplit (rest, ",", -1);
    }

  for (int i = 0; items && items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      char *eq = strchr (item, '=');
      char *key, *value;
      int opt = -1;

      if (*item == '\0')
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec '%s': empty option", text);
          return NULL;
        }
      if (eq == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: option '%s' needs a value (%s=...)", item, item);
          return NULL;
        }
      *eq = '\0';
      key = g_strstrip (item);
      value = g_strstrip (eq + 1);
      for (int o = 0; o < N_OPTS; o++)
        if (g_strcmp0 (key, options[o].name) == 0)
          opt = o;
      if (opt < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: unknown option '%s' for policy %s", key,
                       policy_names[spec->policy]);
          return NULL;
        }
      if (!(options[opt].policies & (1u << spec->policy)))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: option '%s' does not apply to policy %s", key,
                       policy_names[spec->policy]);
          return NULL;
        }
      if (seen[opt])
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: option '%s' given twice", key);
          return NULL;
        }
      seen[opt] = TRUE;
      if (!parse_option (spec, opt, value, error))
        return NULL;
    }

  if (!check_option_rules (spec, seen, error))
    return NULL;
  return g_steal_pointer (&spec);
}

SyRouterSpec *
sy_router_spec_copy (const SyRouterSpec *spec)
{
  SyRouterSpec *copy;

  if (spec == NULL)
    return NULL;
  copy = g_memdup2 (spec, sizeof *spec);
  copy->custom = spec->custom ? g_memdup2 (spec->custom, sizeof (int) * spec->n_custom) : NULL;
  return copy;
}

SyRouterSpec *
sy_router_spec_new_native (const SyRouterModelInfo *info)
{
  SyRouterSpec *spec;

  if (info != NULL && info->native != NULL)
    return sy_router_spec_copy (info->native);
  spec = g_new (SyRouterSpec, 1);
  spec_init (spec);
  spec->policy = SY_POLICY_NATIVE;
  spec->weights = SY_WEIGHTS_NATIVE;
  return spec;
}

const SyRouterSpec *
sy_router_spec_resolve (const SyRouterSpec      *spec,
                        const SyRouterModelInfo *info)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (spec->policy == SY_POLICY_NATIVE && info != NULL && info->native != NULL)
    return info->native;
  return spec;
}

void
sy_router_spec_free (SyRouterSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->custom);
  g_free (spec);
}

/* Shortest text that reads back as the same double. */
static void
append_double (GString    *s,
               const char *key,
               double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return;
  for (int prec = 1; prec <= 17; prec++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append_printf (s, ",%s=%s", key, buf);
}

static void
append_int (GString    *s,
            const char *key,
            int         v)
{
  if (v > 0)
    g_string_append_printf (s, ",%s=%d", key, v);
}

char *
sy_router_spec_to_string (const SyRouterSpec *spec)
{
  GString *s;

  g_return_val_if_fail (spec != NULL, NULL);

  s = g_string_new (NULL);
  append_int (s, "k", spec->k);
  append_double (s, "p", spec->p);
  if (spec->policy == SY_POLICY_SER)
    append_int (s, "kmin", spec->kmin);   /* ser:kmin=A,t=T as ik_llama.cpp's -ser Kmin,t */
  append_double (s, "t", spec->t);
  append_double (s, "q", spec->q);
  if (spec->policy != SY_POLICY_SER)
    append_int (s, "kmin", spec->kmin);
  append_int (s, "kmax", spec->kmax);
  if (spec->policy == SY_POLICY_DA && spec->map == SY_DA_MAP_LINEAR)
    g_string_append (s, ",map=linear");
  append_double (s, "theta", spec->theta);
  append_double (s, "gamma", spec->gamma);
  append_double (s, "u", spec->u);
  append_int (s, "kdeep", spec->kdeep);
  append_int (s, "kshallow", spec->kshallow);
  if (spec->policy == SY_POLICY_ADR && spec->shallow == SY_ADR_SHALLOW_SHARED)
    g_string_append (s, ",shallow=shared");
  if (spec->schedule != SY_SCHEDULE_NONE)
    g_string_append_printf (s, ",schedule=%s", sy_router_schedule_name (spec->schedule));
  append_int (s, "klo", spec->klo);
  append_int (s, "khi", spec->khi);
  append_double (s, "cycles", spec->cycles);
  if (spec->schedule == SY_SCHEDULE_CUSTOM && spec->n_custom > 0)
    {
      g_string_append (s, ",custom=");
      for (int i = 0; i < spec->n_custom; i++)
        g_string_append_printf (s, "%s%d", i ? "/" : "", spec->custom[i]);
    }
  if (spec->weights != SY_WEIGHTS_NATIVE && (guint) spec->weights < G_N_ELEMENTS (weight_names))
    g_string_append_printf (s, ",weights=%s", weight_names[spec->weights]);

  if (s->len > 0)
    s->str[0] = ':';
  g_string_prepend (s, sy_router_policy_name (spec->policy));
  return g_string_free (s, FALSE);
}

gboolean
sy_router_spec_is_causal (const SyRouterSpec *spec)
{
  g_return_val_if_fail (spec != NULL, TRUE);
  return spec->policy != SY_POLICY_DA && spec->policy != SY_POLICY_QUANTILE;
}

static gboolean
check_k (const char                *key,
         int                        v,
         int                        n_experts,
         GError                   **error)
{
  if (v != 0 && (v < 1 || v > n_experts))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: %s=%d is outside 1..%d (the model's number of experts)",
                   key, v, n_experts);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_router_spec_check (const SyRouterSpec       *spec,
                      const SyRouterModelInfo  *info,
                      GError                  **error)
{
  int E;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  E = info->n_experts;
  if (E < 1 || info->native_k < 1 || info->native_k > E || info->n_moe_layers < 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router: model has %d experts and top-%d routing, which is not a valid router",
                   E, info->native_k);
      return FALSE;
    }
  if ((guint) spec->policy >= G_N_ELEMENTS (policy_names) ||
      (guint) spec->schedule >= G_N_ELEMENTS (schedule_names) ||
      (guint) spec->weights >= G_N_ELEMENTS (weight_names))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: invalid policy, schedule or weight rule value");
      return FALSE;
    }
  if (info->n_group > 1)
    {
      if (info->n_group > 31 || E % info->n_group != 0 ||
          info->topk_group < 1 || info->topk_group > info->n_group)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router: n_group=%d, topk_group=%d do not fit %d experts",
                       info->n_group, info->topk_group, E);
          return FALSE;
        }
    }
  if (!check_k ("k", spec->k, E, error) ||
      !check_k ("kmin", spec->kmin, E, error) ||
      !check_k ("kmax", spec->kmax, E, error) ||
      !check_k ("kdeep", spec->kdeep, E, error) ||
      !check_k ("kshallow", spec->kshallow, E, error) ||
      !check_k ("klo", spec->klo, E, error) ||
      !check_k ("khi", spec->khi, E, error))
    return FALSE;

  if (spec->policy == SY_POLICY_DA)
    {
      int kmin = spec->kmin > 0 ? spec->kmin : 1;
      int kmax = spec->kmax > 0 ? spec->kmax : MIN (E, 2 * info->native_k);

      if (kmin > kmax)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: kmin=%d is larger than kmax=%d", kmin, kmax);
          return FALSE;
        }
    }
  if (spec->schedule != SY_SCHEDULE_NONE && spec->schedule != SY_SCHEDULE_CUSTOM)
    {
      int klo = spec->klo > 0 ? spec->klo : 1;
      int khi = spec->khi > 0 ? spec->khi : MIN (E, 2 * info->native_k);

      if (klo > khi)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: klo=%d is larger than khi=%d", klo, khi);
          return FALSE;
        }
    }
  if (spec->schedule == SY_SCHEDULE_CUSTOM)
    {
      if (spec->custom == NULL || spec->n_custom != info->n_moe_layers)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router spec: custom schedule has %d entries but the model has %d MoE layers",
                       spec->n_custom, info->n_moe_layers);
          return FALSE;
        }
      for (int i = 0; i < spec->n_custom; i++)
        if (spec->custom[i] < 1 || spec->custom[i] > E)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                         "router spec: custom entry %d (%d) is outside 1..%d",
                         i + 1, spec->custom[i], E);
            return FALSE;
          }
    }
  if (spec->policy == SY_POLICY_ADR && spec->shallow == SY_ADR_SHALLOW_SHARED &&
      !info->has_shared_experts)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router spec: shallow=shared needs a model with shared experts");
      return FALSE;
    }
  if (sy_router_spec_resolve (spec, info) != spec)
    {
      if (info->native->policy == SY_POLICY_NATIVE)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "router: the model's native policy cannot itself be 'native'");
          return FALSE;
        }
      if (!sy_router_spec_check (info->native, info, error))
        {
          g_prefix_error (error, "model's native policy: ");
          return FALSE;
        }
    }
  return TRUE;
}

int
sy_router_layer_budget (const SyRouterSpec      *spec,
                        const SyRouterModelInfo *info,
                        int                      moe)
{
  int E = info->n_experts;
  int L = info->n_moe_layers;
  double klo, khi, d, x, v;

  if (spec->schedule == SY_SCHEDULE_NONE)
    return E;
  if (spec->schedule == SY_SCHEDULE_CUSTOM)
    {
      if (spec->custom == NULL || moe < 0 || moe >= spec->n_custom)
        return E;
      return CLAMP (spec->custom[moe], 1, E);
    }

  klo = spec->klo > 0 ? spec->klo : 1;
  khi = spec->khi > 0 ? spec->khi : MIN (E, 2 * info->native_k);
  d = khi - klo;
  x = L > 1 ? (double) moe / (L - 1) : 0.0;

  switch (spec->schedule)
    {
    case SY_SCHEDULE_UNIFORM:
      v = khi;
      break;
    case SY_SCHEDULE_DESCENDING:
      v = khi - d * x;
      break;
    case SY_SCHEDULE_ASCENDING:
      v = klo + d * x;
      break;
    case SY_SCHEDULE_PYRAMID:
      v = klo + d * (1 - fabs (2 * x - 1));
      break;
    case SY_SCHEDULE_VALLEY:
      v = khi - d * (1 - fabs (2 * x - 1));
      break;
    case SY_SCHEDULE_WAVE:
      {
        double c = isnan (spec->cycles) ? 2.0 : spec->cycles;

        v = klo + d * (0.5 - 0.5 * cos (2 * G_PI * c * x));
      }
      break;
    case SY_SCHEDULE_NONE:
    case SY_SCHEDULE_CUSTOM:
    default:
      return E;
    }
  return CLAMP ((int) floor (v + 0.5), 1, E);
}
