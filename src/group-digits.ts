/**
 * A count with thousands separators, as `toLocaleString('en-US')` writes a whole number. Written
 * out because the first `toLocaleString` of a process loads ICU's locale data: about 11 ms of
 * every `reckon diff`, for one summary line.
 */
export function groupDigits(n: number): string {
  const text = String(Math.round(n));
  if (!/^-?\d+$/.test(text)) return text;
  const sign = text.startsWith('-') ? '-' : '';
  const digits = sign ? text.slice(1) : text;
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return sign + out;
}
