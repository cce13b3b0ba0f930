/* sy-cli-profile.c: `switchyard-cli profile` (docs/cli.md "profile")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a corpus (brown, a folder of .txt, a .jsonl) under one or more
 * router specs and writes profile.json, the CSV tables and a Chrome trace
 * into --out.  Progress on stderr: one line rewritten with \r on a
 * terminal, plain lines (one per 5 % or so) otherwise.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sy-cli.h"
#include "sy-cli-model.h"
#include "sy-corpus.h"
#include "sy-format.h"
#include "sy-profile.h"
#include "sy-profile-render.h"
#include "sy-render-export.h"

#ifndef SY_BROWN_CORPUS_DIR
#define SY_BROWN_CORPUS_DIR ""
#endif

typedef struct
{
  const SyProfile *prof;
  int              chart;   /* -1 = dashboard */
} ChartJob;

static void
draw_chart (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  ChartJob *job = user_data;

  if (job->chart < 0)
    sy_profile_render_dashboard (cr, job->prof, NULL, NULL, width, height);
  else
    sy_profile_render_chart (cr, job->prof, job->chart, NULL, NULL, width, height);
}

/* chart-<name>.<ext> for every chart and dashboard.<ext> */
static gboolean
write_charts (const SyProfile  *prof,
              const char       *dir,
              const char       *ext,
              GError          **error)
{
  for (int i = -1; i < SY_PROFILE_N_CHARTS; i++)
    {
      ChartJob job = { prof, i };
      g_autofree char *name = i < 0 ? g_strdup_printf ("dashboard.%s", ext)
                                    : g_strdup_printf ("chart-%s.%s", sy_profile_chart_name (i), ext);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!sy_render_to_file (path, i < 0 ? 1500 : 640, i < 0 ? 1100 : 400, 1.0, draw_chart, &job, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gboolean tty;
  int      last_printed;
  gboolean quiet;
} CliProgress;

/* the time left, short: "1h05m", "3m20s", "12s" */
static const SyDurationFormat eta_format = { "?", "", "h", "m", "s" };

static gboolean
on_progress (const SyProfileProgress *p,
             gpointer                 user_data)
{
  CliProgress *cp = user_data;
  g_autofree char *eta = sy_format_duration (p->eta_s, &eta_format);
  int step = MAX (p->texts_total / 20, 1);

  if (cp->quiet)
    return TRUE;
  if (!cp->tty && p->texts_done != p->texts_total &&
      cp->last_printed >= 0 && p->texts_done - cp->last_printed < step)
    return TRUE;
  if (!cp->tty && p->texts_done == cp->last_printed)
    return TRUE;
  cp->last_printed = p->texts_done;
  fprintf (stderr, "%sprofile: %d/%d texts (run %d/%d %s), %.0f tokens/s, %s left%s",
           cp->tty ? "\r\033[K" : "", p->texts_done, p->texts_total, p->run + 1, p->n_runs,
           p->router ? p->router : "", p->tokens_per_s, eta, cp->tty ? "" : "\n");
  fflush (stderr);
  return TRUE;
}

int
sy_cli_profile (int    argc,
                char **argv)
{
  g_autofree char *model_path = NULL;
  g_auto (GStrv) routers = NULL;
  g_autofree char *corpus_arg = NULL;
  g_autofree char *sweep = NULL;
  g_autofree char *split_arg = NULL;
  g_autofree char *out = NULL;
  g_autofree char *brown = NULL;
  g_autofree char *charts = NULL;
  g_autofree char *traces_dir = NULL;
  int limit = 0, max_tokens = 256;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_MODEL (&model_path),
    { "router", 0, 0, G_OPTION_ARG_STRING_ARRAY, &routers, "Routing policy (repeatable)", "SPEC" },
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus_arg, "brown, a folder of .txt or a .jsonl", "CORPUS" },
    { "traces", 0, 0, G_OPTION_ARG_FILENAME, &traces_dir,
      "A folder of recorded trace files instead of a model and a corpus "
      "(--router re-applies policies; default: the recorded routing)", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Profile at most N chunks", "N" },
    { "sweep", 0, 0, G_OPTION_ARG_STRING, &sweep, "Top-p sweep p=FROM:TO:STEP (plus native)", "p=0.1:0.9:0.1" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split_arg, "Brown files: test (number ends in 0), train or all (default)", "SPLIT" },
    { "max-tokens", 0, 0, G_OPTION_ARG_INT, &max_tokens, "Tokens per chunk at most (default 256)", "N" },
    { "brown", 0, 0, G_OPTION_ARG_FILENAME, &brown, "Folder of the Brown corpus (default: $SY_BROWN_CORPUS or the build's)", "DIR" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Folder for profile.json, the CSVs and trace.json", "DIR" },
    { "charts", 0, 0, G_OPTION_ARG_STRING, &charts, "Also draw every chart and a dashboard as svg, png or pdf", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress on stderr", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SyCorpus) corpus = NULL;
  g_autoptr (SyProfile) prof = NULL;
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_router_spec_free);
  SyProfileOptions options;
  SyCorpusSplit split = SY_CORPUS_SPLIT_ALL;
  CliProgress cp = { isatty (STDERR_FILENO), -1, FALSE };
  const char *brown_dir;

  if (!sy_cli_parse_options ("profile", "- routing and cost over a corpus", NULL, entries, TRUE, &argc, &argv))
    return 1;
  if (traces_dir != NULL)
    {
      if (model_path || corpus_arg || sweep)
        return sy_cli_error ("profile: --traces takes no --model, --corpus or --sweep");
      if (out == NULL)
        return sy_cli_error ("profile: --out DIR is required");
      for (int i = 0; routers && routers[i]; i++)
        {
          SyRouterSpec *spec = g_strcmp0 (routers[i], "recorded") == 0
            ? NULL : sy_router_spec_parse (routers[i], &error);

          if (spec == NULL && error != NULL)
            return sy_cli_error_from (error);
          g_ptr_array_add (specs, spec);
        }
      prof = sy_profile_from_traces (traces_dir, (const SyRouterSpec * const *) specs->pdata,
                                     (int) specs->len, &error);
      if (prof == NULL)
        return sy_cli_error ("profile: %s", error->message);
      goto write;
    }
  if (routers == NULL || routers[0] == NULL)
    return sy_cli_error ("profile: --router SPEC is required (e.g. --router native)");
  if (corpus_arg == NULL)
    return sy_cli_error ("profile: --corpus brown|DIR|FILE.jsonl is required");
  if (out == NULL)
    return sy_cli_error ("profile: --out DIR is required");
  if (limit < 0)
    return sy_cli_error ("profile: --limit %d: not a count", limit);
  if (max_tokens < 8 || max_tokens > 1 << 20)
    return sy_cli_error ("profile: --max-tokens %d: must be between 8 and 1048576", max_tokens);
  if (split_arg && !sy_corpus_split_parse (split_arg, &split))
    return sy_cli_error ("profile: --split %s: expected test, train or all", split_arg);
  cp.quiet = quiet;
  if (charts && g_strcmp0 (charts, "svg") != 0 && g_strcmp0 (charts, "png") != 0 &&
      g_strcmp0 (charts, "pdf") != 0)
    return sy_cli_error ("profile: --charts %s: expected svg, png or pdf", charts);

  sy_profile_options_init (&options);
  options.limit = limit;
  options.max_tokens = max_tokens;
  if (sweep && !sy_profile_parse_sweep (sweep, &options, &error))
    return sy_cli_error ("profile: %s", error->message);

  for (int i = 0; routers[i]; i++)
    {
      SyRouterSpec *spec = sy_router_spec_parse (routers[i], &error);

      if (spec == NULL)
        return sy_cli_error_from (error);
      g_ptr_array_add (specs, spec);
    }

  brown_dir = brown ? brown : g_getenv ("SY_BROWN_CORPUS");
  if (brown_dir == NULL || *brown_dir == '\0')
    brown_dir = SY_BROWN_CORPUS_DIR;
  corpus = sy_corpus_load (corpus_arg, brown_dir, split, &error);
  if (corpus == NULL)
    return sy_cli_error_from (error);

  model = sy_cli_load_model (model_path, &error);
  if (model == NULL)
    return sy_cli_error_from (error);

  options.progress = on_progress;
  options.user_data = &cp;
  prof = sy_profile_run (model, corpus, (const SyRouterSpec * const *) specs->pdata,
                         (int) specs->len, &options, &error);
  if (cp.tty && !quiet)
    fprintf (stderr, "\n");
  if (prof == NULL)
    return sy_cli_error_from (error);
write:
  if (!sy_profile_write_dir (prof, out, &error))
    return sy_cli_error_from (error);
  if (charts && !write_charts (prof, out, charts, &error))
    return sy_cli_error_from (error);
  if (!quiet)
    {
      fprintf (stderr, "profile: %d chunks (%s), wrote %s/profile.json, CSVs and trace.json\n",
               prof->n_texts, prof->chunking, out);
      for (guint i = 0; i < prof->runs->len; i++)
        {
          const SyProfileRun *r = g_ptr_array_index (prof->runs, i);

          fprintf (stderr, "  %-28s %7" G_GINT64_FORMAT " tokens  avg K %.3f  perplexity %.3f\n",
                   r->router, r->tokens, sy_profile_run_avg_k (r), sy_profile_run_perplexity (r));
        }
      if (prof->sweep->len > 0)
        {
          fprintf (stderr, "  sweep:      p   avg K   perplexity\n");
          for (guint i = 0; i < prof->sweep->len; i++)
            {
              const SyProfileSweepPoint *p = &g_array_index (prof->sweep, SyProfileSweepPoint, i);

              fprintf (stderr, "         %6.3f  %6.3f  %10.3f%s\n", p->p, p->avg_k, p->perplexity,
                       p->pareto ? "  (Pareto)" : "");
            }
          fprintf (stderr, "         native  %6.3f  %10.3f\n", prof->native_point.avg_k,
                   prof->native_point.perplexity);
        }
    }
  return 0;
}
