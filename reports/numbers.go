package reports

import "time"

// Millis writes a duration as the reports write latencies (0.93 ms, 512 ms,
// 2.10 s), for the CLI's live lines: one number format everywhere.
func Millis(d time.Duration) string { return msText(float64(d) / float64(time.Millisecond)) }
