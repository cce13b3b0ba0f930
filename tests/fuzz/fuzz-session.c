/* fuzz-session.c: a saved session (.switchyard JSON), then its text
 * written back must read again
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-fuzz.h"
#include "sy-session-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (SySessionFile) session = NULL;
  g_autoptr (SySessionFile) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  sy_fuzz_init ();
  session = sy_session_file_parse ((const char *) data, (gssize) size, "fuzz.switchyard", NULL);
  if (session == NULL)
    return 0;
  text = sy_session_file_to_data (session);
  again = sy_session_file_parse (text, -1, "again.switchyard", &error);
  if (again == NULL)
    g_error ("a parsed session does not read back: %s", error->message);
  return 0;
}
