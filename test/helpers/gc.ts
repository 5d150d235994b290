import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** V8's collector, exposed at run time (jest's workers do not start with --expose-gc). */
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection: what is really retained, not what is merely uncollected. */
export function retainedHeapBytes(): number {
  gc();
  gc(); // a second pass collects what the first one's finalizers released
  return process.memoryUsage().heapUsed;
}
