//! The `plan-portal` command: serve the portal (default), load a seed file, manage accounts,
//! back up and restore. The commands live in [`plan_portal::cli`].

use std::process::ExitCode;

use clap::Parser;
use plan_portal::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::init_logs(cli.log_format);
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
