import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requestKey, ResponseCache } from '../../../src/job/responseCache';

describe('ResponseCache', () => {
  const dir = (): string => mkdtempSync(path.join(os.tmpdir(), 'smart-cache-'));

  it('lives under .smart/ beside the input', () => {
    assert.equal(ResponseCache.fileFor('/data/tickets.jsonl'), path.join('/data', '.smart', 'tickets.jsonl.cache.jsonl'));
  });

  it('keys requests by endpoint and full body', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(requestKey('http://a/v1', body), requestKey('http://a/v1', { ...body }));
    assert.notEqual(requestKey('http://a/v1', body), requestKey('http://b/v1', body));
    assert.notEqual(requestKey('http://a/v1', body), requestKey('http://a/v1', { ...body, model: 'n' }));
  });

  it('keeps answers across reopening, one line per call', async () => {
    const file = path.join(dir(), '.smart', 'x.cache.jsonl');
    const a = await ResponseCache.open(file);
    a.put('k1', { text: 'spam', inputTokens: 10, outputTokens: 1 });
    a.put('k2', { text: 'ham\nwith "quotes"', inputTokens: 12, outputTokens: 3 });
    a.close();
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
    const b = await ResponseCache.open(file);
    assert.equal(b.size, 2);
    assert.deepEqual(b.get('k2'), { text: 'ham\nwith "quotes"', inputTokens: 12, outputTokens: 3 });
    assert.equal(b.get('k3'), undefined);
    b.close();
  });

  it('skips a line torn by a crash and appends after it without touching it', async () => {
    const file = path.join(dir(), 'c.jsonl');
    const a = await ResponseCache.open(file);
    a.put('k1', { text: 'a', inputTokens: 1, outputTokens: 1 });
    a.close();
    appendFileSync(file, '{"k":"k2","text":"b","in":'); // killed mid-write
    const before = readFileSync(file, 'utf8');
    const b = await ResponseCache.open(file);
    assert.equal(b.size, 1);
    assert.equal(b.get('k2'), undefined);
    b.put('k3', { text: 'c', inputTokens: 2, outputTokens: 2 });
    b.close();
    const after = readFileSync(file, 'utf8');
    assert.ok(after.startsWith(before), 'existing bytes were rewritten');
    const c = await ResponseCache.open(file);
    assert.deepEqual([c.get('k1')?.text, c.get('k2'), c.get('k3')?.text], ['a', undefined, 'c']);
    c.close();
  });

  it('ignores lines that are not cache entries', async () => {
    const file = path.join(dir(), 'd.jsonl');
    writeFileSync(file, '{"k":"k1","text":"a","in":1,"out":1}\n[1,2]\n{"k":"k2"}\n\n');
    const c = await ResponseCache.open(file);
    assert.equal(c.size, 1);
    assert.deepEqual(c.get('k1'), { text: 'a', inputTokens: 1, outputTokens: 1 });
    assert.equal(c.get('k2'), undefined);
    c.close();
  });
});

describe('ResponseCache answers kept on disk', () => {
  const dir = (): string => mkdtempSync(path.join(os.tmpdir(), 'smart-cache-'));

  it('reads each answer back from its line, the latest line of a key written twice, across reopening', async () => {
    const file = path.join(dir(), 'c.jsonl');
    const a = await ResponseCache.open(file);
    const keys = Array.from({ length: 3000 }, (_, i) => requestKey('http://a/v1', { i }));
    keys.forEach((key, i) => a.put(key, { text: `answer ${i} 日本`, inputTokens: i, outputTokens: 1 }));
    a.put(keys[5], { text: 'again', inputTokens: 1, outputTokens: 2, confidence: 0.75 });
    assert.equal(a.size, 3000);
    assert.deepEqual(a.get(keys[2999]), { text: 'answer 2999 日本', inputTokens: 2999, outputTokens: 1 });
    assert.deepEqual(a.get(keys[5]), { text: 'again', inputTokens: 1, outputTokens: 2, confidence: 0.75 });
    assert.equal(a.has(requestKey('http://b/v1', { i: 0 })), false);
    a.close();
    const b = await ResponseCache.open(file);
    assert.equal(b.size, 3000);
    assert.deepEqual(b.get(keys[0]), { text: 'answer 0 日本', inputTokens: 0, outputTokens: 1 });
    assert.deepEqual(b.get(keys[5]), { text: 'again', inputTokens: 1, outputTokens: 2, confidence: 0.75 });
    b.close();
    assert.throws(() => b.get(keys[0]), /is closed/);
  });

  it('refuses to answer from a file changed under it, rather than hand over another answer', async () => {
    const file = path.join(dir(), 'c.jsonl');
    const a = await ResponseCache.open(file);
    a.put('k1', { text: 'spam', inputTokens: 1, outputTokens: 1 });
    a.put('k2', { text: 'ham', inputTokens: 1, outputTokens: 1 });
    writeFileSync(file, '{"k":"k2","text":"ham","in":1,"out":1}\n{"k":"k1","text":"spam","in":1,"out":1}\n');
    assert.throws(() => a.get('k1'), /c\.jsonl changed while Smart was using it \(the answer to request k1 is no longer where it was written\): run again/);
    a.close();
  });
});

describe('ResponseCache marks of batch answers', () => {
  it('keeps the price factor and the run that fetched an answer across reopening', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'smart-cache-')), 'c.jsonl');
    const a = await ResponseCache.open(file);
    a.put('online', { text: 'spam', inputTokens: 10, outputTokens: 1 });
    a.put('batch', { text: 'ham', inputTokens: 12, outputTokens: 2, priceFactor: 0.5, run: 'run-1' });
    a.close();
    assert.deepEqual(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      [
        { k: 'online', text: 'spam', in: 10, out: 1 },
        { k: 'batch', text: 'ham', in: 12, out: 2, pf: 0.5, run: 'run-1' },
      ],
    );
    const b = await ResponseCache.open(file);
    assert.deepEqual(b.get('online'), { text: 'spam', inputTokens: 10, outputTokens: 1 });
    assert.deepEqual(b.get('batch'), { text: 'ham', inputTokens: 12, outputTokens: 2, priceFactor: 0.5, run: 'run-1' });
    b.counted('batch');
    assert.deepEqual(b.get('batch'), { text: 'ham', inputTokens: 12, outputTokens: 2, priceFactor: 0.5 }, 'counted once, in memory');
    b.close();
    const c = await ResponseCache.open(file);
    assert.equal(c.get('batch')?.run, 'run-1', 'the file keeps the mark');
    c.close();
  });
});
