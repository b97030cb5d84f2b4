//! Tests of the alert parsers against captured and documented bodies.
