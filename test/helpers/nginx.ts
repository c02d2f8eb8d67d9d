/**
 * nginx for a test, configured from the repository's deploy/nginx.conf with its upstream servers
 * and listen port replaced, everything else as shipped; its pid, logs and temp files in a
 * temporary directory. Stopped with SIGQUIT (graceful) and removed at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './postgres.js';
import { waitFor } from './wait.js';

const SHIPPED = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** The nginx binary, or undefined when not installed. */
export function nginxBinary(): string | undefined {
  for (const path of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(path, ['-v'], { stdio: 'pipe' });
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/** deploy/nginx.conf with `upstreams` (host:port) as the servers and `port` as the listen port. */
export function nginxSiteConfig(upstreams: string[], port: number): string {
  const shipped = readFileSync(SHIPPED, 'utf8');
  const servers = upstreams.map((u) => `    server ${u} max_fails=2 fail_timeout=5s;`).join('\n');
  return shipped
    .replace(/(\n\s*server 127\.0\.0\.1:\d+[^\n]*)+/, `\n${servers}`)
    .replace(/listen 8000;/, `listen 127.0.0.1:${port};`);
}

/** Starts nginx in front of `upstreams`. */
export async function startNginx(upstreams: string[]): Promise<Nginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'flash-tts-nginx-'));
  chmodSync(dir, 0o777); // the worker processes (nobody, when started as root) write temp files here
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${nginxSiteConfig(upstreams, port)}
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', config, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
      return fetch(`${url}/healthz`).then(
        () => true,
        () => false,
      );
    },
    'nginx listening',
    10_000,
  );
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
