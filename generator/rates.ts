// How often each anomaly happens in the device simulation (visit.ts,
// simulate.ts): per wrap, receipt, customer, night or row, as each says.

/** Probabilities of each anomaly (0..1) and what they apply to. */
export interface Rates {
  /** per wrap (receipts devices): no receipt pays it (R13 issue 7). */
  unpaid: number;
  /** per receipt: one position of the other package type (issue 8 / 9). */
  wrongType: number;
  /** per receipt: printed while the last wrap it pays is running (R7). */
  receiptMidWrap: number;
  /** per wrap: an alarm strictly inside it (nested, R5). */
  alarmInside: number;
  /** per customer: a top-level alarm after the customer's events. */
  alarmOutside: number;
  /** per wrap: an issue strictly inside it. */
  issueInside: number;
  /** per customer: a top-level issue after the customer's events. */
  issueOutside: number;
  /** per customer (receipts devices): a receipt and no wrap. */
  receiptWithoutWrap: number;
  /**
   * per receipt-without-wrap customer: the wrap failed: a top-level alarm (or
   * issue) 5-60 s before the receipt (a task of type 3).
   */
  failedWrap: number;
  /** per wrap: package_type NULL or 0 (untyped, R4/R11). */
  untyped: number;
  /** per customer with 2-3 wraps (receipts devices): one receipt for all of them instead of one per wrap. */
  combinedReceipt: number;
  /** per receipt: an extra receipt for 0 and 0 a few seconds later. */
  zeroReceipt: number;
  /** per 2nd/3rd wrap of a customer: it starts before the previous one finished. */
  overlap: number;
  /** per customer: a 1-3 h pause without customers before it. */
  idleGap: number;
  /** per device and local night: a 1-3 h pause starting between 01:00 and 05:00 local. */
  nightGap: number;
  /** per event: its Moscow column is NULL (R3). Default 0. */
  nullMoscow: number;
  /** per event: the row is invalid (R4: NULL local time, finish before start, NULL or negative quantity). Default 0. */
  invalid: number;
}

export const DEFAULT_RATES: Readonly<Rates> = Object.freeze({
  unpaid: 0.03,
  wrongType: 0.01,
  receiptMidWrap: 0.01,
  alarmInside: 0.03,
  alarmOutside: 0.02,
  issueInside: 0.02,
  issueOutside: 0.005,
  receiptWithoutWrap: 0.005,
  failedWrap: 0.3,
  untyped: 0.003,
  combinedReceipt: 0.5,
  zeroReceipt: 0.001,
  overlap: 0.01,
  idleGap: 0.003,
  nightGap: 0.8,
  nullMoscow: 0,
  invalid: 0,
});
