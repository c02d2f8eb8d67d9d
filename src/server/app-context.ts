/** What every route handler and realtime session gets from the composition root. */
import type { Logger } from 'pino';
import type { EncoderFactory } from '../audio/create-encoder.js';
import type { Scheduler } from '../engine/scheduler.js';
import type { CloningService } from '../speakers/cloning.js';
import type { VoiceCatalog } from '../speakers/voice-catalog.js';
import type { ServerConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import type { NodeLifecycle } from './node-lifecycle.js';

export interface AppContext {
  config: ServerConfig;
  scheduler: Scheduler;
  /** Makes an encoder in the encoder pool, where all audio is encoded. */
  encode: EncoderFactory;
  catalog: VoiceCatalog;
  cloning: CloningService;
  log: Logger;
  /** The server's Prometheus metrics; absent where nothing serves them (the `say` command). */
  metrics?: ServerMetrics | undefined;
  /** Whether the node is draining (SIGTERM); absent where nothing drains (tests, `say`). */
  lifecycle?: NodeLifecycle | undefined;
}
