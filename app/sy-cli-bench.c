/* sy-cli-bench.c: `switchyard-cli bench`, prefill and decode speed
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench --model M [--decode-tokens N] [--repeat N] [--last-logits] [--json]
 *
 * Prefill tokens/s for a 32- and a 128-token prompt (fresh cache each
 * time), decode tokens/s after the 128-token prompt, and the peak
 * resident memory (VmHWM, which counts the mapped weights touched).
 * One untimed 8-token run first brings the weights into memory.
 * Prefill computes every position's logits (what the app needs for
 * per-token figures); --last-logits times, beside it, each prefill with
 * the LM head of the last position only (sy_session_set_last_logits), as
 * llama-bench's pp does.
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "sy-cli-model.h"
#include "sy-cli.h"
#include "sy-session.h"
#include "sy-weight-memory.h"
#include "sy-quant-matmul.h"

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU time of the whole process (all threads): on a machine shared with
 * other work, wall time alone says little */
static double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
peak_rss_mib (void)
{
  gint64 kib = sy_proc_kib ("/proc/self/status", "VmHWM");

  return kib < 0 ? -1 : kib / 1024.0;
}

static double op_time[SY_N_OPS];

static gboolean
timed_run (SySession     *session,
           const int32_t *ids,
           int            n,
           double        *seconds,
           double        *cpu,
           GError       **error)
{
  double t0 = now_s (), c0 = cpu_s ();
  SyTrace *trace = sy_session_run (session, ids, n, NULL, NULL, error);

  if (trace == NULL)
    return FALSE;
  *seconds = now_s () - t0;
  *cpu = cpu_s () - c0;
  memcpy (op_time, trace->op_time_s, sizeof op_time);
  sy_trace_free (trace);
  return TRUE;
}

/* What bench measures. */
typedef struct
{
  double load_s;
  double prefill_s[2];               /* best of --repeat, 32 and 128 tokens */
  double prefill_cpu[2];
  double prefill_ops[2][SY_N_OPS];
  gboolean last_logits;              /* --last-logits: the figures below */
  double last_s[2];                  /* prefill, LM head of the last position only */
  double last_cpu[2];
  double last_ops[2][SY_N_OPS];
  double decode_s;                   /* summed over the decode steps */
  double decode_cpu;
  double decode_ops[SY_N_OPS];       /* per step */
  int    decode_tokens;
  SyActivations activations;
} Figures;

/* the kernels this CPU runs for weights of type @d under @mode */
static char *
kernels_line (SyDType       d,
              SyActivations mode)
{
  if (!sy_dtype_is_quantized (d))
    return g_strdup ("half / float kernels");
  if (mode != SY_ACTIVATIONS_Q8)
    return g_strdup (sy_quant_matmul_path (d));
  if (g_strcmp0 (sy_quant_matmul_q8_path (d), "none") == 0)
    return g_strdup_printf ("q8: no kernel, exact path: %s", sy_quant_matmul_path (d));
  return g_strdup_printf ("q8: %s (8-bit activations)", sy_quant_matmul_q8_path (d));
}

static const int prompts[2] = { 32, 128 };

/* The prefill figures of both prompt lengths as "prefill32TAG_s",
 * "prefill32TAG_tok_s", ... then the CPU times, "prefill32TAG_cpu_s", ... */
static void
add_prefill_json (json_object  *root,
                  const char   *tag,
                  const double  s[2],
                  const double  cpu[2])
{
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *key = g_strdup_printf ("prefill%d%s_s", prompts[i], tag);
      g_autofree char *rate = g_strdup_printf ("prefill%d%s_tok_s", prompts[i], tag);

      json_object_object_add (root, key, json_object_new_double (s[i]));
      json_object_object_add (root, rate, json_object_new_double (prompts[i] / s[i]));
    }
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *key = g_strdup_printf ("prefill%d%s_cpu_s", prompts[i], tag);

      json_object_object_add (root, key, json_object_new_double (cpu[i]));
    }
}

static void
print_json (const SyModelInfo *info,
            const Figures     *f)
{
  json_object *root = json_object_new_object ();
  json_object *types = json_object_new_object ();

  json_object_object_add (root, "model", json_object_new_string (info->name));
  json_object_object_add (root, "dtype", json_object_new_string (info->dtype));
  json_object_object_add (root, "threads", json_object_new_int (g_get_num_processors ()));
  for (int d = 0; d < SY_N_DTYPES; d++)
    if (info->n_by_dtype[d] > 0)
      {
        json_object *o = json_object_new_object ();
        g_autofree char *k = kernels_line (d, f->activations);

        json_object_object_add (o, "tensors", json_object_new_int (info->n_by_dtype[d]));
        json_object_object_add (o, "kernels", json_object_new_string (k));
        json_object_object_add (types, sy_dtype_name (d), o);
      }
  json_object_object_add (root, "weight_types", types);
  json_object_object_add (root, "activations", json_object_new_string (
    sy_activations_to_string (f->activations)));
  json_object_object_add (root, "load_s", json_object_new_double (f->load_s));
  json_object_object_add (root, "resident", json_object_new_boolean (info->resident));
  add_prefill_json (root, "", f->prefill_s, f->prefill_cpu);
  if (f->last_logits)
    add_prefill_json (root, "_last_logits", f->last_s, f->last_cpu);
  json_object_object_add (root, "decode_tok_s", json_object_new_double (f->decode_tokens / f->decode_s));
  json_object_object_add (root, "decode_cpu_s_per_tok",
                          json_object_new_double (f->decode_cpu / f->decode_tokens));
  json_object_object_add (root, "peak_rss_mib", json_object_new_double (peak_rss_mib ()));
  printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY));
  json_object_put (root);
}

static void
print_text (const SyModelInfo *info,
            const Figures     *f)
{
  static const char *const op_names[SY_N_OPS] = { "attention", "router", "experts", "lm_head", "other" };

  printf ("model          %s (%s, %s, %d layers, %d experts, top-%d)\n", info->name,
          info->model_type, info->dtype, info->n_layers, info->n_experts, info->native_k);
  printf ("load           %.2f s%s\n", f->load_s, info->resident ? " (weights copied into process memory)" : " (weights memory-mapped)");
  printf ("threads        %d\n", g_get_num_processors ());
  /* each stored type and the kernels this CPU runs for it */
  for (int d = 0; d < SY_N_DTYPES; d++)
    if (info->n_by_dtype[d] > 0)
      {
        g_autofree char *k = kernels_line (d, f->activations);

        printf ("weights        %-6s %4d tensors  %s\n", sy_dtype_name (d), info->n_by_dtype[d], k);
      }
  printf ("prefill 32     %.3f s  %.1f tokens/s  (CPU %.3f s)\n", f->prefill_s[0], 32 / f->prefill_s[0], f->prefill_cpu[0]);
  printf ("prefill 128    %.3f s  %.1f tokens/s  (CPU %.3f s)\n", f->prefill_s[1], 128 / f->prefill_s[1], f->prefill_cpu[1]);
  if (f->last_logits)
    for (int i = 0; i < 2; i++)
      printf ("prefill %-3d    %.3f s  %.1f tokens/s  (CPU %.3f s)  last logits only (llama-bench pp)\n",
              prompts[i], f->last_s[i], prompts[i] / f->last_s[i], f->last_cpu[i]);
  printf ("decode         %.1f tokens/s (%d tokens after 128; CPU %.2f ms/token)\n",
          f->decode_tokens / f->decode_s, f->decode_tokens, 1e3 * f->decode_cpu / f->decode_tokens);
  printf ("peak RSS       %.0f MiB\n", peak_rss_mib ());
  for (int i = 0; i < 2; i++)
    {
      printf ("prefill %-3d    ", prompts[i]);
      for (int o = 0; o < SY_N_OPS; o++)
        printf ("%s %.3f s%s", op_names[o], f->prefill_ops[i][o], o + 1 < SY_N_OPS ? ", " : "\n");
    }
  if (f->last_logits)
    for (int i = 0; i < 2; i++)
      {
        printf ("prefill %-3d    ", prompts[i]);
        for (int o = 0; o < SY_N_OPS; o++)
          printf ("%s %.3f s%s", op_names[o], f->last_ops[i][o], o + 1 < SY_N_OPS ? ", " : "");
        printf ("  (last logits only)\n");
      }
  printf ("decode/token   ");
  for (int o = 0; o < SY_N_OPS; o++)
    printf ("%s %.1f ms%s", op_names[o], 1e3 * f->decode_ops[o], o + 1 < SY_N_OPS ? ", " : "\n");
}

int
sy_cli_bench (int    argc,
              char **argv)
{
  g_autofree char *model_path = NULL;
  int decode_tokens = 16, repeat = 1;
  gboolean json = FALSE, lock = FALSE, resident = FALSE, mapped = FALSE, last_logits = FALSE;
  g_autofree char *activations = NULL;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_ACTIVATIONS (&activations),
    { "resident", 0, 0, G_OPTION_ARG_NONE, &resident,
      "Copy the weights (stored precision) into process memory even where they would not fit by the default rule", NULL },
    { "mmap", 0, 0, G_OPTION_ARG_NONE, &mapped,
      "Read the weights in place from the file mapping (no copy at load)", NULL },
    { "mlock", 0, 0, G_OPTION_ARG_NONE, &lock,
      "Lock the weights in memory (as llama.cpp --mlock) so the kernel cannot page them out between runs", NULL },
    SY_CLI_OPTION_MODEL (&model_path),
    { "decode-tokens", 0, 0, G_OPTION_ARG_INT, &decode_tokens, "Decode steps to time (default 16)", "N" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Runs of each prefill, best kept (default 1)", "N" },
    { "last-logits", 0, 0, G_OPTION_ARG_NONE, &last_logits,
      "Also time each prefill with the LM head of the last position only (as llama-bench's pp), "
      "printed beside the default, which computes every position's logits", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the figures as JSON", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autofree int32_t *ids = NULL;
  const SyModelInfo *info;
  Figures f = { .prefill_s = { G_MAXDOUBLE, G_MAXDOUBLE }, .last_s = { G_MAXDOUBLE, G_MAXDOUBLE } };
  double t0, s, c;
  int n_max;

  if (!sy_cli_parse_options ("bench", "- measure prefill and decode speed", NULL, entries, TRUE, &argc, &argv))
    return 1;
  if (sy_cli_activations_error ("bench", activations) != NULL)
    return sy_cli_error ("%s", sy_cli_activations_error ("bench", activations));
  if (decode_tokens < 1 || decode_tokens > 4096 || repeat < 1 || repeat > 100)
    return sy_cli_error ("bench: --decode-tokens or --repeat out of range");

  t0 = now_s ();
  model = sy_cli_load_model (model_path, resident ? SY_MODEL_LOAD_RESIDENT
                             : mapped ? SY_MODEL_LOAD_MAPPED : SY_MODEL_LOAD_DEFAULT,
                             &error);
  if (model == NULL)
    return sy_cli_error_from (error);
  f.load_s = now_s () - t0;
  info = sy_model_get_info (model);
  if (lock && mlockall (MCL_CURRENT) != 0)
    fprintf (stderr, "switchyard-cli: warning: --mlock: %s\n", g_strerror (errno));

  f.decode_tokens = decode_tokens;
  f.last_logits = last_logits;
  f.activations = sy_cli_activations (activations);
  n_max = 128 + decode_tokens;
  ids = g_new (int32_t, n_max);
  for (int i = 0; i < n_max; i++)
    ids[i] = g_rand_int_range (rand, 0, info->vocab_size);
  if (info->bos_token_id >= 0)
    ids[0] = info->bos_token_id;

  session = sy_session_new (model);
  sy_session_set_activations (session, f.activations);
  if (!timed_run (session, ids, 8, &s, &c, &error))       /* warm-up */
    return sy_cli_error_from (error);

  for (int r = 0; r < repeat; r++)
    for (int i = 0; i < 2; i++)
      {
        if (last_logits)
          {
            /* before the default run: decode starts from a prompt with
             * every position's logits, as without the option */
            sy_session_reset (session);
            sy_session_set_last_logits (session, TRUE);
            if (!timed_run (session, ids, prompts[i], &s, &c, &error))
              return sy_cli_error_from (error);
            sy_session_set_last_logits (session, FALSE);
            if (s < f.last_s[i])
              {
                f.last_s[i] = s;
                f.last_cpu[i] = c;
                memcpy (f.last_ops[i], op_time, sizeof op_time);
              }
          }
        sy_session_reset (session);
        if (!timed_run (session, ids, prompts[i], &s, &c, &error))
          return sy_cli_error_from (error);
        if (s < f.prefill_s[i])
          {
            f.prefill_s[i] = s;
            f.prefill_cpu[i] = c;
            memcpy (f.prefill_ops[i], op_time, sizeof op_time);
          }
      }
  /* the session holds the 128-token prompt: decode from there */
  for (int i = 0; i < decode_tokens; i++)
    {
      if (!timed_run (session, ids, 128 + i + 1, &s, &c, &error))
        return sy_cli_error_from (error);
      f.decode_s += s;
      f.decode_cpu += c;
      for (int o = 0; o < SY_N_OPS; o++)
        f.decode_ops[o] += op_time[o] / decode_tokens;
    }

  if (json)
    print_json (info, &f);
  else
    print_text (info, &f);
  return 0;
}
