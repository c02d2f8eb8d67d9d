/** What every route handler and realtime session gets from the composition root. */
import type { Logger } from 'pino';
import type { EncoderFactory } from '../audio/create-encoder.js';
import type { Scheduler } from '../engine/scheduler.js';
import type { CloningService } from '../speakers/cloning.js';
import type { VoiceCatalog } from '../speakers/voice-catalog.js';
import type { ServerConfig } from './config.js';

export interface AppContext {
  config: ServerConfig;
  scheduler: Scheduler;
  /** Where audio is encoded (see encoderFactory). */
  encode: EncoderFactory;
  catalog: VoiceCatalog;
  cloning: CloningService;
  log: Logger;
}
