/* sy-progress.h: progress reports and cancellation of long calls
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called now and then by a long call (loading, writing, running): return
 * FALSE to cancel it (it then fails with SY_ENGINE_ERROR_CANCELLED).
 * @fraction is in [0, 1], @what names the step. */
typedef gboolean (*SyProgressFunc) (double      fraction,
                                    const char *what,
                                    gpointer    user_data);

G_END_DECLS
