/* sy-json.h: JSON read with typed getters, and written
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading: small getters over json-c that produce the engine's errors:
 *   "config.json: required key 'hidden_size' is missing"
 *   "config.json: key 'num_experts_per_tok' must be an integer, got string"
 * A key whose value is null counts as absent.  Integers are accepted where
 * a float is expected, and floats with an integral value where an integer
 * is expected.  @file is the name used in messages (a path or a base name).
 *
 * sy_json_get_*: absent → @default_value, TRUE.
 * sy_json_require_*: absent → SY_ENGINE_ERROR_MISSING.
 * Present with the wrong type → SY_ENGINE_ERROR_INVALID_VALUE.
 * For a key of a nested object, pass its path as @file
 * ("config.json: rope_scaling"), so that messages name where it is.
 *
 * Writing: the one JSON string escaper, the float/double formats of the
 * trace files, and the one CSV field quoter; writers build text in a
 * GString directly (a trace holds millions of numbers: no object tree).
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Reads and parses @path; the top-level value must be an object.  Release
 * with json_object_put() (or g_autoptr (SyJson)). */
json_object *sy_json_load_file      (const char    *path,
                                     GError       **error);
/* Parses @len bytes of @text (-1: NUL-terminated); @what names it in errors. */
json_object *sy_json_parse          (const char    *text,
                                     gssize         len,
                                     const char    *what,
                                     GError       **error);

/* The value of @key, borrowed; NULL when @obj is not an object or @key is
 * absent or null. */
json_object *sy_json_lookup         (json_object   *obj,
                                     const char    *key);
/* TRUE when @key is present and not null. */
gboolean     sy_json_has            (json_object   *obj,
                                     const char    *key);
/* A lenient read, for formats that ignore what they do not understand:
 * the string (borrowed), or NULL when the value is absent or of another
 * type. */
const char  *sy_json_peek_string    (json_object   *obj,
                                     const char    *key);

gboolean     sy_json_get_int        (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     int64_t        default_value,
                                     int64_t       *out,
                                     GError       **error);
gboolean     sy_json_require_int    (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     int64_t       *out,
                                     GError       **error);
/* Integer in [@min, @max]; absent gives @default_value (not range-checked). */
gboolean     sy_json_get_int_range  (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     int64_t        default_value,
                                     int64_t        min,
                                     int64_t        max,
                                     int64_t       *out,
                                     GError       **error);
gboolean     sy_json_require_int_range (json_object   *obj,
                                        const char    *file,
                                        const char    *key,
                                        int64_t        min,
                                        int64_t        max,
                                        int64_t       *out,
                                        GError       **error);
gboolean     sy_json_get_double     (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     double         default_value,
                                     double        *out,
                                     GError       **error);
gboolean     sy_json_get_bool       (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     gboolean       default_value,
                                     gboolean      *out,
                                     GError       **error);
gboolean     sy_json_require_bool   (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     gboolean      *out,
                                     GError       **error);
/* *@out is a new string (g_free), or a copy of @default_value (maybe NULL). */
gboolean     sy_json_get_string     (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     const char    *default_value,
                                     char         **out,
                                     GError       **error);
gboolean     sy_json_require_string (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     char         **out,
                                     GError       **error);
/* A nested object (borrowed from @obj); absent gives *@out = NULL. */
gboolean     sy_json_get_object     (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     json_object  **out,
                                     GError       **error);

/* ---- writing ---- */

/* @str as a JSON string: quoted, '"' '\\' and control characters escaped
 * (\n \r \t, the others as \u00XX), invalid UTF-8 replaced (U+FFFD);
 * NULL writes null. */
void         sy_json_append_string  (GString       *s,
                                     const char    *str);
/* The shortest decimal that reads back as the same float (up to 9
 * digits); null when not finite. */
void         sy_json_append_float   (GString       *s,
                                     float          v);
/* The same for a double (up to 17 digits). */
void         sy_json_append_double  (GString       *s,
                                     double         v);

typedef enum
{
  SY_CSV_QUOTE_ALWAYS,     /* "text", always quoted */
  SY_CSV_QUOTE_AS_NEEDED,  /* quoted only when it holds , " or a line break */
} SyCsvQuote;

/* @str as one CSV field (RFC 4180: '"' doubled inside quotes); NULL
 * writes nothing (an empty field). */
void         sy_csv_append_string   (GString       *s,
                                     const char    *str,
                                     SyCsvQuote     quote);

typedef json_object SyJson;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyJson, json_object_put)

G_END_DECLS
