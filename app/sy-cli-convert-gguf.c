/* sy-cli-convert-gguf.c: a Hugging Face model folder to a GGUF file
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   switchyard-cli convert-gguf --model DIR [--type TYPE] [--pure] OUT.gguf
 *
 * TYPE: a llama-quantize preset (Q4_K_M, Q5_K_M, Q6_K, Q8_0), which mixes
 * block types by llama-quantize's rules (more bits for the output and for
 * some attn_v / ffn_down tensors), or one type for every matrix (F32, the
 * default, F16, BF16, Q4_0, Q4_K, MXFP4; Q6_K and Q8_0 with --pure) where
 * its rows are whole blocks (F32 otherwise).  Norms, biases and routers
 * stay F32.  The file is written tensor by tensor (a model of any size).
 * The result opens anywhere a model folder does (--model OUT.gguf).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "sy-cli.h"
#include "sy-gguf.h"
#include "sy-gguf-writer.h"

/* The single types --type takes (the presets are sy_gguf_mix_from_name's) */
static const char * const plain_types[] = { "F32", "F16", "BF16", "Q4_0", "Q4_K", "MXFP4", "Q6_K", "Q8_0" };

gboolean
sy_cli_parse_gguf_type (const char *command,
                        const char *type_name,
                        gboolean    pure,
                        SyDType    *dtype,
                        SyGgufMix  *mix)
{
  gboolean plain = FALSE;
  const char *single = type_name;

  *mix = SY_GGUF_MIX_NONE;
  *dtype = SY_DTYPE_F32;
  for (gsize i = 0; i < G_N_ELEMENTS (plain_types); i++)
    plain |= g_ascii_strcasecmp (type_name, plain_types[i]) == 0;
  if (!sy_gguf_mix_from_name (type_name, mix) || pure)
    {
      *mix = SY_GGUF_MIX_NONE;
      if (g_ascii_strcasecmp (type_name, "Q4_K_M") == 0)
        single = "Q4_K";
      else if (g_ascii_strcasecmp (type_name, "Q5_K_M") == 0)
        single = "Q5_K";
      else if (!plain)
        {
          sy_cli_error ("%s: unknown type '%s' (one of: Q4_K_M, Q5_K_M, Q6_K, Q8_0, "
                        "F32, F16, BF16, Q4_0, Q4_K, MXFP4)", command, type_name);
          return FALSE;
        }
      for (*dtype = 0; *dtype < SY_N_DTYPES; (*dtype)++)
        if (g_ascii_strcasecmp (single, sy_dtype_name (*dtype)) == 0)
          break;
      if (*dtype == SY_N_DTYPES || !sy_gguf_writer_can_store (*dtype))
        {
          sy_cli_error ("%s: type '%s' cannot be written by this build", command, single);
          return FALSE;
        }
    }
  return TRUE;
}

int
sy_cli_convert_gguf (int    argc,
                     char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model = NULL;
  g_autofree char *type_name = NULL;
  g_auto (GStrv) args = NULL;
  gboolean pure = FALSE;
  SyCliProgress progress = { g_get_monotonic_time (), 0, TRUE };
  SyGgufConvertOptions options = { SY_DTYPE_F32, SY_GGUF_MIX_NONE, NULL, &progress };
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "Hugging Face model folder", "DIR" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type_name,
      "Weight type: a llama-quantize preset (Q4_K_M, Q5_K_M, Q6_K, Q8_0) or one type "
      "(F32, the default, F16, BF16, Q4_0, Q4_K, MXFP4)", "TYPE" },
    { "pure", 0, 0, G_OPTION_ARG_NONE, &pure,
      "One type for every matrix, no preset mix (Q6_K, Q8_0: today's single-type files)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    { NULL }
  };
  g_autofree char *summary = g_strdup_printf ("Writes the model as a GGUF file (architectures: %s).",
                                              sy_gguf_supported_archs ());

  if (!sy_cli_parse_options ("convert-gguf", "OUT.gguf", summary, entries, FALSE, &argc, &argv))
    return 1;
  if (model == NULL)
    return sy_cli_error ("convert-gguf: --model is required");
  if (args == NULL || args[0] == NULL)
    return sy_cli_error ("convert-gguf: no output file given (see --help)");
  if (args[1] != NULL)
    return sy_cli_error ("convert-gguf: unexpected argument '%s'", args[1]);
  if (type_name != NULL && !sy_cli_parse_gguf_type ("convert-gguf", type_name, pure, &options.weight_type,
                                                    &options.mix))
    return 1;
  options.progress = isatty (STDERR_FILENO) ? sy_cli_show_progress : NULL;
  if (!sy_gguf_convert_full (model, args[0], &options, &error))
    return sy_cli_error_from (error);
  return 0;
}
