/* sy-json.c: JSON read with typed getters, and written (strings, numbers, CSV fields)
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
  g_autofree char *text = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!sy_engine_get_contents (path, &text, &len, error))
    return NULL;
  return sy_json_parse (text, (gssize) len, path, error);
}

/* ---- reading: lenient look-ups ---- */

json_object *
sy_json_lookup (json_object *obj,
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
  return sy_json_lookup (obj, key) != NULL;
}

const char *
sy_json_peek_string (json_object *obj,
                     const char  *key)
{
  json_object *value = sy_json_lookup (obj, key);

  return value && json_object_is_type (value, json_type_string) ? json_object_get_string (value) : NULL;
}

/* ---- reading: typed getters ---- */

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

typedef enum
{
  KIND_INT,
  KIND_DOUBLE,
  KIND_BOOL,
  KIND_STRING,
} Kind;

typedef union
{
  int64_t     i;
  double      d;
  gboolean    b;
  const char *s;
} Default;

/* One typed read: @key of @obj (@file names it in messages) as @kind;
 * absent gives @def, or SY_ENGINE_ERROR_MISSING when @required */
typedef struct
{
  json_object *obj;
  const char  *file;
  const char  *key;
  Kind         kind;
  gboolean     required;
  Default      def;
} Read;

/* @r's present @value into @out. */
static gboolean
convert (const Read   *r,
         json_object  *value,
         void         *out,
         GError      **error)
{
  const char *file = r->file, *key = r->key;

  switch (r->kind)
    {
    case KIND_INT:
      if (!value_to_int (value, out))
        return wrong_type (file, key, "an integer", value, error);
      return TRUE;
    case KIND_DOUBLE:
      if (json_object_is_type (value, json_type_int))
        *(double *) out = (double) json_object_get_int64 (value);
      else if (json_object_is_type (value, json_type_double))
        *(double *) out = json_object_get_double (value);
      else
        return wrong_type (file, key, "a number", value, error);
      if (!isfinite (*(double *) out))
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                               "%s: key '%s' must be a finite number", file, key);
      return TRUE;
    case KIND_BOOL:
      if (!json_object_is_type (value, json_type_boolean))
        return wrong_type (file, key, "true or false", value, error);
      *(gboolean *) out = json_object_get_boolean (value) ? TRUE : FALSE;
      return TRUE;
    case KIND_STRING:
      if (!json_object_is_type (value, json_type_string))
        return wrong_type (file, key, "a string", value, error);
      *(char **) out = g_strndup (json_object_get_string (value), json_object_get_string_len (value));
      return TRUE;
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* Every typed getter: @r into @out. */
static gboolean
get_typed (const Read  *r,
           void        *out,
           GError     **error)
{
  json_object *value = sy_json_lookup (r->obj, r->key);

  if (value != NULL)
    return convert (r, value, out, error);
  if (r->required)
    return missing (r->file, r->key, error);
  switch (r->kind)
    {
    case KIND_INT:    *(int64_t *) out = r->def.i; break;
    case KIND_DOUBLE: *(double *) out = r->def.d; break;
    case KIND_BOOL:   *(gboolean *) out = r->def.b; break;
    case KIND_STRING: *(char **) out = g_strdup (r->def.s); break;
    default:          g_return_val_if_reached (FALSE);
    }
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
  return get_typed (&(Read) { obj, file, key, KIND_INT, FALSE, { .i = default_value } }, out, error);
}

gboolean
sy_json_require_int (json_object  *obj,
                     const char   *file,
                     const char   *key,
                     int64_t      *out,
                     GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_INT, TRUE, { .i = 0 } }, out, error);
}

/* @r (an integer) in [@min, @max] */
static gboolean
get_int_range (const Read  *r,
               int64_t      min,
               int64_t      max,
               int64_t     *out,
               GError     **error)
{
  const char *file = r->file, *key = r->key;
  int64_t v;

  if (!sy_json_has (r->obj, key) && !r->required)
    {
      *out = r->def.i;
      return TRUE;
    }
  if (!get_typed (r, &v, error))
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
  return get_int_range (&(Read) { obj, file, key, KIND_INT, FALSE, { .i = default_value } }, min, max, out, error);
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
  return get_int_range (&(Read) { obj, file, key, KIND_INT, TRUE, { .i = 0 } }, min, max, out, error);
}

gboolean
sy_json_get_double (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    double        default_value,
                    double       *out,
                    GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_DOUBLE, FALSE, { .d = default_value } }, out, error);
}

gboolean
sy_json_get_bool (json_object  *obj,
                  const char   *file,
                  const char   *key,
                  gboolean      default_value,
                  gboolean     *out,
                  GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_BOOL, FALSE, { .b = default_value } }, out, error);
}

gboolean
sy_json_require_bool (json_object  *obj,
                      const char   *file,
                      const char   *key,
                      gboolean     *out,
                      GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_BOOL, TRUE, { .b = FALSE } }, out, error);
}

gboolean
sy_json_get_string (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    const char   *default_value,
                    char        **out,
                    GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_STRING, FALSE, { .s = default_value } }, out, error);
}

gboolean
sy_json_require_string (json_object  *obj,
                        const char   *file,
                        const char   *key,
                        char        **out,
                        GError      **error)
{
  return get_typed (&(Read) { obj, file, key, KIND_STRING, TRUE, { .s = NULL } }, out, error);
}

gboolean
sy_json_get_object (json_object  *obj,
                    const char   *file,
                    const char   *key,
                    json_object **out,
                    GError      **error)
{
  json_object *value = sy_json_lookup (obj, key);

  *out = NULL;
  if (value == NULL)
    return TRUE;
  if (!json_object_is_type (value, json_type_object))
    return wrong_type (file, key, "an object", value, error);
  *out = value;
  return TRUE;
}

/* ---- writing ---- */

void
sy_json_append_string (GString    *s,
                       const char *str)
{
  g_autofree char *valid = NULL;

  if (str == NULL)
    {
      g_string_append (s, "null");
      return;
    }
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (s, '"');
  for (const unsigned char *p = (const unsigned char *) str; *p; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (s, "\\\"");
          break;
        case '\\':
          g_string_append (s, "\\\\");
          break;
        case '\n':
          g_string_append (s, "\\n");
          break;
        case '\r':
          g_string_append (s, "\\r");
          break;
        case '\t':
          g_string_append (s, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (s, "\\u%04x", *p);
          else
            g_string_append_c (s, (char) *p);
        }
    }
  g_string_append_c (s, '"');
}

void
sy_json_append_float (GString *s,
                      float    v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char * const fmts[] = { "%.6g", "%.7g", "%.8g", "%.9g" };

  if (!isfinite (v))
    {
      g_string_append (s, "null");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fmts); i++)
    {
      g_ascii_formatd (buf, sizeof buf, fmts[i], v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (s, buf);
}

void
sy_json_append_double (GString *s,
                       double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    {
      g_string_append (s, "null");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  /* prefer a shorter form when it reads back the same */
  for (int prec = 6; prec < 17; prec++)
    {
      char fmt[8], b2[G_ASCII_DTOSTR_BUF_SIZE];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (b2, sizeof b2, fmt, v);
      if (g_ascii_strtod (b2, NULL) == v)
        {
          memcpy (buf, b2, sizeof buf);
          break;
        }
    }
  g_string_append (s, buf);
}

void
sy_csv_append_string (GString    *s,
                      const char *str,
                      SyCsvQuote  quote)
{
  if (str == NULL)
    return;
  if (quote == SY_CSV_QUOTE_AS_NEEDED && strpbrk (str, ",\"\n\r") == NULL)
    {
      g_string_append (s, str);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}
