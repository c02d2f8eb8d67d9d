/** A worker for the pool tests: ready with its thread id; echoes; exits on 'crash'; 'hang' ignores 'stop'. */
import { parentPort, threadId } from 'node:worker_threads';

const port = parentPort as NonNullable<typeof parentPort>;
let hung = false;
port.on('message', (message: { type: string; value?: number }) => {
  if (message.type === 'echo') port.postMessage({ type: 'echo', value: message.value, threadId });
  if (message.type === 'crash') process.exit(3);
  if (message.type === 'hang') hung = true;
  if (message.type === 'stop' && !hung) port.close();
});
// A hung worker stays alive until terminated.
setInterval(() => undefined, 1000).unref();
port.postMessage({ type: 'ready', ready: { threadId } });
