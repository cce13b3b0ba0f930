/* sy-render-style.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "sy-render-style.h"

/* The light and the dark palette, as 0xRRGGBB. */
static const struct
{
  guint32 foreground, muted, background, surface, grid, accent, missing, bar;
} palettes[2] = {
  { 0x1e1e1e, 0x5e5c64, 0xffffff, 0xf6f5f4, 0xc0bfbc, 0xd55e00, 0xc0bfbc, 0x0072b2 },
  { 0xf0f0f0, 0xb0afb5, 0x242424, 0x303030, 0x5e5c64, 0xff7f2a, 0x5e5c64, 0x56b4e9 },
};

static void
init_palette (SyRenderStyle *style,
              gboolean       dark)
{
  memset (style, 0, sizeof *style);
  g_strlcpy (style->font_family, "Sans", sizeof style->font_family);
  style->font_size = 12;
  style->scale = 1;
  style->dark = dark;
  sy_color_from_hex (palettes[dark].foreground, &style->foreground);
  sy_color_from_hex (palettes[dark].muted, &style->muted);
  sy_color_from_hex (palettes[dark].background, &style->background);
  sy_color_from_hex (palettes[dark].surface, &style->surface);
  sy_color_from_hex (palettes[dark].grid, &style->grid);
  sy_color_from_hex (palettes[dark].accent, &style->accent);
  sy_color_from_hex (palettes[dark].missing, &style->missing);
  sy_color_from_hex (palettes[dark].bar, &style->bar);
}

void
sy_render_style_init_light (SyRenderStyle *style)
{
  init_palette (style, FALSE);
}

void
sy_render_style_init_dark (SyRenderStyle *style)
{
  init_palette (style, TRUE);
}

gboolean
sy_render_style_init_named (SyRenderStyle *style,
                            const char    *name)
{
  if (g_strcmp0 (name, "light") == 0)
    sy_render_style_init_light (style);
  else if (g_strcmp0 (name, "dark") == 0)
    sy_render_style_init_dark (style);
  else
    return FALSE;
  return TRUE;
}

/* The shared light (@dark FALSE) or dark style, made once. */
static const SyRenderStyle *
shared_style (gboolean dark)
{
  static SyRenderStyle styles[2];
  static gsize done[2];

  if (g_once_init_enter (&done[dark]))
    {
      init_palette (&styles[dark], dark);
      g_once_init_leave (&done[dark], 1);
    }
  return &styles[dark];
}

const SyRenderStyle *
sy_render_style_light (void)
{
  return shared_style (FALSE);
}

const SyRenderStyle *
sy_render_style_dark (void)
{
  return shared_style (TRUE);
}
