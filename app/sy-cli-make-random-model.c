/* sy-cli-make-random-model.c: write a random-weight model of real shapes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   switchyard-cli make-random-model --preset olmoe-1b-7b --dtype bf16 [--seed N]
 *                                    [--layers N] [--shards N] [--tokenizer FILE]
 *                                    [--dry-run] DIR
 *   switchyard-cli make-random-model --preset NAME --gguf TYPE [--seed N] [--layers N]
 *                                    [--tokenizer FILE] OUT.gguf
 *
 * --gguf writes one GGUF file instead of the folder, the bytes
 * convert-gguf --type TYPE would make from that folder (named as the
 * preset), without the folder: made and quantized a range of rows at a
 * time on every CPU.  Its tokenizer: --tokenizer, else the demo model's.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sy-cli.h"
#include "sy-default-model.h"
#include "sy-random-model.h"

int
sy_cli_make_random_model (int    argc,
                          char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *preset_name = NULL;
  g_autofree char *dtype_name = NULL;
  g_autofree char *tokenizer = NULL;
  g_autofree char *gguf_type = NULL;
  g_autofree char *names = sy_random_model_preset_names ();
  g_autofree char *summary = NULL;
  g_autoptr (SySafetensorsWriter) w = NULL;
  g_auto (GStrv) args = NULL;
  gint64 seed = 0;
  int layers = 0;
  int shards = 1;
  gboolean dry_run = FALSE;
  SyDType weight_type = SY_DTYPE_F32;
  SyGgufMix mix = SY_GGUF_MIX_NONE;
  const SyRandomModelSpec *preset;
  SyRandomModelSpec spec;
  SyDType dtype = SY_DTYPE_BF16;
  SyRandomModel model = { &spec };
  SyCliProgress progress = { 0 };
  gboolean tty, ok;
  const char *dir;
  double seconds;
  GOptionEntry entries[] = {
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset_name, "Model shape (one of the presets listed above)", "NAME" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype_name, "bf16 (default), f16 or f32", "DTYPE" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 0)", "N" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &layers, "Number of decoder layers (default: the preset's)", "N" },
    { "shards", 0, 0, G_OPTION_ARG_INT, &shards, "Split the weights into N files + index (default 1)", "N" },
    { "tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &tokenizer,
      "Copy this tokenizer.json into DIR (with --gguf: store it; default the demo model's)", "FILE" },
    { "gguf", 0, 0, G_OPTION_ARG_STRING, &gguf_type,
      "Write one GGUF file OUT.gguf instead, weights as convert-gguf --type TYPE stores them "
      "(Q4_K_M, Q5_K_M, Q6_K, Q8_0, F32, F16, BF16, Q4_0, Q4_K, MXFP4)", "TYPE" },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Print what would be written, write nothing", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    { NULL }
  };

  summary = g_strdup_printf ("Writes a Hugging Face model folder with random weights of real shapes\n"
                             "(config.json, generation_config.json, model.safetensors), or with\n"
                             "--gguf one GGUF file of them, quantized.\n\n"
                             "Presets: %s", names);
  if (!sy_cli_parse_options ("make-random-model", "DIR|OUT.gguf", summary, entries, FALSE, &argc, &argv))
    return 1;
  if (args == NULL || args[0] == NULL)
    return sy_cli_error ("make-random-model: no output folder given (see --help)");
  if (args[1] != NULL)
    return sy_cli_error ("make-random-model: unexpected argument '%s'", args[1]);
  dir = args[0];

  if (preset_name == NULL)
    return sy_cli_error ("make-random-model: --preset is required (one of: %s)", names);
  preset = sy_random_model_find_preset (preset_name);
  if (preset == NULL)
    return sy_cli_error ("make-random-model: unknown preset '%s' (one of: %s)", preset_name, names);
  if (dtype_name != NULL && !sy_dtype_from_name (dtype_name, &dtype))
    return sy_cli_error ("make-random-model: unknown dtype '%s' (one of: bf16, f16, f32)", dtype_name);
  if (seed < 0)
    return sy_cli_error ("make-random-model: --seed must not be negative");
  if (layers < 0 || layers > 1000)
    return sy_cli_error ("make-random-model: --layers must be between 1 and 1000");
  if (shards < 1 || shards > 99999)
    return sy_cli_error ("make-random-model: --shards must be between 1 and 99999");
  if (tokenizer != NULL && !g_file_test (tokenizer, G_FILE_TEST_IS_REGULAR))
    return sy_cli_error ("make-random-model: %s: no such file", tokenizer);
  if (gguf_type != NULL && shards != 1)
    return sy_cli_error ("make-random-model: --shards and --gguf do not go together");
  if (gguf_type != NULL && !sy_cli_parse_gguf_type ("make-random-model", gguf_type, FALSE, &weight_type, &mix))
    return 1;
  if (gguf_type != NULL && tokenizer == NULL)
    {
      g_autofree char *demo = sy_default_model_path (NULL);

      if (demo != NULL)
        tokenizer = g_build_filename (demo, "tokenizer.json", NULL);
    }

  spec = *preset;
  if (layers > 0)
    spec.n_layers = layers;

  model.dtype = dtype;
  model.seed = (guint64) seed;
  w = sy_random_model_new_writer (&model, &error);
  if (w == NULL)
    return sy_cli_error_from (error);

  if (dry_run)
    {
      printf ("%s: %s, %d layers, %s, %u tensors, %" G_GUINT64_FORMAT " bytes of weights\n",
              dir, spec.name, spec.n_layers, sy_dtype_name (dtype),
              sy_safetensors_writer_get_n_tensors (w), sy_safetensors_writer_get_n_bytes (w));
      return 0;
    }

  progress.start = g_get_monotonic_time ();
  progress.last_shown = -1;
  tty = isatty (fileno (stderr));
  {
    SyProgressFunc show = tty ? sy_cli_show_progress : NULL;
    SyGgufConvertOptions options = { weight_type, mix, show, &progress };

    ok = gguf_type != NULL
         ? sy_random_model_write_gguf (&model, dir, tokenizer, &options, &error)
         : sy_random_model_write (&model, dir, shards, show, &progress, &error);
  }
  if (tty)
    fputc ('\n', stderr);
  if (!ok)
    return sy_cli_error_from (error);
  if (gguf_type != NULL)
    {
      struct stat st;

      seconds = (double) (g_get_monotonic_time () - progress.start) / G_USEC_PER_SEC;
      printf ("%s: %s, %d layers, %s from %s, %" G_GUINT64_FORMAT " bytes, tokenizer %s, written in %.1f s\n",
              dir, spec.name, spec.n_layers, mix != SY_GGUF_MIX_NONE ? sy_gguf_mix_name (mix) : sy_dtype_name (weight_type),
              sy_dtype_name (dtype), g_stat (dir, &st) == 0 ? (guint64) st.st_size : 0,
              tokenizer && g_file_test (tokenizer, G_FILE_TEST_EXISTS) ? tokenizer : "none", seconds);
      return 0;
    }

  if (tokenizer != NULL)
    {
      g_autofree char *contents = NULL;
      g_autofree char *dest = g_build_filename (dir, "tokenizer.json", NULL);
      gsize len = 0;

      if (!g_file_get_contents (tokenizer, &contents, &len, &error) ||
          !g_file_set_contents (dest, contents, (gssize) len, &error))
        return sy_cli_error ("make-random-model: %s", error->message);
    }

  seconds = (double) (g_get_monotonic_time () - progress.start) / G_USEC_PER_SEC;
  printf ("%s: %s, %d layers, %s, %u tensors, %" G_GUINT64_FORMAT " bytes of weights, written in %.1f s\n",
          dir, spec.name, spec.n_layers, sy_dtype_name (dtype),
          sy_safetensors_writer_get_n_tensors (w), sy_safetensors_writer_get_n_bytes (w), seconds);
  return 0;
}
