/* sy-signal.h: the signals of the app's objects
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A G_SIGNAL_RUN_LAST signal @name of @klass's type with no class
 * handler, accumulator or return value, and @n_params parameters whose
 * GTypes follow: every signal of the app is one. */
guint sy_signal_new (gpointer    klass,
                     const char *name,
                     guint       n_params,
                     ...);

G_END_DECLS
