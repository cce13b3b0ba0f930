#!/usr/bin/env node
// tokenizer-diff.js: compare `switchyard-cli tokenize` with the reference
// Hugging Face `tokenizers` library (its Node binding) on many texts.
//
// A development tool, not a test (the test suite stays offline and needs no
// Node).  Setup, outside the repository:
//   mkdir -p /work/hfref && cd /work/hfref && npm install tokenizers
// Usage:
//   NODE_PATH=/work/hfref/node_modules node tools/tokenizer-diff.js \
//       build/app/switchyard-cli TOKENIZER_DIR TEXTS.jsonl [MAX_SHOWN]
// TEXTS.jsonl holds one JSON string per line.  Compares ids, tokens,
// offsets (code points), decoded (special tokens skipped) and the ids with
// special tokens; prints the first mismatches and a count; exits 1 on any.
'use strict';
const { Tokenizer } = require('tokenizers');
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [cli, dir, textsPath, maxShownArg] = process.argv.slice(2);
if (!cli || !dir || !textsPath) {
  console.error('usage: tokenizer-diff.js SWITCHYARD_CLI TOKENIZER_DIR TEXTS.jsonl [MAX_SHOWN]');
  process.exit(2);
}
const maxShown = maxShownArg ? parseInt(maxShownArg, 10) : 10;
const file = dir.endsWith('.json') ? dir : path.join(dir, 'tokenizer.json');
const ref = Tokenizer.fromFile(file);
const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));

function ours(special) {
  const args = ['tokenize', '--model', dir, '--jsonl', textsPath].concat(special ? ['--special'] : []);
  const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(2);
  }
  // split on '\n' only: JSON may hold U+2028 unescaped
  return r.stdout.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
}

(async () => {
  const plain = ours(false);
  const special = ours(true);
  let bad = 0;
  for (let i = 0; i < texts.length; i++) {
    const e = await ref.encode(texts[i], null, { addSpecialTokens: false });
    const es = await ref.encode(texts[i], null, { addSpecialTokens: true });
    const want = { ids: e.getIds(), tokens: e.getTokens(), offsets: e.getOffsets(), decoded: await ref.decode(e.getIds(), true) };
    const diffs = [];
    if (plain[i].error) diffs.push(['error', plain[i].error]);
    else {
      for (const k of ['ids', 'tokens', 'offsets', 'decoded'])
        if (JSON.stringify(want[k]) !== JSON.stringify(plain[i][k])) diffs.push([k, want[k], plain[i][k]]);
      if (JSON.stringify(es.getIds()) !== JSON.stringify(special[i].ids)) diffs.push(['ids_with_special', es.getIds(), special[i].ids]);
    }
    if (diffs.length) {
      bad++;
      if (bad <= maxShown) {
        console.log(JSON.stringify(texts[i]));
        for (const d of diffs) console.log('   ', d[0], 'want', JSON.stringify(d[1]), 'have', JSON.stringify(d[2]));
      }
    }
  }
  console.log(`${file}: ${texts.length} texts, ${bad} mismatched`);
  process.exit(bad ? 1 : 0);
})();
