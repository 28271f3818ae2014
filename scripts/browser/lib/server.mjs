// Starts the real Minyi binary on a free port of 127.0.0.1 with its own temporary SQLite
// database, and stops it again. The server prints its address on stdout; we read it from there.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const BINARY = process.env.MINYI_BIN ?? join(REPO, 'target/debug/minyi');

/** `settings`: more environment variables for this server (`MINYI_RATE_LIMIT`, say). */
export async function startMinyi(settings = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'minyi-browser-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'minyi.db')}`,
    MINYI_BIND: '127.0.0.1:0',
    MINYI_SURVEYS_DIR: join(REPO, 'surveys'),
    MINYI_LOG: 'warn',
    ...settings,
  };
  delete env.MINYI_PUBLIC_URL;
  const child = spawn(BINARY, ['serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolveUrl, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`minyi did not start in 60 s; it printed:\n${seen}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`minyi exited with ${code} before serving:\n${seen}`)));
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const found = seen.match(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (found) {
        clearTimeout(timer);
        resolveUrl(found[1]);
      }
    });
  });
  child.stdout.resume();
  return {
    url,
    /** Runs a `minyi` command against the same database (a publisher's step). */
    cli(...args) {
      return execFileSync(BINARY, args, { cwd: REPO, env, encoding: 'utf8' });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
