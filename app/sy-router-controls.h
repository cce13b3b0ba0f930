/* sy-router-controls.h: the router controls of the window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Policy, its parameters, the weight rule and a DynaMoE schedule with a
 * preview of the per-layer budget (docs/routing.md).  Every
 * change emits ::changed; the spec is read with
 * sy_router_controls_get_spec_string().  "Reset to Native" and "Match
 * Native Cost" emit ::reset and ::calibrate.
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-router.h"
#include "sy-worker.h"

G_BEGIN_DECLS

#define SY_TYPE_ROUTER_CONTROLS (sy_router_controls_get_type ())

G_DECLARE_FINAL_TYPE (SyRouterControls, sy_router_controls, SY, ROUTER_CONTROLS, GtkBox)

GtkWidget *sy_router_controls_new               (void);

/* The model the controls configure (ranges, defaults, shared experts);
 * NULL disables them.  Copied. */
void       sy_router_controls_set_model_info    (SyRouterControls        *self,
                                                 const SyRouterModelInfo *info);
/* A new model for controls that show a policy: set_model_info(), then
 * the policy as it was where it fits the new model. */
void       sy_router_controls_change_model      (SyRouterControls        *self,
                                                 const SyRouterModelInfo *info);

/* The spec as text, "native" included (free with g_free). */
char      *sy_router_controls_get_spec_string   (SyRouterControls        *self);
/* Shows @spec (from settings or a calibration); FALSE with @error if it
 * does not parse.  Emits ::changed. */
gboolean   sy_router_controls_set_spec_string   (SyRouterControls        *self,
                                                 const char              *spec,
                                                 GError                 **error);
/* Makes the controls drive @slot of @worker: every change sets that slot's
 * router (an error shows in the status line), "Match Native Cost"
 * calibrates on the worker and shows the result. */
void       sy_router_controls_bind_worker       (SyRouterControls        *self,
                                                 SyWorker                *worker,
                                                 SySlot                   slot);
/* Sends the spec the controls show to the bound slot now; FALSE (and the
 * reason in the status line) when the worker refuses it. */
gboolean   sy_router_controls_apply             (SyRouterControls        *self);
/* Offers only the policies of @mask (bits 1 << SyPolicy; Native always,
 * labelled @native_label when not NULL) and shows @reason (may be NULL)
 * in the status line: for recorded traces, which take π-only policies,
 * or none.  A spec of another policy is refused with @reason. */
void       sy_router_controls_limit_policies    (SyRouterControls        *self,
                                                 guint                    mask,
                                                 const char              *native_label,
                                                 const char              *reason);
/* Average K of the latest run, shown beside the calibration button. */
void       sy_router_controls_set_status        (SyRouterControls        *self,
                                                 const char              *text);

G_END_DECLS
