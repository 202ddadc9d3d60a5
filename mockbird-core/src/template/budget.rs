//! The render budget: every render may take so many steps and so much time.
//!
//! A step is one helper call, one loop iteration (`each`, `repeat`) or one
//! write to the output. Every built-in that can loop or touch large values is
//! MockBird's own (see `builtins`), so no work goes uncounted for longer than
//! one step: between two steps a render does at most a constant amount of
//! work per template element. The clock is read every [`CLOCK_EVERY`] steps.

use std::cell::Cell;
use std::time::{Duration, Instant};

use handlebars::{RenderError, RenderErrorReason};

/// How much one render may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Most steps (helper calls, loop iterations, output writes).
    pub steps: u64,
    /// Longest wall-clock time.
    pub time: Duration,
}

impl Budget {
    /// The budget of a render: 1,000,000 steps and 1 s.
    pub const FULL: Budget = Budget {
        steps: 1_000_000,
        time: Duration::from_secs(1),
    };
    /// The budget of a render tried on a server's request thread before it
    /// is handed to the sandbox: 10,000 steps and 2 ms.
    pub const INLINE: Budget = Budget {
        steps: 10_000,
        time: Duration::from_millis(2),
    };
}

/// Steps between two readings of the clock.
pub(super) const CLOCK_EVERY: u64 = 64;

/// Which limit a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// The step limit.
    Steps(u64),
    /// The time limit.
    Time(Duration),
}

#[derive(Clone, Copy)]
struct Meter {
    left: u64,
    until_clock: u64,
    deadline: Instant,
    budget: Budget,
    exceeded: Option<Exceeded>,
}

thread_local! {
    static METER: Cell<Option<Meter>> = const { Cell::new(None) };
}

/// Runs `f` under `budget`; returns what it returned and which limit, if
/// any, it ran into.
pub(super) fn metered<T>(budget: Budget, f: impl FnOnce() -> T) -> (T, Option<Exceeded>) {
    let meter = Meter {
        left: budget.steps,
        until_clock: CLOCK_EVERY,
        deadline: Instant::now() + budget.time,
        budget,
        exceeded: None,
    };
    let prev = METER.with(|m| m.replace(Some(meter)));
    let out = f();
    let exceeded = METER.with(|m| m.replace(prev)).and_then(|m| m.exceeded);
    (out, exceeded)
}

/// Spends `n` steps; fails the render once the budget is gone. Outside a
/// metered render it does nothing.
pub(super) fn charge(n: u64) -> Result<(), RenderError> {
    METER.with(|cell| {
        let Some(mut m) = cell.get() else {
            return Ok(());
        };
        let result = spend(&mut m, n);
        cell.set(Some(m));
        result
    })
}

fn spend(m: &mut Meter, n: u64) -> Result<(), RenderError> {
    if m.exceeded.is_some() {
        return Err(over());
    }
    if n > m.left {
        m.left = 0;
        m.exceeded = Some(Exceeded::Steps(m.budget.steps));
        return Err(over());
    }
    m.left -= n;
    if n >= m.until_clock {
        m.until_clock = CLOCK_EVERY;
        if Instant::now() >= m.deadline {
            m.exceeded = Some(Exceeded::Time(m.budget.time));
            return Err(over());
        }
    } else {
        m.until_clock -= n;
    }
    Ok(())
}

fn over() -> RenderError {
    RenderErrorReason::Other("template budget exceeded".into()).into()
}
