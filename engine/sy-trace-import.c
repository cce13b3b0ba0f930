/* sy-trace-import.c: vLLM, SGLang and llama.cpp routing dumps as traces
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forms (docs/trace-format.md "Importing"):
 * - vLLM (--enable-return-routed-experts): CompletionOutput.routed_experts
 *   is an integer array [seq_len, n_layers, top_k], seq_len = prompt +
 *   generated tokens - 1 (the last sampled token is never forwarded).  The
 *   OpenAI server returns it per choice as "routed_experts", a base64 .npy
 *   file; offline users save it with np.save or as nested lists.
 * - SGLang (--enable-return-routed-experts, return_routed_experts=True):
 *   meta_info.routed_experts is base64 of the flat little-endian array
 *   [positions, n_layers, top_k] (dtype meta_info.routed_experts_dtype,
 *   int32 when absent); -1 marks layers or slots without a routed expert.
 * - llama.cpp: the eval-callback moe-trace writes one CSV row per
 *   (token, layer, expert) from the ffn_moe_topk-<layer> tensors.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-trace-import.h"

typedef struct
{
  int      T, L, K;      /* rows, layer columns, slots */
  int     *sel;          /* (T, L, K) expert ids, -1 = none */
  float   *w;            /* (T, L, K) weights, or NULL */
  int     *layer_index;  /* (L) decoder-layer index of each column, or NULL: 0..L-1 */
  int32_t *ids;          /* (T) or NULL */
  char   **text;         /* (T) or NULL */
  char    *full_text;
} Grid;

static void
grid_clear (Grid *g)
{
  g_free (g->sel);
  g_free (g->w);
  g_free (g->layer_index);
  g_free (g->ids);
  if (g->text)
    for (int t = 0; t < g->T; t++)
      g_free (g->text[t]);
  g_free (g->text);
  g_free (g->full_text);
}

/* The prompt followed by the completion's text, when the dump has the
 * prompt as a string. */
static void
grid_set_full_text (Grid        *g,
                    json_object *prompt,
                    json_object *completion)
{
  if (prompt && json_object_is_type (prompt, json_type_string))
    g->full_text = g_strconcat (json_object_get_string (prompt),
                                completion ? json_object_get_string (completion) : "",
                                NULL);
}

gboolean
sy_import_source_parse (const char     *name,
                        SyImportSource *out,
                        GError        **error)
{
  if (g_strcmp0 (name, "vllm") == 0)
    *out = SY_IMPORT_VLLM;
  else if (g_strcmp0 (name, "sglang") == 0)
    *out = SY_IMPORT_SGLANG;
  else if (g_strcmp0 (name, "llamacpp") == 0 || g_strcmp0 (name, "llama.cpp") == 0)
    *out = SY_IMPORT_LLAMACPP;
  else
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                "import: unknown source '%s' (use vllm, sglang or llamacpp)", name ? name : "");
  return TRUE;
}

static SyTraceFile *
grid_to_file (Grid                  *g,
              const char            *source,
              const SyImportOptions *o,
              const char            *name,
              GError               **error)
{
  g_autofree int *moe = g_new0 (int, MAX (g->L, 1));
  g_autoptr (SyTraceFile) tf = NULL;
  SyTrace *tr;
  int Lm = 0, E = 0, K = 0, n_layers = 0;

  if (g->T < 1)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: no tokens in the routing dump", name);
      return NULL;
    }
  /* MoE layers: columns with at least one expert (others are dense) */
  for (int l = 0; l < g->L; l++)
    {
      gboolean any = FALSE;

      for (int t = 0; t < g->T && !any; t++)
        for (int j = 0; j < g->K; j++)
          any |= g->sel[((gsize) t * g->L + l) * g->K + j] >= 0;
      if (any)
        moe[Lm++] = l;
      n_layers = MAX (n_layers, (g->layer_index ? g->layer_index[l] : l) + 1);
    }
  if (Lm == 0)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: no routed experts in the routing dump", name);
      return NULL;
    }
  for (gsize i = 0; i < (gsize) g->T * g->L * g->K; i++)
    {
      if (g->sel[i] < -1)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: expert id %d is negative", name,
               g->sel[i]);
          return NULL;
        }
      E = MAX (E, g->sel[i] + 1);
    }
  if (o->n_experts > 0)
    {
      if (E > o->n_experts)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: expert id %d is outside the %d experts given", name, E - 1, o->n_experts);
          return NULL;
        }
      E = o->n_experts;
    }
  if (o->vocab_size > 0 && g->ids)
    for (int t = 0; t < g->T; t++)
      if (g->ids[t] < 0 || g->ids[t] >= o->vocab_size)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: token id %d (token %d) is outside the vocabulary of %d ids", name,
               g->ids[t], t, o->vocab_size);
          return NULL;
        }

  tf = g_new0 (SyTraceFile, 1);
  tf->trace = tr = sy_trace_new (g->T, E, n_layers, Lm);
  tf->source = g_strdup (source);
  tf->values = SY_TRACE_ROUTER_NONE;
  tf->has_weights = g->w != NULL;
  tf->vocab_size = o->vocab_size;
  tf->text = g_strdup (g->full_text);
  tr->model = g_strdup (o->model ? o->model : source);
  tr->router = g_strdup ("native");
  for (int t = 0; t < g->T; t++)
    {
      tr->ids[t] = g->ids ? g->ids[t] : 0;
      tr->token_text[t] = g->text && g->text[t] ? g_strdup (g->text[t])
                          : g->ids ? g_strdup_printf ("#%d", g->ids[t])
                                   : g_strdup_printf ("t%d", t);
      tr->nll[t] = NAN;
    }
  tr->perplexity = tr->activated_params = tr->flops = NAN;

  for (int m = 0; m < Lm; m++)
    {
      SyTraceLayer *tl = &tr->layers[m];
      int l = moe[m];

      tl->layer = g->layer_index ? g->layer_index[l] : l;
      tl->moe = m;
      tl->budget = E;
      for (int t = 0; t < g->T; t++)
        {
          const int *row = g->sel + ((gsize) t * g->L + l) * g->K;
          const float *wr = g->w ? g->w + ((gsize) t * g->L + l) * g->K : NULL;
          int *ex = tl->experts + (gsize) t * E;
          float *w = tl->weights + (gsize) t * E;
          int k = 0;

          for (int j = 0; j < E; j++)
            ex[j] = -1;
          for (int j = 0; j < g->K; j++)
            {
              if (row[j] < 0)
                continue;
              for (int i = 0; i < k; i++)
                if (ex[i] == row[j])
                  {
                    sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                         "%s: token %d, layer %d lists expert %d twice", name, t, tl->layer,
                         row[j]);
                    return NULL;
                  }
              ex[k] = row[j];
              w[k] = wr ? wr[j] : NAN;
              k++;
            }
          for (int j = 0; j < k; j++)
            if (!wr)
              w[j] = 1.0f / k;
          tl->k[t] = k;
          tl->entropy[t] = NAN;
          tl->cum[t] = NAN;
          K = MAX (K, k);
        }
    }
  tr->native_k = MAX (K, 1);
  tf->info.n_experts = E;
  tf->info.native_k = tr->native_k;
  tf->info.n_moe_layers = Lm;
  tf->info.routed_scaling_factor = 1.0f;
  sy_trace_update_avg_k (tr);
  return g_steal_pointer (&tf);
}

/* ---- integer arrays: .npy, raw little-endian, nested JSON lists ---- */

static gboolean
read_int_le (const guint8 *p,
             int           width,
             gboolean      is_signed,
             int64_t      *out)
{
  uint64_t u = 0;

  for (int i = 0; i < width; i++)
    u |= (uint64_t) p[i] << (8 * i);
  if (is_signed && width < 8 && (u >> (8 * width - 1)) & 1)
    u |= ~(uint64_t) 0 << (8 * width);
  *out = (int64_t) u;
  return TRUE;
}

static gboolean
dtype_parse (const char *d,
             int        *width,
             gboolean   *is_signed)
{
  static const struct { const char *name; int w; gboolean s; } names[] = {
    { "int8", 1, TRUE }, { "uint8", 1, FALSE }, { "int16", 2, TRUE }, { "uint16", 2, FALSE },
    { "int32", 4, TRUE }, { "uint32", 4, FALSE }, { "int64", 8, TRUE }, { "uint64", 8, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (d, names[i].name) == 0)
      {
        *width = names[i].w;
        *is_signed = names[i].s;
        return TRUE;
      }
  return FALSE;
}

static int *
ints_from_bytes (const guint8 *p,
                 gsize         n,
                 int           width,
                 gboolean      is_signed,
                 const char   *name,
                 GError      **error)
{
  int *v = g_new (int, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      int64_t x;

      read_int_le (p + i * width, width, is_signed, &x);
      if (x < -1 || x > G_MAXINT32)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: expert id %" G_GINT64_FORMAT
               " at index %zu is not a valid id", name, x, i);
          g_free (v);
          return NULL;
        }
      v[i] = (int) x;
    }
  return v;
}

/* A .npy file of integers (little-endian, C order). */
static int *
npy_parse (const guint8 *data,
           gsize         len,
           const char   *name,
           int          *shape,
           int          *ndim,
           GError      **error)
{
  gsize hlen, off;
  g_autofree char *header = NULL;
  const char *d, *s;
  char descr[8] = { 0, };
  int width = 0;
  gboolean is_signed = TRUE;
  gsize n = 1;

  if (len < 10 || memcmp (data, "\x93NUMPY", 6) != 0)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_MAGIC, "%s: not a .npy file", name);
      return NULL;
    }
  if (data[6] == 1)
    {
      hlen = data[8] | (data[9] << 8);
      off = 10;
    }
  else
    {
      if (len < 12)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED, "%s: .npy header truncated", name);
          return NULL;
        }
      hlen = data[8] | (data[9] << 8) | ((gsize) data[10] << 16) | ((gsize) data[11] << 24);
      off = 12;
    }
  if (off + hlen > len)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED, "%s: .npy header truncated", name);
      return NULL;
    }
  header = g_strndup ((const char *) data + off, hlen);
  off += hlen;
  d = strstr (header, "'descr'");
  if (d == NULL || (d = strchr (d + 7, '\'')) == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT, "%s: .npy header without 'descr'", name);
      return NULL;
    }
  for (int i = 0; i < 7 && d[1 + i] && d[1 + i] != '\''; i++)
    descr[i] = d[1 + i];
  if ((descr[0] != '<' && descr[0] != '|') || (descr[1] != 'i' && descr[1] != 'u') ||
      descr[2] < '1' || descr[2] > '8' || descr[3] != '\0')
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
           "%s: .npy dtype '%s' (expert ids must be little-endian integers)", name, descr);
      return NULL;
    }
  width = descr[2] - '0';
  is_signed = descr[1] == 'i';
  if (width != 1 && width != 2 && width != 4 && width != 8)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: .npy dtype '%s'", name, descr);
      return NULL;
    }
  if (strstr (header, "'fortran_order': True"))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: .npy in Fortran order", name);
      return NULL;
    }
  s = strstr (header, "'shape'");
  if (s == NULL || (s = strchr (s, '(')) == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT, "%s: .npy header without 'shape'", name);
      return NULL;
    }
  *ndim = 0;
  s++;
  while (*s && *s != ')')
    {
      char *end;
      long v;

      while (*s == ' ' || *s == ',')
        s++;
      if (*s == ')')
        break;
      errno = 0;
      v = strtol (s, &end, 10);
      if (end == s || errno || v < 0 || v > G_MAXINT32 || *ndim >= 3)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
               "%s: .npy shape must be [seq_len, n_layers, top_k]", name);
          return NULL;
        }
      shape[(*ndim)++] = (int) v;
      n *= (gsize) v;
      s = end;
    }
  if (*ndim != 3)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
           "%s: .npy array has %d dimensions, expected 3 [seq_len, n_layers, top_k]", name, *ndim);
      return NULL;
    }
  if (len - off < n * width)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED, "%s: .npy data holds %zu of %zu values", name,
           (len - off) / width, n);
      return NULL;
    }
  return ints_from_bytes (data + off, n, width, is_signed, name, error);
}

/* nested lists [T][L][K] */
static int *
nested_parse (json_object *o,
              const char  *name,
              int         *shape,
              GError     **error)
{
  gsize T, L = 0, K = 0;
  int *v;

  T = json_object_array_length (o);
  if (T > 0)
    {
      json_object *r = json_object_array_get_idx (o, 0);

      if (!json_object_is_type (r, json_type_array))
        goto shape;
      L = json_object_array_length (r);
      if (L > 0)
        {
          json_object *c = json_object_array_get_idx (r, 0);

          if (!json_object_is_type (c, json_type_array))
            goto shape;
          K = json_object_array_length (c);
        }
    }
  v = g_new (int, MAX (T * L * K, 1));
  for (gsize t = 0; t < T; t++)
    {
      json_object *r = json_object_array_get_idx (o, t);

      if (!json_object_is_type (r, json_type_array) || json_object_array_length (r) != L)
        {
          g_free (v);
          sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
               "%s: routed_experts[%zu] does not have %zu layers like row 0", name, t, L);
          return NULL;
        }
      for (gsize l = 0; l < L; l++)
        {
          json_object *c = json_object_array_get_idx (r, l);

          if (!json_object_is_type (c, json_type_array) || json_object_array_length (c) != K)
            {
              g_free (v);
              sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                   "%s: routed_experts[%zu][%zu] does not have %zu experts like [0][0]", name, t,
                   l, K);
              return NULL;
            }
          for (gsize j = 0; j < K; j++)
            {
              json_object *e = json_object_array_get_idx (c, j);

              if (!json_object_is_type (e, json_type_int))
                {
                  g_free (v);
                  sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: routed_experts[%zu][%zu][%zu] is not an integer", name, t, l, j);
                  return NULL;
                }
              v[(t * L + l) * K + j] = (int) CLAMP (json_object_get_int64 (e), -2, G_MAXINT32);
            }
        }
    }
  shape[0] = (int) T;
  shape[1] = (int) L;
  shape[2] = (int) K;
  return v;

shape:
  sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
       "%s: routed_experts must be nested lists [seq_len][n_layers][top_k]", name);
  return NULL;
}

static json_object *
get (json_object *o,
     const char  *key)
{
  json_object *v = NULL;

  if (o == NULL || !json_object_is_type (o, json_type_object) ||
      !json_object_object_get_ex (o, key, &v) || json_object_is_type (v, json_type_null))
    return NULL;
  return v;
}

/* ids: @a then @b (JSON int arrays, either may be NULL); TRUE with
 * g->ids NULL when there are none */
static gboolean
grid_ids (Grid        *g,
          json_object *a,
          json_object *b,
          const char  *name,
          GError     **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  json_object *parts[2] = { a, b };

  for (int p = 0; p < 2; p++)
    if (parts[p] && json_object_is_type (parts[p], json_type_array))
      for (gsize i = 0; i < json_object_array_length (parts[p]); i++)
        {
          int32_t v = json_object_get_int (json_object_array_get_idx (parts[p], i));

          g_array_append_val (ids, v);
        }
  /* no prompt ids (SGLang returns only the generated ones): ids unknown */
  if (ids->len == 0 || (a == NULL && ids->len < (guint) g->T))
    {
      g_array_free (ids, TRUE);
      return TRUE;
    }
  if (ids->len < (guint) g->T)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
           "%s: the routing has %d positions but only %u token ids are given", name, g->T,
           ids->len);
      g_array_free (ids, TRUE);
      return FALSE;
    }
  g->ids = (int32_t *) g_array_free (ids, FALSE);
  return TRUE;
}

/* A routing dump: its bytes and its file's base name (for messages). */
typedef struct
{
  const guint8 *data;
  gsize         len;
  const char   *name;
} Dump;

static SyTraceFile *
import_vllm (const Dump             *dump,
             const SyImportOptions  *o,
             GError                **error)
{
  const char *name = dump->name;
  Grid g = { 0, };
  int shape[3] = { 0, }, ndim = 0;
  SyTraceFile *tf;

  if (dump->len >= 6 && memcmp (dump->data, "\x93NUMPY", 6) == 0)
    g.sel = npy_parse (dump->data, dump->len, name, shape, &ndim, error);
  else
    {
      g_autoptr (SyJson) root = sy_json_parse ((const char *) dump->data, (gssize) dump->len, name, error);
      json_object *holder, *re, *choice = NULL, *prompt_ids;

      if (root == NULL)
        return NULL;
      holder = root;
      if (get (root, "choices") && json_object_is_type (get (root, "choices"), json_type_array))
        choice = json_object_array_get_idx (get (root, "choices"), 0);
      else if (get (root, "outputs") && json_object_is_type (get (root, "outputs"), json_type_array))
        choice = json_object_array_get_idx (get (root, "outputs"), 0);
      if (get (holder, "routed_experts") == NULL && choice)
        holder = choice;
      re = get (holder, "routed_experts");
      if (re == NULL)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
               "%s: no routed_experts (run vLLM with --enable-return-routed-experts)", name);
          return NULL;
        }
      if (json_object_is_type (re, json_type_string))
        {
          gsize n = 0;
          g_autofree guint8 *raw = g_base64_decode (json_object_get_string (re), &n);

          g.sel = npy_parse (raw, n, name, shape, &ndim, error);
        }
      else if (json_object_is_type (re, json_type_array))
        g.sel = nested_parse (re, name, shape, error);
      else
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: routed_experts must be a base64 .npy string or nested lists", name);
          return NULL;
        }
      if (g.sel == NULL)
        return NULL;
      g.T = shape[0];
      g.L = shape[1];
      g.K = shape[2];
      prompt_ids = get (root, "prompt_token_ids") ? get (root, "prompt_token_ids")
                                                   : get (choice, "prompt_token_ids");
      if (!grid_ids (&g, prompt_ids, get (choice, "token_ids"), name, error))
        {
          grid_clear (&g);
          return NULL;
        }
      grid_set_full_text (&g, get (root, "prompt"), get (choice, "text"));
    }
  if (g.sel == NULL)
    return NULL;
  g.T = shape[0];
  g.L = shape[1];
  g.K = shape[2];
  tf = grid_to_file (&g, "vllm", o, name, error);
  grid_clear (&g);
  return tf;
}

static SyTraceFile *
import_sglang (const Dump             *dump,
               const SyImportOptions  *o,
               GError                **error)
{
  const char *name = dump->name;
  g_autoptr (SyJson) root = sy_json_parse ((const char *) dump->data, (gssize) dump->len, name, error);
  json_object *obj, *meta, *re;
  Grid g = { 0, };
  g_autofree int *flat = NULL;
  gsize n = 0;
  int rows = 0, L = o->n_layers, K = o->top_k;
  int64_t pt = -1, ct = -1;
  SyTraceFile *tf;

  if (root == NULL)
    return NULL;
  obj = root;
  meta = get (obj, "meta_info");
  if (meta == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: no meta_info (an SGLang /generate response)", name);
      return NULL;
    }
  re = get (meta, "routed_experts");
  if (re == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
           "%s: meta_info has no routed_experts (run SGLang with --enable-return-routed-experts "
           "and ask with return_routed_experts)", name);
      return NULL;
    }
  if (json_object_is_type (re, json_type_string))
    {
      g_autofree char *dt = NULL;
      g_autofree guint8 *raw = NULL;
      int width;
      gboolean is_signed;

      if (!sy_json_get_string (meta, name, "routed_experts_dtype", "int32", &dt, error))
        return NULL;
      if (!dtype_parse (dt, &width, &is_signed))
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: routed_experts_dtype '%s'", name, dt);
          return NULL;
        }
      raw = g_base64_decode (json_object_get_string (re), &n);
      if (n % width != 0)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED, "%s: routed_experts holds %zu bytes, not a whole "
               "number of %s values", name, n, dt);
          return NULL;
        }
      n /= width;
      flat = ints_from_bytes (raw, n, width, is_signed, name, error);
      if (flat == NULL)
        return NULL;
    }
  else if (json_object_is_type (re, json_type_array))
    {
      int shape[3];

      flat = nested_parse (re, name, shape, error);
      if (flat == NULL)
        return NULL;
      n = (gsize) shape[0] * shape[1] * shape[2];
      rows = shape[0];
      L = shape[1];
      K = shape[2];
    }
  else
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
           "%s: meta_info.routed_experts is neither a base64 string nor nested lists", name);
      return NULL;
    }

  if (!sy_json_get_int (meta, name, "prompt_tokens", -1, &pt, error) ||
      !sy_json_get_int (meta, name, "completion_tokens", -1, &ct, error))
    return NULL;
  if (rows == 0 && pt >= 0 && ct >= 0 && pt + ct >= 2)
    rows = (int) (pt + ct - 1);
  if (L <= 0 && K > 0 && rows > 0)
    L = (int) (n / ((gsize) rows * K));
  if (K <= 0 && L > 0 && rows > 0)
    K = (int) (n / ((gsize) rows * L));
  if (L <= 0 || K <= 0)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
           "%s: the flat routed_experts needs --layers N and --top-k K (or one of them and "
           "meta_info prompt_tokens/completion_tokens)", name);
      return NULL;
    }
  if (n % ((gsize) L * K) != 0 || (rows > 0 && n != (gsize) rows * L * K))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
           "%s: routed_experts holds %zu ids, not %s%d layers x %d experts", name, n,
           rows > 0 ? "positions x " : "a multiple of ", L, K);
      return NULL;
    }
  g.T = (int) (n / ((gsize) L * K));
  g.L = L;
  g.K = K;
  g.sel = g_steal_pointer (&flat);
  if (!grid_ids (&g, get (obj, "input_ids"), get (obj, "output_ids"), name, error))
    {
      grid_clear (&g);
      return NULL;
    }
  grid_set_full_text (&g, get (obj, "prompt"), get (obj, "text"));
  tf = grid_to_file (&g, "sglang", o, name, error);
  grid_clear (&g);
  return tf;
}

/* ---- llama.cpp CSV ---- */

/* Splits one CSV line (double quotes may enclose fields with commas). */
static GPtrArray *
csv_split (const char *line)
{
  GPtrArray *f = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);
  gboolean quoted = FALSE, was_quoted = FALSE;

  for (const char *c = line; *c; c++)
    {
      if (quoted)
        {
          if (*c == '"' && c[1] == '"')
            {
              g_string_append_c (cur, '"');
              c++;
            }
          else if (*c == '"')
            quoted = FALSE;
          else
            g_string_append_c (cur, *c);
        }
      else if (*c == '"')
        {
          /* a quoted field keeps its spaces */
          g_string_truncate (cur, 0);
          quoted = was_quoted = TRUE;
        }
      else if (*c == ',')
        {
          g_ptr_array_add (f, was_quoted ? g_strdup (cur->str) : g_strdup (g_strstrip (cur->str)));
          g_string_truncate (cur, 0);
          was_quoted = FALSE;
        }
      else if (was_quoted)
        ;   /* text after the closing quote */
      else if (*c != '\r')
        g_string_append_c (cur, *c);
    }
  g_ptr_array_add (f, was_quoted ? g_strdup (cur->str) : g_strdup (g_strstrip (cur->str)));
  g_string_free (cur, TRUE);
  return f;
}

static int
column (GPtrArray          *header,
        const char * const *names)
{
  for (guint i = 0; i < header->len; i++)
    for (int n = 0; names[n]; n++)
      if (g_ascii_strcasecmp (g_ptr_array_index (header, i), names[n]) == 0)
        return (int) i;
  return -1;
}

typedef struct
{
  int   t, layer, expert;
  float w;
} Row;

/* The token, layer and expert (fields @idx of @f) and the weight (field
 * @cw, when there is one) of CSV line @line_no */
static gboolean
read_row (GPtrArray   *f,
          GPtrArray   *header,
          const int   *idx,
          int          cw,
          const char  *name,
          int          line_no,
          Row         *r,
          GError     **error)
{
  int *cols[3] = { &r->t, &r->layer, &r->expert };

  for (int c = 0; c < 3; c++)
    {
      const char *s = g_ptr_array_index (f, idx[c]);
      char *end;
      long v;

      errno = 0;
      v = strtol (s, &end, 10);
      if (*s == '\0' || *end != '\0' || errno || v < 0 || v > 1 << 24)
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: line %d: %s '%s' is not an index",
                               name, line_no, (const char *) g_ptr_array_index (header, idx[c]), s);
      *cols[c] = (int) v;
    }
  if (cw >= 0 && cw < (int) f->len)
    {
      const char *s = g_ptr_array_index (f, cw);
      char *end;

      r->w = (float) g_ascii_strtod (s, &end);
      if (*s == '\0' || *end != '\0' || !isfinite (r->w))
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: line %d: weight '%s' is not a number",
                               name, line_no, s);
    }
  return TRUE;
}

/* @g's selections (and weights, @with_weights) from @rows: the columns
 * are the layers of @layer_set (layer + 1 each, none above @maxl), in
 * order; each cell keeps its rows' order */
static void
grid_fill (Grid       *g,
           GArray     *rows,
           GHashTable *layer_set,
           int         maxl,
           gboolean    with_weights)
{
  int T = g->T, L = (int) g_hash_table_size (layer_set), K = 0, n = 0;
  g_autofree int *count = NULL;
  g_autofree int *col_of = g_new (int, maxl + 1);

  g->L = L;
  g->layer_index = g_new (int, L);
  for (int l = 0; l <= maxl; l++)
    {
      col_of[l] = -1;
      if (g_hash_table_contains (layer_set, GINT_TO_POINTER (l + 1)))
        {
          col_of[l] = n;
          g->layer_index[n++] = l;
        }
    }
  count = g_new0 (int, (gsize) T * L);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);

      r->layer = col_of[r->layer];
      K = MAX (K, ++count[(gsize) r->t * L + r->layer]);
    }
  g->K = K;
  g->sel = g_new (int, (gsize) T * L * K);
  for (gsize i = 0; i < (gsize) T * L * K; i++)
    g->sel[i] = -1;
  if (with_weights)
    g->w = g_new0 (float, (gsize) T * L * K);
  memset (count, 0, sizeof (int) * T * L);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);
      gsize cell = (gsize) r->t * L + r->layer;
      int j = count[cell]++;

      g->sel[cell * K + j] = r->expert;
      if (g->w)
        g->w[cell * K + j] = r->w;
    }
}

static SyTraceFile *
import_llamacpp (const Dump             *dump,
                 const SyImportOptions  *o,
                 GError                **error)
{
  static const char *const c_token[] = { "token", "pos", "token_idx", "position", NULL };
  static const char *const c_layer[] = { "layer", "il", "layer_idx", NULL };
  static const char *const c_expert[] = { "expert", "expert_id", "expert_idx", NULL };
  static const char *const c_weight[] = { "weight", "prob", "gate", NULL };
  static const char *const c_id[] = { "id", "token_id", NULL };
  static const char *const c_text[] = { "text", "piece", NULL };
  const char *name = dump->name;
  g_autofree char *text = g_strndup ((const char *) dump->data, dump->len);
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) header = NULL;
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr (GHashTable) layer_set = g_hash_table_new (NULL, NULL);
  int ct, cl, ce, cw, ci, cx, T = 0, maxl = -1;
  Grid g = { 0, };
  SyTraceFile *tf;
  int line_no = 0;

  if (!g_utf8_validate (text, -1, NULL))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: not UTF-8 text", name);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  while (lines[line_no] && (lines[line_no][0] == '#' || g_strstrip (lines[line_no])[0] == '\0'))
    line_no++;
  if (lines[line_no] == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: empty CSV", name);
      return NULL;
    }
  header = csv_split (lines[line_no]);
  ct = column (header, c_token);
  cl = column (header, c_layer);
  ce = column (header, c_expert);
  cw = column (header, c_weight);
  ci = column (header, c_id);
  cx = column (header, c_text);
  if (ct < 0 || cl < 0 || ce < 0)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
           "%s: the CSV header must name the columns token, layer and expert (got '%s')", name,
           lines[line_no]);
      return NULL;
    }

  g.ids = NULL;
  for (int i = line_no + 1; lines[i]; i++)
    {
      g_autoptr (GPtrArray) f = NULL;
      Row r = { 0, 0, 0, NAN };
      int idx[3] = { ct, cl, ce };

      if (g_strstrip (lines[i])[0] == '\0' || lines[i][0] == '#')
        continue;
      f = csv_split (lines[i]);
      if ((int) f->len <= MAX (MAX (ct, cl), ce))
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED, "%s: line %d has %u fields, the header %u", name,
               i + 1, f->len, header->len);
          return NULL;
        }
      if (!read_row (f, header, idx, cw, name, i + 1, &r, error))
        return NULL;
      if (r.t >= T)
        {
          int old = T;

          T = r.t + 1;
          g.ids = g_renew (int32_t, g.ids, T);
          g.text = g_renew (char *, g.text, T);
          for (int t = old; t < T; t++)
            {
              g.ids[t] = -1;
              g.text[t] = NULL;
            }
        }
      if (ci >= 0 && ci < (int) f->len)
        g.ids[r.t] = (int32_t) strtol (g_ptr_array_index (f, ci), NULL, 10);
      if (cx >= 0 && cx < (int) f->len && g.text[r.t] == NULL)
        g.text[r.t] = g_strdup (g_ptr_array_index (f, cx));
      maxl = MAX (maxl, r.layer);
      g_hash_table_add (layer_set, GINT_TO_POINTER (r.layer + 1));
      g_array_append_val (rows, r);
    }
  g.T = T;
  if (rows->len == 0)
    {
      grid_clear (&g);
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: no rows", name);
      return NULL;
    }
  if (ci < 0)
    g_clear_pointer (&g.ids, g_free);
  else
    for (int t = 0; t < T; t++)
      if (g.ids[t] < 0)
        {
          grid_clear (&g);
          sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: token %d has no rows (no id)", name, t);
          return NULL;
        }

  /* columns: the layers that appear, in order */
  grid_fill (&g, rows, layer_set, maxl, cw >= 0);
  tf = grid_to_file (&g, "llamacpp", o, name, error);
  grid_clear (&g);
  return tf;
}

SyTraceFile *
sy_trace_import (SyImportSource         source,
                 const char            *path,
                 const SyImportOptions *options,
                 GError               **error)
{
  g_autofree char *data = NULL;
  g_autofree char *name = g_path_get_basename (path);
  SyImportOptions none = { 0, };
  Dump dump = { NULL, 0, name };

  if (!sy_engine_get_contents (path, &data, &dump.len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  dump.data = (const guint8 *) data;
  if (options == NULL)
    options = &none;
  switch (source)
    {
    case SY_IMPORT_VLLM:
      return import_vllm (&dump, options, error);
    case SY_IMPORT_SGLANG:
      return import_sglang (&dump, options, error);
    case SY_IMPORT_LLAMACPP:
    default:
      return import_llamacpp (&dump, options, error);
    }
}
