/* sy-engine-error.h: the engine's GError domain
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

#define SY_ENGINE_ERROR (sy_engine_error_quark ())

typedef enum
{
  SY_ENGINE_ERROR_FAILED,            /* anything else */
  SY_ENGINE_ERROR_IO,                /* a file could not be opened or read */
  SY_ENGINE_ERROR_BAD_MAGIC,         /* not the file format it claims to be */
  SY_ENGINE_ERROR_TRUNCATED,         /* a file ends before what it announces */
  SY_ENGINE_ERROR_CORRUPT,           /* a header lies: bad JSON, overlapping ranges, ... */
  SY_ENGINE_ERROR_UNSUPPORTED_ARCH,  /* unknown model_type */
  SY_ENGINE_ERROR_UNSUPPORTED,       /* a dtype, tokenizer component, ... we do not handle */
  SY_ENGINE_ERROR_SHAPE_MISMATCH,    /* a tensor has the wrong shape */
  SY_ENGINE_ERROR_MISSING,           /* a required tensor or config key is absent */
  SY_ENGINE_ERROR_INVALID_VALUE,     /* a value out of range (config, router spec, ...) */
  SY_ENGINE_ERROR_BAD_INPUT,         /* user input: invalid UTF-8, empty text, ... */
  SY_ENGINE_ERROR_NAN,               /* NaN or Inf found in weights */
  SY_ENGINE_ERROR_CANCELLED,         /* the progress callback asked to stop */
} SyEngineError;

GQuark sy_engine_error_quark (void);

/* Sets *@error (SY_ENGINE_ERROR, @code, the formatted message) and returns
 * FALSE, for `return sy_engine_fail (error, ...);`. */
gboolean sy_engine_fail (GError    **error,
                         int         code,
                         const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

/* g_file_get_contents () and g_file_set_contents () with a failure in
 * SY_ENGINE_ERROR_IO (GLib's message). */
gboolean sy_engine_get_contents (const char  *path,
                                 char       **contents,
                                 gsize       *length,
                                 GError     **error);
gboolean sy_engine_set_contents (const char  *path,
                                 const char  *contents,
                                 gssize       length,
                                 GError     **error);
/* g_mkdir_with_parents (@dir, 0755) with a failure in SY_ENGINE_ERROR_IO
 * ("DIR: cannot create the folder: ..."). */
gboolean sy_engine_make_folder  (const char  *dir,
                                 GError     **error);
/* fwrite () of all @n bytes at @data to @f, and fclose () of @f after
 * writing (@ok: whether the writing went well; it is returned, FALSE
 * also when the close fails), with a failure in SY_ENGINE_ERROR_IO
 * ("PATH: cannot write: ...") */
gboolean sy_engine_write        (FILE        *f,
                                 const char  *path,
                                 const void  *data,
                                 gsize        n,
                                 GError     **error);
gboolean sy_engine_close        (FILE        *f,
                                 const char  *path,
                                 gboolean     ok,
                                 GError     **error);

G_END_DECLS
