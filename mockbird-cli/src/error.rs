//! What can go wrong, and the exit code each failure ends the command with.

/// A failed command. [`CliError::exit_code`] is what `mockbird` exits with:
///
/// | code | meaning |
/// |---:|---|
/// | 0 | done (for `verify`: the count holds) |
/// | 1 | the command failed: the server refused (validation, conflict, not found) or `verify`'s count did not hold |
/// | 2 | bad usage: an unknown flag, an unreadable or invalid file |
/// | 3 | not signed in, or the credential was refused (401/403) |
/// | 4 | the server could not be reached |
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or input.
    #[error("{0}")]
    Usage(String),
    /// No credential, or the server refused it.
    #[error("{0}")]
    Auth(String),
    /// The server answered with an error.
    #[error("{message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's `error` code.
        code: String,
        /// The server's message, and every listed problem.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Network {
        /// The server.
        url: String,
        /// Why.
        reason: String,
    },
    /// The command ran, and what it checked does not hold.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// The process exit code of this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Failed(_) | CliError::Api { .. } => 1,
            CliError::Usage(_) => 2,
            CliError::Auth(_) => 3,
            CliError::Network { .. } => 4,
        }
    }
}

/// A command's result.
pub type CliResult<T> = Result<T, CliError>;
