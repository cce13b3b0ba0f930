/* switchyard-cli.c: the command line of Switchyard (docs/cli.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli.h"

static const SyCliCommand commands[] = {
  { "route", sy_cli_route, "Run a text under a routing policy and print the trace" },
  { "compare", sy_cli_compare, "Run a text under two routing policies and show what changes" },
  { "tokenize", sy_cli_tokenize, "Tokenize a text with a model's tokenizer (JSON)" },
  { "bench-tokenizer", sy_cli_bench_tokenizer, "Tokenize text files, report MB/s" },
  { "forward", sy_cli_forward, "Run one forward pass and dump logits, router logits, hidden states" },
  { "generate", sy_cli_generate, "Greedy decoding with the KV cache" },
  { "bench", sy_cli_bench, "Measure prefill and decode speed and peak memory" },
  { "make-random-model", sy_cli_make_random_model, "Write a random-weight model of real shapes (benchmarks)" },
  { "convert-gguf", sy_cli_convert_gguf, "Write a model folder as a GGUF file (F32 to Q4_K)" },
  { "render", sy_cli_render, "Draw a view (heatmap, strip, inspector, summary) to SVG, PNG or PDF" },
  { "convert", sy_cli_convert, "Copy a model folder with its weights in another dtype or sharded" },
  { "profile", sy_cli_profile, "Routing and cost over a corpus (profile.json, CSVs, Chrome trace)" },
  { "import", sy_cli_import, "Turn vLLM, SGLang or llama.cpp routing dumps into a trace file" },
  { NULL, NULL, NULL }
};

int
sy_cli_error (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One readable line: fold any newline the message carries. */
  g_strdelimit (message, "\r\n", ' ');
  fprintf (stderr, "switchyard-cli: %s\n", message);
  return 1;
}

int
sy_cli_error_from (const GError *error)
{
  return sy_cli_error ("%s", error ? error->message : "unknown error");
}

gboolean
sy_cli_parse_options (const char    *command,
                      const char    *parameter,
                      const char    *summary,
                      GOptionEntry  *entries,
                      gboolean       no_args,
                      int           *argc,
                      char        ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GError) error = NULL;

  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      sy_cli_error ("%s: %s", command, error->message);
      return FALSE;
    }
  if (no_args && *argc > 1)
    {
      sy_cli_error ("%s: unexpected argument '%s'", command, (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

void
sy_cli_free_options (const GOptionEntry *entries)
{
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    switch (e->arg)
      {
      case G_OPTION_ARG_STRING:
      case G_OPTION_ARG_FILENAME:
        g_clear_pointer ((char **) e->arg_data, g_free);
        break;
      case G_OPTION_ARG_STRING_ARRAY:
      case G_OPTION_ARG_FILENAME_ARRAY:
        g_clear_pointer ((char ***) e->arg_data, g_strfreev);
        break;
      default:
        break;
      }
}

char *
sy_cli_token_label (const char *text)
{
  g_autofree char *esc = NULL;
  GString *s;

  if (text == NULL)
    return g_strdup ("");
  esc = g_strescape (text, "\xc2\xc3\xc4\xc5\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xf0");
  s = g_string_new ("\"");
  if (g_utf8_strlen (esc, -1) > 12)
    {
      const char *end = g_utf8_offset_to_pointer (esc, 11);

      g_string_append_len (s, esc, end - esc);
      g_string_append (s, "\xe2\x80\xa6");
    }
  else
    g_string_append (s, esc);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

void
sy_cli_print_json (const char *json,
                   gboolean    pretty)
{
  fputs (json, stdout);
  if (!pretty)
    fputc ('\n', stdout);
}

gboolean
sy_cli_show_progress (double      fraction,
                      const char *what,
                      gpointer    user_data)
{
  SyCliProgress *p = user_data;

  if (fraction - p->last_shown >= 0.01 || fraction >= 1.0)
    {
      double elapsed = (double) (g_get_monotonic_time () - p->start) / G_USEC_PER_SEC;

      fprintf (stderr, "\r%s: %5.1f%% (%.0f s)%s", what, 100.0 * fraction, elapsed,
               fraction >= 1.0 && p->end_line ? "\n" : "");
      fflush (stderr);
      p->last_shown = fraction;
    }
  return TRUE;
}

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: switchyard-cli COMMAND [OPTION...]\n"
           "\n"
           "A microscope for Mixture-of-Experts routing, on the command line.\n"
           "\n"
           "Commands:\n");
  for (const SyCliCommand *c = commands; c->name != NULL; c++)
    fprintf (out, "  %-18s %s\n", c->name, c->summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help         Show this help\n"
           "  --version          Show the version\n"
           "\n"
           "Run 'switchyard-cli COMMAND --help' for the options of a command.\n"
           "Without --model, commands use the embedded demo model.\n");
}

int
main (int    argc,
      char **argv)
{
  const char *name;

  setlocale (LC_ALL, "");
  /* Numbers in JSON and CSV are written with a '.', whatever the locale. */
  setlocale (LC_NUMERIC, "C");

  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }

  name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("switchyard-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (const SyCliCommand *c = commands; c->name != NULL; c++)
    if (strcmp (c->name, name) == 0)
      return c->func (argc - 1, argv + 1);

  return sy_cli_error ("unknown command '%s' (see 'switchyard-cli --help')", name);
}
