/* fuzz-safetensors.c: one safetensors file (header JSON, dtypes, shapes,
 * data offsets) from memory, then every tensor's values
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-fuzz.h"
#include "sy-tensor-store.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (SyTensorStore) store = NULL;
  g_auto (GStrv) names = NULL;

  sy_fuzz_init ();
  store = sy_tensor_store_new_from_bytes (bytes, "fuzz.safetensors", NULL);
  if (store == NULL)
    return 0;
  names = sy_tensor_store_list (store);
  for (guint i = 0; names[i]; i++)
    {
      const SyTensor *t = sy_tensor_store_lookup (store, names[i]);
      int64_t n = sy_tensor_n_elements (t);
      float out[64];

      g_free (sy_tensor_shape_string (t));
      sy_tensor_to_f32 (t, 0, MIN (n, 64), out);
      if (n > 64)
        sy_tensor_to_f32 (t, n - 64, 64, out);
      sy_tensor_find_nonfinite (t);
    }
  g_assert (sy_tensor_store_get_n_tensors (store) == g_strv_length (names));
  return 0;
}
