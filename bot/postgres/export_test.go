package postgres

// SetRetentionBatch sets how many rows a transaction of the retention
// jobs takes, so that tests see several batches with a few rows.
func (db *DB) SetRetentionBatch(n int) { db.retentionBatch = n }
