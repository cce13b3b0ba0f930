/* fuzz-trace.c: a trace file (sy_trace_from_json), then its JSON and
 * CSV written back; the JSON must read again
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-fuzz.h"
#include "sy-trace-json.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GError) error = NULL;
  SyTrace *trace, *again;
  g_autofree char *json = NULL;
  g_autofree char *csv = NULL;

  sy_fuzz_init ();
  trace = sy_trace_from_json ((const char *) data, (gssize) size, NULL);
  if (trace == NULL)
    return 0;
  json = sy_trace_to_json (trace, FALSE);
  csv = sy_trace_to_csv (trace, TRUE);
  again = sy_trace_from_json (json, -1, &error);
  if (again == NULL)
    g_error ("a parsed trace does not read back: %s", error->message);
  sy_trace_free (again);
  sy_trace_free (trace);
  return 0;
}
