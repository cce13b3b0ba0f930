/* test-cli.c: switchyard-cli's general contract (help, version, errors)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "sy-test-util.h"

static void
test_cli_version (void)
{
  g_autofree char *out = sy_test_cli_ok ("--version");

  g_assert_true (g_str_has_prefix (out, "switchyard-cli " PACKAGE_VERSION));
}

static void
test_cli_help (void)
{
  g_autofree char *out = sy_test_cli_ok ("--help");

  g_assert_nonnull (strstr (out, "Usage: switchyard-cli COMMAND"));
}

static void
test_cli_unknown_command (void)
{
  g_autofree char *err = sy_test_cli_fails ("frobnicate");

  g_assert_true (g_str_has_prefix (err, "switchyard-cli: unknown command 'frobnicate'"));
  sy_test_assert_cli_error (err, NULL);
}

static const SyTestCase tests[] = {
  { "/cli/version", test_cli_version },
  { "/cli/help", test_cli_help },
  { "/cli/unknown-command", test_cli_unknown_command },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
