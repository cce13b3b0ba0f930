/* sy-forward-act.c: the gated activations of the feed-forward blocks
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SY_FFN_SILU: silu (gate) * up (sy_silu_mul).
 * SY_FFN_CLAMPED_SWIGLU (gpt-oss, GptOssExperts): gate clamped from above
 * at the limit, up clamped to [-limit, limit], glu = gate * sigmoid
 * (alpha * gate), out = (up + 1) * glu.
 */
#include "config.h"

#include <math.h>

#include "sy-forward-private.h"

void
_sy_ffn_act (const SyFfn *f,
             float       *out,
             const float *gate,
             const float *up,
             int          n)
{
  if (f->act == SY_FFN_CLAMPED_SWIGLU)
    {
      float lim = f->limit, alpha = f->alpha;

      for (int i = 0; i < n; i++)
        {
          float g = MIN (gate[i], lim);
          float u = CLAMP (up[i], -lim, lim);
          float glu = g / (1.0f + expf (-alpha * g));

          out[i] = (u + 1.0f) * glu;
        }
      return;
    }
  sy_silu_mul (out, gate, up, n);
}
