/* sy-test-model.h: engine-level helpers the model tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading reference tensors, asserting that a model folder fails to load
 * with a given error, and temporary copies of a fixture model with an
 * edited config.json.
 */
#pragma once

#include <json-c/json.h>

#include "sy-model.h"
#include "sy-session.h"
#include "sy-tensor-store.h"
#include "sy-trace-file.h"

G_BEGIN_DECLS

typedef void (*SyTestEditFunc) (json_object *obj,
                                gpointer     data);

/* The 2-D f32 copy of reference tensor name, asserted to be (rows, cols) */
float *sy_test_ref_tensor         (SyTensorStore     *ref,
                                   const char        *name,
                                   int64_t            rows,
                                   int64_t            cols);

/* One case of a reference folder: its tensors, a label (the model) and
 * the case's key, its number of tokens, the tolerance */
typedef struct
{
  SyTensorStore *ref;
  const char    *label;
  const char    *key;
  int            n;
  double         tol;
} SyTestRefCase;

/* max |@got - reference tensor "KEY.@part"| over n x @cols; the test
 * fails ("LABEL KEY: @part differs by D") when it is over the tolerance */
double sy_test_ref_delta          (const SyTestRefCase *c,
                                   const char          *part,
                                   const float         *got,
                                   int64_t              cols);

/* The same for @session's hidden states 0 .. @n_hidden - 1 ("hidden.I",
 * each asserted to be @hidden_size wide): the largest */
double sy_test_ref_hidden_delta   (const SyTestRefCase *c,
                                   SySession           *session,
                                   int                  n_hidden,
                                   int                  hidden_size);

/* Greedy decoding after @session ran the case's n tokens of @ids (room for
 * n + @n_cont): each next token is asserted to be @cont's (the test fails
 * with "LABEL KEY: greedy token ...") and each step reuses the whole
 * cache (none when not @causal). */
void   sy_test_ref_greedy         (const SyTestRefCase *c,
                                   SySession           *session,
                                   int32_t             *ids,
                                   const int32_t       *cont,
                                   int                  n_cont,
                                   gboolean             causal);

/* The experts @info's native router picks from raw router logits @z,
 * written independently of sy-router.c, best first in @out (native_k of
 * them; ties to the lower index): the top-k of @z; with @bias (DeepSeek-V3,
 * DeepseekV3TopkRouter) s = sigmoid (z) (in @sig when not NULL) ranked by
 * s + @bias, the groups scored by the sum of their two best, the
 * topk_group best kept and the others' experts scored 0.  Returns the kept
 * groups as a bit mask (0 without @bias). */
int    sy_test_ref_select         (const SyRouterModelInfo *info,
                                   const float             *z,
                                   const float             *bias,
                                   float                   *sig,
                                   int                     *out);

/* The ints of JSON array @arr (token ids) in a new array with room for
 * @extra more; their number in *@n. */
int32_t *sy_test_json_ids         (json_object       *arr,
                                   int                extra,
                                   int               *n);

/* Fixture @arch's reference: reference.json (returned: json_object_put
 * it), its "cases" (at least one) in *@cases, and reference.safetensors
 * opened in *@ref. */
json_object *sy_test_ref_cases    (const char        *arch,
                                   json_object      **cases,
                                   SyTensorStore    **ref);

/* Runs @ids (@n tokens) as one prefill on @full and, on @inc, as a
 * prefill of the first @from tokens and then one decode step per token,
 * each asserted to reuse the cache.  Returns the largest |delta| of
 * their logits; the traces of the full run and of the last step in
 * @full_trace and @inc_trace. */
double sy_test_run_incremental    (SySession         *full,
                                   SySession         *inc,
                                   const int32_t     *ids,
                                   int                n,
                                   int                from,
                                   SyTrace          **full_trace,
                                   SyTrace          **inc_trace);

/* How a model's runs of a fixture's reference cases (reference.json and
 * reference.safetensors) differ from the reference and from the fixture
 * folder's own runs. */
typedef struct
{
  double logits, router, hidden;   /* max |delta| from the reference */
  double router0;                  /* router logits of the first MoE layer: before any
                                    * routing decision, so free of flipped expert choices */
  int    k_mismatch;               /* (MoE layer, token) cells whose number of experts
                                    * differs from the folder's */
  int    expert_mismatch;          /* experts chosen that the folder did not choose */
  int    greedy_mismatch;          /* cases whose 8-token greedy continuation leaves
                                    * the reference */
} SyTestRefDeltas;

/* Runs every reference case of fixture @arch on @model (hidden states
 * captured); the experts are compared with those @folder (the fixture
 * loaded from safetensors, which test-forward holds to the reference)
 * chooses. */
void   sy_test_compare_reference  (SyModel           *model,
                                   SyModel           *folder,
                                   const char        *arch,
                                   SyTestRefDeltas   *d);

/* Asserts that *error is SY_ENGINE_ERROR code and that its message
 * mentions needle; clears it */
#define sy_test_assert_engine_error(error, code, needle) \
  sy_test_assert_engine_error_at ((error), (code), (needle), G_STRLOC)
void   sy_test_assert_engine_error_at (GError     **error,
                                       int          code,
                                       const char  *needle,
                                       const char  *where);

/* Asserts that sy_model_load (dir) fails with SY_ENGINE_ERROR code and a
 * message that mentions every one of the NULL-terminated needles */
void   sy_test_assert_load_fails  (const char        *dir,
                                   int                code,
                                   const char *const *needles);

/* The same for @dir, a temporary copy of a model, which is then removed */
void   sy_test_assert_copy_fails  (const char        *dir,
                                   int                code,
                                   const char *const *needles);

/* A new temporary folder (g_dir_make_tmp (tmpl)) holding the config.json of
 * fixture model arch, rewritten by edit (may be NULL) */
char  *sy_test_model_copy_config  (const char        *arch,
                                   const char        *tmpl,
                                   SyTestEditFunc     edit,
                                   gpointer           data);

/* The fixture model $SY_FIXTURES/models/@arch, loaded (asserted). */
SyModel *sy_test_load_model       (const char        *arch);

/* @text run on @session (asserted), recorded as a trace file of the
 * session's model that keeps @file_text (NULL: none); the run's own trace
 * in *@run when @run is not NULL. */
SyTraceFile *sy_test_record_run   (SySession         *session,
                                   const char        *text,
                                   const char        *file_text,
                                   SyTrace          **run);

G_END_DECLS
