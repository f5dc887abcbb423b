//! Screening of purchase-order lead times (to be written).
