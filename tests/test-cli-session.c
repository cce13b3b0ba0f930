/* test-cli-session.c: `switchyard-cli render --session` and `compare --session`
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session file drives render: the same SVG bytes as the equivalent
 * explicit options; an option given as well overrides the session's; a
 * relative model path is found beside the session; --out defaults to the
 * session's name; a missing model is an error naming it, a changed model
 * a warning line.  compare --session runs A and B of the session.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sy-session-file.h"
#include "sy-test-util.h"

#define TEXT "The service is pretty good."

static const char *fixture_model;

#define have_fixture() sy_test_have_model ("olmoe", &fixture_model)

/* Writes a session file into the scratch folder: @model (NULL: null),
 * then the other keys as a JSON fragment. */
static char *
write_session (const char *name,
               const char *model,
               const char *rest)
{
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), name, NULL);
  g_autofree char *model_json = model ? g_strdup_printf ("\"%s\"", model) : g_strdup ("null");
  g_autofree char *json = g_strdup_printf ("{\"format\": \"switchyard-session\", \"version\": 1,"
                                           " \"model\": %s, %s}", model_json, rest);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, json, -1, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static char *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, &error));
  g_assert_no_error (error);
  return data;
}

/* The SVG files @a and @b hold the same picture */
static void
assert_same_svg (const char *a,
                 const char *b)
{
  g_autofree char *svg_a = read_file (a);
  g_autofree char *svg_b = read_file (b);

  g_assert_cmpstr (svg_a, ==, svg_b);
}

/* switchyard-cli render --session @session [@extra] --out @out: its exit
 * code; its stderr in *@err */
static int
render_session (const char  *session,
                const char  *extra,
                const char  *out,
                char       **err)
{
  g_autofree char *args = g_strdup_printf ("render --session '%s'%s%s --out '%s'", session,
                                           extra ? " " : "", extra ? extra : "", out);

  return sy_test_cli_run (NULL, args, NULL, err);
}

/* switchyard-cli render --model FIXTURE --text TEXT @options --out @out:
 * its exit code; its stderr in *@err */
static int
render_options (const char  *options,
                const char  *out,
                char       **err)
{
  g_autofree char *args = g_strdup_printf ("render --model '%s' --text '" TEXT "' %s --out '%s'",
                                           fixture_model, options, out);

  return sy_test_cli_run (NULL, args, NULL, err);
}

static void
test_render_session_matches_options (void)
{
  g_autofree char *session = NULL;
  g_autofree char *a = g_build_filename (sy_test_tmp_dir (), "from-session.svg", NULL);
  g_autofree char *b = g_build_filename (sy_test_tmp_dir (), "from-options.svg", NULL);
  g_autofree char *c = g_build_filename (sy_test_tmp_dir (), "override.svg", NULL);
  g_autofree char *d = g_build_filename (sy_test_tmp_dir (), "override-options.svg", NULL);
  g_autofree char *err = NULL;
  g_autofree char *svg_a = NULL, *svg_c = NULL;

  if (!have_fixture ())
    return;
  session = write_session ("figure.switchyard", fixture_model,
                           "\"text\": \"" TEXT "\", \"router_a\": \"topp:p=0.5\","
                           " \"router_b\": \"topk:k=1\", \"view\": \"heatmap\","
                           " \"measure\": \"entropy\", \"token\": 2, \"heatmap_cell_width\": 30");

  g_assert_cmpint (render_session (session, NULL, a, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (render_options ("--router topp:p=0.5 --view heatmap --measure entropy --token 2 "
                                   "--cell-width 30", b, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  assert_same_svg (a, b);
  svg_a = read_file (a);
  g_assert_cmpuint (strlen (svg_a), >, 1000);

  /* an option given as well wins over the session's */
  g_assert_cmpint (render_session (session, "--measure k --router topk:k=2", c, NULL), ==, 0);
  g_assert_cmpint (render_options ("--router topk:k=2 --view heatmap --measure k --token 2 --cell-width 30",
                                   d, NULL), ==, 0);
  assert_same_svg (c, d);
  svg_c = read_file (c);
  g_assert_cmpstr (svg_c, !=, svg_a);

  /* --out defaults to the session's name with .svg, beside it */
  {
    g_autofree char *beside = g_build_filename (sy_test_tmp_dir (), "figure.svg", NULL);
    g_autofree char *args = g_strdup_printf ("render --session '%s'", session);
    g_autofree char *svg = NULL;

    g_assert_cmpint (sy_test_cli_run (NULL, args, NULL, NULL), ==, 0);
    svg = read_file (beside);
    g_assert_cmpstr (svg, ==, svg_a);
  }
}

static void
test_render_session_views (void)
{
  g_autofree char *session = NULL;
  g_autofree char *a = g_build_filename (sy_test_tmp_dir (), "inspector-session.svg", NULL);
  g_autofree char *b = g_build_filename (sy_test_tmp_dir (), "inspector-options.svg", NULL);

  if (!have_fixture ())
    return;
  /* the inspector of token 4, layer 1; strip measures do not reach the heatmap and back */
  session = write_session ("inspector.switchyard", fixture_model,
                           "\"text\": \"" TEXT "\", \"view\": \"inspector\", \"measure\": \"surprisal\","
                           " \"token\": 4, \"layer\": 1");
  g_assert_cmpint (render_session (session, NULL, a, NULL), ==, 0);
  g_assert_cmpint (render_options ("--view inspector --token 4 --layer 1", b, NULL), ==, 0);
  assert_same_svg (a, b);
}

static void
test_render_session_relative_model (void)
{
  g_autofree char *sessions = g_build_filename (sy_test_tmp_dir (), "sessions", NULL);
  g_autoptr (GString) relative = g_string_new (NULL);
  g_autofree char *session = NULL;
  g_autofree char *a = g_build_filename (sy_test_tmp_dir (), "relative.svg", NULL);
  g_autofree char *b = g_build_filename (sy_test_tmp_dir (), "absolute.svg", NULL);
  g_autofree char *err = NULL;

  if (!have_fixture ())
    return;
  g_assert_cmpint (g_mkdir_with_parents (sessions, 0700), ==, 0);
  /* from the session's folder up to / and down to the fixture */
  for (const char *p = sessions; *p; p++)
    if (*p == '/')
      g_string_append (relative, "../");
  g_string_append (relative, fixture_model + 1);
  session = write_session ("sessions/rel.switchyard", relative->str,
                           "\"text\": \"" TEXT "\", \"router_a\": \"topk:k=1\"");
  /* (switchyard-cli runs in the test's folder, not the session's) */
  g_assert_cmpint (render_session (session, NULL, a, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (render_options ("--router topk:k=1", b, NULL), ==, 0);
  assert_same_svg (a, b);
}

static void
test_render_session_errors (void)
{
  g_autofree char *missing_model = g_build_filename (sy_test_tmp_dir (), "no-such-model", NULL);
  g_autofree char *session = NULL;
  g_autofree char *out = g_build_filename (sy_test_tmp_dir (), "never.svg", NULL);
  g_autofree char *err = NULL;

  /* a model that is not there: an error naming it, no picture */
  session = write_session ("missing.switchyard", missing_model, "\"text\": \"" TEXT "\"");
  g_assert_cmpint (render_session (session, NULL, out, &err), !=, 0);
  sy_test_assert_cli_error (err, missing_model);
  sy_test_assert_cli_error (err, "does not exist");
  sy_test_assert_no_file (out);

  /* a bad file: the key and the file named, one line */
  g_free (session);
  g_clear_pointer (&err, g_free);
  session = write_session ("newer.switchyard", NULL, "\"version\": 2, \"text\": \"x\"");
  g_assert_cmpint (render_session (session, NULL, out, &err), !=, 0);
  sy_test_assert_cli_error (err, "newer.switchyard: key 'version'");

  g_free (session);
  g_clear_pointer (&err, g_free);
  session = write_session ("notext.switchyard", NULL, "\"view\": \"heatmap\"");
  g_assert_cmpint (render_session (session, NULL, out, &err), !=, 0);
  sy_test_assert_cli_error (err, "notext.switchyard: required key 'text' is missing");

  g_free (session);
  g_clear_pointer (&err, g_free);
  session = g_build_filename (sy_test_tmp_dir (), "none.switchyard", NULL);
  g_assert_cmpint (render_session (session, NULL, out, &err), !=, 0);
  sy_test_assert_cli_error (err, "none.switchyard");
  sy_test_assert_no_file (out);
}

static void
test_render_session_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *fp = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *session = NULL;
  g_autofree char *out = g_build_filename (sy_test_tmp_dir (), "fp.svg", NULL);
  g_autofree char *args = NULL;
  g_autofree char *err = NULL;

  if (!have_fixture ())
    return;
  fp = sy_model_fingerprint (fixture_model, &error);
  g_assert_no_error (error);

  /* the model as saved: nothing said */
  rest = g_strdup_printf ("\"model_fingerprint\": \"%s\", \"text\": \"" TEXT "\"", fp);
  session = write_session ("fp-same.switchyard", fixture_model, rest);
  g_assert_cmpint (render_session (session, NULL, out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");

  /* a changed model: one warning line, and the picture all the same */
  g_free (rest);
  g_free (session);
  g_clear_pointer (&err, g_free);
  g_unlink (out);
  rest = g_strdup_printf ("\"model_fingerprint\": \"sha256:%064d\", \"text\": \"" TEXT "\"", 0);
  session = write_session ("fp-changed.switchyard", fixture_model, rest);
  g_assert_cmpint (render_session (session, NULL, out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (err, "switchyard-cli: warning: "));
  sy_test_assert_cli_error (err, "changed since the session was saved");
  g_assert_cmpint (strchr (err, '\n') - err, ==, (long) strlen (err) - 1);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));

  /* --model given: the session's model and its fingerprint do not matter */
  g_clear_pointer (&err, g_free);
  args = g_strdup_printf ("--model '%s'", fixture_model);
  g_assert_cmpint (render_session (session, args, out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
}

static void
test_compare_session (void)
{
  g_autofree char *session = NULL;
  g_autofree char *no_b = NULL;
  g_autofree char *args = NULL;
  g_autofree char *from_session = NULL, *from_options = NULL, *overridden = NULL;
  g_autofree char *err = NULL;

  if (!have_fixture ())
    return;
  session = write_session ("compare.switchyard", fixture_model,
                           "\"text\": \"" TEXT "\", \"router_a\": \"topp:p=0.5\","
                           " \"router_b\": \"topk:k=1\", \"compare\": true, \"view\": \"compare\"");
  args = g_strdup_printf ("compare --session '%s' --json", session);
  g_assert_cmpint (sy_test_cli_run (NULL, args, &from_session, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_free (args);
  args = g_strdup_printf ("compare --model '%s' --text '" TEXT "' --a topp:p=0.5 --b topk:k=1 --json",
                          fixture_model);
  g_assert_cmpint (sy_test_cli_run (NULL, args, &from_options, NULL), ==, 0);
  g_assert_cmpstr (from_session, ==, from_options);
  g_assert_nonnull (strstr (from_session, "\"router\":\"topk:k=1\""));
  g_free (args);
  args = g_strdup_printf ("compare --session '%s' --b topk:k=2 --json", session);
  g_assert_cmpint (sy_test_cli_run (NULL, args, &overridden, NULL), ==, 0);
  g_assert_nonnull (strstr (overridden, "\"router\":\"topk:k=2\""));

  /* without B in the session nor --b: say so */
  no_b = write_session ("no-b.switchyard", fixture_model, "\"text\": \"" TEXT "\"");
  g_free (args);
  g_clear_pointer (&err, g_free);
  args = g_strdup_printf ("compare --session '%s'", no_b);
  g_assert_cmpint (sy_test_cli_run (NULL, args, NULL, &err), !=, 0);
  sy_test_assert_cli_error (err, "no configuration B");
}

static const SyTestCase tests[] = {
  { "/cli/session/render-matches-options", test_render_session_matches_options },
  { "/cli/session/render-views", test_render_session_views },
  { "/cli/session/relative-model", test_render_session_relative_model },
  { "/cli/session/errors", test_render_session_errors },
  { "/cli/session/fingerprint", test_render_session_fingerprint },
  { "/cli/session/compare", test_compare_session },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
