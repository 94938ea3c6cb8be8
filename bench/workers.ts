/**
 * Benchmarks' runs spread over worker threads: each worker gets a share of
 * the tasks (task i goes to worker i mod w), runs them, and posts back its
 * rows; the rows come back in task order.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Runs `tasks` with `run` on `workers` threads started from `file` (the calling module, which must call `serveTasks`). */
export async function runInWorkers<Task, Row>(file: string, tasks: readonly Task[], workers: number): Promise<Row[]> {
  const shares = Array.from({ length: workers }, (_, w) => tasks.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    shares.map((share) =>
      share.length === 0
        ? Promise.resolve([] as Row[])
        : new Promise<Row[]>((resolve, reject) => {
            const worker = new Worker(file, { workerData: share });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
    ),
  );
  return tasks.map((_, i) => results[i % workers][Math.floor(i / workers)]);
}

/** In a worker thread: runs the share of tasks it was given and posts the rows back. Returns false on the main thread. */
export function serveTasks<Task, Row>(run: (tasks: Task[]) => Promise<Row[]>): boolean {
  if (isMainThread) return false;
  run(workerData as Task[]).then(
    (rows) => parentPort!.postMessage(rows),
    (error: unknown) => {
      throw error;
    },
  );
  return true;
}
