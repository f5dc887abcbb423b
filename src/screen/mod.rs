//! Screening: finding input values that read fine but are not believable, before anything is
//! learned from them.
//!
//! Loading ([`crate::io`]) decides what a *readable* row is and rejects the rest; screening
//! looks at the accepted values as a whole — a SKU's own history, its supplier's lead times,
//! the file's row order — and flags what no planner would believe: quantities far outside the
//! SKU's history or absurd in themselves, blocks of rows exported twice, lead times far
//! outside the SKU's and supplier's, dates far from the rest of the file. Each finding is an
//! [`crate::io::anomalies::Anomaly`] (written to `anomalies.csv`); flagged values are left
//! out of fitting. Screening does not reject rows (that is loading's job) and does not decide
//! orders (recommendations read the per-SKU notes it leaves).

pub mod lead_times;
pub mod sales;
