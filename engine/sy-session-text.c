/* sy-session-text.c: run a text (not ids) through a session
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The single door from text to trace for the app and the CLI: tokenize
 * with the model's own tokenizer, special tokens included as its
 * post-processor adds them (cli.md: "--text tokenizes as the model's
 * tokenizer does with special tokens"), run, and name the tokens in the
 * trace (their decoded pieces and code-point offsets into the text).
 */
#include "sy-session.h"
#include "sy-tokenizer.h"

void
sy_trace_set_tokens (SyTrace          *trace,
                     SyTokenizer      *tokenizer,
                     const SyEncoding *encoding)
{
  g_return_if_fail (trace != NULL);

  if (tokenizer != NULL)
    for (int i = 0; i < trace->n_tokens; i++)
      {
        g_free (trace->token_text[i]);
        trace->token_text[i] = sy_tokenizer_id_to_piece (tokenizer, trace->ids[i]);
      }
  if (encoding != NULL && encoding->offsets != NULL && encoding->n == trace->n_tokens)
    {
      g_free (trace->offsets);
      trace->offsets = g_memdup2 (encoding->offsets, sizeof (int) * 2 * encoding->n);
    }
}

SyTrace *
sy_session_run_text (SySession       *self,
                     const char      *text,
                     SyProgressFunc   progress,
                     gpointer         user_data,
                     GError         **error)
{
  SyModel *model;
  SyTokenizer *tokenizer;
  g_autoptr (SyEncoding) encoding = NULL;
  SyTrace *trace;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  model = sy_session_get_model (self);
  tokenizer = sy_model_get_tokenizer (model);
  if (tokenizer == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: the model has no tokenizer.json, so it cannot read text",
                   sy_model_get_info (model)->name);
      return NULL;
    }
  if (text[0] == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "the text is empty");
      return NULL;
    }

  encoding = sy_tokenizer_encode (tokenizer, text, -1, TRUE, error);
  if (encoding == NULL)
    return NULL;
  if (encoding->n == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "the text gives no tokens");
      return NULL;
    }

  trace = sy_session_run (self, encoding->ids, encoding->n, progress, user_data, error);
  if (trace != NULL)
    sy_trace_set_tokens (trace, tokenizer, encoding);
  return trace;
}
