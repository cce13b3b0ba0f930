/* sy-cli-input.c: the model and token input shared by CLI subcommands
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sy-cli-input.h"
#include "sy-tokenizer.h"

static gboolean
parse_ids (const char  *text,
           int          vocab,
           SyCliInput  *input,
           GError     **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  int n = g_strv_length (parts);

  if (n == 0 || *text == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "--ids is empty");
      return FALSE;
    }
  input->ids = g_new (int32_t, n);
  input->n = n;
  for (int i = 0; i < n; i++)
    {
      char *s = g_strstrip (parts[i]), *end = NULL;
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (s, &end, 10);
      if (*s == '\0' || *end != '\0' || errno != 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                       "--ids: entry %d ('%s') is not an integer", i + 1, s);
          return FALSE;
        }
      if (v < 0 || v >= vocab)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                       "--ids: id %" G_GINT64_FORMAT " (entry %d) is outside the vocabulary 0..%d",
                       v, i + 1, vocab - 1);
          return FALSE;
        }
      input->ids[i] = (int32_t) v;
    }
  return TRUE;
}

SyCliInput *
sy_cli_input_new (SyModel     *model,
                  const char  *model_path,
                  const char  *text,
                  const char  *ids,
                  GError     **error)
{
  g_autoptr (SyCliInput) input = g_new0 (SyCliInput, 1);
  g_autoptr (SyTokenizer) tok = NULL;
  g_autoptr (SyEncoding) enc = NULL;
  const SyModelInfo *info = sy_model_get_info (model);

  if ((text == NULL) == (ids == NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "give exactly one of --text TEXT and --ids 1,2,3");
      return NULL;
    }

  /* the tokenizer names the tokens; --ids works without one */
  tok = sy_tokenizer_load (model_path, ids ? NULL : error);
  if (tok == NULL && text)
    return NULL;

  if (ids)
    {
      if (!parse_ids (ids, info->vocab_size, input, error))
        return NULL;
    }
  else
    {
      if (*text == '\0')
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "--text is empty");
          return NULL;
        }
      enc = sy_tokenizer_encode (tok, text, -1, TRUE, error);
      if (enc == NULL)
        return NULL;
      if (enc->n == 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                       "--text gives no tokens");
          return NULL;
        }
      input->n = enc->n;
      input->ids = g_memdup2 (enc->ids, sizeof (int32_t) * enc->n);
      input->offsets = g_memdup2 (enc->offsets, sizeof (int) * 2 * enc->n);
      for (int i = 0; i < enc->n; i++)
        if (enc->ids[i] < 0 || enc->ids[i] >= info->vocab_size)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                         "token %d of the text has id %d, outside the model's vocabulary 0..%d",
                         i, (int) enc->ids[i], info->vocab_size - 1);
            return NULL;
          }
    }
  if (tok)
    {
      input->pieces = g_new0 (char *, input->n + 1);
      for (int i = 0; i < input->n; i++)
        input->pieces[i] = sy_tokenizer_id_to_piece (tok, input->ids[i]);
    }
  return g_steal_pointer (&input);
}

void
sy_cli_input_free (SyCliInput *self)
{
  if (self == NULL)
    return;
  g_free (self->ids);
  if (self->pieces)
    for (int i = 0; i < self->n; i++)
      g_free (self->pieces[i]);
  g_free (self->pieces);
  g_free (self->offsets);
  g_free (self);
}

void
sy_cli_input_fill_trace (const SyCliInput *self,
                         SyTrace          *trace)
{
  if (self->pieces)
    for (int i = 0; i < self->n && i < trace->n_tokens; i++)
      {
        g_free (trace->token_text[i]);
        trace->token_text[i] = g_strdup (self->pieces[i]);
      }
  if (self->offsets && trace->offsets == NULL && trace->n_tokens == self->n)
    trace->offsets = g_memdup2 (self->offsets, sizeof (int) * 2 * self->n);
}
