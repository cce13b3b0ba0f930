/* sy-cli-model.h: what the model-running subcommands share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-session-file.h"

G_BEGIN_DECLS

/* Loads --model PATH (NULL: the embedded demo model, which is not built
 * yet: an error) with @flags (SY_MODEL_LOAD_DEFAULT: as the model's size
 * suggests).  Prints a warning line per leftover tensor on stderr. */
SyModel      *sy_cli_load_model   (const char        *path,
                                   SyModelLoadFlags   flags,
                                   GError           **error);
/* "1,2,3" -> ids. */
int32_t      *sy_cli_parse_ids    (const char    *text,
                                   int           *n_ids,
                                   GError       **error);
/* The input ids from --text (tokenised with special tokens, as the
 * model's tokenizer does) or --ids; exactly one of them. */
int32_t      *sy_cli_input_ids    (SyModel       *model,
                                   const char    *text,
                                   const char    *ids,
                                   int           *n_ids,
                                   GError       **error);
/* What a command that runs one input takes: --model, --text or --ids,
 * --router and --activations (each NULL where not given), and what
 * sy_cli_input_load() and sy_cli_input_open() make of them (all freed by
 * sy_cli_input_clear()). */
typedef struct
{
  char         *model_path;
  char         *text;
  char         *ids_text;
  char         *router;
  char         *activations;
  SyRouterSpec *spec;        /* the router; NULL: _open() parses @router */
  SyModel      *model;
  int32_t      *ids;
  int           n_ids;
  SySession    *session;
} SyCliInput;

void          sy_cli_input_clear  (SyCliInput    *input);
/* sy_cli_load_model() and then sy_cli_input_ids(): the model and the
 * ids of @input; FALSE with @error. */
gboolean      sy_cli_input_load   (SyCliInput    *input,
                                   GError       **error);
/* sy_cli_input_load() and a session on them with the activations and the
 * router (@spec, else @router, else native); FALSE with @error. */
gboolean      sy_cli_input_open   (SyCliInput    *input,
                                   GError       **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyCliInput, sy_cli_input_clear)

/* --router SPEC (NULL: native) */
SyRouterSpec *sy_cli_parse_router (const char    *spec,
                                   GError       **error);
/* The text of @ids, or NULL without a tokenizer. */
char         *sy_cli_decode       (SyModel       *model,
                                   const int32_t *ids,
                                   int            n);

/* --session FILE: loads the session; when *@model_path is NULL (no
 * --model) sets it to the model the session names, which must exist, and
 * prints a warning line on stderr when that model's fingerprint differs
 * from the one saved.  Errors name the session file. */
SySessionFile *sy_cli_load_session (const char    *path,
                                    char         **model_path,
                                    GError       **error);

/* --activations of bench / forward / route: NULL where @value (NULL: the
 * default) names a path ("f32", "q8"), else the one-line error (static)
 * for @command */
const char    *sy_cli_activations_error (const char    *command,
                                         const char    *value);
/* the mode @value names (checked by sy_cli_activations_error), f32 for NULL */
SyActivations  sy_cli_activations       (const char    *value);

G_END_DECLS
