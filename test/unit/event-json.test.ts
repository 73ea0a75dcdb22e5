import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventJson } from '../../src/diff/event-shape.ts';
import type { DiffEvent } from '../../src/types.ts';

// Any string, including quotes, backslashes, control characters and lone surrogates.
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff', 'é', '😀'), fc.string({ unit: 'grapheme', maxLength: 1 }), fc.string({ unit: 'binary', maxLength: 1 })) });
const record = fc.dictionary(fc.oneof(text, fc.constantFrom('1', '10', 'id')), fc.option(text, { nil: null }));
const key = fc.dictionary(fc.oneof(text, fc.constant('2')), fc.oneof(text, fc.integer()));

const event: fc.Arbitrary<DiffEvent> = fc.oneof(
  fc.record({ type: fc.constantFrom('left_only' as const, 'right_only' as const), key, row: record }),
  fc.record({ type: fc.constant('changed' as const), key, columns: fc.array(text), left: record, right: record }),
);

describe('eventJson', () => {
  it('writes exactly what JSON.stringify writes', () => {
    fc.assert(fc.property(event, (e) => {
        expect(eventJson(e)).toBe(JSON.stringify(e));
      }), { numRuns: 2000 });
  });
});
