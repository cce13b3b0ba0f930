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
int  sy_cli_compare           (int argc, char **argv);
int  sy_cli_profile           (int argc, char **argv);
int  sy_cli_import            (int argc, char **argv);

G_END_DECLS
