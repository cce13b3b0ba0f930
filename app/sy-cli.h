/* sy-cli.h: subcommands of switchyard-cli (docs/cli.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each subcommand lives in its own sy-cli-<name>.c and is listed in the
 * table of switchyard-cli.c.  A subcommand gets argv with argv[0] set to
 * its name, prints errors as one line through sy_cli_error() and returns
 * the exit status.
 */
#pragma once

#include <glib.h>

#include "sy-gguf-writer.h"

G_BEGIN_DECLS

typedef int (*SyCliCommandFunc) (int argc, char **argv);

typedef struct
{
  const char       *name;
  SyCliCommandFunc  func;
  const char       *summary;
} SyCliCommand;

/* Prints "switchyard-cli: MESSAGE" as one line on stderr; returns 1. */
int  sy_cli_error      (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Same, from a GError (its message), and frees nothing. */
int  sy_cli_error_from (const GError *error);

/* Parses @entries (and GOption's --help) out of @argc/@argv for
 * @command, with @parameter after the command and @summary (NULL: none)
 * in its help.  With @no_args, nothing may be left but argv[0].  Returns
 * TRUE, or FALSE having printed the one-line error ("COMMAND: ..."). */
gboolean sy_cli_parse_options (const char    *command,
                               const char    *parameter,
                               const char    *summary,
                               GOptionEntry  *entries,
                               gboolean       no_args,
                               int           *argc,
                               char        ***argv);
/* Frees what the parser stored through @entries (strings, string
 * arrays), for options kept in a struct rather than in g_autofree
 * locals. */
void     sy_cli_free_options  (const GOptionEntry *entries);
/* A token's text for a table column: escaped (bytes of UTF-8 kept),
 * quoted, at most 12 characters (the first 11 and "…"); NULL: "". */
char    *sy_cli_token_label   (const char    *text);
/* Prints @json on stdout; a compact one (not @pretty) ends in a newline. */
void     sy_cli_print_json    (const char    *json,
                               gboolean       pretty);

/* Progress of a long write on stderr: "\rWHAT:  42.0% (3 s)", at most
 * every 1 %; at 100 % a newline where @end_line. */
typedef struct
{
  gint64   start;        /* g_get_monotonic_time () at the start */
  double   last_shown;   /* the fraction shown last (-1: none yet) */
  gboolean end_line;
} SyCliProgress;

/* A progress callback (SyProgressFunc's shape) for @user_data, a SyCliProgress. */
gboolean sy_cli_show_progress (double      fraction,
                               const char *what,
                               gpointer    user_data);

/* Option entries several subcommands share: the same flag, the same help. */
#define SY_CLI_OPTION_MODEL(arg) \
  { "model", 0, 0, G_OPTION_ARG_FILENAME, (arg), "Model folder or .gguf file (a split one by any part)", "PATH" }
#define SY_CLI_OPTION_TEXT(arg) \
  { "text", 0, 0, G_OPTION_ARG_STRING, (arg), "Text to run (tokenized with special tokens)", "TEXT" }
#define SY_CLI_OPTION_IDS(arg) \
  { "ids", 0, 0, G_OPTION_ARG_STRING, (arg), "Token ids instead of text", "1,2,3" }
#define SY_CLI_OPTION_PRETTY(arg) \
  { "pretty", 0, 0, G_OPTION_ARG_NONE, (arg), "Indent the JSON", NULL }
#define SY_CLI_OPTION_ACTIVATIONS(arg) \
  { "activations", 0, 0, G_OPTION_ARG_STRING, (arg), \
    "Activations of products with quantized weights: f32 (default, exact) or q8 " \
    "(rounded to 8 bits, integer kernels: faster, inexact)", "f32|q8" }

/* Subcommands (each defined in sy-cli-<name>.c) */
int  sy_cli_route      (int argc, char **argv);
int  sy_cli_tokenize         (int argc, char **argv);
int  sy_cli_bench_tokenizer  (int argc, char **argv);
int  sy_cli_forward    (int argc, char **argv);
int  sy_cli_generate   (int argc, char **argv);
int  sy_cli_bench      (int argc, char **argv);
int  sy_cli_make_random_model (int argc, char **argv);
int  sy_cli_render           (int argc, char **argv);
int  sy_cli_convert           (int argc, char **argv);
int  sy_cli_convert_gguf     (int argc, char **argv);
/* convert-gguf's --type (a llama-quantize mix, or one type; @pure: a
 * mix's base type alone) into @dtype / @mix; FALSE after printing the
 * error, prefixed by @command (in sy-cli-convert-gguf.c) */
gboolean sy_cli_parse_gguf_type (const char *command, const char *type_name, gboolean pure,
                                 SyDType *dtype, SyGgufMix *mix);
int  sy_cli_compare           (int argc, char **argv);
int  sy_cli_profile           (int argc, char **argv);
int  sy_cli_import            (int argc, char **argv);

G_END_DECLS
