//! From a CSV file to scaled, windowed samples split by time.

pub mod csv;
pub mod scale;
pub mod split;
pub mod window;
