import * as assert from 'node:assert/strict';
import { InputError } from '../../../src/io/inputError';
import { compileTemplate, draftTemplate, labelsNamedIn, parseFieldPath, readField, TASK_PLACEHOLDER, taskMissing } from '../../../src/io/template';

const where = { file: 'data.jsonl', line: 12 };

describe('compileTemplate', () => {
  it('fills top-level, nested and indexed fields, with or without spaces in the braces', () => {
    const template = compileTemplate('Subject: {{subject}}\nBody: {{ ticket.body }}\nFirst tag: {{tags.0}}, again {{subject}}.');
    const text = template.render({ subject: 'Refund', ticket: { body: 'Where is {{my}} money?' }, tags: ['billing', 'urgent'] }, where);
    // Values are inserted as they are, never re-read as template text.
    assert.equal(text, 'Subject: Refund\nBody: Where is {{my}} money?\nFirst tag: billing, again Refund.');
  });

  it('renders numbers, booleans, null, objects and arrays', () => {
    const template = compileTemplate('{{n}}|{{f}}|{{b}}|{{z}}|{{o}}|{{a}}|{{e}}');
    const text = template.render({ n: 3, f: -0.5, b: false, z: null, o: { x: 1, y: 'é' }, a: [1, 'two'], e: '' }, where);
    assert.equal(text, '3|-0.5|false|null|{"x":1,"y":"é"}|[1,"two"]|');
  });

  it('renders a template without placeholders as is, and keeps a lone "}}" as text', () => {
    assert.equal(compileTemplate('plain').render({}, where), 'plain');
    const template = compileTemplate('Answer as {"label": {"name": "{{label}}"}}');
    assert.equal(template.render({ label: 'spam' }, where), 'Answer as {"label": {"name": "spam"}}');
  });

  it('names file, line and field of a missing field', () => {
    const template = compileTemplate('{{subject}} {{ticket.body}}');
    assert.throws(
      () => template.render({ subject: 'x', ticket: {} }, where),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, 'data.jsonl:12: field "ticket.body" is missing');
        assert.deepEqual([error.file, error.line, error.field], ['data.jsonl', 12, 'ticket.body']);
        return true;
      },
    );
    assert.throws(() => template.render({ subject: 'x', ticket: 'text' }, where), {
      message: 'data.jsonl:12: field "ticket.body" is missing ("ticket" is a string)',
    });
    assert.throws(() => template.render({ subject: 'x', ticket: null }, where), { message: /\("ticket" is null\)/ });
    assert.throws(() => template.render({ ticket: { body: 'b' } }, where), { message: 'data.jsonl:12: field "subject" is missing' });
  });

  it('reads only own keys and array indices', () => {
    const template = compileTemplate('{{constructor}}');
    assert.throws(() => template.render({}, where), { message: /field "constructor" is missing/ });
    assert.equal(compileTemplate('{{constructor}}').render({ constructor: 'mine' }, where), 'mine');
    assert.throws(() => compileTemplate('{{items.length}}').render({ items: [1] }, where), InputError);
    assert.throws(() => compileTemplate('{{items.1}}').render({ items: [1] }, where), { message: /field "items.1" is missing/ });
    assert.throws(() => compileTemplate('{{items.01}}').render({ items: [1, 2] }, where), InputError);
  });

  it('names the template and position of an unclosed "{{"', () => {
    assert.throws(() => compileTemplate('Hello {{name', 'prompt.txt'), { message: 'prompt.txt:1:7: "{{" is not closed by "}}"' });
    assert.throws(() => compileTemplate('line one\n  {{a {{b}}', 'prompt.txt'), { message: 'prompt.txt:2:3: "{{" is not closed by "}}"' });
    assert.throws(() => compileTemplate('{{ }}'), {
      message: 'template:1:1: "{{ }}" is not a field name (write {{field}}, {{field.nested}} or {{"a name with.dots"}})',
    });
    assert.throws(() => compileTemplate('{{a..b}}'), /is not a field name/);
    assert.throws(() => compileTemplate('{{{a}}}'), /is not a field name/);
  });
});

describe('field paths', () => {
  it('parses dotted paths and rejects malformed ones', () => {
    assert.deepEqual(parseFieldPath('a.b.0'), ['a', 'b', '0']);
    assert.deepEqual(parseFieldPath('first name'), ['first name']);
    for (const bad of ['', '.a', 'a.', 'a..b', 'a . b', 'a{b']) assert.equal(parseFieldPath(bad), undefined, bad);
  });

  it('reads nested values, undefined when missing', () => {
    const value = { a: { b: [{ c: 1 }] }, n: null };
    assert.equal(readField(value, ['a', 'b', '0', 'c']), 1);
    assert.equal(readField(value, ['n']), null);
    assert.equal(readField(value, ['n', 'x']), undefined);
    assert.equal(readField(value, ['a', 'x']), undefined);
    assert.equal(readField(value, ['toString']), undefined);
  });
});

describe('labelsNamedIn', () => {
  it('finds the labels a task names, for the comparison step to suggest, and none where it names none (issue 16, item 6)', () => {
    assert.deepEqual(labelsNamedIn('Is this message spam or ham? Answer with one word.\n\n{{text}}'), ['spam', 'ham']);
    assert.deepEqual(labelsNamedIn('Classify the sentiment as one of: positive, negative, neutral.'), ['positive', 'negative', 'neutral']);
    assert.deepEqual(labelsNamedIn('Is it toxic, offensive or fine?'), ['toxic', 'offensive', 'fine']);
    assert.deepEqual(labelsNamedIn('Answer "yes" or "no".'), ['yes', 'no']);
    assert.equal(labelsNamedIn('Summarize {{text}} in one or two sentences.'), undefined);
    assert.equal(labelsNamedIn('Compare {{a}} or {{b}}.'), undefined, 'placeholders are not labels');
    assert.equal(labelsNamedIn('Write a summary.'), undefined);
  });
});

describe('draftTemplate', () => {
  it('names each top-level field, quoting a name that holds dots or spaces at its ends, and renders the record it came from', () => {
    const example = { id: 7, text: 'hello', 'first name': 'Ada', 'a.b': 1, ' pad': 2, meta: { x: 1 } };
    const draft = draftTemplate(example);
    assert.equal(draft, `${TASK_PLACEHOLDER}\n\nid: {{id}}\ntext: {{text}}\nfirst name: {{first name}}\na.b: {{"a.b"}}\n pad: {{" pad"}}\nmeta: {{meta}}\n`);
    // A draft is never sent as it is (issue 16, item 6).
    assert.match(taskMissing(draft)!, /^still holds <<Write the task here: .*>>: write the task in its place \(the run sends nothing until then\)$/);
    assert.equal(taskMissing(draft.replace(TASK_PLACEHOLDER, 'Is this spam? Answer spam or ham.')), undefined);
    assert.match(compileTemplate(draft).render(example, { file: 'f', line: 1 }), /id: 7\ntext: hello\nfirst name: Ada\na\.b: 1\n pad: 2\nmeta: \{"x":1\}/);
    assert.equal(draftTemplate(undefined), `${TASK_PLACEHOLDER}\n\n\n`);
  });
});
