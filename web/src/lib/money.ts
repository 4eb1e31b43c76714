// USD amounts arrive as exact decimal strings ("0.0125", or "1E-7" from a normalised Decimal).
// Sums stay exact in integer billionths (the ledger's precision); floats only for charts.

const SCALE = 9;
const UNIT = 10n ** BigInt(SCALE);
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal string as integer billionths of a dollar (rounded toward zero past 9 places); 0n when unreadable. */
export function toNanos(value: string | null | undefined): bigint {
  const match = value ? DECIMAL.exec(value.trim()) : null;
  if (!match || (!match[2] && !match[3])) return 0n;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  const shift = SCALE + Number(exponent);
  let digits = `${whole}${fraction}`;
  const point = whole.length + shift; // where the integer part of the nanos ends
  if (point <= 0) return 0n;
  digits = point >= digits.length ? digits.padEnd(point, "0") : digits.slice(0, point);
  const nanos = BigInt(digits || "0");
  return sign === "-" ? -nanos : nanos;
}

/** Integer billionths back to a plain decimal string, without trailing zeros. */
export function fromNanos(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** `a + b`, exactly. */
export function addUsd(a: string | null | undefined, b: string | null | undefined): string {
  return fromNanos(toNanos(a) + toNanos(b));
}

/** For charts and ratios only. */
export function usdNumber(value: string | null | undefined): number {
  return Number(toNanos(value)) / 1e9;
}

const WHOLE = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/**
 * "$1,234.56", "$0.0421", "$0.000075": cents for real money, and enough digits for the
 * fractions of a cent that single LLM calls cost, so a call always moves the number.
 */
export function formatUsd(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const n = typeof value === "number" ? value : usdNumber(value);
  const abs = Math.abs(n);
  if (abs === 0 || abs >= 1) return WHOLE.format(n);
  if (abs >= 0.01) return `${n < 0 ? "-" : ""}$${abs.toFixed(4).replace(/0{1,2}$/, "")}`;
  // Four significant digits below a cent, trailing zeros dropped.
  const digits = Math.min(9, Math.max(4, 3 - Math.floor(Math.log10(abs))));
  return `${n < 0 ? "-" : ""}$${abs.toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")}`;
}

/** `formatUsd` without empty cents, for thresholds people type as round numbers: "$500", "$0.05". */
export function formatUsdBrief(value: string | number | null | undefined): string {
  return formatUsd(value).replace(/\.00$/, "");
}

/** Short axis labels: "$12", "$1.2k", "$0.003". */
export function formatUsdAxis(n: number): string {
  const abs = Math.abs(n);
  if (abs === 0) return "$0";
  if (abs >= 1000) return `$${(n / 1000).toFixed(abs >= 10_000 ? 0 : 1)}k`;
  if (abs >= 1) return `$${n.toFixed(abs >= 10 ? 0 : 2).replace(/\.00$/, "")}`;
  return `$${Number(n.toPrecision(2))}`;
}

/** The exact amount, for tooltips: "$0.000075 (exact)". */
export function exactUsd(value: string | null | undefined): string {
  return value ? `$${fromNanos(toNanos(value))}` : "";
}
