/* fuzz-safetensors-index.c: model.safetensors.index.json (the weight map
 * of a sharded model) in a folder holding two valid shards
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shards: model-00001-of-00002.safetensors (a, b) and
 * model-00002-of-00002.safetensors (c).
 */
#include "sy-fuzz.h"
#include "sy-safetensors-writer.h"
#include "sy-tensor-store.h"

static void
write_shards (void)
{
  static const char *shards[][2] = {
    { "model-00001-of-00002.safetensors", "a b" },
    { "model-00002-of-00002.safetensors", "c" },
  };
  const int64_t shape[2] = { 2, 3 };
  const float values[6] = { 1, 2, 3, 4, 5, 6 };

  for (guint s = 0; s < G_N_ELEMENTS (shards); s++)
    {
      g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
      g_auto (GStrv) names = g_strsplit (shards[s][1], " ", -1);
      g_autofree char *path = g_build_filename (sy_fuzz_dir (), shards[s][0], NULL);

      for (guint i = 0; names[i]; i++)
        g_assert (sy_safetensors_writer_add_f32 (w, &(SyTensorDesc) { names[i], SY_DTYPE_F32, 2, shape },
                                                 values, NULL));
      g_assert (sy_safetensors_writer_write (w, path, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean shards_written;
  g_autofree char *index = NULL;
  g_autoptr (SyTensorStore) store = NULL;

  sy_fuzz_init ();
  if (!shards_written)
    {
      write_shards ();
      shards_written = TRUE;
    }
  index = sy_fuzz_write_file ("model.safetensors.index.json", data, size);
  store = sy_tensor_store_open (sy_fuzz_dir (), NULL);
  if (store != NULL)
    {
      g_auto (GStrv) names = sy_tensor_store_list (store);

      g_strfreev (sy_tensor_store_list_unused (store));
      for (guint i = 0; names[i]; i++)
        g_assert (sy_tensor_store_lookup (store, names[i]) != NULL);
    }
  return 0;
}
