import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { groupDigits } from '../../src/group-digits.ts';

describe('groupDigits', () => {
  it('writes whole numbers as en-US does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.integer({ min: -1e15, max: 1e15 }), fc.double({ min: -1e12, max: 1e12, noNaN: true })), (n) => {
        expect(groupDigits(n)).toBe(Math.round(n).toLocaleString('en-US').replace(/^-0$/, '0'));
      }),
    );
    expect([0, 999, 1000, 1234567, -1234].map(groupDigits)).toEqual(['0', '999', '1,000', '1,234,567', '-1,234']);
  });
});
