/** What every route handler gets from the composition root. */
import type { Logger } from 'pino';
import type { Scheduler } from '../engine/scheduler.js';
import type { TtsService } from '../engine/tts-service.js';
import type { CloningService } from '../speakers/cloning.js';
import type { VoiceCatalog } from '../speakers/voice-catalog.js';
import type { ServerConfig } from './config.js';

export interface AppContext {
  config: ServerConfig;
  scheduler: Scheduler;
  service: TtsService;
  catalog: VoiceCatalog;
  cloning: CloningService;
  log: Logger;
}
