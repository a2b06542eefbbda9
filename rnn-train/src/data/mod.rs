//! From a CSV file to scaled, windowed samples split by time.

pub mod case_split;
pub mod cases;
pub mod contract;
pub mod csv;
pub mod outliers;
pub mod scale;
pub mod split;
pub mod window;
