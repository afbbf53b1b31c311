// Instant feedback only (the backend's ULN_04 rule decides): 10 digits; weights 10..2 on the
// first nine digits; remainder = sum mod 11; check digit = 10 - remainder; remainder 0 is invalid.
export function ulnProblem(value: string): string | null {
  const v = value.trim();
  if (v === "") return null;
  if (!/^\d+$/.test(v)) return "A ULN contains digits only.";
  if (v.length !== 10) return `A ULN has 10 digits (this has ${v.length}).`;
  if (v === "9999999999") return null; // the official "not known" ULN
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(v[i]) * (10 - i);
  const remainder = sum % 11;
  if (remainder === 0) return "This is not a valid ULN (check digit cannot be calculated).";
  if (10 - remainder !== Number(v[9])) return "This is not a valid ULN: the check digit (last digit) does not match.";
  return null;
}
