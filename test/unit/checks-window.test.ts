/** Partition windows and labels in UTC: weeks start on Monday, `last: N` includes the current period. */
import { describe, expect, it } from 'vitest';
import { addPeriods, labelOf, periodStart, sqlTimestamp, windowFor } from '../../src/checks/window.ts';

const at = (iso: string) => new Date(iso);

describe('periodStart', () => {
  it.each([
    ['2024-03-13T17:45:12.345Z', 'hour', '2024-03-13 17:00:00'],
    ['2024-03-13T17:45:12.345Z', 'day', '2024-03-13 00:00:00'],
    // 2024-03-13 is a Wednesday: its week starts on Monday the 11th.
    ['2024-03-13T17:45:12.345Z', 'week', '2024-03-11 00:00:00'],
    // A Sunday belongs to the week that started six days before.
    ['2024-03-17T23:59:59Z', 'week', '2024-03-11 00:00:00'],
    // A Monday starts its own week.
    ['2024-03-18T00:00:00Z', 'week', '2024-03-18 00:00:00'],
    // Weeks cross month and year boundaries.
    ['2025-01-01T12:00:00Z', 'week', '2024-12-30 00:00:00'],
    ['2024-03-13T17:45:12.345Z', 'month', '2024-03-01 00:00:00'],
  ] as const)('%s %s starts at %s', (iso, grain, start) => {
    expect(sqlTimestamp(periodStart(at(iso), grain))).toBe(start);
  });
});

describe('windowFor', () => {
  const now = at('2024-03-13T17:45:12Z');

  it('last: 7 days is the current UTC day and the six before it', () => {
    expect(windowFor({ column: 'c', grain: 'day', last: 7 }, now)).toEqual({ from: '2024-03-07 00:00:00', to: '2024-03-14 00:00:00' });
  });

  it('last: 1 is the current period only', () => {
    expect(windowFor({ column: 'c', grain: 'hour', last: 1 }, now)).toEqual({ from: '2024-03-13 17:00:00', to: '2024-03-13 18:00:00' });
  });

  it('last: 2 weeks starts on a Monday', () => {
    expect(windowFor({ column: 'c', grain: 'week', last: 2 }, now)).toEqual({ from: '2024-03-04 00:00:00', to: '2024-03-18 00:00:00' });
  });

  it('last: 3 months crosses a year boundary', () => {
    expect(windowFor({ column: 'c', grain: 'month', last: 3 }, at('2024-01-31T23:00:00Z'))).toEqual({
      from: '2023-11-01 00:00:00',
      to: '2024-02-01 00:00:00',
    });
  });

  it('does not depend on the machine time zone', () => {
    // 23:30 UTC is already the next day east of UTC; the window is still the UTC day. Node
    // applies a change of TZ at once, so the machine's zone really is Asia/Tokyo here.
    const saved = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      expect(new Date('2024-03-13T23:30:00Z').getDate()).toBe(14);
      expect(windowFor({ column: 'c', grain: 'day', last: 1 }, at('2024-03-13T23:30:00Z'))).toEqual({
        from: '2024-03-13 00:00:00',
        to: '2024-03-14 00:00:00',
      });
      expect(windowFor({ column: 'c', grain: 'week', last: 1 }, at('2024-03-17T23:30:00Z'))).toEqual({
        from: '2024-03-11 00:00:00',
        to: '2024-03-18 00:00:00',
      });
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('explicit bounds are normalised to full timestamps', () => {
    expect(windowFor({ column: 'c', grain: 'day', from: '2024-01-01', to: '2024-01-02T06:30' })).toEqual({
      from: '2024-01-01 00:00:00',
      to: '2024-01-02 06:30:00',
    });
    expect(windowFor({ column: 'c', grain: 'day', from: '2024-01-01 10:00:05' })).toEqual({ from: '2024-01-01 10:00:05', to: undefined });
  });
});

describe('addPeriods', () => {
  it('moves months by calendar month from a month start', () => {
    expect(sqlTimestamp(addPeriods(at('2024-01-01T00:00:00Z'), 'month', 1))).toBe('2024-02-01 00:00:00');
    expect(sqlTimestamp(addPeriods(at('2024-03-01T00:00:00Z'), 'month', -12))).toBe('2023-03-01 00:00:00');
  });
});

describe('labelOf', () => {
  it.each([
    ['2024-03-13 17:45:12.123456', 'hour', '2024-03-13 17:00'],
    ['2024-03-13 17:45:12.123456', 'day', '2024-03-13'],
    ['2024-03-13', 'day', '2024-03-13'],
    ['2024-03-17 23:59:59', 'week', '2024-03-11'],
    ['2024-03-13 17:45:12', 'month', '2024-03'],
  ] as const)('%s by %s is %s', (value, grain, label) => {
    expect(labelOf(value, grain)).toBe(label);
  });
});
