// The benchmark's progress lines.

/** Prints one progress line on stdout (the report goes to files, so stdout is free for these). */
export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}
