/** Audio: PCM helpers, DSP (resampling, pitch/tempo) and the output encoders. */

export { findFfmpeg } from './aac-encoder.js';
export * from './audio-framer.js';
export * from './create-encoder.js';
export * from './encoder.js';
export * from './encoder-pool.js';
export * from './formats.js';
export * from './opus-encoder.js';
export * from './pcm.js';
export * from './resampler.js';
export * from './voice-effects.js';
export * from './wav-encoder.js';
