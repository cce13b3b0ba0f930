/* bench-compare.c: what sharing saves in compare runs (meson benchmark)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For pairs of policies on the fixture models: the CPU time (all threads)
 * of B's run after A with sharing against B's run alone (median of
 * several runs, from scratch each time), and how many decoder layers B took from A.
 * Usage: bench-compare [MODELS_DIR]  (default $SY_FIXTURES/models)
 */
#include "config.h"

#include <stdio.h>

#include "sy-compare.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-test-util.h"

#define N_TOKENS 400
#define REPEATS 9

static double
median (double *v,
        int     n)
{
  sy_test_sort_doubles (v, n);
  return v[n / 2];
}

int
main (int   argc,
      char *argv[])
{
  struct { const char *arch, *a, *b; } cases[] = {
    { "olmoe", "native", "topk:k=native" },
    { "olmoe", "native", "topp:p=0.5" },
    { "deepseek_v3", "native", "topp:p=0.5" },
    { "deepseek_v3", "native", "da:k=4" },
    { "qwen3_moe", "topk:k=2", "native" },
  };
  const char *dir = argc > 1 ? argv[1] : NULL;
  g_autofree char *models = dir ? g_strdup (dir)
                                : g_build_filename (g_getenv ("SY_FIXTURES") ? g_getenv ("SY_FIXTURES") : ".",
                                                    "models", NULL);

  printf ("%-12s %-8s %-14s %6s %14s %15s %8s\n", "model", "A", "B", "shared", "B alone cpu ms",
          "B shared cpu ms", "saving");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = g_build_filename (models, cases[i].arch, NULL);
      g_autoptr (SyModel) m = sy_model_load (path, NULL, NULL, &error);
      g_autoptr (SyRouterSpec) sa = NULL, sb = NULL;
      int32_t ids[N_TOKENS];
      double alone[REPEATS], shared[REPEATS];
      int n_shared = 0, V;

      if (m == NULL)
        {
          fprintf (stderr, "bench-compare: %s\n", error->message);
          return 1;
        }
      V = sy_model_get_info (m)->vocab_size;
      for (int t = 0; t < N_TOKENS; t++)
        ids[t] = (int32_t) ((t * 7919 + 13) % V);
      sa = sy_router_spec_parse (cases[i].a, NULL);
      sb = sy_router_spec_parse (cases[i].b, NULL);
      for (int r = 0; r < REPEATS; r++)
        {
          g_autoptr (SySession) a = sy_session_new (m);
          g_autoptr (SySession) b = sy_session_new (m);
          g_autoptr (SySession) z = sy_session_new (m);
          g_autoptr (SyTrace) ta = NULL, tb = NULL, tz = NULL;
          double t0;

          sy_session_set_router (a, sa, NULL);
          sy_session_set_router (b, sb, NULL);
          sy_session_set_router (z, sb, NULL);
          sy_session_set_share_source (b, a);
          /* alternate which of the two B runs goes first */
          if (r % 2)
            {
              t0 = sy_test_cpu_ms ();
              tz = sy_session_run (z, ids, N_TOKENS, NULL, NULL, NULL);
              alone[r] = sy_test_cpu_ms () - t0;
            }
          ta = sy_session_run (a, ids, N_TOKENS, NULL, NULL, NULL);
          t0 = sy_test_cpu_ms ();
          tb = sy_session_run (b, ids, N_TOKENS, NULL, NULL, NULL);
          shared[r] = sy_test_cpu_ms () - t0;
          if (r % 2 == 0)
            {
              t0 = sy_test_cpu_ms ();
              tz = sy_session_run (z, ids, N_TOKENS, NULL, NULL, NULL);
              alone[r] = sy_test_cpu_ms () - t0;
            }
          n_shared = sy_session_get_n_shared_layers (b);
          if (ta == NULL || tb == NULL || tz == NULL)
            return 1;
        }
      {
        double ma = median (alone, REPEATS), ms = median (shared, REPEATS);

        printf ("%-12s %-8s %-14s %3d/%-2d %14.2f %15.2f %7.0f%%\n", cases[i].arch, cases[i].a,
                cases[i].b, n_shared, sy_model_get_info (m)->n_layers, ma, ms, 100 * (1 - ms / ma));
      }
    }
  return 0;
}
