// Azurite's Blob service (npm `azurite` 3.35, a devDependency) on a free
// loopback port, for tests that need a real Azure Blob endpoint honouring
// ifMatch / ifNoneMatch. See docs/testing.md.
import { type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { killChild, makeStateDir, reapStale, recordDaemonPids, spawnDaemon } from './util.js';

/** Azurite's default development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  /** `DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;BlobEndpoint=…;` */
  connectionString: string;
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** How long the start took (milliseconds). */
  startMs: number;
  /** Stop Azurite and remove its temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Deadline for the start, default 30 s. */
  timeoutMs?: number;
}

const DIR_PREFIX = 'metafuse-azurite-';
const require = createRequire(import.meta.url);

function azuriteBlobMain(): string {
  const pkgJson = require.resolve('azurite/package.json');
  const pkg = require(pkgJson) as { bin: Record<string, string> };
  const bin = pkg.bin['azurite-blob'];
  if (!bin) throw new Error('azurite package has no azurite-blob bin');
  return join(dirname(pkgJson), bin);
}

/**
 * Start Azurite's Blob service on 127.0.0.1. It is started with port 0 and
 * the port the kernel chose is read from its "successfully listens on"
 * line, so there is no race for the port. Data is kept in memory.
 */
export async function startAzurite(opts: StartAzuriteOptions = {}): Promise<AzuriteServer> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  reapStale(DIR_PREFIX);
  const dir = makeStateDir(DIR_PREFIX);
  const child: ChildProcess = spawnDaemon(
    process.execPath,
    [
      azuriteBlobMain(),
      '--blobHost', '127.0.0.1',
      '--blobPort', '0',
      // Data in memory. (--location cannot be combined with it; the temp
      // folder is only its working directory.)
      '--inMemoryPersistence',
      '--skipApiVersionCheck', // @azure/storage-blob may send a newer API version than Azurite knows
      '--loose',
      '--disableTelemetry',
      '--silent', // no access log on stdout
    ],
    { cwd: dir },
  );
  recordDaemonPids(dir, [child.pid]);
  let output = '';
  let stopped = false;
  const killSync = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', killSync);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killSync);
    await killChild(child, 2_000);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not listening after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`azurite exited with ${code ?? signal}`));
      });
    });
    // Keep draining its output (the access log) so the pipe never fills.
    child.stdout?.on('data', () => {});
    child.stderr?.on('data', () => {});

    const blobEndpoint = `${url}/${AZURITE_ACCOUNT_NAME}`;
    // "Listening" means the socket is bound; make sure it answers HTTP too.
    const res = await fetch(`${blobEndpoint}?comp=list`);
    await res.arrayBuffer();

    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};` +
      `AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
    return {
      connectionString,
      blobEndpoint,
      accountName: AZURITE_ACCOUNT_NAME,
      accountKey: AZURITE_ACCOUNT_KEY,
      startMs: Date.now() - t0,
      stop,
    };
  } catch (e) {
    await stop();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`startAzurite failed: ${msg}\n--- azurite output ---\n${output.slice(-4_000)}`);
  }
}
