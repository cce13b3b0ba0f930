/* test-generate.c: the sampler and the generation loop (sy-generate.h)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sampler against its definition (greedy ties, top-k support, the
 * softmax at a temperature as the frequency of draws, reproducibility by
 * seed); the loop on a fixture model: every step's trace covers the prompt
 * and the tokens so far, the final one equals a plain run over the same
 * ids, and a step function can stop it.
 */
#include <math.h>
#include <string.h>

#include "sy-generate.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static void
test_greedy (void)
{
  const float logits[6] = { 0.5f, 2.0f, -1.0f, 2.0f, 1.9f, -INFINITY };
  SySampling s;
  g_autoptr (SySampler) greedy = NULL;
  g_autoptr (SySampler) k1 = NULL;

  sy_sampling_init (&s);
  g_assert_cmpfloat (s.temperature, ==, 0);
  greedy = sy_sampler_new (&s);
  /* the highest logit, ties to the lower id */
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (sy_sampler_pick (greedy, logits, 6), ==, 1);
  s.temperature = 5.0;
  s.top_k = 1;
  k1 = sy_sampler_new (&s);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (sy_sampler_pick (k1, logits, 6), ==, 1);
}

static void
test_distribution (void)
{
  const float logits[5] = { 1.0f, 0.0f, 2.0f, -1.0f, 0.5f };
  const int n = 40000;
  const double temps[] = { 1.0, 0.5, 2.0 };

  for (guint ti = 0; ti < G_N_ELEMENTS (temps); ti++)
    for (int top_k = 0; top_k <= 3; top_k += 3)
      {
        SySampling s = { .temperature = temps[ti], .top_k = top_k, .seed = 7 + ti };
        g_autoptr (SySampler) sampler = sy_sampler_new (&s);
        int count[5] = { 0, };
        double p[5], sum = 0;
        /* top 3 by logit: ids 2, 0, 4 */
        gboolean in_top[5] = { TRUE, FALSE, TRUE, FALSE, TRUE };

        for (int e = 0; e < 5; e++)
          {
            p[e] = (top_k == 0 || in_top[e]) ? exp (logits[e] / temps[ti]) : 0;
            sum += p[e];
          }
        for (int i = 0; i < n; i++)
          count[sy_sampler_pick (sampler, logits, 5)]++;
        for (int e = 0; e < 5; e++)
          {
            double want = p[e] / sum;
            double sd = sqrt (want * (1 - want) / n);

            if (want == 0)
              g_assert_cmpint (count[e], ==, 0);
            /* five standard deviations */
            g_assert_cmpfloat (fabs ((double) count[e] / n - want), <=, 5 * sd + 1e-9);
          }
      }
}

static void
test_seed (void)
{
  float logits[50];
  SySampling a = { .temperature = 1.0, .seed = 42 };
  SySampling b = { .temperature = 1.0, .seed = 43 };
  g_autoptr (SySampler) s1 = sy_sampler_new (&a);
  g_autoptr (SySampler) s2 = sy_sampler_new (&a);
  g_autoptr (SySampler) s3 = sy_sampler_new (&b);
  int same12 = 0, same13 = 0;

  for (int i = 0; i < 50; i++)
    logits[i] = (float) (i % 7) * 0.1f;
  for (int i = 0; i < 200; i++)
    {
      int x = sy_sampler_pick (s1, logits, 50);
      int y = sy_sampler_pick (s2, logits, 50);
      int z = sy_sampler_pick (s3, logits, 50);

      same12 += x == y;
      same13 += x == z;
    }
  g_assert_cmpint (same12, ==, 200);
  g_assert_cmpint (same13, <, 50);
}

typedef struct
{
  int n_prompt;
  int calls;
  int stop_after;
} StepData;

static gboolean
on_step (const SyTrace *trace,
         int            index,
         gpointer       user_data)
{
  StepData *d = user_data;

  d->calls++;
  /* the trace covers the prompt and every token so far, the new one last */
  g_assert_cmpint (index, ==, d->n_prompt + d->calls - 1);
  g_assert_cmpint (trace->n_tokens, ==, index + 1);
  for (int l = 0; l < trace->n_moe_layers; l++)
    g_assert_cmpint (trace->layers[l].k[index], >=, 1);
  return d->stop_after == 0 || d->calls < d->stop_after;
}

static void
test_loop (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SySession) session = NULL;
  g_autoptr (SySession) plain = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autoptr (SyTrace) again = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("ser:kmin=1,t=0.3", NULL);
  const int32_t prompt[4] = { 1, 17, 42, 7 };
  StepData d = { .n_prompt = 4 };
  SySampling s = { .temperature = 0.9, .top_k = 20, .seed = 5 };
  SyGenerateRequest req = { .prompt = prompt, .n_prompt = 4, .max_new = 6, .sampling = &s,
                            .step = on_step, .user_data = &d };
  double max_delta = 0;
  int n_new = 0;

  session = sy_session_new (model);
  g_assert_true (sy_session_set_router (session, spec, &error));
  trace = sy_generate (session, &req, &n_new, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_new, ==, 6);
  g_assert_cmpint (d.calls, ==, 6);
  g_assert_cmpint (trace->n_tokens, ==, 10);
  g_assert_cmpmem (trace->ids, 4 * sizeof (int32_t), prompt, sizeof prompt);

  /* the same as one run over the same ids (decode steps against a prefill) */
  plain = sy_session_new (model);
  g_assert_true (sy_session_set_router (plain, spec, &error));
  again = sy_session_run (plain, trace->ids, trace->n_tokens, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int l = 0; l < trace->n_moe_layers; l++)
    for (int i = 0; i < trace->n_tokens * trace->n_experts; i++)
      max_delta = MAX (max_delta, fabs (trace->layers[l].probs[i] - again->layers[l].probs[i]));
  g_test_message ("generated vs prefill: max |delta pi| %.3g", max_delta);
  g_assert_cmpfloat (max_delta, <, 1e-4);

  /* reproducible by seed; a step function stops it */
  {
    g_autoptr (SySession) other = sy_session_new (model);
    g_autoptr (SyTrace) t2 = NULL;
    StepData d2 = { .n_prompt = 4, .stop_after = 3 };

    g_assert_true (sy_session_set_router (other, spec, &error));
    req.user_data = &d2;
    t2 = sy_generate (other, &req, &n_new, &error);
    g_assert_no_error (error);
    g_assert_cmpint (n_new, ==, 3);
    g_assert_cmpint (t2->n_tokens, ==, 7);
    g_assert_cmpmem (t2->ids, 7 * sizeof (int32_t), trace->ids, 7 * sizeof (int32_t));
  }
  /* any of the end-of-sequence tokens stops it, after being routed: here
   * the second of two, the first being one it does not generate */
  {
    g_autoptr (SySession) other = sy_session_new (model);
    g_autoptr (SyTrace) t3 = NULL;
    int want = trace->ids[4] == trace->ids[5] ? 1 : 2;
    int eos[2] = { -1, trace->ids[5] };

    for (int v = 0; eos[0] < 0; v++)
      {
        gboolean generated = FALSE;

        for (int t = 4; t < trace->n_tokens; t++)
          generated |= trace->ids[t] == v;
        if (!generated)
          eos[0] = v;
      }
    g_assert_true (sy_session_set_router (other, spec, &error));
    req.eos_ids = eos;
    req.n_eos = 2;
    req.step = NULL;
    t3 = sy_generate (other, &req, &n_new, &error);
    g_assert_no_error (error);
    g_assert_cmpint (n_new, ==, want);
    g_assert_cmpint (t3->n_tokens, ==, 4 + want);
  }
  req = (SyGenerateRequest) { .prompt = prompt, .n_prompt = 0, .max_new = 3 };
  g_assert_null (sy_generate (session, &req, &n_new, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_INVALID_VALUE, "the prompt is empty");
}

static const SyTestCase tests[] = {
  { "/generate/greedy", test_greedy },
  { "/generate/distribution", test_distribution },
  { "/generate/seed", test_seed },
  { "/generate/loop", test_loop },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
