/* sy-cli-input.h: token input with the tokenizer's pieces (route)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-model.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct
{
  int32_t  *ids;
  int       n;
  char    **pieces;    /* (n) display text of each token, or NULL */
  int      *offsets;   /* (n, 2) code-point offsets into the text, or NULL */
} SyCliInput;

/* The ids of --text (tokenized with special tokens, as cli.md says) or
 * of --ids "1,2,3" (exactly one of the two), checked against the model's
 * vocabulary. */
SyCliInput *sy_cli_input_new         (SyModel      *model,
                                      const char   *model_path,
                                      const char   *text,
                                      const char   *ids,
                                      GError      **error);
void        sy_cli_input_free        (SyCliInput   *self);

/* Copies the token pieces and offsets into a trace of the same tokens. */
void        sy_cli_input_fill_trace  (const SyCliInput *self,
                                      SyTrace          *trace);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCliInput, sy_cli_input_free)

G_END_DECLS
