/* fuzz-config.c: config.json read by every architecture's key table
 * (sy_config_parse), whatever its model_type says
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-arch.h"
#include "sy-fuzz.h"
#include "sy-json.h"

static void
parse_with (const SyArchSpec *arch,
            json_object      *root)
{
  SyConfig config;

  if (sy_config_parse (arch, root, "config.json", &config, NULL))
    {
      for (int l = 0; l < MIN (config.n_layers, 4096); l++)
        {
          sy_config_layer_is_moe (&config, l);
          sy_config_expert_ffn (&config, l);
          sy_config_layer_window (&config, l);
        }
    }
  sy_config_clear (&config);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  json_object *root;
  json_object *type = NULL;
  const SyArchSpec *const *all;

  sy_fuzz_init ();
  root = sy_json_parse ((const char *) data, (gssize) size, "config.json", NULL);
  if (root == NULL)
    return 0;
  if (json_object_object_get_ex (root, "model_type", &type) &&
      json_object_is_type (type, json_type_string))
    {
      const SyArchSpec *arch = sy_arch_lookup (json_object_get_string (type), NULL);

      if (arch)
        parse_with (arch, root);
    }
  all = sy_arch_all ();
  for (guint i = 0; all[i]; i++)
    parse_with (all[i], root);
  json_object_put (root);
  return 0;
}
