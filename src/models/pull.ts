/**
 * Installing models: downloads every file of a manifest into a hidden staging directory, resuming
 * partial files with HTTP Range requests, checks sizes and sha256 digests, then renames the
 * staging directory into place — so a model directory is either complete or absent.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitInstall, hashFile, modelDir, sha256Of, sizeOf, stagingDir } from './install-dir.js';
import { INSTALLED_FILE, type InstalledModel, type ModelManifest, manifestSchema } from './manifest.js';

export { modelDir } from './install-dir.js';

/** Progress of a pull, after each piece received. */
export interface PullProgress {
  file: string;
  /** Bytes of all files so far (resumed bytes included). */
  received: number;
  total: number;
}

export interface PullOptions {
  modelsDir: string;
  onProgress?: (progress: PullProgress) => void;
  /** Notes for the user (resuming, recorded digests). */
  onNote?: (message: string) => void;
  signal?: AbortSignal;
}

/** Installs `manifest` into `options.modelsDir` (nothing to do when it is installed already). */
export async function pullModel(manifest: ModelManifest, options: PullOptions): Promise<InstalledModel> {
  const { modelsDir, onProgress, onNote, signal } = options;
  const finalDir = modelDir(modelsDir, manifest.name);
  if (existsSync(join(finalDir, INSTALLED_FILE))) {
    return { name: manifest.name, engine: manifest.engine, dir: finalDir, manifest };
  }
  const staging = stagingDir(modelsDir, manifest.name);
  await mkdir(staging, { recursive: true });
  const total = manifest.files.reduce((n, f) => n + (f.size ?? 0), 0);
  let done = 0;
  const recorded: ModelManifest['files'] = [];

  for (const file of manifest.files) {
    const target = join(staging, file.path);
    const part = `${target}.part`;
    await mkdir(dirname(target), { recursive: true });
    const existing = existsSync(target) ? await sizeOf(target) : -1;
    if (
      existing >= 0 &&
      (file.size === null || existing === file.size) &&
      (file.sha256 === null || (await sha256Of(target)) === file.sha256)
    ) {
      done += existing;
      recorded.push({ ...file, size: existing, sha256: file.sha256 ?? (await sha256Of(target)) });
      onProgress?.({ file: file.path, received: done, total });
      continue;
    }
    let offset = await sizeOf(part);
    if (file.size !== null && offset > file.size) {
      await rm(part);
      offset = 0;
    }
    let hash = offset > 0 ? await hashFile(part) : createHash('sha256');
    if (offset > 0) onNote?.(`resuming ${file.path} at ${offset} of ${file.size ?? '?'} bytes`);
    if (file.size === null || offset < file.size) {
      const response = await fetch(file.url, {
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        redirect: 'follow',
        ...(signal ? { signal } : {}),
      }).catch(async (error: unknown) => {
        // Nothing arrived: a staging folder with nothing in it is not left behind.
        if (done === 0 && offset === 0) await rm(staging, { recursive: true, force: true });
        throw unreachable(manifest.name, file.path, file.url, error);
      });
      if (!response.ok || !response.body) {
        throw new Error(`download of ${file.path} failed: HTTP ${response.status} from ${file.url}`);
      }
      if (offset > 0 && response.status !== 206) {
        onNote?.(`the server ignored the range request; downloading ${file.path} from the start`);
        offset = 0;
        hash = createHash('sha256');
      }
      const handle = await open(part, offset > 0 ? 'a' : 'w');
      let received = offset;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (file.size !== null && received + chunk.length > file.size) {
            await handle.close();
            await rm(part, { force: true });
            throw new Error(`${file.path} is larger than the ${file.size} bytes its manifest says; the download was removed`);
          }
          await handle.write(chunk);
          hash.update(chunk);
          received += chunk.length;
          onProgress?.({ file: file.path, received: done + received, total });
        }
      } catch (error) {
        if (error instanceof Error && error.message.includes('manifest says')) throw error;
        // What arrived is kept: the next pull resumes from it.
        throw new Error(
          `download of ${file.path} was interrupted at ${received} of ${file.size ?? '?'} bytes (${error instanceof Error ? error.message : String(error)}); run the pull again to resume`,
        );
      } finally {
        await handle.close().catch(() => {});
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN) + (response.status === 206 ? offset : 0);
      if (received !== (file.size ?? (Number.isFinite(declared) ? declared : received))) {
        // Kept: the next pull resumes from here.
        throw new Error(
          `download of ${file.path} stopped at ${received} of ${file.size ?? declared} bytes; run the pull again to resume`,
        );
      }
    }
    const digest = hash.digest('hex');
    if (file.sha256 !== null && digest !== file.sha256) {
      await rm(part, { force: true });
      throw new Error(
        `checksum mismatch for ${file.path}: expected ${file.sha256}, got ${digest}; the bad download was removed, run the pull again`,
      );
    }
    if (file.sha256 === null) onNote?.(`${file.path}: no published sha256; recorded ${digest}`);
    const size = await sizeOf(part);
    recorded.push({ ...file, size, sha256: digest });
    await rename(part, target);
    done += size;
  }

  return commitInstall(modelsDir, manifest, recorded);
}

/**
 * The error for a download that could not start (no network, a name that does not resolve, a
 * refused connection): where it tried to go, why, and what to do on a machine that is offline.
 */
function unreachable(model: string, path: string, url: string, error: unknown): Error {
  // Duck-typed: fetch's errors may come from another realm than this module's Error.
  type Failure = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown } | undefined;
  const failure = error as Failure;
  if (failure?.name === 'AbortError') return error as Error;
  const cause = (typeof failure?.cause === 'object' && failure.cause !== null ? failure.cause : failure) as Failure;
  const why = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? error);
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // The manifest's own text, then.
  }
  return new Error(
    `could not download ${path} of ${model} from ${host} (${why}). Without access to it, copy the model's files from a machine that has them and install them with \`flash-tts models import ${model} --from <folder>\`.`,
  );
}

/** Removes an installed model (and any partial download of it). Returns whether there was one. */
export async function removeModel(modelsDir: string, name: string): Promise<boolean> {
  const dir = modelDir(modelsDir, name);
  const existed = existsSync(dir);
  await rm(dir, { recursive: true, force: true });
  await rm(stagingDir(modelsDir, name), { recursive: true, force: true });
  return existed;
}

/** Checks an installed model's files against its recorded digests. */
export async function verifyModel(dir: string): Promise<string[]> {
  const manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, INSTALLED_FILE), 'utf8')));
  const problems: string[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    if ((await sizeOf(path)) !== file.size) problems.push(`${file.path}: wrong size`);
    else if (file.sha256 && (await sha256Of(path)) !== file.sha256) problems.push(`${file.path}: wrong sha256`);
  }
  return problems;
}
