/* sy-profiler-window.h: the Profiler window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a corpus (Brown by genre, a folder of .txt, a JSONL) under one or
 * more routers in a thread, with a progress bar (texts, tokens/s, time
 * left) and cancel, then shows the profiler charts and exports them
 * (SVG/PNG/PDF) and the data (profile.json, CSVs, Chrome trace).
 *
 * The run loads its own SyModel from the model folder (memory-mapped, so
 * the weights are shared through the page cache): the main window's worker
 * may replace or free its model at any time, and a profile must not
 * depend on that.  Two sessions on one model may run at once (the engine
 * only reads the model; tests/test-profile.c /engine/profile/threads), but
 * the worker's model is not reference-counted, so owning one keeps the
 * lifetime simple.
 */
#pragma once

#include <adwaita.h>

#include "sy-model.h"

#include "sy-corpus.h"
#include "sy-profile.h"

G_BEGIN_DECLS

#define SY_TYPE_PROFILER_WINDOW (sy_profiler_window_get_type ())

G_DECLARE_FINAL_TYPE (SyProfilerWindow, sy_profiler_window, SY, PROFILER_WINDOW, AdwWindow)

/* @model_path: the model folder (NULL: the demo model); @router: the main
 * window's current router SPEC (NULL: native only). */
/* @model (nullable): the model open in @parent, shared by the runs;
 * without it each run loads @model_path (NULL: the default demo model). */
SyProfilerWindow *sy_profiler_window_new          (GtkWindow          *parent,
                                                   const char         *model_path,
                                                   SyModel            *model,
                                                   const char         *router);

/* Inputs, as the controls show them.  @source: "brown" or a folder or a
 * .jsonl; @genre: a Brown genre id or NULL for all. */
void              sy_profiler_window_set_corpus   (SyProfilerWindow   *self,
                                                   const char         *source,
                                                   SyCorpusSplit       split,
                                                   const char         *genre);
/* Router SPECs separated by ';' */
void              sy_profiler_window_set_routers  (SyProfilerWindow   *self,
                                                   const char         *routers);
void              sy_profiler_window_set_limit    (SyProfilerWindow   *self,
                                                   int                 limit);
void              sy_profiler_window_set_sweep    (SyProfilerWindow   *self,
                                                   gboolean            sweep,
                                                   const char         *range);

/* Starts a run (the Run button); FALSE with a toast when the inputs are
 * wrong or a run is going on.  ::finished (gboolean ok) when it ends. */
gboolean          sy_profiler_window_run          (SyProfilerWindow   *self);
void              sy_profiler_window_cancel       (SyProfilerWindow   *self);
gboolean          sy_profiler_window_is_running   (SyProfilerWindow   *self);
/* The last finished profile, or NULL. */
const SyProfile  *sy_profiler_window_get_profile  (SyProfilerWindow   *self);
/* The last error message, or NULL. */
const char       *sy_profiler_window_get_error    (SyProfilerWindow   *self);

/* Export (also the header bar's buttons): the chart on show (SVG, PNG or
 * PDF by extension) and the data into a folder. */
gboolean          sy_profiler_window_export_chart (SyProfilerWindow   *self,
                                                   const char         *path,
                                                   GError            **error);
gboolean          sy_profiler_window_export_data  (SyProfilerWindow   *self,
                                                   const char         *dir,
                                                   GError            **error);

/* Opens a profile.json (or its folder) instead of running: the load and
 * co-activation charts and the expert cards' corpus half come from it
 * (the "Open Profile…" button). */
gboolean          sy_profiler_window_open_profile (SyProfilerWindow   *self,
                                                   const char         *path,
                                                   GError            **error);
/* The corpus half of an expert card from the loaded profile (the run
 * chosen in the run list); NULL with @error when none is loaded or it is
 * of another model than @model (NULL: any). */
SyProfileExpert  *sy_profiler_window_get_expert   (SyProfilerWindow   *self,
                                                   const char         *model,
                                                   int                 moe,
                                                   int                 expert,
                                                   GError            **error);
/* What a click at (@x, @y) on the charts does: the card of the expert
 * under it (load or co-activation chart), or NULL. */
GtkWidget        *sy_profiler_window_activate_at  (SyProfilerWindow   *self,
                                                   double              x,
                                                   double              y);

/* The chart on show (SyProfileChart, -1: the dashboard). */
/* For a profile opened from a profile.json: what the chart shown needs
 * and the file does not hold, as the sentence drawn in its place; NULL
 * when the chart is drawn (and for a profile run here). */
const char       *sy_profiler_window_get_missing  (SyProfilerWindow   *self);
void              sy_profiler_window_set_chart    (SyProfilerWindow   *self,
                                                   int                 chart);

G_END_DECLS
