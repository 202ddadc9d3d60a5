//! The `mockbird` binary, run as a user runs it, against a real server and
//! against `mockbird serve`.

mod account;
mod files;
mod logs;
mod same;
mod serve;
mod support;
