/* test-colormap.c: the colour scales are what they claim to be
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "sy-colormap.h"
#include "sy-render-private.h"
#include "sy-test-util.h"

static void
assert_hex (const SyColor *c,
            guint32        rgb)
{
  SyColor want;

  sy_color_from_hex (rgb, &want);
  g_assert_cmpfloat_with_epsilon (c->r, want.r, 1.5 / 255);
  g_assert_cmpfloat_with_epsilon (c->g, want.g, 1.5 / 255);
  g_assert_cmpfloat_with_epsilon (c->b, want.b, 1.5 / 255);
}

static void
test_sequential_endpoints (void)
{
  SyColor c;

  /* viridis runs from #440154 to #fde725, through #21918c at the middle */
  sy_colormap_sequential (0, &c);
  assert_hex (&c, 0x440154);
  sy_colormap_sequential (1, &c);
  assert_hex (&c, 0xfde725);
  sy_colormap_sequential (128.0 / 255, &c);
  assert_hex (&c, 0x21918c);
  /* clamped outside [0, 1] */
  sy_colormap_sequential (-3, &c);
  assert_hex (&c, 0x440154);
  sy_colormap_sequential (7, &c);
  assert_hex (&c, 0xfde725);
  /* NaN is grey, not a colour of the scale */
  sy_colormap_sequential (NAN, &c);
  g_assert_cmpfloat (fabs (c.r - c.g), <, 1e-9);
  g_assert_cmpfloat (fabs (c.g - c.b), <, 1e-9);
}

static void
test_sequential_monotone (void)
{
  double prev = -1, first, last;
  SyColor c;

  for (int i = 0; i <= 512; i++)
    {
      double l;

      sy_colormap_sequential (i / 512.0, &c);
      l = sy_color_lightness (&c);
      g_assert_cmpfloat (l, >, prev);
      prev = l;
    }
  sy_colormap_sequential (0, &c);
  first = sy_color_lightness (&c);
  sy_colormap_sequential (1, &c);
  last = sy_color_lightness (&c);
  /* a wide lightness range, so the scale reads in greyscale too */
  g_assert_cmpfloat (last - first, >, 60);
  /* perceptually uniform: equal steps in t give near-equal steps in L* */
  for (int i = 0; i < 16; i++)
    {
      SyColor a, b;
      double step;

      sy_colormap_sequential (i / 16.0, &a);
      sy_colormap_sequential ((i + 1) / 16.0, &b);
      step = sy_color_lightness (&b) - sy_color_lightness (&a);
      g_assert_cmpfloat (step, >, (last - first) / 16 * 0.6);
      g_assert_cmpfloat (step, <, (last - first) / 16 * 1.5);
    }
}

static void
test_diverging (void)
{
  SyColor c, lo, hi;
  double prev;

  sy_colormap_diverging (0, &c);
  g_assert_cmpfloat (sy_color_lightness (&c), >, 94);
  sy_colormap_diverging (-1, &lo);
  sy_colormap_diverging (1, &hi);
  g_assert_cmpfloat (sy_color_lightness (&lo), <, 30);
  g_assert_cmpfloat (sy_color_lightness (&hi), <, 30);
  /* negative is blue, positive is red */
  g_assert_cmpfloat (lo.b, >, lo.r);
  g_assert_cmpfloat (hi.r, >, hi.b);
  /* lightness rises towards zero from both sides */
  prev = -1;
  for (int i = 0; i <= 100; i++)
    {
      sy_colormap_diverging (-1 + i / 100.0, &c);
      g_assert_cmpfloat (sy_color_lightness (&c), >=, prev - 1e-9);
      prev = sy_color_lightness (&c);
    }
  for (int i = 1; i <= 100; i++)
    {
      sy_colormap_diverging (i / 100.0, &c);
      g_assert_cmpfloat (sy_color_lightness (&c), <=, prev + 1e-9);
      prev = sy_color_lightness (&c);
    }
}

static void
test_categorical (void)
{
  SyColor colors[SY_COLORMAP_CATEGORICAL_DISTINCT];
  SyPattern patterns[SY_COLORMAP_CATEGORICAL_DISTINCT];
  SyColor black = { 0, 0, 0, 1 };

  for (int i = 0; i < SY_COLORMAP_CATEGORICAL_DISTINCT; i++)
    patterns[i] = sy_colormap_categorical (i, &colors[i]);

  /* the 16 hues: solid, clearly different from each other and from black */
  for (int i = 0; i < SY_COLORMAP_CATEGORICAL_HUES; i++)
    {
      g_assert_cmpint (patterns[i], ==, SY_PATTERN_SOLID);
      g_assert_cmpfloat (sy_color_delta_e (&colors[i], &black), >, 20);
      for (int j = 0; j < i; j++)
        g_assert_cmpfloat (sy_color_delta_e (&colors[i], &colors[j]), >, 10);
    }
  /* Okabe-Ito first: orange, sky blue, bluish green */
  assert_hex (&colors[0], 0xe69f00);
  assert_hex (&colors[1], 0x56b4e9);
  assert_hex (&colors[2], 0x009e73);

  /* every (colour, pattern) pair among the first 96 is unique */
  for (int i = 0; i < SY_COLORMAP_CATEGORICAL_DISTINCT; i++)
    for (int j = 0; j < i; j++)
      g_assert_true (patterns[i] != patterns[j] || sy_color_delta_e (&colors[i], &colors[j]) > 3);

  /* beyond that the cycle repeats */
  {
    SyColor again;

    g_assert_cmpint (sy_colormap_categorical (SY_COLORMAP_CATEGORICAL_DISTINCT + 5, &again), ==, patterns[5]);
    g_assert_cmpfloat (sy_color_delta_e (&again, &colors[5]), <, 1e-6);
  }
}

static void
test_text_contrast (void)
{
  SyColor c, fg;

  /* black or white on any cell colour reads at WCAG AA (4.5:1) */
  for (int i = 0; i <= 64; i++)
    {
      sy_colormap_sequential (i / 64.0, &c);
      sy_color_text_on (&c, &fg);
      g_assert_cmpfloat (sy_color_contrast (&c, &fg), >=, 4.5);
      sy_colormap_diverging (-1 + i / 32.0, &c);
      sy_color_text_on (&c, &fg);
      g_assert_cmpfloat (sy_color_contrast (&c, &fg), >=, 4.5);
    }
  for (int i = 0; i < SY_COLORMAP_CATEGORICAL_DISTINCT; i++)
    {
      sy_colormap_categorical (i, &c);
      sy_color_text_on (&c, &fg);
      g_assert_cmpfloat (sy_color_contrast (&c, &fg), >=, 4.5);
    }
  /* dark end of viridis takes white text, bright end black */
  sy_colormap_sequential (0, &c);
  sy_color_text_on (&c, &fg);
  g_assert_cmpfloat (fg.r, ==, 1);
  sy_colormap_sequential (1, &c);
  sy_color_text_on (&c, &fg);
  g_assert_cmpfloat (fg.r, ==, 0);
}

static void
test_ticks_and_formats (void)
{
  double ticks[SY_MAX_TICKS], step, p = 0;
  int n;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  n = _sy_nice_ticks (&(SyScale) { 0, 1, FALSE }, 6, ticks, &step);
  g_assert_cmpint (n, ==, 6);
  g_assert_cmpfloat_with_epsilon (step, 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (ticks[5], 1.0, 1e-12);
  n = _sy_nice_ticks (&(SyScale) { 1, 8, TRUE }, 6, ticks, &step);
  g_assert_cmpfloat (step, ==, 2);
  g_assert_cmpfloat (ticks[0], ==, 2);
  g_assert_cmpint (n, ==, 4);
  n = _sy_nice_ticks (&(SyScale) { 1, 3, TRUE }, 6, ticks, &step);
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpint (_sy_nice_ticks (&(SyScale) { NAN, 1, FALSE }, 5, ticks, &step), ==, 0);

  a = _sy_format_si (1234567);
  g_assert_cmpstr (a, ==, "1.23 M");
  b = _sy_format_si (999);
  g_assert_cmpstr (b, ==, "999");
  c = _sy_format_tick (0.25, 0.25);
  g_assert_cmpstr (c, ==, "0.25");
  d = _sy_format_tick (3, 1);
  g_assert_cmpstr (d, ==, "3");

  g_assert_true (_sy_router_topp_p ("topp:p=0.4,kmax=4", &p));
  g_assert_cmpfloat (p, ==, 0.4);
  g_assert_true (_sy_router_topp_p ("topp:kmax=4,p=0.7,schedule=descending", &p));
  g_assert_cmpfloat (p, ==, 0.7);
  g_assert_false (_sy_router_topp_p ("topk:k=2", &p));
  g_assert_false (_sy_router_topp_p ("native", &p));
  g_assert_false (_sy_router_topp_p ("topp:p=abc", &p));
  g_assert_false (_sy_router_topp_p (NULL, &p));
}

static const SyTestCase tests[] = {
  { "/ui/colormap/sequential-endpoints", test_sequential_endpoints },
  { "/ui/colormap/sequential-monotone", test_sequential_monotone },
  { "/ui/colormap/diverging", test_diverging },
  { "/ui/colormap/categorical", test_categorical },
  { "/ui/colormap/text-contrast", test_text_contrast },
  { "/ui/colormap/ticks-and-formats", test_ticks_and_formats },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
