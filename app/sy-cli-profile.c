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

  sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, width, height }, job->prof, job->chart, NULL);
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

/* profile's options (freed by sy_cli_free_options) */
typedef struct
{
  char     *model_path, *corpus, *sweep, *split, *out, *brown, *charts, *traces_dir;
  char    **routers;
  int       limit, max_tokens;
  gboolean  quiet;
} ProfileOptions;

/* --router SPEC... into @specs; with @recorded, "recorded" stands for the
 * recorded routing (NULL).  FALSE with @error. */
static gboolean
parse_routers (char * const  *routers,
               gboolean       recorded,
               GPtrArray     *specs,
               GError       **error)
{
  for (int i = 0; routers && routers[i]; i++)
    {
      SyRouterSpec *spec = NULL;

      if (!recorded || g_strcmp0 (routers[i], "recorded") != 0)
        {
          spec = sy_router_spec_parse (routers[i], error);
          if (spec == NULL)
            return FALSE;
        }
      g_ptr_array_add (specs, spec);
    }
  return TRUE;
}

/* profile --traces DIR into *@prof; returns 0, or 1 having printed the
 * error. */
static int
profile_traces (const ProfileOptions  *o,
                SyProfile            **prof)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_router_spec_free);

  if (o->model_path || o->corpus || o->sweep)
    return sy_cli_error ("profile: --traces takes no --model, --corpus or --sweep");
  if (o->out == NULL)
    return sy_cli_error ("profile: --out DIR is required");
  if (!parse_routers (o->routers, TRUE, specs, &error))
    return sy_cli_error_from (error);
  *prof = sy_profile_from_traces (o->traces_dir, (const SyRouterSpec * const *) specs->pdata,
                                  (int) specs->len, &error);
  if (*prof == NULL)
    return sy_cli_error ("profile: %s", error->message);
  return 0;
}

/* profile --model M --corpus C into *@prof; returns 0, or 1 having
 * printed the error. */
static int
profile_model (const ProfileOptions  *o,
               SyProfile            **prof)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SyCorpus) corpus = NULL;
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_router_spec_free);
  SyProfileOptions options;
  SyCorpusSplit split = SY_CORPUS_SPLIT_ALL;
  CliProgress cp = { isatty (STDERR_FILENO), -1, o->quiet };
  const char *brown_dir;

  if (o->routers == NULL || o->routers[0] == NULL)
    return sy_cli_error ("profile: --router SPEC is required (e.g. --router native)");
  if (o->corpus == NULL)
    return sy_cli_error ("profile: --corpus brown|DIR|FILE.jsonl is required");
  if (o->out == NULL)
    return sy_cli_error ("profile: --out DIR is required");
  if (o->limit < 0)
    return sy_cli_error ("profile: --limit %d: not a count", o->limit);
  if (o->max_tokens < 8 || o->max_tokens > 1 << 20)
    return sy_cli_error ("profile: --max-tokens %d: must be between 8 and 1048576", o->max_tokens);
  if (o->split && !sy_corpus_split_parse (o->split, &split))
    return sy_cli_error ("profile: --split %s: expected test, train or all", o->split);
  if (o->charts && g_strcmp0 (o->charts, "svg") != 0 && g_strcmp0 (o->charts, "png") != 0 &&
      g_strcmp0 (o->charts, "pdf") != 0)
    return sy_cli_error ("profile: --charts %s: expected svg, png or pdf", o->charts);

  sy_profile_options_init (&options);
  options.limit = o->limit;
  options.max_tokens = o->max_tokens;
  if (o->sweep && !sy_profile_parse_sweep (o->sweep, &options, &error))
    return sy_cli_error ("profile: %s", error->message);
  if (!parse_routers (o->routers, FALSE, specs, &error))
    return sy_cli_error_from (error);

  brown_dir = o->brown ? o->brown : g_getenv ("SY_BROWN_CORPUS");
  if (brown_dir == NULL || *brown_dir == '\0')
    brown_dir = SY_BROWN_CORPUS_DIR;
  corpus = sy_corpus_load (o->corpus, brown_dir, split, &error);
  if (corpus == NULL)
    return sy_cli_error_from (error);

  model = sy_cli_load_model (o->model_path, SY_MODEL_LOAD_DEFAULT, &error);
  if (model == NULL)
    return sy_cli_error_from (error);

  options.progress = on_progress;
  options.user_data = &cp;
  *prof = sy_profile_run (model, corpus, (const SyRouterSpec * const *) specs->pdata,
                          (int) specs->len, &options, &error);
  if (cp.tty && !o->quiet)
    fprintf (stderr, "\n");
  if (*prof == NULL)
    return sy_cli_error_from (error);
  return 0;
}

/* What profile wrote to @out, and each run's figures, on stderr. */
static void
print_summary (const SyProfile *prof,
               const char      *out)
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

/* profile after its options are parsed */
static int
profile (const ProfileOptions *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyProfile) prof = NULL;

  if ((o->traces_dir != NULL ? profile_traces (o, &prof) : profile_model (o, &prof)) != 0)
    return 1;
  if (!sy_profile_write_dir (prof, o->out, &error))
    return sy_cli_error_from (error);
  if (o->charts && !write_charts (prof, o->out, o->charts, &error))
    return sy_cli_error_from (error);
  if (!o->quiet)
    print_summary (prof, o->out);
  return 0;
}

int
sy_cli_profile (int    argc,
                char **argv)
{
  ProfileOptions o = { .max_tokens = 256 };
  int status = 1;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_MODEL (&o.model_path),
    { "router", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.routers, "Routing policy (repeatable)", "SPEC" },
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &o.corpus, "brown, a folder of .txt or a .jsonl", "CORPUS" },
    { "traces", 0, 0, G_OPTION_ARG_FILENAME, &o.traces_dir,
      "A folder of recorded trace files instead of a model and a corpus "
      "(--router re-applies policies; default: the recorded routing)", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &o.limit, "Profile at most N chunks", "N" },
    { "sweep", 0, 0, G_OPTION_ARG_STRING, &o.sweep, "Top-p sweep p=FROM:TO:STEP (plus native)", "p=0.1:0.9:0.1" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &o.split, "Brown files: test (number ends in 0), train or all (default)", "SPLIT" },
    { "max-tokens", 0, 0, G_OPTION_ARG_INT, &o.max_tokens, "Tokens per chunk at most (default 256)", "N" },
    { "brown", 0, 0, G_OPTION_ARG_FILENAME, &o.brown, "Folder of the Brown corpus (default: $SY_BROWN_CORPUS or the build's)", "DIR" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "Folder for profile.json, the CSVs and trace.json", "DIR" },
    { "charts", 0, 0, G_OPTION_ARG_STRING, &o.charts, "Also draw every chart and a dashboard as svg, png or pdf", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "No progress on stderr", NULL },
    { NULL }
  };

  if (sy_cli_parse_options ("profile", "- routing and cost over a corpus", NULL, entries, TRUE, &argc, &argv))
    status = profile (&o);
  sy_cli_free_options (entries);
  return status;
}
