/**
 * The config of the job the loopback tests and `npm run bench:io` run against
 * the test server: `big` is the reference, `mid` and `tiny` are cheaper
 * candidates (each caller's server scripts how often they disagree), the
 * answers are the labels spam and ham, and the target is 90% at 95%
 * confidence. The prompt is `prompt.txt` beside the config.
 */
export function spamJobConfig(endpoint: Readonly<Record<string, unknown>>, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    endpoints: { local: endpoint },
    models: [
      { id: 'big', endpoint: 'local', model: 'big', inputPer1M: 30, outputPer1M: 60 },
      { id: 'mid', endpoint: 'local', model: 'mid', inputPer1M: 1, outputPer1M: 2 },
      { id: 'tiny', endpoint: 'local', model: 'tiny', inputPer1M: 0.1, outputPer1M: 0.2 },
    ],
    reference: 'big',
    candidates: ['mid', 'tiny'],
    template: 'prompt.txt',
    labels: ['spam', 'ham'],
    accuracy: 0.9,
    confidence: 0.95,
    ...extra,
  };
}

/**
 * The two-model config of the editor's tests (integration and end-to-end):
 * `ref` and `cheap` on one endpoint `loopback` at `baseURL`, spam or ham, a
 * 90% target, with `extra` on top.
 */
export function refCheapConfig(baseURL: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    endpoints: { loopback: { baseURL } },
    models: [
      { id: 'ref', endpoint: 'loopback', inputPer1M: 10, outputPer1M: 30 },
      { id: 'cheap', endpoint: 'loopback', inputPer1M: 0.2, outputPer1M: 0.6 },
    ],
    reference: 'ref',
    template: 'prompt.txt',
    labels: ['spam', 'ham'],
    accuracy: 0.9,
    confidence: 0.95,
    ...extra,
  };
}
