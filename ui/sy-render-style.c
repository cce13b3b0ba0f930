/* sy-render-style.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "sy-render-style.h"

static void
init_common (SyRenderStyle *style)
{
  g_strlcpy (style->font_family, "Sans", sizeof style->font_family);
  style->font_size = 12;
  style->scale = 1;
}

void
sy_render_style_init_light (SyRenderStyle *style)
{
  memset (style, 0, sizeof *style);
  init_common (style);
  style->dark = FALSE;
  sy_color_from_hex (0x1e1e1e, &style->foreground);
  sy_color_from_hex (0x5e5c64, &style->muted);
  sy_color_from_hex (0xffffff, &style->background);
  sy_color_from_hex (0xf6f5f4, &style->surface);
  sy_color_from_hex (0xc0bfbc, &style->grid);
  sy_color_from_hex (0xd55e00, &style->accent);
  sy_color_from_hex (0xc0bfbc, &style->missing);
  sy_color_from_hex (0x0072b2, &style->bar);
}

void
sy_render_style_init_dark (SyRenderStyle *style)
{
  memset (style, 0, sizeof *style);
  init_common (style);
  style->dark = TRUE;
  sy_color_from_hex (0xf0f0f0, &style->foreground);
  sy_color_from_hex (0xb0afb5, &style->muted);
  sy_color_from_hex (0x242424, &style->background);
  sy_color_from_hex (0x303030, &style->surface);
  sy_color_from_hex (0x5e5c64, &style->grid);
  sy_color_from_hex (0xff7f2a, &style->accent);
  sy_color_from_hex (0x5e5c64, &style->missing);
  sy_color_from_hex (0x56b4e9, &style->bar);
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

const SyRenderStyle *
sy_render_style_light (void)
{
  static SyRenderStyle style;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sy_render_style_init_light (&style);
      g_once_init_leave (&done, 1);
    }
  return &style;
}

const SyRenderStyle *
sy_render_style_dark (void)
{
  static SyRenderStyle style;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sy_render_style_init_dark (&style);
      g_once_init_leave (&done, 1);
    }
  return &style;
}
