/* sy-cli-convert-gguf.c: a Hugging Face model folder to a GGUF file
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   switchyard-cli convert-gguf --model DIR [--type F32|F16|BF16|Q8_0|Q4_0|Q4_K|Q6_K|MXFP4] OUT.gguf
 *
 * Matrices are stored in the type where their rows are whole blocks
 * (F32 otherwise); norms, biases and routers stay F32.  The result opens
 * anywhere a model folder does (--model OUT.gguf).
 */
#include "config.h"

#include <stdio.h>

#include "sy-cli.h"
#include "sy-gguf.h"
#include "sy-gguf-writer.h"

int
sy_cli_convert_gguf (int    argc,
                     char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *model = NULL;
  g_autofree char *type_name = NULL;
  g_auto (GStrv) args = NULL;
  SyDType dtype = SY_DTYPE_F32;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "Hugging Face model folder", "DIR" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type_name,
      "Weight type: F32 (default), F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K or MXFP4", "TYPE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    { NULL }
  };
  g_autofree char *summary = g_strdup_printf ("Writes the model as a GGUF file (architectures: %s).",
                                              sy_gguf_supported_archs ());

  context = g_option_context_new ("OUT.gguf");
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return sy_cli_error ("convert-gguf: %s", error->message);
  if (model == NULL)
    return sy_cli_error ("convert-gguf: --model is required");
  if (args == NULL || args[0] == NULL)
    return sy_cli_error ("convert-gguf: no output file given (see --help)");
  if (args[1] != NULL)
    return sy_cli_error ("convert-gguf: unexpected argument '%s'", args[1]);
  if (type_name != NULL)
    {
      int d;

      for (d = 0; d < SY_N_DTYPES; d++)
        if (g_ascii_strcasecmp (type_name, sy_dtype_name (d)) == 0)
          break;
      if (d == SY_N_DTYPES)
        return sy_cli_error ("convert-gguf: unknown type '%s' (one of: F32, F16, BF16, Q8_0, Q4_0, "
                             "Q4_K, Q6_K, MXFP4)", type_name);
      dtype = d;
    }
  if (!sy_gguf_convert (model, args[0], dtype, &error))
    return sy_cli_error_from (error);
  return 0;
}
