//! On-call: who is on call when (issue #12).
//!
//! - [`schedule`]: layered rotations in a time zone, restrictions and overrides, and the pure
//!   computation of who is on call at an instant and over a range.

pub mod schedule;
