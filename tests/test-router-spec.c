/* test-router-spec.c: the routing spec syntax (docs/routing.md): specs
 * that print back as they were parsed, and the errors of those that do
 * not parse or do not fit a model
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"
#include "sy-test-router.h"
#include "sy-test-util.h"
#include "sy-trace.h"

/* @text parsed and written back as @want: the spec */
static SyRouterSpec *
parse_as (const char *text,
          const char *want)
{
  SyRouterSpec *spec = sy_test_parse_spec (text);
  g_autofree char *back = sy_router_spec_to_string (spec);

  g_assert_cmpstr (back, ==, want);
  return spec;
}

static void
test_spec_round_trip (void)
{
  const char *specs[] = {
    "native", "native:weights=raw", "topk:k=2", "topk", "topp:p=0.4",
    "topp:p=0.4,kmin=2,kmax=4,schedule=descending", "minp:t=0.1,kmax=3",
    "da:k=2,kmin=1,kmax=6,map=linear", "da", "quantile:q=0.95", "quantile",
    "adr:theta=0.3,gamma=0.2,u=0.5,kdeep=4,kshallow=2,shallow=shared", "adr",
    "topp:p=0.3,schedule=wave,klo=1,khi=6,cycles=3", "topp:p=0.4,schedule=custom,custom=4/3/2",
    "topk:schedule=pyramid,weights=renorm", " topp : p = 0.25 , weights = raw ",
    "minp:t=0.123456789012345", "topp:p=0.1,schedule=valley,klo=2",
    "ser:kmin=2,t=0.3", "ser:t=0.5", "ser:kmin=1,t=0.2,schedule=descending,weights=raw",
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr (SyRouterSpec) a = sy_test_parse_spec (specs[i]);
      g_autofree char *text = sy_router_spec_to_string (a);
      g_autoptr (SyRouterSpec) b = sy_test_parse_spec (text);
      g_autofree char *text2 = sy_router_spec_to_string (b);
      g_autoptr (SyRouterSpec) c = sy_router_spec_copy (b);
      g_autofree char *text3 = sy_router_spec_to_string (c);

      g_assert_cmpstr (text, ==, text2);
      g_assert_cmpstr (text, ==, text3);
      g_assert_cmpint (a->policy, ==, b->policy);
      g_assert_cmpint (a->weights, ==, b->weights);
      g_assert_cmpint (a->schedule, ==, b->schedule);
      g_assert_cmpint (a->k, ==, b->k);
      g_assert_cmpint (a->kmin, ==, b->kmin);
      g_assert_cmpint (a->kmax, ==, b->kmax);
      g_assert_cmpint (a->n_custom, ==, b->n_custom);
      g_assert_true (a->p == b->p || (isnan (a->p) && isnan (b->p)));
      g_assert_true (a->t == b->t || (isnan (a->t) && isnan (b->t)));
      g_assert_true (a->theta == b->theta || (isnan (a->theta) && isnan (b->theta)));
    }

  {
    g_autoptr (SyRouterSpec) a = parse_as ("topk:k=native", "topk");

    g_assert_true (sy_router_spec_is_causal (a));
  }
  sy_router_spec_free (parse_as (" topp : p = 0.25 , weights = raw ", "topp:p=0.25,weights=raw"));
  {
    g_autoptr (SyRouterSpec) a = parse_as ("ser:t=0.25,kmin=2", "ser:kmin=2,t=0.25");

    g_assert_true (sy_router_spec_is_causal (a));
  }
  {
    g_autoptr (SyRouterSpec) a = parse_as ("topp:p=0.4,custom=4/3/2", "topp:p=0.4,schedule=custom,custom=4/3/2");

    g_assert_cmpint (a->schedule, ==, SY_SCHEDULE_CUSTOM);
    g_assert_cmpint (a->custom[2], ==, 2);
  }
}

static void
test_spec_errors (void)
{
  const struct { const char *spec; const char *message; } parse_errors[] = {
    { "", "empty" },
    { "bogus", "unknown policy 'bogus'" },
    { "bogus:k=2", "unknown policy 'bogus'" },
    { "topp:p=0.4,foo=1", "unknown option 'foo'" },
    { "topp:k=2", "option 'k' does not apply to policy topp" },
    { "native:schedule=uniform", "option 'schedule' does not apply to policy native" },
    { "topp:p=1.5", "p=1.5 is outside [0,1]" },
    { "topp:p=-0.1", "p=-0.1 is outside [0,1]" },
    { "minp:t=2", "t=2 is outside [0,1]" },
    { "quantile:q=1.01", "q=1.01 is outside [0,1]" },
    { "adr:theta=3", "theta=3 is outside [0,1]" },
    { "topp:p=abc", "p=abc: not a number" },
    { "topp:p=0.4x", "p=0.4x: not a number" },
    { "topp:p=nan", "p=nan: not a number" },
    { "topp:p=", "p=: not a number" },
    { "topk:k=two", "k=two: not an integer" },
    { "topk:k=2.5", "k=2.5: not an integer" },
    { "topk:k=0", "k=0: must be at least 1" },
    { "topp:p=0.4,schedule=zigzag", "unknown schedule 'zigzag'" },
    { "topp:p=0.4,weights=cubic", "unknown weights 'cubic'" },
    { "da:map=cubic", "unknown map 'cubic'" },
    { "adr:shallow=deep", "unknown shallow 'deep'" },
    { "topp:p=0.4,p=0.5", "option 'p' given twice" },
    { "topp:p", "option 'p' needs a value" },
    { "topp:p=0.4,,kmax=2", "empty option" },
    { "topp:p=0.4,custom=4/x/2", "custom=4/x/2" },
    { "topp:p=0.4,schedule=custom", "schedule=custom needs custom=" },
    { "topp:p=0.4,schedule=uniform,custom=1/2", "custom= needs schedule=custom" },
    { "topp:p=0.4,klo=2", "option 'klo' needs a schedule" },
    { "topp:p=0.4,schedule=uniform,cycles=2", "'cycles' applies only to schedule=wave" },
    { "topp:p=0.4,schedule=wave,klo=5,khi=2", "klo=5 is larger than khi=2" },
    { "topp:p=0.4,kmin=5,kmax=2", "kmin=5 is larger than kmax=2" },
    { "topk:k=2,schedule=uniform", "topk takes either k= or schedule=" },
    { "minp", "minp needs t=" },
    { "ser:kmin=2", "ser needs t=" },
    { "ser:t=1.5", "t=1.5 is outside [0,1]" },
    { "ser:t=0.5,kmax=3", "option 'kmax' does not apply to policy ser" },
    { "ser:t=0.5,k=3", "option 'k' does not apply to policy ser" },
    { "adr:gamma=-1", "gamma=-1 must not be negative" },
    { "topp:p=0.4,schedule=wave,cycles=0", "cycles=0 must be positive" },
  };
  const struct { const char *spec; const char *message; } check_errors[] = {
    { "topk:k=9", "k=9 is outside 1..8" },
    { "topp:p=0.4,kmax=12", "kmax=12 is outside 1..8" },
    { "da:kmin=6", "kmin=6 is larger than kmax=4" },
    { "topp:p=0.4,custom=4/3", "custom schedule has 2 entries but the model has 3 MoE layers" },
    { "topp:p=0.4,custom=4/3/9", "custom entry 3 (9) is outside 1..8" },
    { "topp:p=0.4,schedule=ascending,klo=6", "klo=6 is larger than khi=4" },
    { "adr:kdeep=20", "kdeep=20 is outside 1..8" },
    { "adr:shallow=shared", "shallow=shared" },
  };
  SyRouterModelInfo info = sy_test_softmax_info (8, 2, 3, SY_NATIVE_WEIGHTS_RENORM);

  for (guint i = 0; i < G_N_ELEMENTS (parse_errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (parse_errors[i].spec, &error);

      g_assert_null (spec);
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
      if (strstr (error->message, parse_errors[i].message) == NULL)
        g_error ("spec '%s': message '%s' lacks '%s'", parse_errors[i].spec,
                 error->message, parse_errors[i].message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (check_errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyRouterSpec) spec = sy_test_parse_spec (check_errors[i].spec);
      g_autoptr (SyTrace) trace = sy_test_random_trace (2, 8, 1, 1, 1.0);

      g_assert_false (sy_router_spec_check (spec, &info, &error));
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
      if (strstr (error->message, check_errors[i].message) == NULL)
        g_error ("spec '%s': message '%s' lacks '%s'", check_errors[i].spec,
                 error->message, check_errors[i].message);
      g_clear_error (&error);
      /* routing checks too */
      g_assert_false (sy_router_route (spec, &info, 0, 2, 0, NULL, &trace->layers[0], &error));
      g_assert_nonnull (error);
    }
}

static const SyTestCase tests[] = {
  { "/router/spec-round-trip", test_spec_round_trip },
  { "/router/spec-errors", test_spec_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
