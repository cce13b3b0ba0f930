/* sy-application.h: the Switchyard GtkApplication
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The GSettings schema id and the icon name in the app's resources, the
 * same for release and .Devel builds (APPLICATION_ID differs). */
#define SY_SETTINGS_SCHEMA_ID "io.github.switchyard.Switchyard"
#define SY_ICON_NAME          "io.github.switchyard.Switchyard"

#define SY_TYPE_APPLICATION (sy_application_get_type ())

G_DECLARE_FINAL_TYPE (SyApplication, sy_application, SY, APPLICATION, AdwApplication)

SyApplication   *sy_application_new        (void);

/* Registers the app's GResource (the .ui templates, the icons), once: for
 * SyApplication and for a window made without one (the Profiler in tests). */
void             sy_application_ensure_resources (void);

/* Finds the schema: installed first, then the build tree's data/ (so that
 * build/app/switchyard runs without `meson install`).  NULL if neither. */
GSettingsSchema *sy_settings_schema_lookup (void);
/* The app's settings (from the schema above, which must exist). */
GSettings       *sy_settings_new           (void);

G_END_DECLS
