/* sy-session-private.h: the session's fields, for sy-session-share.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-forward-private.h"
#include "sy-session.h"

G_BEGIN_DECLS

struct _SySession
{
  /* Borrowed */
  SyModel       *model;

  /* Owned */
  SyPool        *pool;
  SyRouterSpec  *spec;
  char          *spec_string;
  SyRunState     rs;
  SyTrace       *last;          /* trace of the last run (prefix rows are reused) */
  int32_t       *ids;           /* (n_cached) ids the cache holds */
  int            n_cached;      /* valid positions in the cache */
  int            n_last;        /* tokens of the last run */
  int            n_reused;
  guint64       *row_stamps;    /* (n_last) of each logits row: the run that wrote it */
  int            n_stamps;      /* allocated entries of row_stamps */
  gboolean       capture;
  gboolean       extend_native;
  SyRouterSpec  *native;        /* the model's own policy */
  gboolean       captured;      /* the cache's hidden rows are valid */
  gboolean       record_attention;
  float         *recv;          /* (n_moe_layers, n_recv) attention received, or NULL */
  int            n_recv;        /* tokens of the recording, 0: none valid */
  SyActivations  activations;   /* of the quantized products */
  gboolean       last_logits;   /* the LM head of each run's last position only */

  /* Borrowed */
  SySession     *share;         /* compare: the session run just before on the same ids */
  int            n_shared_layers; /* decoder layers the last run took from it */
};

/* sy-session-share.c: before a run of @self over ids[0..n) whose cache
 * prefix is *p, checks whether the share source ran the same ids; may lower
 * *p to the source's start.  Returns TRUE when sharing applies. */
gboolean _sy_session_share_check (SySession          *self,
                                  const int32_t      *ids,
                                  int                 n,
                                  int                *p);

/* After the trace rows [0, p) are in place and the run state is reserved:
 * routes, under @route, the rows [p, n) of the leading layers with the
 * source's router logits while the routing matches the source's, copies
 * those layers' caches (and hidden rows when capturing) and returns the
 * first decoder layer to compute, with *x0 pointing at its input rows
 * (NULL when nothing is shared: start from the embedding). */
int      _sy_session_share_fill  (SySession          *self,
                                  const SyRouterSpec *route,
                                  int                 p,
                                  int                 n,
                                  SyTrace            *trace,
                                  const float       **x0,
                                  GError            **error);

G_END_DECLS
