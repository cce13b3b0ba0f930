/* fuzz-router-spec.c: router spec strings (--router, the window's policy
 * field, saved sessions): parse, print, parse again, check against a few
 * model shapes and route a small trace with it
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-fuzz.h"
#include "sy-router.h"
#include "sy-trace.h"

static void
route (const SyRouterSpec      *spec,
       const SyRouterModelInfo *info)
{
  const int n = 6;
  g_autoptr (SyTrace) trace = sy_trace_new (n, info->n_experts, info->n_moe_layers,
                                            info->n_moe_layers);
  float recv[6];

  for (int t = 0; t < n; t++)
    recv[t] = 1.0f / (t + 1);
  for (int l = 0; l < info->n_moe_layers; l++)
    {
      for (int i = 0; i < n * info->n_experts; i++)
        trace->layers[l].logits[i] = (float) ((i * 7919 + l * 31) % 23) / 5.0f - 2.0f;
      sy_router_layer_budget (spec, info, l);
      sy_router_route (spec, info, l, n, 0, recv, &trace->layers[l], NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (SyRouterSpec) again = NULL;
  g_autoptr (SyRouterSpec) copy = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *printed = NULL;
  SyRouterModelInfo infos[] = {
    { .n_experts = 8, .native_k = 2, .n_moe_layers = 3, .activation = SY_ROUTER_SOFTMAX,
      .native_weights = SY_NATIVE_WEIGHTS_RENORM },
    { .n_experts = 16, .native_k = 4, .n_moe_layers = 2, .activation = SY_ROUTER_SOFTMAX,
      .native_weights = SY_NATIVE_WEIGHTS_RAW, .has_shared_experts = TRUE,
      .n_shallow_experts = 4 },
    { .n_experts = 8, .native_k = 2, .n_moe_layers = 2, .activation = SY_ROUTER_SIGMOID,
      .native_weights = SY_NATIVE_WEIGHTS_SIGMOID, .norm_topk_prob = TRUE,
      .routed_scaling_factor = 2.5f, .n_group = 4, .topk_group = 2 },
  };

  sy_fuzz_init ();
  text = g_strndup ((const char *) data, size);
  spec = sy_router_spec_parse (text, NULL);
  if (spec == NULL)
    return 0;
  printed = sy_router_spec_to_string (spec);
  again = sy_router_spec_parse (printed, &error);
  if (again == NULL)
    g_error ("'%s' prints as '%s', which does not parse: %s", text, printed, error->message);
  copy = sy_router_spec_copy (spec);
  sy_router_spec_is_causal (spec);
  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    if (sy_router_spec_check (spec, &infos[i], NULL))
      route (spec, &infos[i]);
  return 0;
}
