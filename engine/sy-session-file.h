/* sy-session-file.h: saved sessions (.switchyard files) and model fingerprints
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session file holds what it takes to draw a picture again: the model
 * (its path and fingerprint), the text, configuration A and B, the view,
 * the measure, the selected token and layer and the heatmap's zoom.  It is
 * a small JSON object:
 *
 *   {"format": "switchyard-session", "version": 1,
 *    "model": "/models/olmoe" | null,      (null or absent: the demo model)
 *    "model_fingerprint": "sha256:..." | null,
 *    "text": "The service is pretty good.",
 *    "router_a": "topp:p=0.4", "router_b": "native" | null, "compare": false,
 *    "view": "heatmap" | "strip" | "inspector" | "summary" | "compare",
 *    "measure": "k" | "importance" | "expert" | "entropy" | "depth" | "surprisal" | "gate:E",
 *    "token": 3 | null, "layer": 0 | null,
 *    "heatmap_cell_width": 0}             (column width in px; 0 fits the text)
 *
 * A session of a recorded trace (docs/trace-format.md) names the trace
 * file instead of the model, and B's trace when B is another recording of
 * the same text; its routers are re-applied to the recording ("recorded":
 * the routing as recorded) and "text" may be left out:
 *
 *   {..., "trace": "runs/olmoe.json", "trace_b": "runs/olmoe-f16.json" | null,
 *    "router_a": "recorded", "router_b": "topp:p=0.5", ...}
 *
 * "format", "version" and "text" (unless "trace") are required, every other key has the
 * default above; unknown keys are ignored (a newer minor addition reads
 * fine), a wrong type or value is an error naming the file and the key.
 * (Not SySession: that is the engine's run session with its KV cache.)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_SESSION_FILE_FORMAT    "switchyard-session"
#define SY_SESSION_FILE_VERSION   1
#define SY_SESSION_FILE_EXTENSION ".switchyard"
#define SY_SESSION_FILE_MIME_TYPE "application/x-switchyard-session"

typedef struct
{
  char     *model;              /* as stored; NULL: the default demo model */
  char     *model_fingerprint;  /* sy_model_fingerprint() at save time, or NULL */
  char     *text;               /* never NULL */
  char     *router_a;           /* router spec of configuration A, never NULL */
  char     *router_b;           /* configuration B, or NULL */
  gboolean  compare;            /* compare mode on */
  char     *view;               /* never NULL */
  char     *measure;            /* never NULL */
  int       token;              /* selected token, -1: none */
  int       layer;              /* selected MoE layer, -1: none */
  double    heatmap_cell_width; /* heatmap zoom: column width, 0 fits */
  char     *trace;              /* a trace file instead of a model, or NULL */
  char     *trace_b;            /* B's trace file (compare two recordings), or NULL */
} SySessionFile;

/* Defaults: demo model, empty text, native, heatmap, k, nothing selected. */
SySessionFile *sy_session_file_new        (void);
void           sy_session_file_free       (SySessionFile        *session);
gboolean       sy_session_file_equal      (const SySessionFile  *a,
                                           const SySessionFile  *b);

/* Parses a session; @name (a path) names the file in errors. */
SySessionFile *sy_session_file_parse      (const char           *data,
                                           gssize                len,
                                           const char           *name,
                                           GError              **error);
SySessionFile *sy_session_file_load       (const char           *path,
                                           GError              **error);
/* The JSON text (pretty, ending with a newline). */
char          *sy_session_file_to_data    (const SySessionFile  *session);
/* Writes atomically (a temporary file renamed over @path). */
gboolean       sy_session_file_save       (const SySessionFile  *session,
                                           const char           *path,
                                           GError              **error);

/* The model folder or file the session names, as a path to open: NULL
 * model → sy_default_model_path(); "~/..." → under the home folder; a
 * relative path → relative to the folder of @session_path (the session
 * file; NULL: the current folder); an absolute one as it is.  Does not
 * check that it exists. */
char          *sy_session_file_resolve_model (const SySessionFile *session,
                                              const char          *session_path,
                                              GError             **error);

/* The trace file (@b: B's) the session names, resolved as the model is;
 * NULL when it names none. */
char          *sy_session_file_resolve_trace (const SySessionFile *session,
                                              const char          *session_path,
                                              gboolean             b);

/* Valid view and measure names, as the file and switchyard-cli spell them. */
gboolean       sy_session_file_view_is_valid    (const char *view);
gboolean       sy_session_file_measure_is_valid (const char *measure);

/* A cheap fingerprint of a model folder or GGUF file: "sha256:" and 64 hex
 * digits, the SHA-256 of
 *   - config.json, tokenizer.json, tokenizer_config.json,
 *     generation_config.json and model.safetensors.index.json when present
 *     (name, size and every byte);
 *   - each *.safetensors file, by name: its name, size, header (the 8-byte
 *     length and the JSON of tensor names, dtypes, shapes and offsets) and
 *     the first and last 64 KiB of its data;
 *   - each *.gguf file (a folder's, or @path itself): its name, size, first
 *     MiB (header, metadata, tensor table) and last 64 KiB; for a part of a
 *     split GGUF (NAME-00002-of-00003.gguf) every part in order, so that
 *     any part gives the model's fingerprint (a missing part: an error).
 * It reads well under 1 MiB per weight file whatever the model's size, so
 * it does not see every weight: a change of shapes, dtypes, config or
 * tokenizer always changes it, a retrained model with the same layout
 * almost always (through the sampled bytes).  The folder's own path is not
 * part of it: a moved model keeps its fingerprint. */
char          *sy_model_fingerprint        (const char          *path,
                                            GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySessionFile, sy_session_file_free)

G_END_DECLS
