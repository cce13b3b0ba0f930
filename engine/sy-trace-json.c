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
#include "sy-json.h"
#include "sy-trace-json.h"

static const char * const depth_names[] = { NULL, "shallow", "deep" };

/* ---- the cell fields ---------------------------------------------------- */

/* What a cell (one token in one layer) holds, described once for both
 * writers: in the table's order in JSON, in csv_column's order in CSV (the
 * reader takes the float fields from it too). */
typedef enum
{
  FIELD_K,           /* int: the routed K */
  FIELD_BUDGET,      /* int: the layer's budget (CSV only: a layer member in JSON) */
  FIELD_EXPERTS,     /* the first k experts: [3,1] in JSON, 3/1 in CSV */
  FIELD_WEIGHTS,     /* their weights, the same way */
  FIELD_PROBS,       /* π of every expert: an array in JSON, columns p0, p1, … in CSV */
  FIELD_FLOAT,       /* a per-token float: null in JSON, empty in CSV when not finite */
  FIELD_DEPTH,       /* "shallow", "deep" or none */
  FIELD_FLAG,        /* a SyCellFlags bit: present only when set in JSON, 0/1 in CSV */
  FIELD_GROUP_MASK,  /* JSON only, present only when not 0 */
  FIELD_NLL,         /* the NLL of the next token (CSV only: a metric in JSON) */
} FieldKind;

typedef struct
{
  const char *name;
  FieldKind   kind;
  gsize       offset;      /* FIELD_FLOAT: of the (n_tokens) float array in SyTraceLayer */
  guint8      flag;        /* FIELD_FLAG */
  gboolean    json;        /* written in the JSON cell */
  int         csv_column;  /* after layer,moe,token,id,text; -1: not in the CSV */
} CellField;

#define FLOAT_FIELD(name, json, col) \
  { #name, FIELD_FLOAT, G_STRUCT_OFFSET (SyTraceLayer, name), 0, json, col }

static const CellField cell_fields[] = {
  { "k",            FIELD_K,          0, 0, TRUE,   0 },
  { "budget",       FIELD_BUDGET,     0, 0, FALSE,  1 },
  { "experts",      FIELD_EXPERTS,    0, 0, TRUE,   2 },
  { "weights",      FIELD_WEIGHTS,    0, 0, TRUE,   3 },
  { "probs",        FIELD_PROBS,      0, 0, TRUE,  12 },
  FLOAT_FIELD (cum,        TRUE, 4),
  FLOAT_FIELD (importance, TRUE, 6),
  FLOAT_FIELD (complexity, TRUE, 7),
  { "depth",        FIELD_DEPTH,      0, 0, TRUE,   8 },
  FLOAT_FIELD (entropy,    TRUE, 5),
  { "sink",         FIELD_FLAG,       0, SY_CELL_SINK, TRUE, 9 },
  { "nan_fallback", FIELD_FLAG,       0, SY_CELL_NAN_FALLBACK, TRUE, 10 },
  { "group_mask",   FIELD_GROUP_MASK, 0, 0, TRUE,  -1 },
  { "nll",          FIELD_NLL,        0, 0, FALSE, 11 },
};

#define N_CSV_COLUMNS 12  /* columns 0..11; the probs (12) come last, when asked for */

/* A cell: token @t of MoE layer @l of @trace; its experts and weights
 * start at @row, the first @k of them chosen. */
typedef struct
{
  const SyTrace      *trace;
  const SyTraceLayer *l;
  int                 t;
  gsize               row;
  int                 k;
} Cell;

static Cell
cell_at (const SyTrace      *trace,
         const SyTraceLayer *l,
         int                 t)
{
  int E = trace->n_experts;

  return (Cell) { trace, l, t, (gsize) t * E, CLAMP (l->k[t], 0, E) };
}

/* The (n_tokens) array of a FIELD_FLOAT. */
static float *
field_floats (const CellField    *f,
              const SyTraceLayer *l)
{
  return *(float * const *) ((const char *) l + f->offset);
}

/* TRUE when the JSON cell @c holds @f. */
static gboolean
field_in_json (const CellField *f,
               const Cell      *c)
{
  if (!f->json)
    return FALSE;
  if (f->kind == FIELD_FLAG)
    return (c->l->flags[c->t] & f->flag) != 0;
  if (f->kind == FIELD_GROUP_MASK)
    return c->l->group_mask[c->t] != 0;
  return TRUE;
}

/* The first k experts or weights of @c, joined by @sep. */
static void
append_chosen (GString         *s,
               const CellField *f,
               const Cell      *c,
               char             sep)
{
  for (int j = 0; j < c->k; j++)
    {
      if (j)
        g_string_append_c (s, sep);
      if (f->kind == FIELD_EXPERTS)
        g_string_append_printf (s, "%d", c->l->experts[c->row + j]);
      else
        sy_json_append_float (s, c->l->weights[c->row + j]);
    }
}

static void
append_csv_float (GString *s,
                  float    v)
{
  if (isfinite (v))
    sy_json_append_float (s, v);
}

/* The value of @f in @c: as JSON, or as a CSV field (FIELD_PROBS: every
 * expert's column, each after a comma). */
static void
append_field (GString         *s,
              const CellField *f,
              const Cell      *c,
              gboolean         csv)
{
  const SyTrace *trace = c->trace;
  const SyTraceLayer *l = c->l;
  int t = c->t, E = trace->n_experts;
  SyDepth depth = l->depth[t];
  gboolean has_depth = depth == SY_DEPTH_SHALLOW || depth == SY_DEPTH_DEEP;

  switch (f->kind)
    {
    case FIELD_K:
      g_string_append_printf (s, "%d", l->k[t]);
      break;
    case FIELD_BUDGET:
      g_string_append_printf (s, "%d", l->budget);
      break;
    case FIELD_EXPERTS:
    case FIELD_WEIGHTS:
      if (!csv)
        g_string_append_c (s, '[');
      append_chosen (s, f, c, csv ? '/' : ',');
      if (!csv)
        g_string_append_c (s, ']');
      break;
    case FIELD_PROBS:
      if (!csv)
        g_string_append_c (s, '[');
      for (int e = 0; e < E; e++)
        {
          if (csv)
            {
              g_string_append_c (s, ',');
              append_csv_float (s, l->probs[c->row + e]);
              continue;
            }
          if (e)
            g_string_append_c (s, ',');
          sy_json_append_float (s, l->probs[c->row + e]);
        }
      if (!csv)
        g_string_append_c (s, ']');
      break;
    case FIELD_FLOAT:
      if (csv)
        append_csv_float (s, field_floats (f, l)[t]);
      else
        sy_json_append_float (s, field_floats (f, l)[t]);
      break;
    case FIELD_DEPTH:
      if (csv && has_depth)
        g_string_append (s, depth_names[depth]);
      else if (!csv)
        sy_json_append_string (s, has_depth ? depth_names[depth] : NULL);
      break;
    case FIELD_FLAG:
      if (csv)
        g_string_append_printf (s, "%d", !!(l->flags[t] & f->flag));
      else
        g_string_append (s, "true");
      break;
    case FIELD_GROUP_MASK:
      g_string_append_printf (s, "%d", l->group_mask[t]);
      break;
    case FIELD_NLL:
      if (t + 1 < trace->n_tokens)
        append_csv_float (s, trace->nll[t]);
      break;
    default:
      g_return_if_reached ();
    }
}

/* ---- writing ---------------------------------------------------------- */

static void
put_key (GString    *s,
         const char *key)
{
  g_string_append_c (s, '"');
  g_string_append (s, key);
  g_string_append (s, "\":");
}

static void
put_cell (GString    *s,
          const Cell *c)
{
  gboolean first = TRUE;

  g_string_append_c (s, '{');
  for (gsize i = 0; i < G_N_ELEMENTS (cell_fields); i++)
    {
      const CellField *f = &cell_fields[i];

      if (!field_in_json (f, c))
        continue;
      if (!first)
        g_string_append_c (s, ',');
      first = FALSE;
      put_key (s, f->name);
      append_field (s, f, c, FALSE);
    }
  g_string_append_c (s, '}');
}

char *
sy_trace_to_json (const SyTrace *trace,
                  gboolean       pretty)
{
  return sy_trace_to_json_full (trace, pretty, NULL);
}

static void
put_tokens (GString       *s,
            const SyTrace *trace)
{
  put_key (s, "tokens");
  g_string_append_c (s, '[');
  for (int t = 0; t < trace->n_tokens; t++)
    {
      if (t)
        g_string_append_c (s, ',');
      g_string_append_printf (s, "{\"id\":%d,\"text\":", (int) trace->ids[t]);
      sy_json_append_string (s, trace->token_text ? trace->token_text[t] : NULL);
      if (trace->offsets)
        g_string_append_printf (s, ",\"offsets\":[%d,%d]",
                                trace->offsets[2 * t], trace->offsets[2 * t + 1]);
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, ']');
}

static void
put_metrics (GString       *s,
             const SyTrace *trace)
{
  put_key (s, "metrics");
  g_string_append (s, "{\"nll\":[");
  for (int t = 0; t + 1 < trace->n_tokens; t++)
    {
      if (t)
        g_string_append_c (s, ',');
      sy_json_append_float (s, trace->nll[t]);
    }
  g_string_append_c (s, ']');
  for (gsize i = 0; i < G_N_ELEMENTS (sy_trace_metrics); i++)
    {
      g_string_append_printf (s, ",\"%s\":", sy_trace_metrics[i].name);
      sy_json_append_double (s, sy_trace_metric_value (trace, &sy_trace_metrics[i]));
    }
  g_string_append (s, ",\"time\":{");
  for (int o = 0; o < SY_N_OPS; o++)
    {
      put_key (s, sy_trace_op_name (o));
      sy_json_append_double (s, trace->op_time_s[o]);
      g_string_append_c (s, ',');
    }
  g_string_append (s, "\"total\":");
  sy_json_append_double (s, trace->total_time_s);
  g_string_append (s, "}}");
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
  sy_json_append_string (s, trace->model);
  g_string_append_printf (s, ",%s%s", nl, in1);
  put_key (s, "router");
  sy_json_append_string (s, trace->router);
  g_string_append_printf (s, ",%s%s", nl, in1);
  g_string_append_printf (s, "\"causal\":%s,\"n_experts\":%d,\"native_k\":%d,\"n_layers\":%d,%s%s",
                          trace->causal ? "true" : "false", E, trace->native_k,
                          trace->n_layers, nl, in1);
  put_tokens (s, trace);
  g_string_append_printf (s, ",%s%s", nl, in1);

  put_key (s, "layers");
  g_string_append_c (s, '[');
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      const SyTraceLayer *l = &trace->layers[i];

      g_string_append_printf (s, "%s%s%s{\"layer\":%d,\"moe\":%d,\"budget\":%d,\"avg_k\":",
                              i ? "," : "", nl, in2, l->layer, l->moe, l->budget);
      sy_json_append_double (s, l->avg_k);
      g_string_append (s, ",\"time_s\":");
      sy_json_append_double (s, l->time_s);
      g_string_append (s, ",\"tokens\":[");
      for (int t = 0; t < n; t++)
        {
          Cell c = cell_at (trace, l, t);

          g_string_append_printf (s, "%s%s%s", t ? "," : "", nl, in3);
          put_cell (s, &c);
        }
      g_string_append (s, "]}");
    }
  g_string_append_printf (s, "%s%s],%s%s", nl, in1, nl, in1);

  put_metrics (s, trace);
  if (extra_members && *extra_members)
    g_string_append_printf (s, ",%s%s%s", nl, in1, extra_members);
  g_string_append_printf (s, "%s}%s", nl, pretty ? "\n" : "");

  return g_string_free (s, FALSE);
}

/* ---- CSV -------------------------------------------------------------- */

char *
sy_trace_to_csv (const SyTrace *trace,
                 gboolean       with_probs)
{
  const CellField *columns[G_N_ELEMENTS (cell_fields)] = { NULL };
  const CellField *probs = NULL;
  GString *s;
  int E, n;

  g_return_val_if_fail (trace != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cell_fields); i++)
    {
      const CellField *f = &cell_fields[i];

      if (f->kind == FIELD_PROBS)
        probs = f;
      else if (f->csv_column >= 0)
        columns[f->csv_column] = f;
    }
  E = trace->n_experts;
  n = trace->n_tokens;
  s = g_string_new ("layer,moe,token,id,text");
  for (int c = 0; c < N_CSV_COLUMNS; c++)
    g_string_append_printf (s, ",%s", columns[c]->name);
  if (with_probs)
    for (int e = 0; e < E; e++)
      g_string_append_printf (s, ",p%d", e);
  g_string_append_c (s, '\n');

  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      const SyTraceLayer *l = &trace->layers[i];

      for (int t = 0; t < n; t++)
        {
          Cell c = cell_at (trace, l, t);

          g_string_append_printf (s, "%d,%d,%d,%d,", l->layer, l->moe, t, (int) trace->ids[t]);
          sy_csv_append_string (s, trace->token_text ? trace->token_text[t] : NULL, SY_CSV_QUOTE_ALWAYS);
          for (int col = 0; col < N_CSV_COLUMNS; col++)
            {
              g_string_append_c (s, ',');
              append_field (s, columns[col], &c, TRUE);
            }
          if (with_probs)
            append_field (s, probs, &c, TRUE);
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
  gboolean ok = sy_engine_set_contents (path, text, -1, error);

  if (!ok)
    g_prefix_error (error, "%s: ", path);
  return ok;
}

/* ---- reading ---------------------------------------------------------- */

/* A JSON value being read, and where it is (for messages). */
typedef struct
{
  json_object *obj;
  const char  *where;
} Node;

/* Member @key of @n (it must be an object) */
static json_object *
member (const Node  *n,
        const char  *key,
        json_type    type,
        GError     **error)
{
  json_object *v = NULL;

  if (!json_object_is_type (n->obj, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s is not an object", n->where);
      return NULL;
    }
  if (!json_object_object_get_ex (n->obj, key, &v))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "trace JSON: %s: missing \"%s\"", n->where, key);
      return NULL;
    }
  if (!json_object_is_type (v, type) &&
      !(type == json_type_double && json_object_is_type (v, json_type_int)))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "trace JSON: %s: \"%s\" has the wrong type", n->where, key);
      return NULL;
    }
  return v;
}

/* A number or null (NaN); FALSE with @error on anything else.  Absent:
 * an error when @required, else @out keeps its value. */
static gboolean
read_number (const Node  *n,
             const char  *key,
             gboolean     required,
             double      *out,
             GError     **error)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (n->obj, key, &v))
    return !required || sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                                         "trace JSON: %s: missing \"%s\"", n->where, key);
  if (v == NULL)
    {
      *out = NAN;
      return TRUE;
    }
  if (!json_object_is_type (v, json_type_double) && !json_object_is_type (v, json_type_int))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: \"%s\" is not a number", n->where, key);
  *out = json_object_get_double (v);
  return TRUE;
}

static gboolean
read_int (const Node  *n,
          const char  *key,
          int          lo,
          int          hi,
          int         *out,
          GError     **error)
{
  json_object *v = member (n, key, json_type_int, error);
  gint64 x;

  if (v == NULL)
    return FALSE;
  x = json_object_get_int64 (v);
  if (x < lo || x > hi)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: \"%s\" = %" G_GINT64_FORMAT " is outside %d..%d",
                           n->where, key, x, lo, hi);
  *out = (int) x;
  return TRUE;
}

/* Member @what of @n, an array (@arr), into @out (@count floats). */
static gboolean
read_float_array (const Node   *n,
                  const char   *what,
                  json_object  *arr,
                  float        *out,
                  int           count,
                  GError      **error)
{
  if ((int) json_object_array_length (arr) != count)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: \"%s\" has %d entries, expected %d",
                           n->where, what, (int) json_object_array_length (arr), count);
  for (int i = 0; i < count; i++)
    {
      json_object *v = json_object_array_get_idx (arr, i);

      if (v == NULL)
        out[i] = NAN;
      else if (json_object_is_type (v, json_type_double) || json_object_is_type (v, json_type_int))
        out[i] = (float) json_object_get_double (v);
      else
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "trace JSON: %s: \"%s\"[%d] is not a number", n->where, what, i);
    }
  return TRUE;
}

static gboolean
read_cell (const Node    *cell,
           SyTraceLayer  *l,
           int            t,
           int            E,
           GError       **error)
{
  const char *where = cell->where;
  json_object *experts, *weights, *probs, *v = NULL;
  gsize row = (gsize) t * E;
  double d;
  int k;

  if (!read_int (cell, "k", 0, E, &k, error))
    return FALSE;
  l->k[t] = k;
  if (!(experts = member (cell, "experts", json_type_array, error)) ||
      !(weights = member (cell, "weights", json_type_array, error)) ||
      !(probs = member (cell, "probs", json_type_array, error)))
    return FALSE;
  if ((int) json_object_array_length (experts) != k)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: \"experts\" has %d entries but k = %d",
                           where, (int) json_object_array_length (experts), k);
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
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "trace JSON: %s: \"experts\"[%d] is not an expert index 0..%d",
                               where, j, E - 1);
      l->experts[row + j] = (int) x;
    }
  if (!read_float_array (cell, "weights", weights, l->weights + row, k, error) ||
      !read_float_array (cell, "probs", probs, l->probs + row, E, error))
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (cell_fields); i++)
    if (cell_fields[i].kind == FIELD_FLOAT)
      {
        if (!read_number (cell, cell_fields[i].name, TRUE, &d, error))
          return FALSE;
        field_floats (&cell_fields[i], l)[t] = (float) d;
      }

  if (!json_object_object_get_ex (cell->obj, "depth", &v))
    return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                           "trace JSON: %s: missing \"depth\"", where);
  if (v == NULL)
    l->depth[t] = SY_DEPTH_NONE;
  else if (json_object_is_type (v, json_type_string) &&
           g_strcmp0 (json_object_get_string (v), "shallow") == 0)
    l->depth[t] = SY_DEPTH_SHALLOW;
  else if (json_object_is_type (v, json_type_string) &&
           g_strcmp0 (json_object_get_string (v), "deep") == 0)
    l->depth[t] = SY_DEPTH_DEEP;
  else
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: \"depth\" must be \"shallow\", \"deep\" or null", where);

  l->flags[t] = 0;
  if (json_object_object_get_ex (cell->obj, "sink", &v) && json_object_get_boolean (v))
    l->flags[t] |= SY_CELL_SINK;
  if (json_object_object_get_ex (cell->obj, "nan_fallback", &v) && json_object_get_boolean (v))
    l->flags[t] |= SY_CELL_NAN_FALLBACK;
  l->group_mask[t] = json_object_object_get_ex (cell->obj, "group_mask", &v) ? json_object_get_int (v) : 0;
  return TRUE;
}

/* E: "n_experts" when present, else the length of the first probs. */
static gboolean
read_n_experts (const Node   *root,
                json_object  *layers,
                int           n,
                int          *E,
                GError      **error)
{
  Node first = { NULL, "layers[0]" }, cell = { NULL, "layers[0].tokens[0]" };
  json_object *cells, *probs, *v = NULL;

  if (json_object_object_get_ex (root->obj, "n_experts", &v))
    return read_int (root, "n_experts", 1, 1 << 16, E, error);
  if (json_object_array_length (layers) == 0 || n == 0 ||
      !(first.obj = json_object_array_get_idx (layers, 0)) ||
      !json_object_is_type (first.obj, json_type_object) ||
      !(cells = member (&first, "tokens", json_type_array, error)) ||
      json_object_array_length (cells) == 0 ||
      !json_object_is_type (cell.obj = json_object_array_get_idx (cells, 0), json_type_object) ||
      !(probs = member (&cell, "probs", json_type_array, error)) ||
      json_object_array_length (probs) == 0)
    {
      if (error && *error == NULL)
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                     "trace JSON: cannot tell the number of experts (no \"n_experts\", no probs)");
      return FALSE;
    }
  *E = json_object_array_length (probs);
  return TRUE;
}

/* The "tokens" array: each token's id, text and offsets. */
static gboolean
read_tokens (SyTrace      *trace,
             json_object  *tokens,
             GError      **error)
{
  for (int t = 0; t < trace->n_tokens; t++)
    {
      g_autofree char *where = g_strdup_printf ("tokens[%d]", t);
      Node tk = { json_object_array_get_idx (tokens, t), where };
      json_object *off = NULL;
      int id = 0;

      if (!read_int (&tk, "id", 0, G_MAXINT32, &id, error))
        return FALSE;
      trace->ids[t] = id;
      trace->token_text[t] = g_strdup (sy_json_peek_string (tk.obj, "text"));
      if (json_object_object_get_ex (tk.obj, "offsets", &off) &&
          json_object_is_type (off, json_type_array) && json_object_array_length (off) == 2)
        {
          if (trace->offsets == NULL)
            trace->offsets = g_new0 (int, 2 * (gsize) MAX (trace->n_tokens, 1));
          trace->offsets[2 * t] = json_object_get_int (json_object_array_get_idx (off, 0));
          trace->offsets[2 * t + 1] = json_object_get_int (json_object_array_get_idx (off, 1));
        }
    }
  return TRUE;
}

static gboolean
read_layer (SyTrace      *trace,
            json_object  *lo,
            int           i,
            GError      **error)
{
  g_autofree char *where = g_strdup_printf ("layers[%d]", i);
  Node node = { lo, where };
  SyTraceLayer *l = &trace->layers[i];
  int n = trace->n_tokens, E = trace->n_experts;
  json_object *cells;

  if (!read_int (&node, "layer", 0, G_MAXINT, &l->layer, error) ||
      !read_int (&node, "moe", 0, G_MAXINT, &l->moe, error) ||
      !read_int (&node, "budget", 0, E, &l->budget, error) ||
      !read_number (&node, "avg_k", FALSE, &l->avg_k, error) ||
      !read_number (&node, "time_s", FALSE, &l->time_s, error))
    return FALSE;
  if (!(cells = member (&node, "tokens", json_type_array, error)))
    return FALSE;
  if ((int) json_object_array_length (cells) != n)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "trace JSON: %s: %d tokens, expected %d", where,
                           (int) json_object_array_length (cells), n);
  for (int t = 0; t < n; t++)
    {
      g_autofree char *cw = g_strdup_printf ("layers[%d].tokens[%d]", i, t);
      Node cell = { json_object_array_get_idx (cells, t), cw };

      if (!read_cell (&cell, l, t, E, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_metrics (SyTrace      *trace,
              json_object  *metrics,
              GError      **error)
{
  Node m = { metrics, "metrics" };
  json_object *nll, *v = NULL;

  if (!(nll = member (&m, "nll", json_type_array, error)) ||
      !read_float_array (&m, "nll", nll, trace->nll, MAX (trace->n_tokens - 1, 0), error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (sy_trace_metrics); i++)
    if (!read_number (&m, sy_trace_metrics[i].name, TRUE,
                      &G_STRUCT_MEMBER (double, trace, sy_trace_metrics[i].offset), error))
      return FALSE;
  if (json_object_object_get_ex (metrics, "time", &v) && json_object_is_type (v, json_type_object))
    {
      json_object *x = NULL;

      for (int o = 0; o < SY_N_OPS; o++)
        if (json_object_object_get_ex (v, sy_trace_op_name (o), &x) && x != NULL)
          trace->op_time_s[o] = json_object_get_double (x);
      if (json_object_object_get_ex (v, "total", &x) && x != NULL)
        trace->total_time_s = json_object_get_double (x);
    }
  return TRUE;
}

/* Everything of the trace once the counts are known. */
static gboolean
read_trace (SyTrace      *trace,
            json_object  *root,
            json_object  *tokens,
            json_object  *layers,
            json_object  *metrics,
            GError      **error)
{
  json_object *v = NULL;

  trace->model = g_strdup (sy_json_peek_string (root, "model"));
  trace->router = g_strdup (sy_json_peek_string (root, "router"));
  if (json_object_object_get_ex (root, "causal", &v))
    trace->causal = json_object_get_boolean (v);
  if (!read_tokens (trace, tokens, error))
    return FALSE;
  for (int i = 0; i < trace->n_moe_layers; i++)
    if (!read_layer (trace, json_object_array_get_idx (layers, i), i, error))
      return FALSE;
  return read_metrics (trace, metrics, error);
}

SyTrace *
sy_trace_from_json (const char  *json,
                    gssize       length,
                    GError     **error)
{
  g_autoptr(SyTrace) trace = NULL;
  json_tokener *tok;
  json_object *root, *tokens, *layers, *metrics, *v = NULL;
  Node top = { NULL, "trace" };
  enum json_tokener_error jerr;
  int n, E = 0, n_layers = 0, native_k = 0;
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
  top.obj = root;
  if (!(tokens = member (&top, "tokens", json_type_array, error)) ||
      !(layers = member (&top, "layers", json_type_array, error)) ||
      !(metrics = member (&top, "metrics", json_type_object, error)))
    goto out;
  n = json_object_array_length (tokens);
  if (!read_n_experts (&top, layers, n, &E, error))
    goto out;
  if (json_object_object_get_ex (root, "n_layers", &v) &&
      !read_int (&top, "n_layers", 0, 1 << 16, &n_layers, error))
    goto out;
  if (json_object_object_get_ex (root, "native_k", &v) &&
      !read_int (&top, "native_k", 0, E, &native_k, error))
    goto out;

  trace = sy_trace_new (n, E, n_layers, json_object_array_length (layers));
  trace->native_k = native_k;
  ok = read_trace (trace, root, tokens, layers, metrics, error);

out:
  json_object_put (root);
  return ok ? g_steal_pointer (&trace) : NULL;
}
