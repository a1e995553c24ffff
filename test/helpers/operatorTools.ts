/** The operator scripts (`npm run backup`, `restore`, `export`, `import`) run as an operator runs them: child processes. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run <tool> -- <args>` from the repository root with `env` over this process's
 * environment (an empty value unsets a variable for the tool: the hub's config reads it as unset),
 * `stdin` written to its input.
 */
export function runTool(tool: string, args: string[], env: Record<string, string>, stdin?: string): Promise<ToolRun> {
  const child = spawn('npm', ['run', '--silent', tool, '--', ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(stdin ?? '');
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
  });
}
