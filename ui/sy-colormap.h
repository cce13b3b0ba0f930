/* sy-colormap.h: colour scales for the routing views
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three scales, all readable by people with colour-vision deficiencies:
 *
 *  - sequential: viridis (van der Walt, Smith & Firing 2015), perceptually
 *    uniform with lightness rising monotonically from dark purple to yellow;
 *    the 256 published entries (CC0), linearly interpolated;
 *  - diverging: ColorBrewer RdBu (11 classes), blue for negative, near
 *    white at zero, red for positive (ΔK, ΔNLL);
 *  - categorical: Okabe & Ito's 7 colours (black left out: it vanishes on
 *    dark backgrounds and under text) followed by Paul Tol's 9 "muted"
 *    colours: 16 hues.  Beyond 16, indices cycle through hatched, lighter
 *    and darker variants, so 96 indices stay distinct.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double r, g, b, a;
} SyColor;

typedef enum
{
  SY_PATTERN_SOLID,
  SY_PATTERN_HATCH,
} SyPattern;

#define SY_COLORMAP_CATEGORICAL_HUES 16
#define SY_COLORMAP_CATEGORICAL_DISTINCT (SY_COLORMAP_CATEGORICAL_HUES * 6)

/* @t in [0, 1] (clamped); NaN gives a mid grey. */
void      sy_colormap_sequential  (double         t,
                                   SyColor       *out);
/* @v in [-1, 1] (clamped); NaN gives a mid grey. */
void      sy_colormap_diverging   (double         v,
                                   SyColor       *out);
/* Any index >= 0; returns whether the swatch should be hatched. */
SyPattern sy_colormap_categorical (int            index,
                                   SyColor       *out);

/* WCAG relative luminance of an sRGB colour, in [0, 1]. */
double    sy_color_luminance      (const SyColor *color);
/* CIE L* (D65) of an sRGB colour, in [0, 100]. */
double    sy_color_lightness      (const SyColor *color);
/* CIE76 colour difference ΔE*ab between two sRGB colours. */
double    sy_color_delta_e        (const SyColor *a,
                                   const SyColor *b);
/* WCAG contrast ratio between two colours, in [1, 21]. */
double    sy_color_contrast       (const SyColor *a,
                                   const SyColor *b);
/* Black or white, whichever reads better on @background. */
void      sy_color_text_on        (const SyColor *background,
                                   SyColor       *out);
/* Linear mix in sRGB: (1 - t) * a + t * b. */
void      sy_color_mix            (const SyColor *a,
                                   const SyColor *b,
                                   double         t,
                                   SyColor       *out);
/* From 0xRRGGBB. */
void      sy_color_from_hex       (guint32        rgb,
                                   SyColor       *out);

G_END_DECLS
