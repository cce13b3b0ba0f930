/* sy-session-file.c: saved sessions (.switchyard files) and model fingerprints
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-default-model.h"
#include "sy-engine-error.h"
#include "sy-gguf.h"
#include "sy-json.h"
#include "sy-router.h"
#include "sy-session-file.h"

/* Column widths the heatmap accepts (switchyard-cli render --cell-width). */
#define MAX_CELL_WIDTH 1000.0

static const char * const views[] = { "heatmap", "strip", "inspector", "summary", "compare" };
static const char * const measures[] = { "k", "importance", "expert", "entropy", "depth", "surprisal" };

/* The string members, with the value a new session (and a file without
 * the key) gives them. */
typedef struct
{
  const char *key;
  gsize       offset;
  const char *default_value;
} TextMember;

static const TextMember text_members[] = {
  { "model", G_STRUCT_OFFSET (SySessionFile, model), NULL },
  { "model_fingerprint", G_STRUCT_OFFSET (SySessionFile, model_fingerprint), NULL },
  { "text", G_STRUCT_OFFSET (SySessionFile, text), "" },
  { "router_a", G_STRUCT_OFFSET (SySessionFile, router_a), "native" },
  { "router_b", G_STRUCT_OFFSET (SySessionFile, router_b), NULL },
  { "view", G_STRUCT_OFFSET (SySessionFile, view), "heatmap" },
  { "measure", G_STRUCT_OFFSET (SySessionFile, measure), "k" },
  { "trace", G_STRUCT_OFFSET (SySessionFile, trace), NULL },
  { "trace_b", G_STRUCT_OFFSET (SySessionFile, trace_b), NULL },
};

static char **
text_member (const SySessionFile *session,
             const TextMember    *member)
{
  return G_STRUCT_MEMBER_P (session, member->offset);
}

SySessionFile *
sy_session_file_new (void)
{
  SySessionFile *session = g_new0 (SySessionFile, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (text_members); i++)
    *text_member (session, &text_members[i]) = g_strdup (text_members[i].default_value);
  session->token = -1;
  session->layer = -1;
  return session;
}

void
sy_session_file_free (SySessionFile *session)
{
  if (session == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (text_members); i++)
    g_free (*text_member (session, &text_members[i]));
  g_free (session);
}

gboolean
sy_session_file_equal (const SySessionFile *a,
                       const SySessionFile *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (text_members); i++)
    if (g_strcmp0 (*text_member (a, &text_members[i]), *text_member (b, &text_members[i])) != 0)
      return FALSE;
  return !a->compare == !b->compare &&
         a->token == b->token &&
         a->layer == b->layer &&
         a->heatmap_cell_width == b->heatmap_cell_width;
}

gboolean
sy_session_file_view_is_valid (const char *view)
{
  for (guint i = 0; view != NULL && i < G_N_ELEMENTS (views); i++)
    if (strcmp (view, views[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
sy_session_file_measure_is_valid (const char *measure)
{
  if (measure == NULL)
    return FALSE;
  if (g_str_has_prefix (measure, "gate:"))
    {
      const char *digits = measure + 5;

      if (*digits == '\0' || strlen (digits) > 6)
        return FALSE;
      for (const char *p = digits; *p; p++)
        if (!g_ascii_isdigit (*p))
          return FALSE;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    if (strcmp (measure, measures[i]) == 0)
      return TRUE;
  return FALSE;
}

/* ---- reading ---- */

static gboolean
bad_value (GError    **error,
           const char *name,
           const char *key,
           const char *format,
           ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad_value (GError    **error,
           const char *name,
           const char *key,
           const char *format,
           ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: key '%s': %s", name, key, what);
  return FALSE;
}

/* A string that must be valid UTF-8 into *@out, which keeps its value
 * (the new session's default) when the key is absent. */
static gboolean
get_text (json_object  *root,
          const char   *name,
          const char   *key,
          gboolean      required,
          char        **out,
          GError      **error)
{
  g_autofree char *value = NULL;

  if (required ? !sy_json_require_string (root, name, key, &value, error)
               : !sy_json_get_string (root, name, key, *out, &value, error))
    return FALSE;
  if (value != NULL && !g_utf8_validate (value, -1, NULL))
    return bad_value (error, name, key, "not valid UTF-8");
  g_free (*out);
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
check_router (const char  *name,
              const char  *key,
              const char  *spec,
              GError     **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (SyRouterSpec) parsed = NULL;

  if (spec == NULL)
    return TRUE;
  parsed = sy_router_spec_parse (spec, &local);
  if (parsed == NULL)
    return bad_value (error, name, key, "%s", local->message);
  return TRUE;
}

/* The session in a parsed file (@name names it in errors). */
static SySessionFile *
session_from_json (SyJson      *root,
                   const char  *name,
                   GError     **error)
{
  g_autoptr (SySessionFile) session = NULL;
  g_autofree char *format = NULL;
  int64_t version = 0, token = -1, layer = -1;
  double cell_width = 0;

  /* what it is, then which version, before anything else */
  if (!sy_json_has (root, "format"))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: not a Switchyard session (required key 'format' is missing)", name);
      return NULL;
    }
  if (!sy_json_require_string (root, name, "format", &format, error))
    return NULL;
  if (strcmp (format, SY_SESSION_FILE_FORMAT) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: not a Switchyard session (key 'format' is \"%s\", not \"%s\")",
                   name, format, SY_SESSION_FILE_FORMAT);
      return NULL;
    }
  if (!sy_json_require_int (root, name, "version", &version, error))
    return NULL;
  if (version != SY_SESSION_FILE_VERSION)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: key 'version': session version %" G_GINT64_FORMAT " is not supported "
                   "(this Switchyard reads version %d%s)", name, (gint64) version,
                   SY_SESSION_FILE_VERSION,
                   version > SY_SESSION_FILE_VERSION ? "; it was saved by a newer Switchyard" : "");
      return NULL;
    }

  session = sy_session_file_new ();
  if (!get_text (root, name, "trace", FALSE, &session->trace, error) ||
      !get_text (root, name, "trace_b", FALSE, &session->trace_b, error))
    return NULL;
  /* a trace holds its text: "text" is required of model sessions only */
  if (!get_text (root, name, "model", FALSE, &session->model, error) ||
      !get_text (root, name, "model_fingerprint", FALSE, &session->model_fingerprint, error) ||
      !get_text (root, name, "text", session->trace == NULL, &session->text, error) ||
      !get_text (root, name, "router_a", FALSE, &session->router_a, error) ||
      !get_text (root, name, "router_b", FALSE, &session->router_b, error) ||
      !sy_json_get_bool (root, name, "compare", FALSE, &session->compare, error) ||
      !get_text (root, name, "view", FALSE, &session->view, error) ||
      !get_text (root, name, "measure", FALSE, &session->measure, error) ||
      !sy_json_get_int (root, name, "token", -1, &token, error) ||
      !sy_json_get_int (root, name, "layer", -1, &layer, error) ||
      !sy_json_get_double (root, name, "heatmap_cell_width", 0, &cell_width, error))
    return NULL;

  if (session->model != NULL && session->model[0] == '\0')
    {
      bad_value (error, name, "model", "empty path (use null for the demo model)");
      return NULL;
    }
  if (session->trace != NULL && session->trace[0] == '\0')
    {
      bad_value (error, name, "trace", "empty path");
      return NULL;
    }
  if (session->trace_b != NULL && (session->trace_b[0] == '\0' || session->trace == NULL))
    {
      bad_value (error, name, "trace_b", session->trace == NULL ? "B's trace without A's (key 'trace')"
                                                              : "empty path");
      return NULL;
    }
  if (session->trace != NULL && session->model != NULL)
    {
      bad_value (error, name, "trace", "a session names a model or a trace, not both");
      return NULL;
    }
  if (session->model_fingerprint != NULL && !g_str_has_prefix (session->model_fingerprint, "sha256:"))
    {
      bad_value (error, name, "model_fingerprint", "\"%s\" is not a sha256: fingerprint",
                 session->model_fingerprint);
      return NULL;
    }
  /* "recorded" (a trace's own routing) only in a session of a trace */
  if ((session->trace == NULL || g_strcmp0 (session->router_a, "recorded") != 0) &&
      !check_router (name, "router_a", session->router_a, error))
    return NULL;
  if ((session->trace == NULL || g_strcmp0 (session->router_b, "recorded") != 0) &&
      !check_router (name, "router_b", session->router_b, error))
    return NULL;
  if (!sy_session_file_view_is_valid (session->view))
    {
      bad_value (error, name, "view", "unknown view \"%s\" (use heatmap, strip, inspector, summary or compare)",
                 session->view);
      return NULL;
    }
  if (!sy_session_file_measure_is_valid (session->measure))
    {
      bad_value (error, name, "measure",
                 "unknown measure \"%s\" (use k, importance, expert, entropy, depth, surprisal or gate:E)",
                 session->measure);
      return NULL;
    }
  if (token < -1 || token > G_MAXINT32)
    {
      bad_value (error, name, "token", "%" G_GINT64_FORMAT " is not a token index (null for none)",
                 (gint64) token);
      return NULL;
    }
  if (layer < -1 || layer > G_MAXINT32)
    {
      bad_value (error, name, "layer", "%" G_GINT64_FORMAT " is not a layer index (null for none)",
                 (gint64) layer);
      return NULL;
    }
  if (!isfinite (cell_width) || cell_width < 0 || cell_width > MAX_CELL_WIDTH)
    {
      bad_value (error, name, "heatmap_cell_width", "%g is out of range (0 to %g; 0 fits the text)",
                 cell_width, MAX_CELL_WIDTH);
      return NULL;
    }
  session->token = (int) token;
  session->layer = (int) layer;
  session->heatmap_cell_width = cell_width;
  return g_steal_pointer (&session);
}

SySessionFile *
sy_session_file_parse (const char  *data,
                       gssize       len,
                       const char  *name,
                       GError     **error)
{
  g_autoptr (SyJson) root = NULL;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  root = sy_json_parse (data, len, name, error);
  return root ? session_from_json (root, name, error) : NULL;
}

SySessionFile *
sy_session_file_load (const char  *path,
                      GError     **error)
{
  g_autoptr (SyJson) root = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  root = sy_json_load_file (path, error);
  return root ? session_from_json (root, path, error) : NULL;
}

/* ---- writing ---- */

static json_object *
string_or_null (const char *value)
{
  return value ? json_object_new_string (value) : NULL;
}

char *
sy_session_file_to_data (const SySessionFile *session)
{
  g_autoptr (SyJson) root = json_object_new_object ();

  g_return_val_if_fail (session != NULL, NULL);

  json_object_object_add (root, "format", json_object_new_string (SY_SESSION_FILE_FORMAT));
  json_object_object_add (root, "version", json_object_new_int (SY_SESSION_FILE_VERSION));
  json_object_object_add (root, "generator", json_object_new_string ("Switchyard " PACKAGE_VERSION));
  if (session->trace != NULL)
    {
      json_object_object_add (root, "trace", json_object_new_string (session->trace));
      json_object_object_add (root, "trace_b", string_or_null (session->trace_b));
    }
  else
    {
      json_object_object_add (root, "model", string_or_null (session->model));
      json_object_object_add (root, "model_fingerprint", string_or_null (session->model_fingerprint));
    }
  json_object_object_add (root, "text", json_object_new_string (session->text ? session->text : ""));
  json_object_object_add (root, "router_a", json_object_new_string (session->router_a ? session->router_a
                                                                                      : "native"));
  json_object_object_add (root, "router_b", string_or_null (session->router_b));
  json_object_object_add (root, "compare", json_object_new_boolean (session->compare));
  json_object_object_add (root, "view", json_object_new_string (session->view ? session->view : "heatmap"));
  json_object_object_add (root, "measure", json_object_new_string (session->measure ? session->measure : "k"));
  json_object_object_add (root, "token", session->token >= 0 ? json_object_new_int (session->token) : NULL);
  json_object_object_add (root, "layer", session->layer >= 0 ? json_object_new_int (session->layer) : NULL);
  json_object_object_add (root, "heatmap_cell_width", json_object_new_double (session->heatmap_cell_width));

  return g_strconcat (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE),
                      "\n", NULL);
}

gboolean
sy_session_file_save (const SySessionFile  *session,
                      const char           *path,
                      GError              **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = sy_session_file_to_data (session);
  return sy_engine_set_contents (path, data, -1, error);
}

/* A path as stored: absolute, "~/...", or relative to the session's folder. */
static char *
resolve_stored (const char *stored,
                const char *session_path)
{
  g_autofree char *dir = NULL;

  if (g_path_is_absolute (stored))
    return g_strdup (stored);
  if (strcmp (stored, "~") == 0 || g_str_has_prefix (stored, "~/"))
    return g_build_filename (g_get_home_dir (), stored + 1, NULL);
  dir = session_path ? g_path_get_dirname (session_path) : g_get_current_dir ();
  return g_canonicalize_filename (stored, dir);
}

char *
sy_session_file_resolve_model (const SySessionFile  *session,
                               const char           *session_path,
                               GError              **error)
{
  g_return_val_if_fail (session != NULL, NULL);

  if (session->model == NULL)
    return sy_default_model_path (error);
  return resolve_stored (session->model, session_path);
}

char *
sy_session_file_resolve_trace (const SySessionFile *session,
                               const char          *session_path,
                               gboolean             b)
{
  const char *stored;

  g_return_val_if_fail (session != NULL, NULL);

  stored = b ? session->trace_b : session->trace;
  return stored ? resolve_stored (stored, session_path) : NULL;
}

/* ---- fingerprint ---- */

#define SAMPLE_BYTES (64 * 1024)
#define GGUF_HEAD_BYTES (1024 * 1024)
#define MAX_SAFETENSORS_HEADER (100 * 1024 * 1024)

/* Feeds @len bytes of @f from @offset; FALSE with @error when the read fails. */
static gboolean
feed_range (GChecksum   *sum,
            FILE        *f,
            const char  *path,
            guint64      offset,
            guint64      len,
            GError     **error)
{
  guchar buffer[16384];

  if (fseeko (f, (off_t) offset, SEEK_SET) != 0)
    goto fail;
  while (len > 0)
    {
      size_t want = (size_t) MIN (len, sizeof buffer);
      size_t got = fread (buffer, 1, want, f);

      if (got != want)
        goto fail;
      g_checksum_update (sum, buffer, got);
      len -= got;
    }
  return TRUE;

fail:
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot read: %s",
               path, ferror (f) ? g_strerror (errno) : "unexpected end of file");
  return FALSE;
}

/* name and size, then what kind of file it is decides which bytes. */
static gboolean
feed_file (GChecksum   *sum,
           const char  *path,
           const char  *name,
           GError     **error)
{
  GStatBuf st;
  FILE *f;
  guint64 size;
  g_autofree char *line = NULL;
  gboolean ok = TRUE;

  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  size = (guint64) st.st_size;
  line = g_strdup_printf ("file %s %" G_GUINT64_FORMAT "\n", name, size);
  g_checksum_update (sum, (const guchar *) line, -1);

  f = fopen (path, "rb");
  if (f == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  if (g_str_has_suffix (name, ".safetensors"))
    {
      guchar prefix[8];
      guint64 header = 0, data_start;

      if (size >= 8 && fread (prefix, 1, 8, f) == 8)
        for (int i = 7; i >= 0; i--)
          header = (header << 8) | prefix[i];
      if (size >= 8 && header <= MAX_SAFETENSORS_HEADER && header <= size - 8)
        {
          data_start = 8 + header;
          ok = feed_range (sum, f, path, 0, data_start, error) &&
               feed_range (sum, f, path, data_start, MIN (SAMPLE_BYTES, size - data_start), error) &&
               feed_range (sum, f, path, size - MIN (SAMPLE_BYTES, size - data_start),
                           MIN (SAMPLE_BYTES, size - data_start), error);
        }
      else /* not a valid header: the loader will say so; still a fingerprint */
        ok = feed_range (sum, f, path, 0, MIN (size, (guint64) GGUF_HEAD_BYTES), error);
    }
  else if (g_str_has_suffix (name, ".gguf"))
    ok = feed_range (sum, f, path, 0, MIN (size, (guint64) GGUF_HEAD_BYTES), error) &&
         feed_range (sum, f, path, size - MIN (size, SAMPLE_BYTES), MIN (size, SAMPLE_BYTES), error);
  else
    ok = feed_range (sum, f, path, 0, size, error);
  fclose (f);
  return ok;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
sy_model_fingerprint (const char  *path,
                      GError     **error)
{
  static const char * const small_files[] = {
    "config.json", "generation_config.json", "model.safetensors.index.json",
    "tokenizer.json", "tokenizer_config.json",
  };
  g_autoptr (GChecksum) sum = NULL;
  g_autoptr (GPtrArray) weights = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *entry;
  gboolean has_config;

  g_return_val_if_fail (path != NULL, NULL);

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) "switchyard-model-fingerprint 1\n", -1);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_auto (GStrv) parts = sy_gguf_split_paths (path);

      /* a split GGUF: all its parts, whichever names the model */
      for (guint i = 0; parts && parts[i]; i++)
        {
          g_autofree char *name = g_strdup_printf ("model-%05u-of-%05u.gguf", i + 1,
                                                   g_strv_length (parts));

          if (!g_file_test (parts[i], G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                           "%s: part %u of %u of the split model %s is missing",
                           parts[i], i + 1, g_strv_length (parts), path);
              return NULL;
            }
          if (!feed_file (sum, parts[i], name, error))
            return NULL;
        }
      if (parts == NULL
          && !feed_file (sum, path, g_str_has_suffix (base, ".gguf") ? "model.gguf" : base, error))
        return NULL;
      return g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: no such model folder or file", path);
      return NULL;
    }

  {
    g_autofree char *config = g_build_filename (path, "config.json", NULL);

    has_config = g_file_test (config, G_FILE_TEST_IS_REGULAR);
  }
  for (guint i = 0; i < G_N_ELEMENTS (small_files); i++)
    {
      g_autofree char *file = g_build_filename (path, small_files[i], NULL);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR) && !feed_file (sum, file, small_files[i], error))
        return NULL;
    }

  dir = g_dir_open (path, 0, NULL);
  weights = g_ptr_array_new_with_free_func (g_free);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".safetensors") || g_str_has_suffix (entry, ".gguf"))
      g_ptr_array_add (weights, g_strdup (entry));
  if (!has_config && weights->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: not a model folder (no config.json)", path);
      return NULL;
    }
  g_ptr_array_sort (weights, compare_names);
  for (guint i = 0; i < weights->len; i++)
    {
      g_autofree char *file = g_build_filename (path, weights->pdata[i], NULL);

      if (!feed_file (sum, file, weights->pdata[i], error))
        return NULL;
    }
  return g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
}
