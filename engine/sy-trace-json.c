/* sy-trace-json.c: the trace as JSON and CSV
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The writers build text directly (a trace of a long text holds millions of
 * numbers: no intermediate object tree); the reader uses json-c.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-trace-json.h"

static const char * const op_names[SY_N_OPS] = {
  [SY_OP_ATTENTION] = "attention",
  [SY_OP_ROUTER] = "router",
  [SY_OP_EXPERTS] = "experts",
  [SY_OP_LM_HEAD] = "lm_head",
  [SY_OP_OTHER] = "other",
};

static const char * const depth_names[] = { NULL, "shallow", "deep" };

/* ---- writing ---------------------------------------------------------- */

static void
put_string (GString    *s,
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

/* Shortest decimal text that reads back as the same float. */
static void
put_float (GString *s,
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

static void
put_double (GString *s,
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

static void
put_key (GString    *s,
         const char *key)
{
  g_string_append_c (s, '"');
  g_string_append (s, key);
  g_string_append (s, "\":");
}

char *
sy_trace_to_json (const SyTrace *trace,
                  gboolean       pretty)
{
  return sy_trace_to_json_full (trace, pretty, NULL);
}

char *
sy_trace_to_json_full (const SyTrace *trace,
                       gboolean       pretty,
                       const char    *extra_members)
{
  GString *s;
  int E, n;
  const char *nl = pretty ? "\n" : "";
  const char *in1 = pretty ? "  " : "";
  const char *in2 = pretty ? "    " : "";
  const char *in3 = pretty ? "      " : "";

  g_return_val_if_fail (trace != NULL, NULL);

  E = trace->n_experts;
  n = trace->n_tokens;
  s = g_string_sized_new (256 + (gsize) n * trace->n_moe_layers * (E * 12 + 200));

  g_string_append_printf (s, "{%s%s", nl, in1);
  put_key (s, "model");
  put_string (s, trace->model);
  g_string_append_printf (s, ",%s%s", nl, in1);
  put_key (s, "router");
  put_string (s, trace->router);
  g_string_append_printf (s, ",%s%s", nl, in1);
  g_string_append_printf (s, "\"causal\":%s,\"n_experts\":%d,\"native_k\":%d,\"n_layers\":%d,%s%s",
                          trace->causal ? "true" : "false", E, trace->native_k,
                          trace->n_layers, nl, in1);

  put_key (s, "tokens");
  g_string_append_c (s, '[');
  for (int t = 0; t < n; t++)
    {
      if (t)
        g_string_append_c (s, ',');
      g_string_append_printf (s, "{\"id\":%d,\"text\":", (int) trace->ids[t]);
      put_string (s, trace->token_text ? trace->token_text[t] : NULL);
      if (trace->offsets)
        g_string_append_printf (s, ",\"offsets\":[%d,%d]",
                                trace->offsets[2 * t], trace->offsets[2 * t + 1]);
      g_string_append_c (s, '}');
    }
  g_string_append_printf (s, "],%s%s", nl, in1);

  put_key (s, "layers");
  g_string_append_c (s, '[');
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      const SyTraceLayer *l = &trace->layers[i];

      g_string_append_printf (s, "%s%s%s{\"layer\":%d,\"moe\":%d,\"budget\":%d,\"avg_k\":",
                              i ? "," : "", nl, in2, l->layer, l->moe, l->budget);
      put_double (s, l->avg_k);
      g_string_append (s, ",\"time_s\":");
      put_double (s, l->time_s);
      g_string_append (s, ",\"tokens\":[");
      for (int t = 0; t < n; t++)
        {
          gsize row = (gsize) t * E;
          int k = CLAMP (l->k[t], 0, E);

          g_string_append_printf (s, "%s%s%s{\"k\":%d,\"experts\":[", t ? "," : "", nl, in3, l->k[t]);
          for (int j = 0; j < k; j++)
            g_string_append_printf (s, "%s%d", j ? "," : "", l->experts[row + j]);
          g_string_append (s, "],\"weights\":[");
          for (int j = 0; j < k; j++)
            {
              if (j)
                g_string_append_c (s, ',');
              put_float (s, l->weights[row + j]);
            }
          g_string_append (s, "],\"probs\":[");
          for (int e = 0; e < E; e++)
            {
              if (e)
                g_string_append_c (s, ',');
              put_float (s, l->probs[row + e]);
            }
          g_string_append (s, "],\"cum\":");
          put_float (s, l->cum[t]);
          g_string_append (s, ",\"importance\":");
          put_float (s, l->importance[t]);
          g_string_append (s, ",\"complexity\":");
          put_float (s, l->complexity[t]);
          g_string_append (s, ",\"depth\":");
          if (l->depth[t] == SY_DEPTH_SHALLOW || l->depth[t] == SY_DEPTH_DEEP)
            put_string (s, depth_names[l->depth[t]]);
          else
            g_string_append (s, "null");
          g_string_append (s, ",\"entropy\":");
          put_float (s, l->entropy[t]);
          if (l->flags[t] & SY_CELL_SINK)
            g_string_append (s, ",\"sink\":true");
          if (l->flags[t] & SY_CELL_NAN_FALLBACK)
            g_string_append (s, ",\"nan_fallback\":true");
          if (l->group_mask[t] != 0)
            g_string_append_printf (s, ",\"group_mask\":%d", l->group_mask[t]);
          g_string_append_c (s, '}');
        }
      g_string_append (s, "]}");
    }
  g_string_append_printf (s, "%s%s],%s%s", nl, in1, nl, in1);

  put_key (s, "metrics");
  g_string_append (s, "{\"nll\":[");
  for (int t = 0; t + 1 < n; t++)
    {
      if (t)
        g_string_append_c (s, ',');
      put_float (s, trace->nll[t]);
    }
  g_string_append (s, "],\"perplexity\":");
  put_double (s, trace->perplexity);
  g_string_append (s, ",\"avg_k\":");
  put_double (s, trace->avg_k);
  g_string_append (s, ",\"activated_params\":");
  put_double (s, trace->activated_params);
  g_string_append (s, ",\"flops\":");
  put_double (s, trace->flops);
  g_string_append (s, ",\"time\":{");
  for (int o = 0; o < SY_N_OPS; o++)
    {
      put_key (s, op_names[o]);
      put_double (s, trace->op_time_s[o]);
      g_string_append_c (s, ',');
    }
  g_string_append (s, "\"total\":");
  put_double (s, trace->total_time_s);
  g_string_append (s, "}}");
  if (extra_members && *extra_members)
    g_string_append_printf (s, ",%s%s%s", nl, in1, extra_members);
  g_string_append_printf (s, "%s}%s", nl, pretty ? "\n" : "");

  return g_string_free (s, FALSE);
}

gboolean
sy_trace_write_json (const SyTrace  *trace,
                     const char     *path,
                     GError        **error)
{
  g_autofree char *text = sy_trace_to_json (trace, FALSE);
  g_autoptr(GError) local = NULL;

  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- CSV -------------------------------------------------------------- */

static void
csv_string (GString    *s,
            const char *str)
{
  if (str == NULL)
    return;
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static void
csv_float (GString *s,
           float    v)
{
  if (isfinite (v))
    put_float (s, v);
}

char *
sy_trace_to_csv (const SyTrace *trace,
                 gboolean       with_probs)
{
  GString *s;
  int E, n;

  g_return_val_if_fail (trace != NULL, NULL);

  E = trace->n_experts;
  n = trace->n_tokens;
  s = g_string_new ("layer,moe,token,id,text,k,budget,experts,weights,cum,entropy,"
                    "importance,complexity,depth,sink,nan_fallback,nll");
  if (with_probs)
    for (int e = 0; e < E; e++)
      g_string_append_printf (s, ",p%d", e);
  g_string_append_c (s, '\n');

  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      const SyTraceLayer *l = &trace->layers[i];

      for (int t = 0; t < n; t++)
        {
          gsize row = (gsize) t * E;
          int k = CLAMP (l->k[t], 0, E);

          g_string_append_printf (s, "%d,%d,%d,%d,", l->layer, l->moe, t, (int) trace->ids[t]);
          csv_string (s, trace->token_text ? trace->token_text[t] : NULL);
          g_string_append_printf (s, ",%d,%d,", l->k[t], l->budget);
          for (int j = 0; j < k; j++)
            g_string_append_printf (s, "%s%d", j ? "/" : "", l->experts[row + j]);
          g_string_append_c (s, ',');
          for (int j = 0; j < k; j++)
            {
              if (j)
                g_string_append_c (s, '/');
              put_float (s, l->weights[row + j]);
            }
          g_string_append_c (s, ',');
          csv_float (s, l->cum[t]);
          g_string_append_c (s, ',');
          csv_float (s, l->entropy[t]);
          g_string_append_c (s, ',');
          csv_float (s, l->importance[t]);
          g_string_append_c (s, ',');
          csv_float (s, l->complexity[t]);
          g_string_append_c (s, ',');
          if (l->depth[t] == SY_DEPTH_SHALLOW || l->depth[t] == SY_DEPTH_DEEP)
            g_string_append (s, depth_names[l->depth[t]]);
          g_string_append_printf (s, ",%d,%d,", !!(l->flags[t] & SY_CELL_SINK),
                                  !!(l->flags[t] & SY_CELL_NAN_FALLBACK));
          if (t + 1 < n)
            csv_float (s, trace->nll[t]);
          if (with_probs)
            for (int e = 0; e < E; e++)
              {
                g_string_append_c (s, ',');
                csv_float (s, l->probs[row + e]);
              }
          g_string_append_c (s, '\n');
        }
    }
  return g_string_free (s, FALSE);
}

gboolean
sy_trace_write_csv (const SyTrace  *trace,
                    const char     *path,
                    gboolean        with_probs,
                    GError        **error)
{
  g_autofree char *text = sy_trace_to_csv (trace, with_probs);
  g_autoptr(GError) local = NULL;

  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- reading ---------------------------------------------------------- */

static json_object *
member (json_object  *obj,
        const char   *key,
        json_type     type,
        gboolean      nullable,
        const char   *where,
        GError      **error)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (obj, key, &v))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "trace JSON: %s: missing \"%s\"", where, key);
      return NULL;
    }
  if (v == NULL && nullable)
    return NULL;
  if (!json_object_is_type (v, type) &&
      !(type == json_type_double && json_object_is_type (v, json_type_int)))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"%s\" has the wrong type", where, key);
      return NULL;
    }
  return v;
}

/* A number or null (NaN); FALSE with @error on anything else. */
static gboolean
read_number (json_object  *obj,
             const char   *key,
             double       *out,
             const char   *where,
             GError      **error)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (obj, key, &v))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "trace JSON: %s: missing \"%s\"", where, key);
      return FALSE;
    }
  if (v == NULL)
    {
      *out = NAN;
      return TRUE;
    }
  if (!json_object_is_type (v, json_type_double) && !json_object_is_type (v, json_type_int))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"%s\" is not a number", where, key);
      return FALSE;
    }
  *out = json_object_get_double (v);
  return TRUE;
}

static gboolean
read_int (json_object  *obj,
          const char   *key,
          int           lo,
          int           hi,
          int          *out,
          const char   *where,
          GError      **error)
{
  json_object *v = member (obj, key, json_type_int, FALSE, where, error);
  gint64 x;

  if (v == NULL)
    return FALSE;
  x = json_object_get_int64 (v);
  if (x < lo || x > hi)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"%s\" = %" G_GINT64_FORMAT " is outside %d..%d",
                   where, key, x, lo, hi);
      return FALSE;
    }
  *out = (int) x;
  return TRUE;
}

static gboolean
read_float_array (json_object  *arr,
                  float        *out,
                  int           n,
                  const char   *what,
                  const char   *where,
                  GError      **error)
{
  if ((int) json_object_array_length (arr) != n)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"%s\" has %d entries, expected %d",
                   where, what, (int) json_object_array_length (arr), n);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      json_object *v = json_object_array_get_idx (arr, i);

      if (v == NULL)
        out[i] = NAN;
      else if (json_object_is_type (v, json_type_double) || json_object_is_type (v, json_type_int))
        out[i] = (float) json_object_get_double (v);
      else
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "trace JSON: %s: \"%s\"[%d] is not a number", where, what, i);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_cell (json_object   *cell,
           SyTraceLayer  *l,
           int            t,
           int            E,
           const char    *where,
           GError       **error)
{
  json_object *experts, *weights, *probs, *v = NULL;
  gsize row = (gsize) t * E;
  double d;
  int k;

  if (!json_object_is_type (cell, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s is not an object", where);
      return FALSE;
    }
  if (!read_int (cell, "k", 0, E, &k, where, error))
    return FALSE;
  l->k[t] = k;
  if (!(experts = member (cell, "experts", json_type_array, FALSE, where, error)) ||
      !(weights = member (cell, "weights", json_type_array, FALSE, where, error)) ||
      !(probs = member (cell, "probs", json_type_array, FALSE, where, error)))
    return FALSE;
  if ((int) json_object_array_length (experts) != k)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"experts\" has %d entries but k = %d",
                   where, (int) json_object_array_length (experts), k);
      return FALSE;
    }
  for (int j = 0; j < E; j++)
    {
      l->experts[row + j] = -1;
      l->weights[row + j] = 0;
    }
  for (int j = 0; j < k; j++)
    {
      json_object *e = json_object_array_get_idx (experts, j);
      gint64 x = json_object_is_type (e, json_type_int) ? json_object_get_int64 (e) : -1;

      if (x < 0 || x >= E)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "trace JSON: %s: \"experts\"[%d] is not an expert index 0..%d",
                       where, j, E - 1);
          return FALSE;
        }
      l->experts[row + j] = (int) x;
    }
  if (!read_float_array (weights, l->weights + row, k, "weights", where, error) ||
      !read_float_array (probs, l->probs + row, E, "probs", where, error))
    return FALSE;

  if (!read_number (cell, "cum", &d, where, error))
    return FALSE;
  l->cum[t] = (float) d;
  if (!read_number (cell, "importance", &d, where, error))
    return FALSE;
  l->importance[t] = (float) d;
  if (!read_number (cell, "complexity", &d, where, error))
    return FALSE;
  l->complexity[t] = (float) d;
  if (!read_number (cell, "entropy", &d, where, error))
    return FALSE;
  l->entropy[t] = (float) d;

  if (!json_object_object_get_ex (cell, "depth", &v))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "trace JSON: %s: missing \"depth\"", where);
      return FALSE;
    }
  if (v == NULL)
    l->depth[t] = SY_DEPTH_NONE;
  else if (json_object_is_type (v, json_type_string) &&
           g_strcmp0 (json_object_get_string (v), "shallow") == 0)
    l->depth[t] = SY_DEPTH_SHALLOW;
  else if (json_object_is_type (v, json_type_string) &&
           g_strcmp0 (json_object_get_string (v), "deep") == 0)
    l->depth[t] = SY_DEPTH_DEEP;
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"depth\" must be \"shallow\", \"deep\" or null", where);
      return FALSE;
    }

  l->flags[t] = 0;
  if (json_object_object_get_ex (cell, "sink", &v) && json_object_get_boolean (v))
    l->flags[t] |= SY_CELL_SINK;
  if (json_object_object_get_ex (cell, "nan_fallback", &v) && json_object_get_boolean (v))
    l->flags[t] |= SY_CELL_NAN_FALLBACK;
  l->group_mask[t] = json_object_object_get_ex (cell, "group_mask", &v) ? json_object_get_int (v) : 0;
  return TRUE;
}

SyTrace *
sy_trace_from_json (const char  *json,
                    gssize       length,
                    GError     **error)
{
  g_autoptr(SyTrace) trace = NULL;
  json_tokener *tok;
  json_object *root, *tokens, *layers, *metrics, *nll, *first, *probs, *v = NULL;
  enum json_tokener_error jerr;
  int n, E, L, n_layers = 0, native_k = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (json != NULL, NULL);

  if (length < 0)
    length = strlen (json);
  tok = json_tokener_new ();
  root = json_tokener_parse_ex (tok, json, (int) length);
  jerr = json_tokener_get_error (tok);
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s", json_tokener_error_desc (jerr));
      json_object_put (root);
      return NULL;
    }
  if (!json_object_is_type (root, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: the top level is not an object");
      goto out;
    }
  if (!(tokens = member (root, "tokens", json_type_array, FALSE, "trace", error)) ||
      !(layers = member (root, "layers", json_type_array, FALSE, "trace", error)) ||
      !(metrics = member (root, "metrics", json_type_object, FALSE, "trace", error)))
    goto out;
  n = json_object_array_length (tokens);
  L = json_object_array_length (layers);

  /* E: "n_experts" when present, else the length of the first probs */
  if (json_object_object_get_ex (root, "n_experts", &v))
    {
      if (!read_int (root, "n_experts", 1, 1 << 16, &E, "trace", error))
        goto out;
    }
  else
    {
      json_object *cells;

      if (L == 0 || n == 0 ||
          !(first = json_object_array_get_idx (layers, 0)) ||
          !json_object_is_type (first, json_type_object) ||
          !(cells = member (first, "tokens", json_type_array, FALSE, "layers[0]", error)) ||
          json_object_array_length (cells) == 0 ||
          !json_object_is_type (json_object_array_get_idx (cells, 0), json_type_object) ||
          !(probs = member (json_object_array_get_idx (cells, 0), "probs", json_type_array,
                            FALSE, "layers[0].tokens[0]", error)) ||
          json_object_array_length (probs) == 0)
        {
          if (error && *error == NULL)
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                         "trace JSON: cannot tell the number of experts (no \"n_experts\", no probs)");
          goto out;
        }
      E = json_object_array_length (probs);
    }
  if (json_object_object_get_ex (root, "n_layers", &v) &&
      !read_int (root, "n_layers", 0, 1 << 16, &n_layers, "trace", error))
    goto out;
  if (json_object_object_get_ex (root, "native_k", &v) &&
      !read_int (root, "native_k", 0, E, &native_k, "trace", error))
    goto out;

  trace = sy_trace_new (n, E, n_layers, L);
  trace->native_k = native_k;
  if (json_object_object_get_ex (root, "model", &v) && json_object_is_type (v, json_type_string))
    trace->model = g_strdup (json_object_get_string (v));
  if (json_object_object_get_ex (root, "router", &v) && json_object_is_type (v, json_type_string))
    trace->router = g_strdup (json_object_get_string (v));
  if (json_object_object_get_ex (root, "causal", &v))
    trace->causal = json_object_get_boolean (v);

  for (int t = 0; t < n; t++)
    {
      json_object *tk = json_object_array_get_idx (tokens, t), *off = NULL;
      g_autofree char *where = g_strdup_printf ("tokens[%d]", t);
      int id;

      if (!json_object_is_type (tk, json_type_object))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "trace JSON: %s is not an object", where);
          goto out;
        }
      if (!read_int (tk, "id", 0, G_MAXINT32, &id, where, error))
        goto out;
      trace->ids[t] = id;
      if (json_object_object_get_ex (tk, "text", &v) && json_object_is_type (v, json_type_string))
        trace->token_text[t] = g_strdup (json_object_get_string (v));
      if (json_object_object_get_ex (tk, "offsets", &off) &&
          json_object_is_type (off, json_type_array) && json_object_array_length (off) == 2)
        {
          if (trace->offsets == NULL)
            trace->offsets = g_new0 (int, 2 * (gsize) MAX (n, 1));
          trace->offsets[2 * t] = json_object_get_int (json_object_array_get_idx (off, 0));
          trace->offsets[2 * t + 1] = json_object_get_int (json_object_array_get_idx (off, 1));
        }
    }

  for (int i = 0; i < L; i++)
    {
      json_object *lo = json_object_array_get_idx (layers, i), *cells;
      SyTraceLayer *l = &trace->layers[i];
      g_autofree char *where = g_strdup_printf ("layers[%d]", i);
      double d;

      if (!json_object_is_type (lo, json_type_object))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "trace JSON: %s is not an object", where);
          goto out;
        }
      if (!read_int (lo, "layer", 0, G_MAXINT, &l->layer, where, error) ||
          !read_int (lo, "moe", 0, G_MAXINT, &l->moe, where, error) ||
          !read_int (lo, "budget", 0, E, &l->budget, where, error))
        goto out;
      if (json_object_object_get_ex (lo, "avg_k", &v))
        {
          if (!read_number (lo, "avg_k", &d, where, error))
            goto out;
          l->avg_k = d;
        }
      if (json_object_object_get_ex (lo, "time_s", &v))
        {
          if (!read_number (lo, "time_s", &d, where, error))
            goto out;
          l->time_s = d;
        }
      if (!(cells = member (lo, "tokens", json_type_array, FALSE, where, error)))
        goto out;
      if ((int) json_object_array_length (cells) != n)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "trace JSON: %s: %d tokens, expected %d", where,
                       (int) json_object_array_length (cells), n);
          goto out;
        }
      for (int t = 0; t < n; t++)
        {
          g_autofree char *cw = g_strdup_printf ("layers[%d].tokens[%d]", i, t);

          if (!read_cell (json_object_array_get_idx (cells, t), l, t, E, cw, error))
            goto out;
        }
    }

  if (!(nll = member (metrics, "nll", json_type_array, FALSE, "metrics", error)) ||
      !read_float_array (nll, trace->nll, MAX (n - 1, 0), "nll", "metrics", error) ||
      !read_number (metrics, "perplexity", &trace->perplexity, "metrics", error) ||
      !read_number (metrics, "avg_k", &trace->avg_k, "metrics", error) ||
      !read_number (metrics, "activated_params", &trace->activated_params, "metrics", error) ||
      !read_number (metrics, "flops", &trace->flops, "metrics", error))
    goto out;
  if (json_object_object_get_ex (metrics, "time", &v) && json_object_is_type (v, json_type_object))
    {
      json_object *x = NULL;

      for (int o = 0; o < SY_N_OPS; o++)
        if (json_object_object_get_ex (v, op_names[o], &x) && x != NULL)
          trace->op_time_s[o] = json_object_get_double (x);
      if (json_object_object_get_ex (v, "total", &x) && x != NULL)
        trace->total_time_s = json_object_get_double (x);
    }
  ok = TRUE;

out:
  json_object_put (root);
  return ok ? g_steal_pointer (&trace) : NULL;
}
