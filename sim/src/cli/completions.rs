//! `migcal completions <shell>`: the shell's completion script for every subcommand and option
//! (clap_complete), on stdout, for the user to source or install (README, "Install").

use super::{print_out, CliError, CliResult};
use std::process::ExitCode;

/// Arguments of `migcal completions`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Prints the completion script of `cmd` (the whole `migcal` command) for `args.shell`.
pub fn run(args: &Args, mut cmd: clap::Command) -> CliResult {
    let mut script = Vec::new();
    let name = cmd.get_name().to_string();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    let text = String::from_utf8(script)
        .map_err(|e| CliError::Message(format!("completion script: {e}")))?;
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}
