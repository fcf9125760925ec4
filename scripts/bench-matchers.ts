// What npm run bench times, bundled into one module as wrangler bundles the Worker (see
// scripts/bench.ts): the engine and the loaders of its pack and model, and the peers.
export { checkMessage, withModel } from '../src/check/engine'
export { loadRulePack, packDataAt } from '../src/check/pack'
export { loadCheckModel } from '../src/check/model'
export { AhoCorasick } from '@monyone/aho-corasick'
export { AhoCorasick as AhoCorasickFast } from '@monyone/aho-corasick/fast'
export { default as FastScanner } from 'fastscan'
export { Mint } from 'mint-filter'
