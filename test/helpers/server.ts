/** Starts the real built server (`node dist/src/cli/main.js serve`) on port 0 for a test file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server logged so far. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Spawns the server with extra CLI `args` and `env`, resolving once it listens (within `startMs`:
 * real models load for several seconds on a busy 2-core machine).
 */
export async function startServerProcess(
  args: string[] = [],
  env: Record<string, string> = {},
  startMs = 30_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    // stop() sends SIGTERM, which drains: a test's leftover stream must not hold it 30 s.
    env: { ...process.env, LOG_LEVEL: 'info', FLASH_TTS_DRAIN_S: '5', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startMs} ms:\n${output}`)), startMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    logs: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
