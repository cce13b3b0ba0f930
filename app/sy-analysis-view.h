/* sy-analysis-view.h: the window's working area
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Router controls on the left; on the right the text input, the token
 * strip, and the routing views (heatmap, token inspector, summary) sharing
 * one selection; a status line under them.  It owns the SyWorker: every
 * edit of the text or of the controls re-runs the engine in the background
 * and every view updates when the trace arrives.
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-worker.h"

G_BEGIN_DECLS

#define SY_TYPE_ANALYSIS_VIEW (sy_analysis_view_get_type ())

G_DECLARE_FINAL_TYPE (SyAnalysisView, sy_analysis_view, SY, ANALYSIS_VIEW, GtkWidget)

GtkWidget  *sy_analysis_view_new              (void);
SyWorker   *sy_analysis_view_get_worker       (SyAnalysisView  *self);

/* Loads a model folder in the background (::model-loaded or ::load-failed). */
void        sy_analysis_view_load_model       (SyAnalysisView  *self,
                                               const char      *path);
void        sy_analysis_view_cancel_load      (SyAnalysisView  *self);

void        sy_analysis_view_set_text         (SyAnalysisView  *self,
                                               const char      *text);
char       *sy_analysis_view_get_text         (SyAnalysisView  *self);

/* The router of configuration A, as a spec string. */
gboolean    sy_analysis_view_set_router       (SyAnalysisView  *self,
                                               const char      *spec,
                                               GError         **error);
char       *sy_analysis_view_get_router       (SyAnalysisView  *self);

/* "heatmap", "strip", "inspector", "summary" */
void        sy_analysis_view_set_view         (SyAnalysisView  *self,
                                               const char      *view);
const char *sy_analysis_view_get_view         (SyAnalysisView  *self);
gboolean    sy_analysis_view_set_measure      (SyAnalysisView  *self,
                                               const char      *measure,
                                               GError         **error);
const char *sy_analysis_view_get_measure      (SyAnalysisView  *self);

/* Writes the current view (SVG, PNG or PDF by extension) as it is on
 * screen, in the light style unless @dark. */
gboolean    sy_analysis_view_export           (SyAnalysisView  *self,
                                               const char      *path,
                                               gboolean         dark,
                                               GError         **error);
/* A file name for the current view's export, e.g. "olmoe-heatmap.svg". */
char       *sy_analysis_view_suggest_filename (SyAnalysisView  *self);

gboolean    sy_analysis_view_has_trace        (SyAnalysisView  *self);

/* Compare mode: the "compare" page (B's controls, A and B side by side,
 * the difference); the worker runs slot B only while it is shown. */
void            sy_analysis_view_set_compare      (SyAnalysisView  *self,
                                                   gboolean         compare);
gboolean        sy_analysis_view_get_compare      (SyAnalysisView  *self);
GtkWidget      *sy_analysis_view_get_compare_pane (SyAnalysisView  *self);
/* Configuration B's router spec (free with g_free). */
char           *sy_analysis_view_get_router_b     (SyAnalysisView  *self);
gboolean        sy_analysis_view_set_router_b     (SyAnalysisView  *self,
                                                   const char      *spec,
                                                   GError         **error);

/* The selection every view shares (-1: none). */
int             sy_analysis_view_get_selected_token (SyAnalysisView *self);
int             sy_analysis_view_get_selected_layer (SyAnalysisView *self);
void            sy_analysis_view_select             (SyAnalysisView *self,
                                                     int             token,
                                                     int             layer);
/* The heatmap's zoom: its column width, 0 when it fits the text. */
double          sy_analysis_view_get_heatmap_zoom   (SyAnalysisView *self);
void            sy_analysis_view_set_heatmap_zoom   (SyAnalysisView *self,
                                                     double          cell_width);

/* Continue (Ctrl+Return): the model continues the text under A (and B in
 * compare mode) by the length setting; Stop (Escape). */
void           sy_analysis_view_continue     (SyAnalysisView  *self);
/* The length setting: tokens Continue writes (1 to 2048). */
void           sy_analysis_view_set_continue_length (SyAnalysisView *self,
                                                     int             n_tokens);
void           sy_analysis_view_stop         (SyAnalysisView  *self);

/* Opens the expert card of (MoE layer, expert) on the current text in a
 * window of its own (what a double click on an expert in the inspector or
 * the top-expert/gate heatmap does); returns the card (SyExpertView), or
 * NULL without a trace or out of range. */
/* Expert cards opened from here take their corpus half from @profiler (a
 * SyProfilerWindow, held weakly; NULL: none) when its profile is of the
 * same model. */
void           sy_analysis_view_set_profiler (SyAnalysisView  *self,
                                              GtkWidget       *profiler);
GtkWidget     *sy_analysis_view_show_expert  (SyAnalysisView  *self,
                                              int              moe,
                                              int              expert);
/* The window of its own an expert card opens in (here and in the
 * profiler): titled by @expert, @layer (and "(B)" for configuration B's
 * @b), over @parent (NULL: none) and in its application. */
void           sy_expert_card_present        (GtkWidget       *card,
                                              GtkWindow       *parent,
                                              int              expert,
                                              int              layer,
                                              gboolean         b);

G_END_DECLS
