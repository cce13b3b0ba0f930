/* sy-gguf-private.h: the GGUF name and key maps, shared by reader and writer
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-gguf.h"
#include "sy-gguf-writer.h"

G_BEGIN_DECLS

typedef enum
{
  SY_GGUF_NAME_GLOBAL,      /* one tensor, no layer */
  SY_GGUF_NAME_LAYER,       /* blk.%d.… ↔ the arch pattern of layer %d */
  SY_GGUF_NAME_EXPERTS,     /* blk.%d.…_exps (E, rows, cols) ↔ one tensor per expert */
  SY_GGUF_NAME_ROW,         /* (cols) (ours) or (1, cols) (llama.cpp's) in GGUF ↔ (1, cols) in HF */
} SyGgufNameKind;

/* GGUF tensor name ↔ a name pattern of SyArchSpec (at @field), formatted
 * with the layer [, expert] [, @suffix ("weight" / "bias")]. */
typedef struct
{
  const char     *gguf;
  gsize           field;
  const char     *suffix;
  SyGgufNameKind  kind;
  const char     *arch;    /* NULL: every GGUF arch; "a": only a; "!a": all but a */
} SyGgufNameRule;

gboolean              _sy_gguf_rule_applies (const SyGgufNameRule *rule,
                                             const char           *gguf_arch);

/* <arch>.@gguf ↔ config.json @hf (whose value sits at @offset in SyConfig) */
typedef struct
{
  const char *gguf;
  const char *hf;
  SyKeyType   type;
  gsize       offset;
} SyGgufKeyRule;

typedef struct
{
  const char          *gguf_arch;
  const char          *model_type;
  const SyGgufKeyRule *keys;          /* terminated by gguf == NULL */
  gboolean             norm_topk_default; /* when expert_weights_norm is absent */
  gboolean             qk_pairs;      /* q / k rows permuted for pairwise rope (llama) */
} SyGgufArch;

/* The pre-tokenizer regexes of the GGUF tokenizer.ggml.pre names we map
 * (as tokenizer.json spells them). */
#define SY_GGUF_REGEX_LLAMA3 "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define SY_GGUF_REGEX_QWEN2 "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

const SyGgufNameRule *_sy_gguf_name_rules (void);   /* terminated by gguf == NULL */
const SyGgufArch     *_sy_gguf_arch_find  (const char *gguf_arch,
                                           const char *model_type);
/* The arch table's pattern at @rule->field, or NULL. */
const char           *_sy_gguf_rule_pattern (const SyArchSpec     *arch,
                                             const SyGgufNameRule *rule);

/* The reader's mappings, for the model side: one file, or the parts of a
 * split model (the first, with the metadata, at 0); *@path gets its name. */
guint                 _sy_gguf_get_n_files (SyGguf      *self);
GMappedFile          *_sy_gguf_get_file    (SyGguf      *self,
                                            guint        i,
                                            const char **path);

/* The tokenizer.json file @tokenizer_json (when present) as
 * tokenizer.ggml.* (in sy-gguf-tokenizer.c, beside its reader twin), for
 * the converter. */
gboolean              _sy_gguf_writer_add_tokenizer (SyGgufWriter    *w,
                                                     const char      *tokenizer_json,
                                                     const SyConfig  *c,
                                                     GError         **error);

G_END_DECLS
