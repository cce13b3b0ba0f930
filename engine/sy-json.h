/* sy-json.h: typed reading of config.json and generation_config.json
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small getters over json-c that produce the engine's errors:
 *   "config.json: required key 'hidden_size' is missing"
 *   "config.json: key 'num_experts_per_tok' must be an integer, got string"
 * A key whose value is null counts as absent.  Integers are accepted where
 * a float is expected, and floats with an integral value where an integer
 * is expected.  @file is the name used in messages (a path or a base name).
 *
 * sy_json_get_*: absent → @default_value, TRUE.
 * sy_json_require_*: absent → SY_ENGINE_ERROR_MISSING.
 * Present with the wrong type → SY_ENGINE_ERROR_INVALID_VALUE.
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

/* TRUE when @key is present and not null. */
gboolean     sy_json_has            (json_object   *obj,
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
gboolean     sy_json_require_double (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
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
/* An array of integers; absent gives *@out = NULL, *@n_out = 0.  With
 * @allow_scalar a single integer is read as an array of one (eos_token_id). */
gboolean     sy_json_get_int_array  (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     gboolean       allow_scalar,
                                     int64_t      **out,
                                     gsize         *n_out,
                                     GError       **error);
/* An array of strings as a NULL-terminated GStrv (g_strfreev); absent gives
 * *@out = NULL. */
gboolean     sy_json_get_string_array (json_object   *obj,
                                       const char    *file,
                                       const char    *key,
                                       char        ***out,
                                       GError       **error);
/* A nested object (borrowed from @obj); absent gives *@out = NULL. */
gboolean     sy_json_get_object     (json_object   *obj,
                                     const char    *file,
                                     const char    *key,
                                     json_object  **out,
                                     GError       **error);

/* ---- rope ---- */

typedef struct
{
  double   theta;                 /* base frequency */
  char     type[32];              /* "default", "linear", "dynamic", "yarn", "llama3", "longrope" */
  double   factor;                /* scaling factor, 1 when absent */
  double   original_max_position_embeddings;  /* 0 when absent */
  double   attention_factor;      /* yarn/longrope; 0 when absent (computed by the user) */
  double   beta_fast;             /* yarn, default 32 */
  double   beta_slow;             /* yarn, default 1 */
  double   mscale;                /* yarn (DeepSeek), 0 when absent */
  double   mscale_all_dim;        /* yarn (DeepSeek), 0 when absent */
  gboolean truncate;              /* yarn, default TRUE */
  double   low_freq_factor;       /* llama3, default 1 */
  double   high_freq_factor;      /* llama3, default 4 */
  double   partial_rotary_factor; /* 1 when absent */
} SyRopeParams;

/* Reads rope from @config: either `rope_parameters` (transformers 5:
 * {rope_theta, rope_type, factor, ...}) or the older top-level `rope_theta`
 * and `rope_scaling` ({type|rope_type, factor, ...} or null).  @default_theta
 * is the architecture's default when no theta is given. */
gboolean     sy_rope_params_read    (json_object   *config,
                                     const char    *file,
                                     double         default_theta,
                                     SyRopeParams  *out,
                                     GError       **error);

/* ---- generation config ---- */

#define SY_MAX_EOS_TOKENS 16

typedef struct
{
  int64_t bos_token_id;                        /* -1 when absent */
  int64_t pad_token_id;                        /* -1 when absent */
  int     n_eos_token_ids;
  int64_t eos_token_ids[SY_MAX_EOS_TOKENS];
} SyGenerationConfig;

/* Reads bos/eos/pad token ids from one object (config.json or
 * generation_config.json); ids present in @obj replace those in @out, so
 * call it on config.json first and on generation_config.json second. */
gboolean     sy_generation_config_read (json_object        *obj,
                                        const char         *file,
                                        SyGenerationConfig *out,
                                        GError            **error);
/* For a model folder: config.json's ids, overridden by those of
 * generation_config.json when that file exists.  config.json must exist. */
gboolean     sy_generation_config_load (const char         *folder,
                                        SyGenerationConfig *out,
                                        GError            **error);
/* TRUE when @token is one of the eos ids. */
gboolean     sy_generation_config_is_eos (const SyGenerationConfig *config,
                                          int64_t                   token);

typedef json_object SyJson;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyJson, json_object_put)

G_END_DECLS
