// V8 settings for a process that lives for one pass. cli.ts imports this
// module first, before any code that could be optimised.
//
// Allocation-site pretenuring: midway through a pass V8 notices that a
// chunk's rows and plans outlive a scavenge and starts allocating them
// straight in the old generation. Each such decision discards every
// optimised function that allocates there, so the core's analysis was
// compiled 3-4 times per pass instead of once (--trace-deopt: "code
// dependencies"). Without it a pass compiles less and its CLI uses about
// 0.1 CPU-s less (bench/RESULTS.md).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
