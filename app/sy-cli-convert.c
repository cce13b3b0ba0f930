/* sy-cli-convert.c: re-write a model folder's weights in another dtype / sharding
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   switchyard-cli convert --dtype bf16|f16|f32 [--shards N] SRC DST
 */
#include "config.h"

#include <stdio.h>

#include "sy-cli.h"
#include "sy-safetensors-writer.h"

int
sy_cli_convert (int    argc,
                char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dtype_name = NULL;
  g_auto (GStrv) args = NULL;
  SyDType dtype = SY_DTYPE_BF16;
  int shards = 1;
  gint64 start;
  GOptionEntry entries[] = {
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype_name, "bf16, f16 or f32 (required)", "DTYPE" },
    { "shards", 0, 0, G_OPTION_ARG_INT, &shards, "Write N files + index (default 1)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    { NULL }
  };

  if (!sy_cli_parse_options ("convert", "SRC DST",
                             "Copies the Hugging Face model folder SRC to DST with its weights in\n"
                             "another dtype and/or split into shards; other files are copied as is.",
                             entries, FALSE, &argc, &argv))
    return 1;
  if (args == NULL || args[0] == NULL || args[1] == NULL)
    return sy_cli_error ("convert: needs a source and a destination folder (see --help)");
  if (args[2] != NULL)
    return sy_cli_error ("convert: unexpected argument '%s'", args[2]);
  if (dtype_name == NULL)
    return sy_cli_error ("convert: --dtype is required (bf16, f16 or f32)");
  if (!sy_dtype_from_name (dtype_name, &dtype))
    return sy_cli_error ("convert: unknown dtype '%s' (one of: bf16, f16, f32)", dtype_name);
  if (shards < 1 || shards > 99999)
    return sy_cli_error ("convert: --shards must be between 1 and 99999");

  start = g_get_monotonic_time ();
  if (!sy_safetensors_convert_folder (args[0], args[1], dtype, shards, NULL, NULL, &error))
    return sy_cli_error_from (error);
  printf ("%s: %s weights%s, written in %.1f s\n", args[1], sy_dtype_name (dtype),
          shards > 1 ? ", sharded" : "", (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  return 0;
}
