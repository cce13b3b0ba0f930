/* sy-worker.h: runs the engine off the UI thread for the window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker owns the model and one engine session per configuration
 * (slot A, and slot B in compare mode).  Every edit (text, router) asks for
 * a run; runs happen in a background thread, one at a time, and the newest
 * request wins: a run whose inputs are already stale is
 * cancelled, and when a run ends with newer inputs waiting, the next run
 * starts at once.  Sessions keep their KV cache, so typing at the end of a
 * text recomputes only the new tokens.  Results arrive on the main thread
 * through ::trace-ready; failures through ::run-failed; nothing blocks the
 * UI.  Loading a model also runs in a thread with progress and cancel; a
 * model that fails to load leaves the previous one in place.
 */
#pragma once

#include <gio/gio.h>

#include "sy-generate.h"
#include "sy-model.h"
#include "sy-quant-q8.h"
#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

#define SY_TYPE_WORKER (sy_worker_get_type ())

G_DECLARE_FINAL_TYPE (SyWorker, sy_worker, SY, WORKER, GObject)

typedef enum
{
  SY_SLOT_A,
  SY_SLOT_B,
  SY_N_SLOTS
} SySlot;

SyWorker      *sy_worker_new               (void);

/* The model currently in use (borrowed), or NULL. */
SyModel       *sy_worker_get_model         (SyWorker            *self);

/* Loads @path in a thread; on success replaces the model (and resets the
 * sessions) and emits ::model-changed; the task's error otherwise, and the
 * previous model stays.  Progress is reported through ::load-progress
 * (fraction, text): the text is what the engine is at ("layer 3"), or a
 * note for the person waiting (a sentence: the weights do not fit in
 * memory and will be read from disk as needed), or NULL. */
void           sy_worker_load_model_async  (SyWorker            *self,
                                            const char          *path,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean       sy_worker_load_model_finish (SyWorker            *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Inputs.  Each change schedules a run. */
void           sy_worker_set_text          (SyWorker            *self,
                                            const char          *text);
const char    *sy_worker_get_text          (SyWorker            *self);
/* @spec is copied; NULL means native. */
gboolean       sy_worker_set_router        (SyWorker            *self,
                                            SySlot               slot,
                                            const SyRouterSpec  *spec,
                                            GError             **error);
const SyRouterSpec *sy_worker_get_router   (SyWorker            *self,
                                            SySlot               slot);
void           sy_worker_set_compare       (SyWorker            *self,
                                            gboolean             compare);
gboolean       sy_worker_get_compare       (SyWorker            *self);
/* The activations of products with quantized weights (exact f32 by
 * default; q8: sy-quant-q8.h).  A change reruns both slots. */
void           sy_worker_set_activations   (SyWorker            *self,
                                            SyActivations        mode);
SyActivations  sy_worker_get_activations   (SyWorker            *self);
/* Delay before a run starts, in ms (default 0: at once, on the next main-loop
 * turn; edits made while a run is in flight cancel it and coalesce). */
void           sy_worker_set_debounce      (SyWorker            *self,
                                            guint                ms);

/* The latest trace of @slot (borrowed; valid until the next ::trace-ready), or NULL. */
const SyTrace *sy_worker_get_trace         (SyWorker            *self,
                                            SySlot               slot);
/* Finds, on the current text, the threshold of @base (p of topp, t of
 * minp, q of quantile) whose average K equals @target; the result is the
 * calibrated spec as a string.  Runs in the run thread's place. */
void           sy_worker_calibrate_async   (SyWorker            *self,
                                            const SyRouterSpec  *base,
                                            double               target,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
char          *sy_worker_calibrate_finish  (SyWorker            *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Next-token logits (n_tokens, n_vocab) of the latest run of @slot (borrowed), or
 * NULL; kept only while Compare is on (they are what it compares). */
const float   *sy_worker_get_logits        (SyWorker            *self,
                                            SySlot               slot,
                                            int                 *n_tokens,
                                            int                 *n_vocab);
/* The stamps of those rows (sy_session_get_logits_stamps()), or NULL. */
const guint64 *sy_worker_get_logits_stamps (SyWorker           *self,
                                            SySlot              slot);
/* Continue: the model continues the current text by up to @n_tokens
 * under A's configuration (and B's in compare mode, each its own
 * continuation), token by token (@sampling NULL: greedy).  Each step
 * arrives as ::trace-ready (coalesced to the frame rate: decoding never
 * waits for the views); then the worker's text ends with A's
 * continuation.  Any input change stops it (and runs as usual), as does
 * sy_worker_stop_generation().  FALSE when there is nothing to continue. */
gboolean       sy_worker_generate          (SyWorker            *self,
                                            int                  n_tokens,
                                            const SySampling    *sampling);
void           sy_worker_stop_generation   (SyWorker            *self);
gboolean       sy_worker_is_generating     (SyWorker            *self);
/* For the latest trace of @slot: the index of its first generated token
 * (0 for a plain run), and the generated text (NULL for a plain run). */
int            sy_worker_get_generated_from (SyWorker           *self,
                                             SySlot              slot);
const char    *sy_worker_get_continuation  (SyWorker            *self,
                                            SySlot              slot);
/* Continue's decoding rate: A's generated tokens per second of wall time
 * in the generation's decoding loop (the prompt's run not counted), as the
 * views update meanwhile; live while it runs, then the last generation's.
 * 0 before any. */
double         sy_worker_get_decode_rate   (SyWorker            *self);
/* TRUE while a run or a load is in flight or scheduled. */
gboolean       sy_worker_is_busy           (SyWorker            *self);

G_END_DECLS
