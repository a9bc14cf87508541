import { executionAsyncResource } from 'node:async_hooks';

/**
 * Keeps one of `process.nextTick`'s queue entries alive for the life of the process, so that the
 * shape (V8 map) V8 gives them is never collected.
 *
 * Why (issue 13; docs/benchmarks.md, "The slow mode, found: nextTick's lost shape"): Node 20
 * builds each entry as an object literal with computed keys. V8 remembers the one shape it saw at
 * each of those keys, but holds it weakly: a full GC at a moment when no entry is alive frees the
 * shape, the next entry gets a new one, and V8 then marks those sites megamorphic for good. From
 * then on every nextTick (several per HTTP request inside node's own http and stream code) takes
 * three calls into V8's runtime: the data plane answered 0.54-0.66x a bare server once a fleet of
 * containers had come and gone, 0.67-0.86x with this. An entry that never dies keeps its shape, so
 * the sites stay monomorphic.
 *
 * Runs when this module is first evaluated: it must come before the first full GC, so it is the
 * entry point's first import. Inside a nextTick callback the current async resource is the entry.
 */
// Held, never read: what matters is that the entry stays alive (checked by tick-shape.test.ts).
const kept: object[] = [];
process.nextTick(() => kept.push(executionAsyncResource()));
