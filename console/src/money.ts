/**
 * Money, one way everywhere in the console: the amount with the currency's own number of decimals,
 * grouped as the reader's locale groups numbers, then the ISO code — "6.90 EUR", "1,200 JPY".
 */

/** How many decimals a currency is written with (2 for a code Intl does not know). */
function decimalsOf(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(amount: number, currency: string | null | undefined): string {
  const digits = currency ? decimalsOf(currency) : 2;
  const number = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount);
  return currency ? `${number} ${currency}` : number;
}
