//! On call (issue 12): schedules with layers and overrides, and escalation policies.
//!
//! Pure rules, no I/O: the server stores schedules, policies and pages, and asks these modules
//! who is on call and who is notified when.
//!
//! # Layout
//! - [`schedule`]: layered rotations in a time zone, restrictions and overrides, and the pure
//!   computation of who is on call at an instant and over a range.
//! - [`escalation`]: escalation policies: levels, delays, repeats, acknowledgement cut-off, and
//!   who a level notifies.
//! - [`notify`]: each user's notification rules (channel, minutes after) and the contacts a
//!   level firing makes.
//! - [`calendar`]: iCalendar feeds of on-call shifts, per schedule and per user.

pub mod calendar;
pub mod escalation;
pub mod notify;
pub mod schedule;
