/** Killing a child process part way, as a crash or `kill -9` would. */
import type { ChildProcess } from 'node:child_process';

/** Kills `child` with SIGKILL as soon as `condition` holds (checked every 2 ms); resolves once it has exited. */
export async function killWhen(child: ChildProcess, condition: () => boolean): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!condition()) return;
      clearInterval(timer);
      child.kill('SIGKILL');
      resolve();
    }, 2);
  });
  await exited;
}
