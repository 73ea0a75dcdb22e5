import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventShape } from '../../src/diff/event-shape.ts';
import type { MergeEvent } from '../../src/diff/merge-join.ts';
import type { Normalizer } from '../../src/normalize/values.ts';
import type { LogicalType } from '../../src/types.ts';

// Any string, including quotes, backslashes, control characters and lone surrogates.
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff', 'é', '😀'), fc.string({ unit: 'grapheme', maxLength: 1 }), fc.string({ unit: 'binary', maxLength: 1 })) });
// Integer-like names ('0', '10') are listed first by any JavaScript object, and the JSON must
// follow; `__proto__` must stay a column, not become the object's prototype.
const name = fc.oneof(text, fc.constantFrom('0', '1', '10', '4294967295', '01', '-1', 'id', '__proto__', 'constructor'));
const keyText = fc.oneof(text, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }).map(String), fc.constantFrom('007', '-0', '9007199254740993'));
const normalizers: Record<string, Normalizer> = {
  asIs: (v) => (v === null ? null : String(v)),
  upper: (v) => (v === null ? null : String(v).toUpperCase()),
  nulled: () => null,
};

const table = fc
  .record({
    names: fc.uniqueArray(name, { minLength: 2, maxLength: 7 }),
    keyLength: fc.integer({ min: 1, max: 3 }),
  })
  .filter(({ names, keyLength }) => keyLength < names.length)
  .chain(({ names, keyLength }) =>
    fc.record({
      names: fc.constant(names),
      keyTypes: fc.array(fc.constantFrom<LogicalType>('integer', 'text', 'decimal'), { minLength: keyLength, maxLength: keyLength }),
      left: fc.array(fc.constantFrom('asIs', 'upper', 'nulled'), { minLength: names.length, maxLength: names.length }),
      right: fc.array(fc.constantFrom('asIs', 'upper', 'nulled'), { minLength: names.length, maxLength: names.length }),
    }),
  );

const rowOf = (width: number, keyLength: number) =>
  fc.tuple(fc.array(keyText, { minLength: keyLength, maxLength: keyLength }), fc.array(fc.option(text, { nil: null }), { minLength: width - keyLength, maxLength: width - keyLength })).map(([k, v]) => [...k, ...v]);

const case_ = table.chain((t) => {
  const width = t.names.length;
  const k = t.keyTypes.length;
  const only = fc.record({ type: fc.constantFrom('left_only' as const, 'right_only' as const), row: rowOf(width, k) });
  const changed = fc
    .record({
      left: rowOf(width, k),
      right: rowOf(width, k),
      columns: fc.uniqueArray(fc.integer({ min: k, max: width - 1 }), { minLength: 1, maxLength: width - k }).map((c) => c.sort((a, b) => a - b)),
    })
    .map((e) => ({ type: 'changed' as const, ...e }));
  return fc.record({ table: fc.constant(t), event: fc.oneof(only, changed) as fc.Arbitrary<MergeEvent> });
});

describe('eventShape', () => {
  it('writes as JSON exactly what JSON.stringify writes of the event object', () => {
    fc.assert(
      fc.property(case_, ({ table: t, event }) => {
        const shape = eventShape({ names: t.names, keyTypes: t.keyTypes, left: t.left.map((n) => normalizers[n]!), right: t.right.map((n) => normalizers[n]!) });
        expect(shape.toJson(event)).toBe(JSON.stringify(shape.toEvent(event)));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives integer keys within 2^53 as numbers and others as text, values made canonical per side', () => {
    const shape = eventShape({
      names: ['id', 'b', '2'],
      keyTypes: ['integer'],
      left: [normalizers.asIs!, normalizers.upper!, normalizers.asIs!],
      right: [normalizers.asIs!, normalizers.asIs!, normalizers.asIs!],
    });
    expect(shape.toEvent({ type: 'left_only', row: ['10', 'x', null] })).toEqual({ type: 'left_only', key: { id: 10 }, row: { id: '10', b: 'X', '2': null } });
    expect(shape.toJson({ type: 'right_only', row: ['9007199254740993', 'x', 'y'] })).toBe(
      '{"type":"right_only","key":{"id":"9007199254740993"},"row":{"2":"y","id":"9007199254740993","b":"x"}}',
    );
    const proto = eventShape({ names: ['id', '__proto__'], keyTypes: ['integer'], left: [normalizers.asIs!, normalizers.asIs!], right: [normalizers.asIs!, normalizers.asIs!] });
    const e = proto.toEvent({ type: 'left_only', row: ['1', 'v'] });
    expect(e.type === 'left_only' && Object.entries(e.row)).toEqual([['id', '1'], ['__proto__', 'v']]);
    expect(shape.toJson({ type: 'changed', left: ['1', 'p', 'q'], right: ['1', 'r', 's'], columns: [1, 2] })).toBe(
      '{"type":"changed","key":{"id":1},"columns":["b","2"],"left":{"2":"q","b":"P"},"right":{"2":"s","b":"r"}}',
    );
  });
});
