/**
 * Free-text work whose truth a test knows, for the audit of the judge: name
 * the capital of country i (city i). `big`, the reference, says it in a
 * sentence; `mid` words it differently and names city i + 1 for one country
 * in 8 (i = 8k + 5); the judge says yes where the cities match, and also
 * where the test's `falseYes` picks a wrong answer (by the city it names), as
 * a person would not.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TestMessage } from './openaiTestServer';
import { scriptedJudge } from './scriptedJudge';

/** The city an answer names: the truth a person sees. */
export const cityOf = (text: string): string => /city (\d+)/i.exec(text)?.[1] ?? '';

/** The test server's answers, with the judge's false yes where `falseYes` says, given the city a wrong answer names. */
export function capitalsAnswers(falseYes: (city: number) => boolean): (model: string, messages: readonly TestMessage[]) => string {
  const judge = scriptedJudge({ same: (a, b) => cityOf(a) === cityOf(b), falseAgreement: (candidate) => falseYes(Number(cityOf(candidate))) });
  return (model, messages) => {
    if (model === 'judge') return judge(messages);
    const i = Number(/country (\d+)/.exec(messages[messages.length - 1].content)![1]);
    if (model === 'big') return `The capital of country ${i} is city ${i}.`;
    return `City ${i % 8 === 5 ? i + 1 : i} is the capital of country ${i}`;
  };
}

/** Writes `countries.jsonl` (3,000 items), the prompt and a config for the test server at `baseURL`: target 85%, seed 4, `judge` added to the judge rule. Returns the input's and the config's paths. */
export function writeCapitalsWorkspace(dir: string, baseURL: string, judge: Record<string, unknown> = {}): { input: string; config: string } {
  const input = path.join(dir, 'countries.jsonl');
  writeFileSync(input, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ country: `country ${i}` })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'prompt.txt'), 'What is the capital of {{country}}?');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        endpoints: { local: { baseURL } },
        models: [
          { id: 'big', endpoint: 'local', inputPer1M: 30, outputPer1M: 60 },
          { id: 'mid', endpoint: 'local', inputPer1M: 0.5, outputPer1M: 1 },
          { id: 'judge', endpoint: 'local', inputPer1M: 0.2, outputPer1M: 0.4 },
        ],
        reference: 'big',
        template: 'prompt.txt',
        answer: { kind: 'judge', model: 'judge', ...judge },
        accuracy: 0.85,
        confidence: 0.95,
        seed: 4,
      },
      null,
      2,
    ) + '\n',
  );
  return { input, config };
}
