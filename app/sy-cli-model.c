/* sy-cli-model.c: what the model-running subcommands share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sy-cli-model.h"
#include "sy-default-model.h"
#include "sy-engine-error.h"

SyModel *
sy_cli_load_model (const char        *path,
                   SyModelLoadFlags   flags,
                   GError           **error)
{
  SyModel *model;
  const char * const *unused;
  g_autofree char *fallback = NULL;

  if (path == NULL)
    {
      path = fallback = sy_default_model_path (error);
      if (path == NULL)
        return NULL;
    }
  model = sy_model_load_full (path, flags, NULL, NULL, error);
  if (model == NULL)
    return NULL;
  unused = sy_model_get_unused_tensors (model);
  for (int i = 0; unused[i]; i++)
    fprintf (stderr, "switchyard-cli: warning: %s: tensor '%s' is not used by %s\n",
             path, unused[i], sy_model_get_info (model)->hf_class);
  return model;
}

int32_t *
sy_cli_parse_ids (const char  *text,
                  int         *n_ids,
                  GError     **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autofree int32_t *ids = g_new (int32_t, g_strv_length (parts) + 1);
  int n = 0;

  for (int i = 0; parts[i]; i++)
    {
      char *item = g_strstrip (parts[i]);
      char *end = NULL;
      long long v;

      if (*item == '\0' && parts[i + 1] == NULL && i > 0)
        break;    /* a trailing comma */
      errno = 0;
      v = strtoll (item, &end, 10);
      if (*item == '\0' || *end != '\0' || errno != 0 || v < G_MININT32 || v > G_MAXINT32)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                       "--ids: '%s' is not a token id", item);
          return NULL;
        }
      ids[n++] = (int32_t) v;
    }
  if (n == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "--ids: no token ids given");
      return NULL;
    }
  *n_ids = n;
  return g_steal_pointer (&ids);
}

int32_t *
sy_cli_input_ids (SyModel     *model,
                  const char  *text,
                  const char  *ids,
                  int         *n_ids,
                  GError     **error)
{
  if ((text == NULL) == (ids == NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "give exactly one of --text and --ids");
      return NULL;
    }
  if (ids)
    return sy_cli_parse_ids (ids, n_ids, error);
  /* Not a run of the BOS token alone: an empty text is a mistake to name. */
  if (text[0] == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT, "--text is empty");
      return NULL;
    }

  {
    SyTokenizer *tok = sy_model_get_tokenizer (model);
    g_autoptr (SyEncoding) enc = NULL;

    if (tok == NULL)
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                     "--text: the model has no tokenizer we can use (no tokenizer.json in the "
                     "folder, or a GGUF tokenizer kind not supported, as warned above); use --ids");
        return NULL;
      }
    enc = sy_tokenizer_encode (tok, text, -1, TRUE, error);
    if (enc == NULL)
      return NULL;
    if (enc->n == 0)
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                     "--text: the text has no tokens");
        return NULL;
      }
    *n_ids = enc->n;
    return g_memdup2 (enc->ids, sizeof (int32_t) * enc->n);
  }
}

void
sy_cli_input_clear (SyCliInput *input)
{
  g_clear_pointer (&input->model_path, g_free);
  g_clear_pointer (&input->text, g_free);
  g_clear_pointer (&input->ids_text, g_free);
  g_clear_pointer (&input->router, g_free);
  g_clear_pointer (&input->activations, g_free);
  g_clear_pointer (&input->spec, sy_router_spec_free);
  g_clear_pointer (&input->session, sy_session_free);
  g_clear_pointer (&input->ids, g_free);
  g_clear_pointer (&input->model, sy_model_unref);
}

gboolean
sy_cli_input_load (SyCliInput  *input,
                   GError     **error)
{
  input->model = sy_cli_load_model (input->model_path, SY_MODEL_LOAD_DEFAULT, error);
  if (input->model == NULL)
    return FALSE;
  input->ids = sy_cli_input_ids (input->model, input->text, input->ids_text, &input->n_ids, error);
  return input->ids != NULL;
}

gboolean
sy_cli_input_open (SyCliInput  *input,
                   GError     **error)
{
  if (!sy_cli_input_load (input, error))
    return FALSE;
  input->session = sy_session_new (input->model);
  sy_session_set_activations (input->session, sy_cli_activations (input->activations));
  if (input->spec == NULL && input->router != NULL)
    {
      input->spec = sy_router_spec_parse (input->router, error);
      if (input->spec == NULL)
        return FALSE;
    }
  return sy_session_set_router (input->session, input->spec, error);
}

SyRouterSpec *
sy_cli_parse_router (const char  *spec,
                     GError     **error)
{
  if (spec == NULL)
    return NULL;
  return sy_router_spec_parse (spec, error);
}

char *
sy_cli_decode (SyModel       *model,
               const int32_t *ids,
               int            n)
{
  SyTokenizer *tok = sy_model_get_tokenizer (model);

  return tok ? sy_tokenizer_decode (tok, ids, n, TRUE) : NULL;
}

SySessionFile *
sy_cli_load_session (const char  *path,
                     char       **model_path,
                     GError     **error)
{
  g_autoptr (SySessionFile) session = sy_session_file_load (path, error);
  g_autofree char *resolved = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr (GError) local = NULL;

  /* a session of a recorded trace has no model (sy_session_file_resolve_trace) */
  if (session == NULL || *model_path != NULL || session->trace != NULL)
    return g_steal_pointer (&session);

  resolved = sy_session_file_resolve_model (session, path, &local);
  if (resolved == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, "%s: %s", path, local->message);
      return NULL;
    }
  if (!g_file_test (resolved, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: the model %s does not exist", path, resolved);
      return NULL;
    }
  if (session->model_fingerprint != NULL)
    {
      fingerprint = sy_model_fingerprint (resolved, &local);
      if (fingerprint == NULL)
        fprintf (stderr, "switchyard-cli: warning: %s: cannot check the model: %s\n",
                 path, local->message);
      else if (strcmp (fingerprint, session->model_fingerprint) != 0)
        fprintf (stderr, "switchyard-cli: warning: %s: the model %s changed since the session "
                 "was saved (its fingerprint differs)\n", path, resolved);
    }
  *model_path = g_steal_pointer (&resolved);
  return g_steal_pointer (&session);
}

const char *
sy_cli_activations_error (const char *command,
                          const char *value)
{
  static char msg[200];
  SyActivations mode;

  if (value == NULL || sy_activations_from_string (value, &mode))
    return NULL;
  g_snprintf (msg, sizeof msg, "%s: --activations '%.40s': expected f32 or q8", command, value);
  return msg;
}

SyActivations
sy_cli_activations (const char *value)
{
  SyActivations mode = SY_ACTIVATIONS_F32;

  if (value != NULL)
    sy_activations_from_string (value, &mode);
  return mode;
}
