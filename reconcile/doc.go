// Package reconcile compares an operator's dump of events with a tracker's
// (seed 004 §11, §12.2, §15): it reads both sides as streams (CSV with a
// header or JSON Lines, detected from the content, or the mock's journal, or
// any read-back source), matches them by event_id and then by click_id +
// event + ts_event within a window (§8's fallback), gives every difference
// one cause (missing on a side, duplicate, amount or currency mismatch, day
// shifted by a time-zone mistake, refused by the receiver, replayed), and
// computes the discrepancy per UTC day × event (and per day in a report time
// zone) that §11's 3 % rule judges. Totals are kept per transaction currency
// and, with an FX table, in a report currency at each event's time (§7).
//
// The CLI's `s2s reconcile` is its user; package reports renders its Report.
// Memory is bounded by the operator side's unique events and the tracker's
// unmatched ones (compact records, no per-row maps), not by the differences,
// which are streamed to a writer as they are found.
package reconcile
