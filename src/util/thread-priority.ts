/**
 * Worker threads may run at a lower scheduling priority than the main thread. The main thread only
 * moves bytes (sockets, timers, the protocol), but every client waits on it; the workers compute
 * audio that is already ahead of playback. When engines and encoders together want more cores than
 * the machine has, the kernel then runs the main thread first, so its event loop stays responsive
 * instead of waiting out the workers' time slices (README: "Before and after the one pipeline").
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sets the calling thread's niceness (0 = normal, 19 = lowest priority). Linux sets priorities per
 * thread (a thread id is accepted where a process id is), and threads the caller starts later
 * (ONNX's intra-op threads) inherit it. Elsewhere, or where it is not allowed, nothing changes.
 */
export function lowerThreadPriority(niceness: number): void {
  if (niceness <= 0 || process.platform !== 'linux') return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, Math.min(19, niceness));
  } catch {
    // No /proc, or not permitted: keep the default priority.
  }
}
