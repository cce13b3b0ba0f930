/* sy-application-private.h: what sy-application.c shares with its actions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-application.h"

G_BEGIN_DECLS

struct _SyApplication
{
  AdwApplication parent_instance;
};

void _sy_application_actions_init (SyApplication *self);

G_END_DECLS
