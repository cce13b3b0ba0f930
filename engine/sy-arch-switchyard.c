/* sy-arch-switchyard.c: config.json of our demo models (model_type "switchyard")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tools/train/ARCHITECTURE.md §1 defines the keys.  The numeric keys are
 * in the arch table (sy-arch.c); this hook reads the rest: the attention
 * kind with its head groups and windows, and the model's native routing
 * (`routing`, its parameters, `weights`, `schedule`), which becomes the
 * SyRouterSpec that the policy `native` runs for this model.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-arch.h"
#include "sy-engine-error.h"

static gboolean
bad_value (const char  *file,
           const char  *key,
           const char  *why,
           GError     **error)
{
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: key '%s' %s", file, key, why);
  return FALSE;
}

/* A string key; @def when absent or null (NULL: required). */
static gboolean
get_string (json_object  *root,
            const char   *key,
            const char   *def,
            const char   *file,
            const char  **out,
            GError      **error)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (root, key, &v) || v == NULL)
    {
      if (def == NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s: required key '%s' is missing", file, key);
          return FALSE;
        }
      *out = def;
      return TRUE;
    }
  if (json_object_get_type (v) != json_type_string)
    return bad_value (file, key, "is not a string", error);
  *out = json_object_get_string (v);
  return TRUE;
}

/* A number, required, as text that sy_router_spec_parse() reads back exactly. */
static gboolean
get_number_text (json_object  *root,
                 const char   *key,
                 const char   *file,
                 gboolean      integer,
                 char        **out,
                 GError      **error)
{
  json_object *v = NULL;
  json_type t;
  double d;

  if (!json_object_object_get_ex (root, key, &v) || v == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: required key '%s' is missing", file, key);
      return FALSE;
    }
  t = json_object_get_type (v);
  if (t != json_type_int && t != json_type_double)
    return bad_value (file, key, "is not a number", error);
  d = json_object_get_double (v);
  if (!isfinite (d) || (integer && (d != floor (d) || fabs (d) > G_MAXINT)))
    return bad_value (file, key, integer ? "is not an integer" : "is not a finite number", error);
  *out = integer ? g_strdup_printf ("%d", (int) d) : g_strdup_printf ("%.17g", d);
  return TRUE;
}

static gboolean
append_number (GString     *s,
               const char  *opt,
               json_object *root,
               const char  *key,
               const char  *file,
               gboolean     integer,
               GError     **error)
{
  g_autofree char *text = NULL;

  if (!get_number_text (root, key, file, integer, &text, error))
    return FALSE;
  g_string_append_printf (s, "%s%s=%s", s->str[s->len - 1] == ':' ? "" : ",", opt, text);
  return TRUE;
}

/* schedule: null or {"name", "klo", "khi", "cycles", "custom"} → the
 * SPEC's schedule options. */
static gboolean
append_schedule (GString     *s,
                 json_object *root,
                 const char  *file,
                 GError     **error)
{
  json_object *sch = NULL, *v = NULL;
  const char *name;
  static const char *const ints[] = { "klo", "khi" };

  if (!json_object_object_get_ex (root, "schedule", &sch) || sch == NULL)
    return TRUE;
  if (json_object_get_type (sch) != json_type_object)
    return bad_value (file, "schedule", "is neither null nor an object", error);
  if (!get_string (sch, "name", NULL, file, &name, error))
    {
      g_prefix_error (error, "schedule: ");
      return FALSE;
    }
  g_string_append_printf (s, ",schedule=%s", name);
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    if (json_object_object_get_ex (sch, ints[i], &v) && v
        && !append_number (s, ints[i], sch, ints[i], file, TRUE, error))
      return FALSE;
  if (json_object_object_get_ex (sch, "cycles", &v) && v
      && !append_number (s, "cycles", sch, "cycles", file, FALSE, error))
    return FALSE;
  if (json_object_object_get_ex (sch, "custom", &v) && v)
    {
      gsize n;

      if (json_object_get_type (v) != json_type_array || json_object_array_length (v) == 0)
        return bad_value (file, "schedule.custom", "is not a non-empty list of integers", error);
      n = json_object_array_length (v);
      g_string_append (s, ",custom=");
      for (gsize i = 0; i < n; i++)
        {
          json_object *e = json_object_array_get_idx (v, i);

          if (json_object_get_type (e) != json_type_int)
            return bad_value (file, "schedule.custom", "is not a list of integers", error);
          g_string_append_printf (s, "%s%d", i ? "/" : "", json_object_get_int (e));
        }
    }
  return TRUE;
}

static gboolean
parse_gmha (json_object *root,
            const char  *file,
            SyConfig    *config,
            GError     **error)
{
  json_object *v = NULL;
  const char *attention;
  int G;

  if (!get_string (root, "attention", "mha", file, &attention, error))
    return FALSE;
  if (strcmp (attention, "mha") == 0)
    return TRUE;
  if (strcmp (attention, "gmha") != 0)
    return bad_value (file, "attention", "is neither \"mha\" nor \"gmha\"", error);

  if (!json_object_object_get_ex (root, "gmha_groups", &v) || v == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: required key 'gmha_groups' is missing (attention \"gmha\")", file);
      return FALSE;
    }
  if (json_object_get_type (v) != json_type_int)
    return bad_value (file, "gmha_groups", "is not an integer", error);
  G = json_object_get_int (v);
  if (G < 1 || config->n_heads <= 0 || config->n_heads % G != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: gmha_groups %d does not divide num_attention_heads %d",
                   file, G, config->n_heads);
      return FALSE;
    }
  if (!json_object_object_get_ex (root, "gmha_windows", &v) || v == NULL
      || json_object_get_type (v) != json_type_array
      || json_object_array_length (v) != (gsize) G)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: key 'gmha_windows' must be a list of %d window sizes", file, G);
      return FALSE;
    }
  config->group_windows = g_new0 (int, G);
  config->attn_groups = G;
  for (int g = 0; g < G; g++)
    {
      json_object *e = json_object_array_get_idx (v, g);

      if (json_object_get_type (e) != json_type_int || json_object_get_int64 (e) < 0
          || json_object_get_int64 (e) > G_MAXINT)
        return bad_value (file, "gmha_windows", "holds a window that is not an integer >= 0", error);
      config->group_windows[g] = json_object_get_int (e);
    }
  return TRUE;
}

gboolean
_sy_switchyard_parse_config (json_object  *root,
                             const char   *file,
                             SyConfig     *config,
                             GError      **error)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const char *routing, *weights, *map;

  if (!parse_gmha (root, file, config, error))
    return FALSE;
  if (!get_string (root, "routing", NULL, file, &routing, error))
    return FALSE;

  if (strcmp (routing, "topp") == 0)
    {
      if (!get_string (root, "weights", "raw", file, &weights, error))
        return FALSE;
      g_string_append (s, "topp:");
      if (!append_number (s, "p", root, "top_p", file, FALSE, error))
        return FALSE;
    }
  else if (strcmp (routing, "da") == 0)
    {
      if (!get_string (root, "weights", "renorm", file, &weights, error)
          || !get_string (root, "da_map", "budget", file, &map, error))
        return FALSE;
      g_string_append (s, "da:");
      if (!append_number (s, "k", root, "da_k", file, TRUE, error)
          || !append_number (s, "kmin", root, "da_kmin", file, TRUE, error)
          || !append_number (s, "kmax", root, "da_kmax", file, TRUE, error))
        return FALSE;
      if (strcmp (map, "budget") != 0 && strcmp (map, "linear") != 0)
        return bad_value (file, "da_map", "is neither \"budget\" nor \"linear\"", error);
      g_string_append_printf (s, ",map=%s", map);
    }
  else if (strcmp (routing, "dasg") == 0)
    {
      int Es = config->n_shallow_experts;

      if (!get_string (root, "weights", "renorm", file, &weights, error))
        return FALSE;
      if (Es < 1 || Es >= config->n_experts)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: num_shallow_experts %d must be between 1 and num_experts - 1 (%d)",
                       file, Es, config->n_experts - 1);
          return FALSE;
        }
      if (config->shallow_ffn <= 0 || config->deep_ffn <= 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: 'shallow_intermediate_size' and 'deep_intermediate_size' must "
                       "be positive (routing \"dasg\")", file);
          return FALSE;
        }
      /* the widest expert sizes the shared buffers */
      config->expert_ffn = MAX (config->shallow_ffn, config->deep_ffn);
      g_string_append (s, "adr:");
      if (!append_number (s, "theta", root, "theta", file, FALSE, error)
          || !append_number (s, "gamma", root, "gamma", file, FALSE, error)
          || !append_number (s, "u", root, "urgency", file, FALSE, error)
          || !append_number (s, "kdeep", root, "kdeep", file, TRUE, error)
          || !append_number (s, "kshallow", root, "kshallow", file, TRUE, error))
        return FALSE;
    }
  else
    return bad_value (file, "routing", "is not one of \"topp\", \"da\", \"dasg\"", error);

  if (strcmp (routing, "dasg") != 0)
    config->n_shallow_experts = 0;
  if (strcmp (weights, "raw") != 0 && strcmp (weights, "renorm") != 0)
    return bad_value (file, "weights", "is neither \"raw\" nor \"renorm\"", error);
  g_string_append_printf (s, ",weights=%s", weights);
  if (!append_schedule (s, root, file, error))
    return FALSE;

  g_clear_pointer (&config->native, sy_router_spec_free);
  config->native = sy_router_spec_parse (s->str, error);
  if (config->native == NULL)
    {
      g_prefix_error (error, "%s: native routing '%s': ", file, s->str);
      return FALSE;
    }
  return TRUE;
}
