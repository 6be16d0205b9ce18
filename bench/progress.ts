/** Progress lines for long steps: always on stderr, so `--json` keeps stdout for the result. */
export function progress(line: string): void {
  const at = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${at}] ${line}\n`);
}
