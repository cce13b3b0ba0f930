/* sy-render-export.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <glib/gstdio.h>

#include "sy-render-export.h"

gboolean
sy_export_format_from_path (const char      *path,
                            SyExportFormat  *format,
                            GError         **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".svg"))
    *format = SY_EXPORT_SVG;
  else if (g_str_has_suffix (lower, ".png"))
    *format = SY_EXPORT_PNG;
  else if (g_str_has_suffix (lower, ".pdf"))
    *format = SY_EXPORT_PDF;
  else
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: unknown export format (use .svg, .png or .pdf)"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_status (cairo_status_t   status,
              const char      *path,
              GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               "%s: %s", path, cairo_status_to_string (status));
  return FALSE;
}

gboolean
sy_render_to_file (const char  *path,
                   double       width,
                   double       height,
                   double       scale,
                   SyDrawFunc   draw,
                   gpointer     user_data,
                   GError     **error)
{
  SyExportFormat format;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (draw != NULL, FALSE);

  if (!sy_export_format_from_path (path, &format, error))
    return FALSE;
  if (!(width >= 1 && height >= 1 && width < 100000 && height < 100000))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: invalid picture size %.0f x %.0f"), path, width, height);
      return FALSE;
    }
  if (scale <= 0)
    scale = 1;

  switch (format)
    {
    case SY_EXPORT_SVG:
      surface = cairo_svg_surface_create (path, width, height);
      break;
    case SY_EXPORT_PDF:
      surface = cairo_pdf_surface_create (path, width, height);
      break;
    case SY_EXPORT_PNG:
    default:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) (width * scale + 0.5),
                                            (int) (height * scale + 0.5));
      cairo_surface_set_device_scale (surface, scale, scale);
      break;
    }
  if (!check_status (cairo_surface_status (surface), path, error))
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }

  cr = cairo_create (surface);
  draw (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS && format == SY_EXPORT_PNG)
    status = cairo_surface_write_to_png (surface, path);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  return check_status (status, path, error);
}
