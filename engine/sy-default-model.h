/* sy-default-model.h: where the shipped demo model is
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The folder name of the default demo model under data/models/. */
#define SY_DEFAULT_MODEL_NAME "switchyard-topp"

/* The demo model the app and the CLI open when given none: $SWITCHYARD_MODEL
 * when set, else the installed copy (PKGDATADIR/models), else the source
 * tree's (data/models, for a build that is not installed).  NULL with an
 * error naming the places looked at when there is none. */
char *sy_default_model_path (GError **error);

G_END_DECLS
