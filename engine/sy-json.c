/* sy-json.c: typed reading of config.json and generation_config.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"

static const char *
type_name (json_object *value)
{
  switch (json_object_get_type (value))
    {
    case json_type_null:    return "null";
    case json_type_boolean: return "boolean";
    case json_type_double:  return "number";
    case json_type_int:     return "integer";
    case json_type_object:  return "object";
    case json_type_array:   return "array";
    case json_type_string:  return "string";
    default:                return "unknown";
    }
}

json_object *
sy_json_parse (const char  *text,
               gssize       len,
               const char  *what,
               GError     **error)
{
  json_tokener *tok;
  json_object *root;
  enum json_tokener_error jerr;
  size_t end;

  g_return_val_if_fail (text != NULL, NULL);

  if (len < 0)
    len = (gssize) strlen (text);
  if (len > G_MAXINT)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: too large for a JSON file", what);
      return NULL;
    }
  tok = json_tokener_new ();
  if (tok == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                   "%s: cannot create a JSON parser", what);
      return NULL;
    }
  root = json_tokener_parse_ex (tok, text, (int) len);
  jerr = json_tokener_get_error (tok);
  end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);

  if (root == NULL || jerr != json_tokener_success)
    {
      if (root)
        json_object_put (root);
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: not valid JSON: %s (near byte %zu)", what,
                   jerr == json_tokener_continue ? "unexpected end of file"
                                                 : json_tokener_error_desc (jerr),
                   end);
      return NULL;
    }
  for (size_t i = end; i < (size_t) len; i++)
    if (!g_ascii_isspace (text[i]) && text[i] != '\0')
      {
        json_object_put (root);
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                     "%s: not valid JSON: unexpected text after the value (byte %zu)",
                     what, i);
        return NULL;
      }
  if (!json_object_is_type (root, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: the top-level JSON value is not an object (got %s)", what,
                   type_name (root));
      json_object_put (root);
      return NULL;
    }
  return root;
}

json_object *
sy_json_load_file (const char  *path,
                   GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  return sy_json_parse (text, (gssize) len, path, error);
}

/* The value of @key, or NULL when absent or null. */
static json_object *
lookup (json_object *obj,
        const char  *key)
{
  json_object *value = NULL;

  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    return NULL;
  if (!json_object_object_get_ex (obj, key, &value))
    return NULL;
  if (value == NULL || json_object_is_type (value, json_type_null))
    return NULL;
  return value;
}

gboolean
sy_json_has (json_object *obj,
             const char  *key)
{
  return lookup (obj, key) != NULL;
}

static gboolean
missing (const char  *file,
         const char  *key,
         GError     **error)
{
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
               "%s: required key '%s' is missing", file, key);
  return FALSE;
}

static gboolean
wrong_type (const char  *file,
            const char  *key,
            const char  *expected,
            json_object *value,
            GError     **error)
{
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: key '%s' must be %s, got %s", file, key, expected, type_name (value));
  return FALSE;
}

static gboolean
value_to_int (json_object *value,
              int64_t     *out)
{
  if (json_object_is_type (value, json_type_int))
    {
      *out = json_object_get_int64 (value);
      return TRUE;
    }
  if (json_object_is_type (value, json_type_double))
    {
      double d = json_object_get_double (value);

      /* 4096.0 is an integer; 4096.5 and 1e300 are not */
      if (isfinite (d) && d == floor (d) && fabs (d) < 9.0e15)
        {
          *out = (int64_t) d;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
get_int (json_object  *obj,
         const char   *file,
         const char   *key,
         gboolean      required,
         int64_t       default_value,
         int64_t      *out,
         GError      **error)
{
  json_object *value = lookup (obj, key);

  if (value == NULL)
    {
      if (required)
        return missing (file, key, error);
      *out = default_value;
      return TRUE;
    }
  if (!value_to_int (value, out))
    return wrong_type (file, key, "an integer", value, error);
  return TRUE;
}

gboolean
sy_json_get_int (json_object  *obj,
                 const char   *file,
                 const char   *key,
                 int64_t       default_value,
                 int64_t      *out,
                 GError      **error)
{
  return get_int (obj, file, key, FALSE, default_value, out, error);
}

gboolean
sy_json_require_int (json_object  *obj,
                     const char   *file,
                     const char   *key,
                     int64_t      *out,
                     GError      **error)
{
  return get_int (obj, file, key, TRUE, 0, out, error);
}

static gboolean
get_int_range (json_object  *obj,
               const char   *file,
               const char   *key,
               gboolean      required,
               int64_t       default_value,
               int64_t       min,
               int64_t       max,
               int64_t      *out,
               GError      **error)
{
  int64_t v;

  if (!sy_json_has (obj, key) && !required)
    {
      *out = default_value;
      return TRUE;
    }
  if (!get_int (obj, file, key, required, default_value, &v, error))
    return FALSE;
  if (v < min || v > max)
    {
      if (max == INT64_MAX)
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                     "%s: key '%s' is %" G_GINT64_FORMAT ", must be at least %" G_GINT64_FORMAT,
                     file, key, v, min);
      else
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                     "%s: key '%s' is %" G_GINT64_FORMAT ", must be in [%" G_GINT64_FORMAT
                     ", %" G_GINT64_FORMAT "]", file, key, v, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
sy_json_get_int_range (json_object  *obj,
                       const char   *file,
                       const char   *key,
                       int64_t       default_value,
                       int64_t       min,
                       int64_t       max,
                       int64_t      *out,
                       GError      **error)
{
  return get_int_range (obj, file, key, FALSE, default_value, min, max, out, error);
}

gboolean
sy_json_require_int_range (json_object  *obj,
                           const char   *file,
                           const char   *key,
                           int64_t       min,
                           int64_t       max,
                           int64_t      *out,
                           GError      **error)
{
  return get_int_range (obj, file, key, TRUE, 0, min, max, out, error);
}

static gboolean
get_double (json_object  *obj,
            const char   *file,
            const char   *key,
            gboolean      required,
            double        default_value,
            double       *out,
            GError      **error)
{
  json_object *value = lookup (obj, key);

  if (value == NULL)
    {
      if (required)
        return missing (file, key, error);
      *out = default_value;
      return TRUE;
    }
  if (json_object_is_type (value, json_type_int))
    *out = (double) json_object_get_int64 (value);
  else if (json_object_is_type (value, json_type_double))
    *out = json_object_get_double (value);
  else
    return wrong_type (file, key, "a number", value, error);
  if (!isfinite (*out))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: key '%s' must be a finite number", file, key);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_json_get_double (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    double        default_value,
                    double       *out,
                    GError      **error)
{
  return get_double (obj, file, key, FALSE, default_value, out, error);
}

gboolean
sy_json_require_double (json_object  *obj,
                        const char   *file,
                        const char   *key,
                        double       *out,
                        GError      **error)
{
  return get_double (obj, file, key, TRUE, 0, out, error);
}

static gboolean
get_bool (json_object  *obj,
          const char   *file,
          const char   *key,
          gboolean      required,
          gboolean      default_value,
          gboolean     *out,
          GError      **error)
{
  json_object *value = lookup (obj, key);

  if (value == NULL)
    {
      if (required)
        return missing (file, key, error);
      *out = default_value;
      return TRUE;
    }
  if (!json_object_is_type (value, json_type_boolean))
    return wrong_type (file, key, "true or false", value, error);
  *out = json_object_get_boolean (value) ? TRUE : FALSE;
  return TRUE;
}

gboolean
sy_json_get_bool (json_object  *obj,
                  const char   *file,
                  const char   *key,
                  gboolean      default_value,
                  gboolean     *out,
                  GError      **error)
{
  return get_bool (obj, file, key, FALSE, default_value, out, error);
}

gboolean
sy_json_require_bool (json_object  *obj,
                      const char   *file,
                      const char   *key,
                      gboolean     *out,
                      GError      **error)
{
  return get_bool (obj, file, key, TRUE, FALSE, out, error);
}

static gboolean
get_string (json_object  *obj,
            const char   *file,
            const char   *key,
            gboolean      required,
            const char   *default_value,
            char        **out,
            GError      **error)
{
  json_object *value = lookup (obj, key);

  if (value == NULL)
    {
      if (required)
        return missing (file, key, error);
      *out = g_strdup (default_value);
      return TRUE;
    }
  if (!json_object_is_type (value, json_type_string))
    return wrong_type (file, key, "a string", value, error);
  *out = g_strndup (json_object_get_string (value), json_object_get_string_len (value));
  return TRUE;
}

gboolean
sy_json_get_string (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    const char   *default_value,
                    char        **out,
                    GError      **error)
{
  return get_string (obj, file, key, FALSE, default_value, out, error);
}

gboolean
sy_json_require_string (json_object  *obj,
                        const char   *file,
                        const char   *key,
                        char        **out,
                        GError      **error)
{
  return get_string (obj, file, key, TRUE, NULL, out, error);
}

gboolean
sy_json_get_int_array (json_object  *obj,
                       const char   *file,
                       const char   *key,
                       gboolean      allow_scalar,
                       int64_t     **out,
                       gsize        *n_out,
                       GError      **error)
{
  json_object *value = lookup (obj, key);
  g_autofree int64_t *values = NULL;
  gsize n;

  *out = NULL;
  *n_out = 0;
  if (value == NULL)
    return TRUE;
  if (allow_scalar && !json_object_is_type (value, json_type_array))
    {
      int64_t v;

      if (!value_to_int (value, &v))
        return wrong_type (file, key, "an integer or an array of integers", value, error);
      *out = g_new (int64_t, 1);
      (*out)[0] = v;
      *n_out = 1;
      return TRUE;
    }
  if (!json_object_is_type (value, json_type_array))
    return wrong_type (file, key, "an array of integers", value, error);
  n = json_object_array_length (value);
  values = g_new0 (int64_t, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      json_object *item = json_object_array_get_idx (value, i);

      if (item == NULL || !value_to_int (item, &values[i]))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: key '%s' must be an array of integers, item %" G_GSIZE_FORMAT " is %s",
                       file, key, i, item ? type_name (item) : "null");
          return FALSE;
        }
    }
  *out = g_steal_pointer (&values);
  *n_out = n;
  return TRUE;
}

gboolean
sy_json_get_string_array (json_object   *obj,
                          const char    *file,
                          const char    *key,
                          char        ***out,
                          GError       **error)
{
  json_object *value = lookup (obj, key);
  g_autoptr (GPtrArray) strings = NULL;
  gsize n;

  *out = NULL;
  if (value == NULL)
    return TRUE;
  if (!json_object_is_type (value, json_type_array))
    return wrong_type (file, key, "an array of strings", value, error);
  n = json_object_array_length (value);
  strings = g_ptr_array_new_full ((guint) n + 1, g_free);
  for (gsize i = 0; i < n; i++)
    {
      json_object *item = json_object_array_get_idx (value, i);

      if (item == NULL || !json_object_is_type (item, json_type_string))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: key '%s' must be an array of strings, item %" G_GSIZE_FORMAT " is %s",
                       file, key, i, item ? type_name (item) : "null");
          return FALSE;
        }
      g_ptr_array_add (strings, g_strndup (json_object_get_string (item), json_object_get_string_len (item)));
    }
  g_ptr_array_add (strings, NULL);
  g_ptr_array_set_free_func (strings, NULL);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&strings), FALSE);
  return TRUE;
}

gboolean
sy_json_get_object (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    json_object **out,
                    GError      **error)
{
  json_object *value = lookup (obj, key);

  *out = NULL;
  if (value == NULL)
    return TRUE;
  if (!json_object_is_type (value, json_type_object))
    return wrong_type (file, key, "an object", value, error);
  *out = value;
  return TRUE;
}

/* ---- rope ---- */

gboolean
sy_rope_params_read (json_object   *config,
                     const char    *file,
                     double         default_theta,
                     SyRopeParams  *out,
                     GError       **error)
{
  json_object *params = NULL;
  g_autofree char *type = NULL;
  g_autofree char *key_theta = NULL;
  const char *where;
  double theta;

  memset (out, 0, sizeof *out);
  out->factor = 1.0;
  out->beta_fast = 32.0;
  out->beta_slow = 1.0;
  out->truncate = TRUE;
  out->low_freq_factor = 1.0;
  out->high_freq_factor = 4.0;
  out->partial_rotary_factor = 1.0;

  /* top-level theta first (older configs); rope_parameters overrides it */
  if (!sy_json_get_double (config, file, "rope_theta", default_theta, &theta, error))
    return FALSE;

  if (!sy_json_get_object (config, file, "rope_parameters", &params, error))
    return FALSE;
  if (params != NULL)
    {
      json_object_iter it;

      where = "rope_parameters";
      /* transformers 5 allows {layer_type: {...}} for models with several
       * attention kinds; the architectures here use one. */
      json_object_object_foreachC (params, it)
        if (it.val != NULL && json_object_is_type (it.val, json_type_object))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                         "%s: key 'rope_parameters' holds per-layer-type parameters ('%s'), "
                         "which are not supported", file, it.key);
            return FALSE;
          }
    }
  else
    {
      if (!sy_json_get_object (config, file, "rope_scaling", &params, error))
        return FALSE;
      where = "rope_scaling";
    }

  if (params != NULL)
    {
      g_autofree char *file_where = g_strdup_printf ("%s: %s", file, where);

      if (!sy_json_get_double (params, file_where, "rope_theta", theta, &theta, error) ||
          !sy_json_get_string (params, file_where, "rope_type", NULL, &type, error))
        return FALSE;
      if (type == NULL && !sy_json_get_string (params, file_where, "type", NULL, &type, error))
        return FALSE;
      if (!sy_json_get_double (params, file_where, "factor", 1.0, &out->factor, error) ||
          !sy_json_get_double (params, file_where, "original_max_position_embeddings", 0,
                               &out->original_max_position_embeddings, error) ||
          !sy_json_get_double (params, file_where, "attention_factor", 0, &out->attention_factor, error) ||
          !sy_json_get_double (params, file_where, "beta_fast", 32.0, &out->beta_fast, error) ||
          !sy_json_get_double (params, file_where, "beta_slow", 1.0, &out->beta_slow, error) ||
          !sy_json_get_double (params, file_where, "mscale", 0, &out->mscale, error) ||
          !sy_json_get_double (params, file_where, "mscale_all_dim", 0, &out->mscale_all_dim, error) ||
          !sy_json_get_bool (params, file_where, "truncate", TRUE, &out->truncate, error) ||
          !sy_json_get_double (params, file_where, "low_freq_factor", 1.0, &out->low_freq_factor, error) ||
          !sy_json_get_double (params, file_where, "high_freq_factor", 4.0, &out->high_freq_factor, error) ||
          !sy_json_get_double (params, file_where, "partial_rotary_factor", 1.0,
                               &out->partial_rotary_factor, error))
        return FALSE;
    }
  /* a top-level partial_rotary_factor (older configs) */
  if (!sy_json_has (params, "partial_rotary_factor") &&
      !sy_json_get_double (config, file, "partial_rotary_factor", 1.0, &out->partial_rotary_factor, error))
    return FALSE;

  if (type == NULL)
    type = g_strdup ("default");
  if (strlen (type) >= sizeof out->type)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: rope type '%.40s...' is not supported", file, type);
      return FALSE;
    }
  g_strlcpy (out->type, type, sizeof out->type);
  out->theta = theta;

  if (!(out->theta > 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope theta must be positive, got %g", file, out->theta);
      return FALSE;
    }
  if (!(out->factor > 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope scaling factor must be positive, got %g", file, out->factor);
      return FALSE;
    }
  if (!(out->partial_rotary_factor > 0 && out->partial_rotary_factor <= 1))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: partial_rotary_factor must be in (0, 1], got %g", file,
                   out->partial_rotary_factor);
      return FALSE;
    }
  return TRUE;
}

/* ---- generation config ---- */

static gboolean
read_token_id (json_object  *obj,
               const char   *file,
               const char   *key,
               int64_t      *inout,
               GError      **error)
{
  int64_t *ids = NULL;
  gsize n = 0;

  /* some configs give a list even for bos/pad; the first one counts */
  if (!sy_json_get_int_array (obj, file, key, TRUE, &ids, &n, error))
    return FALSE;
  if (n > 0)
    {
      if (ids[0] < 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: key '%s' is %" G_GINT64_FORMAT ", token ids are not negative",
                       file, key, ids[0]);
          g_free (ids);
          return FALSE;
        }
      *inout = ids[0];
    }
  g_free (ids);
  return TRUE;
}

gboolean
sy_generation_config_read (json_object         *obj,
                           const char          *file,
                           SyGenerationConfig  *out,
                           GError             **error)
{
  g_autofree int64_t *eos = NULL;
  gsize n_eos = 0;

  if (!read_token_id (obj, file, "bos_token_id", &out->bos_token_id, error) ||
      !read_token_id (obj, file, "pad_token_id", &out->pad_token_id, error) ||
      !sy_json_get_int_array (obj, file, "eos_token_id", TRUE, &eos, &n_eos, error))
    return FALSE;
  if (eos != NULL)
    {
      if (n_eos > SY_MAX_EOS_TOKENS)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: key 'eos_token_id' lists %" G_GSIZE_FORMAT " ids, at most %d are supported",
                       file, n_eos, SY_MAX_EOS_TOKENS);
          return FALSE;
        }
      for (gsize i = 0; i < n_eos; i++)
        if (eos[i] < 0)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                         "%s: key 'eos_token_id' holds %" G_GINT64_FORMAT ", token ids are not negative",
                         file, eos[i]);
            return FALSE;
          }
      memcpy (out->eos_token_ids, eos, n_eos * sizeof eos[0]);
      out->n_eos_token_ids = (int) n_eos;
    }
  return TRUE;
}

gboolean
sy_generation_config_load (const char          *folder,
                           SyGenerationConfig  *out,
                           GError             **error)
{
  g_autofree char *config_path = g_build_filename (folder, "config.json", NULL);
  g_autofree char *gen_path = g_build_filename (folder, "generation_config.json", NULL);
  g_autoptr (SyJson) config = NULL;

  memset (out, 0, sizeof *out);
  out->bos_token_id = -1;
  out->pad_token_id = -1;

  config = sy_json_load_file (config_path, error);
  if (config == NULL)
    return FALSE;
  if (!sy_generation_config_read (config, "config.json", out, error))
    return FALSE;
  if (g_file_test (gen_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (SyJson) gen = sy_json_load_file (gen_path, error);

      if (gen == NULL)
        return FALSE;
      if (!sy_generation_config_read (gen, "generation_config.json", out, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sy_generation_config_is_eos (const SyGenerationConfig *config,
                             int64_t                   token)
{
  for (int i = 0; i < config->n_eos_token_ids; i++)
    if (config->eos_token_ids[i] == token)
      return TRUE;
  return FALSE;
}
