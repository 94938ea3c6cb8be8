import * as assert from 'node:assert/strict';
import {
  age,
  batchesLeftRunning,
  pendingBatchesBrief,
  pendingRun,
  batchesLine,
  batchLine,
  cancelQuestion,
  describeOnlineOrBatch,
  describeExport,
  openBatches,
  stageWord,
  waitingFor,
} from '../../../src/text/batch';
import { paidNote } from '../../../src/text/money';
import { BATCHES, BATCHES_SEEN_AT } from '../../support/runFixtures';

describe('batch words', () => {
  it('names every stage of a batch', () => {
    assert.deepEqual(
      (['planned', 'uploaded', 'validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const).map(stageWord),
      ['to send', 'uploaded', 'validating', 'failed validation', 'running', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'],
    );
  });

  it('says what the run waits for: the batches not yet collected', () => {
    assert.equal(openBatches(BATCHES), 3);
    assert.equal(waitingFor(BATCHES), 'waiting for 3 batches');
    assert.equal(waitingFor({ ...BATCHES, batches: BATCHES.batches.slice(1, 2) }), 'waiting for 1 batch');
    assert.equal(waitingFor({ ...BATCHES, batches: BATCHES.batches.slice(0, 1) }), 'batches done');
    assert.equal(batchesLine(BATCHES), 'waiting for 3 batches: 50,000 requests of 63,087 answered (79%)');
  });

  it('describes one batch in a line', () => {
    assert.equal(batchLine(BATCHES.batches[1]), 'gpt-4o-mini on openai, 12,345 requests, running: 8,100 done, 12 failed (batch_68a1f0c2d4e9)');
    assert.equal(batchLine(BATCHES.batches[0]), 'gpt-4o-mini on openai, 50,000 requests, completed: 50,000 done, answers collected (batch_68a1f0c2d4e8)');
    assert.equal(batchLine(BATCHES.batches[3]), 'gpt-4o on openai, 80 requests, to send: 0 done');
  });

  it("gives a batch's age briefly", () => {
    const at = (seconds: number): string => age(BATCHES_SEEN_AT - seconds, BATCHES_SEEN_AT * 1000);
    assert.deepEqual(
      [at(0), at(59), at(60), at(3599), at(3600), at(3 * 3600 + 300), at(26 * 3600), at(48 * 3600)],
      ['0 s', '59 s', '1 min', '59 min', '1 h', '3 h 5 min', '1 d 2 h', '2 d'],
    );
    assert.equal(age(BATCHES_SEEN_AT + 5, BATCHES_SEEN_AT * 1000), '0 s', 'a provider clock ahead of ours is no negative age');
  });

  it('says what batch mode does, what cancelling asks, and how to collect batches left running', () => {
    const batch = { chosen: true, referenceBatches: true, discount: 0.5, maxHours: 24 };
    assert.equal(
      describeOnlineOrBatch(batch, 10, 'big', 2000),
      "Batch mode: profiling runs online; the items after it go to the providers' batch engines at half price, with results within 24 hours (what they leave then goes online at list price): big alone would cost $5.00 this way, $10.00 online.",
    );
    assert.equal(
      describeOnlineOrBatch({ ...batch, chosen: false, discount: 0.4, maxHours: 1 }, 10, 'big', 2000),
      "Online: answers as they come. In batch mode, the items after profiling would go to the providers' batch engines at 40% of the list price, with results within 1 hour: big alone would cost $4.00 instead of $10.00.",
    );
    assert.equal(
      describeOnlineOrBatch({ ...batch, referenceBatches: false }, 10, 'big', 2000),
      "Batch mode: profiling runs online; the items after it go to the providers' batch engines at half price, with results within 24 hours (what they leave then goes online at list price); big's endpoint takes no batches, so its calls stay online.",
    );
    const auto = { minItems: 1000, minShare: 0.25, minSavingUsd: 1 };
    assert.equal(
      describeOnlineOrBatch({ ...batch, auto }, 10, 'big', 2000),
      "Batch mode, as chosen for this file (batch mode takes an endpoint of big's with batches, at least 1,000 items, a discount of at least 25% and at least $1.00 saved on big alone; here 2,000 items, 50% off and $5.00 saved): profiling runs online; the items after it go to the providers' batch engines at half price, with results within 24 hours (what they leave then goes online at list price): big alone would cost $5.00 this way, $10.00 online.",
    );
    assert.equal(
      describeOnlineOrBatch({ ...batch, chosen: false, auto }, 1, 'big', 300),
      "Online, as chosen for this file (batch mode takes an endpoint of big's with batches, at least 1,000 items, a discount of at least 25% and at least $1.00 saved on big alone; here 300 items, 50% off and $0.50 saved): answers as they come. In batch mode, the items after profiling would go to the providers' batch engines at half price, with results within 24 hours: big alone would cost $0.50 instead of $1.00.",
    );
    assert.equal(
      describeOnlineOrBatch({ ...batch, chosen: false, referenceBatches: false, auto }, 10, 'big', 2000),
      "Online, as chosen for this file (batch mode takes an endpoint of big's with batches, at least 1,000 items, a discount of at least 25% and at least $1.00 saved on big alone; here big's endpoint takes no batches): answers as they come.",
    );
    assert.equal(
      batchesLeftRunning(2, 'Run the same command again'),
      '2 batches are still running at the provider. Run the same command again to collect their answers; each request is paid once.',
    );
    assert.equal(
      batchesLeftRunning(1, 'Run "Smart: Resume Run"'),
      '1 batch is still running at the provider. Run "Smart: Resume Run" to collect their answers; each request is paid once.',
    );
    assert.equal(pendingRun('data/tickets.jsonl', 2), 'data/tickets.jsonl has 2 batches pending at the provider. Resume the run to collect their answers?');
    assert.equal(pendingBatchesBrief(1), '1 batch pending, resume?');
    assert.match(cancelQuestion(2).question, /^2 batches are still running at the provider\.$/);
    assert.match(cancelQuestion(2).detail, /what they answered until then is still paid for, and kept/);
  });

  it('tells paid from cached, and of what was paid what the batch calls cost', () => {
    assert.equal(paidNote(0.5, 0.4, { calls: 1200, cost: 0.1 }), 'paid now $0.40, of which $0.10 for 1,200 batch calls; $0.10 from the cache');
    assert.equal(paidNote(0.5, 0.5, { calls: 1, cost: 0.1 }), 'all paid in this run, of which $0.10 for 1 batch call');
    assert.equal(paidNote(0.5, 0.4, { calls: 0, cost: 0 }), 'paid now $0.40, $0.10 from the cache');
  });

  it('says what an export wrote and how to go on', () => {
    const lines = describeExport(
      '/data/out',
      1,
      [
        { file: 'requests-1-openai-0001-gpt-4o-mini.jsonl', model: 'gpt-4o-mini', requests: 2010 },
        { file: 'requests-1-openai-0002-gpt-4o.jsonl', model: 'gpt-4o', requests: 1 },
      ],
      'smart profile data.jsonl --batch-import /data/out',
    );
    assert.deepEqual(lines, [
      'Wrote 2,011 requests for the items after profiling to 2 files in /data/out (round 1):',
      '  requests-1-openai-0001-gpt-4o-mini.jsonl: 2,010 requests for gpt-4o-mini',
      '  requests-1-openai-0002-gpt-4o.jsonl: 1 request for gpt-4o',
      'Run each file through an engine that reads the OpenAI batch format and write its output as a .jsonl file beside it, for example with vLLM:',
      '  python -m vllm.entrypoints.openai.run_batch -i /data/out/requests-1-openai-0001-gpt-4o-mini.jsonl -o /data/out/requests-1-openai-0001-gpt-4o-mini.output.jsonl --model gpt-4o-mini',
      'Then finish the run: smart profile data.jsonl --batch-import /data/out',
    ]);
    assert.match(
      describeExport('/d', 2, [{ file: 'f.jsonl', model: 'm', requests: 3 }], 'x')[0],
      /^Wrote 3 requests for the escalations of the items whose cheap models disagreed to 1 file in \/d \(round 2\):$/,
    );
  });
});
