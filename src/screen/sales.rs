//! Screening of sales quantities and dates (to be written).
